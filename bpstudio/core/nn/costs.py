"""Cost functions C, their gradient ∂C/∂a, and the output-layer delta δᴸ.

Each cost is defined per sample (n = number of output neurons) and averaged
over the samples of a batch, as in the seeds' "average gradient":

    sse            Σⱼ (aⱼ − yⱼ)²
    half_sse       Σⱼ ½ (aⱼ − yⱼ)²                                  (the seeds' ½‖y − a‖², Mazur's E)
    mse            (1/n) Σⱼ (aⱼ − yⱼ)²
    half_mse       (1/n) Σⱼ ½ (aⱼ − yⱼ)²
    bce            −(1/n) Σⱼ [yⱼ log aⱼ + (1 − yⱼ) log(1 − aⱼ)]    (sigmoid output)
    cross_entropy  −Σⱼ yⱼ log softmax(z)ⱼ                           (softmax output)

The two log costs are evaluated from z, never from a, so a saturated output
cannot produce log(0).
"""

import numpy as np


def _softplus(z):
    """log(1 + eᶻ) without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _logsumexp(z):
    """log Σₖ e^(zₖ) per row, shifted by the row max so exp cannot overflow."""
    # On a copy of zᵀ: NumPy reduces along its long rows 5× faster than along z's short ones.
    zt = z.T.copy()
    m = zt.max(axis=0)
    zt -= m
    np.exp(zt, out=zt)
    return m + np.log(zt.sum(axis=0))


class Cost:
    name = ""
    formula = ""        # per-sample C
    grad_formula = ""   # ∂C/∂aⱼ

    def value(self, z, a, y):
        """Batch-mean cost (a float) for pre-activations z, outputs a, targets y, all (N, n)."""
        raise NotImplementedError

    def grad_a(self, a, y, out):
        """Per-sample ∂C/∂a, shape (N, n), written into out."""
        raise NotImplementedError

    def __repr__(self):
        return f"<cost {self.name}>"


class SSE(Cost):
    name = "sse"
    formula = "C = Σⱼ (aⱼ − yⱼ)²"
    grad_formula = "∂C/∂aⱼ = 2 (aⱼ − yⱼ)"

    def value(self, z, a, y):
        diff = a - y
        return float(np.vdot(diff, diff)) / len(a)

    def grad_a(self, a, y, out):
        np.subtract(a, y, out=out)
        out *= 2
        return out


class HalfSSE(Cost):
    name = "half_sse"
    formula = "C = Σⱼ ½ (aⱼ − yⱼ)²"
    grad_formula = "∂C/∂aⱼ = aⱼ − yⱼ"

    def value(self, z, a, y):
        diff = a - y
        return 0.5 * float(np.vdot(diff, diff)) / len(a)

    def grad_a(self, a, y, out):
        return np.subtract(a, y, out=out)


class MSE(Cost):
    name = "mse"
    formula = "C = (1/n) Σⱼ (aⱼ − yⱼ)²"
    grad_formula = "∂C/∂aⱼ = (2/n) (aⱼ − yⱼ)"

    def value(self, z, a, y):
        diff = a - y
        return float(np.vdot(diff, diff)) / diff.size

    def grad_a(self, a, y, out):
        np.subtract(a, y, out=out)
        out *= 2 / a.shape[1]
        return out


class HalfMSE(Cost):
    name = "half_mse"
    formula = "C = (1/n) Σⱼ ½ (aⱼ − yⱼ)²"
    grad_formula = "∂C/∂aⱼ = (1/n) (aⱼ − yⱼ)"

    def value(self, z, a, y):
        diff = a - y
        return 0.5 * float(np.vdot(diff, diff)) / diff.size

    def grad_a(self, a, y, out):
        np.subtract(a, y, out=out)
        out *= 1 / a.shape[1]
        return out


class BinaryCrossEntropy(Cost):
    name = "bce"
    formula = "C = −(1/n) Σⱼ [yⱼ log aⱼ + (1 − yⱼ) log(1 − aⱼ)]"
    grad_formula = "∂C/∂aⱼ = (1/n) (aⱼ − yⱼ) / (aⱼ (1 − aⱼ))"

    def value(self, z, a, y):
        # With a = σ(z): −[y log a + (1 − y) log(1 − a)] = softplus(z) − y z.
        return float((_softplus(z) - y * z).mean())

    def grad_a(self, a, y, out):
        np.subtract(a, y, out=out)
        out /= a * (1 - a) * a.shape[1]
        return out


class CrossEntropy(Cost):
    name = "cross_entropy"
    formula = "C = −Σⱼ yⱼ log softmax(z)ⱼ"
    grad_formula = "(fused with softmax: δᴸ = a − y)"

    def value(self, z, a, y):
        # −Σⱼ yⱼ (zⱼ − logsumexp(z)); row sums as products with a ones vector (short rows again).
        ones = np.ones(z.shape[1], z.dtype)
        return float((_logsumexp(z) * (y @ ones) - (y * z) @ ones).mean())

    def grad_a(self, a, y, out):
        raise ValueError("cross_entropy is only used fused with a softmax output")


COSTS = {cls.name: cls() for cls in (SSE, HalfSSE, MSE, HalfMSE, BinaryCrossEntropy, CrossEntropy)}


def get_cost(name):
    """Look up a cost by name, with an error that lists the valid names."""
    try:
        return COSTS[name]
    except (KeyError, TypeError):
        valid = ", ".join(COSTS)
        raise ValueError(f"unknown cost {name!r}; valid costs: {valid}") from None


def _simplified_sigmoid_bce(z, a, y, out):
    # σ′ = a(1 − a) cancels the denominator of ∂C/∂a.
    np.subtract(a, y, out=out)
    out *= 1 / a.shape[1]
    return out


def _simplified_softmax_cross_entropy(z, a, y, out):
    return np.subtract(a, y, out=out)


_SIMPLIFIED = {
    ("bce", "sigmoid"): _simplified_sigmoid_bce,
    ("cross_entropy", "softmax"): _simplified_softmax_cross_entropy,
}


def output_delta(cost, activation, z, a, y, out, scratch):
    """δᴸ = ∇ₐC ⊙ σ′(zᴸ), per sample, into out. ``scratch`` is a buffer of the same shape.

    For sigmoid + bce and softmax + cross-entropy the product simplifies
    algebraically, which is both faster and immune to 0/0 at saturation.
    """
    simplified = _SIMPLIFIED.get((cost.name, activation.name))
    if simplified:
        return simplified(z, a, y, out)
    cost.grad_a(a, y, out)
    return activation.multiply_derivative(out, z, a, scratch)


def delta_formula(cost, activation):
    """The output-delta formula for this pair, for display."""
    if (cost.name, activation.name) in _SIMPLIFIED:
        return "δᴸ = (1/n)(a − y)" if cost.name == "bce" else "δᴸ = a − y"
    return "δᴸ = ∇ₐC ⊙ σ′(zᴸ)"
