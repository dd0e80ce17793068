"""Stochastic and small-batch descent compiled to machine code (Numba), one sample at a time.

With one sample per update, NumPy's ~1 µs per call is the whole cost: a 2-8-8-1 network needs
~30 calls per sample, so the NumPy path tops out near 30,000 samples/s while the arithmetic is
a few hundred floating-point operations. Here the same update — forward, δᴸ, δˡ, ∇W = δ aᵀ,
∇b = δ, the optimizer's step — runs for many batches in one compiled call, sample by sample,
with loops that read like the seeds:

    zⱼ = bⱼ + Σₖ Wⱼₖ aₖ          aⱼ = σ(zⱼ)
    δᴸ = ∇ₐC ⊙ σ′(zᴸ)            δₖˡ⁻¹ = (Σⱼ Wⱼₖ δⱼˡ) σ′(zₖˡ⁻¹)
    ∇Wⱼₖ += δⱼ aₖ                ∇bⱼ += δⱼ

The NumPy path (``nn.backprop.Workspace`` + ``train.optimizers``) stays the readable reference
and the fallback: without Numba, or with ``BPSTUDIO_COMPILED=0`` in the environment, nothing
here runs. Both give the same numbers to float rounding (``tests/core/test_compiled.py``).

Parameters stay in the network's flat ``params`` (every Wˡ stored as Wˡᵀ row by row, then every
bˡ), so the compiled path trains the very array the views, the inspector and the optimizer state
see. Compiling takes 10–20 s of CPU the first time (both float dtypes) and is cached on disk
(``cache=True``) after; loading it from there takes well under a second.
"""

import atexit
import os
import threading

import numpy as np

from ..nn.activations import LEAKY_SLOPE

# Codes the kernel branches on (one small integer per choice, fixed for a whole run).
ACTIVATION_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2, "leaky_relu": 3, "linear": 4, "softmax": 5}
COST_CODES = {"sse": 0, "mse": 1, "half_mse": 2, "bce": 3, "cross_entropy": 4, "half_sse": 5}
OPTIMIZER_CODES = {"sgd": 0, "momentum": 1, "nesterov": 2, "rmsprop": 3, "adam": 4}

# Batches of at most this many samples train here; larger ones are faster as NumPy's matrix
# products (measured in benchmarks/bench_core.py: the crossover on the small case lies near 8).
MAX_BATCH = 4
# Networks with more weights than this stay on the NumPy path: per-sample loops cannot use
# the cache blocking of BLAS, and the per-call overhead no longer dominates there.
MAX_WEIGHTS = 20_000
# Seconds the interpreter's exit waits for a build under way (one takes 10–20 s of CPU): long enough
# for a build to finish, never forever (a build that hangs must not hang the app's or the CLI's exit).
BUILD_EXIT_WAIT = 60.0

_kernel = None          # the compiled function, once built (never at import: Numba is slow to load)
_built = threading.Event()
_build_lock = threading.Lock()
_building = None        # the thread building it in the background
failure = ""            # why the compiled path could not be built, if it could not


def mode():
    """How the compiled path is used, from ``BPSTUDIO_COMPILED``:

    - ``background`` (default): the first suitable run starts building the kernel on a thread of
      its own and trains on the NumPy path until it is ready (10–20 s, once: Numba caches
      the machine code on disk), then switches at the next batch;
    - ``wait``: build it before the first batch (tests use this: a run is then one path only);
    - ``0``: never (the NumPy path only).
    """
    value = os.environ.get("BPSTUDIO_COMPILED", "background")
    return {"0": "off", "off": "off", "wait": "wait"}.get(value, "background")


def available():
    """Whether the compiled path can run here (Numba importable, not switched off, built fine)."""
    if mode() == "off" or failure:
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def suits(net, config, batch_size):
    """Whether this run is one the compiled path is built for (and faster at)."""
    return (batch_size <= MAX_BATCH and net.n_weights <= MAX_WEIGHTS
            and config.optimizer in OPTIMIZER_CODES and config.cost in COST_CODES
            and all(name in ACTIVATION_CODES for name in net.activations))


def ready():
    """The kernel if it is built; otherwise start building it (or build it now, in ``wait`` mode) and
    return None meanwhile. Never call this on a UI thread in ``wait`` mode."""
    global _building
    if _kernel is not None:
        return _kernel
    with _build_lock:
        if _building is None:
            _building = threading.Thread(target=_build, name="bpstudio-compile", daemon=True)
            _building.start()
            atexit.register(_finish_build)
    if mode() == "wait":
        _built.wait()
    return _kernel


def is_building():
    """Whether a build has started and not finished (the app says so in its status bar)."""
    return _building is not None and not _built.is_set()


def _build():
    global _kernel, failure
    try:
        from . import _kernel as kernel
        for dtype in (np.float64, np.float32):   # compile (or load from the disk cache) both
            _exercise(kernel.train_batches, np.dtype(dtype))
        _kernel = kernel.train_batches
    except Exception as e:  # noqa: BLE001 — any failure leaves the NumPy path, which always works
        failure = f"{type(e).__name__}: {e}"
    finally:
        _built.set()


def _exercise(kernel, dtype):
    """One call on a 1-1 network, which makes Numba compile the signature for this dtype."""
    params, one = np.zeros(2, dtype), np.zeros((1, 1), dtype)
    layout = np.array([[1, 1, 0, 1, 0, 0]], np.uint64)
    kernel(params, params.copy(), params.copy(), params.copy(), params.copy(), layout, 1, 0,
           (0.1, 0.0, 0.9, 0.99, 0.9, 0.999, 1e-8, LEAKY_SLOPE), 0, one, one.copy(),
           np.zeros(1, np.int64), 0, 1, 1, 1, one.copy(), np.zeros(2, dtype), np.zeros(2, dtype))


def _finish_build():
    """At exit, let a build that is under way end first (a compiler thread cut off while the
    interpreter shuts down can crash it), for at most BUILD_EXIT_WAIT seconds."""
    if _building is not None:
        _building.join(BUILD_EXIT_WAIT)


class CompiledDescent:
    """Trains runs of consecutive batches of one epoch in a single compiled call.

    ``run(...)`` trains the batches starting at sample ``pos`` of ``order`` and returns the new
    position; each sample's output pre-activation zᴸ goes into ``z_epoch`` (for the epoch's
    cost). Like the NumPy path's steps (``fused_step``), ``gradient()`` and ``update()`` give
    the last batch's gradient and step.
    """

    def __init__(self, net, cost, optimizer, batch_size):
        self.net, self.cost, self.optimizer = net, cost, optimizer
        self.batch_size = batch_size
        self.n_weights = net.n_weights
        self.grad = np.zeros_like(net.params)
        sizes = net.sizes
        pairs = list(zip(sizes[:-1], sizes[1:]))
        w_off = np.cumsum([0] + [i * o for i, o in pairs])[:-1]
        b_off = net.n_weights + np.cumsum([0] + [o for _, o in pairs])[:-1]
        starts = np.cumsum([0, *sizes])[:-2]
        # One row per weight layer: n_in, n_out, offset of Wᵀ, offset of b, activation code, and
        # where its input aˡ⁻¹ starts in the kernel's a (unsigned: see ``_kernel``).
        self.layout = np.array([[i, o, w, b, ACTIVATION_CODES[act], start]
                                for (i, o), w, b, act, start in zip(pairs, w_off, b_off, net.activations, starts)],
                               np.uint64)
        width = sum(sizes)
        # One sample's activations and deltas for every layer, in the network's dtype (the
        # kernel computes in it, as the NumPy path does).
        self.a = np.zeros(width, net.dtype)
        self.delta = np.zeros(width, net.dtype)
        self.step = np.zeros_like(net.params)     # the last batch's step (optimizer.last_update)
        self._lr = None                           # η of the last run when its steps were plain SGD's η∇
        self.buffers = self._optimizer_buffers()

    def _optimizer_buffers(self):
        opt = self.optimizer
        first = {"momentum": "velocity", "nesterov": "velocity", "rmsprop": "square_avg", "adam": "exp_avg"}
        b1 = getattr(opt, first.get(opt.name, ""), None)
        b2 = getattr(opt, "exp_avg_sq", None)
        empty = np.zeros(0, self.net.dtype)
        return (b1 if b1 is not None else empty, b2 if b2 is not None else empty)

    def gradient(self):
        """The last batch's gradient ∇ (+ λW), laid out like ``net.params`` (a live buffer: copy it)."""
        return self.grad

    def update(self):
        """The last step, θ ← θ − update (a live buffer: copy it)."""
        return self.step

    def learning_rate(self):
        """η of the last step if it was plain SGD's, ``update()`` = η ``gradient()`` (L2 included in
        both), so ‖∇‖ = ‖update‖ / η; None for the other optimizers (as ``fused_step``'s steps)."""
        return self._lr

    def _hyper(self, cfg):
        opt = self.optimizer
        beta1, beta2 = cfg.betas
        # A tuple, not an array: passed by value, so the compiler knows no store can change it.
        return tuple(float(x) for x in (opt.lr, cfg.l2, cfg.momentum, cfg.alpha, beta1, beta2, cfg.eps, LEAKY_SLOPE))

    def run(self, kernel, config, X, Y, order, pos, n_batches, z_epoch):
        """Train ``n_batches`` batches (fewer at the epoch's end) from sample ``pos`` of ``order``
        with ``kernel`` (from ``ready()``) and the current ``config`` (its learning rate and L2 are
        live settings); returns (new position, batches trained)."""
        opt = self.optimizer
        b1, b2 = self.buffers
        self._lr = opt.lr if opt.name == "sgd" else None   # (the rate may decay after the run)
        new_pos, batches = kernel(
            self.net.params, self.grad, self.step, b1, b2, self.layout,
            COST_CODES[self.cost], OPTIMIZER_CODES[opt.name], self._hyper(config), opt.t,
            X, Y, order, pos, n_batches, self.batch_size, self.n_weights, z_epoch, self.a, self.delta)
        opt.t += batches
        return new_pos, batches
