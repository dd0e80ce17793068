"""Render the app as people meet it — every tab and every dialog — at 1280×800 and 1920×1080.

    xvfb-run -a -s "-screen 0 2560x1600x24" python docs/screenshots.py [OUT_DIR] [--sizes 1280x800,1920x1080]

Writes OUT_DIR/WxH/NN-what.png (default OUT_DIR: /tmp/bpstudio-screenshots). The window is the real
one, driven through its own controls: spirals trained for 150 epochs, then each dock raised in turn
(Weights, Inspector with a weight selected, Health, Runs after a comparison and a sweep, Evaluation,
Gradient norms), the Setup panel scrolled to its end, a regression run's evaluation, the import dialog
on a seattle-weather-shaped CSV (and after a failed load), Help ▸ Keyboard shortcuts, The math, About.
Settings go to a throwaway folder: the run never changes the user's. Look at every image afterwards.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402

TRAIN_EPOCHS = 150   # enough for curves with a shape


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="/tmp/bpstudio-screenshots")
    parser.add_argument("--sizes", default="1280x800,1920x1080")
    args = parser.parse_args(argv)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from bpstudio.ui.kit.theme import apply_theme
    apply_theme(app)
    for size in args.sizes.split(","):
        width, height = (int(v) for v in size.split("x"))
        Shots(Path(args.out) / size, width, height).take_all()
    return 0


class Shots:
    def __init__(self, out, width, height):
        from bpstudio.ui import MainWindow

        self.out, self.count = out, 0
        out.mkdir(parents=True, exist_ok=True)
        self.window = MainWindow()
        self.window.resize(width, height)
        self.window.reset_layout()
        self.window.show()
        QTest.qWaitForWindowExposed(self.window)
        self.window.resize(width, height)
        self.window.size_docks()

    def save(self, widget, name):
        QTest.qWait(300)   # throttled views redraw
        self.count += 1
        path = self.out / f"{self.count:02d}-{name}.png"
        widget.grab().save(str(path))
        print("wrote", path)

    def raise_dock(self, title):
        self.window.docks[title].raise_()
        QTest.qWait(200)

    def load(self, source, **options):
        w = self.window
        w.files.load(source, **options)
        wait_until(lambda: not w.files.loader.busy and str(w.session.dataset.source).endswith(str(source)))

    def train(self, epochs=TRAIN_EPOCHS):
        """Train until ``epochs`` epochs are done (or a minute has passed on a busy machine)."""
        s = self.window.session
        s.start()
        try:
            wait_until(lambda: s.latest.progress.epoch >= epochs or s.state == "idle", timeout=60)
        except TimeoutError:
            pass
        s.stop()   # Stop, not Pause: the data and the network unlock for the next load
        wait_until(lambda: not s.busy)

    def take_all(self):
        w = self.window
        self.load("spirals")
        self.train()
        self.save(w, "spirals-trained")
        self.raise_dock("Gradient norms")
        self.save(w, "gradient-norms")
        self.raise_dock("Network diagram")
        w.inspection._select_weight(1, 2, 3)   # as a click on a connection does
        self.raise_dock("Inspector")
        self.save(w, "inspector")
        self.raise_dock("Health")
        self.save(w, "health")
        self.runs()
        self.raise_dock("Evaluation")
        self.save(w, "evaluation-classification")
        setup = w.docks["Setup"].widget()
        setup.verticalScrollBar().setValue(setup.verticalScrollBar().maximum())
        self.save(w, "setup-scrolled-down")
        setup.verticalScrollBar().setValue(0)
        self.regression()
        self.dialogs()
        w.projects.discard_changes()
        w.close()

    def runs(self):
        runs = self.window.inspection.runs
        self.raise_dock("Runs")
        runs.epochs.setValue(20)
        for signal, button in ((runs.comparisonFinished, runs.compare_button), (runs.sweepFinished, runs.sweep_button)):
            done = []
            signal.connect(lambda *_: done.append(True))
            button.click()
            wait_until(lambda: done, timeout=120)
        self.save(self.window, "runs")

    def regression(self):
        self.load("sine")
        self.train()
        self.raise_dock("Evaluation")
        self.save(self.window, "evaluation-regression")
        self.raise_dock("Weights")

    def dialogs(self):
        w = self.window
        csv = Path(tempfile.mkdtemp()) / "seattle-weather.csv"
        write_weather(csv)
        self.modal(lambda: w.files.open_path(str(csv)), "import-dialog")
        w.show()
        from bpstudio.ui.actions.help import show_about
        for title in ("Keyboard shortcuts", "The math"):
            action = next(a for m in w.menuBar().actions() for a in m.menu().actions() if a.text() == title)
            action.trigger()
            dialog = next(d for d in w.findChildren(QDialog) if d.accessibleName() == title and d.isVisible())
            self.save(dialog, title.lower().replace(" ", "-"))
            dialog.close()
        self.modal(lambda: show_about(w), "about")

    def modal(self, open_dialog, name):
        """Open a modal dialog, save it once it is up, then close it."""
        def shoot():
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                return QTimer.singleShot(100, shoot)
            self.save(dialog, name)
            return dialog.reject()
        QTimer.singleShot(300, shoot)
        open_dialog()


def write_weather(path, n=120):
    import numpy as np

    rng = np.random.default_rng(0)
    kinds = ("drizzle", "rain", "sun", "snow", "fog")
    lines = ["date,precipitation,temp_max,temp_min,wind,weather"]
    for i in range(n):
        t = 5 + 15 * rng.random()
        lines.append(f"2012-{1 + i // 28:02d}-{1 + i % 28:02d},{rng.random() * 10:.1f},{t + 5:.1f},{t:.1f},"
                     f"{rng.random() * 6:.1f},{kinds[i % 5]}")
    path.write_text("\n".join(lines) + "\n")


def wait_until(condition, timeout=30):
    for _ in range(int(timeout * 20)):
        if condition():
            return
        QTest.qWait(50)
    raise TimeoutError("the app did not get there in time")


if __name__ == "__main__":
    sys.exit(main())
