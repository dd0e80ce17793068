"""Check backprop against finite differences, layer by layer.

For each checked parameter θᵢ the numerical gradient is the central difference
(C(θ + ε eᵢ) − C(θ − ε eᵢ)) / 2ε, computed in float64 on a copy of the network.
A layer's relative error is the largest |backprop − numerical| in that layer
divided by the largest gradient magnitude in it, so entries that are exactly
zero (a dead ReLU) do not turn rounding noise into a false failure.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.network import Network

TOLERANCE = 1e-6


@dataclass
class LayerCheck:
    layer: int               # 1-based weight layer
    rel_error_w: float
    rel_error_b: float
    checked: int             # parameters compared in this layer

    @property
    def rel_error(self):
        return max(self.rel_error_w, self.rel_error_b)


@dataclass
class GradCheckResult:
    layers: list
    tolerance: float

    @property
    def max_rel_error(self):
        return max(layer.rel_error for layer in self.layers)

    @property
    def passed(self):
        return self.max_rel_error < self.tolerance


def gradcheck(net, X, Y, cost="mse", eps=1e-6, tolerance=TOLERANCE, max_per_layer=200, seed=0):
    """Compare ``net.gradients`` with central differences; returns a ``GradCheckResult``.

    Layers with more than ``max_per_layer`` weights are checked on a seeded random
    sample of that many entries (every bias is checked), which keeps the check
    interactive for large layers.
    """
    net64 = Network(net.sizes, net.activations, net.init, net.seed, "float64")
    net64.params[...] = net.params
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    grad_w, grad_b = net64.gradients(X, Y, cost)
    rng = np.random.default_rng(seed)
    layers = []
    for l in range(net64.n_layers):
        W, b = net64.weights[l], net64.biases[l]
        w_idx = _sample(W.size, max_per_layer, rng)
        err_w = _layer_error(net64, X, Y, cost, W, grad_w[l], np.unravel_index(w_idx, W.shape), eps)
        err_b = _layer_error(net64, X, Y, cost, b, grad_b[l], (np.arange(b.size),), eps)
        layers.append(LayerCheck(l + 1, err_w, err_b, len(w_idx) + b.size))
    return GradCheckResult(layers, tolerance)


def numerical_gradient(net, X, Y, cost, param, index, eps=1e-6):
    """Central difference of the cost for ``param[index]``, param being a view into net.params."""
    original = param[index]
    param[index] = original + eps
    plus = net.cost(X, Y, cost)
    param[index] = original - eps
    minus = net.cost(X, Y, cost)
    param[index] = original
    return (plus - minus) / (2 * eps)


def _layer_error(net, X, Y, cost, param, analytic, indices, eps):
    """Max relative error over the entries ``indices`` (a tuple of index arrays, one per axis)."""
    numeric = np.array([numerical_gradient(net, X, Y, cost, param, index, eps) for index in zip(*indices)])
    exact = analytic[indices]
    scale = max(np.abs(exact).max(initial=0), np.abs(numeric).max(initial=0), 1e-12)
    return float(np.abs(exact - numeric).max(initial=0) / scale)


def _sample(size, limit, rng):
    if size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, limit, replace=False))
