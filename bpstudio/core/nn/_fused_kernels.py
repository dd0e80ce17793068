"""The compiled loops behind ``fused_elementwise`` (Numba). Imported only when they are built.

Each reads and writes every element once and allocates nothing. They keep NumPy's semantics
where it matters for training: NaN goes through ReLU and its mask (so a diverging run still
shows up as non-finite weights), arithmetic stays in the arrays' dtype (``scale`` arrives as
that dtype), and the softmax divides by the row sum rather than multiplying by its inverse.
No fast-math: the results must not depend on how LLVM reorders them.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def relu(z, out):
    """aᵢⱼ = max(0, zᵢⱼ); NaN stays NaN (as with np.maximum)."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            value = z[i, j]
            out[i, j] = 0 if value < 0 else value


@njit(cache=True, nogil=True)
def add_bias_relu(z, b, out):
    """zᵢⱼ ← zᵢⱼ + bⱼ, then aᵢⱼ = max(0, zᵢⱼ) (``out`` may be z)."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            value = z[i, j] + b[j]
            z[i, j] = value
            out[i, j] = 0 if value < 0 else value


@njit(cache=True, nogil=True)
def add_bias_relu_in_place(z, b):
    """zᵢⱼ ← max(0, zᵢⱼ + bⱼ): one store per element. Storing z + b and then max(0, ·) to the same
    place (``add_bias_relu`` with ``out`` = z) keeps LLVM from vectorising: 4× slower on 128 × 256."""
    rows, cols = z.shape
    for i in range(rows):
        row = z[i]
        for j in range(cols):
            value = row[j] + b[j]
            row[j] = 0 if value < 0 else value


@njit(cache=True, nogil=True)
def relu_delta(delta, a, delta_sum):
    """δᵢⱼ ← δᵢⱼ [aᵢⱼ > 0] and Σᵢ δᵢⱼ in the same pass (a product, as NumPy's, so ∞ · 0 is NaN)."""
    rows, cols = delta.shape
    total = np.zeros(cols, delta.dtype)
    for i in range(rows):
        for j in range(cols):
            d = delta[i, j] * (a[i, j] > 0)
            delta[i, j] = d
            total[j] += d
    delta_sum[:] = total


@njit(cache=True, nogil=True)
def softmax(z, out):
    """aᵢⱼ = e^(zᵢⱼ − mᵢ) / Σₖ e^(zᵢₖ − mᵢ) with mᵢ the row's maximum, row by row."""
    rows, cols = z.shape
    for i in range(rows):
        m = z[i, 0]
        for j in range(1, cols):
            if z[i, j] > m or z[i, j] != z[i, j]:   # NaN wins, as in np.max
                m = z[i, j]
        total = z.dtype.type(0)
        for j in range(cols):
            e = np.exp(z[i, j] - m)
            out[i, j] = e
            total += e
        for j in range(cols):
            out[i, j] /= total


@njit(cache=True, nogil=True)
def scaled_difference(a, y, scale, delta, delta_sum):
    """δᵢⱼ = (aᵢⱼ − yᵢⱼ) · scale and Σᵢ δᵢⱼ (softmax + cross-entropy's δᴸ, η/N folded in)."""
    rows, cols = a.shape
    total = np.zeros(cols, delta.dtype)
    for i in range(rows):
        for j in range(cols):
            d = (a[i, j] - y[i, j]) * scale
            delta[i, j] = d
            total[j] += d
    delta_sum[:] = total
