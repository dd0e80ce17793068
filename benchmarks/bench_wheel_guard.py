"""What the application-wide wheel guard (ui/kit/wheel.py) costs: every Qt event passes its filter.

    python benchmarks/bench_wheel_guard.py

Prints microseconds per event sent, without and with the guard installed. Measured 2026-11-30 on the
shared 2-core build machine: 3.4 µs without, 7.4 µs with (≈ 4 µs per event; a training window handles
a few hundred events a second, so well under 1 % of one core).
"""

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bpstudio.ui.kit.wheel import install_wheel_guard  # noqa: E402

EVENTS = 100_000


def per_event(widget):
    start = time.perf_counter()
    for _ in range(EVENTS):
        QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.User))
    return (time.perf_counter() - start) / EVENTS * 1e6


if __name__ == "__main__":
    app = QApplication([])
    widget = QWidget()
    without = per_event(widget)
    install_wheel_guard(app)
    print(f"{without:.2f} µs/event without the guard, {per_event(widget):.2f} µs/event with it")
