"""NPZ import: arrays X and y (names overridable), never unpickled, and clear errors for bad archives."""

import numpy as np
import pytest

from bpstudio.core import DataError
from bpstudio.core.data.loading import load_dataset


def save(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_numeric_labels_string_labels_and_regression(tmp_path):
    X = np.arange(20.0).reshape(10, 2)
    ds = load_dataset(save(tmp_path, X=X, y=np.arange(10) % 2))
    assert ds.task == "classification" and ds.class_names == ["0", "1"] and ds.feature_names == ["x1", "x2"]
    np.testing.assert_array_equal(ds.X, X)
    names = load_dataset(save(tmp_path, X=X, y=np.array(["cat", "dog"] * 5)))
    assert names.class_names == ["cat", "dog"]
    reg = load_dataset(save(tmp_path, X=X, y=np.linspace(0, 1, 10)))
    assert reg.task == "regression" and reg.Y.shape == (10, 1)
    multi = load_dataset(save(tmp_path, X=X, y=np.ones((10, 3)) * np.arange(10)[:, None]))
    assert multi.task == "regression" and multi.target_names == ["y1", "y2", "y3"]


def test_keys_are_overridable_and_images_are_flattened(tmp_path):
    images = np.random.default_rng(0).integers(0, 255, size=(12, 4, 4), dtype=np.uint8)
    ds = load_dataset(save(tmp_path, images=images, labels=np.arange(12) % 3), x_key="images", y_key="labels")
    assert ds.X.shape == (12, 16) and ds.X.dtype == np.float64 and ds.n_outputs == 3
    np.testing.assert_array_equal(ds.X[5], images[5].ravel())


def test_nonfinite_values_are_refused_or_dropped(tmp_path):
    X = np.arange(20.0).reshape(10, 2)
    X[3, 1] = np.nan
    path = save(tmp_path, X=X, y=np.arange(10) % 2)
    with pytest.raises(DataError, match=r"data.npz: sample 3 \(0-based\) holds NaN or infinity"):
        load_dataset(path)
    assert load_dataset(path, drop_missing=True).n_samples == 9


def test_object_arrays_are_refused_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, X=np.array([[1.0, 2.0], [3.0, 4.0]]), y=np.array([object(), object()], dtype=object))
    with pytest.raises(DataError, match=r"^evil.npz: array 'y' holds Python objects, which are refused"):
        load_dataset(path)


@pytest.mark.parametrize("arrays, kwargs, message", [
    ({"X": np.ones((4, 2))}, {}, r"data.npz: no array 'y' for the targets; arrays in the file: X — pass y_key="),
    ({"features": np.ones((4, 2)), "y": np.arange(4)}, {}, r"no array 'X' .*arrays in the file: features, y"),
    ({"X": np.ones((5, 2)), "y": np.arange(4) % 2}, {}, r"'X' has 5 samples but 'y' has shape \(4,\)"),
    ({"X": np.array(["a", "b"]), "y": np.arange(2)}, {}, r"'X' has dtype <U1 .* features must be a numeric array"),
    ({"X": np.ones((4, 2)), "y": np.zeros(4)}, {}, r"target column 'y' has a single class \('0'\)"),
    ({"X": np.ones((1, 2)), "y": np.zeros(1)}, {}, r"1 usable samples — a dataset needs at least 2"),
    ({"X": np.ones((4, 2)), "y": np.arange(4)}, {"target": "y"}, r"target only applies to CSV files; use y_key"),
    ({"X": np.ones((4, 2)), "y": np.arange(4)}, {"delimiter": ","}, r"unknown option\(s\) delimiter; options "
                                                                    r"allowed: x_key, y_key"),
])
def test_bad_archives_give_a_clear_data_error(tmp_path, arrays, kwargs, message):
    with pytest.raises(DataError, match=message):
        load_dataset(save(tmp_path, **arrays), **kwargs)


def test_truncated_and_corrupt_archives(tmp_path):
    good = save(tmp_path, X=np.random.default_rng(0).normal(size=(200, 5)), y=np.arange(200) % 2)
    raw = good.read_bytes()
    for name, content in [("truncated.npz", raw[: len(raw) // 2]), ("garbage.npz", b"PK\x03\x04" + b"\x00" * 50),
                          ("text.npz", b"a,b,y\n1,2,0\n"), ("empty.npz", b"")]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DataError, match=rf"{name}: .*(truncated or corrupt|not a(n| readable) \.npz archive)"):
            load_dataset(path)
    single = tmp_path / "single.npz"
    with open(single, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(DataError, match="^single.npz: holds a single .npy array, not an .npz archive"):
        load_dataset(single)


@pytest.mark.parametrize("savez", [np.savez, np.savez_compressed])
def test_damaged_archives_give_a_dataset_or_a_data_error(tmp_path, savez):
    path = tmp_path / "damaged.npz"
    savez(path, X=np.random.default_rng(0).normal(size=(50, 3)), y=np.arange(50) % 2)
    raw, rng = path.read_bytes(), np.random.default_rng(1)
    for _ in range(300):
        damaged = bytearray(raw)
        for position in rng.integers(0, len(raw), size=rng.integers(1, 6)):
            damaged[position] = int(rng.integers(0, 256))
        path.write_bytes(bytes(damaged[: rng.integers(1, len(raw) + 1)]))
        try:
            load_dataset(path)
        except DataError:
            pass
