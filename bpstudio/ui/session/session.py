"""The session: the one place that owns the app's state, observed by the views through signals.

It holds the dataset and its prepared splits, the network (built from a
``NetworkSpec`` and the data's sizes), the ``TrainConfig``, the ``Trainer`` of
the current run and the run state (``RunState``).

Rules that keep the network consistent with what is on screen:
- the architecture and the data change only when idle (the panels are locked
  otherwise); a new network or dataset starts a new run;
- the learning rate, epoch limit, L2, decay and patience apply mid-run: they
  reach the training job as messages it applies between batches; other training
  settings start a new run from the current weights;
- "idle" means the training job has returned: after Stop the state is
  "stopping" until it has, so nothing rewrites the network under it
  (run control — Start, Pause, Step, Stop, speed, the job — is in ``run_control.py``);
- anything that rewrites the weights in place (Reset, Import) waits until the
  worker has returned;
- ``restore`` takes over a whole saved state at once (an opened project, or
  File ▸ New): data, network, settings and the run to continue.
"""

from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bpstudio.core import RunState, TrainConfig, Trainer
from bpstudio.core.nn.heads import check_targets, default_head, output_size, outputs_fit
from bpstudio.core.nn.spec import NetworkSpec, network_for
from bpstudio.core.data.dataset import prepare
from bpstudio.core.explain.compare import PATH_POINTS as RUN_PATH_POINTS, Run, setup_of
from bpstudio.core.explain.landscape import WeightPath
from bpstudio.core.explain.updates import Recorder, UpdateLog

from .options import LIVE_SETTINGS, DataOptions
from .run_control import RunControl
from .runs import RunBook
from .snapshot import make_probe, make_snapshot
from .worker import LiveSettings


class Session(RunControl, QObject):
    """Data, network, settings, the current run and the runs kept; started and stopped through ``RunControl``."""

    datasetChanged = Signal()     # new dataset and splits
    networkChanged = Signal()     # a new Network object (its sizes may differ)
    configChanged = Signal()
    runReset = Signal()           # a new run starts: history is empty
    snapshot = Signal(object)     # Snapshot of the current run
    stateChanged = Signal(object)  # RunState
    message = Signal(str)         # something worth a line in the status bar
    error = Signal(str)           # something went wrong; the app carries on

    def __init__(self, dataset, spec=None, config=None, options=None, origin=None, parent=None):
        super().__init__(parent)
        self.spec = spec or replace(NetworkSpec(), **dict(zip(("output", "cost"), default_head(dataset))))
        self.config = config or TrainConfig()
        self.options = options or DataOptions()
        self.origin = origin          # (name or path, load options) the dataset was read with, if known
        self.run_id = 0
        self.latest = None            # the last Snapshot of the current run
        self.runs = RunBook(self)     # the runs kept for comparison; the current one is keyed by run_id
        self._start_run_control()
        self._adopt_dataset(dataset, self.options)
        self._build_network(self.spec)

    # --- properties -------------------------------------------------------------

    @property
    def history(self):
        return self.trainer.history

    # --- data and architecture (idle only) ----------------------------------------

    def set_dataset(self, dataset, options=None, origin=None):
        """Use a new dataset (split by ``options``); the output layer and cost follow its task, hidden layers stay.
        ``origin``: the (name or path, load options) it was read with, kept so a project can name it."""
        if not self._check_idle("change the data"):
            return False
        self._adopt_dataset(dataset, options or self.options)
        self.origin = origin
        output, cost = default_head(dataset)
        self._build_network(replace(self.spec, output=output, cost=cost))
        self.message.emit(f"Loaded {dataset.source or 'data'}: {dataset.summary()}")
        return True

    def set_data_options(self, options):
        """Split the data anew; a split that cannot be made is reported (``error``) and changes nothing."""
        if not self._check_idle("change the data split"):
            return False
        try:
            self._adopt_dataset(self.dataset, options)
        except ValueError as exc:
            self.error.emit(f"Data split: {exc}")
            return False
        self._build_network(self.spec)
        return True

    def set_network_spec(self, spec):
        """Build a new network from ``spec``; an output/cost pair that does not fit each other or the
        data's targets raises ValueError and changes nothing."""
        check_targets(spec.cost, spec.output, self._split.for_outputs(output_size(self.dataset, spec.output)).Y_train)
        if not self._check_idle("change the network"):
            return False
        self._build_network(spec)
        return True

    def _adopt_dataset(self, dataset, options):
        """Split and scale ``dataset``; nothing changes if that fails (ValueError)."""
        prepared = prepare(dataset, scaling=options.scaling, val_fraction=options.val_fraction,
                           test_fraction=options.test_fraction, seed=options.seed, dtype=self.spec.dtype)
        self._take_prepared(prepared, options, output_size(prepared.dataset, self.spec.output))

    def _take_prepared(self, prepared, options, n_outputs):
        """``prepared`` as core splits it (one-hot classes); the session trains on its targets shaped for a
        network of ``n_outputs`` outputs (one column for a single sigmoid on two classes)."""
        self._split = prepared
        self.dataset, self.options, self.prepared = prepared.dataset, options, prepared.for_outputs(n_outputs)
        self.probe = make_probe(self.prepared, seed=options.seed)
        self.datasetChanged.emit()

    def _build_network(self, spec):
        n_outputs = output_size(self.dataset, spec.output)
        if spec.dtype != self.prepared.X_train.dtype.name:
            self.spec = spec
            self._adopt_dataset(self.dataset, self.options)  # the splits follow the network's precision
        elif n_outputs != self.prepared.Y_train.shape[1]:
            self._take_prepared(self._split, self.options, n_outputs)   # the targets follow the output layer
        self.net = network_for(spec, self.dataset)
        self.spec = spec
        self.config = replace(self.config, cost=spec.cost)
        self.networkChanged.emit()
        self._new_run()

    # --- training settings ------------------------------------------------------------

    def edit_config(self, **changes):
        """The user changed training settings (``TrainConfig`` fields): applied as ``set_config`` does;
        an invalid value is reported (``error``) and changes nothing. Returns whether it applied."""
        try:
            return self.set_config(replace(self.config, **changes))
        except ValueError as exc:
            self.error.emit(f"Training settings: {exc}")
            return False

    def set_config(self, config):
        """Apply training settings: live ones at once, the others as a new run (idle only)."""
        config = replace(config, cost=self.spec.cost)
        changed = {f.name for f in fields(TrainConfig) if getattr(config, f.name) != getattr(self.config, f.name)}
        if not changed:
            return True
        if changed <= set(LIVE_SETTINGS):
            self.config = config
            lr = config.learning_rate if "learning_rate" in changed else None
            self._send(LiveSettings(config, lr))
            self.configChanged.emit()
            return True
        if not self._check_idle("change " + ", ".join(sorted(changed - set(LIVE_SETTINGS)))):
            return False
        self.config = config
        self.configChanged.emit()
        self._new_run()
        return True

    # --- the weights -------------------------------------------------------------------------

    def reset(self):
        """Stop, redraw the initial weights from the network's seed and start a fresh run."""
        self.stop()
        self.when_worker_idle(self._do_reset)

    def _do_reset(self):
        self.net.reset()
        self._new_run()
        self.message.emit(f"Weights reset (seed {self.net.seed})")

    def set_weights(self, weights, biases):
        """Replace the weights (e.g. imported); shapes are checked per layer (ValueError)."""
        self.stop()
        if self.busy and not self._finish_stopping():
            raise RuntimeError("training is still finishing its batch; try again in a moment")
        self.net.set_parameters(weights, biases)
        self._new_run()

    def edit_weights(self, params, note=""):
        """The user changed the weights (an inspector edit, a rewind): take ``params`` (flat, in the
        network's layout) into the current run and show them everywhere; ``note`` goes to the status bar.
        Refused with a message while a training job holds the network. Returns whether it applied."""
        if self.state == RunState.TRAINING or self.busy:
            self.error.emit("Pause training to change the weights from the inspector.")
            return False
        self.net.params[...] = params
        self._on_snapshot(make_snapshot(self.run_id, self.trainer, self.probe, len(self.history)))
        if note:
            self.message.emit(note)
        return True

    def restore(self, prepared, options, net, trainer, origin=None, runs=(), current_run=None):
        """Take over a whole state: ``prepared`` data (split by ``options``), ``net`` and the run ``trainer``
        continues (its config becomes the session's), and the ``runs`` kept for comparison, of which
        ``runs[current_run]`` is the one ``trainer`` continues. Idle worker only; the views show it all,
        curves included.

        Raises ValueError, changing nothing, when the network does not fit the data."""
        if self.state != RunState.IDLE:
            raise RuntimeError("stop training before replacing the whole session")
        ds = prepared.dataset
        fits = net.sizes[0] == ds.n_features and outputs_fit(ds, net.activations[-1], net.sizes[-1])
        if not fits or trainer.net is not net:
            raise ValueError(f"the network {' → '.join(map(str, net.sizes))} does not fit the data "
                             f"({ds.n_features} features, {ds.n_outputs} outputs)")
        if prepared.X_train.dtype != net.dtype:
            raise ValueError(f"the data is prepared as {prepared.X_train.dtype}, the network is {net.dtype}")
        self.spec = NetworkSpec.of(net, trainer.config.cost)
        self._take_prepared(prepared, options, net.sizes[-1])
        self.origin = origin
        self.net, self.config, self.trainer = net, trainer.config, trainer
        self._new_log()
        self.networkChanged.emit()
        self.configChanged.emit()
        self.run_id += 1
        self.runs.replace_all(runs, current_run, self.run_id)
        self.runReset.emit()
        self._on_snapshot(make_snapshot(self.run_id, trainer, self.probe, 0))   # the whole history: curves

    # --- internals ---------------------------------------------------------------------------

    def _new_run(self):
        self.trainer = Trainer(self.net, self.config)
        self._new_log()
        self.run_id += 1
        self.runReset.emit()
        self._on_snapshot(make_snapshot(self.run_id, self.trainer, self.probe, 0))

    def _new_log(self):
        """Per-update health of the run that starts (``log``), kept by a ``Recorder`` the job calls, and
        the weights it passes through (``path``, from the snapshots: its loss surface's path)."""
        self.log = UpdateLog(self.net.n_layers)
        self.path = WeightPath()
        p = self.prepared
        self.recorder = Recorder(self.log, (self.probe.X_grad, self.probe.Y_grad), (p.X_train, p.Y_train))

    def _record_run(self, snap):
        """A fit/step returned: keep (or update) this run in the run list (Runs numbers it)."""
        if len(self.history):
            run = Run("", self.config, self.history.copy(), snap.params.copy(), self.setup_of(self.net),
                      initial=self.path.points[0], path=self.path.sampled(RUN_PATH_POINTS))
            self.runs.record(run, snap.run_id)

    def setup_of(self, net):
        """{setting: text} of the data and network ``net`` trains here, for Runs to say what changed."""
        data = Path(str(self.dataset.source)).name
        options = self.origin[1] if self.origin else {}
        if options:
            data += " (" + ", ".join(f"{key}={value}" for key, value in sorted(options.items())) + ")"
        return setup_of(net, data, self.options.scaling, self.options.val_fraction)


