"""What does per-update recording cost at full speed? (The price of "Watch it learn" when nobody watches.)

Trains headless (with the BLAS thread count of the app's worker), in alternating rounds, once as
the app's worker did before per-update health (no recorder) and once with the worker's
``Recorder`` called after every batch and at every progress report, as the app calls it at full
speed, and reports samples per CPU-second (``time.process_time``: the machine is shared) for
both, the ratio, and how many updates were recorded. The rows are chosen by count, so each run
does the same work on any machine: the GUI benchmark's 64-32-10 network on digits-like data
(mini-batch 32, 100 epochs: 4,500 updates), XOR (two classes, softmax) with full batch
(3,000 epochs: one update each, the worst case, since every epoch end gets a row), and XOR
stochastic (300 epochs, 96,000 updates), which trains on the compiled path (``train.compiled``,
built before the first round): there an update costs ~0.3 µs, a row ~100 of them.

    python benchmarks/bench_watch.py [--rounds 6] [--cases xor]

Machine load makes samples/s noisy; the CPU cost of one update (in a run, epoch ends included)
and of one row is measured too.
"""

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["BPSTUDIO_COMPILED"] = "wait"   # the compiled path is built before the first round, not during one

from bench_gui import CONFIG, reference_dataset  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.data.dataset import prepare  # noqa: E402
from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.core.explain.updates import Recorder, UpdateLog  # noqa: E402
from bpstudio.core.nn import fused_elementwise  # noqa: E402
from bpstudio.core.train import compiled  # noqa: E402
from bpstudio.ui.session.worker import BLAS_THREADS  # noqa: E402

SETUPS = {
    "digits-like 64-32-10, mini-batch 32": (lambda: prepare(reference_dataset(), dtype="float32"),
                                            lambda: Network([64, 32, 10], ["sigmoid", "softmax"], dtype="float32"),
                                            replace(CONFIG, epochs=100)),
    "xor 2-8-8-2, full batch": (lambda: prepare(load_dataset("xor")),
                                lambda: Network([2, 8, 8, 2], ["tanh", "tanh", "softmax"]),
                                TrainConfig(learning_rate=0.3, batch_mode="full", epochs=3000,
                                            cost="cross_entropy", optimizer="sgd")),
    "xor 2-8-8-2, stochastic (compiled path)": (lambda: prepare(load_dataset("xor")),
                                                lambda: Network([2, 8, 8, 2], ["tanh", "tanh", "softmax"]),
                                                TrainConfig(learning_rate=0.3, batch_mode="stochastic", epochs=300,
                                                            cost="cross_entropy", optimizer="sgd")),
}


def rate(data, make_net, config, record):
    """(samples per CPU-second, rows, updates, CPU seconds, compiled path?) of one run, with the recorder
    called as the app calls it."""
    net = make_net()
    trainer = Trainer(net, config)
    recorder = Recorder(UpdateLog(net.n_layers), (data.X_train[:256], data.Y_train[:256]),
                        (data.X_train, data.Y_train))
    started = time.process_time()
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):   # as the app's worker trains
        # The app's worker always takes progress reports (snapshots); only the recorder's calls are extra.
        trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val,
                    on_progress=(lambda progress: recorder.on_progress(trainer, progress)) if record
                    else (lambda progress: None),
                    on_update=(lambda: recorder.after_batch(trainer)) if record else None)
    cpu = time.process_time() - started
    return trainer.samples_seen / cpu, len(recorder.log), trainer.updates, cpu, trainer._last_step is trainer._compiled


def row_cost(data, make_net, config, n=3000):
    """CPU µs of one row (``UpdateLog.record``) on its own, after a short run."""
    net = make_net()
    trainer = Trainer(net, replace(config, epochs=1))
    trainer.fit(data.X_train, data.Y_train)
    log = UpdateLog(net.n_layers)
    started = time.process_time()
    for _ in range(n):
        trainer.updates += 1   # a new update for the log each time (the numbers are the last step's)
        log.record(trainer, 0.0)
    return 1e6 * (time.process_time() - started) / n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--cases", default="", help="only the setups whose name contains this")
    args = parser.parse_args(argv)
    # The app compiles its fused ReLU/softmax loops and the compiled path on threads of their own at the
    # first run; that CPU time must not land in whichever run happens to come first.
    fused_elementwise.start_build(wait=True)
    compiled.ready()
    for name, (make_data, make_net, config) in SETUPS.items():
        if args.cases not in name:
            continue
        data = make_data()
        rate(data, make_net, config, True)   # untimed: the first run of a setup pays for cold caches and first calls
        plain, recorded, rows, per_update = [], [], [], []
        for round_ in range(args.rounds):
            for record in (False, True) if round_ % 2 else (True, False):   # alternate who goes first
                samples_per_s, n_rows, updates, cpu, on_compiled = rate(data, make_net, config, record)
                (recorded if record else plain).append(samples_per_s)
                if record:
                    rows.append((n_rows, updates))
                else:
                    per_update.append(cpu / updates)
        ratio = np.array(recorded) / np.array(plain)
        update_us, row_us = 1e6 * np.median(per_update), row_cost(data, make_net, config)
        print(f"{name}{' — compiled' if on_compiled else ''}:")
        print(f"  without recorder: median {np.median(plain):,.0f} samples per CPU-second")
        print(f"  with recorder:    median {np.median(recorded):,.0f} samples per CPU-second")
        print(f"  ratio per pair: {', '.join(f'{100 * r:.0f} %' for r in ratio)}; median {100 * np.median(ratio):.1f} %")
        print(f"  rows recorded / updates: {rows[-1][0]:,} / {rows[-1][1]:,}")
        print(f"  one update (in a run, epoch ends included) {update_us:.2f} µs, one row {row_us:.1f} µs of CPU")

if __name__ == "__main__":
    main()
