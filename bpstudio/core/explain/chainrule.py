"""The chain rule for one weight wⱼₖ of layer l, for one sample, as numbers.

    ∂C/∂wⱼₖ = ∂C/∂aⱼ · ∂aⱼ/∂zⱼ · ∂zⱼ/∂wⱼₖ,   with ∂zⱼ/∂wⱼₖ = aₖ (the input it multiplies)

For the output layer ∂C/∂aⱼ comes from the cost; for a hidden layer it is the
sum over the next layer's neurons q of wᵩⱼ δᵩ — the error flowing back. A
softmax output has no per-neuron ∂aⱼ/∂zⱼ (every output depends on every z),
so there δⱼ = aⱼ − yⱼ is shown as one factor.

``derivation`` writes the whole chain for one weight with every number substituted, as
(kind, text) lines — kind "title", "text" or "math" — in Unicode or LaTeX (see ``notation``).
For several inspected samples it lists δⱼaₖ per sample and their mean, which is the ∇W cell.
"""

from dataclasses import dataclass

import numpy as np

from . import formulas as f
from .notation import UNICODE

MAX_SAMPLES_LISTED = 8

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



def derivation(net, X, Y, cost, layer, j, k, first_sample=1, learning_rate=None, nt=UNICODE):
    """The chain rule of ∂C/∂W[layer][j, k] (layer 1-based; j, k 0-based) as (kind, text) lines.

    X, Y: the inspected samples (N, ·); the derivation follows the first, and with N > 1
    the batch mean over all of them is worked out too. ``first_sample`` numbers the first
    row as on screen; ``learning_rate`` adds the update w⁺ = w − η ∂C/∂w.
    """
    X = net.as_inputs(X)
    Y = net.as_targets(np.atleast_2d(Y) if np.ndim(Y) == 1 else Y, len(X))
    p = f.Pass.of(net, X[:1], Y[:1], cost)
    cell = float(net.gradients(X, Y, cost)[0][layer - 1][j, k])
    lines = _heading(nt, layer, j, k, first_sample, len(X))
    lines += [("title", "Forward"), ("math", f.z_line(nt, p, layer, j)), ("math", f.a_line(nt, p, layer, j))]
    if layer == net.n_layers:
        lines.append(("math", f.cost_line(nt, p)))
    lines += [("title", "Backward")] + [("math", line) for line in _backward(nt, p, layer, j) if line]
    product = float(p.delta[layer - 1][j] * p.a[layer - 1][k])
    lines += _product_lines(nt, p, layer, j, k, product)
    mean = _batch_lines(nt, net, X, Y, cost, layer, j, k, first_sample, lines) if len(X) > 1 else product
    lines.append(("text", _agreement(mean, cell, layer, j, k, len(X))))
    if learning_rate is not None:
        lines += _update_lines(nt, float(net.weights[layer - 1][j, k]), cell, learning_rate, layer, j, k)
    return lines


def _partial(nt, top, bottom):
    """∂top/∂bottom."""
    d = nt.op("∂")
    return f"{d}{top}/{d}{bottom}"


def _heading(nt, layer, j, k, first_sample, n):
    w, a, z = nt.sym("w", layer, j + 1, k + 1), nt.sym("a", layer, j + 1), nt.sym("z", layer, j + 1)
    delta, a_k = nt.sym(nt.op("δ"), layer, j + 1), nt.sym("a", layer - 1, k + 1)
    whose = f", the first of the {n} inspected" if n > 1 else ""
    chain = (f"{_partial(nt, 'C', w)} = {_partial(nt, 'C', a)} {nt.times} {_partial(nt, a, z)} {nt.times} "
             f"{_partial(nt, z, w)} = {delta} {nt.times} {a_k}")
    title = f"{w}: weight layer {layer}, from neuron {k + 1} (layer {layer - 1}) to neuron {j + 1} (layer {layer})"
    return [("title", title),
            ("text", f"Sample #{first_sample}{whose}"),
            ("math", chain)]


def _product_lines(nt, p, layer, j, k, product):
    """∂zⱼ/∂wⱼₖ = aₖ and the product δⱼ · aₖ, for the first sample."""
    w, z = nt.sym("w", layer, j + 1, k + 1), nt.sym("z", layer, j + 1)
    delta, a_k = nt.sym(nt.op("δ"), layer, j + 1), nt.sym("a", layer - 1, k + 1)
    numbers = nt.product(p.delta[layer - 1][j], p.a[layer - 1][k])
    return [("math", f"{_partial(nt, z, w)} = {a_k} = {nt.num(p.a[layer - 1][k])}"),
            ("math", f"{_partial(nt, 'C', w)} = {delta} {nt.times} {a_k} = {numbers} = {nt.num(product)}")]


def _update_lines(nt, w_now, cell, learning_rate, layer, j, k):
    """w⁺ = w − η ∇w with its numbers."""
    w = nt.sym("w", layer, j + 1, k + 1)
    grad = f"{nt.op('∇')}{nt.sym('W', layer, j + 1, k + 1)}"
    update = (f"{nt.mark(w, '+')} = {w} {nt.minus} {nt.op('η')} {grad} = {nt.num(w_now)} {nt.minus} "
              f"{nt.product(learning_rate, cell)} = {nt.num(w_now - learning_rate * cell)}")
    return [("title", f"Update (η = {nt.num(learning_rate)})"), ("math", update)]


def derivation_text(lines):
    """The (kind, text) lines of ``derivation`` as plain text for the screen.

    A formula is broken at its top-level "=" signs, textbook style, so it fits a narrow pane:

        z²₁ = w²₁,₁a¹₁ + w²₁,₂a¹₂ + b²₁
            = (0.4)(0.5932699921071872) + (0.45)(0.596884378259767) + 0.6
            = 1.10590596705977
    """
    out = []
    for kind, text in lines:
        if kind == "title" and out:
            out.append("")
        if kind != "math":
            out.append(text)
            continue
        first, *rest = _split_at_equals(text)
        out.append(f"  {first}")
        indent = " " * (2 + len(first.split(" = ")[0]) + 1)
        out += [f"{indent}= {part}" for part in rest]
    return "\n".join(out)


def _split_at_equals(text):
    """["lhs = first", "second", …]: the parts between " = " signs outside brackets (the first keeps its lhs)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and text.startswith(" = ", i):
            parts.append(text[start:i])
            start = i = i + 3
            continue
        i += 1
    parts.append(text[start:])
    return [f"{parts[0]} = {parts[1]}", *parts[2:]] if len(parts) > 1 else parts


def _backward(nt, p, layer, j):
    if layer == p.net.n_layers:
        first = f.dC_da_line(nt, p, j)
    else:
        first = f.backflow_line(nt, p, layer, j)
    return [first, f.sigma_prime_line(nt, p, layer, j), f.delta_line(nt, p, layer, j)]


def _batch_lines(nt, net, X, Y, cost, layer, j, k, first_sample, lines):
    """δⱼaₖ for every inspected sample and their mean: what the highlighted ∇W cell holds."""
    deltas = net.deltas(X, Y, cost)[layer - 1][:, j]
    a_k = net.forward(X).a[layer - 1][:, k]
    products = deltas * a_k
    n = len(X)
    d, a = nt.sym(nt.op("δ"), layer, j + 1), nt.sym("a", layer - 1, k + 1)
    mean_formula = (f"{nt.op('∇')}{nt.sym('W', layer, j + 1, k + 1)} = (1/{n}) {nt.op('Σ')}_n "
                    f"{nt.mark(d, '(n)')} {nt.mark(a, '(n)')}")
    lines += [("title", f"Batch: the ∇W cell is the mean over the {n} inspected samples"), ("math", mean_formula)]
    for i in range(min(n, MAX_SAMPLES_LISTED)):
        label = nt.op(f"#{first_sample + i}:")
        lines.append(("math", f"{label} {nt.product(deltas[i], a_k[i])} = {nt.num(products[i])}"))
    if n > MAX_SAMPLES_LISTED:
        lines.append(("text", f"… and {n - MAX_SAMPLES_LISTED} more samples"))
    mean = float(products.mean())
    shown = " + ".join(nt.factor(v) for v in products[:MAX_SAMPLES_LISTED]) + (" + …" if n > MAX_SAMPLES_LISTED else "")
    lines.append(("math", f"mean = ({shown}) / {n} = {nt.num(mean)}"))
    return mean


def _agreement(value, cell, layer, j, k, n):
    """Whether the worked-out value equals backprop's ∇W cell (equal up to rounding in the last digits)."""
    scale = max(abs(value), abs(cell))
    equal = abs(value - cell) <= 1e-9 * scale
    what = "mean" if n > 1 else "product"
    return (f"backprop's ∇W{UNICODE.sym('', layer)} cell ({j + 1}, {k + 1}) = {UNICODE.num(cell)}   "
            + (f"✓ equal to the {what}" if equal else f"✗ DIFFERENT from the {what}"))
