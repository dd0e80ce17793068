"""Finding and using controls the way a user does: by their visible label (= accessible name)."""

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QWidget


def control(win, name, kind=QWidget):
    """The control a user would find by its label (its accessible name)."""
    found = [w for w in win.findChildren(kind) if w.accessibleName() == name and w.isVisibleTo(win)]
    assert found, f"no visible control named {name!r}"
    return found[0]


def click(qtbot, win, name):
    button = control(win, name, QAbstractButton)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.fixture(scope="module")
def shared_windows(qapp, tmp_path_factory):
    """shared_windows(dataset) → one shown MainWindow for the whole module, handed to each test as
    File ▸ New leaves it, then on ``dataset`` ((name, load options), or None for the default).

    Building a window is most of what a small UI test costs. Its settings go to the module's own
    folder (this fixture starts before the per-test one)."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))
    from bpstudio.core.data.loading import load_dataset
    from bpstudio.ui import MainWindow
    from bpstudio.ui.session.session import DEFAULT_CONFIG, DataOptions

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
            win.inspection.runs.set_runs([])
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
