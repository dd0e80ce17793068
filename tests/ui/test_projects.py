"""File ▸ New / Open / Save / Save As project: round trips through the menu, the unsaved marker and its
question, damaged files and failed saves."""

import copy
import errno
import os

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from bpstudio.core import Trainer
from bpstudio.core.io.project import open_project
from bpstudio.ui.actions import projects
from uihelpers import click, control


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


@pytest.fixture
def xor_window(shared_xor_window):
    return shared_xor_window


ROOT = Path(__file__).parents[2]   # the checkout: ``python -m bpstudio`` runs this copy
SAVE, DISCARD, CANCEL = (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                         QMessageBox.StandardButton.Cancel)


def message(win):
    return control(win, "Message").text()


def save_as(win, qtbot, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    win.projects.act_save_as.trigger()
    qtbot.waitUntil(lambda: f"Saved the project to {path}" in message(win), timeout=10000)


def open_through_menu(win, qtbot, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.projects.act_open.trigger()
    qtbot.waitUntil(lambda: f"Opened {path}" in message(win), timeout=10000)


def wait_idle(win, qtbot):
    qtbot.waitUntil(lambda: not win.session.busy, timeout=10000)


def train_into_an_epoch(win, qtbot, epochs=4, steps=3):
    """``epochs`` whole epochs, then ``steps`` batches of the next: a run stopped mid-epoch."""
    s = win.session
    control(win, "Epochs").setValue(epochs)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: len(s.history) == epochs and s.state == "idle", timeout=20000)
    wait_idle(win, qtbot)
    control(win, "Epochs").setValue(epochs + 10)
    for _ in range(steps):
        click(qtbot, win, "Step")
        wait_idle(win, qtbot)


def cost_points(win):
    """How many epochs the cost plot's train curve draws."""
    x = win.curves.cost["train"].item.xData
    return 0 if x is None else len(x)


def visible_boxes(win):
    return [b for b in win.findChildren(QMessageBox) if b.isVisible()]


def test_save_new_open_restores_the_whole_session_and_training_continues(window, qtbot, monkeypatch, tmp_path):
    win, s = window, window.session
    win.files.load("iris")
    qtbot.waitUntil(lambda: s.dataset.source == "iris", timeout=5000)
    click(qtbot, win, "Add layer")
    control(win, "Optimizer").setCurrentIndex(control(win, "Optimizer").findData("momentum"))
    control(win, "Learning rate").setValue(0.03)
    control(win, "Validation split").setValue(25)
    train_into_an_epoch(win, qtbot)
    saved = dict(params=s.net.params.copy(), config=s.config, spec=s.spec, options=s.options, X=s.dataset.X.copy(),
                 train_cost=list(s.history.train_cost), epoch=s.trainer.epoch, updates=s.trainer.updates)
    # What one more batch gives when the run is never interrupted:
    reference = Trainer(s.net.copy(), s.config)
    reference.load_state_dict(copy.deepcopy(s.trainer.state_dict()))
    p = s.prepared
    reference.step(p.X_train, p.Y_train, p.X_val, p.Y_val)

    path = tmp_path / "iris run.bpproject"
    save_as(win, qtbot, monkeypatch, path)
    assert open_project(path).data.name == "iris"            # a built-in is kept by name, not embedded

    win.projects.act_new.trigger()
    assert s.dataset.source == "circles" and s.trainer.epoch == 0 and win.projects.path is None
    assert cost_points(win) == 0 and control(win, "Validation split").value() == 20
    assert control(win, "Optimizer").currentData() == "adam" and len(win.network_panel.hidden()) == 2

    open_through_menu(win, qtbot, monkeypatch, path)
    np.testing.assert_array_equal(s.net.params, saved["params"])
    assert (s.config, s.spec, s.options) == (saved["config"], saved["spec"], saved["options"])
    np.testing.assert_array_equal(s.dataset.X, saved["X"])
    assert list(s.history.train_cost) == saved["train_cost"]
    assert (s.trainer.epoch, s.trainer.updates) == (saved["epoch"], saved["updates"])
    # the panels and views show it
    assert control(win, "Dataset").currentData() == "iris" and control(win, "Validation split").value() == 25
    assert control(win, "Optimizer").currentData() == "momentum" and control(win, "Learning rate").value() == 0.03
    assert win.network_panel.hidden() == s.spec.hidden and len(s.spec.hidden) == 3
    qtbot.waitUntil(lambda: cost_points(win) == 4, timeout=5000)
    np.testing.assert_array_equal(win.weights.weights[0], s.net.weights[0])
    assert "Epoch 4 /" in control(win, "Epoch count").text()
    assert win.windowTitle() == "iris run[*] — bpstudio" and not win.isWindowModified()
    # Step continues the saved run exactly where it stopped
    click(qtbot, win, "Step")
    wait_idle(win, qtbot)
    np.testing.assert_array_equal(s.net.params, reference.net.params)
    assert s.trainer.updates == saved["updates"] + 1


def test_data_from_a_file_is_embedded_and_the_runs_list_is_kept(xor_window, qtbot, monkeypatch, tmp_path):
    win, s = xor_window, xor_window.session       # data handed to the window: its origin is unknown
    train_into_an_epoch(win, qtbot, epochs=3, steps=0)
    runs, kept = win.inspection.runs, s.runs
    qtbot.waitUntil(lambda: len(kept) == 1, timeout=5000)
    runs.table.item(0, 0).setText("baseline")
    path = tmp_path / "xor.bpproject"
    save_as(win, qtbot, monkeypatch, path)
    assert open_project(path).data.dataset is not None

    win.projects.act_new.trigger()
    assert kept.runs == () and runs.table.rowCount() == 0
    open_through_menu(win, qtbot, monkeypatch, path)
    np.testing.assert_array_equal(s.dataset.X, open_project(path).data.dataset.X)
    assert [r.name for r in kept] == ["baseline"] and runs.table.item(0, 0).text() == "baseline"
    click(qtbot, win, "Start")                      # the opened run goes on: its entry is updated, not added
    qtbot.waitUntil(lambda: s.state == "idle" and len(s.history) == 13, timeout=20000)
    qtbot.waitUntil(lambda: len(kept[0].history) == 13, timeout=5000)
    assert [r.name for r in kept] == ["baseline"]


def test_the_title_marks_unsaved_changes(window, qtbot, monkeypatch, tmp_path):
    win = window
    assert win.windowTitle() == "Untitled project[*] — bpstudio" and not win.isWindowModified()
    click(qtbot, win, "Step")                                   # training changes the weights
    wait_idle(win, qtbot)
    assert win.isWindowModified()
    save_as(win, qtbot, monkeypatch, tmp_path / "marked.bpproject")
    assert win.windowTitle() == "marked[*] — bpstudio" and not win.isWindowModified()
    assert win.settings().value("recentProjects", [], list) == [str(tmp_path / "marked.bpproject")]
    control(win, "L2").setValue(0.01)                           # so does an edit
    assert win.isWindowModified()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("Save must reuse the file"))
    win.projects.act_save.trigger()
    qtbot.waitUntil(lambda: not win.isWindowModified(), timeout=10000)
    assert open_project(tmp_path / "marked.bpproject").config.l2 == 0.01
    win.session.step()                                          # File ▸ Recent projects opens it again
    wait_idle(win, qtbot)
    win.projects.recent_menu.aboutToShow.emit()
    recent = win.projects.recent_menu.actions()
    assert [a.text() for a in recent] == [str(tmp_path / "marked.bpproject")]
    recent[0].trigger()
    qtbot.waitUntil(lambda: "Opened" in message(win), timeout=10000)
    assert win.session.trainer.updates == 1 and not win.isWindowModified()


def test_saving_while_training_pauses_copies_and_trains_on(window, qtbot, monkeypatch, tmp_path):
    win, s = window, window.session
    control(win, "Epochs").setValue(1_000_000)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: len(s.history) >= 2, timeout=10000)
    path = tmp_path / "live.bpproject"
    save_as(win, qtbot, monkeypatch, path)
    assert s.state == "training"
    qtbot.waitUntil(win.isWindowModified, timeout=5000)          # training went on after the copy
    project = open_project(path)
    assert len(project.trainer.history) == project.trainer.epoch >= 2
    project.trainer.step(*project.arrays())                      # the copy is a consistent, continuable run
    click(qtbot, win, "Pause")


@pytest.mark.own_window   # closes the window, or reads the message boxes it has shown
@pytest.mark.parametrize("answer", [CANCEL, SAVE, DISCARD])
def test_closing_with_unsaved_changes_asks(window, qtbot, monkeypatch, tmp_path, answer):
    asked = []
    monkeypatch.setattr(projects, "ask_to_save", lambda win, name: asked.append(name) or answer)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "closing.bpproject"), ""))
    win = window
    assert win.projects.may_close() and not asked                # nothing changed: no question
    click(qtbot, win, "Step")
    wait_idle(win, qtbot)
    closed = win.close()
    assert asked == ["Untitled project"]
    if answer == CANCEL:
        assert not closed and win.isVisible() and not (tmp_path / "closing.bpproject").exists()
    elif answer == SAVE:                                         # written first, then the window closes
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=10000)
        assert open_project(tmp_path / "closing.bpproject").trainer.updates == 1
    else:
        assert closed and not (tmp_path / "closing.bpproject").exists()


def test_new_project_with_unsaved_changes_asks_and_cancel_keeps_everything(window, qtbot, monkeypatch):
    win, s = window, window.session
    monkeypatch.setattr(projects, "ask_to_save", lambda win, name: CANCEL)
    win.files.load("moons")
    qtbot.waitUntil(lambda: s.dataset.source == "moons", timeout=5000)
    win.projects.act_new.trigger()
    assert s.dataset.source == "moons"
    monkeypatch.setattr(projects, "ask_to_save", lambda win, name: DISCARD)
    win.projects.act_new.trigger()
    assert s.dataset.source == "circles" and not win.isWindowModified()
    assert control(win, "Dataset").currentData() == "circles"


@pytest.mark.parametrize("content, problem", [
    (b"this is not a project", "not a readable project file"),
    (None, "no such file"),
])
@pytest.mark.own_window   # closes the window, or reads the message boxes it has shown
def test_a_damaged_project_gives_a_message_and_changes_nothing(window, qtbot, tmp_path, content, problem):
    win, s = window, window.session
    path = tmp_path / "damaged.bpproject"
    if content is not None:
        path.write_bytes(content)
    click(qtbot, win, "Step")
    wait_idle(win, qtbot)
    before = (s.net, s.net.params.copy(), s.dataset, s.trainer, s.run_id, win.windowTitle())
    win.projects.open_path(str(path))
    qtbot.waitUntil(lambda: "Could not open the project" in message(win), timeout=10000)
    boxes = visible_boxes(win)
    assert boxes and f"damaged.bpproject: {problem}" in boxes[0].informativeText()
    assert (s.net, s.dataset, s.trainer, s.run_id, win.windowTitle()) == before[:1] + before[2:]
    np.testing.assert_array_equal(s.net.params, before[1])
    assert win.isWindowModified()


def test_a_project_whose_data_file_changed_is_refused(window, qtbot, monkeypatch, tmp_path):
    """A project naming a data file (as scripts may write it) whose rows changed since: a clear refusal."""
    from bpstudio.core import Network, TrainConfig
    from bpstudio.core.io.project import DataSource, save_project

    csv = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    rows = [f"{x:.3f},{y:.3f},{int(x > y)}" for x, y in rng.normal(size=(50, 2))]
    csv.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    data = DataSource(str(csv))
    net = Network([2, 4, 2], ["tanh", "softmax"])
    trainer = Trainer(net, TrainConfig(cost="cross_entropy", batch_size=8))
    prepared = data.prepare()
    trainer.step(prepared.X_train, prepared.Y_train)
    save_project(tmp_path / "p.bpproject", net, trainer.config, data, trainer)
    csv.write_text("a,b,label\n" + "\n".join(rows[:30]) + "\n")
    before = window.session.net
    window.projects.open_path(str(tmp_path / "p.bpproject"))
    qtbot.waitUntil(lambda: "Could not open the project" in message(window), timeout=10000)
    assert "trained on 40 samples, its data now gives 24" in message(window)
    assert window.session.net is before


@pytest.mark.own_window   # closes the window, or reads the message boxes it has shown
def test_a_failed_save_says_so_and_leaves_the_previous_file(window, qtbot, monkeypatch, tmp_path):
    win = window
    path = tmp_path / "kept.bpproject"
    save_as(win, qtbot, monkeypatch, path)
    old = path.read_bytes()
    click(qtbot, win, "Step")
    wait_idle(win, qtbot)

    def refuse(*args, dir=None, **kwargs):   # as if the folder were read-only (tests run as root)
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, ".tmp"))
    monkeypatch.setattr("bpstudio.core.io.atomic.tempfile.mkstemp", refuse)
    win.projects.act_save.trigger()
    qtbot.waitUntil(lambda: "Could not save the project" in message(win), timeout=10000)
    boxes = visible_boxes(win)
    assert boxes and "kept.bpproject: cannot write the file: Permission denied" in boxes[0].informativeText()
    assert path.read_bytes() == old and win.isWindowModified()
    assert open_project(path).trainer.updates == 0


def test_the_launcher_opens_a_project_and_a_screenshot_run_never_asks_to_save(window, qtbot, monkeypatch, tmp_path):
    """``bpstudio --project P --screenshot S --train-seconds T``: trains on the opened project, saves the
    PNG and quits — with unsaved training, and no question blocking the exit."""
    import subprocess
    import sys

    path = tmp_path / "launch.bpproject"
    save_as(window, qtbot, monkeypatch, path)
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "bpstudio", "--project", str(path), "--screenshot", str(shot),
                           "--size", "800x600", "--train-seconds", "0.5"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and f"saved {shot}" in done.stdout, done.stderr
    assert shot.stat().st_size > 10_000
