"""The multilayer perceptron: layer sizes, activations, weights and biases.

All parameters live in one flat array ``params`` (every Wˡ, then every bˡ);
``weights[l]`` and ``biases[l]`` are views into it. An optimizer can then
update every parameter with a handful of whole-array operations, and L2
decay touches the contiguous weight block only.

Each Wˡ (n_out, n_in) is stored column by column (Fortran order): then
``a @ W.T`` and ``∇W = δᵀ a`` are plain, untransposed GEMMs for BLAS, about
10 % faster on the large first layers than with row-by-row storage. Indexing
``W[j, k]`` is unaffected; ``W.reshape(-1)`` is a copy, not a view.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .activations import Activation, get_activation
from .backprop import Workspace
from .costs import Cost, get_cost
from .heads import check_outputs, check_pair, check_targets
from .init import check_init, initial_parameters

DTYPES = ("float64", "float32")
_CHUNK = 4096  # rows per forward pass when evaluating a large X


@dataclass
class Trace:
    """Everything a forward pass computed: ``a[0]`` is X, ``z[l]`` and ``a[l + 1]`` belong to weight layer l."""

    z: list[np.ndarray]
    a: list[np.ndarray]


class Network:
    """A fully connected network ``sizes[0] → sizes[1] → … → sizes[-1]``.

    ``activations`` has one name per weight layer (default: tanh hidden layers
    and a sigmoid output). ``weights[l]`` has shape (n_out, n_in), and
    zˡ = aˡ⁻¹ @ Wˡᵀ + bˡ, as in PyTorch's ``Linear``.
    """

    def __init__(self, sizes: Sequence[int], activations: Sequence[str] | None = None, init: str = "auto",
                 seed: int = 0, dtype: DTypeLike = "float64") -> None:
        self.sizes = _check_sizes(sizes)
        n_layers = len(self.sizes) - 1
        if activations is None:
            activations = ["tanh"] * (n_layers - 1) + ["sigmoid"]
        self.activations = _check_activations(activations, n_layers)
        check_outputs(self.activations[-1], self.sizes[-1])
        if str(dtype) not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; valid dtypes: {', '.join(DTYPES)}")
        check_init(init)
        self.dtype = np.dtype(dtype)
        self.init = init
        self.seed = seed
        self._activation_fns = [get_activation(name) for name in self.activations]
        self.params = np.zeros(self.n_parameters, self.dtype)
        self._weights, self._biases = self.layer_views(self.params)
        self.reset()

    # --- structure ---------------------------------------------------------------

    @property
    def n_parameters(self) -> int:
        return sum(n_in * n_out + n_out for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def n_weights(self) -> int:
        """Number of weights (not biases); ``params[:n_weights]`` is the weight block."""
        return sum(n_in * n_out for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        """Per-layer weight matrices, shape (n_out, n_in); views into ``params`` (edit in place)."""
        return tuple(self._weights)

    @property
    def activation_fns(self) -> tuple[Activation, ...]:
        """Per-layer ``Activation`` objects (forward, derivative, formulas), named by ``activations``."""
        return tuple(self._activation_fns)

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        """Per-layer bias vectors, shape (n_out,); views into ``params`` (edit in place)."""
        return tuple(self._biases)

    def layer_views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Split a flat array laid out like ``params`` into per-layer (W list, b list) views."""
        pairs = list(zip(self.sizes[:-1], self.sizes[1:]))
        weights, offset = [], 0
        for n_in, n_out in pairs:
            weights.append(flat[offset:offset + n_in * n_out].reshape(n_in, n_out).T)  # column-major: see above
            offset += n_in * n_out
        biases = []
        for _, n_out in pairs:
            biases.append(flat[offset:offset + n_out])
            offset += n_out
        return weights, biases

    def reset(self, seed: int | None = None) -> None:
        """Re-draw the initial weights; the same seed always gives the same weights."""
        if seed is not None:
            self.seed = seed
        layers = initial_parameters(self.sizes, self.activations, self.init, self.seed)
        for (W0, b0), W, b in zip(layers, self._weights, self._biases):
            W[...] = W0
            b[...] = b0

    def set_parameters(self, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike]) -> None:
        """Copy weights and biases in, checking every layer's shape first (nothing changes on error)."""
        for kind, new, own in (("weights", weights, self._weights), ("biases", biases, self._biases)):
            if len(new) != len(own):
                raise ValueError(f"{kind}: expected {len(own)} layers, got {len(new)}")
            for l, (x, target) in enumerate(zip(new, own)):
                shape = np.shape(x)
                if shape != target.shape:
                    raise ValueError(f"layer {l + 1} {kind}: expected shape {target.shape}, got {shape}")
        for new, own in ((weights, self._weights), (biases, self._biases)):
            for x, target in zip(new, own):
                target[...] = x

    def copy(self) -> "Network":
        """An independent network with the same structure and parameters."""
        other = Network(self.sizes, self.activations, self.init, self.seed, self.dtype.name)
        other.params[...] = self.params
        return other

    def check_cost(self, cost: str) -> Cost:
        """Raise ValueError if ``cost`` cannot be used with this network's output activation."""
        check_pair(cost, self.activations[-1])
        return get_cost(cost)

    # --- computing ---------------------------------------------------------------

    def as_inputs(self, X: ArrayLike) -> np.ndarray:
        """X as a (N, n_in) array of this network's dtype, or a ValueError naming the mismatch."""
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"inputs must have shape (N, {self.sizes[0]}), got {X.shape}")
        return X

    def as_targets(self, Y: ArrayLike, n_samples: int) -> np.ndarray:
        """Y as a (N, n_out) array of this network's dtype; 1-D targets are one column."""
        Y = np.asarray(Y, dtype=self.dtype)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.shape != (n_samples, self.sizes[-1]):
            raise ValueError(f"targets must have shape ({n_samples}, {self.sizes[-1]}), got {Y.shape}")
        return Y

    def forward(self, X: ArrayLike) -> Trace:
        """Run X (N, n_in) through the network; returns a ``Trace`` of copies of every z and a."""
        X = self.as_inputs(X)
        ws = Workspace(self, len(X), backward=False)
        with np.errstate(over="ignore"):   # see predict
            ws.forward(X)
        return Trace(z=[z.copy() for z in ws.z], a=[X.copy()] + [a.copy() for a in ws.a])

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Outputs aᴸ, shape (N, n_out), for inputs X of shape (N, n_in)."""
        X = self.as_inputs(X)
        out = np.empty((len(X), self.sizes[-1]), self.dtype)
        ws = Workspace(self, min(len(X), _CHUNK) or 1, backward=False)
        # A saturated sigmoid's exp(−z) overflows to inf, which gives its right limit σ = 0: NumPy's
        # overflow warning would only alarm a Python user over a correct result. (Training silences
        # it too, in Trainer.fit, and reports a run that really diverged by its cost.)
        with np.errstate(over="ignore"):
            for start in range(0, len(X), _CHUNK):
                out[start:start + _CHUNK] = ws.forward(X[start:start + _CHUNK])
        return out

    def cost(self, X: ArrayLike, Y: ArrayLike, cost: str = "mse") -> float:
        """Batch-mean cost of the whole of X against targets Y."""
        cost_fn = self.check_cost(cost)
        X = self.as_inputs(X)
        Y = self.as_targets(Y, len(X))
        check_targets(cost, self.activations[-1], Y)
        return evaluate_cost(self, cost_fn, X, Y)

    def gradients(self, X: ArrayLike, Y: ArrayLike, cost: str = "mse") -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(grad_w, grad_b): lists of ∂C/∂Wˡ and ∂C/∂bˡ for the batch-MEAN cost over X, Y."""
        ws = self._backprop(X, Y, cost, mean=True)
        return [g.copy() for g in ws.grad_w], [g.copy() for g in ws.grad_b]

    def deltas(self, X: ArrayLike, Y: ArrayLike, cost: str = "mse") -> list[np.ndarray]:
        """Per-sample errors δˡ = ∂Cₙ/∂zˡ, one (N, n_out) array per layer (not averaged)."""
        ws = self._backprop(X, Y, cost, mean=False)
        return [d.copy() for d in ws.delta]

    def _backprop(self, X, Y, cost, mean):
        cost_fn = self.check_cost(cost)
        X = self.as_inputs(X)
        Y = self.as_targets(Y, len(X))
        check_targets(cost, self.activations[-1], Y)
        ws = Workspace(self, len(X))
        with np.errstate(over="ignore"):   # see predict
            ws.forward(X)
            ws.backward(X, Y, cost_fn, scale=1.0 / len(X) if mean else 1.0)
        return ws

    def __repr__(self) -> str:
        layers = " → ".join(f"{n} {act}" for n, act in zip(self.sizes[1:], self.activations))
        return f"Network({self.sizes[0]} → {layers}, {self.n_parameters} parameters)"


def evaluate_cost(net, cost_fn, X, Y, ws=None):
    """Batch-mean cost over X in chunks, reusing ``ws`` (a forward-only Workspace) if given."""
    if len(X) == 0:
        return float("nan")
    ws = ws or Workspace(net, min(len(X), _CHUNK), backward=False)
    total = 0.0
    with np.errstate(over="ignore"):   # a saturated sigmoid: see Network.predict
        for start in range(0, len(X), ws.capacity):
            x, y = X[start:start + ws.capacity], Y[start:start + ws.capacity]
            a = ws.forward(x)
            total += cost_fn.value(ws.z[-1][:len(x)], a, y) * len(x)
    return total / len(X)


def _check_sizes(sizes):
    try:
        sizes = tuple(int(n) for n in sizes)
    except (TypeError, ValueError):
        raise ValueError(f"sizes must be a list of whole numbers, got {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes needs at least an input and an output layer, each ≥ 1 neuron; got {list(sizes)}")
    return sizes


def _check_activations(activations, n_layers):
    if isinstance(activations, str):
        raise ValueError(f"activations must be a list with one name per weight layer ({n_layers}), got {activations!r}")
    activations = tuple(activations)
    if len(activations) != n_layers:
        raise ValueError(f"activations needs one name per weight layer: expected {n_layers}, got {len(activations)}")
    for l, name in enumerate(activations):
        get_activation(name)
        if name == "softmax" and l != n_layers - 1:
            raise ValueError(f"softmax can only be the output activation (found on hidden layer {l + 1})")
    return activations
