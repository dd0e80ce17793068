"""The fast path against the reference backprop (core/nn/reference.py) on every activation/cost pair,
and the reference against finite differences of the engine's cost, in float64."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.nn import backprop, reference
from bpstudio.core.explain.compare import valid_costs

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUTS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")
PAIRS = [(output, cost) for output in OUTPUTS for cost in valid_costs(output)]
RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))


def _net(hidden, output):
    """A 3-4-2 network with random biases: zero biases put relu units exactly on their kink."""
    net = Network([3, 4, 2], [hidden, output], seed=1)
    net.params[net.n_weights:] = np.random.default_rng(2).normal(scale=0.5, size=net.params.size - net.n_weights)
    return net


def _targets(output, cost):
    if cost == "cross_entropy":
        return np.eye(2)[[0, 1, 1, 0, 1, 0]]
    if cost == "bce":
        return (RNG.random((6, 2)) > 0.5).astype(float)
    return RNG.uniform(-0.5, 1, size=(6, 2))


def test_every_pair_the_engine_accepts_is_covered():
    assert ("softmax", "cross_entropy") in PAIRS and ("sigmoid", "bce") in PAIRS and len(PAIRS) == 22


@pytest.fixture(params=["small layers", "direct layers"])
def path(request, monkeypatch):
    """Every layer below DIRECT_MIN_WEIGHTS, or every layer a direct GEMM (the fused step's own path)."""
    monkeypatch.setattr(backprop, "DIRECT_MIN_WEIGHTS", 10 ** 9 if request.param == "small layers" else 1)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, cost", PAIRS)
def test_backward_matches_the_reference(hidden, output, cost):
    net = _net(hidden, output)
    Y = _targets(output, cost)
    want_w, want_b = reference.batch_gradients(net, X, Y, cost)
    got_w, got_b = net.gradients(X, Y, cost)
    for got, want in zip(got_w + got_b, want_w + want_b):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, cost", PAIRS)
def test_a_training_step_is_the_reference_step(hidden, output, cost, path):
    """One full-batch update through the Trainer (the fused step for SGD, the textbook order for Adam)."""
    for optimizer in ("sgd", "adam"):
        net = _net(hidden, output)
        Y = _targets(output, cost)
        grad_w, grad_b = reference.batch_gradients(net, X, Y, cost)
        want = net.params.copy()
        want_w, want_b = net.layer_views(want)
        for p, g in zip(want_w + want_b, grad_w + grad_b):
            # Adam's first step is η·sign(g) (m̂ / √v̂ = g / |g|, up to ε).
            p -= 0.05 * (g if optimizer == "sgd" else g / (np.abs(g) + 1e-8))
        trainer = Trainer(net, TrainConfig(learning_rate=0.05, batch_mode="full", epochs=1, cost=cost,
                                           optimizer=optimizer, shuffle=False))
        trainer.step(X, Y)
        np.testing.assert_allclose(net.params, want, rtol=1e-7, atol=1e-10)
        got_w, got_b = net.layer_views(trainer.last_gradient)
        for got, g in zip(got_w + got_b, grad_w + grad_b):
            np.testing.assert_allclose(got, g, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, cost", PAIRS)
def test_the_reference_matches_finite_differences(hidden, output, cost):
    net = _net(hidden, output)
    Y = _targets(output, cost)
    grad_w, grad_b = reference.batch_gradients(net, X, Y, cost)
    analytic = np.concatenate([g.ravel(order="F") for g in grad_w] + grad_b)   # params' layout: W column by column
    numeric = np.empty_like(net.params)
    h = 1e-6
    for i in range(len(net.params)):
        saved = net.params[i]
        net.params[i] = saved + h
        up = net.cost(X, Y, cost)
        net.params[i] = saved - h
        down = net.cost(X, Y, cost)
        net.params[i] = saved
        numeric[i] = (up - down) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
