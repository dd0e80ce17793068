"""Activation functions σ and their derivatives σ′, each beside the other.

Every function writes into a caller-supplied ``out`` array (which may be z
itself) so the training loop allocates nothing per step (leaky ReLU: one
temporary). Derivatives are written from the layer's output ``a`` (``a(1 − a)``
for the sigmoid, ``a > 0`` for ReLU), which saves recomputing σ(z) and lets
training overwrite the hidden z with a.
"""

import numpy as np

LEAKY_SLOPE = 0.01


class Activation:
    """One activation: ``forward(z, out)`` computes a = σ(z); ``derivative(z, a, out)`` computes σ′(z)."""

    name = ""
    formula = ""           # a = σ(z), in the seeds' notation
    derivative_formula = ""  # σ′(z)

    def forward(self, z, out):
        raise NotImplementedError

    def derivative(self, z, a, out):
        raise NotImplementedError

    def multiply_derivative(self, delta, z, a, scratch):
        """δ ← δ ⊙ σ′(z) in place (``scratch``: a buffer shaped like z)."""
        delta *= self.derivative(z, a, scratch)
        return delta

    def __repr__(self):
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "a = 1 / (1 + e^(−z))"
    derivative_formula = "σ′(z) = a (1 − a)"

    def forward(self, z, out):
        # 1 / (1 + exp(−z)) in place; exp overflow gives inf → a = 0, which is the right limit.
        np.negative(z, out=out)
        np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)

    def derivative(self, z, a, out):
        np.subtract(1, a, out=out)
        return np.multiply(out, a, out=out)


class Tanh(Activation):
    name = "tanh"
    formula = "a = tanh(z)"
    derivative_formula = "σ′(z) = 1 − a²"

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def derivative(self, z, a, out):
        np.multiply(a, a, out=out)
        return np.subtract(1, out, out=out)


class ReLU(Activation):
    name = "relu"
    formula = "a = max(0, z)"
    derivative_formula = "σ′(z) = 1 if z > 0 else 0"

    def forward(self, z, out):
        # Against an array of zeros: NumPy's loop with a scalar 0 is 4× slower.
        return np.maximum(z, _zeros_like(z), out=out)

    def derivative(self, z, a, out):
        return np.greater(a, 0, out=out, casting="unsafe")  # a > 0 exactly when z > 0

    def multiply_derivative(self, delta, z, a, scratch):
        # Through a boolean mask: faster than writing the 0s and 1s of σ′ as floats first.
        return np.multiply(delta, np.greater(a, _zeros_like(a)), out=delta)


class LeakyReLU(Activation):
    name = "leaky_relu"
    formula = f"a = z if z > 0 else {LEAKY_SLOPE} z"
    derivative_formula = f"σ′(z) = 1 if z > 0 else {LEAKY_SLOPE}"

    def forward(self, z, out):
        return np.maximum(z, LEAKY_SLOPE * z, out=out)  # out may be z itself

    def derivative(self, z, a, out):
        np.greater(a, 0, out=out, casting="unsafe")  # a > 0 exactly when z > 0
        out *= 1 - LEAKY_SLOPE
        out += LEAKY_SLOPE
        return out


class Linear(Activation):
    name = "linear"
    formula = "a = z"
    derivative_formula = "σ′(z) = 1"

    def forward(self, z, out):
        np.copyto(out, z)
        return out

    def derivative(self, z, a, out):
        out.fill(1)
        return out


class Softmax(Activation):
    """Softmax over each row. Only valid on the output layer together with
    cross-entropy, whose fused delta ``a − y`` makes σ′ unnecessary."""

    name = "softmax"
    formula = "aⱼ = e^(zⱼ) / Σₖ e^(zₖ)"
    derivative_formula = "(fused with cross-entropy: δᴸ = a − y)"

    def forward(self, z, out):
        # Subtracting the row max keeps exp from overflowing (log-sum-exp trick). NumPy finds
        # it 3× faster along the long rows of a copy of zᵀ than along z's short rows.
        row = z.T.copy().max(axis=0).reshape(-1, 1)
        np.subtract(z, row, out=out)
        np.exp(out, out=out)
        # Row sums as a matrix-vector product: faster than sum(axis=1) over short rows.
        np.matmul(out, np.ones((out.shape[1], 1), out.dtype), out=row)
        return np.divide(out, row, out=out)

    def derivative(self, z, a, out):
        raise ValueError("softmax has no elementwise derivative; it is only used with cross_entropy")


_ZEROS = {}  # dtype → read-only flat zeros, grown to the largest layer seen


def _zeros_like(z):
    """A read-only array of zeros with z's shape and dtype, without allocating per call."""
    zeros = _ZEROS.get(z.dtype)
    if zeros is None or zeros.size < z.size:
        zeros = np.zeros(z.size, z.dtype)
        zeros.flags.writeable = False
        _ZEROS[z.dtype] = zeros
    return zeros[:z.size].reshape(z.shape)


ACTIVATIONS = {cls.name: cls() for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Linear, Softmax)}


def get_activation(name):
    """Look up an activation by name, with an error that lists the valid names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; valid activations: {valid}") from None
