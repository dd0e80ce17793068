"""Render the "Watch it learn" screenshots of the real app into docs/watch/ (used by docs/watch-it-learn.md).

    xvfb-run -a -s "-screen 0 1920x1080x24" python docs/watch_screenshots.py [OUT_DIR] [--size 1280x800]

Each picture is made the way a person would get there: Speed, Step, the tabs, Compute.
"""

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="bpstudio-shots-"))   # never the user's settings

from PySide6.QtCore import QEvent, QEventLoop, QItemSelectionModel, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.ui import MainWindow  # noqa: E402


def wait(ms):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(condition, timeout_ms=60000):
    for _ in range(timeout_ms // 20):
        if condition():
            return
        wait(20)
    raise TimeoutError("the app did not get there in time")


def open_window(dataset, size, **config):
    window = MainWindow(load_dataset(dataset))
    window.resize(*size)
    window.show()
    window.reset_layout()
    s = window.session
    if config:
        s.set_config(replace(s.config, **config))
    wait(300)
    return window


def idle(window):
    until(lambda: not window.session.busy)
    wait(200)


def close(window):
    window.projects.discard_changes()
    window.close()
    window.deleteLater()   # while Qt is up: left to interpreter teardown, pyqtgraph items may crash it
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def steps(window, n):
    for _ in range(n):
        window.controls.step.trigger()
        idle(window)


def slow_steps(out, size):
    """Five Steps on circles at the defaults (Adam, η = 0.003): the heatmaps show ΔW, the cost each update."""
    w = open_window("circles", size)
    w.controls.speed.setCurrentText("1 update/s")
    w.curves.x_axis.setCurrentText("updates")
    steps(w, 5)
    w.weights.mode_buttons.buttons()[1].click()
    wait(300)
    w.grab().save(str(out / "last-change.png"))
    close(w)


def neurons(out, size):
    w = open_window("spirals", size, learning_rate=0.01)
    w.docks["Neurons"].raise_()
    w.session.start()
    until(lambda: w.session.state == "idle")
    idle(w)
    w.grab().save(str(out / "neurons.png"))
    close(w)


def surface_and_animation(out, size):
    w = open_window("spirals", size, learning_rate=0.01, epochs=400)
    w.session.start()
    until(lambda: w.session.state == "idle")
    idle(w)
    w.docks["Loss surface"].raise_()
    panel = w.inspection.surface
    panel.directions.setCurrentIndex(1)   # initial → current, random
    panel.span.setValue(1.25)
    panel.compute.click()
    until(lambda: panel.compute.isEnabled())
    wait(300)
    w.grab().save(str(out / "loss-surface.png"))
    w.docks["Network diagram"].raise_()
    w.resizeDocks([w.docks["Network diagram"]], [int(0.42 * size[0])], Qt.Orientation.Horizontal)   # room to see it
    steps(w, 1)
    w.diagram.play_button.click()
    until(lambda: w.diagram.phase == "backward")
    wait(60)
    w.grab().save(str(out / "animation.png"))
    w.diagram.stop_animation()
    close(w)


def noise(out, size):
    """A mini-batch run at 100 updates/s: gradient noise and per-update health in the Health tab."""
    w = open_window("circles", size, batch_size=8)
    w.controls.speed.setCurrentText("100/s")
    w.docks["Health"].raise_()
    w.session.start()
    wait(6000)
    w.session.pause()
    idle(w)
    w.inspection._refresh_views()
    wait(300)
    w.grab().save(str(out / "gradient-noise.png"))
    close(w)


def runs(out, size):
    """Batch modes compared from the same initial weights, drawn against samples seen."""
    w = open_window("circles", size)
    w.docks["Runs"].raise_()
    panel = w.inspection.runs
    panel.comparison.setCurrentText("batch modes")
    panel.epochs.setValue(40)
    panel.compare_button.click()
    until(lambda: panel.compare_button.isEnabled() and len(panel.book) >= 3, 120000)
    panel.x_axis.setCurrentText("samples seen")
    wait(300)
    w.grab().save(str(out / "runs-samples-seen.png"))
    close(w)


def two_surfaces(out, size):
    """SGD and Adam from the same initial weights (Runs ▸ Compare optimizers), their loss surfaces side by side."""
    w = open_window("circles", size, learning_rate=0.03)
    w.docks["Runs"].raise_()
    panel = w.inspection.runs
    panel.comparison.setCurrentText("optimizers")
    panel.epochs.setValue(60)
    panel.compare_button.click()
    until(lambda: panel.compare_button.isEnabled() and len(panel.book) >= 2, 120000)
    names = [run.name for run in panel.book.runs]
    panel.table.clearSelection()
    for name in ("optimizer=sgd", "optimizer=adam"):
        row = names.index(name)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        panel.table.selectionModel().select(panel.table.model().index(row, 0), flags)
    surface = w.inspection.surface
    surface.directions.setCurrentIndex(1)   # initial → final, and one random direction
    surface.span.setValue(1.25)
    panel.surfaces_button.click()
    until(lambda: surface.compute.isEnabled())
    wait(300)
    w.grab().save(str(out / "two-surfaces.png"))
    close(w)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(Path(__file__).resolve().parent / "watch"))
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    app = QApplication.instance() or QApplication([])
    for shot in (slow_steps, neurons, surface_and_animation, noise, runs, two_surfaces):
        shot(out, size)
        print("made", shot.__name__)
    app.processEvents()


if __name__ == "__main__":
    main()
