"""The run state the session is in; every view enables its controls from it."""

from enum import StrEnum


class RunState(StrEnum):
    IDLE = "idle"              # no training job: data, network and every setting can change
    TRAINING = "training"
    PAUSED = "paused"          # the run can continue (Start) or advance one batch (Step)
    STOPPING = "stopping"      # Stop was pressed: the job finishes its batch, then IDLE

    @property
    def editable(self):
        """Data, network and every setting may be changed (right after Stop, a change waits for the batch)."""
        return self in (RunState.IDLE, RunState.STOPPING)
