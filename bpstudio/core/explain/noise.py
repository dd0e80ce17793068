"""Gradient noise: how far one batch's gradient is from the full-batch gradient.

Stochastic and mini-batch descent follow the gradient of a random batch, an estimate of the
full-batch gradient g = (1/N) Σₙ ∇Cₙ. Two numbers say how good the estimate is:

- the cosine between a batch's gradient g_b and g: 1 means the batch points exactly downhill
  (full batch always does), near 0 means it is mostly noise;
- the spread of the batch gradients' norms: std ‖g_b‖ / ‖g‖ — large for single samples,
  0 for the full batch.

Per-sample gradients are never stored: for layer l the gradient of batch b is
(1/B) Σₙ∈b δₙˡ aₙˡ⁻¹ᵀ = (1/B) δ_bᵀ a_b, one batched matrix product over every batch at once.
"""

from dataclasses import dataclass

import numpy as np

MAX_SAMPLES = 4096      # samples drawn per measurement (batches × batch size), to bound its cost
BATCHES = (4, 64)       # at least / at most this many batches per measurement


@dataclass(frozen=True)
class GradientNoise:
    """One measurement for batches of ``batch_size`` samples."""

    batch_size: int
    batches: int           # how many batches were drawn
    cosine: float          # mean cos(g_b, g)
    cosine_std: float
    norm_spread: float     # std ‖g_b‖ / ‖g‖
    full_norm: float       # ‖g‖


def flat_gradients(net, deltas, activations, batch_size):
    """Batch-mean gradients, (n_batches, n_parameters) laid out like ``net.params``.

    ``deltas[l]`` / ``activations[l]``: per-sample δ of weight layer l and its input a,
    both with n_batches × batch_size rows, consecutive rows forming one batch."""
    n_rows = len(deltas[0])
    n_batches = n_rows // batch_size
    out = np.empty((n_batches, net.n_parameters), np.float64)
    grad_w, grad_b = _views(net, out)
    for l, (delta, a) in enumerate(zip(deltas, activations)):
        d = delta.reshape(n_batches, batch_size, -1)
        x = a.reshape(n_batches, batch_size, -1)
        grad_w[l][...] = np.matmul(d.transpose(0, 2, 1), x) / batch_size   # per batch δᵀ a: batched GEMM
        grad_b[l][...] = d.mean(axis=1)
    return out


def _views(net, flat2d):
    """Per-layer (n_batches, n_out, n_in) weight and (n_batches, n_out) bias views of a 2-D flat array."""
    weights, biases, offset = [], [], 0
    pairs = list(zip(net.sizes[:-1], net.sizes[1:]))
    for n_in, n_out in pairs:
        block = flat2d[:, offset:offset + n_in * n_out].reshape(-1, n_in, n_out)
        weights.append(block.transpose(0, 2, 1))   # params store Wᵀ row-major, as Network.layer_views
        offset += n_in * n_out
    for _, n_out in pairs:
        biases.append(flat2d[:, offset:offset + n_out])
        offset += n_out
    return weights, biases


def batch_gradients(net, X, Y, cost, batches):
    """Gradient of the batch-mean cost of each batch; ``batches`` is an (n_batches, B) index array."""
    batches = np.asarray(batches)
    rows = batches.ravel()
    trace = net.forward(X[rows])
    deltas = net.deltas(X[rows], Y[rows], cost)
    return flat_gradients(net, deltas, trace.a[:-1], batches.shape[1])


def full_gradient(net, X, Y, cost):
    """The full-batch gradient (mean over all of X), flat like ``net.params``."""
    grad_w, grad_b = net.gradients(X, Y, cost)
    flat = np.empty(net.n_parameters, np.float64)
    weights, biases = net.layer_views(flat)
    for target, g in zip((*weights, *biases), (*grad_w, *grad_b)):
        target[...] = g
    return flat


def draw_batches(n_samples, batch_size, rng, max_samples=MAX_SAMPLES):
    """Random batches (each without repeats) as an (n_batches, batch_size) index array."""
    if batch_size >= n_samples:
        return np.arange(n_samples)[None, :]
    n_batches = int(np.clip(max_samples // batch_size, *BATCHES))
    keys = rng.random((n_batches, n_samples))
    return np.argpartition(keys, batch_size - 1, axis=1)[:, :batch_size]


def gradient_noise(net, X, Y, cost, batch_size, rng=None, full=None):
    """Measure gradient noise for batches of ``batch_size`` drawn from X, Y (see the module docstring).

    ``full``: the full-batch gradient if already known (it is the expensive part on a big set)."""
    X, Y = net.as_inputs(X), net.as_targets(Y, len(X))
    batch_size = int(min(max(batch_size, 1), len(X)))
    rng = np.random.default_rng() if rng is None else rng
    g = full_gradient(net, X, Y, cost) if full is None else np.asarray(full, np.float64)
    batches = draw_batches(len(X), batch_size, rng)
    g_b = g[None, :] if batch_size == len(X) else batch_gradients(net, X, Y, cost, batches)
    g_norm = float(np.linalg.norm(g))
    norms = np.linalg.norm(g_b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosines = (g_b @ g) / (norms * g_norm)
    cosines = np.where(np.isfinite(cosines), cosines, 1.0 if batch_size == len(X) else 0.0)
    spread = float(norms.std() / g_norm) if g_norm > 0 else 0.0
    return GradientNoise(batch_size, len(batches), float(cosines.mean()), float(cosines.std()), spread, g_norm)
