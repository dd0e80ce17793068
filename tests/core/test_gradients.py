"""Backprop against finite differences (float64), and one update worked by hand."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer, gradcheck
from bpstudio.core.explain.gradcheck import numerical_gradient

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
# Every valid (output activation, cost) pair.
HEADS = [(out, cost) for out in ["sigmoid", "tanh", "relu", "leaky_relu", "linear"] for cost in ["sse", "mse", "half_mse"]]
HEADS += [("sigmoid", "bce"), ("softmax", "cross_entropy")]
SHAPES = [[3, 5, 2], [4, 6, 3, 3], [2, 1, 4]]


def _targets(rng, n, n_out, output, cost):
    if output == "softmax":
        return np.eye(n_out)[rng.integers(0, n_out, n)]
    if cost == "bce":
        return rng.integers(0, 2, (n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,cost", HEADS)
@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
def test_backprop_matches_finite_differences(hidden, output, cost, sizes):
    rng = np.random.default_rng(len(sizes) * 7 + len(hidden))
    activations = [hidden] * (len(sizes) - 2) + [output]
    net = Network(sizes, activations, init="normal", seed=3)
    X = rng.normal(size=(7, sizes[0]))
    Y = _targets(rng, 7, sizes[-1], output, cost)
    result = gradcheck(net, X, Y, cost)
    assert result.passed, result
    assert result.max_rel_error < 1e-6


def test_gradcheck_catches_a_broken_derivative(monkeypatch):
    from bpstudio.core.nn import activations

    net = Network([3, 4, 1], ["tanh", "linear"], seed=1)
    X, Y = np.ones((5, 3)), np.zeros((5, 1))
    # Pretend σ′(z) = 1 − a (wrong): backprop then disagrees with the cost it differentiates.
    monkeypatch.setattr(activations.Tanh, "derivative", lambda self, z, a, out: np.subtract(1, a, out=out))
    result = gradcheck(net, X, Y, "mse")
    assert not result.passed
    assert result.layers[0].rel_error > 1e-3


def test_gradients_are_of_the_batch_mean_cost():
    rng = np.random.default_rng(0)
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    X, Y = rng.normal(size=(6, 2)), rng.random((6, 1))
    grad_w, grad_b = net.gradients(X, Y, "mse")
    per_sample = [net.gradients(X[i:i + 1], Y[i:i + 1], "mse") for i in range(6)]
    for l in range(2):
        np.testing.assert_allclose(grad_w[l], np.mean([g[0][l] for g in per_sample], axis=0), rtol=1e-12)
        np.testing.assert_allclose(grad_b[l], np.mean([g[1][l] for g in per_sample], axis=0), rtol=1e-12)
    # And one entry against a direct finite difference of the batch-mean cost.
    assert numerical_gradient(net, X, Y, "mse", net.weights[0], (2, 0)) == pytest.approx(grad_w[0][2, 0], rel=1e-7)


def test_deltas_are_per_sample_and_give_the_gradient():
    rng = np.random.default_rng(1)
    net = Network([3, 4, 2], ["relu", "linear"], seed=2)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    deltas = net.deltas(X, Y, "sse")
    trace = net.forward(X)
    grad_w, grad_b = net.gradients(X, Y, "sse")
    for l in range(2):
        # ∇Wˡ = mean over samples of δˡ (aˡ⁻¹)ᵀ — the seeds' outer product, averaged.
        outer = np.mean([np.outer(deltas[l][n], trace.a[l][n]) for n in range(5)], axis=0)
        np.testing.assert_allclose(grad_w[l], outer, rtol=1e-12)
        np.testing.assert_allclose(grad_b[l], deltas[l].mean(axis=0), rtol=1e-12)
    # Output delta for sse with a linear output is ∂C/∂a = 2(a − y).
    np.testing.assert_allclose(deltas[1], 2 * (trace.a[2] - Y), rtol=1e-12)


def test_one_update_by_hand():
    """Matt Mazur's classic worked example: 2-2-2 sigmoid network, E = Σ ½(t − o)², η = 0.5.

    Our half_mse is (1/n) Σ ½(a − y)² = E / 2 with n = 2 outputs, so η = 1 here is his η = 0.5.
    His published weights after one step are checked below; biases are worked out by hand:
    δo1 = 0.74136507·0.18681560 = 0.13849856, δo2 = −0.21707153·0.17551005 = −0.03809824,
    δh1 = (δo1·0.40 + δo2·0.50)·0.24130071 = 0.00877136, δh2 = (δo1·0.45 + δo2·0.55)·0.24061342 = 0.00995425,
    b ← b − 0.5 δ (in E's units).
    """
    net = Network([2, 2, 2], ["sigmoid", "sigmoid"], dtype="float64")
    net.set_parameters([[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]], [[0.35, 0.35], [0.60, 0.60]])
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    assert net.cost(X, Y, "half_mse") == pytest.approx(0.298371109 / 2, rel=1e-8)
    Trainer(net, TrainConfig(learning_rate=1.0, batch_mode="full", epochs=1, cost="half_mse")).fit(X, Y)
    np.testing.assert_allclose(net.weights[1], [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8)
    np.testing.assert_allclose(net.weights[0], [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8)
    np.testing.assert_allclose(net.biases[1], [0.60 - 0.5 * 0.13849856, 0.60 + 0.5 * 0.03809824], atol=1e-7)
    np.testing.assert_allclose(net.biases[0], [0.35 - 0.5 * 0.00877136, 0.35 - 0.5 * 0.00995425], atol=1e-7)


def test_cross_entropy_is_stable_for_huge_logits():
    net = Network([1, 3], ["softmax"], dtype="float64")
    net.set_parameters([[[1000.0], [0.0], [-1000.0]]], [[0, 0, 0]])
    X, Y = np.array([[1.0]]), np.array([[0.0, 0.0, 1.0]])
    assert net.cost(X, Y, "cross_entropy") == pytest.approx(2000.0)
    grad_w, _ = net.gradients(X, Y, "cross_entropy")
    assert np.isfinite(grad_w[0]).all()


def test_bce_is_stable_at_saturation():
    net = Network([1, 1], ["sigmoid"], dtype="float64")
    net.set_parameters([[[800.0]]], [[0.0]])
    assert net.cost([[1.0]], [[0.0]], "bce") == pytest.approx(800.0)
    assert net.cost([[1.0]], [[1.0]], "bce") == pytest.approx(0.0, abs=1e-12)
