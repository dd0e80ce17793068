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

from . import blas
from .costs import output_delta

# A layer with at least this many weights is "fused": its GEMMs add into their result
# (β = 1), so the bias is added and the plain descent step taken (``backward(descend=True)``)
# without another pass over the array. Below it, the direct BLAS call costs more than it saves.
FUSE_MIN_WEIGHTS = 16384


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
        self.fused = [blas.is_direct(net.dtype) and n_in * n_out >= FUSE_MIN_WEIGHTS
                      for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:])]
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
            self._biases = slice(net.n_weights, None)   # the bias block of params and grad
            self._pending = None  # (x, n) while fused layers' ∇W are not in ``grad`` (see fill_gradient)

    def forward(self, x):
        """zˡ = aˡ⁻¹ Wˡᵀ + bˡ, aˡ = σ(zˡ) for every layer; returns aᴸ (a view of N rows)."""
        n = len(x)
        a_prev = x
        for W, b, act, z, a, fused in zip(self.net._weights, self.net._biases, self.net._activation_fns,
                                          self.z, self.a, self.fused):
            z, a = z[:n], a[:n]
            if fused:   # the bias goes in as GEMM's β C: one pass less over z
                np.copyto(z, b)
                blas.gemm(z, a_prev, W.T, 1.0, 1.0)
            else:
                np.matmul(a_prev, W.T, out=z)
                z += b
            a_prev = act.forward(z, a)
        return a_prev

    def backward(self, x, y, cost, scale=1.0, descend=False):
        """Backpropagate after ``forward(x)``; gradients are of ``scale`` × Σₙ Cₙ.

        ``scale=1/N`` gives the gradient of the batch-mean cost. ``descend=True`` also
        takes the plain gradient step θ ← θ − ∇ (put η into ``scale``). Then each
        ``fused`` layer's ∇W goes into W inside the GEMM that computes it and is not
        stored: ``fill_gradient()`` writes it into ``grad`` when someone wants to see it.
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
            np.matmul(self.ones[:n], delta, out=self.grad_b[l])  # ∇bˡ = Σₙ δˡ
            # δˡ⁻¹ needs Wˡ before this step changes it; the input layer has no delta.
            delta_prev = self._hidden_delta(l - 1, delta, n) if l else None
            W = net._weights[l]
            if descend and self.fused[l]:
                blas.gemm(W.T, a_prev.T, delta, -1.0, 1.0)       # Wᵀ ← Wᵀ − aˡ⁻¹ᵀ δˡ
            else:
                np.matmul(delta.T, a_prev, out=self.grad_w[l])   # ∇Wˡ = δˡᵀ aˡ⁻¹
                if descend:
                    W -= self.grad_w[l]
            delta = delta_prev
        if descend:
            net.params[self._biases] -= self.grad[self._biases]
        self._pending = (x, n) if descend and any(self.fused) else None

    def fill_gradient(self):
        """Write into ``grad`` the ∇W that ``backward(descend=True)`` applied without storing.

        ∇Wˡ = δˡᵀ aˡ⁻¹ needs only this batch's δ and a, which are still here.
        """
        if self._pending is None:
            return
        x, n = self._pending
        for l, fused in enumerate(self.fused):
            if fused:
                a_prev = x if l == 0 else self.a[l - 1][:n]
                np.matmul(self.delta[l][:n].T, a_prev, out=self.grad_w[l])
        self._pending = None

    def _hidden_delta(self, l, delta_next, n):
        """δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ′(zˡ)."""
        delta = self.delta[l][:n]
        np.matmul(delta_next, self.net._weights[l + 1], out=delta)
        return self.net._activation_fns[l].multiply_derivative(delta, self.z[l][:n], self.a[l][:n],
                                                               self.scratch[l][:n])
