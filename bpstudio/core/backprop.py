"""Forward and backward passes over a whole batch, in preallocated buffers.

Shapes, for a batch of N samples and layer l with n_in inputs and n_out neurons:

    a⁰ = X                    (N, n_in of layer 1)
    zˡ = aˡ⁻¹ @ Wˡᵀ + bˡ      (N, n_out)        Wˡ: (n_out, n_in), bˡ: (n_out,)
    aˡ = σ(zˡ)                (N, n_out)
    δᴸ = ∇ₐC ⊙ σ′(zᴸ)         (N, n_out of the last layer)
    δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ′(zˡ) (N, n_out)        the seeds' ((Wˡ⁺¹)ᵀ δˡ⁺¹), one row per sample
    ∇Wˡ = δˡᵀ aˡ⁻¹            (n_out, n_in)     the seeds' δˡ (aˡ⁻¹)ᵀ, summed over the batch
    ∇bˡ = Σₙ δˡ               (n_out,)

Rows of δ are per-sample; ``backward(..., scale=1/N)`` scales δᴸ once so that
all gradients are those of the batch-mean cost. A ``Workspace`` is built
once per batch size and reused, so a training step allocates nothing.
"""

import numpy as np

from .costs import output_delta


class Workspace:
    """Buffers for forward (and optionally backward) passes of up to ``capacity`` samples.

    After ``forward(x)``, ``z[l][:N]`` and ``a[l][:N]`` hold layer l's pre-activations
    and activations. After ``backward``, ``delta[l][:N]`` holds δˡ and ``grad`` the
    flat gradient, with per-layer views ``grad_w[l]`` and ``grad_b[l]`` laid out
    like ``net.params``.
    """

    def __init__(self, net, capacity, backward=True):
        self.net = net
        self.capacity = capacity
        shapes = [(capacity, n) for n in net.sizes[1:]]
        self.z = [np.empty(s, net.dtype) for s in shapes]
        self.a = [np.empty(s, net.dtype) for s in shapes]
        if backward:
            # Training needs no hidden z after aˡ = σ(zˡ) (every σ′ is written from a), so the
            # hidden layers compute a in place over z: less memory to stream through the cache.
            self.a[:-1] = self.z[:-1]
            self.delta = [np.empty(s, net.dtype) for s in shapes]
            self.scratch = [np.empty(s, net.dtype) for s in shapes]
            self.grad = np.zeros_like(net.params)
            self.grad_w, self.grad_b = net.layer_views(self.grad)
            # Σₙ δ as ones @ δ: a BLAS matrix-vector product, 4× faster than np.sum over axis 0.
            self.ones = np.ones(capacity, net.dtype)

    def forward(self, x):
        """zˡ = aˡ⁻¹ Wˡᵀ + bˡ, aˡ = σ(zˡ) for every layer; returns aᴸ (a view of N rows)."""
        n = len(x)
        a_prev = x
        for W, b, act, z, a in zip(self.net._weights, self.net._biases, self.net._activation_fns, self.z, self.a):
            z, a = z[:n], a[:n]
            np.matmul(a_prev, W.T, out=z)
            z += b
            a_prev = act.forward(z, a)
        return a_prev

    def backward(self, x, y, cost, scale=1.0):
        """Backpropagate after ``forward(x)``; gradients are of ``scale`` × Σₙ Cₙ.

        ``scale=1/N`` gives the gradient of the batch-mean cost.
        """
        n = len(x)
        net = self.net
        last = len(self.z) - 1
        delta = self.delta[last][:n]
        output_delta(cost, net._activation_fns[last], self.z[last][:n], self.a[last][:n], y,
                     delta, self.scratch[last][:n])
        if scale != 1.0:
            delta *= scale
        for l in range(last, -1, -1):
            a_prev = x if l == 0 else self.a[l - 1][:n]
            np.matmul(delta.T, a_prev, out=self.grad_w[l])   # ∇Wˡ = δˡᵀ aˡ⁻¹
            np.matmul(self.ones[:n], delta, out=self.grad_b[l])  # ∇bˡ = Σₙ δˡ
            if l == 0:
                break  # the input layer has no delta
            delta = self._hidden_delta(l - 1, delta, n)

    def _hidden_delta(self, l, delta_next, n):
        """δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ′(zˡ)."""
        delta = self.delta[l][:n]
        np.matmul(delta_next, self.net._weights[l + 1], out=delta)
        sigma_prime = self.net._activation_fns[l].derivative(self.z[l][:n], self.a[l][:n], self.scratch[l][:n])
        delta *= sigma_prime
        return delta
