"""Gradient noise and the per-update log: the numbers behind "stochastic descent is noisy"."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.loading import load_dataset
from bpstudio.core.explain import noise, updates
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
        assert recorder.after_update(trainer)
        step = before - net.params
    assert not recorder.after_update(trainer)   # no new update: no new row
    rows = log.rows()
    np.testing.assert_array_equal(rows["updates"], [1, 2, 3, 4])
    np.testing.assert_array_equal(rows["samples"], [32, 64, 96, 128])
    assert rows["cost"][-1] == pytest.approx(net.cost(X[:64], Y[:64], "bce"))
    dW, _ = net.layer_views(step)
    assert rows["update_ratio"][-1, 0] == pytest.approx(np.linalg.norm(dW[0]) / np.linalg.norm(net.weights[0]))
    grad_w, _ = net.layer_views(trainer.last_gradient)
    np.testing.assert_allclose(rows["grad_norm"][-1], [np.linalg.norm(g) for g in grad_w], rtol=1e-12)
    assert rows["grad_norm"].shape == (4, net.n_layers)
    assert np.isfinite(rows["cosine"]).all() and (rows["cosine"] < 1).all()
    assert len(log.rows(3)["updates"]) == 1


def _fit_recorded(problem, config):
    net, X, Y = problem
    trainer = Trainer(net, config)
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    recorder.sync(0.0)
    trainer.fit(X, Y, on_progress=lambda progress: recorder.on_progress(trainer, progress),
                on_update=lambda: recorder.after_batch(trainer))
    return trainer, recorder.log.rows()


def test_a_3000_update_xor_run_at_full_speed_gets_a_row_for_every_update():
    """By count, not by the clock: the same rows on a fast or a slow machine (full batch: an update an epoch)."""
    data = prepare(load_dataset("xor", n_samples=200, seed=0))
    net = Network([2, 4, 2], ["tanh", "softmax"], seed=0)
    trainer, rows = _fit_recorded((net, data.X_train, data.Y_train),
                                  TrainConfig(learning_rate=0.3, batch_mode="full", epochs=3000,
                                              cost="cross_entropy", optimizer="sgd"))
    n_train = len(data.X_train)
    np.testing.assert_array_equal(rows["updates"], np.arange(1, 3001))
    np.testing.assert_array_equal(rows["samples"], n_train * np.arange(1, 3001))
    assert rows["seconds"][0] > 0 and np.all(np.diff(rows["seconds"]) >= 0)
    every = updates.noise_every(n_train, n_train)
    np.testing.assert_array_equal(np.flatnonzero(np.isfinite(rows["cosine"])) + 1, np.arange(every, 3001, every))
    assert rows["grad_norm"].shape == (3000, 2) and np.isfinite(rows["update_ratio"]).all()


def test_a_mini_batch_run_gets_its_first_updates_every_sth_and_every_epochs_end(problem):
    trainer, rows = _fit_recorded(problem, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=10,
                                                       epochs=100, cost="bce", optimizer="sgd"))
    assert trainer.updates == 3000
    s = updates.update_stride(10, problem[0].n_weights)
    assert s == 16   # 46 weights: a row would cost a large share of an update
    expected = sorted({*range(1, updates.EVERY_UPDATE + 1), *range(s, 3001, s), *range(30, 3001, 30)})
    np.testing.assert_array_equal(rows["updates"], expected)   # 30 updates an epoch
    np.testing.assert_array_equal(rows["samples"], 10 * np.array(expected))
    assert np.isnan(rows["cost"]).all()                     # full speed: the epoch history has the cost
    assert rows["seconds"][0] > 0 and np.all(np.diff(rows["seconds"]) >= 0)
    every = updates.noise_every(300, 10)
    assert every > 100 and np.isnan(rows["cosine"]).all()   # gradient noise costs 5 epochs here: every 700th


def test_the_grids_thin_out_as_a_run_goes_on(problem, monkeypatch):
    for name, value in (("EVERY_UPDATE", 20), ("ROW_WORK", 5 * (30 * 46 + updates.UPDATE_OVERHEAD)),
                        ("ROWS_PER_LEVEL", 4), ("EVERY_EPOCH", 4)):
        monkeypatch.setattr(updates, name, value)
    trainer, rows = _fit_recorded(problem, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=30,
                                                       epochs=20, cost="bce", optimizer="sgd"))
    # updates: 1 … 20, then every 5th below 2·4·5 = 40, every 10th below 80, every 20th below 160, every 40th
    grid = [*range(1, 21), 25, 30, 35, 40, 50, 60, 70, 80, 100, 120, 140, 160, 200]
    # epochs (10 updates each): every end below 2·4, every 2nd below 16, every 4th
    ends = [10 * e for e in (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20)]
    np.testing.assert_array_equal(rows["updates"], sorted({*grid, *ends}))


def test_paced_recording_spaces_noise_measurements(problem):
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=16, epochs=5,
                                       cost="bce", optimizer="sgd"))
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    for _ in range(3):
        trainer.step(X, Y)
        recorder.after_update(trainer, noise_gap=3600.0)   # an hour: only the first gets noise
    cosine = recorder.log.rows()["cosine"]
    assert len(cosine) == 3 and np.isfinite(cosine[0]) and np.isnan(cosine[1:]).all()
