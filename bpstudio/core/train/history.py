"""What a run reports: the per-epoch ``History`` it keeps and the ``Progress`` it sends while it trains."""

from dataclasses import dataclass, field

import numpy as np

from .series import Series


@dataclass
class History:
    """Per-epoch record of a run; every series has one entry per completed epoch.

    The series are ``Series`` (8 bytes an entry, in blocks that never move: a run of a million
    epochs keeps every one in ~56 MB and leaves no holes in the heap as it grows). They index,
    slice, iterate, append and compare like lists (lists given to the constructor are converted),
    and ``np.asarray(history.train_cost)`` gives an array.
    """

    epoch: Series = field(default_factory=lambda: Series(dtype=np.int64))
    train_cost: Series = field(default_factory=Series)
    val_cost: Series = field(default_factory=Series)         # nan without validation data
    train_accuracy: Series = field(default_factory=Series)   # nan for regression
    val_accuracy: Series = field(default_factory=Series)
    time: Series = field(default_factory=Series)             # training seconds since the start
    samples_per_s: Series = field(default_factory=Series)
    stop_reason: str = ""   # why the last fit ended: completed, stopped, diverged …, early stopping …

    def __post_init__(self):
        self.epoch = Series(self.epoch, np.int64)
        for name in _SERIES:
            setattr(self, name, Series(getattr(self, name)))
        if len({len(getattr(self, name)) for name in ("epoch", *_SERIES)}) != 1:
            raise ValueError("history: every per-epoch series needs one number per epoch")

    def __len__(self) -> int:
        return len(self.epoch)

    def latest(self, name: str) -> float:
        """The last epoch's value of the series ``name`` (e.g. "val_cost"); nan before the first epoch."""
        series = getattr(self, name)
        return series[-1] if len(series) else float("nan")

    @property
    def diverged(self) -> bool:
        return self.stop_reason.startswith("diverged")

    def copy(self) -> "History":
        """An independent copy: the series are copied, not shared with a run that goes on."""
        return History(**{name: getattr(self, name) for name in ("epoch", *_SERIES)}, stop_reason=self.stop_reason)

    def to_dict(self) -> dict:
        """Plain lists (JSON-ready)."""
        series = {name: getattr(self, name).tolist() for name in ("epoch", *_SERIES)}
        return {**series, "stop_reason": self.stop_reason}

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        """Rebuild from ``to_dict()``, checking one number per epoch in every series."""
        if not isinstance(data["stop_reason"], str):
            raise ValueError(f"history: stop_reason must be text, got {data['stop_reason']!r}")
        return cls(**{name: data[name] for name in ("epoch", *_SERIES)}, stop_reason=data["stop_reason"])


_SERIES = ("train_cost", "val_cost", "train_accuracy", "val_accuracy", "time", "samples_per_s")


@dataclass
class Progress:
    """A small report for ``on_progress``; epoch counts completed epochs."""

    epoch: int
    epochs: int
    batch: int              # batches done in the current epoch
    batches_per_epoch: int
    updates: int            # weight updates since the start
    samples_seen: int
    train_cost: float       # last completed epoch's (nan before the first)
    val_cost: float
    elapsed: float          # training seconds since the start
    samples_per_s: float
    epoch_ended: bool
    warning: str = ""       # Trainer.warning
    status: str = ""        # a passing note for the status bar (e.g. the compiled path being built)
