"""Hostile files, made small by the tests themselves: special files, zip bombs, files that ask for
more memory than they hold, fields outside a file's schema, legal but extreme numbers.

``make(folder)`` writes them all and returns {kind: {name: what the error must say}}, kind being
"data" (``load_dataset`` / ``bpstudio train``), "models" (``load_model`` / ``predict`` / ``export``)
or "projects" (``open_project``).
"""

import io
import json
import os
import zipfile

import numpy as np

from bpstudio.core import Network, TrainConfig
from bpstudio.core.io.model import Model
from bpstudio.core.io.model_files import save_model
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.io.project import DataSource, save_project

NOT_REGULAR = "not a regular file"
BOMB = "more than those bytes can hold"


def npy_header(shape, descr="<f8"):
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False, "shape": shape})
    return out.getvalue()


def deflate_bomb(path, members):
    """An .npz whose members are headers declaring ``shape`` followed by ``n`` zero bytes, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (shape, n) in members.items():
            zf.writestr(f"{name}.npy", npy_header(shape) + bytes(n))


def _model(marker=0.5):
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    net.params[0] = marker
    return Model(net, Scaler("standard").fit(np.array([[0.0, 0.0], [1.0, 2.0]])), None, "classification",
                 ["a", "b"], ["no", "yes"], config=TrainConfig(cost="cross_entropy"))


def _rewrite_npz(path, change):
    """Read an .npz, let ``change`` edit its dict of arrays, write it back."""
    with zipfile.ZipFile(path) as zf:
        arrays = {name.removesuffix(".npy"): np.lib.format.read_array(zf.open(name)) for name in zf.namelist()}
    change(arrays)
    with open(path, "wb") as f:   # a file object: np.savez would add .npz to a .bpproject name
        np.savez(f, **arrays)


def _edit_metadata(path, edit):
    def change(arrays):
        meta = json.loads(str(arrays["metadata"][()]))
        edit(meta)
        arrays["metadata"] = np.array(json.dumps(meta))
    _rewrite_npz(path, change)


def _edit_project(path, edit):
    def change(arrays):
        description = json.loads(str(arrays["project"][()]))
        edit(description, arrays)
        arrays["project"] = np.array(json.dumps(description))
    _rewrite_npz(path, change)


def make_data(folder):
    os.mkfifo(folder / "fifo.csv")
    os.mkfifo(folder / "fifo.npz")
    os.symlink("/dev/zero", folder / "zero.csv")
    os.symlink("/dev/zero", folder / "zero.npz")
    # A 10,000-column header over 200,000 blank lines: 260 kB that once asked for ~15 GiB.
    (folder / "wide_blank.csv").write_text(",".join(f"c{j}" for j in range(10_000)) + "\n" + "\n" * 200_000)
    deflate_bomb(folder / "bomb.npz", {"X": ((400_000, 1000), 400_000 * 1000 * 8 // 1032), "y": ((10,), 80)})
    (folder / "huge_values.csv").write_text("a,b,y\n1e308,1,x\n-1e308,2,z\n1e308,3,x\n-1e308,4,z\n5,5,x\n")
    np.savez(folder / "bad_bytes_labels.npz", X=np.ones((4, 2)), y=np.array([b"a", b"\xff", b"a", b"b"]))
    return {
        "fifo.csv": NOT_REGULAR, "fifo.npz": NOT_REGULAR, "zero.csv": NOT_REGULAR, "zero.npz": NOT_REGULAR,
        "wide_blank.csv": "no data rows", "bomb.npz": BOMB,
        "huge_values.csv": "column 'a' holds values up to 1e+308",
        "bad_bytes_labels.npz": "holds the bytes label b'\\xff', which is not UTF-8 text",
    }


def make_models(folder):
    os.mkfifo(folder / "fifo.npz")
    os.symlink("/dev/zero", folder / "zero.json")
    deflate_bomb(folder / "bomb.npz", {"metadata": ((200_000, 2000), 64 * 1024)})
    expected = {"fifo.npz": NOT_REGULAR, "zero.json": NOT_REGULAR, "bomb.npz": BOMB}
    # A bomb inside an otherwise good model: W1 declares 3.2 GB in 64 kB of zeros.
    save_model(_model(), folder / "bomb_member.npz")
    _rebuild_with_bomb(folder / "bomb_member.npz", "W1", (200_000, 2000))
    expected["bomb_member.npz"] = BOMB
    for name, edit, message in [
        ("subnormal_scale.npz", lambda m: m["x_scaler"].update(scale=[5e-324, 1.0]), "subnormal"),
        ("epochs_1e18.npz", lambda m: m["config"].update(epochs=10**18), "field config.epochs: 1000000000000000000"),
        ("nan_offset.npz", lambda m: m["x_scaler"].update(offset=[float("nan"), 0.0]), "NaN"),
        ("unknown_task.npz", lambda m: m.update(task="clustering"), "field task: 'clustering' is not one of"),
    ]:
        save_model(_model(), folder / name)
        _edit_metadata(folder / name, edit)
        expected[name] = message
    save_model(_model(), folder / "complex_weights.npz")
    _rewrite_npz(folder / "complex_weights.npz", lambda a: a.update(W1=a["W1"] + 1j))
    expected["complex_weights.npz"] = "layer 1 weights: expected real numbers, found complex128"
    return expected


def _rebuild_with_bomb(path, name, shape):
    """Rewrite the archive with member ``name`` replaced by a deflated header declaring ``shape``."""
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist() if info.filename != f"{name}.npy"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
        zf.writestr(f"{name}.npy", npy_header(shape) + bytes(64 * 1024))


def make_projects(folder):
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    config = TrainConfig(cost="cross_entropy")
    os.mkfifo(folder / "fifo.bpproject")
    expected = {"fifo.bpproject": NOT_REGULAR}
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    embedded = DataSource(dataset=_dataset(X))
    outside = folder.parent / f"{folder.name}-secret.csv"
    outside.write_text("a,b,y\n1,2,x\n3,4,z\n5,6,x\n")
    for name, data, edit, message in [
        ("nan_data.bpproject", embedded, lambda d, a: a.update({"data.X": np.full((4, 2), np.nan)}),
         "embedded data 'data.X': row 1 holds NaN or infinity"),
        ("epochs_1e18.bpproject", embedded, lambda d, a: d["config"].update(epochs=10**18),
         "field config.epochs: 1000000000000000000 is greater than the maximum of 10000000"),
        ("options_cancel.bpproject", DataSource("xor"), lambda d, a: d["data"]["options"].update(cancel=True),
         "field data.options: not allowed here ('cancel' was unexpected)"),
        ("options_progress.bpproject", DataSource("xor"), lambda d, a: d["data"]["options"].update(progress=1),
         "field data.options: not allowed here ('progress' was unexpected)"),
        ("outside_absolute.bpproject", DataSource("xor"), lambda d, a: d["data"].update(name=str(outside)),
         f"its data file {outside} is outside the project's folder"),
        ("outside_dotdot.bpproject", DataSource("xor"), lambda d, a: d["data"].update(name=f"../{outside.name}"),
         f"its data file {outside} is outside the project's folder"),
        ("bomb_params.bpproject", embedded, None, BOMB),
    ]:
        save_project(folder / name, net, config, data)
        if edit:
            _edit_project(folder / name, edit)
        expected[name] = message
    _rebuild_with_bomb(folder / "bomb_params.bpproject", "params", (400_000_000,))
    return expected


def _dataset(X):
    from bpstudio.core.data.dataset import Dataset
    Y = np.eye(2)[[0, 1, 1, 0]]
    return Dataset(X, Y, "classification", ["a", "b"], ["no", "yes"])


def make(folder):
    kinds = {}
    for kind, maker in (("data", make_data), ("models", make_models), ("projects", make_projects)):
        (folder / kind).mkdir()
        kinds[kind] = maker(folder / kind)
    return kinds
