"""Backprop laid out layer by layer, with the equation behind every number — what the inspector shows.

For a sample (or a small batch) X, Y and every weight layer l (1-based here, as in the seeds):

    aˡ⁻¹                      the layer's input (a⁰ = x)
    zˡ = Wˡ aˡ⁻¹ + bˡ
    aˡ = σ(zˡ)
    δᴸ = ∇ₐC ⊙ σ′(zᴸ),  δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)      per sample
    ∇Wˡ = δˡ (aˡ⁻¹)ᵀ,   ∇bˡ = δˡ                            averaged over the samples
    W ← W − η ∇W

Every number comes from ``Network.forward``, ``Network.deltas`` and ``Network.gradients``;
this module only groups them per layer and picks the formulas that match the cost and
activations.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.activations import get_activation
from ..nn.costs import delta_formula
from .notation import sup


@dataclass
class LayerStep:
    """One weight layer's share of forward and backward pass. Per-sample arrays have one row per sample."""

    layer: int              # 1-based weight layer
    a_prev: np.ndarray      # (N, n_in)   aˡ⁻¹
    z: np.ndarray           # (N, n_out)  zˡ
    a: np.ndarray           # (N, n_out)  aˡ
    delta: np.ndarray       # (N, n_out)  δˡ = ∂Cₙ/∂zˡ, per sample
    grad_w: np.ndarray      # (n_out, n_in) ∇Wˡ of the mean cost over the N samples
    grad_b: np.ndarray      # (n_out,)      ∇bˡ
    equations: dict         # quantity name (every field below and above) → formula text
    W: np.ndarray = None            # (n_out, n_in) Wˡ, a copy
    b: np.ndarray = None            # (n_out,)      bˡ
    sigma_prime: np.ndarray = None  # (N, n_out) σ′(zˡ); None for softmax (no per-neuron derivative)
    y: np.ndarray = None            # (N, n_out) targets; output layer only
    grad_a: np.ndarray = None       # (N, n_out) ∇ₐC; output layer only, None where it does not factor


def walkthrough(net, X, Y, cost):
    """Every layer's ``LayerStep`` for inputs X (N, n_in) and targets Y (N, n_out); a 1-D x is one sample."""
    X = net.as_inputs(X)
    Y = net.as_targets(np.atleast_2d(Y) if np.ndim(Y) == 1 and len(X) == 1 else Y, len(X))
    trace = net.forward(X)
    deltas = net.deltas(X, Y, cost)
    grad_w, grad_b = net.gradients(X, Y, cost)
    steps = []
    for l in range(net.n_layers):
        output = l == net.n_layers - 1
        steps.append(LayerStep(
            l + 1, trace.a[l], trace.z[l], trace.a[l + 1], deltas[l], grad_w[l], grad_b[l],
            equations(net, cost, l + 1, len(X)), net.weights[l].copy(), net.biases[l].copy(),
            _sigma_prime(net.activation_fns[l], trace.z[l], trace.a[l + 1]),
            Y.copy() if output else None, _grad_a(net, cost, trace.a[-1], Y) if output else None))
    return steps


def _sigma_prime(act, z, a):
    if act.name == "softmax":
        return None
    return act.derivative(z, a, np.empty_like(z))


def _grad_a(net, cost, a, Y):
    """∇ₐC per sample; None for cross-entropy, whose δ = a − y is fused with the softmax."""
    cost_fn = net.check_cost(cost)
    if cost_fn.name == "cross_entropy":
        return None
    with np.errstate(divide="ignore", invalid="ignore"):   # bce at a saturated output: ±inf, shown as such
        return cost_fn.grad_a(a, Y, np.empty_like(a))


def equations(net, cost, layer, n_samples=1):
    """The formula text for each quantity of weight layer ``layer`` (1-based), in the seeds' notation."""
    l, L = sup(layer), sup(layer - 1)
    act = get_activation(net.activations[layer - 1])
    cost_fn = net.check_cost(cost)
    if layer == net.n_layers:
        fused = delta_formula(cost_fn, act)
        delta = fused.replace("ᴸ", l) + "\n(output layer)"
        if "∇ₐC" in fused:
            delta += f"\n{cost_fn.grad_formula}\n{act.derivative_formula}"
    else:
        delta = f"δ{l} = ((W{sup(layer + 1)})ᵀ δ{sup(layer + 1)}) ⊙ σ′(z{l})\n{act.derivative_formula}"
    mean = "" if n_samples == 1 else f"\n(mean of {n_samples} samples)"
    softmax = act.name == "softmax"
    return {
        "W": f"W{l}",
        "b": f"b{l}",
        "sigma_prime": "(fused with cross-entropy:\nno σ′ per neuron)" if softmax
        else f"σ′(z{l})\n{act.derivative_formula}",
        "y": "y\n(the target)",
        "grad_a": "(fused with softmax:\nδᴸ = a − y)" if cost_fn.name == "cross_entropy"
        else f"∇ₐC = ∂C/∂a{l}\n{cost_fn.grad_formula}",
        "a_prev": "a⁰ = x\n(the input)" if layer == 1 else f"a{L}\n(output of layer {layer - 1})",
        "z": f"z{l} = W{l} a{L} + b{l}",
        "a": f"a{l} = σ(z{l})\n{act.formula}",
        "delta": delta,
        "grad_w": f"∇W{l} = δ{l} (a{L})ᵀ{mean}",
        "grad_b": f"∇b{l} = δ{l}{mean}",
    }


@dataclass
class WeightChange:
    """One layer's weights around a gradient-descent step."""

    layer: int              # 1-based
    before: np.ndarray      # (n_out, n_in)
    after: np.ndarray
    b_before: np.ndarray = None   # (n_out,)
    b_after: np.ndarray = None

    @property
    def difference(self):
        """ΔW = W_after − W_before (= −η ∇W)."""
        return self.after - self.before

    @property
    def b_difference(self):
        return self.b_after - self.b_before


def descent_step(net, X, Y, cost, learning_rate):
    """Apply W ← W − η ∇W, b ← b − η ∇b once, in place, with the gradient of the mean cost over X, Y.

    Plain gradient descent — the seeds' update rule — whatever optimizer training uses.
    Returns a ``WeightChange`` per layer.
    """
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"invalid learning rate: {learning_rate} (must be a finite number > 0)")
    X = net.as_inputs(X)
    Y = net.as_targets(np.atleast_2d(Y) if np.ndim(Y) == 1 and len(X) == 1 else Y, len(X))
    grad_w, grad_b = net.gradients(X, Y, cost)
    before = [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases)]
    eta = net.dtype.type(learning_rate)   # keep float32 networks float32
    for W, b, g_w, g_b in zip(net.weights, net.biases, grad_w, grad_b):
        W -= eta * g_w
        b -= eta * g_b
    return [WeightChange(l + 1, W0, W.copy(), b0, b.copy())
            for l, ((W0, b0), W, b) in enumerate(zip(before, net.weights, net.biases))]
