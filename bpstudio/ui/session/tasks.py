"""Long work off the UI thread (loading a file, exporting a model), with progress and cancel.

``TaskRunner.run(fn)`` calls ``fn(progress=..., cancel=...)`` on a QThread and
reports ``progressed(fraction)``, then ``done(result)``, ``failed(message)``
or ``cancelled()`` on the GUI thread. ``cancel()`` sets the event ``fn``
checks. A new task cancels the one before, and only the newest one reports.
"""

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from bpstudio.core.data.loading import LoadCancelled


class _TaskWorker(QObject):
    progressed = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn):
        super().__init__()   # no parent: it is moved to the task's thread
        self.fn = fn
        self.cancel = threading.Event()

    @Slot()
    def run(self):
        try:
            result = self.fn(progress=self.progressed.emit, cancel=self.cancel)
        except LoadCancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 — a bad file is a message, never a crash
            self.failed.emit(_describe(exc))
        else:
            self.done.emit(result)


def _describe(exc):
    # DataError and OSError messages already name the file, line and column.
    if hasattr(exc, "told_to"):   # a DataError: its remedy as the app says it (a box to tick, not an argument)
        return exc.told_to("app")
    return str(exc) if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {exc}"


class TaskRunner(QObject):
    started = Signal(str)
    progressed = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._jobs = []   # (thread, worker) pairs still running

    @property
    def busy(self):
        return any(thread.isRunning() for thread, _ in self._jobs)

    def run(self, fn, what=""):
        """Run ``fn(progress=callback, cancel=threading.Event)`` off the UI thread; ``what`` names it."""
        self.cancel()
        thread, worker = QThread(), _TaskWorker(fn)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        for signal in (worker.done, worker.failed, worker.cancelled):
            signal.connect(thread.quit)
        # Bound methods of this GUI-thread object, so the results arrive queued on the GUI thread.
        worker.progressed.connect(self._on_progressed)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        thread.finished.connect(self._on_thread_finished)
        self._jobs.append((thread, worker))
        self.started.emit(what)
        thread.start()

    def cancel(self):
        for _, worker in self._jobs:
            worker.cancel.set()

    def shutdown(self):
        """Cancel what can be cancelled and wait for every task: an export in progress completes
        (its file is written whole), and a QThread destroyed while it runs would abort the process."""
        self.cancel()
        for thread, _ in list(self._jobs):
            thread.quit()
            thread.wait()

    def _is_latest(self):
        """Only the newest task reports; one that was superseded is dropped silently."""
        return bool(self._jobs) and self.sender() is self._jobs[-1][1]

    def _on_progressed(self, fraction):
        if self._is_latest():
            self.progressed.emit(fraction)

    def _on_done(self, result):
        if self._is_latest():
            self.done.emit(result)

    def _on_failed(self, message):
        if self._is_latest():
            self.failed.emit(message)

    def _on_cancelled(self):
        if self._is_latest():
            self.cancelled.emit()

    def _on_thread_finished(self):
        thread = self.sender()
        thread.wait()   # finished is emitted just before the thread ends; join it before dropping it
        for t, worker in self._jobs:
            if t is thread:
                worker.deleteLater()
        self._jobs = [(t, w) for t, w in self._jobs if t is not thread]
