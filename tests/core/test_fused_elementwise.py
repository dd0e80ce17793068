"""The one-loop elementwise passes (Numba) against their NumPy reference, and training on each."""

import builtins
import sys

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.nn import fused_elementwise as fused

pytest.importorskip("numba")


@pytest.fixture
def compiled_loops():
    assert fused.use_compiled()
    yield
    fused.use_numpy()


def _both(function, *arrays):
    """``function`` on copies of ``arrays`` with the NumPy code, then with the compiled loops."""
    results = []
    for use in (fused.use_numpy, fused.use_compiled):
        use()
        copies = [a.copy() for a in arrays]
        function(*copies)
        results.append(copies)
    fused.use_numpy()
    return results


def _batch(dtype, shape=(37, 11), seed=0, special=True):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=shape) * 3).astype(dtype)
    if special:   # NaN and ∞ must go through as NumPy lets them (a diverging run must show up)
        z[0, :3] = np.nan, np.inf, -np.inf
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_is_numpys_maximum(dtype):
    z = _batch(dtype)
    (_, a_numpy), (_, a_loop) = _both(fused.relu, z, np.empty_like(z))
    np.testing.assert_array_equal(a_loop, a_numpy)
    np.testing.assert_array_equal(a_loop, np.maximum(z, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_and_relu_in_one_pass_are_numpys(dtype):
    z, b = _batch(dtype), _batch(dtype, shape=(1, 11), seed=5, special=False)[0]
    (z_numpy, _, a_numpy), (z_loop, _, a_loop) = _both(fused.add_bias_relu, z, b, np.empty_like(z))
    np.testing.assert_array_equal(z_loop, z_numpy)
    np.testing.assert_array_equal(z_loop, z + b)          # z keeps the pre-activation, bias included
    np.testing.assert_array_equal(a_loop, a_numpy)
    np.testing.assert_array_equal(a_loop, np.maximum(z + b, 0))
    (z_inplace,) = _both(lambda z: fused.add_bias_relu(z, b, z), z)[1]   # training computes a over z
    np.testing.assert_array_equal(z_inplace, a_loop)
    for (z_over,) in _both(lambda z: fused.add_bias_relu_in_place(z, b), z):   # NumPy, then the in-place loop
        np.testing.assert_array_equal(z_over, a_numpy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_delta_masks_and_sums_as_numpy(dtype):
    a = np.maximum(_batch(dtype, seed=1, special=False), 0)
    delta = _batch(dtype, seed=2, special=False)
    (d_numpy, _, sum_numpy), (d_loop, _, sum_loop) = _both(fused.relu_delta, delta, a, np.empty(a.shape[1], dtype))
    np.testing.assert_array_equal(d_loop, d_numpy)
    np.testing.assert_array_equal(d_loop, delta * (a > 0))
    tolerance = 1e-5 if dtype == np.float32 else 1e-13   # the sums may add in another order
    np.testing.assert_allclose(sum_loop, sum_numpy, rtol=tolerance, atol=tolerance)


def test_relu_delta_keeps_nan_from_an_infinite_delta_on_a_dead_unit():
    a = np.array([[0.0, 1.0]])
    delta = np.array([[np.inf, 2.0]])
    with np.errstate(invalid="ignore"):
        (d_numpy, _, _), (d_loop, _, _) = _both(fused.relu_delta, delta, a, np.empty(2))
    assert np.isnan(d_numpy[0, 0]) and np.isnan(d_loop[0, 0])   # ∞ · 0, as NumPy computes it
    assert d_loop[0, 1] == 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("special", [False, True])
def test_softmax_is_numpys_to_rounding(dtype, special):
    z = _batch(dtype, seed=3, special=special)
    (_, a_numpy), (_, a_loop) = _both(fused.softmax, z, np.empty_like(z))
    tolerance = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(a_loop, a_numpy, rtol=tolerance, atol=tolerance)   # NaN where NumPy has NaN
    assert np.isnan(a_loop[0]).all() == special


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_delta_is_numpys(dtype):
    rng = np.random.default_rng(4)
    a = rng.random((29, 7)).astype(dtype)
    y = np.eye(7, dtype=dtype)[rng.integers(0, 7, 29)]
    results = _both(lambda a, y, d, s: fused.softmax_cross_entropy_delta(a, y, 0.01 / 29, d, s),
                    a, y, np.empty_like(a), np.empty(7, dtype))
    (_, _, d_numpy, sum_numpy), (_, _, d_loop, sum_loop) = results
    np.testing.assert_array_equal(d_loop, d_numpy)   # (a − y) · scale in the array's dtype, both ways
    assert d_loop.dtype == dtype
    tolerance = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(sum_loop, sum_numpy, rtol=tolerance, atol=tolerance)


def test_targets_the_loops_were_not_built_for_take_the_numpy_code(compiled_loops):
    a = np.full((3, 2), 0.5)
    y = np.asfortranarray(np.eye(2)[[0, 1, 1]])   # column-major: no new signature is compiled for it
    delta, total = np.empty_like(a), np.empty(2)
    fused.softmax_cross_entropy_delta(a, y, 1.0, delta, total)
    np.testing.assert_array_equal(delta, a - y)


def _train(seed, optimizer, epochs=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 12))
    Y = np.eye(4)[rng.integers(0, 4, 300)]
    net = Network([12, 16, 8, 4], ["relu", "relu", "softmax"], seed=seed)
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=32, epochs=epochs,
                         cost="cross_entropy", optimizer=optimizer)
    trainer = Trainer(net, config)
    trainer.fit(X, Y)
    return net.params.copy(), trainer.history.train_cost[-1]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])   # the fused SGD step and the textbook order
def test_training_with_the_loops_gives_the_numpy_numbers(optimizer):
    params_numpy, cost_numpy = _train(0, optimizer)
    assert fused.use_compiled()
    try:
        params_loop, cost_loop = _train(0, optimizer)
    finally:
        fused.use_numpy()
    np.testing.assert_allclose(params_loop, params_numpy, rtol=1e-12, atol=1e-12)
    assert cost_loop == pytest.approx(cost_numpy, rel=1e-12)


def test_gradients_with_the_loops_are_the_reference_ones(compiled_loops):
    from bpstudio.core.nn.reference import batch_gradients

    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(9, 5)), np.eye(3)[rng.integers(0, 3, 9)]
    net = Network([5, 7, 6, 3], ["relu", "relu", "softmax"], seed=1)
    grad_w, grad_b = net.gradients(X, Y, "cross_entropy")
    ref_w, ref_b = batch_gradients(net, X, Y, "cross_entropy")
    for got, want in zip(grad_w + grad_b, ref_w + ref_b):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_without_numba_the_numpy_code_runs(monkeypatch):
    real_import = builtins.__import__

    def no_numba(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("no numba here")
        return real_import(name, *args, **kwargs)

    # From the NumPy code: an earlier test in this worker may have switched the loops on (any run with
    # BPSTUDIO_COMPILED=wait builds them), and nothing here would switch them off.
    monkeypatch.setattr(fused, "_compiled", None)
    monkeypatch.delitem(sys.modules, "bpstudio.core.nn._fused_kernels", raising=False)
    monkeypatch.delattr(sys.modules["bpstudio.core.nn"], "_fused_kernels", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_numba)
    assert not fused.use_compiled()
    assert not fused.is_compiled()
    params, _ = _train(0, "sgd", epochs=1)
    assert np.isfinite(params).all()


@pytest.mark.parametrize("mode, builds", [("0", False), ("wait", True)])
def test_a_training_step_builds_the_loops_as_the_compiled_setting_says(mode, builds, monkeypatch):
    monkeypatch.setenv("BPSTUDIO_COMPILED", mode)
    started = []
    monkeypatch.setattr(fused, "start_build", lambda wait=False: started.append(wait))
    _train(0, "sgd", epochs=1)
    assert bool(started) == builds and all(started)   # in wait mode, built before the first batch
