"""The Network object and TrainConfig: API, validation, messages."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig


def test_shapes_follow_pytorch_linear():
    net = Network([2, 8, 1], activations=["tanh", "sigmoid"], seed=0)
    assert [W.shape for W in net.weights] == [(8, 2), (1, 8)]
    assert [b.shape for b in net.biases] == [(8,), (1,)]
    X = np.random.default_rng(0).normal(size=(5, 2))
    expected = 1 / (1 + np.exp(-(np.tanh(X @ net.weights[0].T + net.biases[0]) @ net.weights[1].T + net.biases[1])))
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12)
    trace = net.forward(X)
    assert len(trace.z) == 2 and len(trace.a) == 3
    np.testing.assert_array_equal(trace.a[0], X)
    np.testing.assert_allclose(trace.a[1], np.tanh(trace.z[0]))


def test_weights_are_views_into_params():
    net = Network([2, 3, 1])
    net.weights[0][1, 0] = 42.0
    assert 42.0 in net.params
    assert net.n_parameters == net.params.size == 2 * 3 + 3 + 3 + 1
    with pytest.raises(TypeError):
        net.weights[0] = np.zeros((3, 2))


def test_weights_are_stored_column_by_column():
    """Wᵀ contiguous makes a @ Wᵀ and δᵀ a untransposed GEMMs (the medium benchmark depends on it)."""
    net = Network([2, 3, 1])
    assert all(W.T.flags.c_contiguous for W in net.weights)
    net.weights[0][...] = np.arange(6).reshape(3, 2)
    np.testing.assert_array_equal(net.params[:6], [0, 2, 4, 1, 3, 5])


def test_repr_is_readable():
    assert repr(Network([2, 8, 1], ["tanh", "sigmoid"])) == "Network(2 → 8 tanh → 1 sigmoid, 33 parameters)"


def test_predict_large_input_in_chunks():
    net = Network([3, 4, 2], ["relu", "linear"], seed=0)
    X = np.random.default_rng(0).normal(size=(10_000, 3))
    out = net.predict(X)
    np.testing.assert_allclose(out[-5:], net.predict(X[-5:]), rtol=1e-12)
    assert out.shape == (10_000, 2)


@pytest.mark.parametrize("init", ["auto", "xavier", "he", "normal"])
def test_init_is_deterministic(init):
    a = Network([4, 16, 3], ["relu", "sigmoid"], init=init, seed=5)
    b = Network([4, 16, 3], ["relu", "sigmoid"], init=init, seed=5)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, Network([4, 16, 3], ["relu", "sigmoid"], init=init, seed=6).params)


def test_auto_init_uses_he_for_relu_and_xavier_for_tanh():
    wide = Network([400, 400, 1], ["relu", "linear"], init="auto", seed=0)
    assert wide.weights[0].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    wide = Network([400, 400, 1], ["tanh", "linear"], init="auto", seed=0)
    assert wide.weights[0].std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)  # uniform ±√(6/800)
    assert np.all(wide.biases[0] == 0)


def test_float32_and_float64_start_from_the_same_weights():
    a = Network([3, 5, 2], dtype="float32", seed=1)
    b = Network([3, 5, 2], dtype="float64", seed=1)
    assert a.params.dtype == np.float32 and b.params.dtype == np.float64
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    (dict(sizes=[2, 3, 1], activations=["tanh", "swish"]), "unknown activation 'swish'; valid activations: sigmoid, tanh, relu"),
    (dict(sizes=[2, 3, 1], activations=["tanh"]), "one name per weight layer: expected 2, got 1"),
    (dict(sizes=[2, 3, 1], activations=["softmax", "sigmoid"]), "softmax can only be the output"),
    (dict(sizes=[2]), "at least an input and an output"),
    (dict(sizes=[2, 0, 1]), "at least an input and an output layer, each ≥ 1"),
    (dict(sizes=[2, 1], dtype="float16"), "valid dtypes: float64, float32"),
    (dict(sizes=[2, 1], init="zeros"), "valid inits: auto, xavier, he, normal"),
])
def test_network_errors_say_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


@pytest.mark.parametrize("output,cost,message", [
    ("linear", "cross_entropy", "needs a softmax output"),
    ("tanh", "bce", "needs a sigmoid output"),
    ("softmax", "mse", "softmax output layer needs the 'cross_entropy' cost"),
    ("sigmoid", "hinge", "unknown cost 'hinge'; valid costs: sse, half_sse, mse, half_mse, bce, cross_entropy"),
])
def test_invalid_cost_pairs_are_explained(output, cost, message):
    net = Network([2, 3], [output])
    with pytest.raises(ValueError, match=message):
        net.cost(np.zeros((1, 2)), np.zeros((1, 3)), cost)


def test_set_parameters_names_the_mismatching_layer():
    net = Network([2, 3, 1])
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"layer 2 weights: expected shape \(1, 3\), got \(1, 4\)"):
        net.set_parameters([np.zeros((3, 2)), np.zeros((1, 4))], [np.zeros(3), np.zeros(1)])
    np.testing.assert_array_equal(net.params, before)  # nothing half-copied


@pytest.mark.parametrize("kwargs,message", [
    (dict(learning_rate=0), "learning_rate must be > 0"),
    (dict(learning_rate=float("nan")), "learning_rate must be a finite number"),
    (dict(learning_rate=-0.1), "learning_rate must be > 0"),
    (dict(batch_mode="online"), "batch_mode: 'online' is not one of stochastic, mini-batch, full"),
    (dict(batch_size=0), "batch_size must be a whole number ≥ 1"),
    (dict(epochs=0), "epochs must be a whole number ≥ 1"),
    (dict(optimizer="lbfgs"), "optimizer: 'lbfgs' is not one of sgd, momentum, nesterov, rmsprop, adam"),
    (dict(cost="l1"), "cost: 'l1' is not one of"),
    (dict(l2=-1), "l2 must be ≥ 0"),
    (dict(momentum=1.0), "momentum must be < 1"),
    (dict(betas=(0.9,)), "betas must be a pair"),
    (dict(patience=0), "patience must be a whole number ≥ 1"),
    (dict(lr_decay=0), "lr_decay must be > 0"),
])
def test_train_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_train_config_round_trip():
    config = TrainConfig(learning_rate=0.03, optimizer="adam", betas=[0.8, 0.99], patience=4)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown training settings: colour"):
        TrainConfig.from_dict({"colour": 1})


def test_batch_size_for_each_mode():
    assert TrainConfig(batch_mode="stochastic").batch_size_for(100) == 1
    assert TrainConfig(batch_mode="mini-batch", batch_size=32).batch_size_for(100) == 32
    assert TrainConfig(batch_mode="mini-batch", batch_size=32).batch_size_for(10) == 10
    assert TrainConfig(batch_mode="full").batch_size_for(100) == 100
