"""From a column of target values to Y: one-hot classes, or a column of numbers to regress.

Text targets are class names. Numeric targets are classes when they are integers with few
distinct values (≤ 20, and at most half the number of samples) — otherwise a regression.
The caller can always override the guess with ``task=``.
"""

import numpy as np

from .dataset import DataError

FEW_DISTINCT = 20
MAX_CLASSES = 1000     # a one-hot Y wider than this is almost surely a regression target


def guess_task(values):
    """"classification" or "regression" for a 1-D array of numbers or strings."""
    if values.dtype.kind in "US":
        return "classification"
    distinct = np.unique(values)
    integers = bool(np.all(distinct == np.round(distinct)))
    few = len(distinct) <= FEW_DISTINCT and 2 * len(distinct) <= len(values)
    return "classification" if integers and few else "regression"


def class_name(value):
    """The name of a class label: text as it is, 3.0 as '3'."""
    if isinstance(value, str):
        return str(value)     # a NumPy string too
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def encode_targets(values, task, column, where):
    """(Y (N, k) float64, class_names, target_names, task) for target values (N,).

    ``column`` names the target in messages; ``where`` names the file.
    """
    task = task or guess_task(values)
    if task == "regression":
        if values.dtype.kind in "US":
            raise DataError(f"{where}: target column {column!r} holds text, so it cannot be a regression "
                            "target — use task='classification' or pick a numeric target column")
        return values.astype(np.float64).reshape(-1, 1), [], [column], task
    classes, labels = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"{where}: target column {column!r} has a single class ({class_name(classes[0])!r}) "
                        "— classification needs at least two classes")
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{where}: target column {column!r} has {len(classes)} distinct values, more than "
                        f"{MAX_CLASSES} classes — use task='regression' for a numeric target")
    Y = np.zeros((len(values), len(classes)))
    Y[np.arange(len(values)), labels.ravel()] = 1.0
    return Y, [class_name(c) for c in classes.tolist()], [], task
