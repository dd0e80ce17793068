"""A trained model: the network plus everything needed to use it on raw data.

    model = Model.from_prepared(net, prepared, config, history)
    model.predict(X_raw)   # raw feature rows in → probabilities (or values in original units) out
    model.predict([["Biscoe", 39.1, None, "female"]])   # a model with an encoder takes raw rows
    model.evaluate(rows, ["Adelie"])    # accuracy, precision/recall, confusion (or R², RMSE, MAE)

The encoder (categories one-hot, missing cells filled, dates expanded; ``core.data.encoding``) and
the input scaling are applied before the network and, for a regression, the target scaling is
undone after it, so a model file is usable on its own.

A binary classifier may have a single sigmoid output: it is the probability of
``class_names[1]`` (the second class).
"""

import math
import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..train.config import TrainConfig
from ..train.history import History
from ..data.dataset import TASKS, Prepared
from ..data.encoding import Encoder, UnseenCategories, UnseenCategoryWarning
from ..data.table import Table
from ..data.targets import class_name
from ..train.evaluation import Evaluation, evaluate
from ..train.metrics import predicted_classes
from ..nn.network import Network
from ..data.preprocessing import Scaler

FORMAT = "bpstudio-model"
VERSION = 1


# Raw rows for predict: rows in input_names order, a mapping of column name → values (dict, DataFrame), or a Table
RawRows = ArrayLike | Mapping[str, Sequence] | Table
OnUnseen = Callable[[int, str, object], None]   # (row, column, value) of a category the encoder never saw


class Model:
    """network: a ``Network``; x_scaler: the fitted input ``Scaler``; y_scaler: the fitted target
    ``Scaler`` of a regression (or None); task: "classification" or "regression"; names of the
    features, classes and targets; config: the ``TrainConfig`` it was trained with (or None);
    history: a ``History`` or its summary dict (or None); encoder: the ``Encoder`` of raw columns
    (or None: the inputs are the numeric features themselves); target_column: the data file's
    target column, so ``bpstudio predict`` can score a file that has it.

    ``training_state`` (None unless set): the run's optimizer, shuffling and full history, saved in
    .safetensors and .py files so training can continue exactly (see ``training_state``)."""

    training_state = None

    def __init__(self, network: Network, x_scaler: Scaler | None, y_scaler: Scaler | None, task: str,
                 feature_names: Sequence[str], class_names: Sequence[str] = (), target_names: Sequence[str] = (),
                 config: TrainConfig | None = None, history: History | dict | None = None,
                 encoder: Encoder | None = None, target_column: str | None = None) -> None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
        self.network = network
        self.task = task
        self.encoder = encoder
        n_in, n_out = network.sizes[0], network.sizes[-1]
        if encoder is not None and encoder.width != n_in:
            raise ValueError(f"the encoder makes {encoder.width} inputs, but the network takes {n_in}")
        feature_names = encoder.feature_names if encoder is not None else feature_names
        self.feature_names = _names(feature_names, n_in, "x", "feature names")
        self.class_names = [str(c) for c in class_names] if task == "classification" else []
        self.target_names = _names(target_names, n_out, "y", "target names") if task == "regression" else []
        n_classes = 2 if n_out == 1 else n_out  # one sigmoid output stands for two classes
        if task == "classification" and len(self.class_names) != n_classes:
            raise ValueError(f"{len(self.class_names)} class names for {n_out} output(s); expected {n_classes}")
        self.x_scaler = _check_scaler(x_scaler or Scaler("none").fit(np.zeros((1, n_in))), n_in, "input")
        self.y_scaler = _check_scaler(y_scaler, n_out, "target") if task == "regression" and y_scaler else None
        self.config = config
        self.history = summarize_history(history)
        single_target = self.target_names[0] if len(self.target_names) == 1 else None
        self.target_column = str(target_column) if target_column else single_target   # the file's column

    @classmethod
    def from_prepared(cls, network: Network, prepared: Prepared, config: TrainConfig | None = None,
                      history: History | None = None) -> "Model":
        """A model from a trained network and the ``Prepared`` data (scalers and names) it was trained on."""
        ds = prepared.dataset
        return cls(network, prepared.x_scaler, prepared.y_scaler, ds.task, ds.feature_names,
                   ds.class_names, ds.target_names, config, history, prepared.encoder, ds.target_column)

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def input_names(self) -> list[str]:
        """The raw columns ``predict`` reads: the encoder's columns, or the features themselves."""
        return self.encoder.input_names if self.encoder else list(self.feature_names)

    def encode(self, X_raw: RawRows, on_unseen: OnUnseen | None = None) -> np.ndarray:
        """The network's unscaled inputs (N, n_features) for raw rows.

        With an encoder, ``X_raw`` is rows of raw values in ``input_names`` order (numbers, category
        strings, dates; None / NaN / "NA" where missing), a mapping of column name → values (a dict, a
        pandas DataFrame) or a ``Table``; an unseen category becomes all zeros and is reported to
        ``on_unseen(row, column, value)`` — by default as one ``UnseenCategoryWarning`` per column and value.
        """
        if self.encoder is None:
            X = _complete(X_raw) if isinstance(X_raw, Table) else np.asarray(X_raw, dtype=np.float64)
            X = X[None, :] if X.ndim == 1 else X
            if X.ndim != 2 or X.shape[1] != len(self.feature_names):
                raise ValueError(f"expected rows of {len(self.feature_names)} features "
                                 f"({', '.join(self.feature_names)}), got shape {X.shape}")
            return X
        table = X_raw if isinstance(X_raw, Table) else self.encoder.table_from(X_raw)
        if on_unseen is not None:
            return self.encoder.transform(table, on_unseen)
        unseen = UnseenCategories()
        X = self.encoder.transform(table, unseen)
        for message in unseen.messages(table.where):
            warnings.warn(message, UnseenCategoryWarning, stacklevel=3)
        return X

    def predict(self, X_raw: RawRows, on_unseen: OnUnseen | None = None) -> np.ndarray:
        """Raw rows (see ``encode``) → outputs (N, n_out): probabilities, or values in the targets'
        original units for a regression."""
        X = self.encode(X_raw, on_unseen)
        a = self.network.predict(self.x_scaler.transform(X, self.network.dtype))
        return self.y_scaler.inverse_transform(a) if self.y_scaler else a

    def targets(self, y: ArrayLike) -> np.ndarray:
        """Y for ``evaluate``: one-hot (N, k) for class names (or labels), values (N, t) for a regression."""
        if not self.is_classification:
            Y = np.asarray(y, dtype=np.float64)
            return Y.reshape(len(Y), -1)
        index = {name: k for k, name in enumerate(self.class_names)}
        labels = [class_name(v) for v in y]
        unknown = sorted({name for name in labels if name not in index})
        if unknown:
            raise ValueError(f"class {unknown[0]!r} is not one the model knows ({', '.join(self.class_names)})")
        Y = np.zeros((len(labels), len(self.class_names)))
        Y[np.arange(len(labels)), [index[name] for name in labels]] = 1.0
        return Y

    def evaluate(self, X_raw: RawRows, y: ArrayLike, on_unseen: OnUnseen | None = None) -> Evaluation:
        """An ``Evaluation`` of the predictions for ``X_raw`` against the true targets ``y`` (class names
        or labels; or values in the target's units): accuracy, per-class precision and recall and the
        confusion matrix, or R², RMSE and MAE."""
        return evaluate(self.predict(X_raw, on_unseen), self.targets(y), self.task, self.class_names,
                        self.target_names)

    def predict_classes(self, X_raw: RawRows) -> np.ndarray:
        """Class index per row (classification only); names are ``class_names[index]``."""
        if not self.is_classification:
            raise ValueError("predict_classes needs a classification model")
        return predicted_classes(self.predict(X_raw))

    # --- file contents -------------------------------------------------------------

    def metadata(self) -> dict:
        """Everything except the weights and biases, as JSON-ready values."""
        net = self.network
        return {
            "format": FORMAT, "version": VERSION,
            "sizes": list(net.sizes), "activations": list(net.activations),
            "dtype": net.dtype.name, "init": net.init, "seed": net.seed,
            "task": self.task, "feature_names": self.feature_names,
            "class_names": self.class_names, "target_names": self.target_names,
            "encoder": self.encoder.to_dict() if self.encoder else None, "target_column": self.target_column or "",
            "x_scaler": self.x_scaler.to_dict(),
            "y_scaler": self.y_scaler.to_dict() if self.y_scaler else None,
            "config": self.config.to_dict() if self.config else None,
            "history": self.history,
        }

    @classmethod
    def from_metadata(cls, meta: dict, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike]) -> "Model":
        """Rebuild from ``metadata()`` and per-layer arrays; ValueError/KeyError/TypeError name the problem."""
        n_layers(meta)
        weights = [np.asarray(w, dtype=np.float64) for w in weights]
        biases = [np.asarray(b, dtype=np.float64) for b in biases]
        _check_declared_shapes(meta["sizes"], weights, biases)
        net = Network(meta["sizes"], meta["activations"], init=meta.get("init", "auto"),
                      seed=int(meta.get("seed", 0)), dtype=meta.get("dtype", "float64"))
        net.set_parameters(weights, biases)
        if not np.isfinite(net.params).all():
            raise ValueError("weights or biases contain NaN or infinite values")
        y_scaler, encoder = meta.get("y_scaler"), meta.get("encoder")
        model = cls(net, Scaler.from_dict(meta["x_scaler"]), Scaler.from_dict(y_scaler) if y_scaler else None,
                    meta["task"], meta["feature_names"], meta.get("class_names", ()), meta.get("target_names", ()),
                    TrainConfig.from_dict(meta["config"]) if meta.get("config") else None, meta.get("history"),
                    Encoder.from_dict(encoder) if encoder else None, meta.get("target_column"))
        model.training_state = meta.get("training_state")
        return model

    def __repr__(self) -> str:
        what = f"classes {self.class_names}" if self.is_classification else f"targets {self.target_names}"
        return f"Model({self.network!r}, {self.task}, {what})"


def _complete(table):
    """The numbers of a Table read for a model without an encoder, which has no fill values."""
    missing = table.missing()
    if missing.any():
        i, j = np.argwhere(missing)[0]
        raise ValueError(f"{table.where} {table.lines[i]}, column {table.names[j]!r}: missing value — this model "
                         "was trained on complete rows and has no fill values; leave such rows out "
                         "(command line: --drop-missing)")
    return np.column_stack(table.columns) if table.columns else np.zeros((len(table), 0))


def n_layers(meta):
    """Number of weight layers a model's metadata declares, after checking it is bpstudio's."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"not a bpstudio model (no \"format\": \"{FORMAT}\" in its metadata)")
    if meta.get("version") != VERSION:
        raise ValueError(f"model format version {meta.get('version')!r} is not supported (expected {VERSION})")
    sizes = meta["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError(f"\"sizes\" must list at least two layer sizes, got {sizes!r}")
    return len(sizes) - 1


def _check_declared_shapes(sizes, weights, biases):
    """The file's arrays must have the shapes its "sizes" declare. Checked before a Network of
    those sizes is allocated: a damaged "sizes" could otherwise ask for gigabytes."""
    sizes = [int(n) for n in sizes]
    if not len(weights) == len(biases) == len(sizes) - 1:
        raise ValueError(f"{len(sizes) - 1} layers declared, but {len(weights)} weight and {len(biases)} bias arrays")
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for kind, array, shape in (("weights", weights[l], (n_out, n_in)), ("biases", biases[l], (n_out,))):
            if array.shape != shape:
                raise ValueError(f"layer {l + 1} {kind}: expected shape {shape}, got {array.shape}")


def summarize_history(history):
    """The last epoch of a ``History`` as a small JSON-ready dict (NaN → None); dicts pass through."""
    if history is None or isinstance(history, dict):
        return history
    last = lambda values: _finite_or_none(values[-1]) if values else None  # noqa: E731
    return {
        "epochs": len(history), "train_cost": last(history.train_cost), "val_cost": last(history.val_cost),
        "train_accuracy": last(history.train_accuracy), "val_accuracy": last(history.val_accuracy),
        "time": last(history.time), "samples_per_s": last(history.samples_per_s),
        "stop_reason": history.stop_reason,
    }


def _finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _names(names, n, prefix, what):
    names = [str(name) for name in names] or [f"{prefix}{i + 1}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"{len(names)} {what} for {n} columns")
    return names


def _check_scaler(scaler, n, what):
    if not scaler.fitted or scaler.offset.shape != (n,) or scaler.scale.shape != (n,):
        raise ValueError(f"the {what} scaler must be fitted on {n} columns")
    # A subnormal scale (5e-324) divides any input into infinity: as unusable as zero.
    usable = np.abs(scaler.scale) >= np.finfo(np.float64).tiny
    if not (np.isfinite(scaler.offset).all() and np.isfinite(scaler.scale).all() and usable.all()):
        raise ValueError(f"the {what} scaler has non-finite offsets or zero, subnormal or non-finite scales")
    return scaler
