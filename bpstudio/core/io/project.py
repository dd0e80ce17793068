"""Project files: a whole session saved so that training continues exactly where it stopped.

    save_project("run.bpproject", network, config, DataSource("moons", {"noise": 0.2}), trainer)
    project = open_project("run.bpproject")
    project.trainer.fit(*project.arrays())    # the same next steps as if never interrupted

A project holds the data source (a built-in name or file path with its
loading options, or the data itself embedded), how it was split and scaled,
the network, the ``TrainConfig``, the weights and ``Trainer.state_dict()``
(optimizer buffers, shuffling RNG, position inside the epoch, history), and
optionally the finished runs kept for comparison (``core.compare.Run``; files
without them open with an empty list).

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
from ..explain.compare import Run
from ..train.config import TrainConfig
from ..data.dataset import Dataset, prepare
from .model import output_targets
from ..nn.network import Network
from .safe_npz import load_arrays
from ..data.preprocessing import SCALINGS
from ..train.trainer import History, Trainer

FORMAT = "bpstudio-project"
VERSION = 2  # version 1 stored each Wˡ row by row; version 2 stores params as the network holds them
EXTENSION = ".bpproject"


class ProjectFileError(ValueError):
    """A project file could not be written or read; the message names the file and the problem."""


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


def open_project(path):
    """Read a project written by ``save_project``; any problem raises ``ProjectFileError`` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"{path}: no such file")
    try:
        # Read from memory: np.load leaves its file open when a corrupt archive makes it raise.
        arrays = load_arrays(path.read_bytes())
        description = json.loads(str(arrays["project"][()]))
    except Exception as e:  # noqa: BLE001 — zip and npy readers raise anything on corrupt bytes
        raise ProjectFileError(f"{path}: not a readable project file ({type(e).__name__}: {e})") from None
    try:
        return _build_project(description, arrays)
    except Exception as e:  # noqa: BLE001 — a well-formed file can still hold nonsense values
        reason = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise ProjectFileError(f"{path}: {reason}") from None


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
    embedded = described.pop("embedded")
    dataset = Dataset(arrays["data.X"], arrays["data.Y"], **embedded) if embedded else None
    return DataSource(dataset=dataset, **described)


def _describe_run(run, i, current, arrays):
    arrays[f"runs.{i}.params"] = run.params
    return {"name": run.name, "config": run.config.to_dict(), "history": run.history.to_dict(),
            "params": {"__array__": f"runs.{i}.params"}, "current": current, "setup": dict(run.setup)}


def _read_run(described, arrays):
    params = np.asarray(_join_arrays(described["params"], arrays))
    if not isinstance(described["name"], str) or params.ndim != 1 or params.dtype.kind != "f":
        raise ValueError(f"run {described['name']!r}: a name and a flat array of weights are needed")
    setup = described.get("setup", {})   # projects written before runs kept their data and network have none
    if not isinstance(setup, dict) or not all(isinstance(v, str) for v in setup.values()):
        raise ValueError(f"run {described['name']!r}: 'setup' must map settings to texts")
    return Run(described["name"], TrainConfig.from_dict(described["config"]),
               History.from_dict(described["history"]), params, dict(setup))


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
