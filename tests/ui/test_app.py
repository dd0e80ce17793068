"""The window as a user meets it: launch, data, layers, and the run controls."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QMessageBox

from uihelpers import click, control


@pytest.fixture
def window(shared_windows):
    """The module's default window, as File ▸ New leaves it (building one per test was most of the time)."""
    return shared_windows(None)


@pytest.fixture
def xor_window(shared_windows):
    return shared_windows(("xor", {"n_samples": 200, "seed": 0}))

REQUIRED_NAMES = ("Dataset", "Learning rate", "Batch mode", "Batch size", "Optimizer", "Cost function",
                  "Start", "Pause", "Step", "Stop", "Reset", "Cost plot", "Weights")


def cost_curve(win):
    """The y data the cost plot's train curve holds (what is drawn)."""
    y = win.curves.cost["train"].item.yData
    return np.array([]) if y is None else y


def test_launch_shows_a_ready_default(window):
    for name in REQUIRED_NAMES:
        control(window, name)
    s = window.session
    assert s.dataset.n_features == 2 and s.state == "idle"
    assert s.net.sizes[0] == 2 and s.net.sizes[-1] == s.dataset.n_outputs
    assert control(window, "Start").isEnabled()
    assert not control(window, "Pause").isEnabled()
    assert control(window, "Decision boundary").isVisible()


def test_switching_dataset_rebuilds_the_data_and_network(window, qtbot):
    combo = control(window, "Dataset", QComboBox)
    combo.setCurrentIndex(combo.findData("gaussians"))
    qtbot.waitUntil(lambda: window.session.dataset.source.startswith("gaussians"), timeout=5000)
    s = window.session
    assert s.net.sizes[-1] == s.dataset.n_outputs
    assert s.net.activations[-1] == "softmax" and s.config.cost == "cross_entropy"
    assert "gaussians" in control(window, "Data summary").text()


def test_editing_layers_rebuilds_the_network(window, qtbot):
    s = window.session
    before = len(s.net.sizes)
    click(qtbot, window, "Add layer")
    assert len(s.net.sizes) == before + 1
    panel = window.network_panel
    panel.table.cellWidget(0, 0).setValue(5)
    assert s.net.sizes[1] == 5
    panel.table.cellWidget(0, 1).setCurrentIndex(panel.table.cellWidget(0, 1).findData("relu"))
    assert s.net.activations[0] == "relu"
    panel.table.selectRow(0)
    click(qtbot, window, "Move layer down")
    assert s.net.sizes[2] == 5 and s.net.activations[1] == "relu"
    click(qtbot, window, "Remove layer")
    assert len(s.net.sizes) == before
    assert window.weights.layers and len(window.weights.layers) == s.net.n_layers


def test_an_invalid_output_and_cost_pair_is_explained_and_blocks_start(window):
    panel = window.network_panel
    cost = control(window, "Cost function", QComboBox)
    cost.setCurrentIndex(cost.findData("mse"))          # softmax output + mse: not allowed
    assert "softmax" in panel.problem.text()
    assert not window.controls.start.isEnabled()
    assert window.session.config.cost == "cross_entropy"   # the session kept a consistent pair
    cost.setCurrentIndex(cost.findData("cross_entropy"))
    assert panel.problem.text() == "" and window.controls.start.isEnabled()


def test_learning_rate_steps_on_the_ladder_and_batch_size_follows_the_mode(window):
    lr = control(window, "Learning rate")
    lr.setValue(0.03)
    lr.stepBy(1)
    assert lr.value() == pytest.approx(0.1) and window.session.config.learning_rate == pytest.approx(0.1)
    lr.stepBy(-3)
    assert lr.value() == pytest.approx(0.003)
    mode = control(window, "Batch mode", QComboBox)
    mode.setCurrentIndex(mode.findData("full"))
    assert not control(window, "Batch size").isEnabled()
    mode.setCurrentIndex(mode.findData("mini-batch"))
    assert control(window, "Batch size").isEnabled()


def test_training_xor_makes_the_cost_curve_fall(xor_window, qtbot):
    win = xor_window
    control(win, "Epochs").setValue(150)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: win.session.state == "idle" and not win.session.busy, timeout=20000)
    qtbot.waitUntil(lambda: len(cost_curve(win)) == 150, timeout=3000)
    y = cost_curve(win)
    assert y[-10:].mean() < 0.5 * y[:10].mean()
    assert win.session.history.train_accuracy[-1] > 0.9
    assert "completed" in control(win, "Message").text()


def test_pause_resume_step_and_stop(xor_window, qtbot):
    win, s = xor_window, xor_window.session
    control(win, "Epochs").setValue(1_000_000)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    assert not win.network_panel.isEnabled()        # the architecture is locked while training
    click(qtbot, win, "Pause")
    qtbot.waitUntil(lambda: not s.busy, timeout=3000)
    paused_at = s.trainer.updates
    qtbot.wait(100)
    assert s.trainer.updates == paused_at and s.state == "paused"
    assert s.latest.progress.updates == paused_at   # the views show exactly where it stopped
    click(qtbot, win, "Step")
    qtbot.waitUntil(lambda: s.latest.progress.updates == paused_at + 1, timeout=3000)
    click(qtbot, win, "Start")                        # resume
    qtbot.waitUntil(lambda: s.latest.progress.updates > paused_at + 1, timeout=5000)
    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: not s.busy, timeout=3000)
    assert s.state == "idle" and win.network_panel.isEnabled()


def test_space_starts_and_pauses(xor_window, qtbot):
    win, s = xor_window, xor_window.session
    control(win, "Epochs").setValue(1_000_000)
    win.curves.setFocus()
    qtbot.keyClick(win, Qt.Key.Key_Space)
    assert s.state == "training"
    qtbot.keyClick(win, Qt.Key.Key_Space)
    assert s.state == "paused"
    qtbot.waitUntil(lambda: not s.busy, timeout=3000)


def test_reset_restores_the_same_initial_weights(xor_window, qtbot):
    win, s = xor_window, xor_window.session
    initial = s.net.params.copy()
    control(win, "Epochs").setValue(20)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=10000)
    assert not np.array_equal(s.net.params, initial)
    click(qtbot, win, "Reset")
    np.testing.assert_array_equal(s.net.params, initial)
    assert len(cost_curve(win)) == 0 and len(s.history) == 0


def test_closing_while_training_stops_the_thread(qtbot):
    from bpstudio.core.data.loading import load_dataset
    from bpstudio.ui import MainWindow

    win = MainWindow(load_dataset("xor", n_samples=200))
    qtbot.addWidget(win)
    win.show()
    control(win, "Epochs").setValue(1_000_000)
    win.session.start()
    qtbot.waitUntil(lambda: win.session.latest.progress.updates > 0, timeout=5000)
    thread = win.session._job.thread
    assert win.close()
    assert thread.isFinished()


def test_heatmaps_change_after_training(xor_window, qtbot):
    win = xor_window
    image = win.weights.layers[0][1]
    before = image.image.copy()
    control(win, "Epochs").setValue(30)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: win.session.state == "idle" and not win.session.busy, timeout=10000)
    qtbot.waitUntil(lambda: not np.array_equal(image.image, before), timeout=3000)
    np.testing.assert_allclose(image.image, win.session.net.weights[0], rtol=1e-6)
    assert image.image.dtype == np.float32 and image.image.flags.c_contiguous
    lo, hi = image.levels
    assert lo == -hi > -np.inf and np.abs(win.session.net.weights[0]).max() <= hi


def test_hover_reads_a_weight(xor_window):
    win = xor_window
    text = win.weights.describe(0, 2, 1)
    assert f"{win.session.net.weights[0][1, 0]:+.4f}" in text and "from neuron 1" in text


def test_a_worker_exception_becomes_a_message(xor_window, qtbot, monkeypatch):
    win, s = xor_window, xor_window.session

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(s.trainer, "fit", broken)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: "simulated failure" in control(win, "Message").text(), timeout=5000)
    assert s.state == "idle"
    monkeypatch.undo()
    control(win, "Epochs").setValue(5)
    click(qtbot, win, "Start")                        # the app keeps working
    qtbot.waitUntil(lambda: len(s.history) == 5, timeout=10000)


def test_a_bad_file_gives_a_message_and_the_app_lives_on(window, qtbot, tmp_path):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"this is not an npz archive")
    before = window.session.dataset
    window.files.load(str(bad))
    qtbot.waitUntil(lambda: "broken.npz" in control(window, "Message").text(), timeout=5000)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "broken.npz" in boxes[0].informativeText()
    assert window.session.dataset is before
    window.files.load("moons")
    qtbot.waitUntil(lambda: window.session.dataset.source.startswith("moons"), timeout=5000)


def test_live_views_survive_hundreds_of_repaints(xor_window, qtbot):
    """Guards against the PySide6 6.12 + pyqtgraph painting crash (pinned out in pyproject)."""
    win, s = xor_window, xor_window.session
    win.reset_layout()
    win.docks["Gradient norms"].raise_()
    control(win, "Epochs").setValue(1_000_000)
    s.start()
    views = (win.curves, win.weights, win.boundary, win.grad_norms)
    for i in range(300):
        qtbot.wait(1)
        views[i % len(views)].repaint()
    s.stop()
    qtbot.waitUntil(lambda: not s.busy, timeout=3000)
    assert s.latest.progress.updates > 0


def test_help_shows_the_math_and_shortcuts(window):
    from bpstudio.ui.actions.help import math_html, shortcuts_html

    assert "δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)" in math_html()
    assert "Space" in shortcuts_html()
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["&File", "&Train", "&View", "E&xamples", "&Help"]
    help_actions = {a.text(): a for a in menus["&Help"].actions()}
    help_actions["The math"].trigger()
    dialogs = [w for w in window.findChildren(QDialog) if w.accessibleName() == "The math"]
    assert dialogs and dialogs[0].isVisible()
    file_actions = [a.text() for a in menus["&File"].actions() if a.text()]
    assert file_actions == ["New Project", "Open Project…", "Recent projects", "Save Project", "Save Project As…",
                            "Open data…", "Recent data", "Export weights…", "Import weights…", "Quit"]


@pytest.mark.parametrize("name", ["plane", "sine", "iris"])
def test_every_kind_of_data_gets_its_views(window, qtbot, name):
    """2-D regression: a value plane; 1-D: a fitted curve; wider data: a note instead."""
    window.files.load(name)
    qtbot.waitUntil(lambda: window.session.dataset.source.startswith(name), timeout=5000)
    s, boundary = window.session, window.boundary
    control(window, "Epochs").setValue(3)
    window.session.start()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=10000)
    qtbot.waitUntil(lambda: not window.frames.stale, timeout=3000)
    if s.dataset.n_features == 2:
        assert boundary.image.image is not None and boundary.image.image.shape[:2] == (120, 120)
    elif s.dataset.n_features == 1:
        assert len(boundary.curve.yData) == len(s.probe.grid)
    else:
        assert "4" in boundary.note.text() and boundary.stack.currentWidget() is boundary.note


def test_the_boundary_plane_covers_the_probe_grid_from_the_first_frame(window, qtbot):
    """At launch the extent arrives before the first image; pyqtgraph cannot place an empty image,
    and the plane was once stretched so far that one pixel's colour filled the whole view."""
    s, boundary = window.session, window.boundary
    control(window, "Epochs").setValue(3)
    s.start()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=10000)
    qtbot.waitUntil(lambda: not window.frames.stale, timeout=3000)
    x0, x1, y0, y1 = s.probe.extent
    placed = boundary.image.mapRectToParent(boundary.image.boundingRect())
    assert (placed.left(), placed.right(), placed.top(), placed.bottom()) == pytest.approx((x0, x1, y0, y1))


def test_data_given_as_arrays_stays_in_use(qtbot):
    """A dataset handed to MainWindow (not a built-in) survives rebuilding the network."""
    from bpstudio.core.data.dataset import Dataset
    from bpstudio.ui import MainWindow

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    ds = Dataset(X, np.eye(3)[rng.integers(0, 3, 60)], "classification", ["a", "b", "c"], ["x", "y", "z"],
                 source="my arrays")
    win = MainWindow(ds)
    qtbot.addWidget(win)
    win.show()
    dtype = control(win, "Precision", QComboBox)
    dtype.setCurrentIndex(dtype.findData("float32"))
    assert not win.files.loader.busy                        # no other dataset was requested
    assert win.session.dataset is ds and win.session.net.dtype == np.float32
    assert control(win, "Dataset", QComboBox).currentText() == "my arrays  (file)"
    win.close()


def test_hovering_a_heatmap_cell_reads_its_weight(xor_window, qtbot):
    win = xor_window
    w_plot = win.weights.layers[1][0]                       # W² (n_out × n_in)
    center = w_plot.getViewBox().mapViewToScene(QPointF(2, 3))   # column k = 2, row j = 3
    win.weights.graphics.scene().sigMouseMoved.emit(center)
    W = win.session.net.weights[1]
    assert win.weights.hover.text().startswith(f"w²₃,₂ = {W[2, 1]:+.4f}")


def test_frames_take_turns_so_every_view_redraws(qtbot):
    from PySide6.QtWidgets import QWidget

    from bpstudio.ui.views.frames import FrameScheduler

    drawn = []
    views = {name: QWidget() for name in ("curves", "a", "b", "c")}
    for view in views.values():
        qtbot.addWidget(view)
        view.show()
    painters = {name: (view, lambda snap, name=name: drawn.append(name)) for name, view in views.items()}
    frames = FrameScheduler(painters, lambda snap: None)
    for i in range(12):
        frames.submit(object(), training=True)
        frames._draw_next()
    assert set(drawn) == set(views) and drawn.count("curves") == 4   # every third frame
    views["b"].hide()
    drawn.clear()
    frames.submit(object(), training=False)                 # not training: visible views at once
    assert sorted(drawn) == ["a", "c", "curves"] and frames.stale == {"b"}
