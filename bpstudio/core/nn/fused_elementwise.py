"""The elementwise passes of a training step, each done in one loop over the batch.

Between its matrix products a step on a ReLU network with a softmax + cross-entropy head makes,
in NumPy, several passes over N × n arrays (128 × 256 floats on bench_core's medium case):

    zˡ += bˡ, aˡ = max(0, zˡ)    two passes, the second against an array of zeros (a scalar 0 is 4× slower)
    δˡ ← δˡ ⊙ [aˡ > 0]           through a temporary boolean mask
    ∇bˡ = Σₙ δˡ                  one more pass (ones @ δ)
    aᴸ = softmax(zᴸ)             row max on a copy of zᵀ, subtract, exp, row sums, divide
    δᴸ = (η/N)(aᴸ − y), Σₙ δᴸ    three more

With Numba each line is one compiled loop that reads and writes every element once and
allocates nothing (``_fused_kernels.py``): 2–3× less time in these passes, a few per cent of a
medium step (docs/performance.md). The NumPy code here is the reference and the fallback —
without Numba, with ``BPSTUDIO_COMPILED=0``, and while the loops compile — and gives the same
numbers to float rounding (tests/core/test_fused_elementwise.py).

The loops are compiled on a thread of their own the first time a training step is made
(``train.fused_step.make_step``), a few seconds of CPU once; Numba caches them on disk.
"""

import atexit
import threading

import numpy as np

from .activations import ACTIVATIONS

_RELU, _SOFTMAX = ACTIVATIONS["relu"], ACTIVATIONS["softmax"]
_compiled = None          # the _fused_kernels module once built; None means the NumPy code below
_build_lock = threading.Lock()
_builder = None
_ONES = {}                # dtype → ones vector for column sums as ones @ δ (4× faster than sum(axis=0))
BUILD_EXIT_WAIT = 30.0    # seconds the interpreter's exit waits for a build under way (one takes 2–20 s)


def relu(z, out):
    """a = max(0, z), into ``out`` (which may be z)."""
    if _compiled is None:
        return _RELU.forward(z, out)
    _compiled.relu(z, out)
    return out


def add_bias_relu(z, b, out):
    """z ← z + b (b broadcast over the rows), then a = max(0, z) into ``out`` (which may be z)."""
    if _compiled is None:
        z += b
        return _RELU.forward(z, out)
    _compiled.add_bias_relu(z, b, out)
    return out


def add_bias_relu_in_place(z, b):
    """z ← max(0, z + b): ``add_bias_relu(z, b, z)`` for layers that keep only a, in one store per element."""
    if _compiled is None:
        return add_bias_relu(z, b, z)
    _compiled.add_bias_relu_in_place(z, b)
    return z


def relu_delta(delta, a, delta_sum):
    """δ ← δ ⊙ σ′ for ReLU (σ′ = [a > 0]) in place, and ``delta_sum`` ← Σₙ δ (which is ∇b)."""
    if _compiled is None:
        _RELU.multiply_derivative(delta, None, a, None)
        return column_sums(delta, delta_sum)
    _compiled.relu_delta(delta, a, delta_sum)
    return delta


def softmax(z, out):
    """Softmax of every row of z, into ``out``."""
    if _compiled is None:
        return _SOFTMAX.forward(z, out)
    _compiled.softmax(z, out)
    return out


def softmax_cross_entropy_delta(a, y, scale, delta, delta_sum):
    """δᴸ = scale · (a − y), the simplified softmax + cross-entropy delta, and ``delta_sum`` ← Σₙ δᴸ."""
    scale = delta.dtype.type(scale)   # stay in the network's dtype, as NumPy's ``delta *= scale`` does
    if _compiled is None or not (y.dtype == delta.dtype and y.flags.c_contiguous):   # (no new signature to compile)
        np.subtract(a, y, out=delta)
        if scale != 1:
            delta *= scale
        column_sums(delta, delta_sum)
        return delta
    _compiled.scaled_difference(a, y, scale, delta, delta_sum)
    return delta


def column_sums(delta, out):
    """``out`` ← Σₙ δ over the batch's rows, as a BLAS matrix-vector product (ones @ δ)."""
    ones = _ONES.get(delta.dtype)
    if ones is None or len(ones) < len(delta):
        ones = _ONES[delta.dtype] = np.ones(max(len(delta), 256), delta.dtype)
    np.matmul(ones[:len(delta)], delta, out=out)
    return delta


# --- compiling ------------------------------------------------------------------------------

def is_compiled():
    """Whether the compiled loops are in use."""
    return _compiled is not None


def start_build(wait=False):
    """Compile the loops (or load them from Numba's disk cache) on a thread of their own; switch to
    them when done. ``wait``: return only once that is over. Never call with ``wait`` on a UI thread."""
    global _builder
    with _build_lock:
        if _builder is None:
            _builder = threading.Thread(target=_build, name="bpstudio-fuse", daemon=True)
            _builder.start()
            # A compiler thread cut off at interpreter exit can crash it; a hung build must not hang exit.
            atexit.register(_builder.join, BUILD_EXIT_WAIT)
    if wait:
        _builder.join()


def use_numpy():
    """Go back to the NumPy code (tests compare the two)."""
    global _compiled
    _compiled = None


def use_compiled():
    """Switch to the compiled loops now, compiling them on this thread if needed; False without Numba."""
    global _compiled
    try:
        from . import _fused_kernels as kernels
        for dtype in (np.float32, np.float64):
            _exercise(kernels, np.dtype(dtype))
    except Exception:  # noqa: BLE001 — any failure leaves the NumPy code, which always works
        return False
    _compiled = kernels
    return True


def _build():
    use_compiled()


def _exercise(kernels, dtype):
    """One call of every loop on a 1 × 1 batch: Numba compiles the signature for this dtype."""
    z, out, total = np.ones((1, 1), dtype), np.empty((1, 1), dtype), np.empty(1, dtype)
    kernels.relu(z, out)
    kernels.add_bias_relu(z, total, out)
    kernels.add_bias_relu_in_place(out, total)
    kernels.relu_delta(out, z, total)
    kernels.softmax(z, out)
    kernels.scaled_difference(out, z, dtype.type(1), out, total)
