"""Each formula of one forward and backward pass with its numbers substituted, for one neuron.

Neurons and layers are numbered as on screen and in the seeds: weight layer l = 1 … L,
neuron j = 1 … n (the functions take 0-based ``j``, ``k`` like the arrays). Every line reads
symbol = formula = numbers = result, e.g.

    z¹₁ = w¹₁,₁a⁰₁ + w¹₁,₂a⁰₂ + b¹₁ = (0.15)(0.05) + (0.2)(0.1) + 0.35 = 0.3775
    σ′(z²₁) = a²₁(1 − a²₁) = (0.7513650695523157)(1 − 0.7513650695523157) = 0.18681560180895948

The numbers come from ``Network.forward`` and ``Network.deltas``; the results printed
are the engine's (a hand computation at full precision agrees to the last digit or two).
``Pass`` holds one sample's forward trace and deltas so the lines can be asked for in any order.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.activations import LEAKY_SLOPE

MAX_TERMS = 8   # a sum with more terms shows the first few and "…" (the result is still exact)


@dataclass
class Pass:
    """One sample's pass through ``net``: a[l] (a[0] = x), z[l] and δ[l] as 1-D rows, and its target y."""

    net: object
    cost: str
    a: list        # a[0] = x, a[l] = output of weight layer l
    z: list        # z[l - 1] belongs to weight layer l
    delta: list    # delta[l - 1] belongs to weight layer l
    y: np.ndarray

    @classmethod
    def of(cls, net, x, y, cost):
        x = net.as_inputs(x)[:1]
        y = net.as_targets(np.atleast_2d(y), 1)
        trace = net.forward(x)
        deltas = net.deltas(x, y, cost)
        return cls(net, cost, [a[0] for a in trace.a], [z[0] for z in trace.z], [d[0] for d in deltas], y[0])

    def activation(self, layer):
        return self.net.activations[layer - 1]


def z_line(nt, p, layer, j):
    """zˡⱼ = Σₖ wˡⱼ,ₖ aˡ⁻¹ₖ + bˡⱼ with the numbers."""
    W, b = p.net.weights[layer - 1], p.net.biases[layer - 1]
    a_prev, J = p.a[layer - 1], j + 1
    ks = _shown(len(a_prev))
    symbols = " + ".join(f"{nt.sym('w', layer, J, k + 1)}{nt.sym('a', layer - 1, k + 1)}" for k in ks)
    numbers = " + ".join(nt.product(W[j, k], a_prev[k]) for k in ks)
    more = _more(len(a_prev))
    return (f"{nt.sym('z', layer, J)} = {symbols}{more} + {nt.sym('b', layer, J)} "
            f"= {numbers}{more} + {nt.factor(b[j])} = {nt.num(p.z[layer - 1][j])}")


def a_line(nt, p, layer, j):
    """aˡⱼ = σ(zˡⱼ) written out for this layer's activation."""
    a, z, J = p.a[layer][j], p.z[layer - 1][j], j + 1
    sa, sz = nt.sym("a", layer, J), nt.sym("z", layer, J)
    name = p.activation(layer)
    if name == "sigmoid":
        body = f"1 / (1 + {nt.exp(nt.op('−') + nt.factor(z))})"
    elif name == "tanh":
        body = f"{nt.fn('tanh')}({nt.num(z)})"
    elif name == "relu":
        body = f"{nt.fn('max')}(0, {nt.num(z)})"
    elif name == "leaky_relu":
        body = nt.num(z) if z > 0 else f"{LEAKY_SLOPE}{nt.times}{nt.factor(z)}"
    elif name == "softmax":
        zs = p.z[layer - 1]
        body = f"{nt.exp(nt.num(z))} / ({' + '.join(nt.exp(nt.num(v)) for v in zs[:MAX_TERMS])}{_more(len(zs))})"
    else:
        body = nt.num(z)
    return f"{sa} = {nt.op('σ')}({sz}) = {body} = {nt.num(a)}"


def sigma_prime_line(nt, p, layer, j):
    """σ′(zˡⱼ) from the layer's output; None for softmax (no per-neuron derivative)."""
    value = sigma_prime(p.activation(layer), p.z[layer - 1][j], p.a[layer][j])
    if value is None:
        return None
    a, J, name = p.a[layer][j], j + 1, p.activation(layer)
    sa = nt.sym("a", layer, J)
    head = f"{nt.op('σ′')}({nt.sym('z', layer, J)})"
    if name == "sigmoid":
        return f"{head} = {sa}(1 {nt.minus} {sa}) = ({nt.num(a)})(1 {nt.minus} {nt.num(a)}) = {nt.num(value)}"
    if name == "tanh":
        return f"{head} = 1 {nt.minus} {nt.sq(sa)} = 1 {nt.minus} {nt.sq(nt.factor(a))} = {nt.num(value)}"
    if name in ("relu", "leaky_relu"):
        side = f"{nt.sym('z', layer, J)} > 0" if p.z[layer - 1][j] > 0 else f"{nt.sym('z', layer, J)} ≤ 0"
        return f"{head} = {nt.num(value)}{nt.note(nt.op(side))}"
    return f"{head} = 1"


def sigma_prime(name, z, a):
    """σ′ of one neuron from its z and a (None for softmax)."""
    return {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": float(z > 0),
            "leaky_relu": 1.0 if z > 0 else LEAKY_SLOPE, "linear": 1.0}.get(name)


def cost_line(nt, p):
    """C for this sample, each output's term written out."""
    L, a, y, n = p.net.n_layers, p.a[-1], p.y, len(p.y)
    js = _shown(n)
    more = _more(n)

    def diff(j):
        return f"({nt.num(a[j])} {nt.minus} {nt.num(y[j])})"

    terms = {
        "sse": lambda j: nt.sq(diff(j)), "mse": lambda j: nt.sq(diff(j)),
        "half_sse": lambda j: f"{nt.op('½')}{nt.sq(diff(j))}", "half_mse": lambda j: f"{nt.op('½')}{nt.sq(diff(j))}",
        "bce": lambda j: (f"[{nt.num(y[j])} {nt.fn('log')}{nt.num(a[j])} + (1 {nt.minus} {nt.num(y[j])}) "
                          f"{nt.fn('log')}(1 {nt.minus} {nt.num(a[j])})]"),
        "cross_entropy": lambda j: f"{nt.num(y[j])} {nt.fn('log')}{nt.num(a[j])}",
    }[p.cost]
    prefix = {"mse": f"(1/{n})", "half_mse": f"(1/{n})", "bce": f"{nt.minus}(1/{n})", "cross_entropy": nt.minus}
    body = " + ".join(terms(j) for j in js) + more
    pre = prefix.get(p.cost, "")
    value = p.net.cost(p.a[0][None, :], p.y[None, :], p.cost)
    symbolic = {"sse": "Σⱼ (aᴸⱼ − yⱼ)²", "half_sse": "Σⱼ ½(aᴸⱼ − yⱼ)²", "mse": "(1/n) Σⱼ (aᴸⱼ − yⱼ)²",
                "half_mse": "(1/n) Σⱼ ½(aᴸⱼ − yⱼ)²", "bce": "−(1/n) Σⱼ [yⱼ log aᴸⱼ + (1 − yⱼ) log(1 − aᴸⱼ)]",
                "cross_entropy": "−Σⱼ yⱼ log aᴸⱼ"}[p.cost].replace("ᴸ", _sup_text(nt, L))
    wrap = f"{pre}[{body}]" if pre and len(js) > 1 else f"{pre}{body}"
    return f"C = {nt.op(symbolic)} = {wrap} = {nt.num(value)}"


def dC_da_line(nt, p, j):
    """∂C/∂aᴸⱼ from the cost (output layer); None where it does not factor (softmax + cross-entropy)."""
    if p.cost == "cross_entropy":
        return None
    L, n, a, y, J = p.net.n_layers, len(p.y), p.a[-1][j], p.y[j], j + 1
    value = dC_da(p.cost, a, y, n)
    sa, sy = nt.sym("a", L, J), nt.sym("y", None, J)
    d_sym, d_num = f"({sa} {nt.minus} {sy})", f"({nt.num(a)} {nt.minus} {nt.num(y)})"
    factor = {"sse": "2", "half_sse": "", "mse": f"(2/{n})", "half_mse": f"(1/{n})", "bce": f"(1/{n})"}[p.cost]
    tail_sym = tail_num = ""
    if p.cost == "bce":
        tail_sym = f" / ({sa}(1 {nt.minus} {sa}))"
        tail_num = f" / (({nt.num(a)})(1 {nt.minus} {nt.num(a)}))"
    return (f"{nt.op('∂')}C/{nt.op('∂')}{sa} = {factor}{d_sym}{tail_sym} = {factor}{d_num}{tail_num} "
            f"= {nt.num(value)}")


def dC_da(cost, a, y, n):
    """∂C/∂aⱼ of one output (n outputs), as ``Cost.grad_a`` computes it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"sse": 2 * (a - y), "half_sse": a - y, "mse": 2 / n * (a - y), "half_mse": (a - y) / n,
                "bce": (a - y) / (a * (1 - a) * n)}[cost]


def backflow_line(nt, p, layer, j):
    """∂C/∂aˡⱼ = Σ_q wˡ⁺¹_q,j δˡ⁺¹_q for a hidden neuron: the error flowing back from layer l + 1."""
    W, d, J = p.net.weights[layer], p.delta[layer], j + 1
    qs = _shown(len(d))
    value = float(W[:, j] @ d)
    numbers = " + ".join(nt.product(W[q, j], d[q]) for q in qs) + _more(len(d))
    q = "q"
    return (f"{nt.op('∂')}C/{nt.op('∂')}{nt.sym('a', layer, J)} = {nt.op('Σ')}_{q} "
            f"{nt.sym('w', layer + 1, q, J)} {nt.sym(nt.op('δ'), layer + 1, q)} = {numbers} = {nt.num(value)}")


def delta_line(nt, p, layer, j):
    """δˡⱼ = ∂C/∂aˡⱼ · σ′(zˡⱼ), or the fused form on a softmax / sigmoid + bce output."""
    J, delta = j + 1, p.delta[layer - 1][j]
    sd = nt.sym(nt.op("δ"), layer, J)
    L = p.net.n_layers
    if layer == L and p.cost == "cross_entropy":
        return (f"{sd} = {nt.sym('a', L, J)} {nt.minus} {nt.sym('y', None, J)} = {nt.num(p.a[-1][j])} {nt.minus} "
                f"{nt.num(p.y[j])} = {nt.num(delta)}{nt.note('softmax + cross-entropy: fused')}")
    if layer == L and p.cost == "bce":
        n = len(p.y)
        return (f"{sd} = (1/{n})({nt.sym('a', L, J)} {nt.minus} {nt.sym('y', None, J)}) = (1/{n})({nt.num(p.a[-1][j])} "
                f"{nt.minus} {nt.num(p.y[j])}) = {nt.num(delta)}{nt.note('σ′ = a(1 − a) cancels')}")
    if layer == L:
        g = dC_da(p.cost, p.a[-1][j], p.y[j], len(p.y))
    else:
        g = float(p.net.weights[layer][:, j] @ p.delta[layer])
    s = sigma_prime(p.activation(layer), p.z[layer - 1][j], p.a[layer][j])
    return (f"{sd} = {nt.op('∂')}C/{nt.op('∂')}{nt.sym('a', layer, J)} {nt.times} {nt.op('σ′')}({nt.sym('z', layer, J)}) "
            f"= {nt.product(g, s)} = {nt.num(delta)}")


def _shown(n):
    return range(min(n, MAX_TERMS))


def _more(n):
    return f" + … ({n} terms)" if n > MAX_TERMS else ""


def _sup_text(nt, layer):
    """The output layer's index where the symbolic formula says ᴸ."""
    return nt.sym("", layer)
