"""Generated datasets: shapes, balance, seeds, noise, and clear errors for bad parameters."""

import numpy as np
import pytest

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.loading import DataError, list_datasets, load_dataset
from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.generated import GENERATORS


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generator_gives_a_consistent_dataset(name):
    ds = load_dataset(name, n_samples=60, seed=1)
    gen = GENERATORS[name]
    assert ds.X.shape == (60, gen.n_features) and ds.X.dtype == np.float64
    assert ds.Y.shape == (60, gen.n_outputs) and ds.task == gen.task
    assert np.isfinite(ds.X).all() and np.isfinite(ds.Y).all()
    assert ds.source == name and gen.description in ds.description
    if ds.is_classification:
        assert set(np.unique(ds.Y)) == {0.0, 1.0} and (ds.Y.sum(axis=1) == 1).all()
        counts = ds.Y.sum(axis=0)
        assert counts.max() - counts.min() <= 1        # balanced classes


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (load_dataset(name, n_samples=40, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


def test_noise_moves_points_and_zero_noise_keeps_the_shape():
    clean = load_dataset("circles", n_samples=200, noise=0.0, seed=0)
    radius = np.hypot(*clean.X.T)
    assert radius[clean.labels == 0].max() <= 0.5 and radius[clean.labels == 1].min() >= 0.7
    noisy = load_dataset("circles", n_samples=200, noise=0.3, seed=0)
    assert np.abs(noisy.X - clean.X).mean() > 0.1
    sine = load_dataset("sine", noise=0.0)
    np.testing.assert_allclose(sine.Y[:, 0], np.sin(sine.X[:, 0]))


def test_xor_labels_follow_the_quadrants():
    ds = load_dataset("xor", n_samples=200, noise=0.0)
    np.testing.assert_array_equal(ds.labels, (ds.X[:, 0] * ds.X[:, 1] < 0).astype(int))


def test_gaussians_take_a_number_of_centers():
    ds = load_dataset("gaussians", n_samples=100, centers=5)
    assert ds.Y.shape == (100, 5) and ds.class_names == ["0", "1", "2", "3", "4"]
    with pytest.raises(DataError, match="centers must be an integer from 2 to 20"):
        load_dataset("gaussians", centers=1)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_samples": 1}, "n_samples must be an integer from 2 to 1,000,000"),
    ({"n_samples": 10**9}, "n_samples must be an integer from 2 to 1,000,000"),
    ({"seed": -1}, "seed must be a whole number ≥ 0, got -1"),
    ({"seed": "abc"}, "seed must be a whole number"),
    ({"n_samples": 2.5}, "n_samples must be an integer"),
    ({"n_samples": 3}, "at least 4 for 2 classes"),
    ({"noise": -0.1}, "noise must be a number ≥ 0"),
    ({"noise": "lots"}, "noise must be a number"),
    ({"radius": 2}, "unknown option.*radius.*options allowed: none"),
    ({"target": "y"}, "built-in dataset; target and task only apply to CSV/NPZ"),
    ({"task": "banana"}, "task must be one of classification, regression"),
])
def test_bad_parameters_raise_data_error(kwargs, message):
    with pytest.raises(DataError, match=message):
        load_dataset("moons", **kwargs)


def test_unknown_name_lists_the_builtins():
    with pytest.raises(DataError, match="unknown dataset 'mnist'.*xor, circles"):
        load_dataset("mnist")


def test_list_datasets_describes_every_generated_set_in_one_line():
    infos = {info.name: info for info in list_datasets()}
    assert set(GENERATORS) <= set(infos)
    for name in GENERATORS:
        info = infos[name]
        assert info.kind == "generated" and info.description and "\n" not in info.description
        ds = load_dataset(name, n_samples=40)
        assert (info.task, info.n_features, info.n_outputs) == (ds.task, ds.n_features, ds.n_outputs)


def test_moons_are_learnable_end_to_end():
    data = prepare(load_dataset("moons", n_samples=300, noise=0.1), val_fraction=0.2, seed=0)
    net = Network([2, 16, 2], activations=["tanh", "softmax"], seed=0)
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=32, epochs=150,
                         cost="cross_entropy", optimizer="adam")
    history = Trainer(net, config).fit(data.X_train, data.Y_train, data.X_val, data.Y_val)
    assert history.val_accuracy[-1] > 0.95


def test_progress_reaches_one_for_built_ins_too():
    fractions = []
    load_dataset("xor", progress=fractions.append)
    load_dataset("iris", progress=fractions.append)
    assert fractions[-1] == 1.0 and fractions.count(1.0) == 2
