"""Watching it learn: the Speed control, Step's visible change, per-update health (gestures)."""

import re
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from uihelpers import click, control, train_epochs, type_into


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
    assert np.isfinite(window.session.log.rows()["cosine"][-1])


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
def test_the_loss_surface_fits_a_1280x800_window(window, qtbot):
    """The map's bottom axis stays above the fold: the panel never needs its scroll bar there."""
    window.resize(1280, 800)
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    panel = _surface(window, qtbot)
    click(qtbot, window, "Compute")
    qtbot.waitUntil(lambda: control(window, "Compute").isEnabled(), timeout=20000)
    qtbot.wait(200)
    viewport = panel.parentWidget()
    area = viewport.parentWidget()
    assert area.verticalScrollBar().maximum() == 0, (panel.height(), viewport.height())
    bottom = panel.graphics.mapTo(viewport, panel.graphics.rect().bottomLeft()).y()
    assert bottom <= viewport.height()
    axis = panel.plot.getAxis("bottom")
    assert axis.isVisible() and axis.label.toPlainText().startswith("α")


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


@pytest.mark.own_window   # trains at full speed (Speed is kept by File ▸ New)
def test_cost_and_runs_can_be_drawn_against_updates_or_samples(window, qtbot):
    train_epochs(qtbot, window, 4)
    s = window.session
    n_train = len(s.prepared.X_train)
    per_epoch = -(-n_train // s.config.batch_size_for(n_train))
    choose(qtbot, window, "X axis", "samples seen")
    np.testing.assert_array_equal(window.curves.cost["train"].item.xData, n_train * np.arange(1, 5))
    assert window.curves.cost_plot.getPlotItem().getAxis("bottom").labelText == "samples seen"
    window.inspection.docks["Runs"].raise_()
    qtbot.waitUntil(lambda: window.inspection.runs.isVisible(), timeout=2000)   # made when first seen
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


@pytest.mark.own_window   # trains at full speed (Speed is kept by File ▸ New)
def test_health_curves_follow_their_own_x_axis_choice(window, qtbot):
    train_epochs(qtbot, window, 3)
    s = window.session
    n_train = len(s.prepared.X_train)
    window.inspection.docks["Health"].raise_()
    health = window.inspection.health
    qtbot.waitUntil(health.isVisible, timeout=2000)
    rows = s.log.rows()
    assert len(rows["updates"]) == s.trainer.updates   # a short run at full speed: a row for every update
    qtbot.waitUntil(lambda: len(health.norms.curves) > 0 and health.norms.curves[0].getData()[0] is not None
                    and len(health.norms.curves[0].getData()[0]) == len(rows["updates"]), timeout=3000)
    x, _ = health.norms.curves[0].getData()
    np.testing.assert_array_equal(x, rows["updates"])   # weight updates, as before
    choose(qtbot, window, "Health x axis", "samples seen")
    x, _ = health.norms.curves[0].getData()
    np.testing.assert_array_equal(x, rows["samples"])
    assert health.norm_plot.getPlotItem().getAxis("bottom").labelText == "samples seen"
    choose(qtbot, window, "Health x axis", "epochs")
    x, _ = health.ratios.curves[0].getData()
    np.testing.assert_allclose(x, rows["samples"] / n_train)
    assert x[-1] == 3 and health.noise_plot.getPlotItem().getAxis("bottom").labelText == "epoch"
    assert control(window, "X axis", QComboBox).currentText() == "epochs"   # the cost plot's own choice


def _legend(plot):
    return [label.text for _, label in plot.getPlotItem().legend.items]


@pytest.mark.own_window   # trains at full speed (Speed is kept by File ▸ New)
def test_legend_lists_a_curve_only_once_it_has_points(window, qtbot):
    cost_plot = window.curves.cost_plot
    assert "after each update" not in _legend(cost_plot)
    train_epochs(qtbot, window, 2)   # full speed: the per-update cost is not measured
    assert window.curves.per_update.last is None
    assert "after each update" not in _legend(cost_plot) and "train" in _legend(cost_plot)
    noise_plot = window.inspection.health.noise_plot
    assert "cos(batch, full)" not in _legend(noise_plot)   # full speed, 2 epochs: no noise measured
    choose(qtbot, window, "Speed", "10/s")
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    qtbot.waitUntil(lambda: "after each update" in _legend(cost_plot), timeout=3000)
    window.inspection.docks["Health"].raise_()
    qtbot.waitUntil(lambda: "cos(batch, full)" in _legend(noise_plot), timeout=3000)
    click(qtbot, window, "Reset")
    wait_idle_worker(qtbot, window)
    qtbot.waitUntil(lambda: "after each update" not in _legend(cost_plot), timeout=3000)


def test_the_wheel_never_changes_the_speed(window, qtbot):
    """Unfocused, or still focused after a choice (the toolbar's buttons take no focus, so after choosing
    10/s and clicking Start the Speed box keeps it): a scroll over it must not change the pace."""
    from PySide6.QtWidgets import QApplication
    from uihelpers import focus_elsewhere, wheel
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    box = control(window, "Speed", QComboBox)
    choose(qtbot, window, "Speed", "10/s")
    assert box.hasFocus()
    for notches in (1, -1, -1):
        wheel(window, box, notches)
    assert box.currentText() == "10/s" and window.session.speed == 10.0
    focus_elsewhere(window)
    for notches in (1, -1, -1):
        wheel(window, box, notches)
    assert box.currentText() == "10/s" and window.session.speed == 10.0
    qtbot.keyClick(box, Qt.Key.Key_Down)   # the keyboard still chooses
    assert box.currentText() == "100/s"


def _select_rows(qtbot, table, rows):
    """Click the first row's name, Ctrl+click the others' (as a person selects two runs)."""
    for i, row in enumerate(rows):
        rect = table.visualItemRect(table.item(row, 0))
        modifier = Qt.KeyboardModifier.ControlModifier if i else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def _two_optimizer_runs(win, qtbot):
    """Runs ▸ Setting: optimizer, Compare: runs from the same initial weights, one per optimizer."""
    from uihelpers import show_tab
    runs = win.inspection.runs
    show_tab(qtbot, win, "Runs")
    choose(qtbot, win, "Setting", "optimizers")
    type_into(qtbot, control(win, "Epochs per run"), "15")
    with qtbot.waitSignal(runs.comparisonFinished, timeout=30000):
        click(qtbot, win, "Compare")
    return runs


def test_two_runs_loss_surfaces_side_by_side(xor_window, qtbot):
    win = xor_window
    runs = _two_optimizer_runs(win, qtbot)
    book = win.session.runs
    assert len(book) >= 2 and not control(win, "Compare loss surfaces").isEnabled()
    _select_rows(qtbot, runs.table, [0])
    assert not control(win, "Compare loss surfaces").isEnabled()   # one run: nothing to compare
    _select_rows(qtbot, runs.table, [0, 1])
    chosen = [book[0], book[1]]
    np.testing.assert_array_equal(chosen[0].initial, chosen[1].initial)   # Compare: the same initial weights
    panel = win.inspection.surface
    choose(qtbot, win, "Directions", "initial → current, random")
    field = control(win, "Resolution")
    field.selectAll()
    qtbot.keyClicks(field, "7")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    show_runs = win.inspection.docks["Runs"]
    show_runs.raise_()
    qtbot.waitUntil(runs.isVisible, timeout=2000)
    click(qtbot, win, "Compare loss surfaces")
    qtbot.waitUntil(panel.isVisible, timeout=2000)   # the Loss surface tab comes up
    qtbot.waitUntil(lambda: control(win, "Compute").isEnabled(), timeout=30000)
    status = control(win, "Surface status").text()
    assert chosen[0].name in status and chosen[1].name in status, status
    assert panel.maps[1].plot.isVisible()
    for i, run in enumerate(chosen):
        costs = panel.costs(i)
        assert costs.shape == (7, 7) and np.isfinite(costs).all()
        assert panel.maps[i].plot.titleLabel.text == run.name
        x, y = panel.maps[i].trail.getData()
        # each path: from the shared initial weights (α = 1 on "initial → final") to the run's end (0, 0)
        assert x[0] == pytest.approx(1.0, abs=1e-6) and x[-1] == pytest.approx(0.0, abs=1e-9)
        assert len(x) == len(run.path)
    assert panel.maps[0].image.levels == pytest.approx(panel.maps[1].image.levels)   # one colour scale
    assert not np.allclose(panel.costs(0), panel.costs(1))   # two different places on the surface
    # Compute goes back to one map: around the current weights
    click(qtbot, win, "Step")
    wait_idle_worker(qtbot, win)
    click(qtbot, win, "Compute")
    qtbot.waitUntil(lambda: control(win, "Compute").isEnabled(), timeout=30000)
    assert control(win, "Surface status").text().startswith("Cost from")
    assert not panel.maps[1].plot.isVisible() and panel.maps[0].plot.titleLabel.text == "Loss surface"


def test_runs_reopened_from_a_project_keep_their_paths_and_compare(xor_window, qtbot, monkeypatch, tmp_path):
    """File ▸ Save As, New, File ▸ Open: the two runs' loss surfaces still come side by side."""
    from PySide6.QtWidgets import QFileDialog
    win = xor_window
    runs = _two_optimizer_runs(win, qtbot)
    before = [(run.name, run.initial.copy(), run.path.copy()) for run in win.session.runs]
    path = tmp_path / "two runs.bpproject"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    win.projects.act_save_as.trigger()
    qtbot.waitUntil(lambda: f"Saved the project to {path}" in control(win, "Message").text(), timeout=10000)
    win.projects.act_new.trigger()
    qtbot.waitUntil(lambda: runs.table.rowCount() == 0, timeout=5000)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.projects.act_open.trigger()
    qtbot.waitUntil(lambda: f"Opened {path}" in control(win, "Message").text(), timeout=10000)
    reopened = list(win.session.runs)
    assert [run.name for run in reopened] == [name for name, _, _ in before]
    for run, (_, initial, trail) in zip(reopened, before):
        np.testing.assert_array_equal(run.initial, initial)
        np.testing.assert_allclose(run.path, trail, rtol=1e-6, atol=1e-6)   # kept in float32
    panel = _compare_first_two(qtbot, win, runs, "5")
    qtbot.waitUntil(lambda: control(win, "Compute").isEnabled(), timeout=30000)
    status = control(win, "Surface status").text()
    assert reopened[0].name in status and reopened[1].name in status, status
    for i, run in enumerate(reopened[:2]):
        assert panel.costs(i).shape == (5, 5) and np.isfinite(panel.costs(i)).all()
        assert len(panel.maps[i].trail.getData()[0]) == len(run.path)


def test_comparing_two_runs_loss_surfaces_can_be_cancelled(xor_window, qtbot):
    win = xor_window
    runs = _two_optimizer_runs(win, qtbot)
    panel = _compare_first_two(qtbot, win, runs, "101")
    assert control(win, "Cancel").isEnabled()
    with qtbot.waitSignal(panel.tasks.cancelled, timeout=20000):
        click(qtbot, win, "Cancel")
    assert control(win, "Surface status").text() == "Cancelled."
    assert panel.costs(0) is None and panel.costs(1) is None
    qtbot.waitUntil(lambda: not panel.tasks.busy, timeout=5000)


def test_runs_whose_surfaces_share_no_picture_are_refused_with_the_reason():
    from dataclasses import replace
    from bpstudio.core import TrainConfig
    from bpstudio.core.explain.compare import Run
    from bpstudio.core.train.history import History
    from bpstudio.ui.panels.landscape import check_comparable
    setup = {"data": "xor", "hidden": "4 tanh", "output": "softmax"}
    theta = np.zeros(22)
    run = Run("Run 1", TrainConfig(cost="cross_entropy"), History(), theta, dict(setup), initial=theta,
              path=theta[None, :])
    check_comparable([run, replace(run, name="Run 2")], setup, 22)
    refusals = {"select two runs, not 1": [run],
                "Run 2 has no saved path": [run, replace(run, name="Run 2", path=None)],
                "Run 2 trained other data": [run, replace(run, name="Run 2", setup={**setup, "data": "circles"})],
                "different costs (cross_entropy, mse)": [run, replace(run, config=TrainConfig(cost="mse"))]}
    for reason, runs in refusals.items():
        with pytest.raises(ValueError, match=re.escape(reason)):
            check_comparable(runs, setup, 22)


@pytest.mark.own_window   # trains at full speed (Speed is kept by File ▸ New)
def test_a_trained_run_keeps_what_its_loss_surface_needs(window, qtbot):
    initial = window.session.net.params.copy()
    train_epochs(qtbot, window, 3)
    run = window.session.runs[0]
    np.testing.assert_array_equal(run.initial, initial)
    np.testing.assert_array_equal(run.path[0], initial)
    np.testing.assert_array_equal(run.path[-1], run.params)
    np.testing.assert_array_equal(run.params, window.session.net.params)


@pytest.mark.own_window   # trains at full speed (Speed is kept by File ▸ New)
def test_an_empty_noise_plot_says_why_and_the_note_goes_once_noise_is_measured(window, qtbot):
    """At full speed a short run measures no gradient noise: the plot was empty with no word why."""
    window.inspection.docks["Health"].raise_()
    health = window.inspection.health
    qtbot.waitUntil(lambda: health._plots is not None, timeout=3000)
    note, view = health.noise_note, health.noise_plot.getPlotItem().getViewBox()
    train_epochs(qtbot, window, 2)
    qtbot.waitUntil(lambda: health.norms.n > 0, timeout=3000)
    assert health.noise.n == 0 and note.isVisible() and "Slow training down" in note.textItem.toPlainText()
    box = note.mapRectToItem(view, note.boundingRect())
    assert view.boundingRect().contains(box), (box, view.boundingRect())   # all of it inside the plot area
    choose(qtbot, window, "Speed", "10/s")
    click(qtbot, window, "Step")
    wait_idle_worker(qtbot, window)
    qtbot.waitUntil(lambda: health.noise.n > 0 and not note.isVisible(), timeout=3000)
    click(qtbot, window, "Reset")
    wait_idle_worker(qtbot, window)
    qtbot.waitUntil(note.isVisible, timeout=3000)


def _compare_first_two(qtbot, win, runs, resolution):
    """Select the first two runs, type the surface's resolution, click Compare loss surfaces; the panel."""
    _select_rows(qtbot, runs.table, [0, 1])
    type_into(qtbot, control(win, "Resolution"), resolution)
    win.inspection.docks["Runs"].raise_()
    qtbot.waitUntil(runs.isVisible, timeout=2000)
    click(qtbot, win, "Compare loss surfaces")
    panel = win.inspection.surface
    qtbot.waitUntil(panel.isVisible, timeout=2000)
    return panel
