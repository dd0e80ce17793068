"""The training worker: runs ``Trainer.fit`` / ``Trainer.step`` on its own QThread.

Qt's worker pattern: a QObject with no parent, moved to a QThread; jobs arrive
as queued signals. The worker never touches a widget. A job is paused or stopped
through its ``stop`` (a ``threading.Event`` the trainer checks once per batch)
because a queued "stop" slot could not run while the loop is busy. Each job has
its own event: clearing a shared one for the next job could let a stopped job,
still inside a long batch, carry on.
"""

import os
import sys
import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot
from threadpoolctl import threadpool_limits

from .snapshot import SNAPSHOT_INTERVAL, make_snapshot

# The training thread holds the GIL most of the time; the GUI thread's Python code (pyqtgraph
# painting) must wait up to this long for it at every Python call. Python's default is 5 ms.
GIL_SWITCH_INTERVAL = 0.0005
# BLAS threads while the app trains: OpenBLAS helpers spin while they wait for work and would
# take the core the GUI thread needs (on 2 cores a spinning pool cut throughput with the window
# open to a fifth). One core is left for the GUI.
BLAS_THREADS = max(1, (os.cpu_count() or 2) - 1)


@dataclass
class Job:
    """One request for the worker: ``mode`` is "fit" (until stopped or done) or "step" (one batch)."""

    run_id: int
    mode: str
    trainer: object     # bpstudio.core.Trainer; only the worker uses it while the job runs
    prepared: object    # bpstudio.core.dataset.Prepared
    probe: object       # snapshot.Probe
    stop: threading.Event = field(default_factory=threading.Event)   # set to end this job
    pace: float = 0.0   # seconds from one update to the next; 0 = full speed
    recorder: object = None   # core.explain.updates.Recorder of the run: per-update health


class TrainWorker(QObject):
    """Trains on the worker thread and reports throttled snapshots."""

    snapshotReady = Signal(object)       # Snapshot
    jobFinished = Signal(int, str)       # run_id, stop reason
    jobFailed = Signal(int, str)         # run_id, message

    def __init__(self):
        super().__init__()   # no parent, or moveToThread silently does nothing

    @Slot(object)
    def run(self, job):
        emitter = _ThrottledEmitter(self, job)
        try:
            with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
                self._train(job, emitter)
            reason = job.trainer.history.stop_reason
            emitter.emit(finished=reason)
        except Exception as exc:  # noqa: BLE001 — any failure becomes a message, the app lives on
            self.jobFailed.emit(job.run_id, f"{type(exc).__name__}: {exc}")
            return
        self.jobFinished.emit(job.run_id, reason)

    def _train(self, job, emitter):
        data = job.prepared
        if job.mode == "step":
            job.trainer.step(data.X_train, data.Y_train, data.X_val, data.Y_val)
            emitter.record(every=True)
        elif job.pace:
            _paced_fit(job, emitter)
        else:
            job.trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val,
                            on_progress=emitter.on_progress, stop=job.stop)


def _paced_fit(job, emitter):
    """``fit`` slowed down to one update every ``job.pace`` seconds, a snapshot after each.

    The wait is on the job's stop event, so Pause and Stop end it at once (never a sleep)."""
    trainer, data, h = job.trainer, job.prepared, job.trainer.history
    h.stop_reason = ""
    due = time.perf_counter()
    while not trainer.is_done:
        if job.stop.wait(max(0.0, due - time.perf_counter())):
            h.stop_reason = "stopped"
            return
        due = time.perf_counter() + job.pace
        trainer.step(data.X_train, data.Y_train, data.X_val, data.Y_val)
        if h.stop_reason:   # diverged, or early stopping
            return
        emitter.record(every=True)
        emitter.emit()
    h.stop_reason = "completed"


class _ThrottledEmitter:
    """Turns the trainer's progress calls into at most one snapshot per SNAPSHOT_INTERVAL."""

    def __init__(self, worker, job):
        self.worker, self.job = worker, job
        self.history_start = len(job.trainer.history)
        self.log_start = len(job.recorder.log) if job.recorder else 0
        self.next_emit = time.perf_counter() + SNAPSHOT_INTERVAL

    def on_progress(self, progress):
        self.record()
        if time.perf_counter() >= self.next_emit:
            self.emit()

    def record(self, every=False):
        """Per-update health: after every update when ``every``, else within the recorder's time budget."""
        if self.job.recorder is not None:
            self.job.recorder.after_update(self.job.trainer, every)

    def emit(self, finished=""):
        job = self.job
        log = job.recorder.log if job.recorder else None
        snap = make_snapshot(job.run_id, job.trainer, job.probe, self.history_start, finished,
                             log=log, log_start=self.log_start)
        self.history_start += len(snap.history["epoch"])
        self.log_start += len(snap.updates["updates"]) if snap.updates else 0
        self.worker.snapshotReady.emit(snap)
        self.next_emit = time.perf_counter() + SNAPSHOT_INTERVAL


class WorkerThread:
    """Owns the QThread and its worker; ``shutdown`` stops training and joins the thread."""

    def __init__(self):
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.thread = QThread()
        self.thread.setObjectName("bpstudio-training")
        self.worker = TrainWorker()
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()

    def shutdown(self):
        """End the thread's event loop and wait for it (stop the running job first).

        No timeout: the job returns after its current batch, however long that takes, and a
        QThread destroyed while it still runs aborts the whole process."""
        self.thread.quit()
        return self.thread.wait()
