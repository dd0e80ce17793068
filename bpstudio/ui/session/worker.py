"""The training job: ``Trainer.fit`` / ``Trainer.step`` off the UI thread, run by a ``jobs.JobRunner``.

While a job runs, only the job touches its trainer and network. The GUI thread reaches it by
messages: a settings change waits in the session's ``Inbox`` and the job applies it between
batches, so it never races the loop (a learning rate written from the GUI thread while the
job does ``lr *= lr_decay`` could be lost). Stop is the job's own cancel flag, checked once
per batch. The job reports throttled snapshots, and can be paced: with ``pace`` > 0 it trains
one batch at a time, shows every update and sleeps ``pace`` seconds between them, waking at
once on Stop.
"""

import os
import queue
import sys
import time
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from bpstudio.core.explain.updates import NOISE_GAP

from .snapshot import SNAPSHOT_INTERVAL, make_snapshot

# The training thread holds the GIL most of the time; the GUI thread's Python code (pyqtgraph
# painting) must wait up to this long for it at every Python call. Python's default is 5 ms.
GIL_SWITCH_INTERVAL = 0.0005
# BLAS threads while the app trains: OpenBLAS helpers spin while they wait for work and would
# take the core the GUI thread needs (on 2 cores a spinning pool cut throughput with the window
# open to a fifth). One core is left for the GUI.
BLAS_THREADS = max(1, (os.cpu_count() or 2) - 1)
PACE_POLL = 0.02   # seconds: how often a paced wait looks for a new message (Stop wakes it at once)


def share_the_gil():
    """Let the GUI thread in often while a job trains (call once, on the GUI thread)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


@dataclass(frozen=True)
class LiveSettings:
    """Message: settings that apply mid-run. ``config`` replaces the trainer's (epochs, L2, decay and
    patience are read from it); ``learning_rate``, when given, restarts the decayed rate there."""

    config: object
    learning_rate: float | None = None

    def apply(self, job):
        job.trainer.config = self.config
        if self.learning_rate is not None:
            job.trainer.optimizer.lr = self.learning_rate


@dataclass(frozen=True)
class Pace:
    """Message: seconds to wait between updates (0: full speed, throttled snapshots)."""

    seconds: float

    def apply(self, job):
        job.pace = max(0.0, float(self.seconds))


class Inbox:
    """Messages for a run, applied in order by whichever thread owns the run at the time:
    the job between batches while it runs, the GUI thread when no job does."""

    def __init__(self):
        self._messages = queue.SimpleQueue()

    def post(self, message):
        self._messages.put(message)

    def empty(self):
        return self._messages.empty()

    def deliver(self, job):
        while not self._messages.empty():
            self._messages.get_nowait().apply(job)


@dataclass
class TrainJob:
    """One request: ``mode`` "fit" (until stopped or done) or "step" (one batch); ``run`` is the job."""

    run_id: int
    mode: str
    trainer: object     # bpstudio.core.Trainer; only this job uses it while it runs
    prepared: object    # bpstudio.core.data.dataset.Prepared
    probe: object       # snapshot.Probe
    inbox: Inbox
    pace: float = 0.0
    recorder: object = None   # core.explain.updates.Recorder of the run: per-update health

    def run(self, progress, cancel):
        """Train, reporting snapshots through ``progress``; returns (run_id, stop reason)."""
        emitter = _ThrottledEmitter(self, progress)
        with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
            self.inbox.deliver(self)
            if self.mode == "step":
                self.trainer.step(*self._data())
                emitter.record()
            else:
                self._fit(cancel, emitter)
            self.inbox.deliver(self)
        reason = self.trainer.history.stop_reason
        emitter.emit(finished=reason)
        return self.run_id, reason

    def _data(self):
        p = self.prepared
        return p.X_train, p.Y_train, p.X_val, p.Y_val

    def _fit(self, cancel, emitter):
        """Full speed or paced, switching when the pace changes, until stopped, done or diverged."""
        t = self.trainer
        interrupt = _Interrupt(self, cancel)
        while not cancel.is_set() and not t.is_done:
            if self.pace > 0:
                self._paced(cancel, emitter)
            else:
                emitter.sync()
                t.fit(*self._data(), on_progress=emitter.on_progress, stop=interrupt, on_update=emitter.on_update)
            if t.history.stop_reason not in ("", "stopped"):
                return   # completed, diverged or early stopping
        t.history.stop_reason = "stopped" if cancel.is_set() else "completed"

    def _paced(self, cancel, emitter):
        """One batch at a time, ``pace`` seconds from the start of one to the next (Stop wakes the wait);
        a snapshot after every update when they are at least SNAPSHOT_INTERVAL apart, else throttled."""
        t = self.trainer
        while self.pace > 0 and not cancel.is_set() and not t.is_done:
            started = time.perf_counter()
            t.step(*self._data())
            self.inbox.deliver(self)
            if t.history.stop_reason:
                return
            emitter.record(noise_gap=NOISE_GAP)
            if self.pace >= SNAPSHOT_INTERVAL:
                emitter.emit()
            else:
                emitter.emit_if_due()
            self._pause(cancel, started + self.pace)

    def _pause(self, cancel, until):
        """Wait until ``until`` (perf_counter); Stop or a new message (a new pace) ends the wait at once."""
        while not cancel.is_set() and self.inbox.empty() and time.perf_counter() < until:
            cancel.wait(min(PACE_POLL, max(0.0, until - time.perf_counter())))


class _Interrupt:
    """What ``Trainer.fit`` checks once per batch: Stop, or a switch to paced training."""

    def __init__(self, job, cancel):
        self.job, self.cancel = job, cancel

    def is_set(self):
        return self.cancel.is_set() or self.job.pace > 0


class _ThrottledEmitter:
    """Between batches: delivers the inbox, and makes at most one snapshot per SNAPSHOT_INTERVAL."""

    def __init__(self, job, progress):
        self.job, self.progress = job, progress
        self.history_start = len(job.trainer.history)
        self.log_start = len(job.recorder.log) if job.recorder else 0
        self.next_emit = time.perf_counter() + SNAPSHOT_INTERVAL

    def on_progress(self, progress):
        self.job.inbox.deliver(self.job)
        if self.job.recorder is not None:
            self.job.recorder.on_progress(self.job.trainer, progress)
        self.emit_if_due()

    def on_update(self):
        """Full speed, after the batches the recorder asks for (it returns the next update count it wants;
        the Trainer compares counts, so the other batches make no call)."""
        if self.job.recorder is not None:
            return self.job.recorder.after_batch(self.job.trainer)
        return None

    def sync(self):
        """Full speed starts (or resumes): the recorder's clock starts from the trainer's training time."""
        if self.job.recorder is not None:
            self.job.recorder.sync(self.job.trainer.progress().elapsed)

    def emit_if_due(self):
        if time.perf_counter() >= self.next_emit:
            self.emit()

    def record(self, noise_gap=0.0):
        """Per-update health of an update trained slowly or by Step (every one gets a row)."""
        if self.job.recorder is not None:
            self.job.recorder.after_update(self.job.trainer, noise_gap)

    def emit(self, finished=""):
        job = self.job
        log = job.recorder.log if job.recorder else None
        snap = make_snapshot(job.run_id, job.trainer, job.probe, self.history_start, finished,
                             log=log, log_start=self.log_start)
        self.history_start += len(snap.history["epoch"])
        self.log_start += len(snap.updates["updates"]) if snap.updates else 0
        self.progress(snap)
        self.next_emit = time.perf_counter() + SNAPSHOT_INTERVAL
