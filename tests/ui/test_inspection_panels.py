"""Health, runs and evaluation panels: curves per layer/run, sweep points, confusion counts, background jobs."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.explain.compare import Run
from bpstudio.core.explain.health import gradient_norms, saturation
from bpstudio.core.explain.updates import Recorder, UpdateLog
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.ui.panels.evaluation import EvaluationPanel
from bpstudio.ui.panels.health import HealthPanel, flagged_units
from bpstudio.ui.panels.runs import Experiment, RunsPanel
from bpstudio.ui.session.runs import RunBook

RNG = np.random.default_rng(1)
X = RNG.normal(size=(60, 2))
Y = (X[:, :1] * X[:, 1:] > 0).astype(float)


def test_health_draws_one_curve_per_layer_and_flags_dead_units(qtbot):
    panel = HealthPanel()
    qtbot.addWidget(panel)
    net = Network([2, 6, 4, 1], ["relu", "tanh", "sigmoid"], seed=0)
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, batch_size=10, epochs=3))
    panel.reset(net.n_layers)
    recorder = Recorder(UpdateLog(net.n_layers), (X, Y), (X, Y))
    for _ in range(5):
        trainer.step(X, Y)
        recorder.after_update(trainer)
    panel.add_rows(recorder.log.rows())   # fed while never shown: the plots come when it is first painted
    panel.show()
    qtbot.waitUntil(lambda: len(panel.norms.curves) == 3 and len(panel.ratios.curves) == 3, timeout=3000)
    panel.refresh()
    xs, _ = panel.ratios.curves[2].getData()
    assert len(xs) == 5
    x, y = panel.norms.data(1)
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5])
    assert y[-1] == pytest.approx(gradient_norms(net, trainer.last_gradient)[1])
    net.biases[0][2] = -1e3   # unit 2 of the ReLU layer never fires: dead
    panel.set_saturation(saturation(net, X), net.activations)
    assert "3 (dead)" in panel.saturation.item(0, 2).text().split(", ")   # neuron 3, counted from 1
    assert flagged_units(saturation(net, X))[0].tolist() == [s >= 0.9 for s in saturation(net, X)[0]]
    assert flagged_units(saturation(net, X))[0][2]
    assert panel.saturation.item(2, 0).text() == "3 sigmoid"


def test_snapshots_rewind_to_the_chosen_epoch(qtbot):
    panel = HealthPanel()
    qtbot.addWidget(panel)
    panel.reset(2)
    for epoch in range(1, 4):
        panel.add_snapshot(epoch, np.full(5, float(epoch)))
    panel.refresh()
    panel.snapshot_choice.setCurrentText("epoch 2")
    with qtbot.waitSignal(panel.rewindRequested) as signal:
        qtbot.mouseClick(panel.rewind_button, Qt.LeftButton)
    epoch, params = signal.args
    assert epoch == 2 and params.tolist() == [2.0] * 5


@pytest.fixture
def runs_panel(qtbot):
    panel = RunsPanel(RunBook())
    qtbot.addWidget(panel)
    yield panel
    assert panel.shutdown()


def _experiment():
    net = Network([2, 5, 1], ["tanh", "sigmoid"], seed=3)
    return Experiment(net, TrainConfig(learning_rate=0.3, batch_size=8, epochs=100, cost="mse"), X, Y, X[:20], Y[:20])


def test_compare_overlays_one_curve_per_setting_with_a_legend_naming_it(runs_panel, qtbot):
    runs_panel.set_experiment(_experiment())
    runs_panel.epochs.setValue(4)
    runs_panel.comparison.setCurrentText("batch modes")
    with qtbot.waitSignal(runs_panel.comparisonFinished, timeout=20000):
        qtbot.mouseClick(runs_panel.compare_button, Qt.LeftButton)
    assert len(runs_panel.curves) == 3 and runs_panel.table.rowCount() == 3
    legend = [label.text for _, label in runs_panel.legend.items]
    assert legend[0] == "batch_mode=stochastic" and legend[2] == "batch_mode=full"
    assert runs_panel.table.item(2, 1).text() == "batch_mode=full"
    xs, _ = runs_panel.curves[1].getData()
    np.testing.assert_array_equal(xs, [1, 2, 3, 4])
    assert runs_panel.compare_button.isEnabled()
    # Renaming updates the legend; removing a run removes its curve.
    runs_panel.table.item(0, 0).setText("SGD per sample")
    assert runs_panel.legend.items[0][1].text == "SGD per sample"
    runs_panel.table.selectRow(1)
    qtbot.mouseClick(runs_panel.remove_button, Qt.LeftButton)
    assert len(runs_panel.curves) == 2 and [r.name for r in runs_panel.book] == ["SGD per sample", "batch_mode=full"]


def test_cost_function_comparison_only_uses_costs_valid_for_the_output(runs_panel, qtbot):
    runs_panel.set_experiment(_experiment())
    runs_panel.epochs.setValue(2)
    runs_panel.comparison.setCurrentText("cost functions")
    with qtbot.waitSignal(runs_panel.comparisonFinished, timeout=20000):
        runs_panel.start_comparison()
    assert [r.config.cost for r in runs_panel.book] == ["sse", "half_sse", "mse", "half_mse", "bce"]


def test_session_runs_get_a_legend_naming_what_differed(runs_panel):
    net = Network([2, 3, 1], seed=0)
    for lr in (0.1, 0.5):
        config = TrainConfig(learning_rate=lr, epochs=3)
        history = Trainer(net.copy(), config).fit(X, Y)
        runs_panel.book.add([Run(f"Run lr {lr}", config, history, net.params.copy())])
    assert [label.text for _, label in runs_panel.legend.items] == ["Run lr 0.1", "Run lr 0.5 (learning_rate=0.5)"]
    # The same session run reported again (paused, then resumed) replaces its row and keeps a new name.
    runs_panel.book.record(Run("", TrainConfig(epochs=3), history, net.params.copy()), key=7)
    assert runs_panel.table.item(2, 0).text() == "Run 1"   # numbered on from the runs called "Run N"
    runs_panel.table.item(2, 0).setText("my run")
    runs_panel.book.record(Run("", TrainConfig(epochs=5), history, net.params.copy()), key=7)
    assert [r.name for r in runs_panel.book] == ["Run lr 0.1", "Run lr 0.5", "my run"]
    assert runs_panel.book[2].config.epochs == 5


def test_sweep_plots_one_point_per_rate_and_offers_the_best(runs_panel, qtbot):
    runs_panel.set_experiment(_experiment())
    runs_panel.epochs.setValue(3)
    rates = (1e-3, 0.1, 1.0, 1e4)
    with qtbot.waitSignal(runs_panel.sweepFinished, timeout=20000):
        runs_panel.start_sweep(rates)
    assert [rate for rate, _ in runs_panel.sweep_points] == list(rates)
    xs, ys = runs_panel.sweep_curve.getData()
    finite = [(r, c) for r, c in runs_panel.sweep_points if np.isfinite(c)]
    assert len(xs) == len(finite) >= 3
    best = min(finite, key=lambda p: p[1])[0]
    with qtbot.waitSignal(runs_panel.learningRateChosen) as signal:
        qtbot.mouseClick(runs_panel.use_rate, Qt.LeftButton)
    assert signal.args == [best]


def test_cancel_stops_a_long_sweep_quickly(runs_panel, qtbot):
    exp = _experiment()
    big = np.repeat(X, 50, axis=0)
    runs_panel.set_experiment(Experiment(exp.net, exp.config, big, np.repeat(Y, 50, axis=0)))
    runs_panel.epochs.setValue(10000)
    runs_panel.start_sweep()
    qtbot.waitUntil(lambda: runs_panel.progress.value() > 0 or runs_panel.status.text().startswith("run"), timeout=5000)
    with qtbot.waitSignal(runs_panel.sweepFinished, timeout=5000):
        qtbot.mouseClick(runs_panel.cancel_button, Qt.LeftButton)
    assert len(runs_panel.sweep_points) <= 1
    assert runs_panel.sweep_button.isEnabled()


def test_confusion_matrix_counts(qtbot):
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    net = Network([2, 3], ["softmax"], seed=0)
    net.weights[0][:] = 0.0
    net.biases[0][:] = 0.0
    net.weights[0][0, 0] = 5.0    # class 0 when x₀ > 0, else class 1 or 2 by x₁
    net.weights[0][1, 1] = 5.0
    net.weights[0][2, 1] = -5.0
    Xc = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0]])
    Yc = np.eye(3)[[0, 1, 1, 2, 2]]
    panel.set_classification(net, Xc, Yc, ["a", "b", "c"])
    np.testing.assert_array_equal(panel.matrix.values(), [[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    model = panel.matrix.matrix_model
    assert model.data(model.index(1, 0)) == "1"
    assert model.headerData(2, Qt.Horizontal) == "c"
    assert "accuracy 60.0%" in panel.summary.text()


def test_per_class_table_follows_new_weights_and_new_classes(qtbot):
    """The table is rewritten in place while training (only changed cells): it must still show the
    latest scores, and the rows of a dataset with other classes."""
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show()

    def shown():
        t = panel.per_class
        return ([t.verticalHeaderItem(r).text() for r in range(t.rowCount())],
                [[t.item(r, c).text() for c in range(3)] for r in range(t.rowCount())])

    net = Network([2, 3], ["softmax"], seed=0)
    net.weights[0][:] = 0.0
    net.biases[0][:] = 0.0
    net.weights[0][0, 0] = 5.0   # x₀ > 0: a; else b (the first of the tie)
    Xc = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]])
    Yc = np.eye(3)[[0, 1, 1, 2]]
    panel.set_classification(net, Xc, Yc, ["a", "b", "c"])   # predicts a, a, b, b
    assert shown() == (["a", "b", "c"], [["50.0 %", "100.0 %", "1"], ["50.0 %", "50.0 %", "2"], ["—", "0.0 %", "1"]])
    net.weights[0][1, 1] = 5.0   # now x₁ < 0 is c
    panel.set_classification(net, Xc, Yc, ["a", "b", "c"])   # predicts a, a, b, c
    assert shown() == (["a", "b", "c"], [["50.0 %", "100.0 %", "1"], ["100.0 %", "50.0 %", "2"],
                                         ["100.0 %", "100.0 %", "1"]])
    two = Network([2, 2], ["softmax"], seed=0)
    panel.set_classification(two, Xc[:2], np.eye(2)[[0, 1]], ["yes", "no"])
    assert shown()[0] == ["yes", "no"] and len(shown()[1]) == 2


def test_predicted_vs_actual_in_target_units(qtbot):
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    net = Network([2, 2], ["linear"], seed=0)
    scaler = Scaler("standard").fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    Ys = net.predict(X[:8]) + 0.1
    panel.set_regression(net, X[:8], Ys, ["price", "size"], scaler)
    actual, predicted = panel.scatter.getData()
    np.testing.assert_allclose(actual, scaler.inverse_transform(Ys)[:, 0])
    np.testing.assert_allclose(predicted, scaler.inverse_transform(net.predict(X[:8]))[:, 0])
    panel.target.setCurrentIndex(1)
    actual, _ = panel.scatter.getData()
    np.testing.assert_allclose(actual, scaler.inverse_transform(Ys)[:, 1])
    assert "size: R²" in panel.summary.text() and "RMSE" in panel.summary.text() and "MAE" in panel.summary.text()
