"""``bpstudio train DATA``: train a network headless, print a summary, export the model."""

import contextlib
import math
import signal
import sys
import threading
import time

from bpstudio.cli.common import (EXIT_DIVERGED, FORMAT_HELP, CliError, betas, decay, emit, epoch_count, fraction, layer_sizes,
                                 non_negative_number, positive_number, save, say, to_stdout, whole_number,
                                 whole_number_or_zero)


def add_parser(commands):
    from bpstudio.core.nn.activations import ACTIVATIONS
    from bpstudio.core.nn.costs import COSTS
    from bpstudio.core.nn.init import INIT_NAMES
    from bpstudio.core.train.config import BATCH_MODES
    from bpstudio.core.train.optimizers import OPTIMIZERS
    from bpstudio.core.data.preprocessing import SCALINGS

    hidden = [name for name in ACTIVATIONS if name != "softmax"]
    train = commands.add_parser("train", help="train a network headless and export it",
                                description="Train a network on a built-in dataset or a .csv/.npz file.")
    add = train.add_argument
    _add_data_options(train)
    add("--layers", type=layer_sizes, default=[16, 8], metavar="N,N,…",
        help="hidden layer sizes, e.g. 16,8 (default); 'none' for no hidden layer")
    add("--activation", default="tanh", choices=hidden, metavar="NAME",
        help=f"hidden activation: {', '.join(hidden)} (default tanh)")
    add("--output-activation", choices=list(ACTIVATIONS), metavar="NAME",
        help="default from the task (as in the app): softmax for classes, sigmoid for one 0/1 column, "
             "linear for regression")
    add("--cost", choices=list(COSTS), metavar="NAME",
        help=f"{', '.join(COSTS)}; default from the output: cross_entropy, bce or mse")
    add("--lr", type=positive_number, default=0.01, help="learning rate (default 0.01)")
    add("--batch-mode", choices=BATCH_MODES, default="mini-batch", metavar="MODE",
        help=f"{', '.join(BATCH_MODES)} (default mini-batch)")
    add("--batch-size", type=whole_number, default=32, metavar="N", help="default 32")
    add("--optimizer", choices=list(OPTIMIZERS), default="adam", metavar="NAME",
        help=f"{', '.join(OPTIMIZERS)} (default adam)")
    add("--momentum", type=fraction, default=0.9, metavar="F", help="of momentum and nesterov (default 0.9)")
    add("--betas", type=betas, default=(0.9, 0.999), metavar="B1,B2", help="of adam (default 0.9,0.999)")
    add("--l2", type=non_negative_number, default=0.0, metavar="F",
        help="weight decay: adds F·W to every weight gradient (default 0)")
    add("--lr-decay", type=decay, default=1.0, metavar="F",
        help="multiply the learning rate by F after every epoch, 0 < F ≤ 1 (default 1: none)")
    add("--init", choices=INIT_NAMES, default="auto", metavar="NAME",
        help=f"initial weights: {', '.join(INIT_NAMES)} (default auto: he for relu, xavier otherwise)")
    add("--epochs", type=epoch_count, default=100, metavar="N", help="default 100")
    add("--patience", type=whole_number, metavar="N",
        help="early stopping: stop after N epochs without a better validation cost and restore the best weights")
    add("--val-split", type=fraction, default=0.2, metavar="F",
        help="fraction of samples held out for validation (default 0.2; stratified by class)")
    add("--test-split", type=fraction, default=0.0, metavar="F",
        help="fraction held out as a test split, scored once at the end (default 0)")
    add("--scale", choices=SCALINGS, default="standard", help="input scaling (default standard)")
    add("--seed", type=whole_number_or_zero, default=0, metavar="N",
        help="seeds the data, the split, the initial weights and the shuffling (default 0)")
    add("--export", action="append", default=[], metavar="PATH",
        help="save the trained model (.npz .json .safetensors .onnx .py); repeat for several; '-' is standard "
             "output (the summary then goes to standard error), a device or a FIFO is written into")
    add("--format", metavar="FORMAT", help=FORMAT_HELP)
    add("--export-anyway", action="store_true",
        help="save even when the cost exploded (ended over 100× its value before training); by default such "
             "a run keeps the previous file")
    add("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=run)


def _add_data_options(train):
    from bpstudio.core.data.dataset import TASKS

    add = train.add_argument
    add("data", metavar="DATA", help="built-in dataset name (see: bpstudio datasets) or a .csv/.npz file")
    add("--target", metavar="COL", help="target column of a CSV file (default: guessed — a column named target, "
                                         "label, class, y, species…, else the last one that is not an id or a date)")
    add("--task", choices=TASKS, help="of a file's target (default: guessed from its values)")
    add("--ignore", action="append", metavar="COL", help="leave this CSV column out; repeat for several")
    add("--category", action="append", metavar="COL",
        help="read this CSV column as categories (one 0/1 input each), e.g. a numeric code; repeat for several")
    add("--dates", choices=("ignore", "expand"), default="ignore",
        help="date columns: left out (default) or expanded into year and day of the year (sin, cos)")
    missing = train.add_mutually_exclusive_group()
    missing.add_argument("--impute", dest="drop_missing", action="store_false",
                         help="fill missing input cells (NA, ?, empty…) with the training split's median or "
                              "most frequent value (default)")
    missing.add_argument("--drop-missing", dest="drop_missing", action="store_true",
                         help="leave out rows with a missing input cell instead of filling them")
    train.set_defaults(drop_missing=False)
    add("--samples", type=whole_number, metavar="N", help="number of samples of a generated dataset")
    add("--noise", type=non_negative_number, metavar="F", help="noise of a generated dataset")


def _data_options(args):
    """load_dataset's keyword arguments for the options given (built-ins refuse file options)."""
    kinds = {name: "category" for name in args.category or ()}
    given = {"target": args.target, "task": args.task, "ignore": args.ignore, "n_samples": args.samples,
             "noise": args.noise, "drop_missing": args.drop_missing or None, "kinds": kinds or None,
             "dates": "expand" if args.dates == "expand" else None}
    return {key: value for key, value in given.items() if value is not None}


def run(args):
    from bpstudio.core import Network, TrainConfig, Trainer
    from bpstudio.core.data.dataset import prepare
    from bpstudio.core.data.loading import load_dataset
    from bpstudio.core.io import training_state
    from bpstudio.core.io.model import Model
    from bpstudio.core.nn.heads import complete_head, output_size

    _check_export_paths(args.export, args.format)
    if args.patience is not None and args.val_split == 0:
        raise CliError("argument --patience: early stopping needs a validation split (--val-split > 0)")
    dataset = load_dataset(args.data, seed=args.seed, **_data_options(args))
    for note in dataset.notes:
        print(f"note: {note}", file=sys.stderr)
    data = prepare(dataset, args.scale, args.val_split, args.test_split, seed=args.seed)
    dataset = data.dataset   # its inputs as encoded on the training split
    output_activation, cost = complete_head(dataset, args.output_activation, args.cost)
    n_out = output_size(dataset, output_activation)
    data = data.for_outputs(n_out)   # the targets as the network learns them: the app's rule too (heads)
    sizes = [dataset.n_features, *args.layers, n_out]
    check_training_memory(sizes, args.batch_size, dataset.n_samples)
    net = Network(sizes, [args.activation] * len(args.layers) + [output_activation], init=args.init, seed=args.seed)
    config = TrainConfig(learning_rate=args.lr, batch_mode=args.batch_mode, batch_size=args.batch_size,
                         epochs=args.epochs, cost=cost, optimizer=args.optimizer, seed=args.seed,
                         momentum=args.momentum, betas=args.betas, l2=args.l2, lr_decay=args.lr_decay,
                         patience=args.patience)
    net.check_cost(cost)
    say(f"{args.data}: {dataset.summary()} → {net!r}")
    X, Y = data.X_train, data.Y_train
    cost_before = net.cost(X, Y, cost)
    trainer = Trainer(net, config)
    bar = None if args.quiet else ProgressBar(sys.stderr)
    with _ctrl_c_stops_training() as stop:
        history = trainer.fit(X, Y, data.X_val, data.Y_val, on_progress=bar, stop=stop)
    if bar:
        bar.close()
    refusal = _why_not_saved(history, cost_before, args.export_anyway)
    if not refusal:   # saved before the summary is printed: a closed stdout cannot lose the model
        model = Model.from_prepared(net, data, config, history)
        model.training_state = training_state.of_trainer(trainer)   # a .py export continues this run exactly
        for path in args.export:
            save(model, path, args.format)
    # When standard output carries the model, the summary goes to standard error.
    report = say if any(map(to_stdout, args.export)) else lambda text: emit(text + "\n")
    report(summary(trainer))
    if not history.diverged:
        report(scores(net, data))
    for path in args.export if refusal else ():
        say(f"not saved {path}: {refusal}")
    return EXIT_DIVERGED if refusal else 0


def _why_not_saved(history, cost_before, anyway):
    """Why a run's model must not replace the files it would be exported to ('' when it may)."""
    from bpstudio.core.train.trainer import COST_FLOOR, WARNING_FACTOR

    if history.diverged:
        # The restored weights are finite but can be huge (1e144): useless, and inf in float32 files.
        return "training diverged — lower the learning rate (--lr) and train again"
    final = history.train_cost[-1] if len(history) else cost_before
    if final > WARNING_FACTOR * max(cost_before, COST_FLOOR) and not anyway:
        return (f"the cost exploded: it ended at {final:.3g}, over {WARNING_FACTOR:g}× its {cost_before:.3g} before "
                "training, so any previous file is kept — lower the learning rate (--lr), or pass --export-anyway")
    return ""


def check_training_memory(sizes, batch_size, n_samples):
    """Refuse, before allocating, a network whose training would not fit in memory (--layers 100000,100000)."""
    from bpstudio.core.limits import MemoryLimitError, check_memory, training_bytes

    try:
        check_memory(training_bytes(sizes, batch_size, n_samples),
                     f"training a network {' → '.join(map(str, sizes))} "
                     f"({sum(a * b + b for a, b in zip(sizes, sizes[1:])):,} weights and biases)")
    except MemoryLimitError as e:
        raise CliError(f"argument --layers: {e} — use fewer or smaller hidden layers") from None


@contextlib.contextmanager
def _ctrl_c_stops_training():
    """Ctrl-C ends training after the current batch; the summary and exports still happen."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals can only be caught there
        yield stop
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_export_paths(paths, format=None):
    """Refuse a bad --export before training, not after."""
    from pathlib import Path

    from bpstudio.core.io.atomic import check_writable
    from bpstudio.core.io.model_files import ModelFileError, export_format
    from bpstudio.core.io.special_files import writes_through

    if sum(map(to_stdout, paths)) > 1:
        raise CliError("argument --export: standard output can take one model, not several")
    for path in map(Path, paths):
        try:
            export_format(path, format)
        except ModelFileError as e:
            raise CliError(f"argument --export: {e}") from None
        if writes_through(path):   # a FIFO or a device named like a model file: written into, not replaced
            continue
        if not path.parent.is_dir():
            raise CliError(f"argument --export: {path}: the folder {path.parent} does not exist")
        try:
            check_writable(path.parent)
        except OSError as e:
            raise CliError(f"argument --export: {path}: cannot write in the folder {path.parent}: "
                           f"{e.strerror or e}") from None


class ProgressBar:
    """A one-line progress bar with the current cost, redrawn at most 10 times a second.

    When stderr is not a terminal (a log file, CI) it writes a plain line every 5 seconds
    instead, since carriage returns would pile up on one line.
    """

    WIDTH = 24

    def __init__(self, stream):
        self.stream = stream
        self._last = 0.0
        self._live = stream.isatty() if hasattr(stream, "isatty") else False
        self._interval = 0.1 if self._live else 5.0

    def __call__(self, progress):
        now = time.monotonic()
        last_epoch = progress.epoch_ended and progress.epoch == progress.epochs
        if now - self._last < self._interval and not last_epoch:
            return
        self._last = now
        done = (progress.epoch + progress.batch / max(progress.batches_per_epoch, 1)) / progress.epochs
        filled = int(round(done * self.WIDTH))
        cost = f"{progress.train_cost:.4g}" if math.isfinite(progress.train_cost) else "—"
        val = f", validation {progress.val_cost:.4g}" if math.isfinite(progress.val_cost) else ""
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] epoch {progress.epoch}/{progress.epochs}  cost {cost}{val}"
        self._write(f"\r{line}   " if self._live else f"{line}\n")

    def close(self):
        if self._live:
            self._write("\n")

    def _write(self, text):
        """A closed stderr ends the bar, never the training."""
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None


def scores(net, prepared):
    """Accuracy, per-class precision/recall and the confusion matrix (or R², RMSE, MAE in the target's
    units) on the training and validation splits, then the test split (if any), scored once here."""
    from bpstudio.core.train.evaluation import SPLITS, evaluate_split

    lines = []
    for split in SPLITS:
        evaluation = evaluate_split(net, prepared, split)
        if evaluation is None:
            continue
        first, *rest = evaluation.lines() if split != "train" else [evaluation.headline()]
        lines.append(f"{split:<12} {first}")
        lines += rest
    if not prepared.dataset.is_classification:
        lines.append("             (RMSE and MAE in the target's own units)")
    return "\n".join(lines)


def summary(trainer):
    """The final report: epochs, costs, time, speed and why training stopped (the scores follow)."""
    h = trainer.history
    fmt = lambda x, spec: format(x, spec) if x is not None and math.isfinite(x) else "—"  # noqa: E731
    lines = [
        f"epochs       {len(h)} ({h.stop_reason})",
        f"cost         train {fmt(h.latest('train_cost'), '.5g')}, validation {fmt(h.latest('val_cost'), '.5g')}",
    ]
    speed = trainer.samples_seen / trainer.elapsed if trainer.elapsed > 0 else math.nan
    lines.append(f"time         {trainer.elapsed:.2f} s ({fmt(speed, ',.0f')} samples/s)")
    if trainer.warning:
        lines.append(f"warning      {trainer.warning}")
    return "\n".join(lines)
