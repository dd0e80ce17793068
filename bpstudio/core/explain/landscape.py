"""A 2-D slice of the cost surface through the current weights, and the optimizer's path on it.

The cost is a function of every parameter at once; a picture can show two directions. With
weights θ and directions d₁, d₂ the slice is C(θ + α d₁ + β d₂) on a grid of (α, β).

- "random": two random directions, *filter-normalized* (Li, Xu, Taylor, Studer & Goldstein,
  "Visualizing the Loss Landscape of Neural Nets", 2018): each neuron's incoming weights in a
  direction are rescaled to the norm of that neuron's weights in θ, so a step of α = 1 changes
  every neuron by as much as its own size and slices of different networks compare. Bias
  entries of the directions are 0, as in the paper.
- "initial": d₁ = θ₀ − θ (α = 1 is where the run started), d₂ a filter-normalized random
  direction made orthogonal to d₁ and scaled to its length.

The path (weights saved while training) is projected onto the plane of d₁, d₂ by least squares.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.backprop import Workspace
from ..nn.network import evaluate_cost

DIRECTIONS = ("random", "initial")
MAX_SAMPLES = 2048   # the cost is measured on at most this many training samples (a fixed subsample)
PATH_BYTES = 20_000_000   # memory a path may take (it keeps whole weight vectors)


@dataclass
class Slice:
    """The cost on a grid: ``costs[i, j]`` at α = alphas[j], β = betas[i] (row-major, β slowest)."""

    alphas: np.ndarray
    betas: np.ndarray
    costs: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    origin: np.ndarray   # θ, the weights at (0, 0)


class WeightPath:
    """Weights a run passed through, in order: at most ``max_points`` of them and ``max_bytes``; when full,
    every other one is dropped and from then on only every ``stride``-th is kept (the last one added is
    always kept too, so the path ends where the run is)."""

    def __init__(self, max_points=4096, max_bytes=PATH_BYTES):
        self.max_points, self.max_bytes = max_points, max_bytes
        self.points, self.stride, self.added, self.last = [], 1, 0, None

    def __len__(self):
        return len(self.points)

    def add(self, params):
        self.added += 1
        self.last = np.array(params, np.float64)
        if (self.added - 1) % self.stride:
            return
        self.points.append(self.last)
        limit = max(2, min(self.max_points, self.max_bytes // max(self.last.nbytes, 1)))
        if len(self.points) > limit:
            self.points = self.points[::2]
            self.stride *= 2

    def sampled(self, n):
        """At most ``n`` (≥ 2) of ``array()``'s points, evenly spread, the first and the last among them."""
        points = self.array()
        if len(points) <= n:
            return points
        return points[np.unique(np.linspace(0, len(points) - 1, n).round().astype(int))]

    def array(self):
        """(T, n_params): the kept points, then the last one added if thinning skipped it."""
        points = self.points if self.last is None or self.last is self.points[-1] else [*self.points, self.last]
        return np.vstack(points) if points else np.empty((0, 0))


def filter_normalized(net, direction, params):
    """``direction`` with each neuron's incoming weights rescaled to the norm of its weights in ``params``;
    bias entries set to 0."""
    out = np.array(direction, np.float64)
    dW, db = net.layer_views(out)
    W, _ = net.layer_views(np.asarray(params, np.float64))
    for d, w in zip(dW, W):
        norms = np.linalg.norm(d, axis=1, keepdims=True)
        d *= np.linalg.norm(w, axis=1, keepdims=True) / np.maximum(norms, 1e-12)
    for d in db:
        d[...] = 0.0
    return out


def directions(net, kind="random", seed=0, initial=None):
    """(d₁, d₂) for a slice through ``net.params`` (see the module docstring); ``initial``: θ₀ for "initial"."""
    if kind not in DIRECTIONS:
        raise ValueError(f"unknown directions {kind!r}; choose one of {', '.join(DIRECTIONS)}")
    rng = np.random.default_rng(seed)
    theta = net.params.astype(np.float64)
    if kind == "random":
        return tuple(filter_normalized(net, rng.standard_normal(theta.size), theta) for _ in range(2))
    if initial is None:
        raise ValueError("directions 'initial' need the run's initial weights")
    d1 = np.asarray(initial, np.float64) - theta
    length = np.linalg.norm(d1)
    if length == 0:
        raise ValueError("the weights have not moved from their initial values yet: train first, or use random directions")
    d2 = filter_normalized(net, rng.standard_normal(theta.size), theta)
    d2 -= (d2 @ d1) / length**2 * d1
    return d1, d2 * (length / max(np.linalg.norm(d2), 1e-12))


def cost_slice(net, X, Y, cost, d1, d2, span=1.0, resolution=21, progress=None, cancel=None, seed=0):
    """The cost on a ``resolution`` × ``resolution`` grid of α, β in [−span, span] (a ``Slice``).

    ``net`` is not changed (a copy is evaluated). ``progress(fraction)`` is called after each grid
    row; when the ``threading.Event`` ``cancel`` is set, returns None after the current row.
    """
    if not 3 <= resolution <= 201:
        raise ValueError(f"resolution must be between 3 and 201 points per side, got {resolution}")
    if not span > 0:
        raise ValueError(f"span must be positive, got {span}")
    probe, cost_fn = net.copy(), net.check_cost(cost)
    theta = net.params.astype(np.float64)
    X, Y = _subsample(net.as_inputs(X), net.as_targets(Y, len(X)), seed)
    ws = Workspace(probe, min(len(X), 4096), backward=False)
    grid = np.linspace(-span, span, resolution)
    costs = np.empty((resolution, resolution))
    for i, beta in enumerate(grid):
        if cancel is not None and cancel.is_set():
            return None
        for j, alpha in enumerate(grid):
            probe.params[...] = theta + alpha * d1 + beta * d2
            with np.errstate(all="ignore"):
                costs[i, j] = evaluate_cost(probe, cost_fn, X, Y, ws)
        if progress is not None:
            progress((i + 1) / resolution)
    return Slice(grid, grid.copy(), costs, d1, d2, theta)


@dataclass
class RunSurface:
    """A run's slice and its path on it: ``path[t]`` = (α, β) of the t-th saved weights."""

    name: str
    slice: Slice
    path: np.ndarray


def run_surfaces(net, runs, X, Y, cost, kind="initial", span=1.0, resolution=21, seed=0, progress=None,
                 cancel=None):
    """A slice around each run's final weights, on directions of the same ``kind`` drawn with the same ``seed``,
    so the maps compare: "random" — the same random vectors, filter-normalized to each run's weights;
    "initial" — each run's own initial → final line and the same random second direction.

    ``runs``: objects with ``name``, ``params`` (final), ``initial`` and ``path`` (T, n_params) weights, all
    laid out like ``net.params`` (``net`` gives the layout and activations; it is not changed). Returns a
    list of ``RunSurface`` (None when cancelled); ``progress(fraction)`` is over all runs."""
    out = []
    for i, run in enumerate(runs):
        probe = net.copy()
        probe.params[...] = run.params
        d1, d2 = directions(probe, kind, seed, initial=run.initial)
        step = None if progress is None else (lambda f, i=i: progress((i + f) / len(runs)))
        result = cost_slice(probe, X, Y, cost, d1, d2, span, resolution, step, cancel, seed)
        if result is None:
            return None
        out.append(RunSurface(run.name, result, project(run.path, result.origin, d1, d2)))
    return out


def project(path, origin, d1, d2):
    """(α, β) of each row of ``path`` (T, n_params) projected onto the plane origin + α d₁ + β d₂."""
    basis = np.column_stack([d1, d2])
    offsets = np.atleast_2d(np.asarray(path, np.float64)) - origin
    coords, *_ = np.linalg.lstsq(basis, offsets.T, rcond=None)
    return coords.T


def _subsample(X, Y, seed):
    if len(X) <= MAX_SAMPLES:
        return X, Y
    rows = np.random.default_rng(seed).choice(len(X), MAX_SAMPLES, replace=False)
    return X[rows], Y[rows]
