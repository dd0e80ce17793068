"""Soak test: train with the window open for minutes; does memory stay flat, and is every epoch kept?

Opens the main window on a dataset with every view visible, trains without an epoch limit, and
samples the process's resident memory (/proc/self/statm) every 10 s. Reports:

- RSS growth from the first minute to the end (bar < 5 %), and the memory per epoch trained;
- that the run's history holds every epoch (1, 2, …, n, no gaps), and that the cost curve is drawn
  up to the last epoch (it stores at most plots.MAX_POINTS points: downsampled for drawing only).

    python benchmarks/soak.py [--minutes 10] [--dataset digits]

Runs on the offscreen Qt platform unless a display is set (xvfb-run works too). Not part of the
test suite. Linux only (/proc).
"""

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.ui import MainWindow  # noqa: E402

SAMPLE_SECONDS = 10
WARM_UP_SECONDS = 60
BAR_GROWTH = 0.05


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def soak(window, minutes):
    """Train for ``minutes``; returns samples [(seconds, rss bytes, epochs)]."""
    app, session = QApplication.instance(), window.session
    samples, started = [], time.monotonic()

    def sample():
        elapsed = time.monotonic() - started
        samples.append((elapsed, resident_bytes(), session.trainer.epoch))
        print(f"{elapsed:6.0f} s  RSS {samples[-1][1] / 2**20:7.1f} MiB  epoch {samples[-1][2]:>9,}", flush=True)
        if elapsed >= 60 * minutes:   # the last sample is the end of the run; then stop and quit
            timer.stop()
            session.stop()
            QTimer.singleShot(500, app.exit)   # exit, not quit: quit would close the window, asking to save

    timer = QTimer(interval=1000 * SAMPLE_SECONDS, timeout=sample)
    sample()
    session.start()
    timer.start()
    app.exec()
    return samples


def report(window, samples):
    session = window.session
    warm = next(s for s in samples if s[0] >= WARM_UP_SECONDS - 1)   # the sample at one minute
    end = samples[-1]
    growth = (end[1] - warm[1]) / warm[1]
    epochs = end[2] - warm[2]
    per_epoch = (end[1] - warm[1]) / epochs if epochs else float("nan")
    h = session.history
    n = len(h)
    every_epoch = list(h.epoch) == list(range(1, n + 1)) and all(
        len(getattr(h, key)) == n for key in ("train_cost", "val_cost", "train_accuracy", "val_accuracy", "time"))
    curve = window.curves.cost["train"]
    curve.show()
    drawn_to = int(curve.item.xData[-1]) if curve.item.xData is not None and len(curve.item.xData) else 0
    print()
    print(f"run: {n:,} epochs, {session.trainer.updates:,} weight updates in {end[0] / 60:.1f} min")
    print(f"RSS after {warm[0]:.0f} s: {warm[1] / 2**20:.1f} MiB; at the end: {end[1] / 2**20:.1f} MiB; "
          f"growth {100 * growth:+.2f} % (bar < {100 * BAR_GROWTH:.0f} %) — "
          f"{per_epoch:.0f} bytes per epoch trained since")
    print(f"after Stop, with the finished run copied into the Runs list: {resident_bytes() / 2**20:.1f} MiB")
    print(f"history keeps every epoch: {every_epoch} ({n:,} of {session.trainer.epoch:,}); the cost curve draws "
          f"{curve.n:,} stored points (1 epoch in {curve.stride}) up to epoch {drawn_to:,}")
    ok = growth < BAR_GROWTH and every_epoch and drawn_to >= n - 1   # the last snapshot may still be in flight
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to train (default 10)")
    parser.add_argument("--dataset", default="digits", help="built-in dataset (default digits)")
    args = parser.parse_args()
    if args.minutes * 60 < WARM_UP_SECONDS + 2 * SAMPLE_SECONDS:
        parser.error(f"--minutes must leave time after the {WARM_UP_SECONDS} s warm-up")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(load_dataset(args.dataset))
    window.resize(1440, 900)
    window.show_all_views()
    window.show()
    window.session.set_config(replace(window.session.config, epochs=10**9))   # no epoch limit
    samples = soak(window, args.minutes)
    code = report(window, samples)
    window.projects.discard_changes()   # a benchmark: no "save changes?" question on closing
    window.close()
    app.processEvents()
    return code


if __name__ == "__main__":
    sys.exit(main())
