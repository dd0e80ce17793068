"""The command line. ``bpstudio`` alone opens the app; the subcommands work headless:

    bpstudio train moons --layers 16,8 --epochs 200 --export moons.onnx
    bpstudio predict moons.onnx new_points.csv --out predictions.csv
    bpstudio export moons.onnx moons.py
    bpstudio datasets

Bad input never shows a traceback: it prints one line ``error: …`` (naming the
file, line and column where they apply) and exits with status 2.
"""

import argparse
import contextlib
import csv
import io
import math
import signal
import sys
import threading
import time

from bpstudio import __version__

SUBCOMMANDS = ("train", "predict", "export", "datasets")
EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 1
EXIT_INTERNAL = 3


class CliError(Exception):
    """Bad command-line input; shown as one ``error:`` line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error:`` line instead of usage text plus a message."""

    def error(self, message):
        raise CliError(f"{message} (see: {self.prog} --help)")


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 training diverged, 2 bad input, 3 a bug)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return _open_app(argv)
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except (CliError, ValueError, OSError) as e:  # DataError, ModelFileError, ProjectFileError are ValueErrors
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nerror: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — a bug: still one line, not a traceback
        print(f"error: internal error ({type(e).__name__}: {_one_line(e)}); please report it", file=sys.stderr)
        return EXIT_INTERNAL


def build_parser():
    parser = _Parser(prog="bpstudio", description=(
        "Build, train and understand multilayer perceptrons. Without a command, bpstudio opens the "
        "desktop app (app options such as --dataset NAME, --screenshot PATH, --size WxH go to the app)."))
    parser.add_argument("--version", action="version", version=f"bpstudio {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_train(commands)
    predict = commands.add_parser("predict", help="predict with a saved model, write CSV",
                                  description="Predict with a saved model; DATA is a .csv file with the model's "
                                              "feature columns (by header name), an .npz with an array X, or a built-in name.")
    predict.add_argument("model", metavar="MODEL", help="a model file (.npz .json .safetensors .onnx)")
    predict.add_argument("data", metavar="DATA")
    predict.add_argument("--out", metavar="FILE", help="write the CSV here instead of to standard output")
    predict.set_defaults(run=_predict)
    export = commands.add_parser("export", help="convert a model file to another format",
                                 description="Convert a model file; the output's extension picks the format.")
    export.add_argument("model", metavar="MODEL")
    export.add_argument("out", metavar="OUT", help=".npz .json .safetensors .onnx or .py")
    export.set_defaults(run=_export)
    datasets = commands.add_parser("datasets", help="list the built-in datasets", description="List the built-in datasets.")
    datasets.set_defaults(run=_datasets)
    return parser


def _add_data_options(train):
    from bpstudio.core.data.dataset import TASKS

    add = train.add_argument
    add("data", metavar="DATA", help="built-in dataset name (see: bpstudio datasets) or a .csv/.npz file")
    add("--target", metavar="COL", help="target column of a CSV file (default: the last)")
    add("--task", choices=TASKS, help="of a file's target (default: guessed from its values)")
    add("--ignore", action="append", metavar="COL", help="leave this CSV column out; repeat for several")
    add("--drop-missing", action="store_true", help="drop rows with empty or NaN cells instead of failing")
    add("--samples", type=_whole_number, metavar="N", help="number of samples of a generated dataset")
    add("--noise", type=_non_negative_number, metavar="F", help="noise of a generated dataset")


def _data_options(args):
    """load_dataset's keyword arguments for the options given (built-ins refuse file options)."""
    given = {"target": args.target, "task": args.task, "ignore": args.ignore, "n_samples": args.samples,
             "noise": args.noise, "drop_missing": args.drop_missing or None}
    return {key: value for key, value in given.items() if value is not None}


def _add_train(commands):
    from bpstudio.core.nn.activations import ACTIVATIONS
    from bpstudio.core.train.config import BATCH_MODES
    from bpstudio.core.nn.costs import COSTS
    from bpstudio.core.train.optimizers import OPTIMIZERS
    from bpstudio.core.data.preprocessing import SCALINGS

    hidden = [name for name in ACTIVATIONS if name != "softmax"]
    train = commands.add_parser("train", help="train a network headless and export it",
                                description="Train a network on a built-in dataset or a .csv/.npz file.")
    add = train.add_argument
    _add_data_options(train)
    add("--layers", type=_layer_sizes, default=[16, 8], metavar="N,N,…",
        help="hidden layer sizes, e.g. 16,8 (default); 'none' for no hidden layer")
    add("--activation", default="tanh", choices=hidden, metavar="NAME",
        help=f"hidden activation: {', '.join(hidden)} (default tanh)")
    add("--output-activation", choices=list(ACTIVATIONS), metavar="NAME",
        help="default from the task: softmax for >2 classes, sigmoid for 2, linear for regression")
    add("--cost", choices=list(COSTS), metavar="NAME",
        help=f"{', '.join(COSTS)}; default from the output: cross_entropy, bce or mse")
    add("--lr", type=_positive_number, default=0.01, help="learning rate (default 0.01)")
    add("--batch-mode", choices=BATCH_MODES, default="mini-batch", metavar="MODE",
        help=f"{', '.join(BATCH_MODES)} (default mini-batch)")
    add("--batch-size", type=_whole_number, default=32, metavar="N", help="default 32")
    add("--optimizer", choices=list(OPTIMIZERS), default="adam", metavar="NAME",
        help=f"{', '.join(OPTIMIZERS)} (default adam)")
    add("--epochs", type=_whole_number, default=100, metavar="N", help="default 100")
    add("--val-split", type=_fraction, default=0.2, metavar="F",
        help="fraction of samples held out for validation (default 0.2)")
    add("--scale", choices=SCALINGS, default="standard", help="input scaling (default standard)")
    add("--seed", type=_whole_number_or_zero, default=0, metavar="N",
        help="seeds the data, the split, the initial weights and the shuffling (default 0)")
    add("--export", action="append", default=[], metavar="PATH",
        help="save the trained model (.npz .json .safetensors .onnx .py); repeat for several")
    add("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)


# --- argument types: each rejects bad values with a message argparse puts after the option's name ----


def _layer_sizes(text):
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of layer sizes ≥ 1, such as 16,8")
    return sizes


def _number_above(low, inclusive):
    """An argparse type: a finite number > low (≥ low when inclusive)."""
    relation = "≥" if inclusive else ">"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (value >= low if inclusive else value > low)):
            raise argparse.ArgumentTypeError(f"must be a finite number {relation} {low}, got {text!r}")
        return value
    return parse


_positive_number = _number_above(0, inclusive=False)
_non_negative_number = _number_above(0, inclusive=True)


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def _whole_number(text, low=1):
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ {low}, got {text!r}")
    return value


def _whole_number_or_zero(text):
    return _whole_number(text, low=0)


# --- train ----------------------------------------------------------------------------


def _train(args):
    from bpstudio.core import Network, TrainConfig, Trainer
    from bpstudio.core.data.loading import load_dataset
    from bpstudio.core.data.dataset import prepare
    from bpstudio.core.io.model import Model, output_targets

    _check_export_paths(args.export)
    dataset = load_dataset(args.data, seed=args.seed, **_data_options(args))
    output_activation, cost = _output_and_cost(dataset, args.output_activation, args.cost)
    # Two classes on a sigmoid need one output: the probability of the second class.
    two_classes = dataset.is_classification and dataset.n_outputs == 2
    n_out = 1 if two_classes and output_activation == "sigmoid" else dataset.n_outputs
    net = Network([dataset.n_features, *args.layers, n_out], [args.activation] * len(args.layers) + [output_activation],
                  seed=args.seed)
    config = TrainConfig(learning_rate=args.lr, batch_mode=args.batch_mode, batch_size=args.batch_size,
                         epochs=args.epochs, cost=cost, optimizer=args.optimizer, seed=args.seed)
    net.check_cost(cost)
    data = prepare(dataset, args.scale, args.val_split, seed=args.seed)
    print(f"{args.data}: {dataset.summary()} → {net!r}", file=sys.stderr)
    trainer = Trainer(net, config)
    bar = None if args.quiet else ProgressBar(sys.stderr)
    with _ctrl_c_stops_training() as stop:
        history = trainer.fit(data.X_train, output_targets(data.Y_train, n_out),
                              data.X_val, output_targets(data.Y_val, n_out), on_progress=bar, stop=stop)
    if bar:
        bar.close()
    print(summary(trainer))
    if history.diverged:
        # The restored weights are finite but can be huge (1e144): useless, and inf in float32 files.
        for path in args.export:
            print(f"not saved {path}: training diverged — lower the learning rate (--lr) and train again",
                  file=sys.stderr)
        return EXIT_DIVERGED
    model = Model.from_prepared(net, data, config, history)
    for path in args.export:
        _save(model, path)
    return 0


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


def _check_export_paths(paths):
    """Refuse a bad --export before training, not after."""
    from pathlib import Path

    from bpstudio.core.io.atomic import check_writable
    from bpstudio.core.io.model_files import EXPORT_FORMATS

    for path in map(Path, paths):
        if path.suffix.lower() not in EXPORT_FORMATS:
            raise CliError(f"argument --export: {path}: cannot save {path.suffix or 'files without an extension'}; "
                           f"supported: {', '.join(EXPORT_FORMATS)}")
        if not path.parent.is_dir():
            raise CliError(f"argument --export: {path}: the folder {path.parent} does not exist")
        try:
            check_writable(path.parent)
        except OSError as e:
            raise CliError(f"argument --export: {path}: cannot write in the folder {path.parent}: "
                           f"{e.strerror or e}") from None


def _output_and_cost(dataset, output_activation, cost):
    """Fill in whichever of output activation and cost was not given, from the task and the other."""
    if output_activation is None:
        by_cost = {"bce": "sigmoid", "cross_entropy": "softmax"}
        if cost in by_cost:
            output_activation = by_cost[cost]
        elif dataset.is_classification:
            output_activation = "sigmoid" if dataset.n_outputs == 2 or cost else "softmax"
        else:
            output_activation = "linear"
    if cost is None:
        cost = {"softmax": "cross_entropy", "sigmoid": "bce" if dataset.is_classification else "mse"}.get(
            output_activation, "mse")
    return output_activation, cost


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
        self.stream.write(f"\r{line}   " if self._live else f"{line}\n")
        self.stream.flush()

    def close(self):
        if self._live:
            self.stream.write("\n")


def summary(trainer):
    """The final report: epochs, costs, accuracies, time, speed and why training stopped."""
    h = trainer.history
    fmt = lambda x, spec: format(x, spec) if x is not None and math.isfinite(x) else "—"  # noqa: E731
    last = lambda values: values[-1] if values else None  # noqa: E731
    percent = lambda x: f"{100 * x:.1f} %" if x is not None and math.isfinite(x) else "—"  # noqa: E731
    lines = [
        f"epochs       {len(h)} ({h.stop_reason})",
        f"cost         train {fmt(last(h.train_cost), '.5g')}, validation {fmt(last(h.val_cost), '.5g')}",
    ]
    if h.train_accuracy and math.isfinite(h.train_accuracy[-1]):
        lines.append(f"accuracy     train {percent(h.train_accuracy[-1])}, validation {percent(last(h.val_accuracy))}")
    speed = trainer.samples_seen / trainer.elapsed if trainer.elapsed > 0 else math.nan
    lines.append(f"time         {trainer.elapsed:.2f} s ({fmt(speed, ',.0f')} samples/s)")
    if trainer.warning:
        lines.append(f"warning      {trainer.warning}")
    return "\n".join(lines)


def _save(model, path):
    from bpstudio.core.io.model_files import save_model

    save_model(model, path)
    print(f"saved {path}", file=sys.stderr)


# --- predict, export, datasets ---------------------------------------------------------------


def _predict(args):
    from bpstudio.core.io.model_files import load_model

    model = load_model(args.model)
    outputs = model.predict(_feature_rows(args.data, model.feature_names))
    text = prediction_csv(model, outputs)
    if args.out:
        from bpstudio.core.io.atomic import write_text
        try:
            write_text(args.out, text)
        except OSError as e:  # its file name would be the temporary file's
            raise CliError(f"{args.out}: cannot write the file: {e.strerror or e}") from None
        print(f"wrote {len(outputs)} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def prediction_csv(model, outputs):
    """CSV text: for a classifier the predicted class and one probability column per class;
    for a regression one column per target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if model.is_classification:
        from bpstudio.core.train.metrics import predicted_classes
        probabilities = outputs if outputs.shape[1] > 1 else [[1 - p, p] for (p,) in outputs]
        writer.writerow(["predicted"] + [f"p({name})" for name in model.class_names])
        for label, row in zip(predicted_classes(outputs), probabilities):
            writer.writerow([model.class_names[label]] + [f"{p:.6g}" for p in row])
    else:
        writer.writerow(model.target_names)
        writer.writerows([[f"{v:.8g}" for v in row] for row in outputs])
    return buffer.getvalue()


def _feature_rows(source, feature_names):
    """Raw feature rows from a CSV (columns picked by header name), an .npz (array X) or a built-in name."""
    import numpy as np

    lower = source.lower()
    if lower.endswith(".csv"):
        try:
            return _read_csv_features(source, feature_names)
        except (UnicodeDecodeError, csv.Error) as e:
            raise CliError(f"{source}: not a readable UTF-8 CSV file ({e})") from None
    if lower.endswith(".npz"):
        return _read_npz_features(source)
    from bpstudio.core.data.loading import load_dataset
    return load_dataset(source).X


def _read_npz_features(path):
    """The array X of an .npz archive: numeric, one row per sample, every value finite."""
    import numpy as np

    from bpstudio.core.io.safe_npz import load_arrays

    with open(path, "rb") as f:
        raw = f.read()
    try:
        arrays = load_arrays(raw)
    except Exception as e:  # noqa: BLE001 — zip and npy readers raise anything on corrupt bytes
        raise CliError(f"{path}: not a readable .npz archive ({_one_line(e)})") from None
    if "X" not in arrays:
        raise CliError(f"{path}: no array named X (found: {', '.join(arrays) or 'none'})")
    X = arrays["X"]
    if X.dtype.kind not in "biuf" or X.ndim < 2 or not np.isfinite(X).all():
        raise CliError(f"{path}: X must hold finite numbers, one row per sample; got dtype {X.dtype}, shape {X.shape}")
    return X.reshape(len(X), -1)


def _read_csv_features(path, feature_names):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in feature_names if name not in header]
        if missing:
            raise CliError(f"{path}: line 1: no column named {missing[0]!r}; the model needs the columns "
                           f"{', '.join(feature_names)}")
        columns = [header.index(name) for name in feature_names]
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append([_number(row, j, path, reader.line_num, header) for j in columns])
    if not rows:
        raise CliError(f"{path}: no data rows below the header line")
    return rows


def _number(row, j, path, line, header):
    cell = row[j] if j < len(row) else ""
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise CliError(f"{path}: line {line}, column {j + 1} ({header[j]}): {cell!r} is not a finite number")
    return value


def _export(args):
    from bpstudio.core.io.model_files import load_model

    _save(load_model(args.model), args.out)
    return 0


def _datasets(args):
    from bpstudio.core.data.loading import list_datasets

    infos = list_datasets()
    width = max(len(info.name) for info in infos)
    for info in infos:
        shape = f"{info.n_features} → {info.n_outputs}"
        print(f"{info.name:<{width}}  {info.kind:<9}  {info.task:<14}  {shape:<8}  {info.description}")
    return 0


# --- the app ----------------------------------------------------------------------------------


def _open_app(argv):
    try:
        from bpstudio.ui.app import main as app_main
    except ImportError as e:
        print(f"error: the desktop app cannot start ({e}); install it with: pip install \"bpstudio[app]\" "
              f"(the commands {', '.join(SUBCOMMANDS)} work without it; see: bpstudio --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return app_main(argv)


def _one_line(error):
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror}"
    text = " ".join(str(error).split())
    return text or type(error).__name__
