"""What the app starts with, which settings apply mid-run, and how data is split (the session's options)."""

from dataclasses import dataclass

from bpstudio.core import TrainConfig

LIVE_SETTINGS = ("learning_rate", "epochs", "l2", "lr_decay", "patience")
# What the app starts with (and File ▸ New Project goes back to): a generated 2-D set, Adam on mini-batches.
# Chosen on the generated sets for a smooth first curve: at lr 0.01, batches of 16 and 2000 epochs the
# weights kept growing and circles' validation cost spiked ~90 times (now 0–1, same accuracy, 0.6 s).
DEFAULT_DATASET = "circles"
DEFAULT_CONFIG = TrainConfig(learning_rate=0.003, batch_mode="mini-batch", batch_size=32, epochs=1000,
                             optimizer="adam", cost="cross_entropy")


@dataclass(frozen=True)
class DataOptions:
    """How a dataset is turned into training and validation (and held-out test) splits."""

    scaling: str = "standard"
    val_fraction: float = 0.2
    seed: int = 0
    test_fraction: float = 0.0   # the app does not use a test split; a project made by a script may
