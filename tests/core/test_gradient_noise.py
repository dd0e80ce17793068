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


def test_a_3000_update_xor_run_at_full_speed_gets_its_first_updates_then_every_sth_by_count():
    """By count, not by the clock: the same rows on a fast or a slow machine (full batch: an update an epoch).
    Every update of the first EVERY_UPDATE, then every s-th: a row per update was ~12 % of training."""
    data = prepare(load_dataset("xor", n_samples=200, seed=0))
    net = Network([2, 4, 2], ["tanh", "softmax"], seed=0)
    trainer, rows = _fit_recorded((net, data.X_train, data.Y_train),
                                  TrainConfig(learning_rate=0.3, batch_mode="full", epochs=3000,
                                              cost="cross_entropy", optimizer="sgd"))
    n_train = len(data.X_train)
    plan = updates.make_plan(n_train, n_train, net)
    assert (plan.stride, plan.epoch_first, plan.noise_every) == (21, 21, 250)
    expected = sorted({*range(1, updates.EVERY_UPDATE + 1), *range(21, 3001, 21), *range(250, 3001, 250)})
    np.testing.assert_array_equal(rows["updates"], expected)
    assert len(expected) > 150   # a curve, not the ~5 points the 50 ms snapshots gave
    np.testing.assert_array_equal(rows["samples"], n_train * np.array(expected))
    assert rows["seconds"][0] > 0 and np.all(np.diff(rows["seconds"]) >= 0)
    noisy = np.isfinite(rows["cosine"])
    np.testing.assert_array_equal(rows["updates"][noisy], np.arange(250, 3001, 250))
    assert (rows["cosine"][noisy] == 1).all() and (rows["norm_spread"][noisy] == 0).all()   # full batch
    assert rows["grad_norm"].shape == (len(expected), 2) and np.isfinite(rows["update_ratio"]).all()


def test_full_batch_gradient_noise_is_known_without_measuring(problem, monkeypatch):
    """The one batch is the full batch: cosine 1, spread 0, and no full-gradient pass (≈ 5 epochs of work)."""
    net, X, Y = problem
    monkeypatch.setattr(noise, "gradient_noise", lambda *args, **kwargs: pytest.fail("measured full batch"))
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="full", epochs=3, cost="bce", optimizer="sgd"))
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    trainer.step(X, Y)
    recorder.after_update(trainer)
    rows = recorder.log.rows()
    assert (rows["cosine"][0], rows["norm_spread"][0]) == (1.0, 0.0)


def test_a_mini_batch_run_gets_its_first_updates_then_every_sth(problem):
    trainer, rows = _fit_recorded(problem, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=10,
                                                       epochs=100, cost="bce", optimizer="sgd"))
    assert trainer.updates == 3000
    plan = updates.make_plan(300, 10, problem[0])
    assert (plan.stride, plan.epoch_first) == (150, 5)   # 46 weights: a row costs more than an update
    expected = sorted({*range(1, updates.EVERY_UPDATE + 1), *range(150, 3001, 150)})
    np.testing.assert_array_equal(rows["updates"], expected)   # every 5th epoch's end is on the update grid
    np.testing.assert_array_equal(rows["samples"], 10 * np.array(expected))
    assert np.isnan(rows["cost"]).all()                     # full speed: the epoch history has the cost
    assert rows["seconds"][0] > 0 and np.all(np.diff(rows["seconds"]) >= 0)
    assert plan.noise_every > 100 and np.isnan(rows["cosine"]).all()   # noise costs 5 epochs here: every 784th


def test_the_grids_thin_out_and_epoch_ends_fill_epochs_without_a_row(problem, monkeypatch):
    for name, value in (("EVERY_UPDATE", 20), ("ROWS_PER_LEVEL", 4), ("EVERY_EPOCH", 4)):
        monkeypatch.setattr(updates, name, value)
    monkeypatch.setattr(updates, "update_stride", lambda *args: 25)
    trainer, rows = _fit_recorded(problem, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=30,
                                                       epochs=30, cost="bce", optimizer="sgd"))
    # updates: 1 … 20, then every 25th below 2·4·25 = 200, every 50th below 400
    grid = [*range(1, 21), *range(25, 201, 25), 250, 300]
    # epochs of 10 updates, e = ⌈25 / 10⌉ = 3: every 3rd end below 2·4·3 = 24, then every 6th; an end gets a
    # row only if the update grid left its epoch without one (epoch 6 = updates 51 … 60 has none, 3 has 25)
    ends = [60, 90, 120, 210, 240]
    np.testing.assert_array_equal(rows["updates"], sorted({*grid, *ends}))


def test_next_due_is_the_next_count_update_due_takes(monkeypatch):
    monkeypatch.setattr(updates, "ROWS_PER_LEVEL", 4)   # many levels in a short sweep
    for stride in (1, 3, 18):
        following = None
        for u in range(100 * stride, -1, -1):   # backwards: the next due count of u is known on the way
            if following is not None:
                assert updates.next_due(u, stride) == following, (stride, u)
            if updates.update_due(u, stride) and u:
                following = u


def test_fit_calls_on_update_only_for_the_counts_it_asks_for(problem):
    """One integer compare per batch: no Python call for the updates that get no row."""
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=10, epochs=2,
                                       cost="bce", optimizer="sgd"))
    calls = []

    def on_update():
        calls.append(trainer.updates)
        return trainer.updates + 7 if len(calls) < 5 else None   # None: every batch from then on

    trainer.fit(X, Y, on_update=on_update)
    assert calls == [1, 8, 15, 22, 29, *range(30, 61)]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_rows_hold_the_norms_of_the_trainers_gradient_and_step(problem, optimizer):
    """Plain SGD's norm of ∇ comes from its step η∇ (no ∇ formed); the others' from the gradient itself."""
    net, X, Y = problem
    trainer = Trainer(net, TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=16, epochs=2,
                                       cost="bce", optimizer=optimizer, lr_decay=0.5))
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    trainer.fit(X, Y)   # ends with an epoch's end: the learning rate decays after the last update
    assert recorder.after_update(trainer)
    grad_w, _ = net.layer_views(trainer.last_gradient)
    step_w, _ = net.layer_views(trainer.last_update)
    rows = recorder.log.rows()
    np.testing.assert_allclose(rows["grad_norm"][-1], [np.linalg.norm(g) for g in grad_w], rtol=1e-10)
    np.testing.assert_allclose(rows["update_ratio"][-1], [np.linalg.norm(d) / np.linalg.norm(w)
                                                          for d, w in zip(step_w, net.weights)], rtol=1e-10)


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
