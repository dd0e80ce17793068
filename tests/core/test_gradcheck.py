"""The gradient check never cries wolf on the engine's own backprop, and always catches real mistakes."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer, gradcheck
from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.loading import load_dataset
from bpstudio.core.explain.gradcheck import check_weight
from bpstudio.core.nn import activations
from bpstudio.core.nn import network as network_module
from bpstudio.core.nn.costs import COSTS
from bpstudio.core.nn.heads import check_pair

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
def _valid(cost, output):
    try:
        check_pair(cost, output)
    except ValueError:
        return False
    return True


HEADS = [(out, cost) for out in HIDDEN + ["softmax"] for cost in COSTS if _valid(cost, out)]


def _random_case(rng, trial, hidden, output, cost):
    """A random network (1–4 hidden layers, some saturated) with a few samples and fitting targets."""
    depth = 1 + trial % 4
    n_out = int(rng.integers(2, 4)) if output == "softmax" else int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 5)), *rng.integers(1, 6, depth).tolist(), n_out]
    net = Network(sizes, [hidden] * depth + [output], init=("normal", "auto")[trial % 2], seed=trial)
    if trial % 3 == 0:
        net.params *= 3   # saturated sigmoid/tanh units, large z
    n = int(rng.integers(1, 6))
    X = rng.normal(size=(n, sizes[0])) * (1 + 2 * (trial % 2))
    if output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    elif cost == "bce" or output == "sigmoid":
        Y = rng.integers(0, 2, (n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    return net, X, Y


def test_never_failed_on_the_engines_backprop_over_many_random_networks():
    rng = np.random.default_rng(14)
    verdicts = []
    for trial in range(6):
        for hidden in HIDDEN:
            for output, cost in HEADS:
                net, X, Y = _random_case(rng, trial, hidden, output, cost)
                result = gradcheck(net, X, Y, cost)
                assert result.verdict != "failed", (net, cost, result.reason)
                assert result.passed
                verdicts.append(result.verdict)
    assert len(verdicts) == 6 * len(HIDDEN) * len(HEADS) > 500
    assert verdicts.count("passed") > 0.75 * len(verdicts)   # inconclusive only where nothing can be resolved


@pytest.fixture(scope="module")
def trained_xor():
    """The docs' Inspector example: XOR, 2-4-1 tanh/sigmoid, mse, 1000 epochs (25 of 160 said FAILED before)."""
    prepared = prepare(load_dataset("xor", n_samples=200, seed=0), "standard", 0.2, seed=0)
    X, Y = prepared.X_train, prepared.Y_train[:, 1:]
    nets = []
    for config in (TrainConfig(epochs=1000, cost="mse", learning_rate=0.5, optimizer="sgd"),
                   TrainConfig(epochs=1000, cost="mse", learning_rate=0.05, optimizer="adam")):
        net = Network([2, 4, 1], ["tanh", "sigmoid"], seed=0)
        Trainer(net, config).fit(X, Y)
        nets.append(net)
    return nets, X, Y


def test_never_failed_on_every_sample_of_the_trained_xor_example(trained_xor):
    nets, X, Y = trained_xor
    for net in nets:
        costs = [net.cost(X[i:i + 1], Y[i:i + 1], "mse") for i in range(len(X))]
        assert min(costs) < 1e-6   # well-fitted samples, with tiny gradients, are among them
        for i in range(len(X)):
            result = gradcheck(net, X[i:i + 1], Y[i:i + 1], "mse")
            assert result.verdict in ("passed", "inconclusive"), (i, result.reason)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_always_failed_for_a_gradient_one_in_a_thousand_off_in_one_layer(hidden, monkeypatch):
    rng = np.random.default_rng(1)
    exact = network_module.Network.gradients
    for trial in range(25):
        net, X, Y = _random_case(rng, trial, hidden, "linear", "mse")
        bad = trial % net.n_layers

        def off(self, X, Y, cost="mse", bad=bad):
            grad_w, grad_b = exact(self, X, Y, cost)
            grad_w[bad] *= 1.001
            return grad_w, grad_b

        monkeypatch.setattr(network_module.Network, "gradients", off)
        result = gradcheck(net, X, Y, "mse")
        monkeypatch.setattr(network_module.Network, "gradients", exact)
        tampered = [c for (l, kind, _), c in result.entries.items() if l == bad + 1 and kind == "w"]
        if all(c.analytic == 0 for c in tampered) or any(c.kink for c in result.entries.values()):
            continue   # nothing was changed (a dead layer), or a ReLU kink makes the cost non-differentiable
        assert result.verdict == "failed", (hidden, trial, result.reason)
        assert not result.passed
        assert result.layers[bad].verdict == "failed"
        assert f"layer {bad + 1}" in result.reason


def test_always_failed_for_tanh_derivative_written_as_one_minus_a(monkeypatch):
    monkeypatch.setattr(activations.Tanh, "derivative", lambda self, z, a, out: np.subtract(1, a, out=out))
    rng = np.random.default_rng(2)
    heads = [(output, cost) for output, cost in HEADS if output != "relu"]   # a dead relu output passes nothing back
    for trial in range(60):
        output, cost = heads[trial % len(heads)]
        net, X, Y = _random_case(rng, trial, "tanh", output, cost)
        if trial % 3 == 0:
            net.params /= 3   # undo the saturation: a saturated unit passes (almost) nothing back
        result = gradcheck(net, X, Y, cost)
        assert result.verdict == "failed", (trial, result.reason)
        assert "disagree" in result.reason


def test_a_dead_network_is_inconclusive_and_says_why():
    net = Network([2, 3, 1], ["relu", "linear"], seed=0)
    net.weights[0][...] = -1.0
    net.biases[0][...] = -1.0
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    result = gradcheck(net, X, Y, "mse")
    assert result.verdict == "inconclusive" and result.passed
    assert result.layers[0].verdict == "inconclusive" and result.layers[1].verdict == "passed"
    assert "exactly 0" in result.reason and "other layers agree" in result.reason


def test_a_relu_at_its_kink_is_inconclusive_not_failed():
    net = Network([1, 1, 1], ["relu", "linear"], seed=0)
    net.weights[0][...] = 1.0
    net.biases[0][...] = 0.0
    X, Y = np.zeros((1, 1)), np.ones((1, 1))   # z = 0 exactly: σ′ jumps from 0 to 1 there
    result = gradcheck(net, X, Y, "mse")
    assert result.entries[(1, "b", (0,))].kink
    assert result.verdict == "inconclusive"
    assert "kink" in result.reason


def test_one_weight_backprop_beside_finite_differences():
    rng = np.random.default_rng(3)
    net = Network([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    X, Y = rng.normal(size=(4, 3)), rng.random((4, 2))
    entry = check_weight(net, X, Y, "mse", 0, 2, 1)
    assert entry.analytic == net.gradients(X, Y, "mse")[0][0][2, 1]
    assert entry.numeric == pytest.approx(entry.analytic, rel=1e-8)
    assert 0 < entry.noise < 1e-9 and entry.verdict == "passed"


def test_float32_networks_are_checked_in_float64():
    rng = np.random.default_rng(4)
    net = Network([3, 5, 2], ["tanh", "softmax"], seed=1, dtype="float32")
    X, Y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    result = gradcheck(net, X, Y, "cross_entropy")
    assert result.verdict == "passed", result.reason
