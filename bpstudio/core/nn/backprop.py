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
δ and every gradient are those of the batch-mean cost. A ``Workspace`` is built
once per batch size and reused, so a training step allocates nothing. ReLU and
softmax (+ cross-entropy) layers take their elementwise passes from
``fused_elementwise``: one loop each, with ∇bˡ = Σₙ δˡ summed in the same pass.

Plain SGD does not go through ``backward``: ``train.fused_step.FusedSGDStep``
takes its step inside the GEMMs, using this workspace's buffers and its
``output_delta``/``hidden_delta``.
"""

import numpy as np

from . import blas
from . import costs
from . import fused_elementwise as fused

# A layer with at least this many weights is "direct": plain SGD takes its step inside the GEMM
# that computes ∇W, adding −η δᵀa straight into Wᵀ (β = 1, FusedSGDStep through ``blas``). Below
# it, the direct call costs more than it saves.
DIRECT_MIN_WEIGHTS = 16384


def _add_bias_then(activation, in_place=False):
    """z ← z + b, then a = σ(z): the forward pass's elementwise part for one layer
    (``in_place``: a is z's own buffer, so z + b need not be kept)."""
    if activation.name == "relu":   # both in one pass
        if in_place:
            return lambda z, b, a: fused.add_bias_relu_in_place(z, b)
        return fused.add_bias_relu
    forward = fused.softmax if activation.name == "softmax" else activation.forward

    def add_bias_then_activate(z, b, a):
        z += b
        return forward(z, a)
    return add_bias_then_activate


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
        self.direct = [blas.is_direct(net.dtype) and n_in * n_out >= DIRECT_MIN_WEIGHTS
                       for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:])]
        self.weights, self.biases, self.activations = net.weights, net.biases, net.activation_fns
        self.z = [np.empty(s, net.dtype) for s in shapes]
        self.a = [np.empty(s, net.dtype) for s in shapes]
        if backward:
            # Training needs no hidden z after aˡ = σ(zˡ) (every σ′ is written from a), so the
            # hidden layers compute a in place over z: less memory to stream through the cache.
            self.a[:-1] = self.z[:-1]
        self._forward = [_add_bias_then(act, in_place=a is z) for act, z, a in zip(self.activations, self.z, self.a)]
        if backward:
            self.delta = [np.empty(s, net.dtype) for s in shapes]
            self.scratch = [np.empty(s, net.dtype) for s in shapes]
            self.grad = np.zeros_like(net.params)
            self.grad_w, self.grad_b = net.layer_views(self.grad)

    def forward(self, x):
        """zˡ = aˡ⁻¹ Wˡᵀ + bˡ, aˡ = σ(zˡ) for every layer; returns aᴸ (a view of N rows)."""
        n = len(x)
        a_prev = x
        for W, b, add_bias_then_activate, z, a in zip(self.weights, self.biases, self._forward, self.z, self.a):
            z, a = z[:n], a[:n]
            np.matmul(a_prev, W.T, out=z)
            a_prev = add_bias_then_activate(z, b, a)
        return a_prev

    def backward(self, x, y, cost, scale=1.0):
        """δ and ∇ of ``scale`` × Σₙ Cₙ after ``forward(x)`` (``scale=1/N``: the batch-mean cost)."""
        delta = self.output_delta(y, cost, scale)                                 # and ∇bᴸ = Σₙ δᴸ
        for l in range(len(self.z) - 1, -1, -1):
            np.matmul(delta.T, self.layer_input(x, l), out=self.grad_w[l])      # ∇Wˡ = δˡᵀ aˡ⁻¹
            if l:
                delta = self.hidden_delta(l - 1, delta)                         # and ∇bˡ⁻¹

    def output_delta(self, y, cost, scale=1.0):
        """δᴸ = scale × ∇ₐC ⊙ σ′(zᴸ) for the N rows of ``y``, into ``delta[-1]``; and
        ∇bᴸ = Σₙ δᴸ into ``grad_b[-1]``."""
        n = len(y)
        a, delta, delta_sum = self.a[-1][:n], self.delta[-1][:n], self.grad_b[-1]
        if (cost.name, self.activations[-1].name) == ("cross_entropy", "softmax"):
            return fused.softmax_cross_entropy_delta(a, y, scale, delta, delta_sum)
        costs.output_delta(cost, self.activations[-1], self.z[-1][:n], a, y, delta, self.scratch[-1][:n])
        if scale != 1.0:
            delta *= scale
        return fused.column_sums(delta, delta_sum)

    def hidden_delta(self, l, delta_next):
        """δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ′(zˡ), into ``delta[l]``; and ∇bˡ = Σₙ δˡ into ``grad_b[l]``."""
        n = len(delta_next)
        delta, a = self.delta[l][:n], self.a[l][:n]
        np.matmul(delta_next, self.weights[l + 1], out=delta)
        if self.activations[l].name == "relu":
            return fused.relu_delta(delta, a, self.grad_b[l])
        self.activations[l].multiply_derivative(delta, self.z[l][:n], a, self.scratch[l][:n])
        return fused.column_sums(delta, self.grad_b[l])

    def layer_input(self, x, l):
        """aˡ⁻¹, the input of weight layer l (x itself for the first)."""
        return x if l == 0 else self.a[l - 1][:len(x)]
