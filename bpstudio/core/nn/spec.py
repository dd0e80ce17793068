"""A network's design apart from the data: what the app's Network panel edits and a project saves.

    spec = NetworkSpec(hidden=((16, "relu"), (8, "relu")), output="softmax", cost="cross_entropy")
    net = network_for(spec, dataset)       # input and output sizes from the data
"""

from dataclasses import dataclass

from .heads import output_size
from .network import Network


@dataclass(frozen=True)
class NetworkSpec:
    """The architecture the user designs; input and output sizes come from the data."""

    hidden: tuple[tuple[int, str], ...] = ((8, "tanh"), (8, "tanh"))   # (neurons, activation) per hidden layer
    output: str = "softmax"
    cost: str = "cross_entropy"
    init: str = "auto"
    seed: int = 0
    dtype: str = "float64"

    @classmethod
    def of(cls, net, cost):
        """The spec that describes an existing network trained with ``cost``."""
        hidden = tuple(zip(net.sizes[1:-1], net.activations[:-1]))
        return cls(hidden, net.activations[-1], cost, net.init, net.seed if net.seed is not None else 0, net.dtype.name)


def network_for(spec: NetworkSpec, dataset) -> Network:
    """A new Network of ``spec``'s design, its input and output sizes taken from ``dataset``
    (``heads.output_size``: one sigmoid output for two classes)."""
    sizes = [dataset.n_features, *(n for n, _ in spec.hidden), output_size(dataset, spec.output)]
    activations = [act for _, act in spec.hidden] + [spec.output]
    return Network(sizes, activations, init=spec.init, seed=spec.seed, dtype=spec.dtype)
