"""The states of a training run as the app drives it (Start, Pause, Stop)."""

from enum import Enum


class RunState(str, Enum):
    """A run is idle (nothing to continue, or stopped), training, or paused mid-run.

    A ``str`` Enum: each member equals its value (``RunState.IDLE == "idle"``), so it travels
    through Qt signals declared with ``str`` and compares with the names saved in projects.
    """

    IDLE = "idle"
    TRAINING = "training"
    PAUSED = "paused"

    def __str__(self):
        return self.value
