"""The inspection panels inside the main window: fed by the session, and writing back only when it is safe."""

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt


@pytest.fixture
def window(shared_windows, qtbot):
    """The module's XOR window, as File ▸ New leaves it; no experiment may outlive a test."""
    win = shared_windows(("xor", {"n_samples": 200, "seed": 0}))
    yield win
    win.inspection.runs.jobs.cancel()
    qtbot.waitUntil(lambda: not win.inspection.runs.jobs.busy, timeout=10000)


def _step(window, qtbot, n=1):
    s = window.session
    for _ in range(n):
        s.step()
        qtbot.waitUntil(lambda: not s.busy, timeout=5000)


def test_docks_exist_and_follow_the_session(window, qtbot):
    docks = window.inspection.docks
    assert set(docks) == {"Inspector", "Health", "Runs", "Evaluation", "Loss surface"}
    assert all(title in window.docks for title in docks)   # listed in the View menu
    inspector = window.inspection.inspector
    docks["Inspector"].raise_()   # a hidden inspector computes its tables when first shown
    qtbot.waitUntil(lambda: [row.shape[1] for row in inspector.rows] == list(window.session.net.sizes[1:]),
                    timeout=3000)
    _step(window, qtbot, 3)
    qtbot.waitUntil(lambda: np.array_equal(inspector.net.params, window.session.net.params), timeout=3000)
    x, y = inspector.inspected()
    grad_w, _ = window.session.net.gradients(x, y, window.session.spec.cost)
    np.testing.assert_array_equal(inspector.rows[0].views["grad_w"].values(), grad_w[0])


def test_runs_and_health_record_training(window, qtbot):
    _step(window, qtbot, 2)
    runs = window.session.runs
    health = window.inspection.health
    assert health.norms.n >= 1 and health.ratios.n >= 1
    s = window.session
    s.set_config(replace(s.config, epochs=2))
    s.start()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=20000)
    assert len(runs) == 1 and runs[0].name == "Run 1"   # numbered in order, not by run id
    assert len(runs[0].history) == 2
    assert 2 in health.snapshots
    window.inspection.docks["Health"].raise_()
    qtbot.waitUntil(lambda: health.snapshot_choice.findText("epoch 2") >= 0, timeout=3000)


def test_inspector_step_writes_into_the_session_network_and_redraws(window, qtbot):
    s = window.session
    _step(window, qtbot)
    inspection = window.inspection
    inspection.docks["Inspector"].raise_()
    qtbot.waitUntil(lambda: np.array_equal(inspection.view_net.params, s.net.params), timeout=3000)
    before = s.net.params.copy()
    with qtbot.waitSignal(s.snapshot):
        inspection.inspector.step()
    assert not np.array_equal(s.net.params, before)
    np.testing.assert_array_equal(s.net.params, inspection.view_net.params)
    np.testing.assert_array_equal(s.latest.params, s.net.params)


def test_rewind_loads_an_earlier_snapshot(window, qtbot):
    s = window.session
    batches = -(-len(s.prepared.X_train) // s.config.batch_size)
    _step(window, qtbot, 2 * batches + 1)               # into the third epoch, one snapshot per step
    health = window.inspection.health
    assert {0, 1, 2} <= set(health.snapshots)
    window.inspection.docks["Health"].raise_()
    qtbot.waitUntil(lambda: health.snapshot_choice.count() == len(health.snapshots), timeout=3000)
    health.snapshot_choice.setCurrentText("epoch 1")
    assert not np.array_equal(s.net.params, health.snapshots[1])
    with qtbot.waitSignal(s.snapshot):
        health.rewind_button.click()
    np.testing.assert_array_equal(s.net.params, health.snapshots[1])
    np.testing.assert_array_equal(s.latest.params, health.snapshots[1])   # the other views redraw it


def test_evaluation_and_the_sweep_rate(window, qtbot):
    inspection = window.inspection
    inspection.docks["Evaluation"].raise_()
    _step(window, qtbot)
    qtbot.waitUntil(lambda: inspection.evaluation.counts is not None, timeout=3000)
    assert inspection.evaluation.counts.sum() == len(window.session.prepared.X_val)
    inspection.runs.learningRateChosen.emit(0.03)
    assert window.session.config.learning_rate == 0.03


def test_clicking_a_weight_heatmap_shows_its_chain_rule(window, qtbot):
    weights = window.weights
    window.docks["Weights"].raise_()
    qtbot.waitUntil(lambda: len(weights.weights) > 0 and weights.isVisible(), timeout=3000)
    w_plot = weights.layers[1][0]
    scene_pos = w_plot.getViewBox().mapViewToScene(QPointF(4, 1))   # cell k=4, j=1 (neurons count from 1)
    with qtbot.waitSignal(weights.weightClicked) as clicked:
        qtbot.mouseClick(weights.graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=weights.graphics.mapFromScene(scene_pos))
    assert clicked.args == [1, 0, 3]
    inspector = window.inspection.inspector
    assert inspector.selected == (2, 0, 3)
    assert "from neuron 4 (layer 1) to neuron 1 (layer 2)" in inspector.chain_label.text()


def test_clicking_a_connection_in_the_diagram_selects_that_weight(window, qtbot):
    diagram = window.diagram
    window.docks["Network diagram"].raise_()
    qtbot.waitUntil(diagram.isVisible, timeout=3000)
    k, j, x, y = diagram.segments[0]
    n = 1 * len(k) + 1                                   # the connection from input 2 to hidden neuron 2
    t = 0.75                                             # not the middle, where lines cross
    on_line = QPointF(x[2 * n] + t * (x[2 * n + 1] - x[2 * n]), y[2 * n] + t * (y[2 * n + 1] - y[2 * n]))
    scene_pos = diagram.plot.getPlotItem().getViewBox().mapViewToScene(on_line)
    with qtbot.waitSignal(diagram.connectionClicked) as clicked:
        qtbot.mouseClick(diagram.plot.viewport(), Qt.MouseButton.LeftButton, pos=diagram.plot.mapFromScene(scene_pos))
    assert clicked.args == [0, 1, 1]
    assert window.inspection.inspector.selected == (1, 1, 1)


def test_no_edits_while_training(window, qtbot):
    s, inspection = window.session, window.inspection
    s.set_config(replace(s.config, epochs=100000))
    s.start()
    assert not inspection.inspector.step_button.isEnabled() and not inspection.health.rewind_button.isEnabled()
    with qtbot.waitSignal(s.error) as error:
        assert inspection._push_weights() is False
    assert "Pause training" in error.args[0]
    s.pause()
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    assert inspection.inspector.step_button.isEnabled()


def test_stuck_units_are_ringed_in_the_diagram(window):
    diagram = window.diagram
    flags = [np.zeros(n, bool) for n in window.session.net.sizes[1:]]
    flags[0][2] = True                                   # hidden layer 1, neuron 3
    diagram.mark_units(flags)
    x, y = diagram.marks.getData()
    assert len(x) == 1 and x[0] == 1.0                   # in the first hidden column
    diagram.mark_units([np.zeros(n, bool) for n in window.session.net.sizes[1:]])
    assert len(diagram.marks.getData()[0]) == 0
