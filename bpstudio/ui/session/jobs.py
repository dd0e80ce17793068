"""Background work, one design for all of it: training, experiments, loading, exporting, saving.

A job is a function ``fn(progress, cancel)`` that runs off the UI thread. ``cancel`` is the
job's own ``threading.Event``: set it to ask the job to stop (the job checks it between
batches or chunks — a queued "stop" slot could not run while the job's loop is busy, and a
flag shared by several jobs, cleared for the next one, could let a stopped job carry on).
``progress(value)`` reports to the GUI thread; what ``fn`` returns is the result.

Every job gets its own QThread and Qt's worker pattern: a ``_Worker`` QObject without a
parent (with one, moveToThread silently does nothing) moved to the thread;
``started → run``, ``finished → quit``, ``thread.finished → deleteLater``. A ``JobRunner``
on the GUI thread starts jobs and relays what they report. At close, ``shutdown`` asks its
jobs to stop and waits for them with a bound; a job still running then (a batch, a file
being written) is *detached*: kept alive until it ends, because Qt aborts the process when
a running QThread is destroyed. Leaving the app (``leave``) or the interpreter waits for detached
jobs up to EXIT_WAIT_MS in all; one still running then (a read stalled in the kernel) cannot be
stopped, and PySide's teardown would destroy its thread, so the process ends there, at once.
"""

import atexit
import os
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from bpstudio.core.data.loading import LoadCancelled

SHUTDOWN_TIMEOUT_MS = 2000   # how long closing the window waits for a job to stop
EXIT_WAIT_MS = 5000          # how long leaving waits, in all, for jobs that outlived their window
EXIT_UNFINISHED = 1          # the status when the interpreter exits (not through ``leave``) with one still running


class Job:
    """One piece of background work: ``fn``, its stop flag ``cancel``, what it is (``what``) and
    ``tag``, anything its owner wants back with it; ``result`` or ``error`` once it returned."""

    def __init__(self, fn, what="", tag=None):
        self.fn, self.what, self.tag = fn, what, tag
        self.cancel = threading.Event()
        self.result = self.error = None
        self.thread = self.worker = None   # set while it runs

    @property
    def running(self):
        return self.thread is not None and self.thread.isRunning()


class _Worker(QObject):
    # Each signal carries its Job: by the time a queued report arrives the worker may be deleted.
    progressed = Signal(object, object)
    done = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    finished = Signal(object)

    def __init__(self, job):
        super().__init__()   # no parent: it is moved to the job's thread
        self.job = job

    @Slot()
    def run(self):
        job = self.job
        try:
            job.result = job.fn(progress=lambda value: self.progressed.emit(job, value), cancel=job.cancel)
        except LoadCancelled:
            self.cancelled.emit(job)
        except Exception as exc:  # noqa: BLE001 — a failure is a message, the app carries on
            job.error = _describe(exc)
            self.failed.emit(job, job.error)
        else:
            self.done.emit(job, job.result)
        self.finished.emit(job)


def _describe(exc):
    # DataError and OSError messages already name the file, line and column.
    if hasattr(exc, "told_to"):   # a DataError: its remedy as the app says it (a box to tick, not an argument)
        return exc.told_to("app")
    return str(exc) if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {exc}"


class JobRunner(QObject):
    """Runs jobs on worker threads and relays their reports (queued, on the GUI thread).

    ``serial=False`` (loading, exporting): a new job cancels the ones before and only the
    newest reports. ``serial=True`` (training on one network): jobs run one after another in
    the order given, and every one reports; ``finished(job)`` follows each job's last report.
    """

    started = Signal(str)
    progressed = Signal(object)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal(object)   # the Job that just returned (every job, in both modes)

    def __init__(self, parent=None, serial=False, name="job"):
        super().__init__(parent)
        self.serial, self.name = serial, name
        self._jobs = []   # started or waiting, oldest first; a job leaves once its thread has ended

    @property
    def busy(self):
        """True until every job given to ``run`` has returned."""
        return bool(self._jobs)

    def run(self, fn, what="", tag=None):
        """Run ``fn(progress=callback, cancel=threading.Event)`` off the UI thread; returns its ``Job``."""
        job = Job(fn, what, tag)
        if not self.serial:
            self.cancel()
        self._jobs.append(job)
        self.started.emit(what)
        if not self.serial or len(self._jobs) == 1:
            self._start(job)
        return job

    def cancel(self):
        """Ask every job to stop (each returns at its next check)."""
        for job in self._jobs:
            job.cancel.set()

    def wait(self, timeout_ms):
        """Wait up to ``timeout_ms`` for every job to return, and deliver what they reported now, in
        order; True when none is left. For a change that must not race a job just told to stop."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self._jobs:
            job = self._jobs[0]
            left = max(0, int(1000 * (deadline - time.monotonic())))
            if job.thread is None or not job.thread.wait(left):
                return False
            QCoreApplication.sendPostedEvents(self, 0)   # its queued reports, then finished (next job starts)
        return True

    def shutdown(self, timeout_ms=None):
        """Stop every job and wait up to ``timeout_ms`` (SHUTDOWN_TIMEOUT_MS) in all; True when they all
        ended in time. A job still running is detached (kept alive until it ends); one not yet started
        never starts."""
        self.cancel()
        deadline = time.monotonic() + (SHUTDOWN_TIMEOUT_MS if timeout_ms is None else timeout_ms) / 1000
        ended = True
        for job in [j for j in self._jobs if j.thread is not None]:
            left = max(0, int(1000 * (deadline - time.monotonic())))
            if job.thread.wait(left):
                continue
            ended = False
            _detached.keep(job)
        self._jobs = []
        return ended

    def _start(self, job):
        thread, worker = QThread(), _Worker(job)
        thread.setObjectName(f"bpstudio-{self.name}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: the thread ends its own loop when run returns, even while the GUI thread waits in shutdown.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        # Bound methods of this GUI-thread object, so the reports arrive queued on the GUI thread.
        worker.progressed.connect(self._on_progressed)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_finished)
        job.thread, job.worker = thread, worker
        thread.start()

    def _reports(self, job):
        """Whether ``job`` may report: not superseded, nor left behind by shutdown."""
        return job in self._jobs and (self.serial or job is self._jobs[-1])

    def _on_progressed(self, job, value):
        if self._reports(job):
            self.progressed.emit(value)

    def _on_done(self, job, result):
        if self._reports(job):
            self.done.emit(result)

    def _on_failed(self, job, message):
        if self._reports(job):
            self.failed.emit(message)

    def _on_cancelled(self, job):
        if self._reports(job):
            self.cancelled.emit()

    def _on_finished(self, job):
        if job not in self._jobs:
            return
        job.thread.wait()   # its run() has returned; join the thread before dropping it
        self._jobs.remove(job)
        if self.serial and self._jobs and self._jobs[0].thread is None:
            self._start(self._jobs[0])
        self.finished.emit(job)


class _Detached:
    """Jobs that outlived their runner's shutdown: referenced until their thread ends."""

    def __init__(self):
        self._jobs, self._lock = [], threading.Lock()

    def keep(self, job):
        with self._lock:
            self._jobs = [j for j in self._jobs if j.thread.isRunning()] + [job]

    def join(self, timeout_ms):
        """Wait up to ``timeout_ms`` in all for every detached job (each was asked to stop, or is
        finishing a file); the ones still running, by what they are."""
        deadline = time.monotonic() + timeout_ms / 1000
        with self._lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.thread.wait(max(0, int(1000 * (deadline - time.monotonic()))))
        with self._lock:
            self._jobs = [j for j in self._jobs if j.thread.isRunning()]
            return [j.what or "a background task" for j in self._jobs]

    def __len__(self):
        with self._lock:
            return sum(j.thread.isRunning() for j in self._jobs)


_detached = _Detached()


def leave(status):
    """Return ``status`` once every detached job has ended, waiting up to EXIT_WAIT_MS; if one still
    runs then, end the process now with ``status`` (said on stderr): waiting longer could be forever,
    and the interpreter's teardown would destroy the job's running QThread, which makes Qt abort."""
    stuck = _detached.join(EXIT_WAIT_MS)
    if not stuck:
        return status
    try:
        print(f"note: {', '.join(stuck)} did not stop within {EXIT_WAIT_MS / 1000:g} s of closing; "
              "bpstudio exits without it", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):   # a closed stream: the exit matters more than the note
        pass
    os._exit(status)


atexit.register(leave, EXIT_UNFINISHED)   # a program that did not leave through ``leave``: still bounded
