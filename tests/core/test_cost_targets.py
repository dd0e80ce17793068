"""Targets a cost cannot score are refused (core and CLI); the half sum of squares Σ½(a − y)² is exact."""

import subprocess
import sys

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core import Network, TrainConfig, Trainer, gradcheck
from bpstudio.core.nn.costs import get_cost
from bpstudio.core.nn.heads import check_targets

RNG = np.random.default_rng(0)


def test_a_one_output_softmax_is_refused_when_the_network_is_built():
    with pytest.raises(ValueError, match="softmax over a single output is always 1"):
        Network([3, 4, 1], ["tanh", "softmax"])
    with pytest.raises(ValueError, match="single output"):
        check_targets("cross_entropy", "softmax", np.ones((5, 1)))


@pytest.mark.parametrize("Y, row", [
    (np.array([[1.0, 0.0], [0.0, 0.0]]), "row 2 sums to 0"),           # a row of zeros would cost 0
    (np.array([[0.5, 0.5], [3.0, -1.0]]), "row 2"),                    # sums to 1, but not probabilities
    (np.array([[0.2, 0.3], [0.9, 0.1]]), "row 1 sums to 0.5"),
])
def test_cross_entropy_refuses_rows_that_are_not_probabilities(Y, row):
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    X = RNG.normal(size=(2, 2))
    for attempt in (lambda: net.cost(X, Y, "cross_entropy"), lambda: net.gradients(X, Y, "cross_entropy"),
                    lambda: Trainer(net, TrainConfig(cost="cross_entropy", epochs=1)).fit(X, Y)):
        with pytest.raises(ValueError, match=row):
            attempt()


def test_validation_targets_are_checked_too_and_nothing_trains():
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    before = net.params.copy()
    X, Y = RNG.normal(size=(4, 2)), np.eye(2)[[0, 1, 0, 1]]
    with pytest.raises(ValueError, match="class probabilities"):
        Trainer(net, TrainConfig(cost="cross_entropy", epochs=1)).fit(X, Y, X[:2], np.zeros((2, 2)))
    np.testing.assert_array_equal(net.params, before)


def test_soft_labels_that_sum_to_one_are_fine():
    Y = np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8]], dtype=np.float32)
    check_targets("cross_entropy", "softmax", Y)
    net = Network([2, 4, 3], ["tanh", "softmax"], seed=1)
    assert gradcheck(net, RNG.normal(size=(2, 2)), Y, "cross_entropy").verdict == "passed"


def test_half_sse_is_half_the_sum_of_squares_and_its_gradient_is_exact():
    cost = get_cost("half_sse")
    a, y = np.array([[0.75136507, 0.772928465]]), np.array([[0.01, 0.99]])
    assert cost.value(None, a, y) == pytest.approx(0.298371109, abs=1e-9)   # Mazur's E_total
    net = Network([3, 5, 2], ["tanh", "sigmoid"], seed=2)
    X, Y = RNG.normal(size=(6, 3)), RNG.random((6, 2))
    assert net.cost(X, Y, "half_sse") == pytest.approx(2 * net.cost(X, Y, "half_mse"), rel=1e-12)
    grad_w, _ = net.gradients(X, Y, "half_sse")
    grad_w_half, _ = net.gradients(X, Y, "half_mse")
    np.testing.assert_allclose(grad_w[1], 2 * grad_w_half[1], rtol=1e-12)
    assert gradcheck(net, X, Y, "half_sse").verdict == "passed"


def test_cli_refuses_a_one_output_softmax_before_training(capsys):
    status = main(["train", "diabetes", "--output-activation", "softmax", "--cost", "cross_entropy",
                   "--epochs", "3"])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.strip().splitlines()[-1].startswith("error: a softmax over a single output")
    assert "cost 0" not in err and "epoch" not in err and out == ""


def test_the_installed_command_gives_one_error_line():
    done = subprocess.run([sys.executable, "-m", "bpstudio", "train", "diabetes", "--output-activation", "softmax",
                           "--cost", "cross_entropy"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
