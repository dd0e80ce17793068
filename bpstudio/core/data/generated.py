"""Generated 2-D toy sets (TensorFlow Playground's classics) and two small regressions.

Every generator takes a sample count, a noise level and a seed, and returns a Dataset:

    make("spirals", n_samples=400, noise=0.1, seed=0)
    make("gaussians", centers=4)            # the only generator with an extra option

Classes are balanced: sample i belongs to class ``i % k``.
"""

from dataclasses import dataclass

import numpy as np

from .dataset import Dataset, DataError


@dataclass(frozen=True)
class Generator:
    make: object            # (n, noise, rng, **options) -> (X (n, d), target) — labels or values
    task: str
    description: str
    n_features: int
    n_outputs: int
    n_samples: int = 400    # defaults used when the caller passes None
    noise: float = 0.1
    options: tuple = ()     # names of extra keyword options


MAX_SAMPLES = 1_000_000


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _labels(n, k):
    return np.arange(n) % k


def _xor(n, noise, rng):
    labels = _labels(n, 2)
    # class 1 where x1 and x2 have opposite signs; magnitudes keep a small gap around the axes
    sign1 = rng.choice([-1.0, 1.0], n)
    sign2 = np.where(labels == 1, -sign1, sign1)
    X = np.column_stack([sign1, sign2]) * rng.uniform(0.05, 1, size=(n, 2))
    return X + noise * rng.standard_normal((n, 2)), labels


def _circles(n, noise, rng):
    labels = _labels(n, 2)
    # class 0: a disc of radius 0.5; class 1: a ring between 0.7 and 1.0
    radius = np.where(labels == 0, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + noise * rng.standard_normal((n, 2)), labels


def _moons(n, noise, rng):
    labels = _labels(n, 2)
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(labels[:, None] == 0, upper, lower)
    return X + noise * rng.standard_normal((n, 2)), labels


def _spirals(n, noise, rng):
    labels = _labels(n, 2)
    t = rng.uniform(0.25, 1, n) * 3 * np.pi            # one and a half turns per arm
    angle = t + np.pi * labels                         # the second arm is the first turned by 180°
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) / (3 * np.pi)
    return X + noise * rng.standard_normal((n, 2)), labels


def _gaussians(n, noise, rng, centers=3):
    if not _is_int(centers) or not 2 <= centers <= 20:
        raise DataError(f"gaussians: centers must be an integer from 2 to 20, got {centers!r}")
    labels = _labels(n, centers)
    angle = 2 * np.pi * np.arange(centers) / centers
    means = 2 * np.column_stack([np.cos(angle), np.sin(angle)])
    return means[labels] + noise * rng.standard_normal((n, 2)), labels


def _sine(n, noise, rng):
    x = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return x, np.sin(x) + noise * rng.standard_normal((n, 1))


def _plane(n, noise, rng):
    X = rng.uniform(-1, 1, size=(n, 2))
    y = 0.5 * X[:, :1] - 1.5 * X[:, 1:] + 0.25
    return X, y + noise * rng.standard_normal((n, 1))


GENERATORS = {
    "xor": Generator(_xor, "classification", "2-D XOR: the class is whether x1·x2 < 0 (four quadrants)", 2, 2),
    "circles": Generator(_circles, "classification", "2-D disc inside a ring: two classes, not linearly separable",
                         2, 2),
    "moons": Generator(_moons, "classification", "2-D two interleaving half-moons", 2, 2),
    "spirals": Generator(_spirals, "classification", "2-D two interleaved spiral arms (hard: needs depth)", 2, 2),
    "gaussians": Generator(_gaussians, "classification", "2-D Gaussian blobs on a circle (option centers=k, "
                           "default 3)", 2, 3, noise=0.5, options=("centers",)),
    "sine": Generator(_sine, "regression", "1-D regression: y = sin(x) + noise, x in [-π, π]", 1, 1, n_samples=200),
    "plane": Generator(_plane, "regression", "2-D regression: y = 0.5·x1 − 1.5·x2 + 0.25 + noise", 2, 1),
}


def _check(name, n_samples, noise, seed):
    if not _is_int(n_samples) or not 2 <= n_samples <= MAX_SAMPLES:
        raise DataError(f"{name}: n_samples must be an integer from 2 to {MAX_SAMPLES:,}, got {n_samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1e6:
        raise DataError(f"{name}: noise must be a number ≥ 0, got {noise!r}")
    if not _is_int(seed) or seed < 0:
        raise DataError(f"{name}: seed must be a whole number ≥ 0, got {seed!r}")


def make(name, n_samples=None, noise=None, seed=0, **options):
    """Dataset ``name`` from GENERATORS with n_samples points, Gaussian noise of std ``noise``."""
    gen = GENERATORS[name]
    unknown = sorted(set(options) - set(gen.options))
    if unknown:
        allowed = ", ".join(gen.options) or "none"
        raise DataError(f"{name}: unknown option(s) {', '.join(unknown)}; options allowed: {allowed}")
    n_samples = gen.n_samples if n_samples is None else n_samples
    noise = gen.noise if noise is None else noise
    _check(name, n_samples, noise, seed)
    X, target = gen.make(int(n_samples), float(noise), np.random.default_rng(seed), **options)
    features = [f"x{i + 1}" for i in range(X.shape[1])]
    description = f"{gen.description}; {n_samples} samples, noise {noise}, seed {seed}"
    if gen.task == "regression":
        return Dataset(X, target, "regression", features, target_names=["y"], source=name, description=description)
    k = int(target.max()) + 1
    if n_samples < 2 * k:   # a stratified split needs two samples of every class
        raise DataError(f"{name}: n_samples must be at least {2 * k} for {k} classes, got {n_samples}")
    return Dataset(X, np.eye(k)[target], "classification", features, [str(c) for c in range(k)],
                   source=name, description=description)
