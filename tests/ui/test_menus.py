"""Every menu action, chosen as a person chooses it: by its keyboard shortcut, and by clicking through the
menu bar. None may raise (pytest-qt fails a test on an exception inside a Qt slot); dialogs that open are
answered with Cancel / Close, the file dialogs with "no file chosen"."""

import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


def menu_actions(window):
    """(menu title, action) for every enabled command in the menu bar, submenus included; Quit last."""
    found = []

    def walk(menu):
        menu.aboutToShow.emit()   # fills menus built on demand (Recent …)
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif not action.isSeparator() and action.isEnabled():
                found.append((menu.title(), action))
    for top in window.menuBar().actions():
        walk(top.menu())
    return sorted(found, key=lambda item: item[1].text() == "Quit")


@pytest.fixture
def answer_every_dialog(monkeypatch):
    """Cancel the file dialogs, close any other modal dialog or box that opens."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: ("", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: ("", ""))
    opened = []

    def close_modal():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, (QDialog, QMessageBox)):
            opened.append(dialog.windowTitle())
            dialog.reject()
        timer.start(30)
    timer = QTimer(singleShot=True, timeout=close_modal)
    timer.start(30)
    yield opened
    timer.stop()


def _close_texts(window):
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.close()


def test_every_menu_action_works_from_its_shortcut(window, qtbot, answer_every_dialog):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    with_shortcut = [(menu, a) for menu, a in menu_actions(window) if not a.shortcut().isEmpty()]
    assert len(with_shortcut) >= 12   # Pause waits for a run: disabled
    for menu, action in with_shortcut:
        if action.text() in ("Quit",):
            continue
        fired = []
        action.triggered.connect(lambda *_: fired.append(True))
        combo = action.shortcut()[0]
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        window.curves.setFocus()
        QTest.keyClick(window, combo.key(), combo.keyboardModifiers())
        qtbot.wait(20)
        assert fired, f"{menu} ▸ {action.text()} did not fire from {action.shortcut().toString()}"
        _close_texts(window)
        if window.session.state == "training":
            window.session.stop()
        qtbot.waitUntil(lambda: not window.session.busy, timeout=5000)
    window.activateWindow()   # a closed help window handed the activation elsewhere
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_every_menu_action_works_from_the_menu_bar(window, qtbot, answer_every_dialog):
    bar = window.menuBar()
    for menu_title, action in menu_actions(window):
        top = next(a for a in bar.actions() if a.menu() is not None and _contains(a.menu(), action))
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(top).center())
        menu = top.menu()
        qtbot.waitUntil(menu.isVisible, timeout=2000)
        for step in _path(menu, action):   # through a submenu when the action lives in one
            qtbot.mouseMove(step[0], step[0].actionGeometry(step[1]).center())
            qtbot.mouseClick(step[0], Qt.MouseButton.LeftButton, pos=step[0].actionGeometry(step[1]).center())
        qtbot.waitUntil(lambda: not menu.isVisible(), timeout=2000)
        _close_texts(window)
        if action.text() == "Quit":
            qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
            break
        if window.session.state == "training":
            window.session.stop()
        qtbot.waitUntil(lambda: not window.session.busy, timeout=5000)
    assert not window.isVisible()   # Quit, chosen last, closed the window


def _contains(menu, action):
    return any(a is action or (a.menu() is not None and _contains(a.menu(), action)) for a in menu.actions())


def _path(menu, action):
    """[(menu, action to click)] from ``menu`` down to ``action``."""
    for a in menu.actions():
        if a is action:
            return [(menu, a)]
        if a.menu() is not None and _contains(a.menu(), action):
            return [(menu, a)] + _path(a.menu(), action)
    raise AssertionError(f"{action.text()} is not in {menu.title()}")


def test_the_shortcuts_help_lists_every_menu_shortcut(window):
    from bpstudio.ui.actions.help import SHORTCUTS

    listed = {QKeySequence(key).toString() for key, _ in SHORTCUTS}
    for _, action in menu_actions(window):
        if not action.shortcut().isEmpty():
            assert action.shortcut().toString() in listed, f"{action.text()} ({action.shortcut().toString()})"
