"""Writes the bad-input corpus beside this script: python tests/data/bad/make_bad_files.py

The files are committed; this script documents how each was made and rebuilds them
(deterministically) when a format changes. tests/robust/test_bad_files.py says what
error each one must give.

    data/       .csv / .npz (and others) for load_dataset and `bpstudio train`
    models/     model files for load_model and `bpstudio predict` / `bpstudio export`
    projects/   .bpproject files for open_project
"""

import io
import json
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the worktree's bpstudio, not an installed one

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def npz_bytes(allow_pickle=False, **arrays):
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=allow_pickle, **arrays)
    return buffer.getvalue()


def npz_with_huge_header():
    """A valid zip whose X.npy header claims 2**40 × 4 float64 values (32 TiB) but holds 16 bytes."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 4), }"
    header = header.ljust(118) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("X.npy", npy)
        z.writestr("y.npy", _npy(np.arange(4)))
    return buffer.getvalue()


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def data_files():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    good_npz = npz_bytes(X=X, y=np.arange(20) % 2)
    return {
        "empty.csv": b"",
        "header_only.csv": b"a,b,y\n",
        "one_row.csv": b"a,b,y\n1,2,0\n",
        "ragged.csv": b"a,b,y\n1,2,0\n3,4\n5,6,1\n",
        "non_numeric.csv": b"a,b,y\n1,2,0\n3,x,1\n5,6,1\n",
        "nan.csv": b"a,b,y\n1,2,0\n3,nan,1\n5,6,1\n",
        "inf.csv": b"a,b,y\n1,2,0\n3,4,1\n5,inf,1\n",
        "missing_cell.csv": b"a,b,y\n1,2,0\n3,,1\n5,6,1\n",
        "single_class.csv": b"a,b,y\n1,2,cat\n3,4,cat\n5,6,cat\n",
        "single_column.csv": b"x\n1\n2\n3\n",
        "unbalanced_quote.csv": b'a,b,y\n1,2,"cat\n3,4,dog\n',
        "binary_junk.csv": PNG_HEAD + bytes(range(256)),
        "nul_bytes.csv": b"a,b,y\n1,2\x00,0\n3,4,1\n",
        "wrong_extension.xlsx": b"a,b,y\n1,2,0\n3,4,1\n",
        "no_extension": b"a,b,y\n1,2,0\n3,4,1\n",
        "object_array.npz": npz_bytes(allow_pickle=True, X=X, y=np.array([{"a": 1}] * 20, dtype=object)),
        "pickle_renamed.npz": pickle.dumps({"X": X.tolist(), "y": [0, 1] * 10}),
        "missing_y.npz": npz_bytes(X=X),
        "missing_x.npz": npz_bytes(features=X, y=np.arange(20) % 2),
        "mismatched_lengths.npz": npz_bytes(X=X, y=np.arange(15) % 2),
        "text_features.npz": npz_bytes(X=np.array([["a", "b"]] * 4), y=np.arange(4) % 2),
        "nan_features.npz": npz_bytes(X=np.where(np.eye(20, 2) > 0, np.nan, X), y=np.arange(20) % 2),
        "single_class.npz": npz_bytes(X=X, y=np.zeros(20)),
        "truncated.npz": good_npz[: len(good_npz) // 2],
        "corrupt_zip.npz": good_npz[:60] + bytes(len(good_npz) - 60),
        "zip_of_text.npz": _zip({"X.npy": b"hello", "y.npy": b"world"}),
        "huge_header.npz": npz_with_huge_header(),
        "empty.npz": b"",
        "single_array.npz": _npy(X),
    }


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buffer.getvalue()


def _tiny_model():
    from bpstudio.core import Network
    from bpstudio.core.io.model import Model
    from bpstudio.core.data.preprocessing import Scaler

    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    scaler = Scaler("standard").fit(np.array([[0.0, 0.0], [1.0, 2.0]]))
    return Model(net, scaler, None, "classification", ["a", "b"], ["no", "yes"])


def _saved(model, ext):
    import tempfile

    from bpstudio.core.io.model_files import save_model
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"m{ext}"
        save_model(model, path)
        return path.read_bytes()


def _json_model(edit):
    content = json.loads(_saved(_tiny_model(), ".json"))
    edit(content)
    return json.dumps(content).encode()


def _npz_model(**changes):
    """The tiny model as .npz arrays with some arrays replaced (None removes one)."""
    with np.load(io.BytesIO(_saved(_tiny_model(), ".npz"))) as f:
        arrays = {name: f[name] for name in f.files}
    for name, value in changes.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    return npz_bytes(allow_pickle=True, **arrays)


def _foreign_safetensors():
    from safetensors.numpy import save
    return save({"0.weight": np.ones((2, 2), dtype=np.float32), "0.bias": np.zeros(2, dtype=np.float32)})


def _foreign_onnx():
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def _safetensors_missing_tensor():
    from safetensors.numpy import load, save
    good = _saved(_tiny_model(), ".safetensors")
    header_len = struct.unpack("<Q", good[:8])[0]
    metadata = json.loads(good[8:8 + header_len])["__metadata__"]
    tensors = load(good)
    tensors.pop("2.weight")
    return save(tensors, metadata=metadata)


def model_files():
    model = _tiny_model()
    good = {ext: _saved(model, ext) for ext in (".npz", ".json", ".safetensors", ".onnx")}
    files = {f"truncated{ext}": raw[: len(raw) * 2 // 3] for ext, raw in good.items()}
    files.update({f"empty{ext}": b"" for ext in good})
    files.update({f"binary_junk{ext}": PNG_HEAD + bytes(range(256)) for ext in good})
    files.update({
        "corrupt_zip.npz": good[".npz"][:40] + bytes(len(good[".npz"]) - 40),
        "corrupt_header.safetensors": good[".safetensors"][:8] + b"{" * 20 + good[".safetensors"][28:],
        "corrupt_proto.onnx": good[".onnx"][:10] + bytes(50) + good[".onnx"][60:],
        "foreign.npz": npz_bytes(arr_0=np.arange(3)),
        "foreign.json": b"[1, 2, 3]\n",
        "foreign.safetensors": _foreign_safetensors(),
        "foreign.onnx": _foreign_onnx(),
        "dataset_not_model.npz": npz_bytes(X=np.ones((4, 2)), y=np.arange(4)),
        "object_metadata.npz": _npz_model(metadata=np.array([{"format": "bpstudio-model"}], dtype=object)),
        "pickle_renamed.npz": pickle.dumps({"format": "bpstudio-model"}),
        "missing_layer.npz": _npz_model(W2=None),
        "wrong_shape.npz": _npz_model(W1=np.ones((4, 2))),
        "nan_weights.json": _json_model(lambda m: m["weights"][0][0].__setitem__(0, float("nan"))),
        "missing_field.json": _json_model(lambda m: m.pop("x_scaler")),
        "future_version.json": _json_model(lambda m: m.update(version=99)),
        "unknown_activation.json": _json_model(lambda m: m.update(activations=["swish", "softmax"])),
        "bad_sizes.json": _json_model(lambda m: m.update(sizes="2-3-2")),
        "class_names_mismatch.json": _json_model(lambda m: m.update(class_names=["only one"])),
        "zero_scale.json": _json_model(lambda m: m["x_scaler"].update(scale=[0.0, 1.0])),
        "huge_sizes.json": _json_model(lambda m: m.update(sizes=[2, 20000, 20000], task="regression",
                                                          class_names=[], target_names=[])),
        "weights_not_numbers.json": _json_model(lambda m: m["weights"][0].__setitem__(0, ["a", "b"])),
        "not_utf8.json": b'{"format": "bpstudio-model", "name": "caf\xe9"}',
        "missing_tensor.safetensors": _safetensors_missing_tensor(),
        "model.h5": b"\x89HDF\r\n\x1a\n" + bytes(40),
        "model.pt": pickle.dumps({"0.weight": [[1.0]]}),
    })
    return files


def _project_bytes(edit_description=None, **arrays_changes):
    import tempfile

    from bpstudio.core import Network, TrainConfig, Trainer
    from bpstudio.core.io.project import DataSource, save_project
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    trainer = Trainer(net, TrainConfig(cost="cross_entropy", epochs=2, optimizer="adam"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.bpproject"
        save_project(path, net, trainer.config, DataSource("xor", {"n_samples": 40}), trainer)
        raw = path.read_bytes()
    if edit_description is None and not arrays_changes:
        return raw
    with np.load(io.BytesIO(raw)) as f:
        arrays = {name: f[name] for name in f.files}
    if edit_description is not None:
        description = json.loads(str(arrays["project"][()]))
        edit_description(description)
        arrays["project"] = np.array(json.dumps(description))
    for name, value in arrays_changes.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    return npz_bytes(allow_pickle=True, **arrays)


def project_files():
    good = _project_bytes()
    return {
        "empty.bpproject": b"",
        "binary_junk.bpproject": PNG_HEAD + bytes(range(256)),
        "truncated.bpproject": good[: len(good) // 2],
        "corrupt_zip.bpproject": good[:40] + bytes(len(good) - 40),
        "model_file.bpproject": _saved(_tiny_model(), ".npz"),
        "pickle_renamed.bpproject": pickle.dumps({"format": "bpstudio-project"}),
        "object_array.bpproject": _project_bytes(params=np.array([None, 1.0], dtype=object)),
        "bad_json.bpproject": _project_bytes(project=np.array("{not json")),
        "future_version.bpproject": _project_bytes(lambda d: d.update(version=99)),
        "missing_network.bpproject": _project_bytes(lambda d: d.pop("network")),
        "missing_params.bpproject": _project_bytes(params=None),
        "wrong_param_count.bpproject": _project_bytes(params=np.ones(5)),
        "huge_sizes.bpproject": _project_bytes(lambda d: d["network"].update(sizes=[2, 20000, 20000])),
        "nan_params.bpproject": _project_bytes(params=np.full(17, np.nan)),
        "bad_config.bpproject": _project_bytes(lambda d: d["config"].update(learning_rate=-1)),
        "bad_trainer_state.bpproject": _project_bytes(lambda d: d.update(trainer={"epoch": "three"})),
    }


def main():
    for folder, files in {"data": data_files(), "models": model_files(), "projects": project_files()}.items():
        (HERE / folder).mkdir(exist_ok=True)
        for name, content in files.items():
            (HERE / folder / name).write_bytes(content)
        print(f"{folder}: {len(files)} files")


if __name__ == "__main__":
    main()
