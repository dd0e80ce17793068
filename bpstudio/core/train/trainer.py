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

One update is a ``fused_step`` object's business (backprop and the optimizer's
rule); the per-epoch record is ``history.History``.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..nn.backprop import Workspace
from ..nn.heads import check_targets
from ..nn.network import _CHUNK, Network, evaluate_cost
from . import compiled
from .config import TrainConfig
from .fused_step import make_step
from .history import History, Progress
from .metrics import accuracy, is_classification, predicted_classes
from .optimizers import make_optimizer

__all__ = ["Trainer", "History", "Progress"]

REPORT_INTERVAL = 0.05  # seconds between progress reports inside an epoch
MAX_RUN_LENGTH = 1 << 16  # batches in one compiled call, at most
# A cost above this many times its value before training gets a warning (Trainer.warning). It is
# not divergence: Adam or RMSprop with relu often spike 10⁴× and recover to a perfect fit, while a
# saturated tanh can sit at 100× for good with every number finite; only the user can tell.
WARNING_FACTOR = 100.0
COST_FLOOR = 1e-3  # a network that starts at cost 0 is warned about above WARNING_FACTOR × this


@dataclass
class BoundData:
    """The arrays ``fit``/``step`` was last given, checked and converted, and what was built for them."""

    key: tuple              # ids of the arrays as given: other arrays restart the epoch
    X: np.ndarray           # (N, n_in)
    Y: np.ndarray           # (N, n_out)
    X_val: object           # None without validation data
    Y_val: object
    classify: bool          # accuracy is reported
    batch_size: int
    ws: Workspace           # forward and backward buffers for one batch
    val_ws: object          # forward buffers for validation chunks (None without validation)
    xb: np.ndarray          # the batch, gathered here (a gather per batch stays in cache)
    yb: np.ndarray
    cost_before: float      # the cost before training: the yardstick for ``warning``
    labels: object = None   # each training sample's class (classifiers), for the epoch's accuracy


@dataclass
class EpochPosition:
    """Where the run is inside the current epoch."""

    order: np.ndarray             # the sample order drawn for this epoch (shuffled indices)
    outputs: np.ndarray           # zᴸ of each sample done this epoch, in that order: the epoch's cost
    done: int = 0                 # samples done
    started: bool = False         # this epoch's order has been drawn
    elapsed: float = 0.0          # training seconds inside this epoch
    last_finite: np.ndarray = None  # the weights at the epoch's start, restored on divergence

    def begin(self, order, params):
        """A new epoch in this ``order``, from these (finite) weights."""
        self.order, self.done, self.started, self.elapsed = order, 0, True, 0.0
        self.last_finite = params.copy()

    def rewind(self):
        """Back to the start of an epoch whose order is not drawn yet."""
        self.done, self.started, self.elapsed = 0, False, 0.0


@dataclass
class Best:
    """The best validation cost so far, for early stopping."""

    cost: float = np.inf
    epoch: int = 0
    params: np.ndarray = None


class Trainer:
    """Trains ``net`` in place with a ``TrainConfig``; see ``fit`` and ``step``."""

    def __init__(self, net: Network, config: TrainConfig) -> None:
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
        self.rng = np.random.default_rng(config.seed)   # draws each epoch's sample order
        self.data = None              # BoundData, once fit or step has been given data
        self.position = None          # EpochPosition, with the data
        self.best = Best()
        self._step = None             # the fused_step object that makes one update
        self._last_step = None        # whichever path took the last update answers for it
        self._compiled = None         # the compiled path (compiled.CompiledDescent) when it suits the run
        self._run_length = 64         # batches per compiled call, adapted to take ~2 ms
        self._resume = None           # a loaded position, applied when data is next bound
        self._update_due = np.inf     # fit's on_update is called once ``updates`` reaches this

    # --- public API -------------------------------------------------------------

    def fit(self, X: ArrayLike, Y: ArrayLike, X_val: ArrayLike | None = None, Y_val: ArrayLike | None = None,
            on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
            on_update: Callable[[], int | None] | None = None) -> History:
        """Train until ``config.epochs`` epochs are done, ``stop`` is set, or the run diverges.

        X: (N, n_in); Y: (N, n_out). ``on_progress(Progress)`` is called at every epoch
        end and at most every 50 ms inside long epochs. ``stop`` is a ``threading.Event``
        checked once per batch. ``on_update()``, for per-update records, is called after a
        batch once ``updates`` reaches the count it last returned — at first after the first
        batch; returning None asks for every batch. (The compiled path ends its run of batches
        at that count, so the hook sees the same updates, and their gradient and step, on both paths.)
        Returns the ``History``.
        """
        self._bind(X, Y, X_val, Y_val)
        self.history.stop_reason = ""
        self._update_due = self.updates + 1 if on_update is not None else np.inf
        with np.errstate(all="ignore"):  # overflow is detected and reported as divergence
            while self.epoch < self.config.epochs and not self.history.stop_reason:
                self._run_epoch(on_progress, stop, on_update)
        if not self.history.stop_reason:
            self.history.stop_reason = "completed"
        return self.history

    def step(self, X: ArrayLike, Y: ArrayLike, X_val: ArrayLike | None = None, Y_val: ArrayLike | None = None) -> Progress:
        """Train exactly one batch (the next one in this epoch's order); returns a ``Progress``."""
        self._bind(X, Y, X_val, Y_val)
        self.history.stop_reason = ""
        where = self.position
        with np.errstate(all="ignore"):
            started = time.perf_counter()
            if not where.started:
                self._start_epoch()
            self._train_batch()
            where.elapsed += time.perf_counter() - started
            if where.done >= len(where.order):
                self._end_epoch()
            elif not np.isfinite(self.net.params).all():
                self._diverged("weights became non-finite")
        return self.progress(epoch_ended=where.done == 0)

    def state_dict(self) -> dict:
        """Everything needed to continue this run exactly: counters, the current epoch's
        order and position, the shuffling RNG, optimizer state and history (the network's
        parameters are saved separately)."""
        return {
            "epoch": self.epoch, "updates": self.updates, "samples_seen": self.samples_seen,
            "elapsed": self.elapsed, **self._saved_position(),
            "rng": self.rng.bit_generator.state,
            "optimizer": self.optimizer.state_dict(),
            "history": self.history.to_dict(),
            "best_cost": float(self.best.cost), "best_epoch": self.best.epoch, "best_params": self.best.params,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()`` output; the epoch in progress resumes at the next ``fit``/``step``."""
        self.epoch, self.updates = int(state["epoch"]), int(state["updates"])
        self.samples_seen, self.elapsed = int(state["samples_seen"]), float(state["elapsed"])
        if min(self.epoch, self.updates, self.samples_seen) < 0:
            raise ValueError("saved run: epoch, updates and samples seen must be ≥ 0")
        self.rng.bit_generator.state = state["rng"]
        self.optimizer.load_state_dict(state["optimizer"])
        self.history = History.from_dict(state["history"])
        best_params = state["best_params"]
        if best_params is not None and np.shape(best_params) != self.net.params.shape:
            raise ValueError(f"saved best parameters have shape {np.shape(best_params)}, "
                             f"expected {self.net.params.shape}")
        self.best = Best(float(state["best_cost"]), int(state["best_epoch"]), best_params)
        self._resume = _resume_point(state, self.net.sizes[-1])
        self.data = self.position = None  # the next fit/step binds data and applies the saved position

    @property
    def last_gradient(self) -> np.ndarray | None:
        """Flat gradient of the last batch, laid out like ``net.params`` (may be a live buffer: copy it)."""
        if not (self.data and self.updates):
            return None
        return self._last_step.gradient()

    @property
    def last_update(self) -> np.ndarray | None:
        """Flat step of the last update, θ ← θ − last_update (a live buffer: copy it)."""
        if not self.updates:
            return None
        return self._last_step.update() if self.data else self.optimizer.last_update

    @property
    def last_learning_rate(self) -> float | None:
        """η when the last update was exactly θ ← θ − η∇ (the fused SGD step), so ‖∇‖ = ‖last_update‖ / η
        without forming ∇; None otherwise."""
        rate = getattr(self._last_step, "learning_rate", None)
        return rate() if rate is not None and self.data and self.updates else None

    @property
    def on_compiled_path(self) -> bool:
        """Whether ``fit`` trains this run on the compiled path (``compiled``: stochastic and tiny batches
        on small networks; in the app's mode, once the kernel is built), where an update costs no
        Python call: the per-update recorder plans its rows by it. False before data is bound."""
        return self._compiled is not None and not compiled.failure

    @property
    def is_done(self) -> bool:
        return self.epoch >= self.config.epochs

    def progress(self, epoch_ended: bool = False) -> Progress:
        h = self.history
        where = self.position
        done, rows = (where.done, len(where.order)) if where else (0, 0)
        batch_size = self.data.batch_size if self.data else 1
        elapsed = self.elapsed + (where.elapsed if where else 0.0)
        return Progress(
            epoch=self.epoch, epochs=self.config.epochs,
            batch=-(-done // batch_size), batches_per_epoch=-(-rows // batch_size),
            updates=self.updates, samples_seen=self.samples_seen,
            train_cost=h.latest("train_cost"), val_cost=h.latest("val_cost"),
            elapsed=elapsed, samples_per_s=self.samples_seen / max(elapsed, 1e-9),
            epoch_ended=epoch_ended, warning=self.warning, status=self._status(),
        )

    def _status(self):
        if self.data and self._compiled is not None and compiled.is_building():
            return "Preparing the compiled per-sample path (once, under half a minute); training goes on meanwhile"
        return ""

    # --- data ---------------------------------------------------------------------

    def _bind(self, X, Y, X_val, Y_val):
        """Adopt the training data; new data (by identity) restarts the current epoch."""
        key = (id(X), id(Y), id(X_val), id(Y_val))
        if self.data is not None and self.data.key == key:
            return
        net = self.net
        X = _finite(net.as_inputs(X), "training inputs")
        Y = _finite(net.as_targets(Y, len(X)), "training targets")
        if len(X) == 0:
            raise ValueError("no training samples")
        check_targets(self.config.cost, net.activations[-1], Y)
        has_val = X_val is not None and Y_val is not None and len(X_val) > 0
        if has_val:
            X_val = _finite(net.as_inputs(X_val), "validation inputs")
            Y_val = _finite(net.as_targets(Y_val, len(X_val)), "validation targets")
            check_targets(self.config.cost, net.activations[-1], Y_val)
        elif self.config.patience is not None:
            raise ValueError("early stopping (patience) needs validation data")
        batch_size = self.config.batch_size_for(len(X))
        self.data = BoundData(
            key, X, Y, X_val if has_val else None, Y_val if has_val else None,
            classify=is_classification(net.activations[-1], Y), batch_size=batch_size,
            ws=Workspace(net, batch_size),
            val_ws=Workspace(net, min(len(X_val), _CHUNK), backward=False) if has_val else None,
            xb=np.empty((batch_size, X.shape[1]), net.dtype), yb=np.empty((batch_size, Y.shape[1]), net.dtype),
            cost_before=evaluate_cost(net, self.cost_fn, X, Y))
        if self.data.classify:   # once, not every epoch: an argmax over short rows costs ~30 ns a sample
            self.data.labels = predicted_classes(Y)
        self._step = self._last_step = make_step(net, self.data.ws, self.cost_fn, self.optimizer, self.config.l2)
        self._compiled = self._compiled_descent()
        self.position = EpochPosition(np.arange(len(X)), np.empty((len(X), net.sizes[-1]), net.dtype))
        if self._resume:
            self._apply_resume()

    def _saved_position(self):
        """Where the run is inside the current epoch (state_dict's part of it)."""
        if self._resume is not None:   # loaded, and not trained since: the loaded position still holds
            r = self._resume
            return {"epoch_elapsed": r["epoch_elapsed"], "pos": r["pos"], "epoch_started": True,
                    "order": r["order"].copy(), "z_epoch": r["z_epoch"].copy()}
        where = self.position
        if where is None:
            return {"epoch_elapsed": 0.0, "pos": 0, "epoch_started": False, "order": None, "z_epoch": None}
        return {"epoch_elapsed": where.elapsed, "pos": where.done, "epoch_started": where.started,
                "order": where.order.copy(), "z_epoch": where.outputs[:where.done].copy()}

    def _apply_resume(self):
        state, self._resume = self._resume, None
        where = self.position
        order = state["order"]
        if len(order) != len(where.order):
            raise ValueError(f"saved run had {len(order)} training samples, the data has {len(where.order)}")
        if not np.array_equal(np.sort(order), where.order):
            raise ValueError("saved sample order is damaged: it is not a permutation of the training samples")
        where.order, where.done, where.elapsed = order, state["pos"], state["epoch_elapsed"]
        where.outputs[:where.done] = state["z_epoch"]
        where.last_finite = self.net.params.copy()
        where.started = True

    # --- the loop -------------------------------------------------------------------

    def _run_epoch(self, on_progress, stop, on_update=None):
        where = self.position
        if not where.started:
            self._start_epoch()
        mark = time.perf_counter()
        next_report = mark + REPORT_INTERVAL
        while where.done < len(where.order):
            if stop is not None and stop.is_set():
                self.history.stop_reason = "stopped"
                break
            self._train_batches()
            # One compare per batch: the hook is called only for the counts it asked for.
            if self.updates >= self._update_due:
                self._update_due = on_update() or self.updates + 1
            now = time.perf_counter()
            if now >= next_report:
                next_report = now + REPORT_INTERVAL
                where.elapsed += now - mark
                mark = now
                if not np.isfinite(self.net.params).all():
                    return self._diverged("weights became non-finite")
                if on_progress:
                    on_progress(self.progress())
        where.elapsed += time.perf_counter() - mark
        if where.done >= len(where.order):
            self._end_epoch()
            if on_progress:
                on_progress(self.progress(epoch_ended=True))

    def _start_epoch(self):
        """Fix this epoch's sample order (shuffle indices, not data)."""
        n_samples = len(self.data.X)
        self.position.begin(self.rng.permutation(n_samples) if self.config.shuffle else np.arange(n_samples),
                            self.net.params)

    def _compiled_descent(self):
        """The compiled path for this run (stochastic and tiny batches on small networks), or None."""
        data = self.data
        if not (compiled.suits(self.net, self.config, data.batch_size) and compiled.available()):
            return None
        # The kernel reads rows by index: C-contiguous arrays (and one compiled signature).
        data.X, data.Y = np.ascontiguousarray(data.X), np.ascontiguousarray(data.Y)
        return compiled.CompiledDescent(self.net, self.config.cost, self.optimizer, data.batch_size)

    def _train_batches(self):
        """The next batch on the NumPy path, or a run of batches (about 2 ms) on the compiled path.

        The compiled kernel is built on first use (on its own thread, see ``compiled.mode``);
        until it is ready, and whenever it cannot run, training goes on here batch by batch.
        """
        kernel = compiled.ready() if self._compiled is not None else None
        if kernel is None:
            return self._train_batch()
        data, where = self.data, self.position
        n_batches = self._run_length
        if self._update_due < np.inf:   # fit's on_update wants this update count: the run ends there
            n_batches = max(1, min(n_batches, int(self._update_due) - self.updates))
        started = time.perf_counter()
        done, updates = self._compiled.run(kernel, self.config, data.X, data.Y, where.order, where.done,
                                           n_batches, where.outputs)
        # Runs of ~2 ms: Stop and the 50 ms progress reports stay prompt, calls stay cheap. Only a
        # run that was not cut short (by the epoch's end or on_update's count) says how long a full run takes.
        took = time.perf_counter() - started
        if took < 0.001 and updates == self._run_length:
            self._run_length = min(2 * self._run_length, MAX_RUN_LENGTH)
        elif took > 0.004 and self._run_length > 1:
            self._run_length //= 2
        self.samples_seen += done - where.done
        self.updates += updates
        where.done = done
        self._last_step = self._compiled

    def _train_batch(self):
        """Forward, then one update (``fused_step``) on the next batch."""
        data, where = self.data, self.position
        start, stop = where.done, where.done + data.batch_size
        batch = where.order[start:stop]
        n = len(batch)
        # mode="clip": the indices are a permutation, always in range, and the default
        # mode ("raise") gathers through a temporary buffer — twice the time.
        x = np.take(data.X, batch, axis=0, out=data.xb[:n], mode="clip")
        y = np.take(data.Y, batch, axis=0, out=data.yb[:n], mode="clip")
        data.ws.forward(x)
        where.outputs[start:stop] = data.ws.z[-1][:n]
        if self._step.l2 != self.config.l2:   # L2 is a live setting: the app may change it mid-run
            self._step = make_step(self.net, data.ws, self.cost_fn, self.optimizer, self.config.l2)
        self._step.step(x, y)
        self._last_step = self._step
        where.done = stop
        self.updates += 1
        self.samples_seen += n

    def _end_epoch(self):
        train_cost, train_acc = self._epoch_metrics()
        val_cost, val_acc = self._validation_metrics()
        if not np.isfinite(train_cost) or not np.isfinite(self.net.params).all():
            what = f"cost became {train_cost}" if not np.isfinite(train_cost) else "weights became non-finite"
            return self._diverged(what)
        cost_before = self.data.cost_before
        if not self.warning and train_cost > WARNING_FACTOR * max(cost_before, COST_FLOOR):
            self.warning = (f"epoch {self.epoch + 1}: the cost rose to {train_cost:.3g}, over {WARNING_FACTOR:g}× "
                            f"its {cost_before:.3g} before training — the learning rate is probably too high")
        where = self.position
        self.epoch += 1
        self.elapsed += where.elapsed
        self._record(train_cost, val_cost, train_acc, val_acc, samples_per_s=len(where.order) / max(where.elapsed, 1e-9))
        where.rewind()
        self.optimizer.lr *= self.config.lr_decay
        self._check_early_stop(val_cost)

    def _record(self, train_cost, val_cost, train_acc, val_acc, samples_per_s):
        h = self.history
        h.epoch.append(self.epoch)
        h.train_cost.append(train_cost)
        h.val_cost.append(val_cost)
        h.train_accuracy.append(train_acc)
        h.val_accuracy.append(val_acc)
        h.time.append(self.elapsed)
        h.samples_per_s.append(samples_per_s)

    def _epoch_metrics(self):
        z = self.position.outputs
        a = self.net.activation_fns[-1].forward(z, np.empty_like(z))
        y = np.take(self.data.Y, self.position.order, axis=0, mode="clip")  # in the order the epoch saw them
        cost = self.cost_fn.value(z, a, y)
        if not self.data.classify:
            return cost, float("nan")
        return cost, float(np.mean(predicted_classes(a) == self.data.labels[self.position.order]))   # = accuracy(a, y)

    def _validation_metrics(self):
        data = self.data
        if data.X_val is None:
            return float("nan"), float("nan")
        cost = evaluate_cost(self.net, self.cost_fn, data.X_val, data.Y_val, data.val_ws)
        if not data.classify:
            return cost, float("nan")
        return cost, accuracy(self.net.predict(data.X_val), data.Y_val)

    def _diverged(self, what):
        where = self.position
        self.net.params[...] = where.last_finite
        where.rewind()
        self.history.stop_reason = (
            f"diverged at epoch {self.epoch + 1}: {what} — the learning rate is probably too high; "
            f"weights restored to the end of epoch {self.epoch}"
        )

    def _check_early_stop(self, val_cost):
        patience = self.config.patience
        if patience is None:
            return
        best = self.best
        if val_cost < best.cost:
            self.best = Best(val_cost, self.epoch, self.net.params.copy())
        elif self.epoch - best.epoch >= patience:
            self.net.params[...] = best.params
            self.history.stop_reason = (
                f"early stopping at epoch {self.epoch}: validation cost has not improved for {patience} epochs; "
                f"weights restored from epoch {best.epoch} (validation cost {best.cost:.4g})"
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
