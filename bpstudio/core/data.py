"""The one entry point from a dataset name or a file to a Dataset.

    load_dataset("moons", n_samples=500, noise=0.2, seed=1)    # generated
    load_dataset("iris")                                       # bundled real data
    load_dataset("houses.csv", target="price", task="regression")
    load_dataset("mnist.npz", x_key="images", y_key="labels")
    list_datasets()        # every built-in with a one-line description

Bad input raises DataError (a ValueError) naming the file, line and column.
"""

from dataclasses import dataclass
from pathlib import Path

from . import generated
from .dataset import DataError, TASKS


class LoadCancelled(Exception):
    """Raised when the ``cancel`` event is set while a file is being read."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str           # "generated" | "bundled"
    task: str
    description: str    # one line
    n_features: int
    n_outputs: int      # classes for classification, targets for regression


def list_datasets():
    """Every built-in dataset, generated ones first."""
    infos = [DatasetInfo(name, "generated", g.task, g.description, g.n_features, g.n_outputs)
             for name, g in generated.GENERATORS.items()]
    return infos


def builtin_names():
    return [info.name for info in list_datasets()]


def load_dataset(name_or_path, *, target=None, task=None, n_samples=None, noise=None, seed=0,
                 drop_missing=False, progress=None, cancel=None, **options):
    """A Dataset from a built-in name or a .csv / .npz path.

    Built-ins: generated sets take ``n_samples``, ``noise``, ``seed`` (and ``centers`` for gaussians).
    Files: ``target`` (column name or 0-based index, default the last), ``task`` ("classification" or
    "regression", default guessed), ``drop_missing`` (drop rows with empty/NA/NaN/inf cells instead of
    failing), ``progress(fraction)`` callback and ``cancel`` (threading.Event → LoadCancelled).
    """
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    name = str(name_or_path)
    if name in generated.GENERATORS:
        _no_file_options(name, target=target, task=task)
        return generated.make(name, n_samples, noise, seed, **options)
    raise DataError(f"unknown dataset {name!r}; built-in datasets: {', '.join(builtin_names())}")


def _no_file_options(name, **given):
    used = [key for key, value in given.items() if value is not None]
    if used:
        raise DataError(f"{name} is a built-in dataset; {', '.join(used)} only apply to CSV/NPZ files")
