"""Watching it learn: the Speed control, Step's visible change, per-update health (gestures)."""

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from uihelpers import click, control


def choose(qtbot, win, name, text):
    """Pick ``text`` in the combo box labelled ``name`` from the keyboard: Home, then Down to it."""
    box = control(win, name, QComboBox)
    index = box.findText(text)
    assert index >= 0, f"{name} has no item {text!r}"
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Home)
    for _ in range(index):
        qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.currentText() == text


def wait_idle_worker(qtbot, win):
    qtbot.waitUntil(lambda: not win.session.busy, timeout=10000)


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


@pytest.mark.own_window
def test_speed_offers_the_four_paces_and_starts_at_full_speed(window):
    box = control(window, "Speed", QComboBox)
    assert [box.itemText(i) for i in range(box.count())] == ["1 update/s", "10/s", "100/s", "full speed"]
    assert box.currentText() == "full speed" and window.session.speed is None


def test_step_at_slow_speed_is_exactly_one_update(window, qtbot):
    choose(qtbot, window, "Speed", "10/s")
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    assert window.session.trainer.updates == 1
    assert len(window.session.log) == 1   # recorded by the engine, with gradient noise
    assert np.isfinite(window.session.log.columns["cosine"][-1])


def test_start_at_10_per_second_trains_at_most_that_fast_and_records_every_update(window, qtbot):
    choose(qtbot, window, "Speed", "10/s")
    started = time.perf_counter()
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.trainer.updates >= 3, timeout=10000)
    click(qtbot, window, "Pause")
    wait_idle_worker(qtbot, window)
    elapsed = time.perf_counter() - started
    s = window.session
    # Paced: never more than one update per 0.1 s (plus the first, which starts at once).
    assert 3 <= s.trainer.updates <= 10 * elapsed + 1
    assert len(s.log) == s.trainer.updates
    # Every view drew the last update: the heatmaps show the session's weights.
    W = window.session.net.weights[0]
    assert np.allclose(window.weights.weights[0], W)
    updates = s.trainer.updates
    qtbot.wait(300)
    assert s.trainer.updates == updates   # paused: nothing more


def test_choosing_full_speed_while_training_speeds_the_run_up(window, qtbot):
    choose(qtbot, window, "Speed", "1 update/s")
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.trainer.updates >= 1, timeout=5000)
    choose(qtbot, window, "Speed", "full speed")
    qtbot.waitUntil(lambda: window.session.trainer.updates > 200, timeout=20000)
    click(qtbot, window, "Stop")
    wait_idle_worker(qtbot, window)


def test_pause_ends_the_wait_between_slow_updates_at_once(window, qtbot):
    choose(qtbot, window, "Speed", "1 update/s")
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.trainer.updates == 1, timeout=5000)
    click(qtbot, window, "Pause")
    # The worker waits on the job's stop event, not in a sleep: it returns well before the next second.
    qtbot.waitUntil(lambda: not window.session.busy, timeout=800)
    assert window.session.trainer.updates == 1


def test_step_shows_its_change_in_the_last_change_heatmap(window, qtbot):
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    click(qtbot, window, "last change")
    assert window.weights.showing_change
    shown = window.weights.layers[0][1].image
    assert np.abs(shown).max() > 0
    # The colours are the change, not the weights: ΔW is far smaller than W.
    assert np.abs(shown).max() < 0.1 * np.abs(window.session.net.weights[0]).max()
    rows, cols = window.weights.changed_cells(0)
    assert len(rows) > 0


def test_the_last_change_view_is_blank_before_any_update(window, qtbot):
    click(qtbot, window, "last change")
    assert np.abs(window.weights.layers[0][1].image).max() == 0
    assert len(window.weights.changed_cells(0)[0]) == 0


def test_neuron_images_follow_training(window, qtbot):
    window.docks["Neurons"].raise_()
    qtbot.waitUntil(window.neurons.isVisible, timeout=2000)
    before = window.neurons.image(0, 0).copy()
    for _ in range(3):
        click(qtbot, window, "Step")
        wait_idle_worker(qtbot, window)
    after = window.neurons.image(0, 0)
    assert after.shape == before.shape and not np.array_equal(after, before)
    # The output neuron's image is the decision boundary: the network's output over the plane.
    net = window.session.net
    out = net.predict(window.neurons.grid)[:, 0].reshape(after.shape)
    np.testing.assert_allclose(window.neurons.image(net.n_layers - 1, 0), out, rtol=1e-5, atol=1e-6)


def test_wider_data_offers_two_feature_choices(qtbot):
    from bpstudio.core.data.loading import load_dataset
    from bpstudio.ui import MainWindow

    win = MainWindow(load_dataset("iris"))
    qtbot.addWidget(win)
    win.show()
    win.docks["Neurons"].raise_()
    choose(qtbot, win, "Vertical feature", win.session.dataset.feature_names[3])
    assert "held at their means" in win.neurons.note.text()
    assert win.session.dataset.feature_names[3] in win.neurons.note.text()
    assert np.ptp(win.neurons.image(0, 0)) > 0
    win.close()


def _surface(window, qtbot):
    window.docks["Loss surface"].raise_()
    panel = window.inspection.surface
    qtbot.waitUntil(panel.isVisible, timeout=2000)
    return panel


def test_loss_surface_is_one_click_away_after_training(window, qtbot):
    for _ in range(3):
        click(qtbot, window, "Step")
        wait_idle_worker(qtbot, window)
    panel = _surface(window, qtbot)
    field = control(window, "Resolution")
    field.selectAll()
    qtbot.keyClicks(field, "9")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    choose(qtbot, window, "Directions", "initial → current, random")
    click(qtbot, window, "Compute")
    qtbot.waitUntil(lambda: control(window, "Compute").isEnabled(), timeout=20000)
    assert "Cost from" in control(window, "Surface status").text()
    costs = panel.costs()
    assert costs.shape == (9, 9) and np.isfinite(costs).all()
    # The path runs from the initial weights (α = 1 along "initial → current") to the current ones (0, 0).
    x, y = panel.trail.getData()
    assert x[0] == pytest.approx(1.0, abs=1e-6) and x[-1] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.own_window
def test_loss_surface_cancel_stops_the_job(window, qtbot):
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    panel = _surface(window, qtbot)
    field = control(window, "Resolution")
    field.selectAll()
    qtbot.keyClicks(field, "101")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    click(qtbot, window, "Compute")
    assert control(window, "Cancel").isEnabled()
    with qtbot.waitSignal(panel.tasks.cancelled, timeout=20000):
        click(qtbot, window, "Cancel")
    assert control(window, "Surface status").text() == "Cancelled."
    assert control(window, "Compute").isEnabled() and not control(window, "Cancel").isEnabled()
    assert panel.costs() is None
    qtbot.waitUntil(lambda: not panel.tasks.busy, timeout=5000)


def _diagram(window, qtbot):
    window.docks["Network diagram"].raise_()
    qtbot.waitUntil(window.diagram.isVisible, timeout=2000)
    return window.diagram


def test_play_step_animates_the_update_and_stop_ends_it(window, qtbot):
    diagram = _diagram(window, qtbot)
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    click(qtbot, window, "Play step")
    assert diagram.animating and diagram.phase == "forward"
    assert control(window, "Animation caption").text().startswith("Forward")
    qtbot.waitUntil(lambda: diagram.phase == "backward", timeout=10000)
    assert "δ" in control(window, "Animation caption").text()
    click(qtbot, window, "Stop animation")
    assert not diagram.animating and control(window, "Animation caption").text() == ""
    assert control(window, "Play step").isVisible()


def test_an_animation_runs_forward_backward_update_and_ends_on_the_new_weights(window, qtbot):
    diagram = _diagram(window, qtbot)
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    phases = []
    diagram.timer.timeout.connect(lambda: phases.append(diagram.phase))
    click(qtbot, window, "Play step")
    qtbot.waitUntil(lambda: not diagram.animating, timeout=20000)
    n = window.session.net.n_layers
    assert phases[:n] == ["forward"] * n and phases[n:2 * n] == ["backward"] * n
    assert phases[2 * n:] == ["update", "done", ""]
    np.testing.assert_allclose(diagram.current[0], window.session.net.weights[0])


@pytest.mark.own_window
def test_animate_updates_plays_each_step(window, qtbot):
    diagram = _diagram(window, qtbot)
    click(qtbot, window, "Animate updates")
    click(qtbot, window, "Step")
    qtbot.waitUntil(lambda: diagram.animating, timeout=10000)
    click(qtbot, window, "Stop animation")


def test_clicking_a_neuron_opens_it_in_the_inspector(window, qtbot):
    diagram = _diagram(window, qtbot)
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    pos = diagram.plot.mapFromScene(diagram.node_position(1, 2))
    qtbot.mouseClick(diagram.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    inspector = window.inspection.inspector
    qtbot.waitUntil(inspector.isVisible, timeout=2000)
    view = inspector.rows[0].views["a"]
    assert view.currentIndex().row() == 2 and view.currentIndex().column() == 0


def _train_epochs(window, qtbot, epochs):
    field = control(window, "Epochs")
    field.selectAll()
    qtbot.keyClicks(field, str(epochs))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.state == "idle" and not window.session.busy, timeout=20000)
    assert len(window.session.history) == epochs


@pytest.mark.own_window
def test_cost_and_runs_can_be_drawn_against_updates_or_samples(window, qtbot):
    _train_epochs(window, qtbot, 4)
    s = window.session
    n_train = len(s.prepared.X_train)
    per_epoch = -(-n_train // s.config.batch_size_for(n_train))
    choose(qtbot, window, "X axis", "samples seen")
    np.testing.assert_array_equal(window.curves.cost["train"].item.xData, n_train * np.arange(1, 5))
    assert window.curves.cost_plot.getPlotItem().getAxis("bottom").labelText == "samples seen"
    window.inspection.docks["Runs"].raise_()
    choose(qtbot, window, "Runs x axis", "updates")
    x, _ = window.inspection.runs.curves[0].getData()
    np.testing.assert_array_equal(x, per_epoch * np.arange(1, 5))
    assert s.trainer.updates == 4 * per_epoch


def test_per_update_cost_is_drawn_after_each_step(window, qtbot):
    choose(qtbot, window, "X axis", "updates")
    for _ in range(3):
        click(qtbot, window, "Step")
        wait_idle_worker(qtbot, window)
    x = window.curves.per_update.item.xData
    np.testing.assert_array_equal(x, [1, 2, 3])   # the cost plot is no longer empty before an epoch ends
    assert "update 3" in control(window, "Last costs").text()


def test_gradient_noise_differs_between_batch_modes(window, qtbot):
    """Stochastic descent's batch gradients point much less along the full gradient than full batch's."""
    cosines = {}
    for mode in ("Stochastic (1 sample)", "Full batch"):
        choose(qtbot, window, "Batch mode", mode)
        for _ in range(3):
            click(qtbot, window, "Step")
            wait_idle_worker(qtbot, window)
        cosines[mode] = window.session.log.rows()["cosine"]
        click(qtbot, window, "Stop")
        wait_idle_worker(qtbot, window)
    assert np.allclose(cosines["Full batch"], 1.0)
    assert cosines["Stochastic (1 sample)"].max() < 0.9
    health = window.inspection.health
    assert health.noise.n == 3   # the Health plot got a point per Step
