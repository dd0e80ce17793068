"""What does per-update recording cost at full speed? (The price of "Watch it learn" when nobody watches.)

Trains headless (with the BLAS thread count of the app's worker), in alternating rounds, once as
the app's worker did before per-update health (no recorder) and once with the worker's
``Recorder`` called at every progress report (every epoch end and every 50 ms), and reports
samples/s for both, the ratio, and how many updates were recorded. Two set-ups: the GUI
benchmark's 64-32-10 network on digits-like data (mini-batch 32), and XOR (two classes,
softmax) with full batch (one update per epoch: the worst case, since every epoch end is a
chance to record).

    python benchmarks/bench_watch.py [--seconds 1.5] [--rounds 6]

Machine load makes samples/s noisy; the share of time spent inside the recorder is measured too.
"""

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_gui import CONFIG, reference_dataset  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.data.dataset import prepare  # noqa: E402
from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.core.explain.updates import Recorder, UpdateLog  # noqa: E402
from bpstudio.ui.session.worker import BLAS_THREADS  # noqa: E402

SETUPS = {
    "digits-like 64-32-10, mini-batch 32": (lambda: prepare(reference_dataset(), dtype="float32"),
                                            lambda: Network([64, 32, 10], ["sigmoid", "softmax"], dtype="float32"),
                                            CONFIG),
    "xor 2-8-8-2, full batch": (lambda: prepare(load_dataset("xor")),
                                lambda: Network([2, 8, 8, 2], ["tanh", "tanh", "softmax"]),
                                TrainConfig(learning_rate=0.3, batch_mode="full", epochs=10**9,
                                            cost="cross_entropy", optimizer="sgd")),
}


def rate(data, make_net, config, seconds, record):
    net = make_net()
    trainer = Trainer(net, config)
    recorder = Recorder(UpdateLog(net.n_layers), (data.X_train[:256], data.Y_train[:256]),
                        (data.X_train, data.Y_train))
    inside = [0.0]   # seconds spent in the recorder

    def on_progress(progress):
        if record:
            started = time.perf_counter()
            recorder.after_update(trainer)
            inside[0] += time.perf_counter() - started
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    started = time.perf_counter()
    timer.start()
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):   # as the app's worker trains
        trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val, on_progress=on_progress, stop=stop)
    elapsed = time.perf_counter() - started
    return trainer.samples_seen / elapsed, len(recorder.log), trainer.updates, inside[0] / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    for name, (make_data, make_net, config) in SETUPS.items():
        data = make_data()
        plain, recorded, rows, shares = [], [], [], []
        for round_ in range(args.rounds):
            for record in (False, True) if round_ % 2 else (True, False):   # alternate who goes first
                samples_per_s, n_rows, updates, share = rate(data, make_net, config, args.seconds, record)
                (recorded if record else plain).append(samples_per_s)
                if record:
                    rows.append((n_rows, updates))
                    shares.append(share)
        ratio = np.array(recorded) / np.array(plain)
        print(f"{name}:")
        print(f"  without recorder: median {np.median(plain):,.0f} samples/s")
        print(f"  with recorder:    median {np.median(recorded):,.0f} samples/s")
        print(f"  ratio per pair: {', '.join(f'{100 * r:.0f} %' for r in ratio)}; median {100 * np.median(ratio):.1f} %")
        print(f"  time inside the recorder: median {100 * np.median(shares):.1f} % of training time")
        print(f"  rows recorded / updates (last round): {rows[-1][0]:,} / {rows[-1][1]:,}")


if __name__ == "__main__":
    main()
