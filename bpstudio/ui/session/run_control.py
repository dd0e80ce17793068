"""Run control, the training half of the session: Start, Pause, Step, Stop, the speed, and the job.

``Session`` (``session.py``) is built from this and keeps the state it trains: the
trainer, the prepared data, the probe and the per-update recorder. Here is how that
state is trained without ever being touched by two threads:

- the training job runs on the session's serial ``JobRunner``; Pause and Stop set the
  job's own stop flag, checked once per batch;
- "idle" means the training job has returned: after Stop the state is STOPPING until
  it has, and ``when_worker_idle`` runs what must wait for that;
- settings and the pace reach a running job as messages (``worker.Inbox``) it applies
  between batches; with no job they apply at once;
- snapshots come back from the job (copies, ≤ 20/s) and are passed on as ``snapshot``.
"""

from bpstudio.core import RunState

from .jobs import JobRunner
from .worker import Inbox, Pace, TrainJob, share_the_gil

STOP_WAIT_MS = 1000   # how long a change right after Stop waits for the job's batch to end
# Training speeds a person can follow: label -> updates per second (None: as fast as the engine goes).
SPEEDS = {"1 update/s": 1.0, "10/s": 10.0, "100/s": 100.0, "full speed": None}


class RunControl:
    """Session's run control (a mixin: it uses the session's signals, ``trainer``, ``prepared``,
    ``probe``, ``recorder``, ``run_id``, ``latest`` and ``path``; ``_record_run`` keeps a finished run)."""

    def _start_run_control(self):
        self.state = RunState.IDLE
        self.pace = 0.0               # seconds between updates while training (0: full speed)
        self._deferred = []           # actions waiting for the worker to return
        self._inbox = Inbox()         # settings on their way to the training job
        self._job = None              # the newest training Job (its cancel flag is Pause/Stop)
        share_the_gil()
        self.jobs = JobRunner(self, serial=True, name="training")
        self.jobs.progressed.connect(self._on_snapshot)
        self.jobs.finished.connect(self._on_job_returned)

    @property
    def busy(self):
        """True while a training job has not returned (the network must not be rewritten in place)."""
        return self.jobs.busy

    def start(self):
        """Start, or resume after Pause/Stop; the trainer continues where it stopped."""
        if self.state in (RunState.TRAINING, RunState.STOPPING):
            return
        if self.trainer.is_done:
            self.error.emit(f"This run reached its epoch limit ({self.config.epochs}). "
                            "Raise “Epochs” to continue, or press Reset to start over.")
            return
        self._submit("fit")
        self._set_state(RunState.TRAINING)

    def pause(self):
        if self.state == RunState.TRAINING:
            self.jobs.cancel()
            self._set_state(RunState.PAUSED)

    def step(self):
        """Train exactly one batch, then stay paused."""
        if self.state in (RunState.TRAINING, RunState.STOPPING):
            return
        self._submit("step")
        self._set_state(RunState.PAUSED)

    def stop(self):
        """End the run: training stops (after its current batch) and the network and data can be edited again."""
        self.jobs.cancel()
        self._set_state(RunState.STOPPING if self.busy else RunState.IDLE)

    def when_worker_idle(self, action):
        """Run ``action`` now, or as soon as the worker has returned every job (it must not touch the run before)."""
        if self.busy:
            self._deferred.append(action)
        else:
            action()

    def shutdown(self, timeout_ms=None):
        """Stop training and wait for the job, with a bound (call when the window closes).
        True when it ended in time; a job that did not is left to finish its batch (see ``jobs``)."""
        return self.jobs.shutdown(timeout_ms)

    def set_pace(self, seconds):
        """Seconds between updates while training (0: full speed); applies at once, even mid-run."""
        self.pace = max(0.0, float(seconds))
        self._send(Pace(self.pace))

    def set_speed(self, updates_per_s):
        """Train at most ``updates_per_s`` updates a second (None: full speed); applies at once, even mid-run."""
        if updates_per_s is not None and not updates_per_s > 0:
            raise ValueError(f"speed must be a positive number of updates per second, got {updates_per_s!r}")
        self.set_pace(1.0 / updates_per_s if updates_per_s else 0.0)

    @property
    def speed(self):
        """Updates per second while training (None: full speed)."""
        return 1.0 / self.pace if self.pace > 0 else None

    @property
    def slow(self):
        """True when training is slowed down enough that every view can redraw after every update."""
        return self.pace >= 0.1

    def _send(self, message):
        """A message for the run: the training job applies it between batches; with no job, now."""
        self._inbox.post(message)
        if not self.busy:
            self._inbox.deliver(self._idle_target())

    def _idle_target(self):
        """What messages apply to while no job runs: the trainer, and the pace the next job starts with."""
        return TrainJob(self.run_id, "fit", self.trainer, self.prepared, self.probe, self._inbox, self.pace,
                        self.recorder)

    def _submit(self, mode):
        job = TrainJob(self.run_id, mode, self.trainer, self.prepared, self.probe, self._inbox, self.pace,
                       self.recorder)
        self._job = self.jobs.run(job.run, f"training ({mode})", tag=self.run_id)

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    def _check_idle(self, what):
        """Whether ``what`` may happen now. Right after Stop it waits (bounded) for the job's batch to end."""
        if self.state == RunState.STOPPING and not self._finish_stopping():
            self.error.emit(f"Training is still finishing its batch; {what} again in a moment.")
            return False
        if self.state != RunState.IDLE:
            self.error.emit(f"Stop training to {what}.")
            return False
        return True

    def _finish_stopping(self):
        """Wait up to STOP_WAIT_MS for the stopped job to return (a batch is usually a few ms)."""
        return self.jobs.wait(STOP_WAIT_MS)

    def _on_job_returned(self, job):
        """A training job returned (the runner starts the next one, if any, right after)."""
        last = not self.busy
        if job.tag == self.run_id:
            if job.error is not None:
                self._set_state(RunState.IDLE if last else self.state)
                self.error.emit(f"Training failed: {job.error}")
            elif job.result is not None and job.result[1] not in ("stopped", "") and last:
                self._set_state(RunState.IDLE)
                (self.error if self.trainer.history.diverged else self.message).emit(f"Training {job.result[1]}")
        if last:
            self._inbox.deliver(self._idle_target())   # what arrived after the job's last look
            if self.state == RunState.STOPPING:
                self._set_state(RunState.IDLE)
            actions, self._deferred = self._deferred, []
            for action in actions:
                action()

    def _on_snapshot(self, snap):
        if snap.run_id == self.run_id:
            latest = self.latest if self.latest and self.latest.run_id == snap.run_id else None
            if snap.progress.warning and not (latest and latest.progress.warning):
                self.error.emit(snap.progress.warning)   # once a run: the first snapshot that carries it
            if snap.progress.status and not (latest and latest.progress.status == snap.progress.status):
                self.message.emit(snap.progress.status)
            self.latest = snap
            self.path.add(snap.params)
            if snap.finished:
                self._record_run(snap)
            self.snapshot.emit(snap)
