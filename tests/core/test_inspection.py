"""The numbers the backprop inspector shows: chain-rule factors, network health, run comparisons."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.explain.chainrule import chain_rule
from bpstudio.core.explain.compare import compare, differences, lr_sweep, valid_costs, variations
from bpstudio.core.explain.health import gradient_norms, saturation, update_ratios

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3))
Y_REG = RNG.normal(size=(12, 2))
Y_CLS = np.eye(3)[RNG.integers(0, 3, 12)]


@pytest.mark.parametrize("activations,cost,Y", [
    (["tanh", "relu", "sigmoid"], "mse", Y_REG[:, :1] > 0),
    (["sigmoid", "leaky_relu", "linear"], "sse", Y_REG),
    (["tanh", "tanh", "sigmoid"], "bce", (Y_REG > 0).astype(float)),
    (["relu", "sigmoid", "softmax"], "cross_entropy", Y_CLS),
])
def test_chain_rule_product_equals_the_gradient_entry(activations, cost, Y):
    Y = np.asarray(Y, float)
    net = Network([3, 4, 5, Y.shape[1]], activations, seed=1)
    x, y = X[2], Y[2]
    grad_w, _ = net.gradients(x[None], y[None], cost)   # one sample: the mean is the sample
    for layer in range(3):
        for j, k in [(0, 0), (net.sizes[layer + 1] - 1, net.sizes[layer] - 1)]:
            c = chain_rule(net, x, y, cost, layer, j, k)
            assert c.product == pytest.approx(grad_w[layer][j, k], rel=1e-10, abs=1e-14)
            assert c.a_k == pytest.approx(net.forward(x).a[layer][0, k])
            if not np.isnan(c.dC_da):
                assert c.dC_da * c.da_dz == pytest.approx(c.delta, rel=1e-9, abs=1e-14)
            if layer < 2:  # hidden: ∂C/∂aⱼ is the sum of what flows back from the next layer
                assert len(c.backflow) == net.sizes[layer + 2]
                assert sum(w * d for _, w, d in c.backflow) == pytest.approx(c.dC_da, rel=1e-12)


def test_health_numbers():
    net = Network([3, 6, 2], ["relu", "linear"], seed=0)
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="full", epochs=1))
    before = net.copy()
    trainer.fit(X, Y_REG)
    grad_w, grad_b = before.gradients(X, Y_REG, "mse")  # one full batch: the gradient at the start
    for got, want in zip(sum(net.layer_views(trainer.last_gradient), []), grad_w + grad_b):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    before = before.params
    norms = gradient_norms(net, trainer.last_gradient)
    grad_w, _ = net.layer_views(trainer.last_gradient)
    np.testing.assert_allclose(norms, [np.sqrt((g ** 2).sum()) for g in grad_w])
    step = before - net.params
    np.testing.assert_allclose(trainer.last_update, step, rtol=1e-12, atol=1e-15)
    W_now = net.weights
    expected = [np.linalg.norm(d) / np.linalg.norm(W) for d, W in zip(net.layer_views(step)[0], W_now)]
    np.testing.assert_allclose(update_ratios(net, trainer.last_update), expected, rtol=1e-9)


def test_saturation_flags_dead_relus_and_saturated_sigmoids():
    net = Network([3, 3, 2], ["relu", "sigmoid"], seed=0)
    net.biases[0][:] = [-100.0, 100.0, 0.0]  # unit 0 always off (dead), unit 1 always on
    net.weights[0][:] = 0.0
    net.weights[0][2] = [1.0, 0.0, 0.0]      # unit 2 on for about half the samples
    net.biases[1][:] = [50.0, 0.0]            # output 0 saturated at 1
    net.weights[1][:] = 0.0
    shares = saturation(net, X)
    assert shares[0][0] == 1.0 and shares[0][1] == 0.0
    assert shares[0][2] == pytest.approx(np.mean(X[:, 0] <= 0))
    assert shares[1].tolist() == [1.0, 0.0]
    linear = saturation(Network([3, 2], ["linear"]), X)
    assert np.isnan(linear[0]).all()


def test_compare_starts_every_run_from_the_same_weights_and_order():
    net = Network([3, 5, 2], ["tanh", "linear"], seed=2)
    base = TrainConfig(learning_rate=0.05, epochs=5, batch_size=4)
    runs = compare(net, variations(base, "batch_mode", ["stochastic", "mini-batch", "full"]), X, Y_REG, X, Y_REG)
    assert [r.name for r in runs] == ["batch_mode=stochastic", "batch_mode=mini-batch", "batch_mode=full"]
    assert all(len(r.history) == 5 for r in runs)
    # The mini-batch run equals a fresh trainer on a copy of the untouched network.
    again = net.copy()
    Trainer(again, runs[1].config).fit(X, Y_REG, X, Y_REG)
    np.testing.assert_array_equal(again.params, runs[1].params)
    assert differences(runs[2].config, base) == "batch_mode=full"
    assert runs[0].final_cost == runs[0].history.val_cost[-1]


def test_lr_sweep_gives_one_point_per_rate_and_marks_divergence():
    net = Network([3, 5, 2], ["relu", "linear"], seed=2)
    points = lr_sweep(net, TrainConfig(batch_mode="full"), X * 5, Y_REG, rates=(1e-3, 1e-2, 1e4), epochs=30)
    assert [rate for rate, _ in points] == [1e-3, 1e-2, 1e4]
    assert points[2][1] == np.inf
    assert np.isfinite(points[0][1]) and np.isfinite(points[1][1])


def test_valid_costs():
    assert valid_costs("softmax") == ["cross_entropy"]
    assert valid_costs("sigmoid") == ["sse", "half_sse", "mse", "half_mse", "bce"]
    assert valid_costs("linear") == ["sse", "half_sse", "mse", "half_mse"]
