"""Project files: save mid-run, open, continue — exactly as if never interrupted."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.dataset import Dataset
from bpstudio.core.io.project import DataSource, ProjectFileError, open_project, save_project

from .builders import raw_features


def _source():
    X = raw_features(50, seed=2)
    labels = (X[:, 0] > 0.5).astype(int) + (X[:, 1] > 5)
    ds = Dataset(X, np.eye(3)[labels], "classification", ["a", "b", "c"], ["p", "q", "r"], source="test")
    return DataSource(dataset=ds, scaling="minmax", val_fraction=0.2, split_seed=4)


@pytest.mark.parametrize("optimizer, source", [("adam", "embedded"), ("nesterov", "embedded"), ("rmsprop", "named")])
def test_open_and_continue_equals_an_uninterrupted_run(optimizer, source, tmp_path):
    data = _source() if source == "embedded" else \
        DataSource("gaussians", {"n_samples": 50, "noise": 0.3}, scaling="minmax", split_seed=4)
    config = TrainConfig(learning_rate=0.05, batch_size=8, epochs=5, cost="cross_entropy",
                         optimizer=optimizer, lr_decay=0.9, l2=0.001, seed=3)
    start = Network([data.load().n_features, 6, 3], ["tanh", "softmax"], seed=5)
    prepared = data.prepare()
    X, Y, X_val, Y_val = prepared.X_train, prepared.Y_train, prepared.X_val, prepared.Y_val

    reference = start.copy()
    expected = Trainer(reference, config).fit(X, Y, X_val, Y_val)

    interrupted = start.copy()
    trainer = Trainer(interrupted, config)
    for _ in range(13):  # 40 training samples, 5 batches per epoch: stop inside epoch 3
        trainer.step(X, Y, X_val, Y_val)
    save_project(tmp_path / "run.bpproject", interrupted, config, data, trainer)

    project = open_project(tmp_path / "run.bpproject")
    assert project.trainer.epoch == 2 and project.config == config
    history = project.trainer.fit(*project.arrays())
    np.testing.assert_array_equal(project.network.params, reference.params)
    for key in ("epoch", "train_cost", "val_cost", "train_accuracy", "val_accuracy"):
        assert getattr(history, key) == getattr(expected, key)
    assert history.stop_reason == "completed"


def test_a_project_saved_again_before_training_keeps_its_place_in_the_epoch(tmp_path):
    """Open, save (e.g. Save As) without training in between, open: the run still continues exactly."""
    data = _source()
    config = TrainConfig(learning_rate=0.05, batch_size=8, epochs=3, cost="cross_entropy", optimizer="adam", seed=3)
    start = Network([3, 6, 3], ["tanh", "softmax"], seed=5)
    prepared = data.prepare()
    arrays = prepared.X_train, prepared.Y_train, prepared.X_val, prepared.Y_val
    reference = start.copy()
    Trainer(reference, config).fit(*arrays)

    trainer = Trainer(start, config)
    for _ in range(8):   # 41 training samples, 6 batches per epoch: stop inside epoch 2
        trainer.step(*arrays)
    save_project(tmp_path / "first.bpproject", start, config, data, trainer)
    first = open_project(tmp_path / "first.bpproject")
    save_project(tmp_path / "again.bpproject", first.network, first.config, first.data, first.trainer)
    again = open_project(tmp_path / "again.bpproject")
    assert again.trainer.state_dict()["pos"] == 16 and again.trainer.epoch == 1
    again.trainer.fit(*again.arrays())
    np.testing.assert_array_equal(again.network.params, reference.params)


def test_project_without_a_run_opens_with_a_fresh_trainer(tmp_path):
    net = Network([3, 4, 3], ["relu", "softmax"], seed=1)
    config = TrainConfig(cost="cross_entropy", epochs=2)
    save_project(tmp_path / "p.bpproject", net, config, _source())
    project = open_project(tmp_path / "p.bpproject")
    assert project.trainer.epoch == 0 and project.data.dataset.class_names == ["p", "q", "r"]
    np.testing.assert_array_equal(project.network.params, net.params)


def test_version_1_files_with_row_major_weights_open_as_saved(tmp_path):
    """Version 1 stored each Wˡ row by row (and so every params-shaped optimizer buffer)."""
    net = Network([3, 4, 3], ["relu", "softmax"], seed=1)
    config = TrainConfig(cost="cross_entropy", epochs=2, optimizer="adam")
    prepared = _source().prepare()
    trainer = Trainer(net, config)
    trainer.step(prepared.X_train, prepared.Y_train)
    save_project(tmp_path / "v2.bpproject", net, config, _source(), trainer)

    def row_major(flat):
        weights, biases = net.layer_views(flat)
        return np.concatenate([W.ravel(order="C") for W in weights] + list(biases))

    with np.load(tmp_path / "v2.bpproject", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    description = json.loads(str(arrays["project"][()]))
    description["version"] = 1
    arrays["project"] = np.array(json.dumps(description))
    for name in ("params", "trainer.optimizer.exp_avg", "trainer.optimizer.exp_avg_sq"):
        arrays[name] = row_major(arrays[name])
    with open(tmp_path / "v1.bpproject", "wb") as f:
        np.savez(f, **arrays)

    project = open_project(tmp_path / "v1.bpproject")
    for W, W_saved in zip(project.network.weights, net.weights):
        np.testing.assert_array_equal(W, W_saved)
    state = project.trainer.optimizer.state_dict()
    for name in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_array_equal(state[name], trainer.optimizer.state_dict()[name])


def test_runs_kept_for_comparison_round_trip_and_are_optional(tmp_path):
    from bpstudio.core.explain.compare import Run

    net = Network([3, 4, 3], ["tanh", "softmax"], seed=1)
    config = TrainConfig(cost="cross_entropy", epochs=2)
    prepared = _source().prepare()
    trainer = Trainer(net.copy(), config)
    trainer.fit(prepared.X_train, prepared.Y_train)          # no validation data: val_cost is NaN
    other = Network([3, 2, 3], ["relu", "softmax"], seed=2)   # a run of another architecture
    runs = [Run("baseline", config, trainer.history.copy(), trainer.net.params.copy()),
            Run("narrow", TrainConfig(cost="mse"), trainer.history.copy(), other.params)]
    save_project(tmp_path / "p.bpproject", net, config, _source(), trainer, runs, current_run=0)
    project = open_project(tmp_path / "p.bpproject")
    assert [r.name for r in project.runs] == ["baseline", "narrow"] and project.current_run == 0
    assert project.runs[1].config == TrainConfig(cost="mse")
    np.testing.assert_array_equal(project.runs[1].params, other.params)
    assert list(project.runs[0].history.train_cost) == list(trainer.history.train_cost)
    assert np.isnan(project.runs[0].history.val_cost).all()

    with np.load(tmp_path / "p.bpproject") as saved:   # a file written before runs were kept
        arrays = {name: saved[name] for name in saved.files if not name.startswith("runs.")}
    description = json.loads(str(arrays["project"][()]))
    del description["runs"]
    arrays["project"] = np.array(json.dumps(description))
    np.savez(tmp_path / "older.bpproject.npz", **arrays)
    older = open_project(tmp_path / "older.bpproject.npz")
    assert older.runs == [] and older.current_run is None and older.trainer.epoch == 2


def test_named_data_source_is_stored_by_name_and_options(tmp_path):
    net = Network([2, 3, 1], ["tanh", "sigmoid"])
    data = DataSource("moons", {"noise": 0.2, "n_samples": 100}, scaling="none", split_seed=7)
    save_project(tmp_path / "p.bpproject", net, TrainConfig(), data)
    assert open_project(tmp_path / "p.bpproject").data == data


@pytest.mark.parametrize("content, message", [
    (b"", "not a readable project file"),
    (b"PK\x03\x04 not really a zip", "not a readable project file"),
])
def test_bad_project_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.bpproject"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=f"bad.bpproject: {message}"):
        open_project(path)


def test_a_model_file_is_not_a_project(tmp_path):
    from bpstudio.core.io.model_files import save_model

    from .builders import make_model
    save_model(make_model("binary"), tmp_path / "m.npz")
    with pytest.raises(ProjectFileError, match="m.npz: not a readable project file .*KeyError"):
        open_project(tmp_path / "m.npz")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_project_or_a_project_file_error(data, tmp_path):
    path = tmp_path / "fuzz.bpproject"
    path.write_bytes(data)
    try:
        open_project(path)
    except ProjectFileError:
        pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1, exclude_max=True))
def test_truncated_project_files_give_a_project_file_error(cut, tmp_path):
    path = tmp_path / "p.bpproject"
    net = Network([3, 4, 3], ["tanh", "softmax"])
    trainer = Trainer(net, TrainConfig(cost="cross_entropy", epochs=2, optimizer="adam"))
    save_project(path, net, trainer.config, _source(), trainer)
    good = path.read_bytes()
    path.write_bytes(good[:int(cut * len(good))])
    with pytest.raises(ProjectFileError, match="p.bpproject: "):
        open_project(path)


def test_runs_keep_their_start_and_path_thinned_to_a_bounded_size(tmp_path, monkeypatch):
    """Reopened runs can be compared on a loss surface: initial weights exact, the path in float32, at most
    PATH_VALUES numbers (evenly spaced points, the first and last kept)."""
    from bpstudio.core.explain.compare import Run
    from bpstudio.core.io import project as project_module

    net = Network([3, 4, 3], ["tanh", "softmax"], seed=1)
    monkeypatch.setattr(project_module, "PATH_VALUES", 10 * net.n_parameters)   # 10 points at most
    config = TrainConfig(cost="cross_entropy", epochs=2)
    path = np.random.default_rng(0).standard_normal((40, net.n_parameters))
    runs = [Run("with path", config, Trainer(net, config).history, path[-1].copy(), initial=path[0].copy(),
                path=path),
            Run("short path", config, Trainer(net, config).history, path[3].copy(), initial=path[0].copy(),
                path=path[:4]),
            Run("older", config, Trainer(net, config).history, path[-1].copy())]
    save_project(tmp_path / "p.bpproject", net, config, _source(), runs=runs)
    opened = open_project(tmp_path / "p.bpproject").runs
    np.testing.assert_array_equal(opened[0].initial, path[0])
    kept = np.unique(np.linspace(0, 39, 10).round().astype(int))
    np.testing.assert_array_equal(opened[0].path, path[kept].astype(np.float32))
    assert kept[0] == 0 and kept[-1] == 39 and opened[0].path.dtype == net.dtype
    np.testing.assert_array_equal(opened[1].path, path[:4].astype(np.float32))
    assert opened[2].initial is None and opened[2].path is None
    with np.load(tmp_path / "p.bpproject") as saved:
        assert saved["runs.0.path"].dtype == np.float32 and saved["runs.0.path"].size <= 10 * net.n_parameters

    with np.load(tmp_path / "p.bpproject") as saved:   # a damaged path is refused, naming the run
        arrays = {name: saved[name] for name in saved.files}
    arrays["runs.0.path"] = arrays["runs.0.path"][:, :5]
    np.savez(tmp_path / "bad.bpproject.npz", **arrays)
    with pytest.raises(ProjectFileError, match="with path.*31 weights"):
        open_project(tmp_path / "bad.bpproject.npz")
