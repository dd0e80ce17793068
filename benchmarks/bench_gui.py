"""Does the window slow training down, and does it stay responsive while training?

Trains the small reference network (64-32-10, sigmoid hidden layer, softmax +
cross-entropy, mini-batch 32, float32) for a few seconds headless (Trainer.fit
on this thread, with the BLAS thread count the app's worker uses) and with the
window open and every live view visible, in alternating rounds. Reports:

- throughput: samples/s with the window ÷ samples/s headless (bar ≥ 85 %);
- responsiveness: the p95 lateness of a 10 ms QTimer while training (bar < 50 ms);
- the GUI thread's CPU time per second of windowed training: its Python (pyqtgraph, the views'
  handlers) holds the GIL the training thread needs, so this share is what the window costs
  training on an idle machine. Unlike the ratio it hardly moves with other load on the machine.

    python benchmarks/bench_gui.py [--seconds 2] [--rounds 6]

Runs on the offscreen Qt platform unless a display is set (xvfb-run works too).
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.data.dataset import Dataset, prepare  # noqa: E402
from bpstudio.core.nn import fused_elementwise  # noqa: E402
from bpstudio.core.train import compiled  # noqa: E402
from bpstudio.ui.session.worker import BLAS_THREADS  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

CONFIG = TrainConfig(learning_rate=0.1, batch_mode="mini-batch", batch_size=32, epochs=10**9,
                     cost="cross_entropy", optimizer="sgd")
HIDDEN = ((32, "sigmoid"),)


def reference_dataset(n=1797, seed=0):
    """digits-sized data: 64 features, 10 classes from a random linear teacher (no download needed)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 16, (n, 64))
    labels = (X @ rng.standard_normal((64, 10))).argmax(axis=1)
    return Dataset(X, np.eye(10)[labels], "classification", [f"pixel {i}" for i in range(64)],
                   [str(c) for c in range(10)], source="digits-like", description="benchmark data")


def headless_rate(dataset, seconds):
    data = prepare(dataset, dtype="float32")
    net = Network([64, 32, 10], ["sigmoid", "softmax"], dtype="float32")
    trainer = Trainer(net, CONFIG)
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    started = time.perf_counter()
    timer.start()
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):   # as the app's worker trains
        trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val, stop=stop)
    return trainer.samples_seen / (time.perf_counter() - started)


def open_window(dataset):
    """The main window with the reference network, every live view visible."""
    from bpstudio.ui import MainWindow
    from bpstudio.ui.session.session import NetworkSpec

    window = MainWindow(dataset)
    window.resize(1600, 1000)
    window.show_all_views()
    window.show()
    window.session.set_network_spec(NetworkSpec(hidden=HIDDEN, output="softmax", cost="cross_entropy",
                                                dtype="float32"))
    window.session.set_config(CONFIG)
    assert window.session.dataset is dataset and window.session.net.sizes == (64, 32, 10)
    from PySide6.QtWidgets import QApplication
    from bpstudio.ui.views.frames import on_screen
    QApplication.processEvents()
    hidden = [name for name, (view, _) in window.frames.painters.items() if not on_screen(view)]
    assert not hidden, f"live views not on screen: {hidden}"   # a tab behind another is not drawn
    return window


def windowed_run(window, seconds):
    """Samples/s of a fresh run with the window open, every 10 ms timer tick's lateness (s), and the
    GUI thread's CPU seconds per second of the run."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    session = window.session
    session.reset()
    lateness, clock, last = [], QElapsedTimer(), [0]

    def tick():
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e9 - 0.010))
        last[0] = now

    ticker = QTimer(interval=10, timeout=tick)
    loop = QEventLoop()
    finished = QTimer(interval=5, timeout=lambda: session.busy or loop.quit())
    QTimer.singleShot(int(seconds * 1000), lambda: (session.stop(), finished.start()))
    clock.start()
    ticker.start()
    started, gui_cpu = time.perf_counter(), time.thread_time()
    session.start()
    loop.exec()
    elapsed, gui_cpu = time.perf_counter() - started, time.thread_time() - gui_cpu
    ticker.stop()
    finished.stop()
    return session.trainer.samples_seen / elapsed, lateness[1:], gui_cpu / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=6, help="headless/windowed pairs, interleaved")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    dataset = reference_dataset()
    window = open_window(dataset)
    app.processEvents()
    headless, windowed, lateness, gui_share = [], [], [], []
    # The first run of a process builds the fused elementwise loops on a thread of its own (Numba) and
    # trains on the NumPy code meanwhile: the first headless run came out at a fifth to a third of the
    # later ones, the first pair's ratio at 150–300 %, lifting the median. Both sides now train on the
    # same code from the first round, after one unmeasured pair.
    if compiled.mode() != "off":
        fused_elementwise.start_build(wait=True)
    headless_rate(dataset, min(args.seconds, 1.0))
    windowed_run(window, min(args.seconds, 1.0))
    load = os.getloadavg()
    for _ in range(args.rounds):
        headless.append(headless_rate(dataset, args.seconds))
        rate, late, share = windowed_run(window, args.seconds)
        windowed.append(rate)
        lateness += late
        gui_share.append(share)
    window.projects.discard_changes()   # closing must not stop at "Save changes?"
    window.close()
    # Other load on the machine drifts; a ratio of neighbouring runs cancels most of it.
    ratios = np.array(windowed) / np.array(headless)
    p95 = 1000 * float(np.percentile(lateness, 95))
    print(f"headless:    {', '.join(f'{r:,.0f}' for r in headless)} samples/s")
    print(f"with window: {', '.join(f'{r:,.0f}' for r in windowed)} samples/s")
    print(f"throughput ratio per pair: {', '.join(f'{100 * r:.0f} %' for r in ratios)}")
    print(f"throughput ratio (median of pairs): {100 * np.median(ratios):.1f} %   (bar ≥ 85 %)")
    print(f"10 ms timer lateness: p95 {p95:.1f} ms, max {1000 * max(lateness):.1f} ms, "
          f"{len(lateness)} ticks   (bar: p95 < 50 ms)")
    print(f"GUI thread CPU while training: {100 * np.median(gui_share):.1f} % of a core (median of runs)")
    print(f"machine load (1/5/15 min) before / after: {', '.join(f'{v:.2f}' for v in load)} / "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
