"""Reading a NumPy .npz archive into a Dataset: features under ``X``, targets under ``y``.

    read_npz("mnist.npz", x_key="images", y_key="labels")

Never unpickles: ``allow_pickle=False`` always, so an archive holding Python objects is refused.
Reads only the two arrays it needs, each checked against its declared size first (``safe_npz``).
Features of more than 2 dimensions (images (N, 28, 28)) are flattened per sample. Targets may be
numbers or strings (bytes are read as UTF-8), one per sample (N,), or several regression targets (N, k).
"""

from pathlib import Path
import zipfile
import zlib

import numpy as np

from .dataset import Dataset, DataError
from .remedies import Remedy
from ..io.safe_npz import NPY_HEAD, NpzArchive, check_head, read_file
from ..io.special_files import NotRegularFile
from ..limits import MemoryLimitError
from .targets import encode_targets

# zipfile reports a damaged archive in many ways: unknown versions and methods, "encryption" flags, …
# and a damaged .npy header can declare an array far larger than memory (MemoryError).
_CORRUPT = (OSError, EOFError, ValueError, KeyError, RuntimeError, NotImplementedError, MemoryError,
            zipfile.BadZipFile, zlib.error)


def _array(archive, key, where, role):
    """Array ``key``; role is "x" (features) or "y" (targets), to name the option that picks another."""
    if key not in archive.files:
        what = "features" if role == "x" else "targets"
        raise DataError(f"{where}: no array {key!r} for the {what}; arrays in the file: "
                        f"{', '.join(archive.files) or 'none'} — pass {role}_key=… to use another name")
    try:
        return archive[key]
    except MemoryLimitError as e:
        raise DataError(f"{where}: {e}") from None
    except ValueError as e:
        if "Python objects" in str(e):
            raise DataError(f"{where}: array {key!r} holds Python objects, which are refused (they would have "
                            "to be unpickled) — save plain numeric or string arrays") from None
        if "in the archive is not" in str(e) or "declares" in str(e):
            raise DataError(f"{where}: {e}") from None
        raise DataError(f"{where}: array {key!r} cannot be read ({e}) — the file is truncated or corrupt") from None
    except _CORRUPT as e:
        raise DataError(f"{where}: array {key!r} cannot be read ({e}) — the file is truncated or corrupt") from None


def _features(X, where, x_key):
    if X.dtype.kind not in "biuf" or X.ndim == 0 or X.size == 0:
        raise DataError(f"{where}: {x_key!r} has dtype {X.dtype} and shape {X.shape} — features must be a "
                        "numeric array with one row per sample and at least one feature")
    return X.reshape(len(X), -1).astype(np.float64)


def _drop_nonfinite(X, y, where, drop_missing):
    numeric_y = y.dtype.kind in "biuf"
    bad = ~np.isfinite(X).all(axis=1)
    if numeric_y:
        bad |= ~np.isfinite(y.reshape(len(y), -1)).all(axis=1)
    if bad.any() and not drop_missing:
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: sample {row} (0-based) holds NaN or infinity — every value must be finite",
                        Remedy("drop_missing"))
    return X[~bad], y[~bad]


def _open(path, x_key, y_key):
    """The arrays x_key and y_key, read with allow_pickle=False, each checked before it is read."""
    where = Path(path).name
    try:
        raw = read_file(path)
        try:
            check_head(raw[:len(NPY_HEAD)])
        except ValueError as e:    # a single .npy array, or not a zip (np.load would try to unpickle it)
            raise DataError(f"{where}: {e} — expected a file saved by numpy.savez with arrays {x_key!r} and "
                            f"{y_key!r}") from None
        with NpzArchive(raw) as archive:
            return _array(archive, x_key, where, "x"), _array(archive, y_key, where, "y")
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (NotRegularFile, MemoryLimitError) as e:
        raise DataError(str(e) if str(path) in str(e) else f"{where}: {e}") from None
    except _CORRUPT as e:
        raise DataError(f"{where}: not a readable .npz archive ({e}) — expected a file saved by numpy.savez") from None


def _text_labels(y, where, y_key):
    """Bytes labels (numpy.savez of b"cat") as text; a label that is not UTF-8 is refused, named."""
    if y.dtype.kind != "S":
        return y
    try:
        return np.char.decode(y, "utf-8")
    except UnicodeDecodeError as e:
        bad = next(label for label in y.reshape(-1) if not _is_utf8(label))
        raise DataError(f"{where}: {y_key!r} holds the bytes label {bytes(bad)!r}, which is not UTF-8 text "
                        f"({e.reason}) — "
                        "save the labels as text (numpy str) or numbers") from None


def _is_utf8(label):
    try:
        label.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_npz(path, x_key="X", y_key="y", task=None, drop_missing=False):
    """Dataset from the arrays ``x_key`` (N, …) and ``y_key`` (N,) or (N, k) of an .npz file."""
    where = Path(path).name
    X, y = _open(path, x_key, y_key)
    X = _features(X, where, x_key)
    y = _text_labels(y, where, y_key)
    if y.ndim not in (1, 2) or len(X) != len(y) or y.dtype.kind not in "biufUS" or 0 in y.shape[1:]:
        raise DataError(f"{where}: {x_key!r} has {len(X)} samples but {y_key!r} has shape {y.shape} and dtype "
                        f"{y.dtype} — expected one target per sample, (N,) or (N, k), numbers or strings")
    X, y = _drop_nonfinite(X, y, where, drop_missing)
    if len(X) < 2:
        raise DataError(f"{where}: {len(X)} usable samples — a dataset needs at least 2")
    features = [f"x{j + 1}" for j in range(X.shape[1])]
    if y.ndim == 2 and y.shape[1] > 1:    # several regression targets
        if task == "classification":
            raise DataError(f"{where}: {y_key!r} has {y.shape[1]} columns — classification needs one label per sample")
        names = [f"y{k + 1}" for k in range(y.shape[1])]
        return Dataset(X, y.astype(np.float64), "regression", features, target_names=names, source=str(path))
    Y, class_names, target_names, task = encode_targets(y.reshape(-1), task, y_key, where)
    return Dataset(X, Y, task, features, class_names, target_names, source=str(path),
                   description=f"{where}: {len(X)} samples from an .npz archive")
