"""Fixtures for the app's tests: an isolated settings file and a window on a small dataset."""

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6.QtCore import QSettings  # noqa: E402

from bpstudio.core.data import load_dataset  # noqa: E402
from bpstudio.ui import MainWindow  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Window layout, recent files and folders go to a temporary folder, not the user's."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
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

