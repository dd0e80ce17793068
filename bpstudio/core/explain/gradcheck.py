"""Check backprop against finite differences, layer by layer, without crying wolf.

For each checked parameter θᵢ the numerical gradient is the central difference

    gₕ = (C(θ + h eᵢ) − C(θ − h eᵢ)) / 2h,    h = ε · max(1, |θᵢ|),  ε = ∛(machine ε) ≈ 6e-6

computed in float64 on a copy of the network. ε scaled to |θ| balances the two errors
of a central difference: truncation (∝ h²) and rounding in C (∝ u·|C|/h, u = 2.2e-16).

How far gₕ itself can be trusted — its *noise floor* — is estimated per entry from
the same evaluations: the difference to the step twice as long, |gₕ − g₂ₕ|, measures
truncation (and rounding, which differs between the two steps), and u·|C|/h bounds
rounding from below. An entry disagrees when

    |backprop − gₕ| > SAFETY · noise + RTOL · |gₕ|        (absolute + relative test)

The verdict is three-way:
    failed        some entry disagrees beyond its noise floor: backprop is wrong;
    inconclusive  nothing disagrees, but in some layer every gradient is below what
                  finite differences can resolve (deep, saturated or well-fitted);
    passed        nothing disagrees and every layer has gradients above the floor.

A layer's relative error (kept for comparison with other tools) is the largest
|backprop − numerical| in that layer divided by the largest gradient magnitude in it.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..nn.network import Network

EPS = float(np.finfo(np.float64).eps) ** (1 / 3)   # optimal relative step for central differences
U = float(np.finfo(np.float64).eps)
RTOL = 1e-5        # relative part of the test: 0.1 % mistakes are 100× above it
SAFETY = 10.0      # the noise estimate is an order of magnitude, not a bound
RESOLVED = 100.0   # a gradient this many noise floors above zero is "resolved"
TOLERANCE = RTOL   # kept name: the relative tolerance of the combined test
VERDICTS = ("passed", "inconclusive", "failed")


@dataclass
class EntryCheck:
    """One parameter: backprop's value beside the finite difference and how precise that is."""

    analytic: float
    numeric: float
    noise: float             # estimated error of ``numeric``
    kink: bool = False       # the cost is not differentiable here (ReLU at z = 0): nothing to compare

    @property
    def difference(self):
        return abs(self.analytic - self.numeric)

    @property
    def allowed(self):
        return SAFETY * self.noise + RTOL * abs(self.numeric)

    @property
    def verdict(self):
        if self.kink:
            return "inconclusive"
        if self.difference > self.allowed:
            return "failed"
        return "passed" if abs(self.numeric) > RESOLVED * self.noise else "inconclusive"


@dataclass
class LayerCheck:
    layer: int               # 1-based weight layer
    rel_error_w: float
    rel_error_b: float
    checked: int             # parameters compared in this layer
    verdict: str = "passed"
    max_gradient: float = 0.0   # largest |numerical gradient| checked here
    noise: float = 0.0          # largest estimated finite-difference error here
    worst: tuple = ()           # ("w" | "b", index tuple, EntryCheck) of the largest excess over the allowance

    @property
    def rel_error(self):
        return max(self.rel_error_w, self.rel_error_b)


@dataclass
class GradCheckResult:
    layers: list
    tolerance: float = TOLERANCE
    entries: dict = field(default_factory=dict, repr=False)   # (layer, "w"|"b", index) → EntryCheck

    @property
    def max_rel_error(self):
        return max(layer.rel_error for layer in self.layers)

    @property
    def verdict(self):
        verdicts = {layer.verdict for layer in self.layers}
        return next(v for v in ("failed", "inconclusive", "passed") if v in verdicts)

    @property
    def passed(self):
        """False only when backprop is shown wrong; an inconclusive check is not a failure."""
        return self.verdict != "failed"

    @property
    def reason(self):
        """One or two sentences a teacher can read out: what was compared and why this verdict."""
        return _reason(self)


class CheckCancelled(Exception):
    """The ``stop`` event was set during a gradient check."""


def gradcheck(net: Network, X: ArrayLike, Y: ArrayLike, cost: str = "mse", max_per_layer: int = 200, seed: int = 0,
              eps: float = EPS, stop: threading.Event | None = None,
              on_layer: Callable[[int, int], None] | None = None) -> "GradCheckResult":
    """Compare ``net.gradients`` with central differences; returns a ``GradCheckResult``.

    Layers with more than ``max_per_layer`` weights are checked on a seeded random
    sample of that many entries (every bias is checked), which keeps the check
    interactive for large layers. ``stop`` (a ``threading.Event``) is checked before
    every entry (``CheckCancelled``); ``on_layer(l, n_layers)`` reports progress.
    """
    with np.errstate(over="ignore"):   # a saturated sigmoid's e^(−z) overflows to σ = 0: the right limit
        probe = _Probe(net, X, Y, cost, eps)
        probe.stop = stop
        grad_w, grad_b = probe.net.gradients(probe.X, probe.Y, cost)
        return _check_layers(probe, grad_w, grad_b, max_per_layer, seed, on_layer)


def _check_layers(probe, grad_w, grad_b, max_per_layer, seed, on_layer):
    rng = np.random.default_rng(seed)
    layers, entries = [], {}
    for l in range(probe.net.n_layers):
        if on_layer:
            on_layer(l + 1, probe.net.n_layers)
        W, b = probe.net.weights[l], probe.net.biases[l]
        w_idx = [np.unravel_index(i, W.shape) for i in _sample(W.size, max_per_layer, rng)]
        checks_w = {tuple(map(int, i)): probe.check(W, grad_w[l], i) for i in w_idx}
        checks_b = {(j,): probe.check(b, grad_b[l], (j,)) for j in range(b.size)}
        entries.update({(l + 1, "w", i): c for i, c in checks_w.items()})
        entries.update({(l + 1, "b", i): c for i, c in checks_b.items()})
        layers.append(_layer_check(l + 1, checks_w, checks_b))
    return GradCheckResult(layers, TOLERANCE, entries)


def check_weight(net, X, Y, cost, layer, j, k, eps=EPS):
    """The ``EntryCheck`` of one weight W[layer][j, k] (layer 0-based): backprop beside finite differences."""
    with np.errstate(over="ignore"):
        probe = _Probe(net, X, Y, cost, eps)
        grad_w, _ = probe.net.gradients(probe.X, probe.Y, cost)
        return probe.check(probe.net.weights[layer], grad_w[layer], (j, k))


def numerical_gradient(net, X, Y, cost, param, index, eps=1e-6):
    """Central difference of the cost for ``param[index]``, param being a view into net.params."""
    plus, minus = _shifted(net, X, Y, cost, param, index, eps)
    return (plus - minus) / (2 * eps)


class _Probe:
    """A float64 copy of the network and data, the cost at θ and the size of its rounding error."""

    def __init__(self, net, X, Y, cost, eps):
        self.net = Network(net.sizes, net.activations, net.init, net.seed, "float64")
        self.net.params[...] = net.params
        self.X, self.Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        self.cost, self.eps = cost, eps
        self.c0 = self.net.cost(self.X, self.Y, cost)
        self.rounding = 8 * U * _cost_scale(self.net, self.X, self.Y, cost, self.c0)   # error of one C(θ)

    stop = None   # a threading.Event that cancels the check

    def check(self, param, analytic, index):
        """Backprop's ``analytic[index]`` against central differences for ``param[index]`` (a view into params)."""
        if self.stop is not None and self.stop.is_set():
            raise CheckCancelled()
        h = self.eps * max(1.0, abs(float(param[index])))
        p1, m1 = _shifted(self.net, self.X, self.Y, self.cost, param, index, h)
        p2, m2 = _shifted(self.net, self.X, self.Y, self.cost, param, index, 2 * h)
        g_h, g_2h = (p1 - m1) / (2 * h), (p2 - m2) / (4 * h)
        rounding = self.rounding / h
        # Curvature seen by each step: (C₊ − 2C₀ + C₋)/step. A smooth cost gives D(2h) ≈ 2 D(h);
        # a kink (ReLU at z = 0) does not, and there the gradient itself is not defined.
        d_h, d_2h = (p1 - 2 * self.c0 + m1) / h, (p2 - 2 * self.c0 + m2) / (2 * h)
        kink = abs(d_2h - 2 * d_h) > SAFETY * 4 * rounding + 0.1 * max(abs(d_h), abs(d_2h) / 2)
        return EntryCheck(float(analytic[index]), g_h, abs(g_h - g_2h) + rounding, kink)


def _shifted(net, X, Y, cost, param, index, h):
    """C(θ + h eᵢ) and C(θ − h eᵢ); param[index] is restored."""
    original = param[index]
    param[index] = original + h
    plus = net.cost(X, Y, cost)
    param[index] = original - h
    minus = net.cost(X, Y, cost)
    param[index] = original
    return plus, minus


def _cost_scale(net, X, Y, cost, c0):
    """How large the numbers are that C is computed from, so |C| · u underestimates nothing.

    The log costs subtract terms of size |zᴸ| (softplus(z) − y z, logsumexp(z) − y·z), so a
    well-fitted sample has a tiny C with rounding errors of size u·|zᴸ|; the squared costs
    square differences a − y computed with errors of size u·|a|.
    """
    trace = net.forward(X)
    z, a = trace.z[-1], trace.a[-1]
    if cost in ("bce", "cross_entropy"):
        terms = np.abs(z).max(axis=1) * (1 + np.abs(Y).sum(axis=1))
    else:
        terms = 2 * (np.abs(a - Y) * np.maximum(np.abs(a), np.abs(Y))).sum(axis=1)
    return abs(c0) + float(terms.mean())


def _layer_check(layer, checks_w, checks_b):
    checks = [*checks_w.values(), *checks_b.values()]
    verdicts = {c.verdict for c in checks}
    verdict = "failed" if "failed" in verdicts else "passed" if "passed" in verdicts else "inconclusive"
    worst = max([("w", i, c) for i, c in checks_w.items()] + [("b", i, c) for i, c in checks_b.items()],
                key=lambda item: item[2].difference - item[2].allowed)
    return LayerCheck(layer, _rel_error(checks_w.values()), _rel_error(checks_b.values()), len(checks), verdict,
                      max(abs(c.numeric) for c in checks), max(c.noise for c in checks), worst)


def _rel_error(checks):
    checks = [c for c in checks if not c.kink]   # no derivative to compare there
    scale = max([abs(c.analytic) for c in checks] + [abs(c.numeric) for c in checks] + [1e-12])
    return max((c.difference for c in checks), default=0.0) / scale


def _sample(size, limit, rng):
    if size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, limit, replace=False))


def _reason(result):
    failed = [c for c in result.layers if c.verdict == "failed"]
    if failed:
        c = failed[0]
        kind, index, e = c.worst
        name = f"{'W' if kind == 'w' else 'b'}{c.layer}[{', '.join(str(i + 1) for i in index)}]"
        return (f"backprop and finite differences disagree in layer {c.layer}: at {name} backprop gives "
                f"{e.analytic:.10g}, finite differences {e.numeric:.10g} (good to ±{e.noise:.1g}); "
                f"the difference {e.difference:.2g} is beyond what rounding can explain.")
    unresolved = [c for c in result.layers if c.verdict == "inconclusive"]
    if not unresolved:
        return (f"backprop equals finite differences in every layer, within their estimated error "
                f"(largest relative error {result.max_rel_error:.1e}).")
    reasons = "; ".join(_unresolved_reason(c, result.entries) for c in unresolved)
    others = " The other layers agree." if len(unresolved) < len(result.layers) else ""
    return f"no disagreement, but nothing to confirm in {reasons}.{others}"


def _unresolved_reason(layer, entries):
    """Why finite differences cannot confirm this layer's gradient."""
    checks = [c for (l, _, _), c in entries.items() if l == layer.layer]
    if all(c.analytic == 0 and c.numeric == 0 for c in checks):
        return f"layer {layer.layer}: every gradient there is exactly 0 (no error reaches it, e.g. dead ReLU units)"
    if any(c.kink for c in checks):
        return (f"layer {layer.layer}: a ReLU input sits at its kink (z = 0), where the derivative is "
                f"not defined")
    return (f"layer {layer.layer}: its gradients, ~{layer.max_gradient:.0e}, are below what finite "
            f"differences can resolve here (error ~{layer.noise:.0e})")
