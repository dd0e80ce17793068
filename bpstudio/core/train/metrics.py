"""Accuracy for classifiers; the cost itself lives in ``costs``."""

import numpy as np


def is_classification(output_activation, Y):
    """True when outputs are probabilities (sigmoid/softmax) and every target is 0 or 1."""
    if output_activation not in ("sigmoid", "softmax"):
        return False
    return bool(np.isin(Y, (0, 1)).all())


def predicted_classes(a):
    """Class index per row: argmax for several outputs, a > 0.5 for a single sigmoid output."""
    if a.shape[1] == 1:
        return (a[:, 0] > 0.5).astype(np.intp)
    return a.argmax(axis=1)


def accuracy(a, y):
    """Share of rows whose predicted class equals the target class (a, y: (N, n_out))."""
    if len(a) == 0:
        return float("nan")
    return float(np.mean(predicted_classes(a) == predicted_classes(y)))


def confusion_matrix(a, y, n_classes=None):
    """Counts[actual, predicted] for outputs a and one-hot (or single 0/1 column) targets y, both (N, n_out).

    ``n_classes`` defaults to the number of output columns (2 for a single sigmoid output).
    """
    n_classes = n_classes or max(a.shape[1], 2)
    actual, predicted = predicted_classes(y), predicted_classes(a)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (actual, predicted), 1)
    return counts


def regression_errors(predicted, actual):
    """Per output column: root-mean-square error and R² = 1 − SS_res / SS_tot (nan when the target is constant)."""
    residual = ((predicted - actual) ** 2).sum(axis=0)
    spread = ((actual - actual.mean(axis=0)) ** 2).sum(axis=0)
    rmse = np.sqrt(residual / max(len(actual), 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(spread > 0, 1 - residual / np.where(spread > 0, spread, 1), np.nan)
    return rmse, r2
