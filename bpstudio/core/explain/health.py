"""How healthy is the network? Per-layer numbers that make vanishing/exploding gradients and
saturated or dead units visible.

- gradient norm ‖∇Wˡ‖ (Frobenius) of the last batch;
- update ratio ‖ΔWˡ‖ / ‖Wˡ‖ of the last update (around 1e-3 is the usual healthy range);
- saturation: per unit, the share of samples where σ′(z) is within 5 % of zero relative to its
  peak (sigmoid/tanh units stuck at their asymptotes, ReLUs that output 0 — "dead" when the share is 1).
"""

import numpy as np

from ..nn.backprop import Workspace

SATURATION_THRESHOLD = 0.05
# Largest value σ′ takes, so "near zero" means the same thing for every activation.
_PEAK_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}


def gradient_norms(net, grad):
    """‖∇Wˡ‖ per layer, from a flat gradient laid out like ``net.params``."""
    grad_w, _ = net.layer_views(grad)
    return np.array([np.linalg.norm(g) for g in grad_w])


def update_ratios(net, update):
    """‖ΔWˡ‖ / ‖Wˡ‖ per layer, from the flat step the optimizer last subtracted."""
    delta_w, _ = net.layer_views(update)
    return np.array([np.linalg.norm(d) / max(np.linalg.norm(W), 1e-12) for d, W in zip(delta_w, net.weights)])


def saturation(net, X):
    """Per layer, a (n_out,) array: share of samples of X whose σ′(z) is near 0 (nan for linear/softmax)."""
    X = net.as_inputs(X)
    ws = Workspace(net, len(X), backward=False)
    ws.forward(X)
    shares = []
    for act, z, a in zip(net.activation_fns, ws.z, ws.a):
        peak = _PEAK_DERIVATIVE.get(act.name)
        if peak is None:
            shares.append(np.full(z.shape[1], np.nan))
            continue
        sigma_prime = act.derivative(z, a, np.empty_like(z))
        shares.append((sigma_prime <= SATURATION_THRESHOLD * peak).mean(axis=0))
    return shares
