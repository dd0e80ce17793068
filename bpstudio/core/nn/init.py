"""Weight initialization schemes, drawn from a seeded generator.

Numbers are drawn in float64 and then cast, so a float32 and a float64
network built from the same seed start from the same weights (up to rounding).
"""

import numpy as np

# "auto" picks the scheme whose variance argument matches the activation.
_AUTO = {"relu": "he", "leaky_relu": "he"}


def _xavier(rng, n_in, n_out):
    """Glorot uniform: U(−√(6/(n_in+n_out)), +√(6/(n_in+n_out))); keeps tanh/sigmoid out of saturation."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in)), np.zeros(n_out)


def _he(rng, n_in, n_out):
    """He normal: N(0, 2/n_in); compensates for ReLU zeroing half its inputs."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)), np.zeros(n_out)


def _normal(rng, n_in, n_out):
    """Standard normal weights and biases, as in Nielsen's network.py (saturates wide layers)."""
    return rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)


INITIALIZERS = {"xavier": _xavier, "he": _he, "normal": _normal}
INIT_NAMES = ("auto", *INITIALIZERS)


def check_init(name):
    if name not in INIT_NAMES:
        raise ValueError(f"unknown init {name!r}; valid inits: {', '.join(INIT_NAMES)}")


def initial_parameters(sizes, activations, init, seed):
    """Yield (W, b) in float64 for each layer; W has shape (n_out, n_in)."""
    check_init(init)
    rng = np.random.default_rng(seed)
    for n_in, n_out, activation in zip(sizes[:-1], sizes[1:], activations):
        scheme = _AUTO.get(activation, "xavier") if init == "auto" else init
        yield INITIALIZERS[scheme](rng, n_in, n_out)
