"""The training loop: batches, updates, per-epoch history, divergence and early stopping.

A ``Trainer`` keeps its place (epoch, position inside the epoch, optimizer
state, shuffling RNG), so ``fit`` can be stopped through a ``threading.Event``
and called again to continue exactly where it stopped; ``step`` trains one
batch. This is how the GUI pauses, resumes and single-steps.

The training cost of an epoch is the mean cost of every sample as the network
saw it during that epoch (before its update), gathered from the forward passes
training does anyway — the figure Keras and PyTorch loops report. For full
batch it is the exact cost at the start of the epoch. The validation cost is
exact, computed at the end of each epoch.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from ..nn.backprop import Workspace
from .fused_step import make_step
from .metrics import accuracy, is_classification
from ..nn.network import _CHUNK, evaluate_cost
from .optimizers import make_optimizer
from .series import Series
from . import compiled

REPORT_INTERVAL = 0.05  # seconds between progress reports inside an epoch
# A cost above this many times its value before training gets a warning (Trainer.warning). It is
# not divergence: Adam or RMSprop with relu often spike 10⁴× and recover to a perfect fit, while a
# saturated tanh can sit at 100× for good with every number finite; only the user can tell.
WARNING_FACTOR = 100.0
COST_FLOOR = 1e-3  # a network that starts at cost 0 is warned about above WARNING_FACTOR × this


@dataclass
class History:
    """Per-epoch record of a run; every series has one entry per completed epoch.

    The series are ``Series`` (8 bytes an entry, in blocks that never move: a run of a million
    epochs keeps every one in ~56 MB and leaves no holes in the heap as it grows). They index,
    slice, iterate, append and compare like lists (lists given to the constructor are converted),
    and ``np.asarray(history.train_cost)`` gives an array.
    """

    epoch: Series = field(default_factory=lambda: Series(dtype=np.int64))
    train_cost: Series = field(default_factory=Series)
    val_cost: Series = field(default_factory=Series)         # nan without validation data
    train_accuracy: Series = field(default_factory=Series)   # nan for regression
    val_accuracy: Series = field(default_factory=Series)
    time: Series = field(default_factory=Series)             # training seconds since the start
    samples_per_s: Series = field(default_factory=Series)
    stop_reason: str = ""   # why the last fit ended: completed, stopped, diverged …, early stopping …

    def __post_init__(self):
        self.epoch = Series(self.epoch, np.int64)
        for name in _SERIES:
            setattr(self, name, Series(getattr(self, name)))
        if len({len(getattr(self, name)) for name in ("epoch", *_SERIES)}) != 1:
            raise ValueError("history: every per-epoch series needs one number per epoch")

    def __len__(self):
        return len(self.epoch)

    @property
    def diverged(self):
        return self.stop_reason.startswith("diverged")

    def copy(self):
        """An independent copy: the series are copied, not shared with a run that goes on."""
        return History(**{name: getattr(self, name) for name in ("epoch", *_SERIES)}, stop_reason=self.stop_reason)

    def to_dict(self):
        """Plain lists (JSON-ready)."""
        series = {name: getattr(self, name).tolist() for name in ("epoch", *_SERIES)}
        return {**series, "stop_reason": self.stop_reason}

    @classmethod
    def from_dict(cls, data):
        """Rebuild from ``to_dict()``, checking one number per epoch in every series."""
        if not isinstance(data["stop_reason"], str):
            raise ValueError(f"history: stop_reason must be text, got {data['stop_reason']!r}")
        return cls(**{name: data[name] for name in ("epoch", *_SERIES)}, stop_reason=data["stop_reason"])


_SERIES = ("train_cost", "val_cost", "train_accuracy", "val_accuracy", "time", "samples_per_s")


@dataclass
class Progress:
    """A small report for ``on_progress``; epoch counts completed epochs."""

    epoch: int
    epochs: int
    batch: int              # batches done in the current epoch
    batches_per_epoch: int
    updates: int            # weight updates since the start
    samples_seen: int
    train_cost: float       # last completed epoch's (nan before the first)
    val_cost: float
    elapsed: float          # training seconds since the start
    samples_per_s: float
    epoch_ended: bool
    warning: str = ""       # Trainer.warning
    status: str = ""        # a passing note for the status bar (e.g. the compiled path being built)


class Trainer:
    """Trains ``net`` in place with a ``TrainConfig``; see ``fit`` and ``step``."""

    def __init__(self, net, config):
        self.net = net
        self.config = config
        self.cost_fn = net.check_cost(config.cost)
        self.optimizer = make_optimizer(config, net.params)
        self.history = History()
        self.warning = ""   # set once, the first time the cost explodes (see WARNING_FACTOR)
        self.epoch = 0
        self.updates = 0
        self.samples_seen = 0
        self.elapsed = 0.0
        self._rng = np.random.default_rng(config.seed)
        self._data = None
        self._pos = 0                 # next sample index inside the current epoch
        self._epoch_started = False   # this epoch's order has been drawn
        self._epoch_elapsed = 0.0
        self._best = (np.inf, 0, None)  # (val cost, epoch, params) for early stopping
        self._resume = None             # state to apply when data is next bound
        self._compiled = None           # the compiled path (compiled.CompiledDescent) when it suits the run
        self._run_length = 64           # batches per compiled call, adapted to take ~2 ms

    # --- public API -------------------------------------------------------------

    def fit(self, X, Y, X_val=None, Y_val=None, on_progress=None, stop=None):
        """Train until ``config.epochs`` epochs are done, ``stop`` is set, or the run diverges.

        X: (N, n_in); Y: (N, n_out). ``on_progress(Progress)`` is called at every epoch
        end and at most every 50 ms inside long epochs. ``stop`` is a ``threading.Event``
        checked once per batch. Returns the ``History`` (also ``self.history``).
        """
        self._bind(X, Y, X_val, Y_val)
        self.history.stop_reason = ""
        with np.errstate(all="ignore"):  # overflow is detected and reported as divergence
            while self.epoch < self.config.epochs and not self.history.stop_reason:
                self._run_epoch(on_progress, stop)
        if not self.history.stop_reason:
            self.history.stop_reason = "completed"
        return self.history

    def step(self, X, Y, X_val=None, Y_val=None):
        """Train exactly one batch (the next one in this epoch's order); returns a ``Progress``."""
        self._bind(X, Y, X_val, Y_val)
        self.history.stop_reason = ""
        with np.errstate(all="ignore"):
            started = time.perf_counter()
            if not self._epoch_started:
                self._start_epoch()
            self._train_batch()
            self._epoch_elapsed += time.perf_counter() - started
            if self._pos >= len(self._order):
                self._end_epoch()
            elif not np.isfinite(self.net.params).all():
                self._diverged("weights became non-finite")
        return self.progress(epoch_ended=self._pos == 0)

    def state_dict(self):
        """Everything needed to continue this run exactly: counters, the current epoch's
        order and position, the shuffling RNG, optimizer state and history (the network's
        parameters are saved separately)."""
        return {
            "epoch": self.epoch, "updates": self.updates, "samples_seen": self.samples_seen,
            "elapsed": self.elapsed, **self._position(),
            "rng": self._rng.bit_generator.state,
            "optimizer": self.optimizer.state_dict(),
            "history": self.history.to_dict(),
            "best_cost": float(self._best[0]), "best_epoch": self._best[1], "best_params": self._best[2],
        }

    def _position(self):
        """Where the run is inside the current epoch (state_dict's part of it)."""
        if self._resume is not None:   # loaded, and not trained since: the loaded position still holds
            r = self._resume
            return {"epoch_elapsed": r["epoch_elapsed"], "pos": r["pos"], "epoch_started": True,
                    "order": r["order"].copy(), "z_epoch": r["z_epoch"].copy()}
        pos = self._pos
        return {"epoch_elapsed": self._epoch_elapsed, "pos": pos, "epoch_started": self._epoch_started,
                "order": self._order.copy() if self._data else None,
                "z_epoch": self._Z_epoch[:pos].copy() if self._data else None}

    def load_state_dict(self, state):
        """Restore ``state_dict()`` output; the epoch in progress resumes at the next ``fit``/``step``."""
        self.epoch, self.updates = int(state["epoch"]), int(state["updates"])
        self.samples_seen, self.elapsed = int(state["samples_seen"]), float(state["elapsed"])
        if min(self.epoch, self.updates, self.samples_seen) < 0:
            raise ValueError("saved run: epoch, updates and samples seen must be ≥ 0")
        self._rng.bit_generator.state = state["rng"]
        self.optimizer.load_state_dict(state["optimizer"])
        self.history = History.from_dict(state["history"])
        best_params = state["best_params"]
        if best_params is not None and np.shape(best_params) != self.net.params.shape:
            raise ValueError(f"saved best parameters have shape {np.shape(best_params)}, "
                             f"expected {self.net.params.shape}")
        self._best = (float(state["best_cost"]), int(state["best_epoch"]), best_params)
        self._resume = _resume_point(state, self.net.sizes[-1])
        self._data = None  # the next fit/step binds data and applies the saved epoch position

    def _apply_resume(self):
        state, self._resume = self._resume, None
        if state is None:
            return
        order = state["order"]
        if len(order) != len(self._order):
            raise ValueError(f"saved run had {len(order)} training samples, the data has {len(self._order)}")
        if not np.array_equal(np.sort(order), self._order):
            raise ValueError("saved sample order is damaged: it is not a permutation of the training samples")
        self._order = order
        self._pos = state["pos"]
        self._Z_epoch[:self._pos] = state["z_epoch"]
        self._epoch_elapsed = state["epoch_elapsed"]
        self._snapshot = self.net.params.copy()
        self._epoch_started = True

    @property
    def last_gradient(self):
        """Flat gradient of the last batch, laid out like ``net.params`` (may be a live buffer: copy it)."""
        if not (self._data and self.updates):
            return None
        return self._last_step.gradient()

    @property
    def last_update(self):
        """Flat step of the last update, θ ← θ − last_update (a live buffer: copy it)."""
        if not self.updates:
            return None
        return self._last_step.update() if self._data else self.optimizer.last_update

    @property
    def is_done(self):
        return self.epoch >= self.config.epochs

    def progress(self, epoch_ended=False):
        h = self.history
        last = lambda values: values[-1] if values else float("nan")  # noqa: E731
        data_rows = len(self._order) if self._data else 0
        batch_size = self._batch_size if self._data else 1
        return Progress(
            epoch=self.epoch, epochs=self.config.epochs,
            batch=-(-self._pos // batch_size), batches_per_epoch=-(-data_rows // batch_size),
            updates=self.updates, samples_seen=self.samples_seen,
            train_cost=last(h.train_cost), val_cost=last(h.val_cost),
            elapsed=self.elapsed + self._epoch_elapsed,
            samples_per_s=self.samples_seen / max(self.elapsed + self._epoch_elapsed, 1e-9),
            epoch_ended=epoch_ended, warning=self.warning, status=self._status(),
        )

    def _status(self):
        if self._data and self._compiled is not None and compiled.is_building():
            return "Preparing the compiled per-sample path (once, under half a minute); training goes on meanwhile"
        return ""

    # --- data ---------------------------------------------------------------------

    def _bind(self, X, Y, X_val, Y_val):
        """Adopt the training data; new data (by identity) restarts the current epoch."""
        key = (id(X), id(Y), id(X_val), id(Y_val))
        if self._data is not None and self._data[0] == key:
            return
        net = self.net
        X = _finite(net.as_inputs(X), "training inputs")
        Y = _finite(net.as_targets(Y, len(X)), "training targets")
        if len(X) == 0:
            raise ValueError("no training samples")
        has_val = X_val is not None and Y_val is not None and len(X_val) > 0
        if has_val:
            X_val = _finite(net.as_inputs(X_val), "validation inputs")
            Y_val = _finite(net.as_targets(Y_val, len(X_val)), "validation targets")
        elif self.config.patience is not None:
            raise ValueError("early stopping (patience) needs validation data")
        self._data = (key, X, Y, X_val if has_val else None, Y_val if has_val else None)
        self._classify = is_classification(net.activations[-1], Y)
        self._batch_size = self.config.batch_size_for(len(X))
        self._ws = Workspace(net, self._batch_size)
        self._step = make_step(net, self._ws, self.cost_fn, self.optimizer, self.config.l2)
        self._last_step = self._step    # whichever path took the last update answers for it
        if has_val:
            self._val_ws = Workspace(net, min(len(X_val), _CHUNK), backward=False)
        # Each batch is gathered into these (a gather per batch stays in cache; one per epoch does not).
        self._xb = np.empty((self._batch_size, X.shape[1]), net.dtype)
        self._yb = np.empty((self._batch_size, Y.shape[1]), net.dtype)
        self._Z_epoch = np.empty((len(X), net.sizes[-1]), net.dtype)
        self._order = np.arange(len(X))
        self._cost_before = evaluate_cost(net, self.cost_fn, X, Y)  # the yardstick for ``warning``
        self._compiled = self._compiled_descent()
        self._pos = 0
        self._epoch_started = False
        self._epoch_elapsed = 0.0
        if self._resume:
            self._apply_resume()

    # --- the loop -------------------------------------------------------------------

    def _run_epoch(self, on_progress, stop):
        if not self._epoch_started:
            self._start_epoch()
        mark = time.perf_counter()
        next_report = mark + REPORT_INTERVAL
        n_samples = len(self._order)
        while self._pos < n_samples:
            if stop is not None and stop.is_set():
                self.history.stop_reason = "stopped"
                break
            self._train_batches()
            now = time.perf_counter()
            if now >= next_report:
                next_report = now + REPORT_INTERVAL
                self._epoch_elapsed += now - mark
                mark = now
                if not np.isfinite(self.net.params).all():
                    return self._diverged("weights became non-finite")
                if on_progress:
                    on_progress(self.progress())
        self._epoch_elapsed += time.perf_counter() - mark
        if self._pos >= n_samples:
            self._end_epoch()
            if on_progress:
                on_progress(self.progress(epoch_ended=True))

    def _start_epoch(self):
        """Fix this epoch's sample order (shuffle indices, not data)."""
        n_samples = len(self._data[1])
        self._order = self._rng.permutation(n_samples) if self.config.shuffle else np.arange(n_samples)
        self._snapshot = self.net.params.copy()  # the last weights known to be finite
        self._epoch_elapsed = 0.0
        self._epoch_started = True

    def _compiled_descent(self):
        """The compiled path for this run (stochastic and tiny batches on small networks), or None."""
        if not (compiled.suits(self.net, self.config, self._batch_size) and compiled.available()):
            return None
        # The kernel reads rows by index: C-contiguous arrays (and one compiled signature).
        key, X, Y, X_val, Y_val = self._data
        self._data = (key, np.ascontiguousarray(X), np.ascontiguousarray(Y), X_val, Y_val)
        return compiled.CompiledDescent(self.net, self.config.cost, self.optimizer, self._batch_size)

    def _train_batches(self):
        """The next batch on the NumPy path, or a run of batches (about 2 ms) on the compiled path.

        The compiled kernel is built on first use (on its own thread, see ``compiled.mode``);
        until it is ready, and whenever it cannot run, training goes on here batch by batch.
        """
        kernel = compiled.ready() if self._compiled is not None else None
        if kernel is None:
            return self._train_batch()
        started = time.perf_counter()
        pos, done = self._compiled.run(kernel, self.config, self._data[1], self._data[2], self._order, self._pos,
                                       self._run_length, self._Z_epoch)
        # Runs of ~2 ms: Stop and the 50 ms progress reports stay prompt, calls stay cheap.
        took = time.perf_counter() - started
        if took < 0.001:
            self._run_length *= 2
        elif took > 0.004 and self._run_length > 1:
            self._run_length //= 2
        self.samples_seen += pos - self._pos
        self.updates += done
        self._pos = pos
        self._last_step = self._compiled

    def _train_batch(self):
        """Forward, backward and one optimizer update on the next batch."""
        start, stop = self._pos, self._pos + self._batch_size
        batch = self._order[start:stop]
        n = len(batch)
        # mode="clip": the indices are a permutation, always in range, and the default
        # mode ("raise") gathers through a temporary buffer — twice the time.
        x = np.take(self._data[1], batch, axis=0, out=self._xb[:n], mode="clip")
        y = np.take(self._data[2], batch, axis=0, out=self._yb[:n], mode="clip")
        self._ws.forward(x)
        self._Z_epoch[start:stop] = self._ws.z[-1][:n]
        if self._step.l2 != self.config.l2:   # L2 is a live setting: the app may change it mid-run
            self._step = make_step(self.net, self._ws, self.cost_fn, self.optimizer, self.config.l2)
        self._step.step(x, y)
        self._last_step = self._step
        self._pos = stop
        self.updates += 1
        self.samples_seen += n

    def _end_epoch(self):
        train_cost, train_acc = self._epoch_metrics()
        val_cost, val_acc = self._validation_metrics()
        if not np.isfinite(train_cost) or not np.isfinite(self.net.params).all():
            what = f"cost became {train_cost}" if not np.isfinite(train_cost) else "weights became non-finite"
            return self._diverged(what)
        if not self.warning and train_cost > WARNING_FACTOR * max(self._cost_before, COST_FLOOR):
            self.warning = (f"epoch {self.epoch + 1}: the cost rose to {train_cost:.3g}, over {WARNING_FACTOR:g}× "
                            f"its {self._cost_before:.3g} before training — the learning rate is probably too high")
        self.epoch += 1
        self.elapsed += self._epoch_elapsed
        epoch_time, self._epoch_elapsed = self._epoch_elapsed, 0.0
        self._pos = 0
        self._epoch_started = False
        h = self.history
        h.epoch.append(self.epoch)
        h.train_cost.append(train_cost)
        h.val_cost.append(val_cost)
        h.train_accuracy.append(train_acc)
        h.val_accuracy.append(val_acc)
        h.time.append(self.elapsed)
        h.samples_per_s.append(len(self._order) / max(epoch_time, 1e-9))
        self.optimizer.lr *= self.config.lr_decay
        self._check_early_stop(val_cost)

    def _epoch_metrics(self):
        z = self._Z_epoch
        a = self.net.activation_fns[-1].forward(z, np.empty_like(z))
        y = np.take(self._data[2], self._order, axis=0, mode="clip")  # in the order the epoch saw them
        cost = self.cost_fn.value(z, a, y)
        return cost, accuracy(a, y) if self._classify else float("nan")

    def _validation_metrics(self):
        X_val, Y_val = self._data[3], self._data[4]
        if X_val is None:
            return float("nan"), float("nan")
        cost = evaluate_cost(self.net, self.cost_fn, X_val, Y_val, self._val_ws)
        if not self._classify:
            return cost, float("nan")
        return cost, accuracy(self.net.predict(X_val), Y_val)

    def _diverged(self, what):
        self.net.params[...] = self._snapshot
        self._pos = 0
        self._epoch_started = False
        self._epoch_elapsed = 0.0
        self.history.stop_reason = (
            f"diverged at epoch {self.epoch + 1}: {what} — the learning rate is probably too high; "
            f"weights restored to the end of epoch {self.epoch}"
        )

    def _check_early_stop(self, val_cost):
        patience = self.config.patience
        if patience is None:
            return
        best_cost, best_epoch, best_params = self._best
        if val_cost < best_cost:
            self._best = (val_cost, self.epoch, self.net.params.copy())
        elif self.epoch - best_epoch >= patience:
            self.net.params[...] = best_params
            self.history.stop_reason = (
                f"early stopping at epoch {self.epoch}: validation cost has not improved for {patience} epochs; "
                f"weights restored from epoch {best_epoch} (validation cost {best_cost:.4g})"
            )


def _resume_point(state, n_out):
    """The saved position inside an epoch, checked (None at an epoch boundary): the sample order
    (a permutation, checked against the data when it is bound), samples done, their outputs."""
    # Older states have no "epoch_started": an order was drawn if samples were consumed.
    if state["order"] is None or not state.get("epoch_started", state["pos"] > 0):
        return None
    order, pos = np.asarray(state["order"]), int(state["pos"])
    z_epoch = np.asarray(state["z_epoch"], dtype=np.float64)
    if order.ndim != 1 or order.dtype.kind not in "iu" or not 0 <= pos <= len(order) or z_epoch.shape != (pos, n_out):
        raise ValueError(f"saved position inside the epoch is inconsistent: order {order.dtype} {order.shape}, "
                         f"{pos} samples done, outputs {z_epoch.shape}")
    return {"order": order, "pos": pos, "z_epoch": z_epoch, "epoch_elapsed": float(state["epoch_elapsed"])}


def _finite(array, what):
    if not np.isfinite(array).all():
        rows = np.flatnonzero(~np.isfinite(array).all(axis=1))
        raise ValueError(f"{what} contain NaN or infinite values (first at row {rows[0] + 1})")
    return array
