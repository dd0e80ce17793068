"""Fixtures for the app's tests: an isolated settings file and a window on a small dataset."""

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from bpstudio.core.data.loading import load_dataset  # noqa: E402
from bpstudio.ui import MainWindow
from bpstudio.ui.actions import projects  # noqa: E402


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


@pytest.fixture
def window(qtbot):
    """The default window, shown; closed (and its threads joined) after the test."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert win.session._thread.thread.isFinished()


@pytest.fixture
def xor_window(qtbot):
    win = MainWindow(load_dataset("xor", n_samples=200, seed=0))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()

