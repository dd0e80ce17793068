"""Small trained models of every task, built without the data loaders (fast and self-contained)."""

import numpy as np
from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.dataset import Dataset, prepare
from bpstudio.core.io.model import Model


def raw_features(n=40, seed=0):
    """Features on very different scales, so a forgotten scaling step changes predictions."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)) * [1.0, 10.0, 200.0] + [0.5, 5.0, -50.0]


def make_model(kind, dtype="float64", hidden=("tanh", "leaky_relu"), scaling="standard"):
    """kind: "multiclass" (softmax), "binary" (one sigmoid output) or "regression" (two linear outputs)."""
    X = raw_features()
    if kind == "regression":
        Y = np.column_stack([X[:, 0] * 3 + 100, X[:, 1] - X[:, 2] / 50])
        ds = Dataset(X, Y, "regression", ["a", "b", "c"], target_names=["t1", "t2"])
        out, cost = "linear", "mse"
    else:
        labels = (X[:, 0] > 0.5).astype(int) + (kind == "multiclass") * (X[:, 1] > 5)
        classes = ["p", "q", "r"] if kind == "multiclass" else ["no", "yes"]
        ds = Dataset(X, np.eye(len(classes))[labels], "classification", ["a", "b", "c"], classes)
        out, cost = ("softmax", "cross_entropy") if kind == "multiclass" else ("sigmoid", "bce")
    data = prepare(ds, scaling=scaling, val_fraction=0.25, seed=0, dtype=dtype)
    Y_train, Y_val = data.Y_train, data.Y_val
    if kind == "binary":
        Y_train, Y_val = Y_train[:, 1:], Y_val[:, 1:]
    n_out = Y_train.shape[1]
    net = Network([3, 5, 4, n_out], [*hidden, out], seed=1, dtype=dtype)
    config = TrainConfig(learning_rate=0.05, epochs=3, cost=cost, optimizer="adam", batch_size=8)
    history = Trainer(net, config).fit(data.X_train, Y_train, data.X_val, Y_val)
    return Model.from_prepared(net, data, config, history)
