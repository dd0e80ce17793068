"""The chain rule for one weight wⱼₖ of layer l, for one sample, as numbers.

    ∂C/∂wⱼₖ = ∂C/∂aⱼ · ∂aⱼ/∂zⱼ · ∂zⱼ/∂wⱼₖ,   with ∂zⱼ/∂wⱼₖ = aₖ (the input it multiplies)

For the output layer ∂C/∂aⱼ comes from the cost; for a hidden layer it is the
sum over the next layer's neurons q of wᵩⱼ δᵩ — the error flowing back. A
softmax output has no per-neuron ∂aⱼ/∂zⱼ (every output depends on every z),
so there δⱼ = aⱼ − yⱼ is shown as one factor.
"""

from dataclasses import dataclass

import numpy as np



@dataclass
class ChainRule:
    layer: int            # 0-based weight layer
    j: int                # neuron in layer l (row of W)
    k: int                # neuron in layer l − 1 (column of W)
    dC_da: float          # ∂C/∂aⱼ (nan where it does not factor: softmax)
    da_dz: float          # ∂aⱼ/∂zⱼ = σ′(zⱼ) (nan for softmax)
    delta: float          # δⱼ = ∂C/∂zⱼ
    a_k: float            # ∂zⱼ/∂wⱼₖ
    product: float        # δⱼ · aₖ = ∂C/∂wⱼₖ for this sample
    backflow: list        # hidden layers: [(q, wᵩⱼ, δᵩ)] whose products sum to ∂C/∂aⱼ


def chain_rule(net, x, y, cost, layer, j, k):
    """The chain-rule factors of ∂C/∂W[layer][j, k] for a single sample x (n_in,), y (n_out,)."""
    cost_fn = net.check_cost(cost)
    x = net.as_inputs(x)[:1]
    y = net.as_targets(np.atleast_2d(y), 1)
    trace = net.forward(x)
    deltas = net.deltas(x, y, cost)
    act = net.activation_fns[layer]
    z, a = trace.z[layer], trace.a[layer + 1]
    a_k = float(trace.a[layer][0, k])
    delta = float(deltas[layer][0, j])
    backflow = []
    if layer == net.n_layers - 1:
        dC_da, da_dz = _output_factors(cost_fn, act, z, a, y, j)
    else:
        W_next = net.weights[layer + 1]
        backflow = [(q, float(W_next[q, j]), float(deltas[layer + 1][0, q])) for q in range(W_next.shape[0])]
        dC_da = sum(w * d for _, w, d in backflow)
        da_dz = float(act.derivative(z, a, np.empty_like(z))[0, j])
    return ChainRule(layer, j, k, dC_da, da_dz, delta, a_k, delta * a_k, backflow)


def _output_factors(cost_fn, act, z, a, y, j):
    if act.name == "softmax":
        return float("nan"), float("nan")
    grad = np.empty_like(a)
    if cost_fn.name == "bce":
        # ∂C/∂a = (1/n)(a − y)/(a(1 − a)) is infinite at saturation; show it where finite.
        with np.errstate(divide="ignore", invalid="ignore"):
            cost_fn.grad_a(a, y, grad)
    else:
        cost_fn.grad_a(a, y, grad)
    sigma_prime = act.derivative(z, a, np.empty_like(z))
    return float(grad[0, j]), float(sigma_prime[0, j])

