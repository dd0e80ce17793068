"""Project files: a whole session saved so that training continues exactly where it stopped.

    save_project("run.bpproject", network, config, DataSource("moons", {"noise": 0.2}), trainer)
    project = open_project("run.bpproject")
    project.trainer.fit(*project.arrays())    # the same next steps as if never interrupted

A project holds the data source (a built-in name or file path with its
loading options, or the data itself embedded), how it was split and scaled,
the network, the ``TrainConfig``, the weights and ``Trainer.state_dict()``
(optimizer buffers, shuffling RNG, position inside the epoch, history), and
optionally the finished runs kept for comparison (``core.compare.Run``; files
without them open with an empty list), each with the weights it started from and the
path it took (thinned to at most ``PATH_VALUES`` numbers, in float32: enough to draw it on
a loss surface, and a bounded share of the file), so reopened runs can be compared.

Opening checks every field of the description against ``schema.PROJECT`` and reads only the
arrays it refers to, each checked against its declared size (``safe_npz``). A data file is
named relative to the project's folder; one outside that folder (an absolute or ``../`` path)
is read only with ``allow_outside_data=True`` — the user's consent, asked by the app and given
on the command line with ``--allow-outside-data`` — else ``OutsideDataError`` names it. A
project shared with you cannot quietly pull in, and on its next save embed, any file you can read.

The file is an .npz archive: a JSON description plus plain arrays, read with
``allow_pickle=False``. Arrays inside the trainer state are stored as arrays
named by their place in the state (``trainer.optimizer.exp_avg``) and
referenced from the JSON as {"__array__": name}.
"""

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import write_bytes
from .schema import PROJECT, check
from ..explain.compare import Run
from ..train.config import TrainConfig
from ..data.dataset import Dataset, prepare
from ..nn.heads import output_targets
from ..nn.network import Network
from .safe_npz import NpzArchive, read_file
from .special_files import NotRegularFile
from ..limits import MemoryLimitError
from ..data.preprocessing import SCALINGS
from ..train.trainer import History, Trainer

FORMAT = "bpstudio-project"
VERSION = 2  # version 1 stored each Wˡ row by row; version 2 stores params as the network holds them
EXTENSION = ".bpproject"
PATH_VALUES = 1 << 19   # numbers a saved run's path keeps at most (2 MB in float32; 256 points up to 2,048 weights)


class ProjectFileError(ValueError):
    """A project file could not be written or read; the message names the file and the problem."""


class OutsideDataError(ProjectFileError):
    """The project reads a data file outside its folder, and no consent was given.

    ``project`` and ``data_path`` are the two paths, for a surface to ask about or word its remedy."""

    def __init__(self, project, data_path):
        self.project, self.data_path = Path(project), Path(data_path)
        super().__init__(f"{project}: its data file {data_path} is outside the project's folder "
                         f"{self.project.resolve().parent} — a project reads data from elsewhere only with your "
                         "consent")


@dataclass
class DataSource:
    """Where a project's data comes from, and how it is split and scaled (``prepare``'s arguments)."""

    name: str = ""                                 # built-in dataset name or file path ("" when embedded)
    options: dict = field(default_factory=dict)    # keyword arguments for load_dataset (target, noise, …)
    dataset: Dataset | None = None                 # embedded data, used instead of ``name``
    scaling: str = "standard"
    val_fraction: float = 0.2
    test_fraction: float = 0.0
    split_seed: int = 0

    def __post_init__(self):
        # Checked here so a damaged project file fails on opening, not when training starts.
        if not isinstance(self.name, str) or not isinstance(self.options, dict):
            raise ValueError(f"data source: name must be text and options a dict, got {self.name!r}, {self.options!r}")
        if not self.name and self.dataset is None:
            raise ValueError("data source: neither a dataset name or file nor embedded data")
        if self.scaling not in SCALINGS:
            raise ValueError(f"data source: unknown scaling {self.scaling!r}; valid scalings: {', '.join(SCALINGS)}")
        fractions = (self.val_fraction, self.test_fraction)
        if not all(_is_number(f) and 0 <= f < 1 for f in fractions) or sum(fractions) >= 1:
            raise ValueError(f"data source: val_fraction and test_fraction must be in [0, 1) with a sum below 1, "
                             f"got {self.val_fraction!r} and {self.test_fraction!r}")
        if not (isinstance(self.split_seed, int) and not isinstance(self.split_seed, bool) and self.split_seed >= 0):
            raise ValueError(f"data source: split_seed must be a whole number ≥ 0, got {self.split_seed!r}")

    def load(self):
        if self.dataset is not None:
            return self.dataset
        from ..data.loading import load_dataset  # the loaders are only needed for a named source
        return load_dataset(self.name, **self.options)

    def prepare(self, dtype="float64"):
        return prepare(self.load(), self.scaling, self.val_fraction, self.test_fraction, self.split_seed, dtype)


@dataclass
class Project:
    network: Network
    config: TrainConfig
    data: DataSource
    trainer: Trainer    # with the saved run's state restored (a fresh one if none was saved)
    runs: list = field(default_factory=list)   # finished runs kept for comparison (core.compare.Run)
    current_run: int | None = None             # index in ``runs`` of the run ``trainer`` continues

    def arrays(self):
        """(X_train, Y_train, X_val, Y_val) for ``trainer.fit``, rebuilt from the data source."""
        prepared = self.data.prepare(self.network.dtype.name)
        n_out = self.network.sizes[-1]
        return (prepared.X_train, output_targets(prepared.Y_train, n_out),
                prepared.X_val, output_targets(prepared.Y_val, n_out))


def save_project(path, network, config, data, trainer=None, runs=(), current_run=None):
    """Write the project atomically; ``trainer`` (optional) is the run to continue later, ``runs``
    (``core.compare.Run``) the runs kept for comparison, ``runs[current_run]`` the one ``trainer`` continues."""
    arrays = {"params": network.params}
    description = {
        "format": FORMAT, "version": VERSION,
        "network": {"sizes": list(network.sizes), "activations": list(network.activations),
                    "dtype": network.dtype.name, "init": network.init, "seed": network.seed},
        "config": config.to_dict(),
        "data": _describe_data(data, arrays),
        "trainer": _split_arrays(trainer.state_dict(), "trainer", arrays) if trainer else None,
        "runs": [_describe_run(run, i, i == current_run, arrays) for i, run in enumerate(runs)],
    }
    arrays["project"] = np.array(json.dumps(description))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    try:
        write_bytes(path, buffer.getvalue())
    except OSError as e:
        raise ProjectFileError(f"{path}: cannot write the file: {e.strerror or e}") from None


def open_project(path, allow_outside_data=False):
    """Read a project written by ``save_project``; any problem raises ``ProjectFileError`` naming the file.

    A data file outside the project's folder raises ``OutsideDataError`` unless ``allow_outside_data``."""
    path = Path(path)
    try:
        archive = NpzArchive(read_file(path))
    except FileNotFoundError:
        raise ProjectFileError(f"{path}: no such file") from None
    except NotRegularFile as e:
        raise ProjectFileError(str(e)) from None
    except Exception as e:  # noqa: BLE001 — zip and npy readers raise anything on corrupt bytes
        raise ProjectFileError(f"{path}: {_not_readable(e)}") from None
    with archive:
        try:
            description = json.loads(str(archive["project"][()]))
            check(description, PROJECT, "project")
            arrays = {name: archive[name] for name in _arrays_named(description) if name in archive}
        except Exception as e:  # noqa: BLE001 — zip and npy readers raise anything on corrupt bytes
            raise ProjectFileError(f"{path}: {_not_readable(e)}") from None
    try:
        project = _build_project(description, arrays)
    except Exception as e:  # noqa: BLE001 — a well-formed file can still hold nonsense values
        reason = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise ProjectFileError(f"{path}: {reason}") from None
    project.data = _locate_data(path, project.data, allow_outside_data)
    return project


def _not_readable(error):
    """The reason a project file cannot be read; a problem the file's own checks worded is kept as it is."""
    worded = isinstance(error, ValueError) and str(error).startswith(("field ", "'"))
    if worded or isinstance(error, MemoryLimitError):
        return str(error)
    return f"not a readable project file ({type(error).__name__}: {error})"


def _arrays_named(description):
    """The archive members the description uses: params, the embedded data, {"__array__": …} references."""
    names = ["params", "data.X", "data.Y"]

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {"__array__"} and isinstance(value["__array__"], str):
                names.append(value["__array__"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk([description.get("trainer"), description.get("runs")])
    return names


def _locate_data(path, data, allow_outside_data):
    """A named data file, relative to the project's folder; outside it only with consent."""
    if data.dataset is not None or not data.name or _is_builtin(data.name):
        return data
    folder = path.resolve().parent
    file = (folder / data.name).resolve()
    if not file.is_relative_to(folder) and not allow_outside_data:
        raise OutsideDataError(path, file)
    data.name = str(file)
    return data


def _is_builtin(name):
    from ..data import bundled, generated
    return name in generated.GENERATORS or name in bundled.BUNDLED


def _build_project(description, arrays):
    version = description.get("version")
    if description.get("format") != FORMAT:
        raise ValueError("not a bpstudio project file")
    if version not in (1, VERSION):
        raise ValueError(f"project file version {version!r}: this bpstudio reads versions 1 to {VERSION}")
    spec = description["network"]
    # Checked before a Network of the declared sizes is allocated: damaged sizes could ask for gigabytes.
    sizes = [int(n) for n in spec["sizes"]]
    n_parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if arrays["params"].shape != (n_parameters,):
        raise ValueError(f"expected {n_parameters} parameters, found {arrays['params'].size}")
    if arrays["params"].dtype.kind not in "fiu":
        raise ValueError(f"weights and biases must be real numbers, found {arrays['params'].dtype}")
    network = Network(sizes, spec["activations"], spec["init"], spec["seed"], spec["dtype"])
    if version == 1:
        _convert_version_1(network, arrays)
    if not np.isfinite(arrays["params"]).all():
        raise ValueError("weights or biases contain NaN or infinite values")
    network.params[...] = arrays["params"]
    config = TrainConfig.from_dict(description["config"])
    trainer = Trainer(network, config)
    if description["trainer"] is not None:
        trainer.load_state_dict(_join_arrays(description["trainer"], arrays))
    runs = [_read_run(run, arrays) for run in description.get("runs", [])]   # optional: older files have none
    current = [i for i, run in enumerate(description.get("runs", [])) if run.get("current") is True]
    return Project(network, config, _read_data(description["data"], arrays), trainer, runs,
                   current[0] if current else None)


def _convert_version_1(network, arrays):
    """Re-lay every flat, params-shaped array of a version-1 file (each Wˡ stored row by row)."""
    for name in list(arrays):
        if name == "params" or name == "trainer.best_params" or name.startswith("trainer.optimizer."):
            flat = arrays[name]
            if flat.shape == network.params.shape:
                arrays[name] = _from_row_major(network, flat)


def _from_row_major(network, flat):
    out = flat.copy()
    offset = 0
    for W in network.layer_views(out)[0]:
        W[...] = flat[offset:offset + W.size].reshape(W.shape)
        offset += W.size
    return out


def _describe_data(data, arrays):
    described = {"name": data.name, "options": data.options, "scaling": data.scaling,
                 "val_fraction": data.val_fraction, "test_fraction": data.test_fraction,
                 "split_seed": data.split_seed, "embedded": None}
    ds = data.dataset
    if ds is not None:
        arrays["data.X"], arrays["data.Y"] = ds.X, ds.Y
        described["embedded"] = {"task": ds.task, "feature_names": ds.feature_names,
                                 "class_names": ds.class_names, "target_names": ds.target_names,
                                 "source": ds.source, "description": ds.description}
    return described


def _read_data(described, arrays):
    embedded = described.pop("embedded", None)
    dataset = None
    if embedded:
        dataset = Dataset(_finite_matrix(arrays, "data.X"), _finite_matrix(arrays, "data.Y"), **embedded)
    return DataSource(dataset=dataset, **described)


def _describe_run(run, i, current, arrays):
    arrays[f"runs.{i}.params"] = run.params
    described = {"name": run.name, "config": run.config.to_dict(), "history": run.history.to_dict(),
                 "params": {"__array__": f"runs.{i}.params"}, "current": current, "setup": dict(run.setup)}
    if run.initial is not None and run.path is not None:   # its loss surface's path (older runs have none)
        arrays[f"runs.{i}.initial"] = run.initial
        arrays[f"runs.{i}.path"] = thinned_path(run.path).astype(np.float32)
        described.update(initial={"__array__": f"runs.{i}.initial"}, path={"__array__": f"runs.{i}.path"})
    return described


def thinned_path(path):
    """At most PATH_VALUES numbers of a (T, n_params) path: evenly spaced points, the first and the last kept."""
    path = np.asarray(path)
    keep = max(2, PATH_VALUES // max(path.shape[1], 1))
    if len(path) <= keep:
        return path
    return path[np.unique(np.linspace(0, len(path) - 1, keep).round().astype(int))]


def _read_run(described, arrays):
    params = np.asarray(_join_arrays(described["params"], arrays))
    if not isinstance(described["name"], str) or params.ndim != 1 or params.dtype.kind != "f":
        raise ValueError(f"run {described['name']!r}: a name and a flat array of weights are needed")
    setup = described.get("setup", {})   # projects written before runs kept their data and network have none
    if not isinstance(setup, dict) or not all(isinstance(v, str) for v in setup.values()):
        raise ValueError(f"run {described['name']!r}: 'setup' must map settings to texts")
    initial, path = (_run_array(described, name, arrays, params.dtype) for name in ("initial", "path"))
    if initial is not None and (initial.shape != params.shape or path is None
                                or path.ndim != 2 or path.shape[1] != params.size or not len(path)):
        raise ValueError(f"run {described['name']!r}: its initial weights and path must match its "
                         f"{params.size} weights, found {initial.shape} and {None if path is None else path.shape}")
    return Run(described["name"], TrainConfig.from_dict(described["config"]),
               History.from_dict(described["history"]), params, dict(setup),
               initial=initial, path=None if initial is None else path)


def _run_array(described, name, arrays, dtype):
    """A run's optional array ``name`` (real, finite) as ``dtype``, None when the file has none."""
    if name not in described:
        return None
    array = np.asarray(_join_arrays(described[name], arrays))
    if array.dtype.kind != "f" or not np.isfinite(array).all():
        raise ValueError(f"run {described['name']!r}: its {name} must be finite real numbers")
    return array.astype(dtype)


def _finite_matrix(arrays, name):
    """The embedded data array ``name``: real numbers, (N, k), every one finite."""
    X = arrays[name]
    if X.dtype.kind not in "fiu" or X.ndim != 2:
        raise ValueError(f"embedded data {name!r}: expected a 2-D array of real numbers, got {X.dtype} {X.shape}")
    if not np.isfinite(X).all():
        row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise ValueError(f"embedded data {name!r}: row {row + 1} holds NaN or infinity — every value must be finite")
    return X.astype(np.float64, copy=False)


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _split_arrays(value, name, arrays):
    """JSON-ready copy of ``value`` with every ndarray moved into ``arrays`` under a dotted name."""
    if isinstance(value, np.ndarray):
        arrays[name] = value
        return {"__array__": name}
    if isinstance(value, dict):
        return {key: _split_arrays(item, f"{name}.{key}", arrays) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_split_arrays(item, f"{name}.{i}", arrays) for i, item in enumerate(value)]
    return value.item() if isinstance(value, np.generic) else value


def _join_arrays(value, arrays):
    """Inverse of ``_split_arrays``."""
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[value["__array__"]]
        return {key: _join_arrays(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_join_arrays(item, arrays) for item in value]
    return value
