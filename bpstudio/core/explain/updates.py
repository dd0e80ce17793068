"""A run's record per weight update: cost, gradient and update sizes, gradient noise.

``History`` keeps one row per epoch; a teacher stepping through XOR wants one per update.
``UpdateLog.record(trainer, ...)`` is called by whoever drives the trainer, right after an
update: every update when training is slowed down, on a time budget at full speed (the
caller decides; the log only stores). Each row holds

- ``updates``, ``samples``, ``seconds``: the x axes a plot may use;
- ``cost``: the cost after the update on a fixed probe sample (the same samples every row, so
  the curve shows what the update did, not which batch was drawn); nan in rows recorded
  without it (at full speed a forward pass per row would cost more than the rest of the row);
- ``grad_norm`` / ``update_ratio``: per layer ‖∇Wˡ‖ of the batch just trained and ‖ΔWˡ‖/‖Wˡ‖;
- ``cosine`` / ``norm_spread``: gradient noise (``noise.gradient_noise``), nan in rows where
  it was not measured (it needs the full-batch gradient, so it is measured less often).
"""

import time

import numpy as np

from ..train.series import Series
from . import health
from .noise import gradient_noise

SCALARS = ("updates", "samples", "seconds", "cost", "cosine", "norm_spread")
NOISE_GAP = 0.1   # seconds: while training is paced, gradient noise at most this often (10 times a second)


class UpdateLog:
    """Rows of per-update measurements for a network with ``n_layers`` weight layers."""

    def __init__(self, n_layers):
        self.n_layers = n_layers
        self.columns = {name: Series() for name in SCALARS}
        self.grad_norm = [Series() for _ in range(n_layers)]
        self.update_ratio = [Series() for _ in range(n_layers)]

    def __len__(self):
        return len(self.columns["updates"])

    @property
    def last_update(self):
        """The update count of the newest row (-1 when empty)."""
        return int(self.columns["updates"][-1]) if len(self) else -1

    def record(self, trainer, X_probe, Y_probe, noise=None, with_cost=True):
        """Add a row for the trainer's latest update (nothing if it has not updated since the last row)."""
        if not trainer.updates or trainer.updates == self.last_update:
            return False
        net, progress = trainer.net, trainer.progress()
        with np.errstate(all="ignore"):   # a diverging run is reported by the trainer, not here
            grads = health.gradient_norms(net, trainer.last_gradient)
            ratios = health.update_ratios(net, trainer.last_update)
            cost = net.cost(X_probe, Y_probe, trainer.config.cost) if with_cost else np.nan
        row = {"updates": trainer.updates, "samples": trainer.samples_seen, "seconds": progress.elapsed,
               "cost": cost, "cosine": np.nan if noise is None else noise.cosine,
               "norm_spread": np.nan if noise is None else noise.norm_spread}
        for name, value in row.items():
            self.columns[name].append(value)
        for l in range(self.n_layers):
            self.grad_norm[l].append(grads[l])
            self.update_ratio[l].append(ratios[l])
        return True

    def rows(self, start=0):
        """Rows ``start`` … end as plain arrays: {name: (n,)} plus "grad_norm"/"update_ratio": (n, n_layers)."""
        out = {name: series[start:] for name, series in self.columns.items()}
        for name in ("grad_norm", "update_ratio"):
            layers = getattr(self, name)
            out[name] = np.column_stack([s[start:] for s in layers]) if layers else np.empty((len(self) - start, 0))
        return out


class Recorder:
    """Decides when to ``record`` into an ``UpdateLog`` so that full speed stays full speed.

    ``after_update(trainer, every=True)`` records the update and measures gradient noise (training
    slowed down, or a Step), with at least ``noise_gap`` seconds between two noise measurements
    (paced training passes NOISE_GAP: at 100 updates/s the noise is measured 10 times a second).

    With ``every=False`` (full speed) a row — without the probe cost: the per-epoch history has
    the cost — is recorded only while recording has taken at most ``budget`` of the trainer's
    training time; gradient noise, which needs a full-batch gradient, goes into a row at most
    every ``noise_interval`` seconds, and only when the budget has room for another measurement
    as long as the last one.
    """

    def __init__(self, log, probe, train, budget=0.03, noise_interval=0.5, seed=0):
        self.log = log
        self.X_probe, self.Y_probe = probe
        self.X_train, self.Y_train = train
        self.budget, self.noise_interval = budget, noise_interval
        self.rng = np.random.default_rng(seed)
        self.spent = 0.0              # seconds spent recording at full speed
        self.next_check = -np.inf     # perf_counter() before which full speed records nothing
        self.next_noise = time.perf_counter() + noise_interval   # when gradient noise is next due at full speed
        self.noise_cost = 0.0         # seconds the last noise measurement took
        self.last_noise = -np.inf     # perf_counter() of the last noise measurement

    def after_update(self, trainer, every=False, noise_gap=0.0):
        """Record the trainer's latest update if due; True when a row was added."""
        now = time.perf_counter()
        if not every and now < self.next_check:   # over budget: most calls end here, at once
            return False
        if trainer.updates == self.log.last_update:
            return False
        elapsed = trainer.progress().elapsed
        allowed = self.budget * elapsed
        if not every and self.spent > allowed:
            # when the budget allows again (training time ≈ wall time while the job runs)
            self.next_check = now + (self.spent / self.budget - elapsed) if self.budget else np.inf
            return False
        noise = None
        if (every and now >= self.last_noise + noise_gap) or (
                not every and now >= self.next_noise and self.spent + self.noise_cost <= allowed):
            noise = self._noise(trainer, charged=not every)
        started, first = time.perf_counter(), not len(self.log)
        recorded = self.log.record(trainer, self.X_probe, self.Y_probe, noise, with_cost=every)
        if not (every or first):   # the first row pays one-off set-up costs (~30 rows' worth): not counted
            self.spent += time.perf_counter() - started
        return recorded

    def _noise(self, trainer, charged):
        started = time.perf_counter()
        batch_size = trainer.config.batch_size_for(len(self.X_train))
        with np.errstate(all="ignore"):
            noise = gradient_noise(trainer.net, self.X_train, self.Y_train, trainer.config.cost, batch_size, self.rng)
        self.noise_cost = time.perf_counter() - started
        self.last_noise, self.next_noise = started, started + self.noise_interval
        if charged:
            self.spent += self.noise_cost
        return noise


# The x axes a curve of a run can be drawn against, with their axis labels.
X_AXES = {"epochs": "epoch", "updates": "weight updates", "samples seen": "samples seen",
          "seconds": "training time (s)"}


def epoch_x(axis, epochs, seconds, n_train, batch_size):
    """x of the points recorded at the ends of ``epochs`` (array), on ``axis`` (a key of X_AXES):
    an epoch is ⌈n_train / batch_size⌉ updates and n_train samples; ``seconds``: training time then."""
    epochs = np.asarray(epochs, np.float64)
    if axis == "seconds":
        return np.asarray(seconds, np.float64)
    per_epoch = {"epochs": 1, "updates": -(-int(n_train) // max(int(batch_size), 1)), "samples seen": int(n_train)}
    if axis not in per_epoch:
        raise ValueError(f"unknown x axis {axis!r}; choose one of {', '.join(X_AXES)}")
    return epochs * per_epoch[axis]


def row_x(axis, rows, n_train):
    """x of per-update rows (``UpdateLog.rows``) on ``axis``: epochs count samples seen / n_train."""
    if axis == "epochs":
        return np.asarray(rows["samples"], np.float64) / max(int(n_train), 1)
    column = {"updates": "updates", "samples seen": "samples", "seconds": "seconds"}.get(axis)
    if column is None:
        raise ValueError(f"unknown x axis {axis!r}; choose one of {', '.join(X_AXES)}")
    return np.asarray(rows[column], np.float64)
