"""Model files: round trips, clear errors for bad files, atomic writes."""

import json
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpstudio
from bpstudio.core import Network
from bpstudio.core.io.model_files import EXPORT_FORMATS, LOAD_FORMATS, ModelFileError, import_weights

from .builders import make_model, raw_features

X_NEW = raw_features(25, seed=9)


@pytest.mark.parametrize("ext", LOAD_FORMATS)
def test_round_trip_gives_the_same_predictions_and_metadata(model, ext, tmp_path):
    path = tmp_path / f"model{ext}"
    bpstudio.save_model(model, path)
    loaded = bpstudio.load_model(path)
    if ext == ".onnx":  # ONNX tensors are float32
        np.testing.assert_allclose(loaded.predict(X_NEW), model.predict(X_NEW), rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_array_equal(loaded.predict(X_NEW), model.predict(X_NEW))
    assert loaded.metadata() == model.metadata()
    assert loaded.config == model.config and loaded.history["epochs"] == 3


@pytest.mark.parametrize("ext", [".npz", ".json", ".safetensors"])
def test_float32_networks_stay_float32(ext, tmp_path):
    model = make_model("multiclass", dtype="float32")
    bpstudio.save_model(model, tmp_path / f"m{ext}")
    loaded = bpstudio.load_model(tmp_path / f"m{ext}")
    assert loaded.network.dtype == np.float32
    np.testing.assert_array_equal(loaded.network.params, model.network.params)


def test_npz_holds_plain_arrays_and_json_metadata(tmp_path):
    model = make_model("binary")
    bpstudio.save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert sorted(f.files) == ["W1", "W2", "W3", "b1", "b2", "b3", "metadata"]
        np.testing.assert_array_equal(f["W2"], model.network.weights[1])
        assert json.loads(str(f["metadata"]))["class_names"] == ["no", "yes"]


def test_json_is_human_readable_with_nested_lists(tmp_path):
    model = make_model("regression")
    bpstudio.save_model(model, tmp_path / "m.json")
    content = json.loads((tmp_path / "m.json").read_text())
    assert content["activations"] == ["tanh", "leaky_relu", "linear"]
    assert content["weights"][0] == model.network.weights[0].tolist()
    assert content["target_names"] == ["t1", "t2"] and content["config"]["optimizer"] == "adam"


def test_unknown_extension_lists_the_supported_ones(tmp_path):
    with pytest.raises(ModelFileError, match=r"cannot save \.txt; supported: \.npz, \.json"):
        bpstudio.save_model(make_model("binary"), tmp_path / "m.txt")
    with pytest.raises(ModelFileError, match=r"cannot load \.py"):
        bpstudio.load_model(tmp_path / "m.py")


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nothere\.npz: no such file"):
        bpstudio.load_model(tmp_path / "nothere.npz")


@pytest.mark.parametrize("ext, modules", [(".onnx", ["onnx"]), (".safetensors", ["safetensors", "safetensors.numpy"])])
def test_missing_optional_package_says_what_to_install(ext, modules, tmp_path, monkeypatch):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` raise ImportError
    with pytest.raises(ModelFileError, match=rf'needs the {modules[0]} package: pip install "bpstudio\[export\]"'):
        bpstudio.save_model(make_model("binary"), tmp_path / f"m{ext}")
    assert not (tmp_path / f"m{ext}").exists()


def _json_model(tmp_path, edit):
    path = tmp_path / "m.json"
    bpstudio.save_model(make_model("binary"), path)
    content = json.loads(path.read_text())
    edit(content)
    path.write_text(json.dumps(content))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["weights"].__setitem__(1, [[0.0] * 3] * 3), r"layer 2 weights: expected shape \(4, 5\), got \(3, 3\)"),
    (lambda c: c["biases"][0].__setitem__(0, 1e400), "NaN or infinite"),
    (lambda c: c.pop("sizes"), "missing field 'sizes'"),
    (lambda c: c.__setitem__("format", "keras"), "not a bpstudio model"),
    (lambda c: c.__setitem__("activations", ["tanh", "swish", "sigmoid"]), "unknown activation 'swish'"),
    (lambda c: c.__setitem__("sizes", "3-5-4-1"), "sizes"),
])
def test_well_formed_files_with_bad_contents_name_the_problem(tmp_path, edit, message):
    path = _json_model(tmp_path, edit)
    with pytest.raises(ModelFileError, match=message) as info:
        bpstudio.load_model(path)
    assert str(info.value).startswith(str(path))


def test_import_weights_checks_every_layer_shape(tmp_path):
    model = make_model("multiclass")
    bpstudio.save_model(model, tmp_path / "m.safetensors")
    net = Network([3, 5, 4, 3], ["tanh", "leaky_relu", "softmax"], seed=7)
    import_weights(net, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(net.params, model.network.params)
    other = Network([3, 6, 4, 3], ["tanh", "tanh", "softmax"], seed=7)
    before = other.params.copy()
    with pytest.raises(ModelFileError, match=r"layer 1 weights: expected shape \(6, 3\), got \(5, 3\)"):
        import_weights(other, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(other.params, before)


# --- corrupt, truncated and foreign files -------------------------------------------------

def _load_bytes(path, data):
    path.write_bytes(data)
    try:
        return bpstudio.load_model(path)
    except ModelFileError:
        return None


@pytest.mark.parametrize("ext", [*LOAD_FORMATS, ".py"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_any_bytes_give_a_model_or_a_model_file_error(ext, data, tmp_path):
    _load_bytes(tmp_path / f"fuzz{ext}", data)


@pytest.fixture(scope="module")
def saved_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    model = make_model("multiclass")
    for ext in LOAD_FORMATS:
        bpstudio.save_model(model, folder / f"good{ext}")
    return {ext: folder / f"good{ext}" for ext in LOAD_FORMATS}


@pytest.mark.parametrize("ext", LOAD_FORMATS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1, exclude_max=True), flip=st.integers(0, 255))
def test_truncated_or_damaged_files_give_a_model_or_a_model_file_error(ext, cut, flip, saved_files, tmp_path):
    good = saved_files[ext].read_bytes()
    at = int(cut * len(good.rstrip()))  # a JSON file without its final newline is still complete
    assert _load_bytes(tmp_path / f"cut{ext}", good[:at]) is None
    _load_bytes(tmp_path / f"flip{ext}", good[:at] + bytes([good[at] ^ flip]) + good[at + 1:])


# --- atomic writes ------------------------------------------------------------------------

def test_failure_mid_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    bpstudio.save_model(make_model("binary"), path)
    before = path.read_bytes()

    def disk_full(fd):  # the new content has been written, but not yet renamed into place
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bpstudio.core.io.atomic.os.fsync", disk_full)
    with pytest.raises(ModelFileError, match="m.npz: cannot write the file: No space left on device"):
        bpstudio.save_model(make_model("multiclass"), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_atomic_write_replaces_only_on_success(tmp_path):
    from bpstudio.core.io.atomic import atomic_write

    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path, "w") as f:
            f.write("half of the new")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]
    with atomic_write(path, "w") as f:
        f.write("new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


def test_every_export_format_is_described():
    assert set(EXPORT_FORMATS) == {".npz", ".json", ".safetensors", ".onnx", ".py"}


def _foreign_files(folder):
    """Valid files of each format that bpstudio did not write."""
    import onnx
    from onnx import TensorProto, helper
    from safetensors.numpy import save_file

    save_file({"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2)}, str(folder / "torch.safetensors"))
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph), folder / "other.onnx")
    np.savez(folder / "plain.npz", np.arange(3))
    (folder / "list.json").write_text("[1, 2, 3]")
    return {"torch.safetensors": "not a bpstudio model", "other.onnx": "no bpstudio metadata",
            "plain.npz": r'no "metadata" array \(found: arr_0\)', "list.json": "not a bpstudio model"}


def test_foreign_files_are_refused_with_a_reason(tmp_path):
    for name, reason in _foreign_files(tmp_path).items():
        with pytest.raises(ModelFileError, match=rf"{name}: not a readable .* model file \(.*({reason})") as info:
            bpstudio.load_model(tmp_path / name)
        assert "\n" not in str(info.value)
