"""The compiled per-sample path gives the NumPy path's numbers, for every activation, cost and optimizer.

The suite runs with ``BPSTUDIO_COMPILED=0`` (tests/conftest.py) so that every other test is on one
path; these tests switch the compiled path on (``wait``: built before the first batch).
"""

import sys

import numpy as np
import pytest

pytest.importorskip("numba")

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.explain import updates  # noqa: E402
from bpstudio.core.explain.updates import Recorder, UpdateLog  # noqa: E402
from bpstudio.core.nn.heads import check_pair  # noqa: E402
from bpstudio.core.train import compiled  # noqa: E402

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OUTPUTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
COSTS = ["sse", "half_sse", "mse", "half_mse", "bce", "cross_entropy"]
PAIRS = []
for _out in OUTPUTS:
    for _cost in COSTS:
        try:
            check_pair(_cost, _out)
        except ValueError:
            continue
        PAIRS.append((_out, _cost))
OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]


def _data(n_out, softmax, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if softmax:
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    else:
        Y = (rng.random((n, n_out)) > 0.5).astype(float)
    return X, Y


def _train(monkeypatch, mode, net, config, X, Y):
    monkeypatch.setenv("BPSTUDIO_COMPILED", mode)
    trainer = Trainer(net, config)
    history = trainer.fit(X, Y)
    return trainer, history


@pytest.mark.parametrize("output,cost", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_and_cost_pair_matches_the_numpy_path(monkeypatch, hidden, output, cost):
    X, Y = _data(2, output == "softmax")
    config = TrainConfig(learning_rate=0.05, batch_mode="stochastic", epochs=3, cost=cost, optimizer="sgd")
    fast = Network([3, 5, 4, 2], [hidden, hidden, output], seed=1)
    slow = fast.copy()
    trainer, fast_history = _train(monkeypatch, "wait", fast, config, X, Y)
    assert trainer._compiled is not None, "the run must have taken the compiled path"
    _, slow_history = _train(monkeypatch, "0", slow, config, X, Y)
    np.testing.assert_allclose(fast.params, slow.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast_history.train_cost, slow_history.train_cost, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 3])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_with_l2_and_decay_matches_the_numpy_path(monkeypatch, optimizer, batch_size):
    X, Y = _data(2, True, n=41)   # 41 samples: a partial last batch of 2 when batches hold 3
    config = TrainConfig(learning_rate=0.02, batch_mode="mini-batch", batch_size=batch_size, epochs=4,
                         cost="cross_entropy", optimizer=optimizer, l2=0.01, lr_decay=0.9)
    fast = Network([3, 6, 2], ["tanh", "softmax"], seed=2)
    slow = fast.copy()
    fast_trainer, _ = _train(monkeypatch, "wait", fast, config, X, Y)
    slow_trainer, _ = _train(monkeypatch, "0", slow, config, X, Y)
    np.testing.assert_allclose(fast.params, slow.params, rtol=1e-9, atol=1e-12)
    assert fast_trainer.optimizer.t == slow_trainer.optimizer.t == fast_trainer.updates
    for name in fast_trainer.optimizer.buffer_names:
        np.testing.assert_allclose(getattr(fast_trainer.optimizer, name), getattr(slow_trainer.optimizer, name),
                                   rtol=1e-9, atol=1e-12)
    # What the inspector and the Health view read after a run: the last batch's gradient and step.
    np.testing.assert_allclose(fast_trainer.last_gradient, slow_trainer.last_gradient, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast_trainer.last_update, slow_trainer.last_update, rtol=1e-9, atol=1e-12)


def test_float32_stays_float32_and_close(monkeypatch):
    X, Y = _data(1, False)
    config = TrainConfig(learning_rate=0.1, batch_mode="stochastic", epochs=5, cost="mse")
    fast = Network([3, 8, 8, 1], ["tanh", "tanh", "sigmoid"], seed=0, dtype="float32")
    slow = fast.copy()
    _train(monkeypatch, "wait", fast, config, X.astype(np.float32), Y.astype(np.float32))
    _train(monkeypatch, "0", slow, config, X.astype(np.float32), Y.astype(np.float32))
    assert fast.params.dtype == np.float32
    np.testing.assert_allclose(fast.params, slow.params, rtol=1e-4, atol=1e-5)


def test_stop_and_resume_continue_exactly(monkeypatch):
    """Stopping mid-epoch on the compiled path and fitting again equals one uninterrupted fit."""
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    X, Y = _data(1, False, n=5000)
    config = TrainConfig(learning_rate=0.05, batch_mode="stochastic", epochs=2, cost="mse")
    whole, parts = Network([3, 4, 1], seed=3), Network([3, 4, 1], seed=3)
    Trainer(whole, config).fit(X, Y)
    trainer = Trainer(parts, config)
    trainer.fit(X, Y, stop=_StopAfter(3))   # stops inside the first epoch, after three kernel calls
    assert trainer.history.stop_reason == "stopped" and 0 < trainer.samples_seen < 10000
    trainer.fit(X, Y)
    np.testing.assert_array_equal(parts.params, whole.params)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_where_a_run_is_cut_into_calls_changes_no_bit(monkeypatch, optimizer, dtype):
    """The app's Stop and the 2 ms calls cut an epoch anywhere (by the clock): one call per batch
    and one call for the whole epoch must give the same bits (the last sample of a call also
    records its gradient and step: that must not change its arithmetic)."""
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    X, Y = (v.astype(dtype) for v in _data(1, False, n=300))
    config = TrainConfig(learning_rate=0.05, batch_mode="stochastic", epochs=1, cost="mse", optimizer=optimizer)
    kernel = compiled.ready()
    results = []
    for calls in (1, len(X)):
        net = Network([3, 5, 5, 1], ["tanh", "tanh", "sigmoid"], seed=5, dtype=dtype)
        trainer = Trainer(net, config)
        descent = compiled.CompiledDescent(net, "mse", trainer.optimizer, 1)
        order, z = np.arange(len(X)), np.zeros((len(X), 1), dtype)
        pos = 0
        while pos < len(X):
            pos, _ = descent.run(kernel, config, X, Y, order, pos, len(X) // calls, z)
        results.append(net.params.copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_many_short_epochs_keep_the_run_length_bounded(monkeypatch):
    """Every epoch's last call ends early and quickly; that must not grow the next call's length
    without bound (it once doubled per epoch until it overflowed the kernel's integers)."""
    from bpstudio.core.train.trainer import MAX_RUN_LENGTH
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    X, Y = _data(1, False, n=5)
    trainer = Trainer(Network([3, 2, 1], seed=0), TrainConfig(batch_mode="stochastic", epochs=2000, cost="mse"))
    trainer.fit(X, Y)
    assert trainer.history.stop_reason == "completed" and trainer.updates == 2000 * 5
    assert 1 <= trainer._run_length <= MAX_RUN_LENGTH


def _record_at_full_speed(monkeypatch, mode, net, config, X, Y):
    """A full-speed fit with the app's per-update recorder (as ``bench_watch`` calls it) on ``mode``'s path."""
    monkeypatch.setenv("BPSTUDIO_COMPILED", mode)
    trainer = Trainer(net, config)
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    trainer.fit(X, Y, on_progress=lambda progress: recorder.on_progress(trainer, progress),
                on_update=lambda: recorder.after_batch(trainer))
    assert (trainer._last_step is trainer._compiled) == (mode == "wait"), "the run must take the path asked for"
    return trainer, recorder


@pytest.mark.parametrize("optimizer,l2", [("sgd", 0.0), ("sgd", 0.01), ("momentum", 0.0), ("adam", 0.01)])
def test_full_speed_rows_fall_inside_epochs_on_the_update_grid_with_the_numpy_paths_numbers(
        monkeypatch, optimizer, l2):
    """The compiled path ends a run of batches at the update count the recorder asks for: its rows are the
    NumPy path's, on the same grid (inside epochs, not only at their ends), with the same gradient and
    step norms (plain SGD's ‖∇‖ comes from its step η∇ on both paths; the others' from ∇ itself)."""
    monkeypatch.setattr(updates, "EVERY_UPDATE", 3)
    monkeypatch.setattr(updates, "update_stride", lambda *args: 7)   # the same grid on both paths
    X, Y = _data(2, True, n=40)
    config = TrainConfig(learning_rate=0.05, batch_mode="stochastic", epochs=5, cost="cross_entropy",
                         optimizer=optimizer, l2=l2)
    fast = Network([3, 5, 4, 2], ["tanh", "tanh", "softmax"], seed=6)
    slow = fast.copy()
    _, compiled_run = _record_at_full_speed(monkeypatch, "wait", fast, config, X, Y)
    _, numpy_run = _record_at_full_speed(monkeypatch, "0", slow, config, X, Y)
    rows, reference = compiled_run.log.rows(), numpy_run.log.rows()
    # 1 … 3, then every 7th; every epoch of 40 updates holds a 7th, so no epoch end needs a row of its own
    np.testing.assert_array_equal(rows["updates"], [1, 2, 3, *range(7, 201, 7)])
    np.testing.assert_array_equal(rows["updates"], reference["updates"])
    np.testing.assert_array_equal(rows["samples"], reference["samples"])
    for name in ("grad_norm", "update_ratio"):
        np.testing.assert_allclose(rows[name], reference[name], rtol=1e-9, atol=1e-12)
        assert np.all(rows[name] > 0)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_on_update_sees_the_numpy_paths_gradient_and_step_at_each_count_it_asks_for(monkeypatch, optimizer):
    """``fit``'s hook on the compiled path: called at exactly the counts it asked for (the run of batches
    ends there, inside an epoch), and the last gradient and step are those of that very update."""
    X, Y = _data(2, True, n=41)   # a partial last batch of 2 when batches hold 3
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=3, epochs=3,
                         cost="cross_entropy", optimizer=optimizer, l2=0.01)
    seen = {}
    for mode in ("wait", "0"):
        monkeypatch.setenv("BPSTUDIO_COMPILED", mode)
        trainer = Trainer(Network([3, 6, 2], ["tanh", "softmax"], seed=2), config)
        calls = seen[mode] = []

        def on_update(trainer=trainer, calls=calls):
            calls.append((trainer.updates, trainer.samples_seen, trainer.last_gradient.copy(),
                          trainer.last_update.copy()))
            return trainer.updates + 5 if len(calls) < 6 else None   # None: every batch from then on

        trainer.fit(X, Y, on_update=on_update)
        assert (trainer._last_step is trainer._compiled) == (mode == "wait")
    assert [c[0] for c in seen["wait"]] == [1, 6, 11, 16, 21, 26, *range(27, 43)]
    assert [c[:2] for c in seen["wait"]] == [c[:2] for c in seen["0"]]
    for (_, _, grad, step), (_, _, grad_ref, step_ref) in zip(seen["wait"], seen["0"]):
        np.testing.assert_allclose(grad, grad_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(step, step_ref, rtol=1e-9, atol=1e-12)


def test_the_recorder_plans_the_compiled_paths_rows_by_its_cost(monkeypatch):
    """An update on the compiled path costs no Python call (~0.3 µs for 2-8-8-2, ~30 µs on NumPy): a
    grid planned by the NumPy path's cost would take ~10 % of training there, not 1 %. With the
    compiled path's own plan, a stochastic XOR run gets its first updates, then every s-th (inside
    epochs), the epoch ends the grid leaves without a row, and gradient noise: nothing else."""
    X, Y = _data(2, True, n=320)
    net = Network([3, 8, 8, 2], ["tanh", "tanh", "softmax"], seed=0)
    config = TrainConfig(learning_rate=0.05, batch_mode="stochastic", epochs=40, cost="cross_entropy")
    trainer, recorder = _record_at_full_speed(monkeypatch, "wait", net, config, X, Y)
    assert trainer.on_compiled_path
    plan = recorder.plan(trainer)
    assert plan == updates.make_plan(320, 1, net, compiled=True)
    assert plan.stride > 20 * updates.make_plan(320, 1, net).stride
    assert plan.epoch_first == -(-plan.stride // 320)
    grid = [u for u in range(1, trainer.updates + 1) if updates.update_due(u, plan.stride)]
    ends = [u for u in range(320, trainer.updates + 1, 320)]
    rows = recorder.log.rows()["updates"].astype(int)
    assert set(grid) <= set(rows) <= set(grid) | set(ends)
    assert any(u % 320 for u in rows[updates.EVERY_UPDATE:]), "rows inside epochs"
    assert len(rows) < len(grid) + trainer.updates // 320 // plan.epoch_first + 1


class _StopAfter:
    """A stop flag that is set after it has been asked ``n`` times (once per call of the kernel)."""

    def __init__(self, n):
        self.n = n

    def is_set(self):
        self.n -= 1
        return self.n < 0


def test_without_numba_or_switched_off_the_numpy_path_trains(monkeypatch):
    monkeypatch.setenv("BPSTUDIO_COMPILED", "0")
    X, Y = _data(1, False)
    trainer = Trainer(Network([3, 4, 1], seed=0), TrainConfig(batch_mode="stochastic", epochs=2, cost="mse"))
    trainer.fit(X, Y)
    assert trainer._compiled is None and trainer.updates == 2 * len(X)


def test_without_numba_the_numpy_path_trains(monkeypatch):
    """An installation where Numba cannot be imported trains on the NumPy path, same numbers."""
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    monkeypatch.setitem(sys.modules, "numba", None)    # makes ``import numba`` fail
    X, Y = _data(1, False)
    config = TrainConfig(batch_mode="stochastic", epochs=2, cost="mse")
    net, reference = Network([3, 4, 1], seed=0), Network([3, 4, 1], seed=0)
    trainer = Trainer(net, config)
    trainer.fit(X, Y)
    monkeypatch.setenv("BPSTUDIO_COMPILED", "0")
    Trainer(reference, config).fit(X, Y)
    assert trainer._compiled is None
    np.testing.assert_array_equal(net.params, reference.params)


def test_every_registered_cost_and_activation_has_a_kernel_code():
    """A cost or activation added to the engine must be added to the kernel too (or the run
    quietly stays on NumPy): this fails until it is."""
    from bpstudio.core import ACTIVATIONS, COSTS as REGISTERED, OPTIMIZERS
    assert set(REGISTERED) == set(compiled.COST_CODES)
    assert set(ACTIVATIONS) == set(compiled.ACTIVATION_CODES)
    assert set(OPTIMIZERS) == set(compiled.OPTIMIZER_CODES)


def test_large_batches_and_large_networks_stay_on_numpy(monkeypatch):
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    X, Y = _data(2, True, n=64)
    big_batch = Trainer(Network([3, 4, 2], ["tanh", "softmax"]),
                        TrainConfig(batch_mode="mini-batch", batch_size=32, epochs=1, cost="cross_entropy"))
    big_batch.fit(X, Y)
    wide = Trainer(Network([3, 200, 200, 2], ["tanh", "tanh", "softmax"]),
                   TrainConfig(batch_mode="stochastic", epochs=1, cost="cross_entropy"))
    wide.fit(X, Y)
    assert big_batch._compiled is None and wide._compiled is None


def test_background_build_switches_paths_without_changing_the_result(monkeypatch):
    """In the app's mode the run starts on NumPy and moves to the compiled path mid-run: same numbers."""
    X, Y = _data(1, False, n=3000)
    # Plain SGD: the two paths differ in the last bit of a step, and Adam's division by √v
    # would amplify that over thousands of steps; SGD keeps it at rounding level.
    config = TrainConfig(learning_rate=0.02, batch_mode="stochastic", epochs=3, cost="mse", optimizer="sgd")
    fast, slow = Network([3, 6, 1], seed=4), Network([3, 6, 1], seed=4)
    _train(monkeypatch, "background", fast, config, X, Y)
    _train(monkeypatch, "0", slow, config, X, Y)
    np.testing.assert_allclose(fast.params, slow.params, rtol=1e-8, atol=1e-10)
    assert compiled.ready() is not None or compiled.failure


def test_the_kernels_tanh_is_within_a_few_ulp_of_libm():
    """The kernel computes tanh from its own eˣ − 1 (a loop the compiler can vectorise): it must stay
    exact to rounding (a few units in the last place) over the whole range, and keep NaN and ±∞."""
    from bpstudio.core.train import _kernel
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.uniform(-25, 25, 4000), rng.uniform(-1, 1, 4000), rng.uniform(-1e-6, 1e-6, 500),
                        [0.0, 1e-300, -1e-300, 0.3465735902799727, 20.0, -20.0, 19.5]])
    ours = np.array([_kernel._tanh(v) for v in z])
    exact = np.tanh(z)
    assert np.all(np.abs(ours - exact) <= 4 * np.spacing(np.abs(exact)) + 1e-320)
    x = rng.uniform(-40, 40, 4000)
    assert np.all(np.abs(np.array([_kernel._expm1(v) for v in x]) - np.expm1(x)) <= 4 * np.spacing(np.abs(np.expm1(x))))
    assert np.isnan(_kernel._tanh(np.nan)) and _kernel._tanh(np.inf) == 1.0 and _kernel._tanh(-np.inf) == -1.0
