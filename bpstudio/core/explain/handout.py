"""A handout of one inspected pass: Markdown with LaTeX math, every formula with its numbers.

What a teacher hands out after class: the network's weights, the forward pass neuron by
neuron, the cost, the backward pass (∂C/∂a, σ′, δ), the gradients, the chosen weight's
chain rule (with the batch mean when several samples were inspected) and one step of
gradient descent. Math is in ``$$ … $$`` blocks (GitHub, GitLab, Jupyter, pandoc and
Obsidian render them); numbers are float64 at full precision.
"""

import numpy as np

from . import formulas as f
from .chainrule import derivation
from .notation import LATEX, full, sub, sup
from .walkthrough import descent_step

MAX_NEURONS = 8    # neurons written out per layer; wider layers get the first few and a note
MAX_MATRIX = 8     # matrices up to this many rows and columns are written out in full


def handout_markdown(net, X, Y, cost, layer, j, k, learning_rate, first_sample=1, title=None):
    """The handout as Markdown text. X, Y: the inspected samples; (layer 1-based, j, k 0-based): the weight."""
    X = net.as_inputs(X)
    Y = net.as_targets(np.atleast_2d(Y) if np.ndim(Y) == 1 else Y, len(X))
    p = f.Pass.of(net, X[:1], Y[:1], cost)
    parts = [_header(net, X, Y, cost, learning_rate, first_sample, title), _parameters(net),
             _forward(p), "## Cost\n\n" + _math(f.cost_line(LATEX, p)), _backward(p),
             _gradients(net, X, Y, cost), _chosen(net, X, Y, cost, layer, j, k, learning_rate, first_sample),
             _step(net, X, Y, cost, learning_rate)]
    return "\n\n".join(parts) + "\n"


def _header(net, X, Y, cost, learning_rate, first_sample, title):
    shape = " → ".join([str(net.sizes[0])] + [f"{n} {act}" for n, act in zip(net.sizes[1:], net.activations)])
    cost_fn = net.check_cost(cost)
    samples = (f"sample #{first_sample}" if len(X) == 1
               else f"samples #{first_sample}–#{first_sample + len(X) - 1} (a batch of {len(X)}; "
                    f"the pass below follows #{first_sample}, gradients are the batch mean)")
    return (f"# {title or 'One pass of backpropagation, by hand'}\n\n"
            f"Network {shape}; cost `{cost}`: {cost_fn.formula}; learning rate η = {full(learning_rate)}.\n\n"
            f"Inspected: {samples}. x = {_vector_text(X[0])}, y = {_vector_text(Y[0])}.\n\n"
            "Layers are counted from the input (a⁰ = x), neurons from 1; every number is float64 at full precision.")


def _parameters(net):
    blocks = [_math(rf"W^{{{l}}} = {_matrix(W)},\quad b^{{{l}}} = {_matrix(b[:, None])}")
              for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1)]
    return "## Weights and biases\n\n" + "\n\n".join(blocks)


def _forward(p):
    out = ["## Forward pass: zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ)"]
    for layer in range(1, p.net.n_layers + 1):
        out.append(f"### Layer {layer} ({p.activation(layer)})")
        for j in _neurons(p, layer, out):
            out += [_math(f.z_line(LATEX, p, layer, j)), _math(f.a_line(LATEX, p, layer, j))]
    return "\n\n".join(out)


def _backward(p):
    out = ["## Backward pass: δᴸ = ∇ₐC ⊙ σ′(zᴸ), δˡ = ((Wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ)"]
    for layer in range(p.net.n_layers, 0, -1):
        out.append(f"### Layer {layer}" + (" (output)" if layer == p.net.n_layers else ""))
        for j in _neurons(p, layer, out):
            first = f.dC_da_line(LATEX, p, j) if layer == p.net.n_layers else f.backflow_line(LATEX, p, layer, j)
            for line in (first, f.sigma_prime_line(LATEX, p, layer, j), f.delta_line(LATEX, p, layer, j)):
                if line:
                    out.append(_math(line))
    return "\n\n".join(out)


def _gradients(net, X, Y, cost):
    grad_w, grad_b = net.gradients(X, Y, cost)
    mean = "" if len(X) == 1 else rf"\frac{{1}}{{{len(X)}}}\sum_n "
    blocks = [_math(rf"\nabla W^{{{l}}} = {mean}\delta^{{{l}}}(a^{{{l - 1}}})^T = {_matrix(g_w)},\quad "
                    rf"\nabla b^{{{l}}} = {mean}\delta^{{{l}}} = {_matrix(g_b[:, None])}")
              for l, (g_w, g_b) in enumerate(zip(grad_w, grad_b), start=1)]
    return "## Gradients: ∇Wˡ = δˡ(aˡ⁻¹)ᵀ, ∇bˡ = δˡ\n\n" + "\n\n".join(blocks)


def _chosen(net, X, Y, cost, layer, j, k, learning_rate, first_sample):
    lines = derivation(net, X, Y, cost, layer, j, k, first_sample, learning_rate, nt=LATEX)
    out = [f"## The chosen weight: w{sup(layer)}{sub(j + 1)},{sub(k + 1)}"]
    for kind, text in lines:
        out.append(f"**{text}**" if kind == "title" else _math(text) if kind == "math" else text)
    return "\n\n".join(out)


def _step(net, X, Y, cost, learning_rate):
    grad_w, _ = net.gradients(X, Y, cost)
    after = net.copy()
    changes = descent_step(after, X, Y, cost, learning_rate)
    blocks = [_math(rf"W^{{{c.layer}}} - \eta\,\nabla W^{{{c.layer}}} = {_matrix(c.before)} - {full(learning_rate)}"
                    rf"\cdot{_matrix(g)} = {_matrix(c.after)}")
              for c, g in zip(changes, grad_w)]
    return (f"## One step of gradient descent (η = {full(learning_rate)})\n\n" + "\n\n".join(blocks)
            + f"\n\nCost on the inspected samples: {full(net.cost(X, Y, cost))} → {full(after.cost(X, Y, cost))}.")


def _neurons(p, layer, out):
    n = p.net.sizes[layer]
    if n > MAX_NEURONS:
        out.append(f"(the first {MAX_NEURONS} of {n} neurons)")
    return range(min(n, MAX_NEURONS))


def _matrix(M):
    M = np.asarray(M)
    if max(M.shape) > MAX_MATRIX:
        return rf"\text{{({M.shape[0]}×{M.shape[1]}, too large to write out)}}"
    rows = [" & ".join(LATEX.num(v) for v in row) for row in M]
    return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"


def _math(text):
    return f"$$\n{text}\n$$"


def _vector_text(v):
    return "(" + ", ".join(full(x) for x in v[:MAX_MATRIX]) + (", …)" if len(v) > MAX_MATRIX else ")")

