"""The Dataset: features X and targets Y with their names and task, and train/validation/test splits.

    ds = load_dataset("iris")                         # see bpstudio.core.data
    data = prepare(ds, scaling="standard", val_fraction=0.2, seed=0)
    Trainer(net, config).fit(data.X_train, data.Y_train, data.X_val, data.Y_val)

Raw columns (categories, dates, missing cells: ``Dataset.table``) are encoded by an ``Encoder``
fitted on the training split only, and scaling is fitted on the training split only, and ``prepare`` also scales the
targets of a regression (so a linear output trains at ordinary learning rates);
both scalers are saved with a trained model, which undoes them in ``predict``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..nn.heads import output_targets
from .preprocessing import Scaler, check_scaled
from .remedies import Remedy

TASKS = ("classification", "regression")


class DataError(ValueError):
    """Bad input data; the message names the file, line and column where they apply.

    ``remedy`` (a ``remedies.Remedy``) is what to change, phrased by the surface that shows the error:
    ``str(error)`` says it for Python, ``error.told_to("cli")`` / ``error.told_to("app")`` for the others.
    """

    def __init__(self, message: str, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.message, self.remedy = message, remedy

    def __str__(self) -> str:
        return self.told_to("python")

    def told_to(self, surface: str) -> str:
        """The message with the remedy as ``surface`` ("python", "cli" or "app") says it."""
        return self.message if self.remedy is None else f"{self.message}; {self.remedy.told_to(surface)}"


class LoadCancelled(Exception):
    """The ``cancel`` event was set while a file was being read."""


@dataclass
class Dataset:
    """X: (N, d) float64 features; Y: (N, k) float64 targets — one-hot for classification."""

    X: np.ndarray
    Y: np.ndarray
    task: str
    feature_names: list
    class_names: list = field(default_factory=list)    # classification only
    target_names: list = field(default_factory=list)   # regression only
    source: str = ""         # dataset name or file path
    description: str = ""
    table: object = None     # the raw input columns (a ``Table``) when X is their encoding
    notes: list = field(default_factory=list)   # what loading left out or filled, one line each
    target_column: str = ""  # the file's target column, for reading it again at predict time

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.X.ndim != 2 or self.Y.ndim != 2 or len(self.X) != len(self.Y):
            raise ValueError(f"X must be (N, d) and Y (N, k); got {self.X.shape} and {self.Y.shape}")
        if len(self.feature_names) != self.X.shape[1]:
            raise ValueError(f"{len(self.feature_names)} feature names for {self.X.shape[1]} columns")
        if self.task == "classification" and len(self.class_names) != self.Y.shape[1]:
            raise ValueError(f"{len(self.class_names)} class names for {self.Y.shape[1]} one-hot columns")

    @property
    def n_samples(self) -> int:
        return len(self.X)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y.shape[1]

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def labels(self) -> np.ndarray:
        """Class index per sample (classification only)."""
        return self.Y.argmax(axis=1)

    def split_indices(self, fractions: Sequence[float], seed: int = 0) -> list[np.ndarray]:
        """Shuffled index arrays, one per fraction plus the remainder first; stratified by class."""
        rng = np.random.default_rng(seed)
        groups = [np.flatnonzero(self.labels == c) for c in range(self.n_outputs)] \
            if self.is_classification else [np.arange(self.n_samples)]
        parts = [[] for _ in range(len(fractions) + 1)]
        for group in groups:
            group = rng.permutation(group)
            counts = [int(round(f * len(group))) for f in fractions]
            bounds = np.cumsum([len(group) - sum(counts), *counts])
            for part, chunk in zip(parts, np.split(group, bounds[:-1])):
                part.append(chunk)
        return [rng.permutation(np.concatenate(p)) for p in parts]

    def summary(self) -> str:
        """One line: samples, features, and classes or targets."""
        what = f"{self.n_outputs} classes" if self.is_classification else f"{self.n_outputs} target(s)"
        return f"{self.n_samples} samples, {self.n_features} features, {what}"


@dataclass
class Prepared:
    """Scaled arrays ready for ``Trainer.fit``, the encoder and scalers that made them, and the dataset
    (its X encoded by ``encoder`` when it has raw columns)."""

    dataset: Dataset
    x_scaler: Scaler
    y_scaler: Scaler | None    # regression only
    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    encoder: object = None    # an ``Encoder`` fitted on the training split (categories, fill values)

    def for_outputs(self, n_outputs: int) -> "Prepared":
        """The splits with targets as a network of ``n_outputs`` outputs learns them (``heads.output_targets``:
        a one-hot pair of classes becomes one column for a single sigmoid output)."""
        return replace(self, **{name: output_targets(getattr(self, name), n_outputs)
                                for name in ("Y_train", "Y_val", "Y_test")})


def prepare(dataset, scaling="standard", val_fraction=0.2, test_fraction=0.0, seed=0, dtype="float64"):
    """Split (stratified for classification), fit the scaling on the training split, scale every split."""
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= f < 1:
            raise ValueError(f"{name} must be in [0, 1), got {f}")
    if val_fraction + test_fraction >= 1:
        raise ValueError("val_fraction + test_fraction must leave some training samples")
    train, val, test = dataset.split_indices([val_fraction, test_fraction], seed)
    if len(train) == 0:
        raise ValueError(f"no training samples left after the split ({dataset.n_samples} samples in all)")
    encoder = None
    with np.errstate(over="ignore", invalid="ignore"):    # overflow is found by check_scaled, and named
        if dataset.table is not None:   # categories and fill values are learned on the training split only
            from .encoding import Encoder   # here: encoding imports DataError from this module
            encoder = Encoder.fit(dataset.table.subset(train))
            dataset = replace(dataset, X=encoder.transform(dataset.table), feature_names=encoder.feature_names)
        x_scaler = Scaler(scaling).fit(dataset.X[train])
        y_scaler = None if dataset.is_classification else Scaler("standard").fit(dataset.Y[train])
        scale_y = (lambda Y: Y.astype(dtype)) if y_scaler is None else (lambda Y: y_scaler.transform(Y, dtype))
        arrays = []
        for idx in (train, val, test):
            arrays += [x_scaler.transform(dataset.X[idx], dtype), scale_y(dataset.Y[idx])]
    where = dataset.source.replace("\\", "/").rsplit("/", 1)[-1] or "the data"
    check_scaled(x_scaler, arrays[0::2], dataset.X, dataset.feature_names, where, dtype)
    if y_scaler is not None:
        check_scaled(y_scaler, arrays[1::2], dataset.Y, dataset.target_names, where, dtype)
    return Prepared(dataset, x_scaler, y_scaler, *arrays, encoder=encoder)
