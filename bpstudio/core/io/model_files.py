"""Saving and loading models; the file's extension picks the format.

    save_model(model, "iris.onnx")
    save_model(model, "/dev/stdout", format="onnx")   # a name without an extension: say the format
    model = load_model("iris.npz")

Every format stores the weights and the metadata of ``Model.metadata()``
(sizes, activations, scalers, names, task, training config, history summary):

    .npz          arrays W1, b1, W2, … and a JSON string ``metadata``
    .json         the metadata plus ``weights`` and ``biases`` as nested lists
    .safetensors  tensors named like torch.nn.Sequential's state dict; metadata in the header
    .onnx         a graph from raw features to outputs; metadata in the model's metadata_props
    .py           a PyTorch script that predicts and keeps training (plus its .safetensors
                  weights beside it, checked by SHA-256); export only

Writes are atomic (see ``atomic``); ``-``, a device or a FIFO is written through, in the format
asked for, or else the native .npz. Anything wrong with a file to load — not
found, truncated, corrupt, foreign, not a regular file, a field outside ``schema.MODEL``,
weights that are not real numbers — raises ``ModelFileError`` naming the file.
"""

import io
import json
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write, write_bytes, write_text
from .model import Model, n_layers
from .safe_npz import NpzArchive, read_file
from .schema import MODEL, check
from .special_files import descriptor, kind, open_regular, writes_through

EXPORT_FORMATS = {
    ".npz": "NumPy archive: arrays W1, b1, … plus JSON metadata",
    ".json": "human-readable JSON, weights as nested lists",
    ".safetensors": "safetensors tensors named like a torch.nn.Sequential state dict",
    ".onnx": "ONNX graph from raw features to outputs (opset 17)",
    ".py": "runnable PyTorch script (+ .safetensors weights beside it)",
}
LOAD_FORMATS = (".npz", ".json", ".safetensors", ".onnx")
INSTALL_HINT = 'pip install "bpstudio[export]"'


class ModelFileError(ValueError):
    """A model file could not be written or read; the message names the file and the problem."""


def save_model(model: Model, path: str | os.PathLike, format: str | None = None) -> None:
    """Write ``model`` to ``path`` in ``format`` (see ``export_format``)."""
    path = Path(path)
    ext = export_format(path, format)
    try:
        _SAVERS[ext](model, path)
    except ImportError as e:
        raise ModelFileError(f"{path}: writing {ext} files needs the {_package(e)} package: {INSTALL_HINT}") from None
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write the file: {e.strerror or e}") from None
    except ValueError as e:  # the model cannot be written in this format
        raise ModelFileError(f"{path}: {e}") from None


def export_format(path, format=None):
    """The format a save to ``path`` writes, as its extension (".npz", …; see ``EXPORT_FORMATS``):
    ``format`` ("onnx" or ".onnx") when given, else the one ``path``'s extension names; ``-``, a device
    or a FIFO named without one gets the native .npz. ``ModelFileError`` for an unknown format, one the
    name contradicts (m.npz as onnx), or a .py export (two files) onto ``-``, a device or a FIFO."""
    path = Path(path)
    suffix = path.suffix.lower()
    if format is None:
        chosen = ".npz" if suffix not in EXPORT_FORMATS and writes_through(path) else _extension(path, EXPORT_FORMATS,
                                                                                                  "save")
    else:
        chosen = "." + format.lower().lstrip(".")
        if chosen not in EXPORT_FORMATS:
            raise ModelFileError(f"{path}: cannot save the format {format!r}; supported: "
                                 f"{', '.join(f[1:] for f in EXPORT_FORMATS)}")
        if suffix in EXPORT_FORMATS and suffix != chosen:
            raise ModelFileError(f"{path}: the name says {suffix}, but the format asked for is {chosen[1:]} — "
                                 "rename the file or leave the format out")
    if chosen == ".py" and writes_through(path):
        raise ModelFileError(f"{path}: a .py export is two files (a script and its weights beside it), which "
                             f"cannot go to {_stream_kind(path)} — save it into a folder")
    return chosen


def _stream_kind(path):
    fd = descriptor(path)
    if fd is not None:
        return {1: "standard output", 2: "standard error"}.get(fd, f"file descriptor {fd}")
    return kind(path.stat().st_mode)


def load_model(path: str | os.PathLike) -> Model:
    """Read a model written by ``save_model``; raises ``ModelFileError`` for anything wrong with the file."""
    path = Path(path)
    ext = _extension(path, LOAD_FORMATS, "load")
    try:
        open_regular(path).close()    # a FIFO or a device would block or never end: refused first
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except (OSError, ValueError) as e:
        raise ModelFileError(str(e) if str(path) in str(e) else f"{path}: {e.strerror or e}") from None
    try:
        meta, weights, biases = _READERS[ext](path)
    except ImportError as e:
        raise ModelFileError(f"{path}: reading {ext} files needs the {_package(e)} package: {INSTALL_HINT}") from None
    except Exception as e:  # noqa: BLE001 — foreign parsers raise anything on corrupt bytes
        raise ModelFileError(f"{path}: not a readable {ext} model file ({_describe(e)})") from None
    try:
        check(meta, MODEL, "metadata")
        return Model.from_metadata(meta, _real(weights, "weights"), _real(biases, "biases"))
    except Exception as e:  # noqa: BLE001 — a well-formed file can still hold nonsense values
        raise ModelFileError(f"{path}: {_describe(e)}") from None


def _real(arrays, what):
    """Each layer's array, if it holds real numbers (complex ones would be cast with their imaginary part lost)."""
    arrays = [np.asarray(a) for a in arrays]
    for l, a in enumerate(arrays, start=1):
        if a.dtype.kind not in "fiu":
            raise ValueError(f"layer {l} {what}: expected real numbers, found {a.dtype}")
    return arrays


def import_weights(network, path):
    """Copy the weights and biases of the model file at ``path`` into ``network`` (nothing changes on error).

    Every layer's shape is checked first; a mismatch names the layer and both shapes.
    """
    model = load_model(path)
    try:
        network.set_parameters(model.network.weights, model.network.biases)
    except ValueError as e:
        raise ModelFileError(f"{path}: does not fit this network: {e}") from None
    return model


# --- .npz ------------------------------------------------------------------------


def _save_npz(model, path):
    arrays = {"metadata": np.array(json.dumps(model.metadata(), allow_nan=False))}
    for l, (W, b) in enumerate(zip(model.network.weights, model.network.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = W, b
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes(path, buffer.getvalue())


def _read_npz(path):
    # Read from memory: np.load leaves its file open when a corrupt archive makes it raise.
    with NpzArchive(read_file(path)) as arrays:    # reads only the members asked for, each checked first
        if "metadata" not in arrays:
            raise ValueError(f"no \"metadata\" array (found: {', '.join(arrays.files) or 'nothing'})")
        meta = json.loads(str(arrays["metadata"][()]), parse_constant=_refuse_constant)
        n = n_layers(meta)
        return meta, [arrays[f"W{l}"] for l in range(1, n + 1)], [arrays[f"b{l}"] for l in range(1, n + 1)]


def _refuse_constant(name):
    raise ValueError(f"the metadata holds {name}, which is not a number JSON allows")


# --- .json -----------------------------------------------------------------------


def _save_json(model, path):
    content = model.metadata()
    content["weights"] = [W.tolist() for W in model.network.weights]
    content["biases"] = [b.tolist() for b in model.network.biases]
    write_text(path, json.dumps(content, indent=1, allow_nan=False) + "\n")


def _read_json(path):
    content = json.loads(read_file(path).decode("utf-8"))
    n = n_layers(content)
    weights, biases = content.pop("weights"), content.pop("biases")
    if len(weights) != n or len(biases) != n:
        raise ValueError(f"expected {n} layers of weights and biases, got {len(weights)} and {len(biases)}")
    return content, weights, biases


# --- formats in their own modules (they import optional packages) ---------------------


def _save_safetensors(model, path):
    from . import export_safetensors
    write_bytes(path, export_safetensors.to_bytes(model))


def _read_safetensors(path):
    from . import export_safetensors
    return export_safetensors.read(path)


def _save_onnx(model, path):
    from . import export_onnx
    write_bytes(path, export_onnx.to_bytes(model))


def _read_onnx(path):
    from . import export_onnx
    return export_onnx.read(path)


def _save_py(model, path):
    from . import export_safetensors
    from . import export_torch
    weights_path = path.with_suffix(".safetensors")
    weights = export_safetensors.to_bytes(model, optimizer_buffers=True)
    # Both files are written completely before either replaces its old version, the weights first:
    # a failed save changes nothing. The script names its weights by their SHA-256 and refuses any
    # others, so a save killed between the two renames leaves a pair that refuses to run.
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as script, atomic_write(weights_path) as f:
        f.write(weights)
        script.write(export_torch.script(model, weights_path.name, weights))


_SAVERS = {".npz": _save_npz, ".json": _save_json, ".safetensors": _save_safetensors,
           ".onnx": _save_onnx, ".py": _save_py}
_READERS = {".npz": _read_npz, ".json": _read_json, ".safetensors": _read_safetensors, ".onnx": _read_onnx}


def _extension(path, formats, verb):
    ext = path.suffix.lower()
    if ext not in formats:
        raise ModelFileError(f"{path}: cannot {verb} {ext or 'files without an extension'}; "
                             f"supported: {', '.join(formats)}")
    return ext


def _package(error):
    return (error.name or "required").split(".")[0]


def _describe(error):
    """A one-line reason; a KeyError's bare key becomes 'missing field …'."""
    if isinstance(error, KeyError):  # a bare key, or numpy's "W2 is not a file in the archive"
        key = str(error.args[0]) if error.args else ""
        return key if " " in key else f"missing field {key!r}"
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if isinstance(error, ValueError) and first:
        return first
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
