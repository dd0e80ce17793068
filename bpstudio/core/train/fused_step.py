"""One training update on a batch — backprop, then the optimizer's rule — in one of two ways.

``GradientStep`` is the textbook order, for every optimizer:

    ∇ = backprop(x, y) of the batch-mean cost;  ∇W += λW (L2);  θ ← optimizer(θ, ∇)

``FusedSGDStep`` is plain SGD (θ ← θ − η∇, no L2) done inside backprop, because that is
where most of the time goes and a separate update would stream the largest arrays twice more:

- η is folded into δᴸ, so every δˡ, ∇Wˡ = δˡᵀ aˡ⁻¹ and ∇bˡ = Σₙ δˡ below it comes out
  already multiplied by η (δᴸ is N × n_out: the cheapest place to multiply);
- a "direct" layer (``Workspace.direct``: large enough for a direct BLAS call) takes its step
  inside the GEMM that computes ∇W: Wᵀ ← Wᵀ − aˡ⁻¹ᵀ (ηδˡ), GEMM's β = 1, and stores no ∇W;
- smaller layers and the biases subtract η∇ as usual.

The same numbers as ``GradientStep`` with ``SGD`` (to float rounding, tests/core/test_fused_descent.py),
about 12 % faster on the medium benchmark (docs/architecture.md). All of this bookkeeping lives here: the workspace's
buffers hold η-scaled values only between ``step`` and the next backward, and ``gradient()``
and ``update()`` give back ∇ and the step η∇ exactly as ``GradientStep`` does.
"""

import numpy as np

from ..nn import blas, fused_elementwise
from . import compiled
from .optimizers import SGD


def make_step(net, ws, cost_fn, optimizer, l2):
    """The step for this optimizer: fused for plain SGD without L2, else the textbook order."""
    _build_elementwise_loops()
    if type(optimizer) is SGD and not l2:
        return FusedSGDStep(net, ws, cost_fn, optimizer)
    return GradientStep(net, ws, cost_fn, optimizer, l2)


def _build_elementwise_loops():
    """Compile the one-loop ReLU/softmax passes (``nn.fused_elementwise``) the first time a run
    trains, following the compiled path's setting (``compiled.mode``: in the background, before
    the first batch, or never)."""
    mode = compiled.mode()
    if mode != "off":
        fused_elementwise.start_build(wait=mode == "wait")


class GradientStep:
    """∇ of the batch-mean cost (plus λW), then ``optimizer.step(θ, ∇)``."""

    def __init__(self, net, ws, cost_fn, optimizer, l2):
        self.net, self.ws, self.cost_fn, self.optimizer, self.l2 = net, ws, cost_fn, optimizer, l2

    def step(self, x, y):
        """One update on the batch (x, y), after ``ws.forward(x)``."""
        ws, net = self.ws, self.net
        ws.backward(x, y, self.cost_fn, scale=1.0 / len(x))
        if self.l2:   # ∇W += λW (weights only), the gradient of (λ/2)‖W‖²
            ws.grad[:net.n_weights] += net.dtype.type(self.l2) * net.params[:net.n_weights]
        self.optimizer.step(net.params, ws.grad)

    def gradient(self):
        """The last batch's gradient, laid out like ``net.params`` (a live buffer: copy it)."""
        return self.ws.grad

    def update(self):
        """The last step, θ ← θ − update (a live buffer: copy it)."""
        return self.optimizer.last_update


class FusedSGDStep:
    """Plain SGD, θ ← θ − η∇, taken inside backprop (see the module docstring)."""

    l2 = 0.0

    def __init__(self, net, ws, cost_fn, optimizer):
        self.net, self.ws, self.cost_fn, self.optimizer = net, ws, cost_fn, optimizer
        self._bias_block = slice(net.n_weights, None)
        self._lr = optimizer.lr       # the η of the last step (the learning rate may decay after it)
        self._batch = None            # (x, n) of the last step while direct layers' η∇W are unstored
        self._layers = list(zip(range(len(ws.delta)), ws.weights, ws.direct))[::-1]   # output layer first
        self._any_direct = any(ws.direct)
        self._direct_steps = {}       # (layer, rows, input's address and strides) → that step's GEMM, bound

    def step(self, x, y):
        """One update on the batch (x, y), after ``ws.forward(x)``."""
        ws, n = self.ws, len(x)
        self._lr = self.optimizer.lr
        delta = ws.output_delta(y, self.cost_fn, scale=self._lr / n)      # η δᴸ, and η ∇bᴸ = Σₙ η δᴸ
        for l, W, direct in self._layers:
            a_prev = ws.a[l - 1][:n] if l else x
            delta_prev = ws.hidden_delta(l - 1, delta) if l else None      # and η ∇bˡ⁻¹; needs Wˡ before its step
            if direct:
                self._direct_step(l, W, a_prev, delta)                     # Wᵀ ← Wᵀ − aˡ⁻¹ᵀ (η δˡ)
            else:
                np.matmul(delta.T, a_prev, out=ws.grad_w[l])               # η ∇Wˡ = (η δˡ)ᵀ aˡ⁻¹
                W -= ws.grad_w[l]
            delta = delta_prev
        self.net.params[self._bias_block] -= ws.grad[self._bias_block]
        self.optimizer.t += 1
        self._batch = (x, n) if self._any_direct else None

    def _direct_step(self, l, W, a_prev, delta):
        """Wᵀ ← Wᵀ − aˡ⁻¹ᵀ (η δˡ) in one GEMM. Its arguments are worked out once per batch size and
        input buffer (``blas.bound_gemm``): W, δ and the hidden a live in fixed buffers, and the
        trainer gathers every batch into the same x."""
        key = (l, len(delta)) + ((blas.address(a_prev), a_prev.strides) if l == 0 else ())
        call = self._direct_steps.get(key, False)
        if call is False:
            if len(self._direct_steps) > 16:   # a caller passing a new x every time: don't hoard
                self._direct_steps.clear()
            call = self._direct_steps[key] = blas.bound_gemm(W.T, a_prev.T, delta, -1.0, 1.0)
        if call is None:   # no direct BLAS call for this x (strided, say): the same step with NumPy
            blas.gemm(W.T, a_prev.T, delta, -1.0, 1.0)
        else:
            call()

    def update(self):
        """The last step η∇, θ ← θ − update (a live buffer: copy it)."""
        self._store_direct_layers()
        return self.ws.grad

    def gradient(self):
        """The last batch's gradient ∇ (a new array)."""
        return self.update() / self.ws.grad.dtype.type(self._lr)

    def learning_rate(self):
        """η of the last step: ``update()`` is η∇, so ‖∇‖ = ‖update‖ / η without forming ∇."""
        return self._lr

    def _store_direct_layers(self):
        """Write the η∇Wˡ = (η δˡ)ᵀ aˡ⁻¹ that direct layers applied without storing; the batch's
        δ and a are still in the workspace until the next step."""
        if self._batch is None:
            return
        x, n = self._batch
        ws = self.ws
        for l, direct in enumerate(ws.direct):
            if direct:
                np.matmul(ws.delta[l][:n].T, ws.layer_input(x, l), out=ws.grad_w[l])
        self._batch = None
