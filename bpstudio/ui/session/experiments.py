"""Comparisons and learning-rate sweeps as background jobs (see ``jobs``; no widgets here).

An ``Experiment`` holds a private copy of the network and read-only data; ``run`` calls
``core.explain.compare.compare`` / ``lr_sweep`` on a worker thread, reporting throttled
progress, and stops at the job's cancel flag (the trainer checks it once per batch).
"""

import time
from dataclasses import dataclass, field

from bpstudio.core.explain.compare import LR_LADDER, compare, lr_sweep

PROGRESS_INTERVAL = 0.05   # seconds between progress reports


@dataclass
class Experiment:
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

    def run(self, progress, cancel):
        """The job: returns ("compare", [core.compare.Run]) or ("sweep", [(learning rate, final cost)]);
        ``progress((run index, number of runs, fraction of that run done))``."""
        report = _Reporter(self.n_runs, progress)
        if self.kind == "compare":
            return "compare", compare(self.net, self.configs, self.X, self.Y, self.X_val, self.Y_val,
                                      report, cancel)
        return "sweep", lr_sweep(self.net, self.config, self.X, self.Y, self.X_val, self.Y_val, self.rates,
                                 self.epochs, report, cancel)


class _Reporter:
    """Turns the trainer's progress into at most one report per PROGRESS_INTERVAL (and one per epoch)."""

    def __init__(self, n_runs, progress):
        self.n_runs, self.progress, self.next_report = n_runs, progress, 0.0

    def __call__(self, index, p):
        now = time.perf_counter()
        if now < self.next_report and not p.epoch_ended:
            return
        self.next_report = now + PROGRESS_INTERVAL
        within = (p.epoch + p.batch / max(p.batches_per_epoch, 1)) / max(p.epochs, 1)
        self.progress((index, self.n_runs, min(within, 1.0)))
