"""How good are a model's predictions, in the target's own units: the numbers a practitioner reports.

    ev = evaluate(outputs, Y, "classification", class_names=["Adelie", "Chinstrap", "Gentoo"])
    ev.accuracy, ev.precision, ev.recall, ev.confusion      # per class, rows actual / columns predicted
    ev = evaluate(predicted, actual, "regression", target_names=["temp_max"])   # both in original units
    ev.r2, ev.rmse, ev.mae                                  # per target
    print("\n".join(ev.lines()))

Precision of a class: of the rows predicted as it, the share that are it; recall: of the rows that are
it, the share predicted as it (nan when there are none to divide by).
"""

from dataclasses import dataclass, field

import numpy as np

from .metrics import confusion_matrix, predicted_classes


@dataclass
class Evaluation:
    task: str
    n_samples: int
    names: list                      # class names, or target names
    accuracy: float = float("nan")   # classification
    confusion: np.ndarray = None     # (k, k) counts[actual, predicted]
    precision: np.ndarray = field(default_factory=lambda: np.zeros(0))
    recall: np.ndarray = field(default_factory=lambda: np.zeros(0))
    r2: np.ndarray = field(default_factory=lambda: np.zeros(0))      # regression, per target
    rmse: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mae: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def headline(self):
        """One line: accuracy, or R², RMSE and MAE of each target."""
        if self.task == "classification":
            return f"accuracy {_percent(self.accuracy)} ({int(np.trace(self.confusion))} of {self.n_samples})"
        return "; ".join(f"{name}: R² {r2:.3f}, RMSE {rmse:.4g}, MAE {mae:.4g}"
                         for name, r2, rmse, mae in zip(self.names, self.r2, self.rmse, self.mae))

    def lines(self):
        """The headline, then (classification) per-class precision and recall and the confusion matrix."""
        lines = [self.headline()]
        if self.task != "classification":
            return lines
        width = max(len("class"), *(len(name) for name in self.names))
        lines.append(f"  {'class':<{width}}  precision   recall  support")
        for name, p, r, n in zip(self.names, self.precision, self.recall, self.confusion.sum(axis=1)):
            lines.append(f"  {name:<{width}}  {_percent(p):>9}  {_percent(r):>7}  {n:>7}")
        lines.append("  confusion matrix (rows: actual, columns: predicted)")
        cell = max(max(len(name) for name in self.names), len(str(self.confusion.max())))
        lines.append(f"  {'':<{width}}  " + "  ".join(f"{name:>{cell}}" for name in self.names))
        for name, row in zip(self.names, self.confusion):
            lines.append(f"  {name:<{width}}  " + "  ".join(f"{count:>{cell}}" for count in row))
        return lines


def _percent(x):
    return f"{100 * x:.1f} %" if np.isfinite(x) else "—"


def evaluate(outputs, Y, task, class_names=(), target_names=()):
    """Scores of ``outputs`` (N, n_out) against ``Y``: one-hot classes (N, k) (or one 0/1 column beside
    a single sigmoid output), or regression targets (N, t) in the same units as the outputs."""
    outputs, Y = np.asarray(outputs, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if task == "classification":
        return _classification(outputs, Y, list(class_names))
    residual = outputs - Y
    spread = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(spread > 0, 1 - (residual ** 2).sum(axis=0) / np.where(spread > 0, spread, 1), np.nan)
    names = list(target_names) or [f"y{i + 1}" for i in range(Y.shape[1])]
    return Evaluation(task, len(Y), names, r2=r2, rmse=np.sqrt((residual ** 2).mean(axis=0)),
                      mae=np.abs(residual).mean(axis=0))


def _classification(outputs, Y, names):
    if Y.shape[1] == 2 and outputs.shape[1] == 1:   # one-hot pair beside a single sigmoid output
        Y = Y[:, 1:]
    counts = confusion_matrix(outputs, Y, max(len(names), 2))
    names = names if len(names) == len(counts) else [str(c) for c in range(len(counts))]
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.diag(counts) / counts.sum(axis=0)
        recall = np.diag(counts) / counts.sum(axis=1)
    correct = predicted_classes(outputs) == predicted_classes(Y)
    accuracy = float(correct.mean()) if len(Y) else float("nan")
    return Evaluation("classification", len(Y), names, accuracy, counts, precision, recall)


SPLITS = ("train", "validation", "test")


def evaluate_split(net, prepared, split="validation"):
    """The Evaluation of ``net`` on one split of ``prepared`` (a ``core.data.dataset.Prepared``), with a
    regression's outputs and targets mapped back to the target's units; None for an empty split."""
    X, Y = {"train": (prepared.X_train, prepared.Y_train), "validation": (prepared.X_val, prepared.Y_val),
            "test": (prepared.X_test, prepared.Y_test)}[split]
    if len(X) == 0:
        return None
    outputs, ds = net.predict(X), prepared.dataset
    if prepared.y_scaler is not None:
        outputs, Y = prepared.y_scaler.inverse_transform(outputs), prepared.y_scaler.inverse_transform(Y)
    return evaluate(outputs, Y, ds.task, ds.class_names, ds.target_names)
