"""Worked examples: small networks with published numbers, to reproduce a pass by hand.

Each ``WorkedExample`` fixes everything a hand computation depends on — the network's
weights and biases, the sample, the cost and the learning rate — and lists the numbers
its source publishes after one step, so the app and the tests can check them.

Mazur's example ("A Step by Step Backpropagation Example", Matt Mazur, 2015) is the one
most courses point to: a 2-2-2 sigmoid network, one sample, E = Σ ½(target − out)²
(our ``half_sse``) and η = 0.5. Its w1 … w8 map to ours as

    w1 w2 → W¹ row 1 (into h1),  w3 w4 → W¹ row 2 (into h2)
    w5 w6 → W² row 1 (into o1),  w7 w8 → W² row 2 (into o2)

and its b1, b2 are one bias shared by all neurons of a layer. Mazur leaves the biases
fixed; a Step here also moves them (b ← b − η ∇b), which changes none of the published
numbers of that step.
"""

from dataclasses import dataclass, field

import numpy as np

from ..data.dataset import Dataset, Prepared
from ..data.preprocessing import Scaler
from ..nn.network import Network
from ..train.config import TrainConfig


@dataclass(frozen=True)
class WorkedExample:
    key: str
    title: str
    source: str
    sizes: tuple
    activations: tuple
    weights: tuple          # per layer, (n_out, n_in)
    biases: tuple           # per layer, (n_out,)
    X: tuple                # samples (N, n_in)
    Y: tuple                # targets (N, n_out)
    cost: str
    learning_rate: float
    published: dict = field(default_factory=dict)   # name → (published value, where: see ``read``)
    feature_names: tuple = ()
    target_names: tuple = ()
    focus: tuple = (1, 0, 0)   # the weight (layer 1-based, j, k 0-based) the source works through first

    def network(self):
        """A float64 Network holding exactly the example's weights and biases."""
        net = Network(self.sizes, self.activations, init="normal", seed=0, dtype="float64")
        net.set_parameters([np.array(W, dtype=np.float64) for W in self.weights],
                           [np.array(b, dtype=np.float64) for b in self.biases])
        return net

    def data(self):
        """(X, Y) as float64 arrays."""
        return np.array(self.X, dtype=np.float64), np.array(self.Y, dtype=np.float64)

    def prepared(self):
        """The sample(s) as training data, unscaled (the published numbers use the raw inputs), no validation."""
        X, Y = self.data()
        dataset = Dataset(X, Y, "classification", list(self.feature_names), class_names=list(self.target_names),
                          source=self.title, description=self.source)
        empty_x, empty_y = X[:0].copy(), Y[:0].copy()
        return Prepared(dataset, Scaler("none").fit(X), None, X.copy(), Y.copy(), empty_x, empty_y,
                        empty_x.copy(), empty_y.copy())

    def config(self):
        """Plain full-batch gradient descent with the example's η and cost: one epoch = one step."""
        return TrainConfig(learning_rate=self.learning_rate, batch_mode="full", epochs=1, cost=self.cost,
                           optimizer="sgd", shuffle=False)


MAZUR = WorkedExample(
    key="mazur",
    title="Mazur's 2-2-2 network (one step by hand)",
    source="Matt Mazur, “A Step by Step Backpropagation Example” (2015)",
    sizes=(2, 2, 2),
    activations=("sigmoid", "sigmoid"),
    weights=(((0.15, 0.20), (0.25, 0.30)), ((0.40, 0.45), (0.50, 0.55))),
    biases=((0.35, 0.35), (0.60, 0.60)),
    X=((0.05, 0.10),),
    Y=((0.01, 0.99),),
    cost="half_sse",
    learning_rate=0.5,
    feature_names=("i1", "i2"),
    target_names=("o1", "o2"),
    focus=(2, 0, 0),   # w5
    published={
        "net_h1": (0.3775, ("z", 1, 0)),             # z¹₁ before the step
        "out_o1": (0.75136507, ("a", 2, 0)),         # a²₁ before the step
        "E_total": (0.298371109, ("cost",)),         # the cost before the step
        "w5+": (0.35891648, ("w+", 2, 0, 0)),        # w²₁,₁ after one step
        "w1+": (0.149780716, ("w+", 1, 0, 0)),       # w¹₁,₁ after one step
    },
)

EXAMPLES = {example.key: example for example in (MAZUR,)}


def published_values(net_before, net_after, example):
    """The example's published quantities as this engine computes them: name → value.

    ``net_before`` holds the example's starting weights, ``net_after`` the weights after one step.
    """
    return {name: read(where, net_before, net_after, example) for name, (_, where) in example.published.items()}


def read(where, net_before, net_after, example):
    """One quantity: ("z" | "a", layer, j) of the first sample, ("cost",), or ("w+", layer, j, k) after the step."""
    X, Y = example.data()
    kind, *index = where
    if kind == "cost":
        return net_before.cost(X, Y, example.cost)
    if kind == "w+":
        layer, j, k = index
        return float(net_after.weights[layer - 1][j, k])
    layer, j = index
    trace = net_before.forward(X)
    return float((trace.z[layer - 1] if kind == "z" else trace.a[layer])[0, j])
