"""The one entry point from a dataset name or a file to a Dataset.

    load_dataset("moons", n_samples=500, noise=0.2, seed=1)    # generated
    load_dataset("iris")                                       # bundled real data
    load_dataset("houses.csv", target="price", task="regression", drop_missing=True)
    load_dataset("mnist.npz", x_key="images", y_key="labels")
    list_datasets()          # every built-in with a one-line description
    inspect_csv("houses.csv")  # delimiter, header, columns and first rows, for an import dialog

Bad input raises DataError (a ValueError) naming the file, line and column.
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


from . import bundled
from . import generated
from .csv_layout import is_text_column, sniff
from .columns import plan_columns
from .csv_reader import check_unique_names, read_csv
from .dataset import TASKS, DataError, Dataset, LoadCancelled
from .npz_reader import read_npz
from .guess import column_task, guess_target

__all__ = ["load_dataset", "list_datasets", "inspect_csv", "DataError", "LoadCancelled",
           "DatasetInfo", "CsvPreview"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
CSV_OPTIONS = ("delimiter", "header", "ignore", "kinds", "dates")
NPZ_OPTIONS = ("x_key", "y_key")


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str           # "generated" | "bundled"
    task: str
    description: str    # one line
    n_features: int
    n_outputs: int      # classes for classification, targets for regression


@dataclass(frozen=True)
class CsvPreview:
    delimiter: str
    has_header: bool
    columns: list           # names
    rows: list              # the first rows, as lists of strings
    suggested_target: str   # ``guess.guess_target``: a column named like a target, else the last that is no id or date
    suggested_task: str     # the task guessed for the suggested target
    text_columns: list      # 0-based indices of columns mostly holding text in the first 1000 rows
    plan: list              # a columns.ColumnPlan per column as an input (none is the target): the defaults
    column_tasks: tuple = ()   # per column, the task guessed were it the target (None: no values sampled)
    row_lines: tuple = ()      # the file's line number of each row shown (as errors name lines)


def list_datasets():
    """Every built-in dataset: generated ones first, then the bundled real ones."""
    infos = [DatasetInfo(name, "generated", g.task, g.description, g.n_features, g.n_outputs)
             for name, g in generated.GENERATORS.items()]
    infos += [DatasetInfo(name, "bundled", b.task, b.description, b.n_features, b.n_outputs)
              for name, b in bundled.BUNDLED.items()]
    return infos


def _check_options(where, options, allowed):
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise DataError(f"{where}: unknown option(s) {', '.join(unknown)}; options allowed: "
                        f"{', '.join(allowed) or 'none'}")


def _builtin(name, target, task, n_samples, noise, seed, options):
    if target is not None or task is not None:
        raise DataError(f"{name} is a built-in dataset; target and task only apply to CSV/NPZ files")
    if name in generated.GENERATORS:
        return generated.make(name, n_samples, noise, seed, **options)
    if n_samples is not None or noise is not None:
        raise DataError(f"{name} is real data; n_samples and noise only apply to generated datasets")
    _check_options(name, options, ())
    return bundled.load(name)


def _done(dataset, progress):
    """Report completion to a progress bar even for data that loads in one step."""
    if progress is not None:
        progress(1.0)
    return dataset


def load_dataset(name_or_path: str | os.PathLike, *, target: str | None = None, task: str | None = None,
                 n_samples: int | None = None, noise: float | None = None, seed: int = 0, drop_missing: bool = False,
                 progress: Callable[[float], None] | None = None, cancel: threading.Event | None = None,
                 **options: object) -> Dataset:
    """A Dataset from a built-in name or a .csv / .npz path.

    Generated sets take ``n_samples``, ``noise``, ``seed`` (and ``centers`` for gaussians).
    CSV files: ``target`` (column name or 0-based index, default the last), ``task``
    ("classification" | "regression", default guessed), ``drop_missing`` (drop rows with
    NA/NaN/?/empty cells instead of filling them when training), ``delimiter``, ``header``, ``ignore``
    (columns to leave out), ``kinds`` ({column: "number" | "category" | "date" | "ignore"}, overriding
    the guess), ``dates`` ("ignore" or "expand"), ``progress(fraction)`` and ``cancel`` (a
    threading.Event → LoadCancelled). What was left out or filled is listed in ``Dataset.notes``.
    NPZ files: ``x_key`` / ``y_key`` (default "X" / "y"), ``task``, ``drop_missing``.
    """
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    name = str(name_or_path)
    if name in generated.GENERATORS or name in bundled.BUNDLED:
        return _done(_builtin(name, target, task, n_samples, noise, seed, options), progress)
    path = Path(name)
    suffix = path.suffix.lower()
    if (n_samples is not None or noise is not None) and suffix:
        raise DataError(f"{path.name}: n_samples and noise only apply to generated datasets, not to a file "
                        "(command line: --samples, --noise)")
    if suffix in CSV_SUFFIXES:
        _check_options(path.name, options, CSV_OPTIONS)
        return read_csv(path, target, task, drop_missing, progress, cancel, **options)
    if suffix == ".npz":
        _check_options(path.name, options, NPZ_OPTIONS)
        if target is not None:
            raise DataError(f"{path.name}: target only applies to CSV files; use y_key=… for an .npz archive")
        return _done(read_npz(path, task=task, drop_missing=drop_missing, **options), progress)
    if suffix:
        raise DataError(f"{path.name}: unsupported file type {suffix!r} — use .csv (or .tsv/.txt) or .npz")
    builtins = ", ".join(info.name for info in list_datasets())
    raise DataError(f"unknown dataset {name!r}; built-in datasets: {builtins}; or give a .csv / .npz file")


def inspect_csv(path, n_rows=20):
    """What an import dialog shows before loading: the guessed layout and the first ``n_rows`` rows.

    The target is guessed as ``load_dataset`` guesses it without ``target=`` (``guess.guess_target``),
    the task of every column (were it the target) over the first 1000 rows, and the columns mostly
    holding text (which cannot be inputs) are found in those rows.
    """
    layout = sniff(path)
    rows = [row for row in layout.rows if len(row) == len(layout.columns)]
    target = guess_target(layout.columns, rows)
    tasks = tuple(column_task(rows, j) for j in range(len(layout.columns)))
    text_columns = [j for j in range(len(layout.columns)) if is_text_column(layout, j)]
    check_unique_names(layout)
    return CsvPreview(layout.delimiter, layout.has_header, layout.columns, layout.rows[:n_rows],
                      layout.columns[target], tasks[target] or "classification", text_columns,
                      plan_columns(layout, target=None), tasks, tuple(layout.row_lines[:n_rows]))
