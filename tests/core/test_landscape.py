"""The loss-surface slice: filter-normalized directions, the grid of costs, the projected path."""

import threading

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.explain import landscape
from bpstudio.core.explain.compare import compare, variations


@pytest.fixture
def trained():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Network([2, 6, 1], ["tanh", "sigmoid"], seed=2)
    initial = net.params.copy()
    Trainer(net, TrainConfig(learning_rate=0.5, batch_mode="full", epochs=50, cost="bce", optimizer="sgd")).fit(X, Y)
    return net, X, Y, initial


def test_random_directions_are_filter_normalized(trained):
    net, *_ = trained
    d1, d2 = landscape.directions(net, "random", seed=1)
    for d in (d1, d2):
        dW, db = net.layer_views(d)
        for D, W in zip(dW, net.weights):
            np.testing.assert_allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1))
        assert all(not b.any() for b in db)
    assert not np.allclose(d1, d2)


def test_the_slice_holds_the_cost_at_each_grid_point(trained):
    net, X, Y, _ = trained
    d1, d2 = landscape.directions(net, "random", seed=1)
    before = net.params.copy()
    s = landscape.cost_slice(net, X, Y, "bce", d1, d2, span=0.5, resolution=5)
    np.testing.assert_array_equal(net.params, before)            # the network itself is untouched
    assert s.costs.shape == (5, 5) and s.alphas[2] == 0 and s.betas[2] == 0
    assert s.costs[2, 2] == pytest.approx(net.cost(X, Y, "bce"))
    moved = net.copy()
    moved.params[...] = before + s.alphas[4] * d1 + s.betas[1] * d2
    assert s.costs[1, 4] == pytest.approx(moved.cost(X, Y, "bce"))


def test_initial_direction_reaches_the_initial_weights(trained):
    net, X, Y, initial = trained
    d1, d2 = landscape.directions(net, "initial", seed=0, initial=initial)
    assert d1 @ d2 == pytest.approx(0, abs=1e-9) and np.linalg.norm(d2) == pytest.approx(np.linalg.norm(d1))
    s = landscape.cost_slice(net, X, Y, "bce", d1, d2, span=1.0, resolution=3)
    start = net.copy()
    start.params[...] = initial
    assert s.costs[1, 2] == pytest.approx(start.cost(X, Y, "bce"))   # α = 1, β = 0
    assert s.costs[1, 2] > s.costs[1, 1]                              # training went downhill
    np.testing.assert_allclose(landscape.project([initial, net.params], s.origin, d1, d2), [[1, 0], [0, 0]],
                               atol=1e-9)


def test_project_recovers_plane_coordinates(trained):
    net, *_ = trained
    d1, d2 = landscape.directions(net, "random", seed=3)
    coords = np.array([[0.3, -0.2], [-1.0, 0.5]])
    path = net.params + coords[:, :1] * d1 + coords[:, 1:] * d2
    np.testing.assert_allclose(landscape.project(path, net.params, d1, d2), coords, atol=1e-9)


def test_cancel_stops_after_the_current_row_and_progress_rises(trained):
    net, X, Y, _ = trained
    d1, d2 = landscape.directions(net, "random")
    seen, cancel = [], threading.Event()

    def progress(fraction):
        seen.append(fraction)
        if len(seen) == 2:
            cancel.set()

    assert landscape.cost_slice(net, X, Y, "bce", d1, d2, resolution=7, progress=progress, cancel=cancel) is None
    assert seen == pytest.approx([1 / 7, 2 / 7])


def test_bad_requests_are_explained(trained):
    net, X, Y, initial = trained
    with pytest.raises(ValueError, match="unknown directions 'sideways'; choose one of random, initial"):
        landscape.directions(net, "sideways")
    with pytest.raises(ValueError, match="have not moved"):
        landscape.directions(net, "initial", initial=net.params)
    with pytest.raises(ValueError, match="resolution must be between 3 and 201"):
        landscape.cost_slice(net, X, Y, "bce", *landscape.directions(net), resolution=1000)


def test_weight_path_stays_bounded_and_ends_where_the_run_is():
    path = landscape.WeightPath(max_points=8)
    for t in range(100):
        path.add(np.full(3, float(t)))
    points = path.array()
    assert len(path) <= 8 and points[0, 0] == 0 and points[-1, 0] == 99
    assert np.all(np.diff(points[:, 0]) > 0)


def test_compared_runs_keep_their_initial_weights_and_path():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Network([2, 5, 1], ["tanh", "sigmoid"], seed=3)
    configs = variations(TrainConfig(learning_rate=0.3, batch_mode="full", epochs=12, cost="bce"), "optimizer",
                         ("sgd", "adam"))
    runs = compare(net, configs, X, Y)
    for run in runs:
        np.testing.assert_array_equal(run.initial, net.params)     # both from the same initial weights
        np.testing.assert_array_equal(run.path[0], net.params)
        np.testing.assert_array_equal(run.path[-1], run.params)   # … to where each ended
        assert len(run.path) >= 12
    assert not np.allclose(runs[0].params, runs[1].params)


def test_run_surfaces_use_the_same_kind_of_directions_with_the_same_seed():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Network([2, 5, 1], ["tanh", "sigmoid"], seed=3)
    configs = variations(TrainConfig(learning_rate=0.3, batch_mode="full", epochs=20, cost="bce"), "optimizer",
                         ("sgd", "adam"))
    runs = compare(net, configs, X, Y)
    seen = []
    surfaces = landscape.run_surfaces(net, runs, X, Y, "bce", "initial", span=1.0, resolution=5,
                                      progress=seen.append)
    assert [s.name for s in surfaces] == [run.name for run in runs]
    assert seen[-1] == 1.0 and all(np.diff(seen) > 0)
    for surface, run in zip(surfaces, runs):
        np.testing.assert_allclose(surface.slice.origin, run.params)
        np.testing.assert_allclose(surface.slice.d1, run.initial - run.params)
        np.testing.assert_allclose(surface.path[0], [1, 0], atol=1e-9)    # the start: α = 1 (θ₀), β = 0
        np.testing.assert_allclose(surface.path[-1], [0, 0], atol=1e-9)   # the end: the centre
        probe = net.copy()
        probe.params[...] = run.params
        assert surface.slice.costs[2, 2] == pytest.approx(probe.cost(X, Y, "bce"))
    # the second direction: one random vector (same seed), filter-normalized to each run's weights
    d2 = [landscape.directions(_at(net, run.params), "random", 0)[0] for run in runs]
    assert np.corrcoef(d2[0], d2[1])[0, 1] > 0.5
    cancel = threading.Event()
    cancel.set()
    assert landscape.run_surfaces(net, runs, X, Y, "bce", "random", resolution=5, cancel=cancel) is None


def _at(net, params):
    copy = net.copy()
    copy.params[...] = params
    return copy
