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
  "stopping" until it has, so nothing rewrites the network under it;
- anything that rewrites the weights in place (Reset, Import) waits until the
  worker has returned;
- ``restore`` takes over a whole saved state at once (an opened project, or
  File ▸ New): data, network, settings and the run to continue.
"""

from dataclasses import dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bpstudio.core import RunState, TrainConfig, Trainer
from bpstudio.core.nn.heads import check_targets, default_head
from bpstudio.core.nn.spec import NetworkSpec, network_for
from bpstudio.core.data.dataset import prepare
from bpstudio.core.explain.compare import PATH_POINTS as RUN_PATH_POINTS, Run, setup_of
from bpstudio.core.explain.landscape import WeightPath
from bpstudio.core.explain.updates import Recorder, UpdateLog

from .jobs import JobRunner
from .runs import RunBook
from .snapshot import make_probe, make_snapshot
from .worker import Inbox, LiveSettings, Pace, TrainJob, share_the_gil

LIVE_SETTINGS = ("learning_rate", "epochs", "l2", "lr_decay", "patience")
STOP_WAIT_MS = 1000   # how long a change right after Stop waits for the job's batch to end
# What the app starts with (and File ▸ New Project goes back to): a generated 2-D set, Adam on mini-batches.
# Chosen on the generated sets for a smooth first curve: at lr 0.01, batches of 16 and 2000 epochs the
# weights kept growing and circles' validation cost spiked ~90 times (now 0–1, same accuracy, 0.6 s).
DEFAULT_DATASET = "circles"
DEFAULT_CONFIG = TrainConfig(learning_rate=0.003, batch_mode="mini-batch", batch_size=32, epochs=1000,
                             optimizer="adam", cost="cross_entropy")
# Training speeds a person can follow: label -> updates per second (None: as fast as the engine goes).
SPEEDS = {"1 update/s": 1.0, "10/s": 10.0, "100/s": 100.0, "full speed": None}


@dataclass(frozen=True)
class DataOptions:
    """How a dataset is turned into training and validation (and held-out test) splits."""

    scaling: str = "standard"
    val_fraction: float = 0.2
    seed: int = 0
    test_fraction: float = 0.0   # the app does not use a test split; a project made by a script may


class Session(QObject):
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
        self.state = RunState.IDLE
        self.origin = origin          # (name or path, load options) the dataset was read with, if known
        self.run_id = 0
        self.latest = None            # the last Snapshot of the current run
        self.pace = 0.0               # seconds between updates while training (0: full speed)
        self._deferred = []           # actions waiting for the worker to return
        self._inbox = Inbox()         # settings on their way to the training job
        self._job = None              # the newest training Job (its cancel flag is Pause/Stop)
        self.runs = RunBook(self)     # the runs kept for comparison; the current one is keyed by run_id
        share_the_gil()
        self.jobs = JobRunner(self, serial=True, name="training")
        self.jobs.progressed.connect(self._on_snapshot)
        self.jobs.finished.connect(self._on_job_returned)
        self._adopt_dataset(dataset, self.options)
        self._build_network(self.spec)

    # --- properties -------------------------------------------------------------

    @property
    def busy(self):
        """True while a training job has not returned (the network must not be rewritten in place)."""
        return self.jobs.busy

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
        check_targets(spec.cost, spec.output, self.prepared.Y_train)
        if not self._check_idle("change the network"):
            return False
        self._build_network(spec)
        return True

    def _adopt_dataset(self, dataset, options):
        """Split and scale ``dataset``; nothing changes if that fails (ValueError)."""
        prepared = prepare(dataset, scaling=options.scaling, val_fraction=options.val_fraction,
                           test_fraction=options.test_fraction, seed=options.seed, dtype=self.spec.dtype)
        self._take_prepared(prepared, options)

    def _take_prepared(self, prepared, options):
        self.dataset, self.options, self.prepared = prepared.dataset, options, prepared
        self.probe = make_probe(prepared, seed=options.seed)
        self.datasetChanged.emit()

    def _build_network(self, spec):
        if spec.dtype != self.prepared.X_train.dtype.name:
            self.spec = spec
            self._adopt_dataset(self.dataset, self.options)  # the splits follow the network's precision
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

    def set_pace(self, seconds):
        """Seconds between updates while training (0: full speed); applies at once, even mid-run."""
        self.pace = max(0.0, float(seconds))
        self._send(Pace(self.pace))

    def set_speed(self, updates_per_s):
        """Train at most ``updates_per_s`` updates a second (None: full speed); applies at once, even mid-run."""
        if updates_per_s is not None and not updates_per_s > 0:
            raise ValueError(f"speed must be a positive number of updates per second, got {updates_per_s!r}")
        self.set_pace(1.0 / updates_per_s if updates_per_s else 0.0)

    @property
    def speed(self):
        """Updates per second while training (None: full speed)."""
        return 1.0 / self.pace if self.pace > 0 else None

    @property
    def slow(self):
        """True when training is slowed down enough that every view can redraw after every update."""
        return self.pace >= 0.1

    def _send(self, message):
        """A message for the run: the training job applies it between batches; with no job, now."""
        self._inbox.post(message)
        if not self.busy:
            self._inbox.deliver(self._idle_target())

    def _idle_target(self):
        """What messages apply to while no job runs: the trainer, and the pace the next job starts with."""
        return TrainJob(self.run_id, "fit", self.trainer, self.prepared, self.probe, self._inbox, self.pace,
                        self.recorder)

    # --- run control ---------------------------------------------------------------------

    def start(self):
        """Start, or resume after Pause/Stop; the trainer continues where it stopped."""
        if self.state in (RunState.TRAINING, RunState.STOPPING):
            return
        if self.trainer.is_done:
            self.error.emit(f"This run reached its epoch limit ({self.config.epochs}). "
                            "Raise “Epochs” to continue, or press Reset to start over.")
            return
        self._submit("fit")
        self._set_state(RunState.TRAINING)

    def pause(self):
        if self.state == RunState.TRAINING:
            self.jobs.cancel()
            self._set_state(RunState.PAUSED)

    def step(self):
        """Train exactly one batch, then stay paused."""
        if self.state in (RunState.TRAINING, RunState.STOPPING):
            return
        self._submit("step")
        self._set_state(RunState.PAUSED)

    def stop(self):
        """End the run: training stops (after its current batch) and the network and data can be edited again."""
        self.jobs.cancel()
        self._set_state(RunState.STOPPING if self.busy else RunState.IDLE)

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
        if (net.sizes[0], net.sizes[-1]) != (ds.n_features, ds.n_outputs) or trainer.net is not net:
            raise ValueError(f"the network {' → '.join(map(str, net.sizes))} does not fit the data "
                             f"({ds.n_features} features, {ds.n_outputs} outputs)")
        if prepared.X_train.dtype != net.dtype:
            raise ValueError(f"the data is prepared as {prepared.X_train.dtype}, the network is {net.dtype}")
        self.spec = NetworkSpec.of(net, trainer.config.cost)
        self._take_prepared(prepared, options)
        self.origin = origin
        self.net, self.config, self.trainer = net, trainer.config, trainer
        self._new_log()
        self.networkChanged.emit()
        self.configChanged.emit()
        self.run_id += 1
        self.runs.replace_all(runs, current_run, self.run_id)
        self.runReset.emit()
        self._on_snapshot(make_snapshot(self.run_id, trainer, self.probe, 0))   # the whole history: curves

    def shutdown(self, timeout_ms=None):
        """Stop training and wait for the job, with a bound (call when the window closes).
        True when it ended in time; a job that did not is left to finish its batch (see ``jobs``)."""
        return self.jobs.shutdown(timeout_ms)

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

    def _submit(self, mode):
        job = TrainJob(self.run_id, mode, self.trainer, self.prepared, self.probe, self._inbox, self.pace,
                       self.recorder)
        self._job = self.jobs.run(job.run, f"training ({mode})", tag=self.run_id)

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    def _check_idle(self, what):
        """Whether ``what`` may happen now. Right after Stop it waits (bounded) for the job's batch to end."""
        if self.state == RunState.STOPPING and not self._finish_stopping():
            self.error.emit(f"Training is still finishing its batch; {what} again in a moment.")
            return False
        if self.state != RunState.IDLE:
            self.error.emit(f"Stop training to {what}.")
            return False
        return True

    def _finish_stopping(self):
        """Wait up to STOP_WAIT_MS for the stopped job to return (a batch is usually a few ms)."""
        return self.jobs.wait(STOP_WAIT_MS)

    def when_worker_idle(self, action):
        """Run ``action`` now, or as soon as the worker has returned every job (it must not touch the run before)."""
        if self.busy:
            self._deferred.append(action)
        else:
            action()

    def _on_snapshot(self, snap):
        if snap.run_id == self.run_id:
            latest = self.latest if self.latest and self.latest.run_id == snap.run_id else None
            if snap.progress.warning and not (latest and latest.progress.warning):
                self.error.emit(snap.progress.warning)   # once a run: the first snapshot that carries it
            if snap.progress.status and not (latest and latest.progress.status == snap.progress.status):
                self.message.emit(snap.progress.status)
            self.latest = snap
            self.path.add(snap.params)
            if snap.finished:
                self._record_run(snap)
            self.snapshot.emit(snap)

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

    def _on_job_returned(self, job):
        """A training job returned (the runner starts the next one, if any, right after)."""
        last = not self.busy
        if job.tag == self.run_id:
            if job.error is not None:
                self._set_state(RunState.IDLE if last else self.state)
                self.error.emit(f"Training failed: {job.error}")
            elif job.result is not None and job.result[1] not in ("stopped", "") and last:
                self._set_state(RunState.IDLE)
                (self.error if self.trainer.history.diverged else self.message).emit(f"Training {job.result[1]}")
        if last:
            self._inbox.deliver(self._idle_target())   # what arrived after the job's last look
            if self.state == RunState.STOPPING:
                self._set_state(RunState.IDLE)
            actions, self._deferred = self._deferred, []
            for action in actions:
                action()

