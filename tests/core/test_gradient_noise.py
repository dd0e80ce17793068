"""Gradient noise and the per-update log: the numbers behind "stochastic descent is noisy"."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.explain import noise
from bpstudio.core.explain.updates import Recorder, UpdateLog


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    return Network([3, 6, 4, 1], ["tanh", "relu", "sigmoid"], seed=1), X, Y


def test_batch_gradients_match_backprop_on_each_batch(problem):
    net, X, Y = problem
    batches = np.array([[4, 9, 250], [0, 1, 2], [299, 17, 4]])
    G = noise.batch_gradients(net, X, Y, "bce", batches)
    for rows, g in zip(batches, G):
        grad_w, grad_b = net.gradients(X[rows], Y[rows], "bce")
        weights, biases = net.layer_views(g)
        for mine, reference in zip((*weights, *biases), (*grad_w, *grad_b)):
            np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-15)


def test_full_gradient_matches_finite_differences(problem):
    net, X, Y = problem
    g = noise.full_gradient(net, X, Y, "bce")
    eps = 1e-6
    for index in (0, 7, net.n_weights - 1, net.n_parameters - 1):
        saved = net.params[index]
        net.params[index] = saved + eps
        up = net.cost(X, Y, "bce")
        net.params[index] = saved - eps
        down = net.cost(X, Y, "bce")
        net.params[index] = saved
        assert g[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)


def test_full_batch_points_exactly_along_the_full_gradient(problem):
    net, X, Y = problem
    m = noise.gradient_noise(net, X, Y, "bce", batch_size=len(X), rng=np.random.default_rng(0))
    assert m.batches == 1
    assert m.cosine == pytest.approx(1.0, abs=1e-12)
    assert m.norm_spread == 0.0


def test_smaller_batches_are_noisier(problem):
    net, X, Y = problem
    measure = {b: noise.gradient_noise(net, X, Y, "bce", b, rng=np.random.default_rng(3)) for b in (1, 16, 128)}
    assert measure[1].cosine < measure[16].cosine < measure[128].cosine < 1
    assert measure[1].norm_spread > measure[16].norm_spread > measure[128].norm_spread > 0


def test_batches_hold_distinct_samples():
    batches = noise.draw_batches(50, 10, np.random.default_rng(0))
    assert batches.shape == (noise.BATCHES[1], 10)
    assert all(len(set(row)) == 10 for row in batches.tolist())
    assert batches.min() >= 0 and batches.max() < 50


def test_log_records_every_step_with_the_trainers_numbers(problem):
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=32, epochs=5,
                                       cost="bce", optimizer="sgd"))
    log = UpdateLog(net.n_layers)
    recorder = Recorder(log, (X[:64], Y[:64]), (X, Y))
    for _ in range(4):
        before = net.params.copy()
        trainer.step(X, Y)
        assert recorder.after_update(trainer, every=True)
        step = before - net.params
    assert not recorder.after_update(trainer, every=True)   # no new update: no new row
    rows = log.rows()
    np.testing.assert_array_equal(rows["updates"], [1, 2, 3, 4])
    np.testing.assert_array_equal(rows["samples"], [32, 64, 96, 128])
    assert rows["cost"][-1] == pytest.approx(net.cost(X[:64], Y[:64], "bce"))
    dW, _ = net.layer_views(step)
    assert rows["update_ratio"][-1, 0] == pytest.approx(np.linalg.norm(dW[0]) / np.linalg.norm(net.weights[0]))
    assert rows["grad_norm"].shape == (4, net.n_layers)
    assert np.isfinite(rows["cosine"]).all() and (rows["cosine"] < 1).all()
    assert len(log.rows(3)["updates"]) == 1


def test_recorder_keeps_to_its_budget_at_full_speed(problem):
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="full", epochs=10_000, cost="bce",
                                       optimizer="sgd"))
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y), budget=0.0)
    trainer.step(X, Y)
    assert recorder.after_update(trainer)        # the first row's one-off costs are not counted
    trainer.step(X, Y)
    assert recorder.after_update(trainer)        # nothing spent yet
    trainer.step(X, Y)
    assert not recorder.after_update(trainer)    # a zero budget is used up by the second row
    assert recorder.after_update(trainer, every=True)   # slowed down or stepped: every update, always
    assert len(recorder.log) == 3


def test_paced_recording_spaces_noise_measurements(problem):
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=16, epochs=5,
                                       cost="bce", optimizer="sgd"))
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    for _ in range(3):
        trainer.step(X, Y)
        recorder.after_update(trainer, every=True, noise_gap=3600.0)   # an hour: only the first gets noise
    cosine = recorder.log.rows()["cosine"]
    assert len(cosine) == 3 and np.isfinite(cosine[0]) and np.isnan(cosine[1:]).all()
