"""The training loop: batch modes, learning XOR, pause/resume, divergence, early stopping, dtypes."""

import threading
import warnings

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([[0], [1], [1], [0]], float)


@pytest.mark.parametrize("mode", ["stochastic", "mini-batch", "full"])
def test_xor_is_learned_in_every_batch_mode(mode):
    net = Network([2, 8, 1], ["tanh", "sigmoid"], seed=0)
    config = TrainConfig(learning_rate=0.5, batch_mode=mode, batch_size=2, epochs=3000, cost="mse")
    history = Trainer(net, config).fit(XOR_X, XOR_Y)
    assert history.stop_reason == "completed"
    assert net.cost(XOR_X, XOR_Y, "mse") < 0.01
    assert history.train_cost[-1] < history.train_cost[0] / 10
    assert history.train_accuracy[-1] == 1.0
    assert np.array_equal(net.predict(XOR_X) > 0.5, XOR_Y > 0.5)


def _manual_sgd(net, X, Y, lr, batches, cost="mse"):
    for batch in batches:
        grad_w, grad_b = net.gradients(X[batch], Y[batch], cost)
        for W, b, gw, gb in zip(net.weights, net.biases, grad_w, grad_b):
            W -= lr * gw
            b -= lr * gb


@pytest.mark.parametrize("mode,batches", [
    ("stochastic", [[0], [1], [2], [3], [4]]),
    ("mini-batch", [[0, 1], [2, 3], [4]]),  # last partial batch averaged over its own size
    ("full", [[0, 1, 2, 3, 4]]),
])
def test_batch_modes_update_as_the_seeds_describe(mode, batches):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.random((5, 2))
    net = Network([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    expected = net.copy()
    config = TrainConfig(learning_rate=0.3, batch_mode=mode, batch_size=2, epochs=1, shuffle=False)
    trainer = Trainer(net, config)
    trainer.fit(X, Y)
    _manual_sgd(expected, X, Y, 0.3, batches)
    np.testing.assert_allclose(net.params, expected.params, rtol=1e-12)
    assert trainer.updates == len(batches)
    assert trainer.samples_seen == 5


def test_shuffle_visits_every_sample_once_per_epoch_in_a_seeded_order():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 2)), rng.random((6, 1))
    net = Network([2, 3, 1], seed=0)
    trainer = Trainer(net, TrainConfig(batch_mode="stochastic", epochs=1, seed=5))
    trainer.fit(X, Y)
    order = np.random.default_rng(5).permutation(6)
    expected = Network([2, 3, 1], seed=0)
    _manual_sgd(expected, X, Y, 0.1, [[i] for i in order])
    np.testing.assert_allclose(net.params, expected.params, rtol=1e-12)


def test_same_seed_same_result_and_different_seed_differs():
    def run(seed, shuffle_seed=0):
        net = Network([2, 6, 1], seed=seed)
        Trainer(net, TrainConfig(batch_mode="mini-batch", batch_size=2, epochs=20, seed=shuffle_seed)).fit(XOR_X, XOR_Y)
        return net.params
    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))
    assert not np.array_equal(run(1, 0), run(1, 1))


def test_reset_gives_the_same_initial_weights():
    net = Network([2, 5, 1], seed=7)
    initial = net.params.copy()
    Trainer(net, TrainConfig(epochs=5)).fit(XOR_X, XOR_Y)
    assert not np.array_equal(net.params, initial)
    net.reset()
    np.testing.assert_array_equal(net.params, initial)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_float32_stays_float32(optimizer):
    net = Network([2, 8, 3], ["relu", "softmax"], dtype="float32", seed=0)
    Y = np.eye(3)[[0, 1, 2, 1]]
    trainer = Trainer(net, TrainConfig(optimizer=optimizer, learning_rate=0.01, epochs=3, cost="cross_entropy",
                                       batch_mode="mini-batch", batch_size=3, l2=1e-3))
    trainer.fit(XOR_X, Y, XOR_X, Y)
    arrays = [net.params, trainer.data.ws.grad, *trainer.data.ws.z, *trainer.data.ws.a, *trainer.data.ws.delta,
              trainer.optimizer._scratch, *(getattr(trainer.optimizer, b) for b in trainer.optimizer.buffer_names)]
    assert {a.dtype for a in arrays} == {np.dtype("float32")}
    assert net.predict(XOR_X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(XOR_X, Y, "cross_entropy")[0])


def test_float32_and_float64_agree():
    results = []
    for dtype in ("float32", "float64"):
        net = Network([2, 8, 1], ["tanh", "sigmoid"], dtype=dtype, seed=0)
        Trainer(net, TrainConfig(learning_rate=0.5, batch_mode="full", epochs=200)).fit(XOR_X, XOR_Y)
        results.append(net.params.astype(np.float64))
    np.testing.assert_allclose(results[0], results[1], atol=1e-4)


def _stop_after(n_batches):
    """An Event that becomes set after ``n_batches`` checks (i.e. before batch n_batches + 1)."""
    class CountingEvent:
        def __init__(self):
            self.calls = 0
        def is_set(self):
            self.calls += 1
            return self.calls > n_batches
    return CountingEvent()


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam"])
def test_stopping_and_resuming_equals_an_uninterrupted_run(optimizer):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10, 2)), rng.random((10, 1))
    config = TrainConfig(optimizer=optimizer, learning_rate=0.05, batch_mode="mini-batch", batch_size=3, epochs=4)
    straight = Network([2, 4, 1], seed=3)
    h1 = Trainer(straight, config).fit(X, Y, X, Y)
    paused = Network([2, 4, 1], seed=3)
    trainer = Trainer(paused, config)
    assert trainer.fit(X, Y, X, Y, stop=_stop_after(5)).stop_reason == "stopped"
    assert trainer.epoch == 1 and trainer.updates == 5
    trainer.step(X, Y, X, Y)
    h2 = trainer.fit(X, Y, X, Y)
    np.testing.assert_array_equal(paused.params, straight.params)
    np.testing.assert_array_equal(h1.train_cost, h2.train_cost)
    np.testing.assert_array_equal(h1.val_cost, h2.val_cost)


@pytest.mark.parametrize("pause_after", [4, 8])  # exactly at the end of epoch 1 and of epoch 2
def test_a_pause_at_an_epoch_boundary_does_not_reshuffle(pause_after):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 2)), rng.random((8, 1))
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=2, epochs=4)
    straight = Network([2, 4, 1], seed=3)
    Trainer(straight, config).fit(X, Y)
    paused = Network([2, 4, 1], seed=3)
    trainer = Trainer(paused, config)
    trainer.fit(X, Y, stop=_stop_after(pause_after))
    assert trainer.updates == pause_after and trainer.position.done == 0
    state = trainer.state_dict()
    trainer.fit(X, Y)
    np.testing.assert_array_equal(paused.params, straight.params)
    # The same from a saved state taken at the boundary.
    resumed_net = Network([2, 4, 1], seed=3)
    resumed_net.params[...] = Network([2, 4, 1], seed=3).params
    replay = Trainer(resumed_net, config)
    replay.fit(X, Y, stop=_stop_after(pause_after))
    again = Trainer(resumed_net, config)
    again.load_state_dict(state)
    again.fit(X.copy(), Y.copy())
    np.testing.assert_array_equal(resumed_net.params, straight.params)


def test_state_dict_round_trip_resumes_identically():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(9, 2)), rng.random((9, 1))
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="mini-batch", batch_size=4, epochs=6)
    straight = Network([2, 5, 1], seed=1)
    Trainer(straight, config).fit(X, Y)

    first = Network([2, 5, 1], seed=1)
    trainer = Trainer(first, config)
    trainer.fit(X, Y, stop=_stop_after(7))   # stops mid-epoch
    state, params = trainer.state_dict(), first.params.copy()

    second = Network([2, 5, 1], seed=99)
    second.params[...] = params
    resumed = Trainer(second, config)
    resumed.load_state_dict(state)
    history = resumed.fit(X.copy(), Y.copy())
    np.testing.assert_array_equal(second.params, straight.params)
    assert len(history) == 6


def test_a_stop_event_set_before_start_trains_nothing():
    net = Network([2, 3, 1], seed=0)
    before = net.params.copy()
    stop = threading.Event()
    stop.set()
    history = Trainer(net, TrainConfig(epochs=5)).fit(XOR_X, XOR_Y, stop=stop)
    assert history.stop_reason == "stopped"
    np.testing.assert_array_equal(net.params, before)


def test_divergence_is_detected_and_weights_stay_finite():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * 10
    Y = X @ np.array([[1.0], [2.0], [3.0]])
    net = Network([3, 8, 1], ["relu", "linear"], seed=0)
    history = Trainer(net, TrainConfig(learning_rate=100.0, batch_mode="full", epochs=500)).fit(X, Y)
    assert history.diverged
    assert "learning rate is probably too high" in history.stop_reason
    assert np.isfinite(net.params).all()
    assert all(np.isfinite(history.train_cost))


def test_divergence_inside_a_long_epoch_is_caught(monkeypatch):
    from bpstudio.core.train import trainer as training
    monkeypatch.setattr(training, "REPORT_INTERVAL", 0.0)  # check after every batch
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2)) * 100
    Y = X.sum(axis=1, keepdims=True)
    net = Network([2, 4, 1], ["linear", "linear"], seed=0)
    history = Trainer(net, TrainConfig(learning_rate=50.0, batch_mode="stochastic", epochs=3)).fit(X, Y)
    assert history.diverged and "epoch 1" in history.stop_reason
    assert np.isfinite(net.params).all()


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 2)), rng.random((20, 1))
    X_val, Y_val = rng.normal(size=(20, 2)), rng.random((20, 1))  # unrelated: validation soon worsens
    net = Network([2, 16, 1], ["tanh", "linear"], seed=0)
    history = Trainer(net, TrainConfig(learning_rate=0.05, optimizer="adam", epochs=2000, patience=5)).fit(X, Y, X_val, Y_val)
    assert history.stop_reason.startswith("early stopping")
    best = int(np.argmin(history.val_cost))
    assert len(history) == best + 1 + 5
    assert net.cost(X_val, Y_val, "mse") == pytest.approx(history.val_cost[best], rel=1e-9)


def test_learning_rate_decay():
    trainer = Trainer(Network([2, 2, 1]), TrainConfig(learning_rate=1.0, lr_decay=0.5, epochs=3))
    trainer.fit(XOR_X, XOR_Y)
    assert trainer.optimizer.lr == pytest.approx(0.125)


def test_history_has_a_row_per_epoch():
    net = Network([2, 4, 1], seed=0)
    reports = []
    history = Trainer(net, TrainConfig(epochs=7)).fit(XOR_X, XOR_Y, XOR_X, XOR_Y, on_progress=reports.append)
    for values in (history.epoch, history.train_cost, history.val_cost, history.train_accuracy,
                   history.val_accuracy, history.time, history.samples_per_s):
        assert len(values) == 7
    assert list(history.epoch) == list(range(1, 8))
    assert np.all(np.diff(history.time) >= 0)
    assert [r.epoch for r in reports if r.epoch_ended] == list(range(1, 8))
    # Full-batch training cost is the exact cost before that epoch's update.
    net2 = Network([2, 4, 1], seed=0)
    assert Trainer(net2, TrainConfig(batch_mode="full", epochs=1)).fit(XOR_X, XOR_Y).train_cost[0] == \
        pytest.approx(Network([2, 4, 1], seed=0).cost(XOR_X, XOR_Y, "mse"), rel=1e-12)


def test_regression_has_no_accuracy():
    net = Network([2, 3, 1], ["tanh", "linear"])
    history = Trainer(net, TrainConfig(epochs=2)).fit(XOR_X, XOR_Y * 3.5)
    assert np.isnan(history.train_accuracy).all()


def test_bad_training_data_is_refused_clearly():
    trainer = Trainer(Network([2, 3, 1]), TrainConfig(epochs=1))
    X = XOR_X.copy()
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="training inputs contain NaN.*row 3"):
        trainer.fit(X, XOR_Y)
    with pytest.raises(ValueError, match=r"inputs must have shape \(N, 2\)"):
        trainer.fit(np.ones((4, 3)), XOR_Y)
    with pytest.raises(ValueError, match=r"targets must have shape \(4, 1\)"):
        trainer.fit(XOR_X, np.ones((3, 1)))
    with pytest.raises(ValueError, match="patience.*validation"):
        Trainer(Network([2, 3, 1]), TrainConfig(patience=3)).fit(XOR_X, XOR_Y)


def test_a_history_copy_does_not_follow_the_run():
    net = Network([2, 3, 1], seed=0)
    trainer = Trainer(net, TrainConfig(epochs=6))
    trainer.fit(XOR_X, XOR_Y, stop=_stop_after(3))
    kept = trainer.history.copy()
    assert list(kept.epoch) == [1, 2, 3] and kept.stop_reason == "stopped"
    trainer.fit(XOR_X, XOR_Y)
    assert len(trainer.history) == 6 and len(kept) == 3
    assert list(kept.train_cost) == list(trainer.history.train_cost[:3])


def test_run_states_are_their_names():
    from bpstudio.core import RunState

    assert [str(s) for s in RunState] == ["idle", "training", "paused", "stopping"]
    assert RunState("paused") is RunState.PAUSED and RunState.TRAINING == "training"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("cost", ["mse", "bce"])
def test_a_run_that_saturates_its_sigmoids_warns_nothing(optimizer, cost):
    """exp(−z) overflowing to inf gives σ = 0, the right limit: a Python user must not get a NumPy
    RuntimeWarning for it from training or from the network's own calls (the app and CLI hide
    warnings anyway; the API has no such filter). Silenced at those calls, not in the hot path."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float) * 1e3
    Y = np.array([[0], [1], [1], [0]], float)
    net = Network([2, 8, 1], activations=["sigmoid", "sigmoid"], seed=0)
    config = TrainConfig(learning_rate=1e6, batch_mode="full", epochs=50, cost=cost, optimizer=optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = Trainer(net, config).fit(X, Y)
        outputs, trace = net.predict(X), net.forward(X)
        net.cost(X, Y, cost), net.gradients(X, Y, cost)
    assert np.isfinite(history.train_cost[-1]) and np.all(np.isin(outputs, [0.0, 1.0]))
    assert np.array_equal(trace.a[-1], outputs)


@pytest.mark.parametrize("sizes, output", [([4, 6, 3], "softmax"), ([4, 6, 1], "sigmoid")])
def test_an_epochs_accuracy_and_cost_are_of_the_samples_as_the_network_saw_them(sizes, output):
    """Mini-batches in a shuffled order: each sample is scored by the network before its batch's
    update, in the order the epoch drew (the class labels are worked out once, the order each epoch)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 4))
    labels = rng.integers(0, sizes[-1] if output == "softmax" else 2, 40)
    Y = np.eye(3)[labels] if output == "softmax" else labels[:, None].astype(float)
    cost = "cross_entropy" if output == "softmax" else "bce"
    net, reference = (Network(sizes, ["tanh", output], seed=2) for _ in range(2))
    history = Trainer(net, TrainConfig(learning_rate=0.5, batch_mode="mini-batch", batch_size=8, epochs=2,
                                       cost=cost, seed=3)).fit(X, Y)
    orders = np.random.default_rng(3)
    for epoch in range(2):
        order = orders.permutation(40)
        batches = [order[i:i + 8] for i in range(0, 40, 8)]
        seen = np.concatenate([_scored_then_trained(reference, X, Y, batch, cost) for batch in batches])
        want_classes = seen.argmax(axis=1) if output == "softmax" else (seen[:, 0] > 0.5)
        got_classes = labels[order]
        assert history.train_accuracy[epoch] == np.mean(want_classes == got_classes)
        assert history.train_cost[epoch] == pytest.approx(_mean_cost(seen, Y[order], cost), rel=1e-9)


def _scored_then_trained(net, X, Y, batch, cost):
    a = net.predict(X[batch])
    _manual_sgd(net, X, Y, 0.5, [batch], cost)
    return a


def _mean_cost(a, y, cost):
    if cost == "cross_entropy":
        return float(-(y * np.log(a)).sum(axis=1).mean())
    return float(-(y * np.log(a) + (1 - y) * np.log(1 - a)).mean())
