"""Property tests for every loader, beyond the random bytes of tests/core and tests/models: archives
and metadata that are well-formed but hold anything. Each gives a result or the loader's own error
(DataError / ModelFileError / ProjectFileError) — never another exception, never an unpickling
(conftest.never_unpickle) — and whatever loads can be used."""

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.loading import DataError, load_dataset
from bpstudio.core.data.dataset import Dataset
from bpstudio.core.io.model import Model
from bpstudio.core.io.model_files import ModelFileError, load_model, save_model
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.io.project import DataSource, ProjectFileError, open_project, save_project

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- values a damaged file may hold where it should hold something else ----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.sampled_from([2**40, -1, 0])
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8)

small_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int8, np.int64, np.bool_, np.complex64, "U3", "S2"]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))


def paths(value, prefix=()):
    """Every place in a JSON document: (key, key, …) tuples, the document's own keys first."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append(prefix + (key,))
        found += paths(item, prefix + (key,))
    return found


def damaged(document, path, replacement, delete):
    """A copy of ``document`` with the value at ``path`` replaced (or deleted)."""
    document = json.loads(json.dumps(document))
    *parents, last = path
    holder = document
    for key in parents:
        holder = holder[key]
    if delete and isinstance(holder, dict):
        del holder[last]
    else:
        holder[last] = replacement
    return document


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_the_guard_catches_unpickling(tmp_path):
    path = tmp_path / "objects.npz"
    path.write_bytes(npz_bytes(X=np.array([{}], dtype=object)))
    with pytest.raises(AssertionError, match="allow_pickle=True"):
        np.load(path, allow_pickle=True)


# --- NPZ datasets ------------------------------------------------------------------------------

@FUZZ
@given(arrays=st.dictionaries(st.sampled_from(["X", "y", "labels", "arr_0"]), small_arrays, max_size=3),
       objects=st.booleans())
def test_any_npz_archive_gives_a_dataset_or_a_data_error(tmp_path, arrays, objects):
    if objects:
        arrays["y"] = np.array([object()] * 3, dtype=object)
    path = tmp_path / "fuzz.npz"
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=True, **arrays)  # writing object arrays pickles them; reading must refuse
    path.write_bytes(buffer.getvalue())
    try:
        ds = load_dataset(path)
    except DataError:
        return
    assert ds.n_samples >= 2 and np.isfinite(ds.X).all() and np.isfinite(ds.Y).all()


@pytest.fixture(scope="module")
def good_npz():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), np.array(["cat", "dog", "emu"])[np.arange(30) % 3]
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=X, y=y)
    return {"plain": npz_bytes(X=X, y=y), "compressed": buffer.getvalue()}


@FUZZ
@given(kind=st.sampled_from(["plain", "compressed"]), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=4))
def test_damaged_npz_archives_give_a_dataset_or_a_data_error(tmp_path, good_npz, kind, cut, flips):
    raw = bytearray(good_npz[kind])
    for where, xor in flips:
        raw[int(where * len(raw))] ^= xor
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(raw[: max(1, int(cut * len(raw)))]))
    try:
        load_dataset(path)
    except DataError:
        pass


# --- model files ---------------------------------------------------------------------------------

def _model():
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    scaler = Scaler("standard").fit(np.array([[0.0, 0.0], [1.0, 2.0]]))
    return Model(net, scaler, None, "classification", ["a", "b"], ["no", "yes"],
                 config=TrainConfig(cost="cross_entropy"), history={"epochs": 3, "stop_reason": "completed"})


MODEL_META = _model().metadata()
MODEL_PATHS = paths(MODEL_META)


def _rewrite(path, meta, arrays):
    """Write a model file of ``path``'s format from (possibly damaged) metadata and arrays."""
    if path.suffix == ".json":
        path.write_text(json.dumps({**meta, "weights": [w.tolist() for w in arrays[::2]],
                                    "biases": [b.tolist() for b in arrays[1::2]]}))
    elif path.suffix == ".npz":
        names = [f"{kind}{l}" for l in range(1, len(arrays) // 2 + 1) for kind in "Wb"]
        path.write_bytes(npz_bytes(metadata=np.array(json.dumps(meta)), **dict(zip(names, arrays))))
    else:  # .safetensors: text fields as they are, the rest as JSON, as export_safetensors writes them
        from safetensors.numpy import save
        header = {key: value if isinstance(value, str) else json.dumps(value) for key, value in meta.items()}
        names = [f"{2 * l}.{kind}" for l in range(len(arrays) // 2) for kind in ("weight", "bias")]
        path.write_bytes(save({n: np.ascontiguousarray(a) for n, a in zip(names, arrays)}, metadata=header))


def _check_usable(model):
    """A model that loads predicts one row per input row, with its declared number of outputs."""
    outputs = model.predict(np.zeros((2, len(model.feature_names))))
    assert outputs.shape == (2, model.network.sizes[-1])


def _parameter_arrays(model):
    return [a for W, b in zip(model.network.weights, model.network.biases) for a in (W, b)]


@pytest.mark.parametrize("ext", [".json", ".npz", ".safetensors"])
@FUZZ
@given(where=st.sampled_from(MODEL_PATHS), value=json_values, delete=st.booleans())
def test_damaged_model_metadata_gives_a_model_or_a_model_file_error(tmp_path, ext, where, value, delete):
    path = tmp_path / f"m{ext}"
    _rewrite(path, damaged(MODEL_META, where, value, delete), _parameter_arrays(_model()))
    try:
        model = load_model(path)
    except ModelFileError:
        return
    _check_usable(model)


def _storable(array, ext):
    """``array`` as a format can hold it: JSON has no bytes or complex numbers, safetensors no text."""
    if array.dtype.kind == "c" and ext != ".npz":
        array = array.real
    if array.dtype.kind == "S" and ext == ".json":
        array = np.char.decode(array, "latin-1")
    if array.dtype.kind in "US" and ext == ".safetensors":
        array = np.zeros(array.shape)
    return array


@pytest.mark.parametrize("ext", [".json", ".npz", ".safetensors"])
@FUZZ
@given(layer=st.integers(0, 3), array=small_arrays)
def test_a_wrong_weight_array_gives_a_model_or_a_model_file_error(tmp_path, ext, layer, array):
    array = _storable(array, ext)
    arrays = _parameter_arrays(_model())
    arrays[layer] = array
    path = tmp_path / f"m{ext}"
    _rewrite(path, MODEL_META, arrays)
    try:
        model = load_model(path)
    except ModelFileError:
        return
    _check_usable(model)


def test_onnx_metadata_damage_is_covered_by_the_same_reader(tmp_path):
    """.onnx keeps the same metadata JSON in metadata_props; one damaged example through the real file."""
    import onnx
    path = tmp_path / "m.onnx"
    save_model(_model(), path)
    proto = onnx.load(path)
    proto.metadata_props[0].value = json.dumps(damaged(MODEL_META, ("sizes",), [2, 3, 4], False))
    onnx.save(proto, path)
    with pytest.raises(ModelFileError, match="m.onnx: layer 2 weights: expected shape"):
        load_model(path)


# --- project files -------------------------------------------------------------------------------

def _project_file(folder):
    """A project saved mid-epoch with adam state and embedded data, so every part of the file is present."""
    rng = np.random.default_rng(0)
    ds = Dataset(rng.normal(size=(40, 2)), np.eye(2)[np.arange(40) % 2], "classification", ["a", "b"], ["n", "y"])
    source = DataSource(dataset=ds, val_fraction=0.25)
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    trainer = Trainer(net, TrainConfig(cost="cross_entropy", epochs=3, batch_size=4, optimizer="adam", patience=5))
    prepared = source.prepare()
    trainer.fit(prepared.X_train, prepared.Y_train, prepared.X_val, prepared.Y_val)
    for _ in range(3):
        trainer.step(prepared.X_train, prepared.Y_train, prepared.X_val, prepared.Y_val)
    path = folder / "good.bpproject"
    save_project(path, net, trainer.config, source, trainer)
    with np.load(path) as f:
        arrays = {name: f[name] for name in f.files}
    return json.loads(str(arrays.pop("project")[()])), arrays


@pytest.fixture(scope="module")
def project_parts(tmp_path_factory):
    return _project_file(tmp_path_factory.mktemp("project"))


@FUZZ
@given(data=st.data(), value=json_values, delete=st.booleans())
def test_damaged_project_description_gives_a_project_or_a_project_file_error(tmp_path, project_parts, data,
                                                                             value, delete):
    description, arrays = project_parts
    where = data.draw(st.sampled_from(paths(description)), label="where")
    path = tmp_path / "p.bpproject"
    path.write_bytes(npz_bytes(project=np.array(json.dumps(damaged(description, where, value, delete))), **arrays))
    try:
        project = open_project(path)
    except ProjectFileError:
        return
    # What opens can continue training, as the app would do next — unless the data split no longer
    # fits the saved run or the config, which the trainer says as such.
    try:
        progress = project.trainer.step(*project.arrays())
    except ValueError as e:
        assert str(e).startswith(("saved run had", "early stopping (patience) needs validation data")), e
        return
    assert progress.updates >= 1
