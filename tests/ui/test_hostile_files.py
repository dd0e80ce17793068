"""Hostile files in the app: a project's data outside its folder is read only after a question naming
the file; a FIFO is refused at once (the preview of a CSV is read off the UI thread); closing waits a
bounded time for a read that cannot be interrupted; a project with NaN data is a message."""

import os
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from bpstudio.core import Network, TrainConfig
from bpstudio.core.data.dataset import Dataset
from bpstudio.core.io.project import DataSource, save_project
from bpstudio.ui.session import jobs
from uihelpers import control


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


def message(win):
    return control(win, "Message").text()


def _points_csv(path):
    rng = np.random.default_rng(0)
    rows = [f"{x:.3f},{y:.3f},{int(x > y)}" for x, y in rng.normal(size=(40, 2))]
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path


def _project(path, data_name):
    net = Network([2, 4, 2], ["tanh", "softmax"])
    save_project(path, net, TrainConfig(cost="cross_entropy"), DataSource(data_name))
    return path


def _consent_box(win):
    boxes = [b for b in win.findChildren(QMessageBox)
             if b.isVisible() and b.accessibleName() == "Data outside the project's folder"]
    return boxes[0] if boxes else None


@pytest.fixture
def outside(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "private").mkdir()
    csv = _points_csv(tmp_path / "private" / "secret.csv")
    return _project(tmp_path / "shared" / "p.bpproject", str(csv)), csv


def test_data_outside_the_projects_folder_is_read_after_the_user_agrees(window, qtbot, outside):
    project, csv = outside
    before = window.session.dataset
    window.projects.open_path(str(project))
    qtbot.waitUntil(lambda: _consent_box(window) is not None, timeout=10000)
    box = _consent_box(window)
    assert str(csv) in box.text() and window.session.dataset is before   # asked first, nothing read
    read = next(b for b in box.findChildren(QPushButton) if b.text() == "Read this file")
    qtbot.mouseClick(read, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f"Opened {project}" in message(window), timeout=10000)
    assert window.session.dataset.source == str(csv)


def test_saying_no_reads_nothing(window, qtbot, outside):
    project, _ = outside
    before = window.session.dataset
    window.projects.open_path(str(project))
    qtbot.waitUntil(lambda: _consent_box(window) is not None, timeout=10000)
    box = _consent_box(window)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _consent_box(window) is None, timeout=5000)
    qtbot.wait(200)
    assert window.session.dataset is before and window.projects.path is None


def test_data_beside_the_project_opens_without_a_question(window, qtbot, tmp_path):
    _points_csv(tmp_path / "points.csv")
    project = _project(tmp_path / "p.bpproject", "points.csv")   # relative to the project's folder
    window.projects.open_path(str(project))
    qtbot.waitUntil(lambda: f"Opened {project}" in message(window), timeout=10000)
    assert window.session.dataset.source == str(tmp_path / "points.csv") and _consent_box(window) is None


def test_the_command_line_can_give_the_consent(window, qtbot, outside):
    project, csv = outside
    # What `bpstudio --project P --allow-outside-data` does:
    window.projects.open_path(str(project), allow_outside_data=True)
    qtbot.waitUntil(lambda: f"Opened {project}" in message(window), timeout=10000)
    assert window.session.dataset.source == str(csv)


def test_the_launcher_takes_allow_outside_data():
    from bpstudio.ui.app import parse_args

    args = parse_args(["--project", "p.bpproject", "--allow-outside-data"])
    assert args.allow_outside_data and not parse_args(["--project", "p.bpproject"]).allow_outside_data


@pytest.mark.timeout(60)
def test_opening_a_fifo_is_refused_at_once_off_the_ui_thread(window, qtbot, tmp_path, monkeypatch):
    from bpstudio.ui.actions import files

    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    readers = []
    real = files.inspect_csv
    monkeypatch.setattr(files, "inspect_csv", lambda path: readers.append(threading.current_thread()) or real(path))
    window.files.open_path(str(fifo))
    qtbot.waitUntil(lambda: "is a FIFO (named pipe), not a regular file" in message(window), timeout=10000)
    assert readers and readers[0] is not threading.main_thread()


@pytest.mark.timeout(60)
def test_a_project_naming_a_fifo_is_a_message_and_the_window_closes(qtbot, tmp_path):
    from bpstudio.ui import MainWindow

    os.mkfifo(tmp_path / "p.csv")
    project = _project(tmp_path / "p.bpproject", "p.csv")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.projects.open_path(str(project))
    qtbot.waitUntil(lambda: "is a FIFO" in message(win), timeout=10000)
    win.close()
    assert not win.session.busy


def test_a_project_with_nan_data_is_a_message(window, qtbot, tmp_path):
    X = np.array([[0.0, np.nan], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    dataset = Dataset(X, np.eye(2)[[0, 1, 1, 0]], "classification", ["a", "b"], ["no", "yes"])
    path = tmp_path / "nan.bpproject"
    save_project(path, Network([2, 3, 2], ["tanh", "softmax"]), TrainConfig(cost="cross_entropy"),
                 DataSource(dataset=dataset))
    before = window.session.dataset
    window.projects.open_path(str(path))
    qtbot.waitUntil(lambda: "Could not open the project" in message(window), timeout=10000)
    assert "row 1 holds NaN or infinity" in message(window) and window.session.dataset is before


@pytest.mark.timeout(60)
def test_closing_waits_a_bounded_time_for_a_read_that_cannot_be_interrupted(qtbot):
    runner = jobs.JobRunner()
    release = threading.Event()
    runner.run(lambda progress, cancel: release.wait(30))     # ignores cancel, like a stalled read
    qtbot.waitUntil(lambda: runner.busy, timeout=5000)
    try:
        assert runner.shutdown(timeout_ms=200) is False        # returns, without the job
        assert len(jobs._detached) == 1                        # kept alive, never destroyed running
    finally:
        release.set()
    qtbot.waitUntil(lambda: len(jobs._detached) == 0, timeout=10000)
