"""A run's record per weight update: cost, gradient and update sizes, gradient noise.

``History`` keeps one row per epoch; a teacher stepping through XOR wants one per update.
A ``Recorder`` decides which updates get a row of an ``UpdateLog``, by count, never by the
clock, so the same run gives the same rows on any machine:

- slowed down or stepped (``after_update``): every update, with the probe cost and gradient noise;
- at full speed (``after_batch`` after every batch, ``on_progress`` at every report), where a
  row (≈ 10 µs) would be a large share of a small network's update (≈ 80 µs for 64-32-10 at
  batch 32), three grids of counts, together:

  * every one of the run's first ``EVERY_UPDATE`` updates (a one-off of a few ms);
  * every ``s``-th update, ``s = update_stride(batch size, weights)``: 1 on networks big enough
    that a row is under ~3 % of an update, 5 for 64-32-10 at batch 32, about 15 for a small XOR
    network. After ``ROWS_PER_LEVEL`` such rows ``s`` doubles, and again after as many more, so a
    run's memory grows with the logarithm of its length;
  * every epoch's end, up to epoch 2·``EVERY_EPOCH``; then every 2nd, every 4th … (full batch:
    an update an epoch, so a run of a few thousand updates gets a row for every update).

  On the compiled path (stochastic descent on small networks, which trains a run of updates in
  one call) only the epoch ends. Gradient noise, which needs a full-batch gradient, goes into
  the row of every ``noise_every``-th epoch's end, chosen from the data size so that it costs
  ≈ 2 % of training (50 epochs for full batch, ~600 for 64-32-10 at batch 32 on 1.4k samples:
  to see the noise of a short run, slow it down or Step).

Each row holds

- ``updates``, ``samples``, ``seconds``: the x axes a plot may use;
- ``cost``: the cost after the update on a fixed probe sample (the same samples every row, so
  the curve shows what the update did, not which batch was drawn); nan in rows recorded at
  full speed (a forward pass per row would cost more than the rest of the row; the epoch
  history has the cost);
- ``grad_norm`` / ``update_ratio``: per layer ‖∇Wˡ‖ of the batch just trained and ‖ΔWˡ‖/‖Wˡ‖;
- ``cosine`` / ``norm_spread``: gradient noise (``noise.gradient_noise``), nan in rows where
  it was not measured.

A row costs 3 dot products per layer (squared norms; square roots are taken when rows are read).
"""

import math
import time

import numpy as np

from . import noise as noise_module

SCALARS = ("updates", "samples", "seconds", "cost", "cosine", "norm_spread")
NOISE_GAP = 0.1   # seconds: while training is paced, gradient noise at most this often (10 times a second)
EVERY_UPDATE = 256       # at full speed, every one of a run's first this many updates gets a row
# … then every s-th, s = ⌈ROW_WORK / (batch size · weights + UPDATE_OVERHEAD)⌉: an update costs about
# batch size · weights multiply-adds plus UPDATE_OVERHEAD worth of Python calls, a row about 2¹⁴ (measured
# with bench_watch), so rows take at most ~2¹⁴ / ROW_WORK ≈ 3 % of training.
ROW_WORK = 1 << 19
UPDATE_OVERHEAD = 1 << 15
ROWS_PER_LEVEL = 4096    # s doubles after this many rows of the update grid, and after as many more, …
EVERY_EPOCH = 4096       # every epoch's end up to epoch 2·EVERY_EPOCH, every 2nd up to 4·EVERY_EPOCH, …
NOISE_SHARE = 0.02    # at full speed, gradient noise takes about this share of the training work
NOISE_WORK = 5        # a sample in a noise measurement costs about this many trained samples (per-sample δ
                      # kept in float64, one GEMM per batch; measured on digits-like 64-32-10: 38 ms ≈ 5 × 3.5k samples)


def epoch_stride(epoch):
    """At full speed, an epoch's end gets a row when ``epoch`` is a multiple of this (1, 1, 2, 4, 8 …)."""
    return 1 << max(0, (int(epoch) // EVERY_EPOCH).bit_length() - 1)


def update_stride(batch_size, n_weights):
    """s: at full speed every s-th update gets a row (see the module docstring)."""
    return max(1, math.ceil(ROW_WORK / (int(batch_size) * int(n_weights) + UPDATE_OVERHEAD)))


def update_due(updates, stride):
    """Does update number ``updates`` get a row, on a grid that starts at ``stride`` and doubles per level?"""
    level = max(0, (updates // stride // ROWS_PER_LEVEL).bit_length() - 1)
    return updates <= EVERY_UPDATE or updates % (stride << level) == 0


def noise_every(n_train, batch_size):
    """Epochs between two gradient-noise measurements at full speed, so that they take ≈ NOISE_SHARE of
    the training work: a measurement works through the training set (the full gradient) and the batches
    it draws, an epoch through the training set once."""
    n, b = max(int(n_train), 1), max(int(batch_size), 1)
    drawn = 0 if b >= n else int(np.clip(noise_module.MAX_SAMPLES // b, *noise_module.BATCHES)) * b
    return max(1, math.ceil(NOISE_WORK * (n + drawn) / (NOISE_SHARE * n)))


class UpdateLog:
    """Rows of per-update measurements for a network with ``n_layers`` weight layers.

    Stored as one float64 table that doubles when full: the scalars of ``SCALARS``, then per layer
    the squared norms ‖∇Wˡ‖², ‖ΔWˡ‖², ‖Wˡ‖² (``rows`` turns them into norms and ratios)."""

    def __init__(self, n_layers):
        self.n_layers = n_layers
        self._table = np.empty((256, len(SCALARS) + 3 * n_layers))
        self._n = 0
        self._slices = None   # each layer's weights in the flat arrays (of the first row's network)

    def __len__(self):
        return self._n

    @property
    def last_update(self):
        """The update count of the newest row (-1 when empty)."""
        return int(self._table[self._n - 1, 0]) if self._n else -1

    @property
    def last_seconds(self):
        """The training time of the newest row (0 when empty)."""
        return float(self._table[self._n - 1, 2]) if self._n else 0.0

    def record(self, trainer, seconds, cost=np.nan, noise=None):
        """Add a row for the trainer's latest update (nothing if it has not updated since the last row)."""
        if not trainer.updates or trainer.updates == self.last_update:
            return False
        if self._n == len(self._table):
            self._table = np.concatenate([self._table, np.empty_like(self._table)])
        if self._slices is None:
            self._slices = _weight_slices(trainer.net)
        grad, step, params = trainer.last_gradient, trainer.last_update, trainer.net.params
        row = [trainer.updates, trainer.samples_seen, seconds, cost,
               np.nan if noise is None else noise.cosine, np.nan if noise is None else noise.norm_spread]
        dot = np.dot   # of float32 slices: sdot, no float64 copies
        for w in self._slices:
            g, d, p = grad[w], step[w], params[w]
            row += (dot(g, g), dot(d, d), dot(p, p))
        self._table[self._n] = row
        self._n += 1
        return True

    def add_noise(self, noise):
        """Gradient noise measured after the newest row's update."""
        self._table[self._n - 1, 4:6] = noise.cosine, noise.norm_spread

    def rows(self, start=0):
        """Rows ``start`` … end as plain arrays: {name: (n,)} plus "grad_norm"/"update_ratio": (n, n_layers)."""
        table = self._table[start:self._n]
        out = {name: table[:, i].copy() for i, name in enumerate(SCALARS)}
        squares = table[:, len(SCALARS):].reshape(len(table), self.n_layers, 3)
        with np.errstate(all="ignore"):   # a diverging run is reported by the trainer, not here
            norms = np.sqrt(squares)
            out["grad_norm"] = norms[:, :, 0]
            out["update_ratio"] = norms[:, :, 1] / np.maximum(norms[:, :, 2], 1e-12)
        return out


def _weight_slices(net):
    """Slices of each layer's weights in a flat array laid out like ``net.params`` (all weights first)."""
    sizes = [n_in * n_out for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:])]
    ends = np.cumsum(sizes)
    return [slice(int(end - size), int(end)) for size, end in zip(sizes, ends)]


class Recorder:
    """Decides which updates get a row of ``log`` (the rule is in the module docstring).

    ``probe``: (X, Y) the paced rows' cost is measured on; ``train``: the training data, for
    gradient noise. Call ``after_update`` after an update trained slowly or by Step;
    ``after_batch`` after every batch at full speed, ``on_progress`` with every progress report.
    """

    def __init__(self, log, probe, train, seed=0):
        self.log = log
        self.X_probe, self.Y_probe = probe
        self.X_train, self.Y_train = train
        self.rng = np.random.default_rng(seed)
        self.last_noise = -np.inf    # perf_counter() of the last paced noise measurement
        self._seen = None            # trainer.updates at the last call (a jump: the compiled path)
        self._stride = None          # update_stride of the run, once known
        self._clock = (0.0, time.perf_counter())   # (training seconds, perf_counter) at the last report

    def after_update(self, trainer, noise_gap=0.0):
        """Paced or stepped: a row for this update, with the probe cost, and gradient noise at most
        every ``noise_gap`` seconds."""
        self.sync(trainer.progress().elapsed)
        now = time.perf_counter()
        noise = self._noise(trainer) if now >= self.last_noise + noise_gap else None
        if noise is not None:
            self.last_noise = now
        with np.errstate(all="ignore"):
            cost = trainer.net.cost(self.X_probe, self.Y_probe, trainer.config.cost)
        self._seen = trainer.updates
        return self._record(trainer, cost, noise)

    def after_batch(self, trainer):
        """Full speed, after each batch (or run of batches on the compiled path): a row if exactly one update
        was made since the last call and its count is on the grid."""
        updates, seen = trainer.updates, self._seen
        self._seen = updates
        if seen is not None and updates != seen + 1:
            return False
        if self._stride is None:
            self._stride = update_stride(trainer.config.batch_size_for(len(self.X_train)), trainer.net.n_weights)
        return update_due(updates, self._stride) and self._record(trainer)

    def on_progress(self, trainer, progress):
        """Full speed, at every progress report: keeps the clock; at an epoch's end a row if the epoch is
        due (with gradient noise every ``noise_every`` epochs)."""
        self.sync(progress.elapsed)
        self._seen = trainer.updates
        epoch, n_train = progress.epoch, len(self.X_train)
        recorded = trainer.updates == self.log.last_update   # ``after_batch`` kept the epoch's last update
        if not progress.epoch_ended or not (recorded or epoch % epoch_stride(epoch) == 0):
            return False
        every = noise_every(n_train, trainer.config.batch_size_for(n_train))
        noise = self._noise(trainer) if epoch % every == 0 else None
        if not recorded:
            return self._record(trainer, noise=noise)
        if noise is not None:
            self.log.add_noise(noise)
        return False

    def sync(self, elapsed):
        """Training time is ``elapsed`` now (rows between reports add the wall time since)."""
        self._clock = (elapsed, time.perf_counter())

    def _record(self, trainer, cost=np.nan, noise=None):
        elapsed, then = self._clock
        # Wall time since the report also counts the trainer's untimed epoch ends: never go back in time.
        seconds = max(elapsed + time.perf_counter() - then, self.log.last_seconds)
        with np.errstate(all="ignore"):   # a diverging run is reported by the trainer, not here
            return self.log.record(trainer, seconds, cost, noise)

    def _noise(self, trainer):
        batch_size = trainer.config.batch_size_for(len(self.X_train))
        with np.errstate(all="ignore"):
            return noise_module.gradient_noise(trainer.net, self.X_train, self.Y_train, trainer.config.cost,
                                               batch_size, self.rng)


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
