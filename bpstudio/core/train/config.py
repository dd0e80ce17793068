"""Training settings, validated when created so a bad value fails early with a clear message."""

import math
import numbers
from dataclasses import asdict, dataclass, fields

from ..nn.costs import COSTS
from .optimizers import OPTIMIZERS

BATCH_MODES = ("stochastic", "mini-batch", "full")
# The usual learning-rate ladder: the steps of the app's learning-rate field, and the rates a
# sweep trains one short copy at (explain.compare.lr_sweep), roughly ×3 apart.
LR_LADDER = (1e-5, 1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``batch_mode``:

    - ``stochastic``: update after every sample (batch size 1);
    - ``mini-batch``: update after every ``batch_size`` samples; the last partial
      batch is averaged over its own size;
    - ``full``: one update per epoch with the mean gradient over all samples.
    """

    learning_rate: float = 0.1
    batch_mode: str = "mini-batch"
    batch_size: int = 32
    epochs: int = 100
    cost: str = "mse"
    optimizer: str = "sgd"
    momentum: float = 0.9          # momentum, nesterov
    betas: tuple = (0.9, 0.999)    # adam
    alpha: float = 0.99            # rmsprop
    eps: float = 1e-8              # adam, rmsprop
    l2: float = 0.0                # adds l2·W to ∇W (weights only), like torch's weight_decay
    shuffle: bool = True           # reshuffle the sample order every epoch (seeded)
    seed: int = 0                  # seeds the shuffling
    patience: int | None = None    # early stopping: epochs without a better validation cost
    lr_decay: float = 1.0          # multiply the learning rate by this after every epoch

    def __post_init__(self):
        _check_choice("batch_mode", self.batch_mode, BATCH_MODES)
        _check_choice("cost", self.cost, COSTS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        _check_whole("batch_size", self.batch_size, low=1)
        _check_whole("epochs", self.epochs, low=1)
        _check_number("momentum", self.momentum, low=0, high=1, high_open=True)
        _check_number("alpha", self.alpha, low=0, high=1, high_open=True)
        _check_number("eps", self.eps, low=0, low_open=True)
        _check_number("l2", self.l2, low=0)
        _check_number("lr_decay", self.lr_decay, low=0, high=1, low_open=True)
        _check_whole("seed", self.seed, low=0)
        if self.patience is not None:
            _check_whole("patience", self.patience, low=1)
        if len(self.betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {self.betas!r}")
        for i, beta in enumerate(self.betas):
            _check_number(f"betas[{i}]", beta, low=0, high=1, high_open=True)
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))

    def batch_size_for(self, n_samples: int) -> int:
        """Samples per update for a training set of ``n_samples``."""
        if self.batch_mode == "stochastic":
            return 1
        if self.batch_mode == "full":
            return n_samples
        return min(self.batch_size, n_samples)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Rebuild from ``to_dict()`` output; unknown keys are an error naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(unknown)}")
        data = dict(data)
        if "betas" in data:
            data["betas"] = tuple(data["betas"])
        return cls(**data)


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name}: {value!r} is not one of {', '.join(choices)}")


def _check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '≥'} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '≤'} {high}, got {value}")


def _check_whole(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be a whole number ≥ {low}, got {value!r}")
