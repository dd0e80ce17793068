"""Large ("direct") layers fold the bias and the plain SGD step into their GEMMs (β = 1).

Whatever the path, the numbers must be those of the textbook loop: z = a Wᵀ + b,
∇W = δᵀ a, θ ← θ − η ∇; and the gradient a fused step never stored must come back
exactly when the inspector asks for it.
"""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer, gradcheck
from bpstudio.core.nn import backprop
from bpstudio.core.nn import blas
from bpstudio.core.train.fused_step import FusedSGDStep, GradientStep, make_step
from bpstudio.core.train.optimizers import SGD, make_optimizer

RNG = np.random.default_rng(3)
X = RNG.normal(size=(50, 150))
Y = np.eye(3)[RNG.integers(0, 3, 50)]
SIZES = [150, 120, 3]          # 18,000 weights in the first layer: fused; 360 in the second: not


def _net(dtype="float64"):
    return Network(SIZES, ["relu", "softmax"], seed=0, dtype=dtype)


@pytest.fixture(params=["fused", "unfused", "no BLAS", "every layer fused"])
def path(request, monkeypatch):
    if request.param == "unfused":
        monkeypatch.setattr(backprop, "DIRECT_MIN_WEIGHTS", 10 ** 9)
    elif request.param == "no BLAS":
        monkeypatch.setattr(blas, "_FUNCTIONS", {})
    elif request.param == "every layer fused":
        monkeypatch.setattr(backprop, "DIRECT_MIN_WEIGHTS", 1)
    return request.param


def test_the_first_layer_is_fused_when_blas_is_direct():
    if not blas.is_direct("float64"):
        pytest.skip("NumPy's BLAS is not reachable directly here")
    assert backprop.Workspace(_net(), 8).direct == [True, False]


def test_forward_is_the_same_on_every_path(path):
    net = _net()
    z = X @ net.weights[0].T + net.biases[0]
    a = np.maximum(z, 0)
    z2 = a @ net.weights[1].T + net.biases[1]
    want = np.exp(z2 - z2.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.predict(X), want, rtol=1e-12)


def test_gradients_of_a_fused_network_match_finite_differences(path):
    net = _net()
    result = gradcheck(net, X, Y, "cross_entropy")
    assert result.passed, [layer.rel_error for layer in result.layers]


def test_the_fused_step_takes_the_sgd_step_and_gives_the_gradient_on_request(path):
    net = _net()
    ws = backprop.Workspace(net, len(X))
    ws.forward(X)
    ws.backward(X, Y, net.check_cost("cross_entropy"), scale=1 / len(X))
    want_grad = ws.grad.copy()
    want_params = net.params - 0.1 * want_grad
    step = make_step(net, ws, net.check_cost("cross_entropy"), SGD(net.params, 0.1), l2=0.0)
    assert isinstance(step, FusedSGDStep)
    ws.forward(X)
    step.step(X, Y)
    np.testing.assert_allclose(net.params, want_params, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(step.gradient(), want_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(step.update(), 0.1 * want_grad, rtol=1e-12, atol=1e-15)
    assert step.optimizer.t == 1


def test_backward_leaves_delta_meaning_delta(path):
    """After a fused step, a plain backward again gives δ and ∇ of the batch-mean cost, not η-scaled ones."""
    net = _net()
    ws = backprop.Workspace(net, len(X))
    cost = net.check_cost("cross_entropy")
    ws.forward(X)
    make_step(net, ws, cost, SGD(net.params, 0.1), l2=0.0).step(X, Y)
    ws.forward(X)
    ws.backward(X, Y, cost)
    np.testing.assert_allclose(ws.delta[-1][:len(X)], net.predict(X) - Y, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer, l2", [("sgd", 0.01), ("momentum", 0.0)])
def test_other_steps_go_the_textbook_order(optimizer, l2):
    net = _net()
    config = TrainConfig(optimizer=optimizer, l2=l2, cost="cross_entropy")
    step = make_step(net, backprop.Workspace(net, 8), net.check_cost("cross_entropy"),
                     make_optimizer(config, net.params), l2)
    assert isinstance(step, GradientStep)


def test_sgd_training_gives_the_textbook_numbers(path):
    """Mini-batches of 16 out of 50 (a partial last batch), two epochs, against a loop written out."""
    net, reference = _net(), _net()
    trainer = Trainer(net, TrainConfig(learning_rate=0.2, batch_mode="mini-batch", batch_size=16,
                                       epochs=2, cost="cross_entropy", seed=5))
    trainer.fit(X, Y)
    orders = np.random.default_rng(5)
    for _ in range(2):
        order = orders.permutation(len(X))
        for start in range(0, len(X), 16):
            batch = order[start:start + 16]
            before = reference.copy()
            grad_w, grad_b = reference.gradients(X[batch], Y[batch], "cross_entropy")
            for p, g in zip(reference.weights + reference.biases, grad_w + grad_b):
                p -= 0.2 * g
    np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-13)
    # The last batch's step and gradient, as the Health view and the inspector read them.
    np.testing.assert_allclose(trainer.last_update, before.params - net.params, rtol=1e-10, atol=1e-13)
    grad_w, grad_b = before.gradients(X[batch], Y[batch], "cross_entropy")
    got_w, got_b = net.layer_views(trainer.last_gradient)
    for got, want in zip(got_w + got_b, grad_w + grad_b):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("config", [dict(optimizer="momentum"), dict(l2=0.01)])
def test_other_steps_still_see_the_whole_gradient(config, path):
    """Momentum and L2 need ∇W itself: they must not take the fused step (which would drop them)."""
    nets = []
    for fuse_min in (backprop.DIRECT_MIN_WEIGHTS, 10 ** 9):
        backprop.DIRECT_MIN_WEIGHTS, saved = fuse_min, backprop.DIRECT_MIN_WEIGHTS
        try:
            net = _net()
            Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="full", epochs=3,
                                     cost="cross_entropy", **config)).fit(X, Y)
        finally:
            backprop.DIRECT_MIN_WEIGHTS = saved
        nets.append(net)
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=1e-12, atol=1e-15)


def test_float32_stays_float32_on_the_fused_path():
    net = _net("float32")
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=16,
                                       epochs=3, cost="cross_entropy"))
    history = trainer.fit(X.astype("float32"), Y)
    assert net.params.dtype == np.float32 and trainer.last_gradient.dtype == np.float32
    assert history.train_cost[-1] < history.train_cost[0]


def test_l2_switched_on_mid_run_leaves_the_fused_step(path):
    """L2 is a live setting in the app: the next batch must see it, on the textbook path."""
    from dataclasses import replace

    net, reference = _net(), _net()
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="full", epochs=2, cost="cross_entropy"))
    trainer.step(X, Y)
    grad_w, grad_b = reference.gradients(X, Y, "cross_entropy")
    for p, g in zip(reference.weights + reference.biases, grad_w + grad_b):
        p -= 0.1 * g
    trainer.config = replace(trainer.config, l2=0.5)
    trainer.step(X, Y)
    grad_w, grad_b = reference.gradients(X, Y, "cross_entropy")
    for p, g, W in zip(reference.weights + reference.biases, grad_w + grad_b, reference.weights + (None,) * 2):
        p -= 0.1 * (g + 0.5 * W if W is not None else g)
    np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-13)


def test_a_direct_step_follows_its_input_wherever_it_is_stored(path):
    """A direct layer's GEMM is bound once per batch size and input buffer (addresses, not arrays):
    each step must still read the x it is given — the reused buffer rewritten, a new array, one
    stored by columns, a strided view, a shorter batch — and take the textbook step."""
    net, reference = _net(), _net()
    cost = net.check_cost("cross_entropy")
    ws = backprop.Workspace(net, 16)
    step = make_step(net, ws, cost, SGD(net.params, 0.1), l2=0.0)
    buffer = np.empty((16, X.shape[1]))
    wide = np.empty((16, 2 * X.shape[1]))
    inputs = [lambda rows: np.take(X, rows, axis=0, out=buffer[:len(rows)]),
              lambda rows: X[rows].copy(),
              lambda rows: np.asfortranarray(X[rows]),
              lambda rows: np.copyto(wide[:len(rows), ::2], X[rows]) or wide[:len(rows), ::2]]
    for i, rows in enumerate([np.arange(16), np.arange(16, 32), np.arange(32, 48), np.arange(5, 21),
                              np.arange(40, 50), np.arange(0, 10), np.arange(20, 36), np.arange(34, 50)]):
        x = inputs[i % len(inputs)](rows)
        ws.forward(x)
        step.step(x, Y[rows])
        grad_w, grad_b = reference.gradients(X[rows], Y[rows], "cross_entropy")
        for p, g in zip(reference.weights + reference.biases, grad_w + grad_b):
            p -= 0.1 * g
        np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-13)
