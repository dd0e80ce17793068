"""A run's record per weight update: cost, gradient and update sizes, gradient noise.

``History`` keeps one row per epoch; a teacher stepping through XOR wants one per update.
A ``Recorder`` decides which updates get a row of an ``UpdateLog``, by count, never by the
clock, so the same run gives the same rows on any machine:

- slowed down or stepped (``after_update``): every update, with the probe cost and gradient noise;
- at full speed (``after_batch`` when the Trainer reaches the update count it last returned,
  ``on_progress`` at every report), where a row (≈ 10 µs on its own, 20–40 µs right after a
  batch) would be a large share of a small network's update (≈ 60–100 µs for 64-32-10 at batch
  32), three grids of counts, together:

  * every one of the run's first ``EVERY_UPDATE`` updates (a one-off of about a ms);
  * every ``s``-th update, ``s = update_stride(…)``, so that rows take about ``ROW_SHARE`` of
    the training work: 5 for 784-256-10 at batch 32, 50 for 64-32-10 at batch 32, 16–21 for a
    small XOR network at full batch; on the compiled path, whose update costs no Python call
    (≈ 0.3 µs for 2-8-8-2 against ≈ 30 µs on the NumPy path), 4,580 for 2-8-8-2 stochastic on
    320 XOR samples. After ``ROWS_PER_LEVEL`` such rows ``s`` doubles, and
    again after as many more, so a run's memory grows with the logarithm of its length;
  * the end of every ``e``-th epoch, ``e = ⌈s / updates per epoch⌉``, that the s-grid left
    without a row (full batch: e = s, the same grid as its updates), up to epoch
    2·e·``EVERY_EPOCH``; then every 2e-th, every 4e-th …

  ``after_batch`` returns the next count on the grid, and the Trainer compares its count with it
  (one integer compare per batch: no call for the updates that get no row). The compiled path
  (stochastic descent on small networks), which trains a run of updates in one call, ends a run
  at that count, so its rows fall on the same grid. Gradient noise, which needs a full-batch gradient, goes into the row of every
  ``noise_every``-th epoch's end, chosen from the data size so that it costs ≈ 2 % of training
  (~600 epochs for 64-32-10 at batch 32 on 1.4k samples: to see the noise of a short run, slow
  it down or Step). Full batch needs no measurement: its one batch *is* the full batch (cosine
  1, spread 0), put into every 250th epoch's row.

Each row holds

- ``updates``, ``samples``, ``seconds``: the x axes a plot may use;
- ``cost``: the cost after the update on a fixed probe sample (the same samples every row, so
  the curve shows what the update did, not which batch was drawn); nan in rows recorded at
  full speed (a forward pass per row would cost more than the rest of the row; the epoch
  history has the cost);
- ``grad_norm`` / ``update_ratio``: per layer ‖∇Wˡ‖ of the batch just trained and ‖ΔWˡ‖/‖Wˡ‖;
- ``cosine`` / ``norm_spread``: gradient noise (``noise.gradient_noise``), nan in rows where
  it was not measured.

A row costs 2–3 dot products per layer (squared norms; square roots are taken when rows are read):
plain SGD's step is η∇, so its norm gives the gradient's without forming ∇.
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from . import noise as noise_module

SCALARS = ("updates", "samples", "seconds", "cost", "cosine", "norm_spread")
NOISE_GAP = 0.1   # seconds: while training is paced, gradient noise at most this often (10 times a second)
EVERY_UPDATE = 32        # at full speed, every one of a run's first this many updates gets a row
# … then every s-th (``update_stride``), so that rows take about ROW_SHARE of the training work, counted
# in multiply-adds: an update costs batch size · (weights + UNIT_WORK · neurons) (the products, then the
# elementwise passes: activation, derivative, δ), plus UPDATE_OVERHEAD of Python calls, plus its share of
# the epoch's end (EPOCH_OVERHEAD: the epoch's cost, validation, history; all of it for full batch); a row
# ROW_OVERHEAD (its ~10 NumPy calls: ≈ 10 µs on their own, 20–40 µs right after a batch has filled the
# caches, measured with bench_watch) plus a pass over the weights and the step (≈ weights).
UNIT_WORK = 16
UPDATE_OVERHEAD = 1 << 15
EPOCH_OVERHEAD = 1 << 18
ROW_OVERHEAD = 1 << 16
ROW_SHARE = 0.01
# The compiled path (``train.compiled``: stochastic descent and tiny batches on small networks) makes no
# Python call per update: its per-sample loops cost about COMPILED_WORK units per multiply-add (≈ 1 ns per
# unit of batch · (weights + UNIT_WORK · neurons), measured from 2-8-8-2 to 64-100-10), and a call of the
# kernel with the trainer's loop around it CALL_OVERHEAD (≈ 4 µs), once an epoch at least. A row inside a
# run ends the run there (the trainer stops the kernel at the count the recorder asked for): one call more.
COMPILED_WORK = 2
CALL_OVERHEAD = 1 << 13
ROWS_PER_LEVEL = 4096    # s doubles after this many rows of the update grid, and after as many more, …
EVERY_EPOCH = 4096       # the epoch grid's e doubles after this many of its epochs, and after as many more, …
NOISE_SHARE = 0.02    # at full speed, gradient noise takes about this share of the training work
NOISE_WORK = 5        # a sample in a noise measurement costs about this many trained samples (per-sample δ
                      # kept in float64, one GEMM per batch; measured on digits-like 64-32-10: 38 ms ≈ 5 × 3.5k samples)


def _level(count, stride, per_level):
    """How often a grid that starts at ``stride`` has doubled by ``count`` (after ``per_level`` points, and again …)."""
    return max(0, (count // stride // per_level).bit_length() - 1)


def _on_grid(count, stride, per_level):
    return count % (stride << _level(count, stride, per_level)) == 0


def _next_on_grid(count, stride, per_level):
    """The first count after ``count`` on the grid. (A level starts at a multiple of the step below it,
    so the step at ``count + 1`` reaches the next grid point.)"""
    count += 1
    step = stride << _level(count, stride, per_level)
    return -(-count // step) * step


def update_stride(batch_size, n_weights, n_units, per_epoch, compiled=False):
    """s: at full speed every s-th update gets a row, for batches of ``batch_size`` on a network of
    ``n_weights`` weights and ``n_units`` neurons, ``per_epoch`` updates an epoch, trained on the NumPy
    path or (``compiled``) on the compiled path (module docstring)."""
    row = ROW_OVERHEAD + int(n_weights)
    work = int(batch_size) * (int(n_weights) + UNIT_WORK * int(n_units))
    per_epoch = max(int(per_epoch), 1)
    if compiled:
        row += CALL_OVERHEAD
        update = COMPILED_WORK * work + (EPOCH_OVERHEAD + CALL_OVERHEAD) // per_epoch
    else:
        update = work + UPDATE_OVERHEAD + EPOCH_OVERHEAD // per_epoch
    return max(1, math.ceil(row / (ROW_SHARE * update)))


def update_due(updates, stride):
    """Does update number ``updates`` get a row at full speed (the first EVERY_UPDATE, then the s-grid)?"""
    return updates <= EVERY_UPDATE or _on_grid(updates, stride, ROWS_PER_LEVEL)


def next_due(updates, stride):
    """The first update count after ``updates`` that ``update_due`` takes."""
    return updates + 1 if updates < EVERY_UPDATE else _next_on_grid(updates, stride, ROWS_PER_LEVEL)


def epoch_due(epoch, first):
    """Is ``epoch`` on the epoch grid (every ``first``-th epoch, doubling after EVERY_EPOCH of them)?"""
    return _on_grid(epoch, first, EVERY_EPOCH)


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
        self._last = -1       # the update count of the newest row
        self._slices = None   # each layer's weights in the flat arrays (of the first row's network)
        self._flats = [None, None, None]   # the gradient, step and parameter arrays the views below are of
        self._views = [[], [], []]         # … and each layer's weights in them (kept while the arrays are)

    def __len__(self):
        return self._n

    @property
    def last_update(self):
        """The update count of the newest row (-1 when empty)."""
        return self._last

    @property
    def last_seconds(self):
        """The training time of the newest row (0 when empty)."""
        return float(self._table[self._n - 1, 2]) if self._n else 0.0

    def record(self, trainer, seconds, cost=np.nan, noise=None):
        """Add a row for the trainer's latest update (nothing if it has not updated since the last row)."""
        updates = trainer.updates
        if not updates or updates == self._last:
            return False
        if self._n == len(self._table):
            self._table = np.concatenate([self._table, np.empty_like(self._table)])
        eta = trainer.last_learning_rate   # plain SGD: the step is η∇, its norm gives the gradient's
        grads, steps, weights = self._layer_views(None if eta else trainer.last_gradient, trainer.last_update,
                                                  trainer.net)
        row = self._table[self._n]
        row[:len(SCALARS)] = (updates, trainer.samples_seen, seconds, cost,
                              np.nan if noise is None else noise.cosine,
                              np.nan if noise is None else noise.norm_spread)
        dot = np.dot   # of float32 slices: sdot, no float64 copies
        if eta:
            scale = 1.0 / (float(eta) * float(eta))
            squares = [(float(dot(d, d)), dot(w, w)) for d, w in zip(steps, weights)]
            row[len(SCALARS):] = [x for d2, w2 in squares for x in (d2 * scale, d2, w2)]
        else:
            row[len(SCALARS):] = [dot(x, x) for layer in zip(grads, steps, weights) for x in layer]
        self._n += 1
        self._last = updates
        return True

    def _layer_views(self, grad, step, net):
        """Each layer's weights in the gradient (if given), the step and the parameters. The trainer hands
        out the same step and parameter arrays every update: views are made anew only for a new array."""
        if self._slices is None:
            self._slices = _weight_slices(net)
        for i, flat in enumerate((grad, step, net.params)):
            if flat is not None and flat is not self._flats[i]:
                self._flats[i], self._views[i] = flat, [flat[w] for w in self._slices]
        return self._views

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


@dataclass(frozen=True)
class Plan:
    """A run's full-speed grids (module docstring), worked out once per configuration."""

    stride: int          # s: every s-th update
    epoch_first: int     # e: every e-th epoch's end
    noise_every: int     # gradient noise every this many epochs


def make_plan(n_train, batch_size, net, compiled=False):
    """The full-speed grids of a run of ``net`` on ``n_train`` samples in batches of ``batch_size``,
    trained on the compiled path if ``compiled`` (``Trainer.on_compiled_path``)."""
    per_epoch = -(-max(int(n_train), 1) // max(int(batch_size), 1))
    stride = update_stride(batch_size, net.n_weights, sum(net.sizes[1:]), per_epoch, compiled)
    return Plan(stride, -(-stride // per_epoch), noise_every(n_train, batch_size))


class Recorder:
    """Decides which updates get a row of ``log`` (the rule is in the module docstring).

    ``probe``: (X, Y) the paced rows' cost is measured on; ``train``: the training data, for
    gradient noise. Call ``after_update`` after an update trained slowly or by Step; at full
    speed give ``after_batch`` as ``Trainer.fit``'s ``on_update`` (it returns the next update
    count it wants) and call ``on_progress`` with every progress report. The full-speed calls
    run inside ``fit``, whose ``np.errstate`` already keeps a diverging run quiet.
    """

    def __init__(self, log, probe, train, seed=0):
        self.log = log
        self.X_probe, self.Y_probe = probe
        self.X_train, self.Y_train = train
        self.rng = np.random.default_rng(seed)
        self.last_noise = -np.inf    # perf_counter() of the last paced noise measurement
        self._plan = (None, None, None)   # (the TrainConfig and path it was made for, its Plan)
        self._next_epoch = 0         # at full speed, no epoch's end before this one needs a look
        self._clock = (0.0, time.perf_counter())   # (training seconds, perf_counter) at the last report

    def after_update(self, trainer, noise_gap=0.0):
        """Paced or stepped: a row for this update, with the probe cost, and gradient noise at most
        every ``noise_gap`` seconds."""
        self.sync(trainer.progress().elapsed)
        now = time.perf_counter()
        with np.errstate(all="ignore"):   # a diverging run is reported by the trainer, not here
            noise = self._noise(trainer) if now >= self.last_noise + noise_gap else None
            if noise is not None:
                self.last_noise = now
            cost = trainer.net.cost(self.X_probe, self.Y_probe, trainer.config.cost)
            return self._record(trainer, cost, noise)

    def after_batch(self, trainer):
        """Full speed (``Trainer.fit``'s ``on_update``): a row if the trainer's update count is on the
        grid; returns the next count on it, after which the trainer calls again."""
        updates, stride = trainer.updates, self.plan(trainer).stride
        if update_due(updates, stride):
            self._record(trainer)
        return next_due(updates, stride)

    def on_progress(self, trainer, progress):
        """Full speed, at every progress report: keeps the clock; at an epoch's end a row if the epoch is
        due (module docstring)."""
        self._clock = (progress.elapsed, time.perf_counter())
        if progress.epoch_ended and progress.epoch >= self._next_epoch:
            return self._epoch_end(trainer, progress)
        return False

    def _epoch_end(self, trainer, progress):
        """An epoch on the epoch grid or due for gradient noise has ended: a row unless the update grid
        put one into the epoch already, and the noise in the newest row."""
        plan, epoch = self.plan(trainer), progress.epoch
        self._next_epoch = min(_next_on_grid(epoch, plan.epoch_first, EVERY_EPOCH),
                               (epoch // plan.noise_every + 1) * plan.noise_every)
        noisy = epoch % plan.noise_every == 0
        covered = self.log.last_update > trainer.updates - progress.batches_per_epoch   # a row in this epoch
        if not (noisy or (epoch_due(epoch, plan.epoch_first) and not covered)):
            return False
        noise = self._noise(trainer) if noisy else None
        if trainer.updates != self.log.last_update:
            return self._record(trainer, noise=noise)
        if noise is not None:
            self.log.add_noise(noise)
        return False

    def plan(self, trainer):
        """The full-speed grids for the trainer's current configuration and path (``make_plan``)."""
        config, compiled, plan = self._plan
        # New settings mid-run (LiveSettings), or new data or settings that change the path: work it out again.
        if trainer.config is not config or trainer.on_compiled_path != compiled:
            config, compiled, n_train = trainer.config, trainer.on_compiled_path, len(self.X_train)
            plan = make_plan(n_train, config.batch_size_for(n_train), trainer.net, compiled)
            self._plan = config, compiled, plan
        return plan

    def sync(self, elapsed):
        """Training time is ``elapsed`` now (rows between reports add the wall time since)."""
        self._clock = (elapsed, time.perf_counter())

    def _record(self, trainer, cost=np.nan, noise=None):
        elapsed, then = self._clock
        # Wall time since the report also counts the trainer's untimed epoch ends: never go back in time.
        seconds = max(elapsed + time.perf_counter() - then, self.log.last_seconds)
        return self.log.record(trainer, seconds, cost, noise)

    def _noise(self, trainer):
        n_train = len(self.X_train)
        batch_size = trainer.config.batch_size_for(n_train)
        if batch_size >= n_train:   # the one batch is the full batch: it points exactly along the gradient
            return noise_module.GradientNoise(n_train, 1, 1.0, 0.0, 0.0, np.nan)
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
