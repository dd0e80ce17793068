"""The states of a training run as the app drives it (Start, Pause, Stop)."""

from enum import Enum


class RunState(str, Enum):
    """A run is idle (no job trains it), training, paused mid-run, or stopping: Stop was pressed and
    the training job finishes its batch; only once it has returned is the run idle.

    A ``str`` Enum: each member equals its value (``RunState.IDLE == "idle"``), so it travels
    through Qt signals declared with ``str`` and compares with the names saved in projects.
    """

    IDLE = "idle"
    TRAINING = "training"
    PAUSED = "paused"
    STOPPING = "stopping"

    @property
    def editable(self):
        """Data, network and every setting may be changed (right after Stop, a change waits for the batch)."""
        return self in (RunState.IDLE, RunState.STOPPING)

    def __str__(self):
        return self.value
