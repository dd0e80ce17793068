"""The layer-by-layer numbers the inspector shows, the inspector's descent step, and the confusion matrix."""

import numpy as np
import pytest

from bpstudio.core import Network
from bpstudio.core.train.metrics import confusion_matrix, regression_errors
from bpstudio.core.explain.walkthrough import descent_step, equations, sup, walkthrough

RNG = np.random.default_rng(3)
X = RNG.normal(size=(6, 3))
Y = (RNG.normal(size=(6, 2)) > 0).astype(float)


def test_walkthrough_matches_forward_deltas_and_gradients():
    net = Network([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    steps = walkthrough(net, X, Y, "mse")
    trace, deltas = net.forward(X), net.deltas(X, Y, "mse")
    grad_w, grad_b = net.gradients(X, Y, "mse")
    assert [s.layer for s in steps] == [1, 2]
    for l, s in enumerate(steps):
        np.testing.assert_array_equal(s.a_prev, trace.a[l])
        np.testing.assert_array_equal(s.z, trace.z[l])
        np.testing.assert_array_equal(s.a, trace.a[l + 1])
        np.testing.assert_array_equal(s.delta, deltas[l])
        np.testing.assert_array_equal(s.grad_w, grad_w[l])
        np.testing.assert_array_equal(s.grad_b, grad_b[l])
    # One sample: ∇Wˡ is the outer product δˡ (aˡ⁻¹)ᵀ, as the seeds write it.
    one = walkthrough(net, X[2], Y[2], "mse")
    for s in one:
        np.testing.assert_allclose(s.grad_w, np.outer(s.delta[0], s.a_prev[0]), rtol=1e-12)


def test_equations_follow_cost_and_activation():
    net = Network([3, 4, 2], ["relu", "sigmoid"], seed=1)
    assert "2 (aⱼ − yⱼ)" in equations(net, "sse", 2)["delta"]
    assert "(1/n) (aⱼ − yⱼ)" in equations(net, "half_mse", 2)["delta"]
    assert "a (1 − a)" in equations(net, "mse", 2)["delta"]
    assert equations(net, "bce", 2)["delta"].startswith("δ² = (1/n)(a − y)")
    hidden = equations(net, "mse", 1)
    assert hidden["delta"].startswith("δ¹ = ((W²)ᵀ δ²) ⊙ σ′(z¹)") and "1 if z > 0" in hidden["delta"]
    assert hidden["grad_w"] == "∇W¹ = δ¹ (a⁰)ᵀ"
    assert "mean of 5" in equations(net, "mse", 1, n_samples=5)["grad_w"]
    assert sup(10) == "¹⁰"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_descent_step_is_w_minus_eta_grad(dtype):
    net = Network([3, 4, 2], ["tanh", "sigmoid"], seed=1, dtype=dtype)
    grad_w, grad_b = net.gradients(X, Y, "mse")
    b0 = [b.copy() for b in net.biases]
    changes = descent_step(net, X, Y, "mse", 0.5)
    for l, change in enumerate(changes):
        assert change.after.dtype == np.dtype(dtype)
        np.testing.assert_allclose(change.difference, -0.5 * grad_w[l], rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(change.after, net.weights[l])
        np.testing.assert_allclose(net.biases[l], b0[l] - 0.5 * grad_b[l], rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="learning rate"):
        descent_step(net, X, Y, "mse", -1)


def test_confusion_matrix_counts():
    y = np.eye(3)[[0, 0, 1, 2, 2, 2]]
    a = np.eye(3)[[0, 1, 1, 2, 0, 2]] * 0.8 + 0.05
    np.testing.assert_array_equal(confusion_matrix(a, y), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    binary = confusion_matrix(np.array([[0.9], [0.2], [0.7]]), np.array([[1.0], [1.0], [0.0]]))
    np.testing.assert_array_equal(binary, [[0, 1], [1, 1]])


def test_regression_errors():
    actual = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    predicted = np.array([[1.0, 4.0], [2.5, 5.0], [2.5, 6.0]])
    rmse, r2 = regression_errors(predicted, actual)
    np.testing.assert_allclose(rmse, [np.sqrt(0.5 / 3), np.sqrt(2 / 3)])
    assert r2[0] == pytest.approx(1 - 0.5 / 2) and np.isnan(r2[1])
