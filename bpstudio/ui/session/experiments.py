"""Runs comparisons and learning-rate sweeps on a worker thread (Qt's worker pattern; no widgets here).

The worker gets its own copy of the network and read-only data, calls
``core.compare.compare`` / ``lr_sweep``, and reports throttled progress. Cancel sets a
``threading.Event`` the trainer checks once per batch — a queued "cancel" slot could
not run while the worker's loop is busy.
"""

import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from bpstudio.core.explain.compare import LR_LADDER, compare, lr_sweep

PROGRESS_INTERVAL = 0.05   # seconds between progress signals


@dataclass
class ExperimentJob:
    """What to run: ``kind`` "compare" (``configs`` {name: TrainConfig}) or "sweep" (``config``, ``rates``, ``epochs``)."""

    kind: str
    net: object                 # a private copy; every run starts from these weights
    X: object
    Y: object
    X_val: object = None
    Y_val: object = None
    configs: dict = field(default_factory=dict)
    config: object = None
    rates: tuple = LR_LADDER
    epochs: int = 20

    @property
    def n_runs(self):
        return len(self.configs) if self.kind == "compare" else len(self.rates)


class ExperimentWorker(QObject):
    """Lives on its own QThread; ``run(job)`` arrives as a queued signal."""

    progressed = Signal(int, int, float)    # run index, number of runs, fraction of that run done
    runsReady = Signal(list)                # [core.compare.Run] (possibly fewer when cancelled)
    sweepReady = Signal(list)               # [(learning rate, final cost)]
    failed = Signal(str)

    def __init__(self):
        super().__init__()   # no parent: moveToThread needs that
        self.stop = threading.Event()
        self._next_report = 0.0

    @Slot(object)
    def run(self, job):
        report = lambda index, progress: self._report(job, index, progress)  # noqa: E731
        try:
            if job.kind == "compare":
                runs = compare(job.net, job.configs, job.X, job.Y, job.X_val, job.Y_val, report, self.stop)
                self.runsReady.emit(runs)
            else:
                points = lr_sweep(job.net, job.config, job.X, job.Y, job.X_val, job.Y_val, job.rates, job.epochs,
                                  report, self.stop)
                self.sweepReady.emit(points)
        except Exception as exc:  # noqa: BLE001 — a failure becomes a message; the app keeps working
            self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _report(self, job, index, progress):
        now = time.perf_counter()
        if now < self._next_report and not progress.epoch_ended:
            return
        self._next_report = now + PROGRESS_INTERVAL
        within = (progress.epoch + progress.batch / max(progress.batches_per_epoch, 1)) / max(progress.epochs, 1)
        self.progressed.emit(index, job.n_runs, min(within, 1.0))


class ExperimentThread(QObject):
    """Owns the QThread and the worker; ``submit`` queues a job, ``cancel`` stops it, ``shutdown`` joins."""

    _submitted = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("bpstudio-experiments")
        self.worker = ExperimentWorker()
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        self._submitted.connect(self.worker.run)
        self.thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, job):
        self.worker.stop.clear()
        self._submitted.emit(job)

    def cancel(self):
        self.worker.stop.set()

    def shutdown(self, timeout_ms=3000):
        """Stop the running job, end the thread's event loop and wait for it."""
        if not self.thread.isRunning():
            return True
        self.worker.stop.set()
        self.thread.quit()
        return self.thread.wait(timeout_ms)
