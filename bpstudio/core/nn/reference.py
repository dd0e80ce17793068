"""Backpropagation as the seeds write it: one sample, one layer at a time, column vectors.

The oracle the fast path (``backprop.Workspace``, ``train.fused_step``) is tested against on every
activation and cost (tests/core/test_reference.py). It shares no code with that path — its own σ,
σ′ and ∂C/∂a, no fused output deltas, no buffers — and is slow and plain on purpose:

    zˡ = Wˡ aˡ⁻¹ + bˡ            aˡ = σ(zˡ)
    δᴸ = ∇ₐC ⊙ σ′(zᴸ)            (softmax: δᴸ = J ∇ₐC, J = diag(a) − a aᵀ)
    δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)
    ∇Wˡ = δˡ (aˡ⁻¹)ᵀ              ∇bˡ = δˡ
"""

import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


SIGMA = {   # name: (σ, σ′)
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "linear": (lambda z: z, np.ones_like),
    "softmax": (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), None),   # σ′ is a Jacobian
}
GRAD_A = {  # name: ∂C/∂a of one sample with n = len(a) outputs
    "sse": lambda a, y: 2 * (a - y),
    "half_sse": lambda a, y: a - y,
    "mse": lambda a, y: 2 * (a - y) / len(a),
    "half_mse": lambda a, y: (a - y) / len(a),
    "bce": lambda a, y: (a - y) / (a * (1 - a)) / len(a),
    "cross_entropy": lambda a, y: -y / a,
}


def backprop(net, x, y, cost: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(∇W list, ∇b list) of one sample's cost C(x, y), in float64; x (n_in,), y (n_out,)."""
    W = [np.asarray(w, np.float64) for w in net.weights]
    b = [np.asarray(v, np.float64) for v in net.biases]
    sigma = [SIGMA[name] for name in net.activations]
    a, activations, zs = np.asarray(x, np.float64), [np.asarray(x, np.float64)], []
    for l in range(len(W)):                      # forward, keeping every z and a
        z = W[l] @ a + b[l]
        a = sigma[l][0](z)
        zs.append(z)
        activations.append(a)
    dC_da = GRAD_A[cost](a, np.asarray(y, np.float64))
    if net.activations[-1] == "softmax":
        delta = (np.diag(a) - np.outer(a, a)) @ dC_da
    else:
        delta = dC_da * sigma[-1][1](zs[-1])
    grad_w, grad_b = [None] * len(W), [None] * len(W)
    for l in range(len(W) - 1, -1, -1):          # backward, from the output layer
        grad_w[l] = np.outer(delta, activations[l])
        grad_b[l] = delta
        if l:
            delta = (W[l].T @ delta) * sigma[l - 1][1](zs[l - 1])
    return grad_w, grad_b


def batch_gradients(net, X, Y, cost: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(∇W list, ∇b list) of the batch-mean cost: the mean of the samples' gradients."""
    per_sample = [backprop(net, x, y, cost) for x, y in zip(X, Y)]
    grad_w = [np.mean([g[0][l] for g in per_sample], axis=0) for l in range(net.n_layers)]
    grad_b = [np.mean([g[1][l] for g in per_sample], axis=0) for l in range(net.n_layers)]
    return grad_w, grad_b
