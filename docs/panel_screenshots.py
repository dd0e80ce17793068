"""Render the inspection panels on their own, at 1280×800, into docs/ (no display needed).

    python docs/panel_screenshots.py [OUT_DIR]   (the whole window, every tab and dialog: docs/screenshots.py)

Inspector: Mazur's worked example (2-2-2 sigmoid), the hidden weight w1's chain rule shown.
Runs: a comparison of optimizers and a learning-rate sweep on the same data.
Health and evaluation: after a short training run on iris.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.core.data.dataset import prepare  # noqa: E402
from bpstudio.core.explain.examples import MAZUR  # noqa: E402
from bpstudio.core.explain.health import saturation  # noqa: E402
from bpstudio.core.explain.updates import Recorder, UpdateLog  # noqa: E402
from bpstudio.ui.panels.evaluation import EvaluationPanel  # noqa: E402
from bpstudio.ui.panels.health import HealthPanel  # noqa: E402
from bpstudio.ui.panels.inspector import InspectorPanel  # noqa: E402
from bpstudio.ui.panels.runs import Experiment, RunsPanel  # noqa: E402
from bpstudio.ui.session.runs import RunBook  # noqa: E402

SIZE = (1280, 800)


def save(widget, path):
    widget.resize(*SIZE)
    widget.show()
    QApplication.processEvents()
    widget.grab().save(str(path))
    print("wrote", path)


def inspector(out):
    """Mazur's worked example (Examples menu), the hidden weight w1 = w¹₁,₁ selected: its chain rule."""
    panel = InspectorPanel()
    panel.set_network(MAZUR.network(), MAZUR.cost)
    panel.set_data(*MAZUR.data())
    panel.set_learning_rate(MAZUR.learning_rate)
    panel.select_weight(1, 0, 0)
    save(panel, out / "inspector.png")


def runs(out):
    data = prepare(load_dataset("xor", n_samples=200, seed=0))
    config = TrainConfig(learning_rate=0.3, batch_size=16, epochs=30, cost="cross_entropy")
    panel = RunsPanel(RunBook())
    panel.set_experiment(Experiment(Network([2, 8, 2], ["tanh", "softmax"], seed=0), config,
                                    data.X_train, data.Y_train, data.X_val, data.Y_val))
    panel.comparison.setCurrentText("optimizers")
    _wait_for(panel.comparisonFinished, panel.start_comparison)
    _wait_for(panel.sweepFinished, panel.start_sweep)
    save(panel, out / "runs.png")
    panel.shutdown()


def health_and_evaluation(out):
    data = prepare(load_dataset("iris"))
    net = Network([4, 16, 8, 3], ["relu", "tanh", "softmax"], seed=0)
    trainer = Trainer(net, TrainConfig(learning_rate=0.05, batch_size=8, epochs=40, cost="cross_entropy"))
    health = HealthPanel()
    health.plots   # made on first paint in the app; grab() needs them before
    health.reset(net.n_layers)
    health.set_n_train(len(data.X_train))
    log = UpdateLog(net.n_layers)   # every update recorded, as when the app trains slowly or by Step
    recorder = Recorder(log, (data.X_train, data.Y_train), (data.X_train, data.Y_train))
    while not trainer.is_done:
        progress = trainer.step(data.X_train, data.Y_train)
        recorder.after_update(trainer)
        if progress.epoch_ended:
            health.add_snapshot(trainer.epoch, net.params)
    health.add_rows(log.rows())
    health.set_saturation(saturation(net, data.X_train), net.activations)
    health.refresh()
    save(health, out / "health.png")
    evaluation = EvaluationPanel()
    evaluation.set_classification(net, data.X_val, data.Y_val, data.dataset.class_names)
    save(evaluation, out / "evaluation.png")


def _wait_for(signal, start):
    from PySide6.QtCore import QEventLoop
    loop = QEventLoop()
    signal.connect(loop.quit)
    start()
    loop.exec()


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    app = QApplication([])
    inspector(out)
    runs(out)
    health_and_evaluation(out)
