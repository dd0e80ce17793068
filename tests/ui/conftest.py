"""Fixtures for the app's tests: an isolated settings file and a window on a small dataset."""

import time
from dataclasses import replace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QStandardPaths  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.ui import MainWindow
from bpstudio.ui.actions import projects  # noqa: E402
from bpstudio.ui.session.options import DEFAULT_CONFIG, DataOptions  # noqa: E402


QStandardPaths.setTestModeEnabled(True)   # Qt's own standard locations point at test folders


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Window layout, recent files and folders go to this test's own folder: no test sees another's
    settings, and none the user's (tests/conftest.py also points XDG_CONFIG_HOME at a temporary folder)."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def discard_unsaved_changes():
    """Closing a window with unsaved changes asks Save / Discard / Cancel in a modal box, which would
    block a test: answer Discard (tests of that question give their own answer). A patch of its own,
    so a test's ``monkeypatch.undo()`` does not bring the modal box back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projects, "ask_to_save", lambda window, name: QMessageBox.StandardButton.Discard)
        yield


XOR = ("xor", {"n_samples": 200, "seed": 0})


def _new_window(qtbot, dataset=None):
    """A window of the test's own on ``dataset`` ((name, load options), or None for the default),
    shown; closed (and its threads joined) after the test."""
    win = MainWindow(load_dataset(dataset[0], **dataset[1])) if dataset else MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not win.session.busy


@pytest.fixture
def window(qtbot):
    """The default window, shown; closed (and its threads joined) after the test."""
    yield from _new_window(qtbot)


@pytest.fixture
def xor_window(qtbot):
    yield from _new_window(qtbot, XOR)


@pytest.fixture
def shared_window(request, shared_windows):
    """The module's window as File ▸ New leaves it (see shared_windows). A module opts in with
    ``window = shared_window``-style overrides; a test marked ``own_window`` (of a default, or of
    a setting File ▸ New keeps: Speed, a view's toggle, the window's title) gets a new one."""
    if request.node.get_closest_marker("own_window"):
        yield from _new_window(request.getfixturevalue("qtbot"))
    else:
        yield shared_windows(None)


@pytest.fixture
def shared_xor_window(request, shared_windows):
    """As shared_window, on 200 samples of xor."""
    if request.node.get_closest_marker("own_window"):
        yield from _new_window(request.getfixturevalue("qtbot"), XOR)
    else:
        yield shared_windows(XOR)


@pytest.fixture(scope="module")
def shared_windows(qapp, tmp_path_factory):
    """shared_windows(dataset) → one shown MainWindow for the whole module, handed to each test as
    File ▸ New leaves it, then on ``dataset`` ((name, load options), or None for the default).

    Building a window is most of what a small UI test costs. Its settings go to the module's own
    folder (this fixture starts before the per-test one)."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))

    win = MainWindow()
    win.show()
    assert QTest.qWaitForWindowExposed(win)

    def fresh(dataset):
        s = win.session
        s.stop()
        deadline = time.monotonic() + 10
        while s.busy and time.monotonic() < deadline:
            QTest.qWait(10)
        assert not s.busy, "the previous test left a job running"
        win.projects.discard_changes()
        same = dataset == fresh.dataset and s.dataset is fresh.data and (s.spec, s.options) == (fresh.spec, DataOptions())
        if same:
            # Same data and network: new weights from the seed and the default settings are enough
            # (a new network rebuilds every per-layer view, most of the cost of File ▸ New).
            s.set_config(replace(DEFAULT_CONFIG, cost=s.spec.cost))
            s.reset()
            s.runs.replace_all([])
        else:
            win.projects.act_new.trigger()
            if dataset is not None:
                name, options = dataset
                win.use_dataset(load_dataset(name, **options))
            fresh.dataset, fresh.data, fresh.spec = dataset, s.dataset, s.spec
        win.projects.discard_changes()
        win.reset_layout()
        win.activateWindow()
        return win

    fresh.dataset, fresh.data, fresh.spec = None, win.session.dataset, win.session.spec

    yield fresh
    win.projects.discard_changes()
    win.close()
    assert not (win.session.busy or win.inspection.runs.jobs.busy), "closing left a job running"
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
