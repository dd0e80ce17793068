"""Finding and using controls the way a user does: by their visible label (= accessible name)."""

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog, QScrollArea, QStyle,
                               QStyleOptionButton, QTabBar, QWidget)


def control(win, name, kind=QWidget):
    """The control a user would find by its label (its accessible name)."""
    found = [w for w in win.findChildren(kind) if w.accessibleName() == name and w.isVisibleTo(win)]
    assert found, f"no visible control named {name!r}"
    return found[0]


def click(qtbot, win, name):
    button = control(win, name, QAbstractButton)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wheel(win, widget, notches=-1, at=None):
    """Turn the mouse wheel by ``notches`` (negative: towards the user, i.e. scroll down; a third of a notch
    is a fine-grained wheel's step) with the pointer
    over ``widget`` (at its centre, or at ``at`` in its coordinates). The event enters through the window
    system, as a real one does: Qt delivers it to the widget under the pointer and passes it on to the
    parents while it is ignored."""
    point = widget.mapTo(win, at if at is not None else widget.rect().center())
    under = win.childAt(point)
    assert under is widget or widget.isAncestorOf(under), f"{widget.accessibleName()!r} is not under the pointer: {under} {point}"
    QTest.wheelEvent(win.windowHandle(), QPointF(point), QPoint(0, round(120 * notches)))


def focus_elsewhere(win):
    """Take the keyboard focus away from every setting (as after clicking a plot)."""
    win.setFocus(Qt.FocusReason.MouseFocusReason)


def setting_value(widget):
    """What a spin box, combo box or slider currently shows."""
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    return widget.value()


def into_view(widget):
    """Scroll every scroll area around ``widget`` so that it can be seen (as a user scrolls to a field)."""
    QApplication.processEvents()   # layouts first: positions are final only then
    area = widget.parentWidget()
    while area is not None:
        if isinstance(area, QScrollArea) and area.widget() is not None and area.widget().isAncestorOf(widget):
            area.ensureWidgetVisible(widget)
        area = area.parentWidget()
    QApplication.processEvents()
    return widget


def show_tab(qtbot, win, title):
    """Click the tab of the dock called ``title`` (docks tabbed together show a tab bar under them)."""
    for bar in win.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible():
                qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
                qtbot.waitUntil(lambda: win.docks[title].widget().isVisible(), timeout=2000)
                return
    raise AssertionError(f"no tab called {title!r}")


def type_into(qtbot, field, text):
    """Click into a field, select what it holds, type ``text`` and press Enter."""
    into_view(field)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def train_epochs(qtbot, window, epochs):
    """Type ``epochs`` into Epochs, click Start, wait until the run has ended (all of them trained)."""
    type_into(qtbot, control(window, "Epochs"), str(epochs))
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.state == "idle" and not window.session.busy, timeout=20000)
    assert len(window.session.history) == epochs


def train_then_stop(qtbot, window, epochs):
    """Click Start, wait until the run is past ``epochs`` epochs, click Stop, wait until it has stopped."""
    session = window.session
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.progress.epoch >= epochs, timeout=20000)
    click(qtbot, window, "Stop")
    qtbot.waitUntil(lambda: not session.busy, timeout=10000)


def choose(qtbot, combo, text):
    """Click a combo box open, type the start of an item's text in its list, press Enter."""
    into_view(combo)
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(combo.view().isVisible, timeout=2000)
    qtbot.keyClicks(combo.view(), text)
    qtbot.keyClick(combo.view(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not combo.view().isVisible(), timeout=2000)


def drop_file(win, path):
    """Drag a file from a file manager and drop it on the window (drag enter, then drop, as Qt sends them)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = QPointF(win.width() / 2, win.height() / 2)
    enter = QDragEnterEvent(at.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, enter)
    assert enter.isAccepted(), f"the window refuses to take {path}"
    QApplication.sendEvent(win, QDropEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier))


def when_dialog_opens(qtbot, handle, kind=QDialog):
    """Run ``handle(dialog)`` once a new modal dialog of ``kind`` is up (a modal dialog blocks the caller)."""
    already_up = QApplication.activeModalWidget()

    def poll():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible() and dialog is not already_up:
            handle(dialog)
        else:
            QTimer.singleShot(20, poll)
    QTimer.singleShot(0, poll)


def tick(qtbot, box):
    """Click a check box on its square (a form stretches the box; a click beside the square does nothing)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    square = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=square.center())


def legend_covers_a_curve(widget):
    """Whether the shown legend's rectangle (in the scene) holds any drawn point or crosses any line."""
    plot = widget.getPlotItem()
    if not plot.legend.isVisible():
        return False
    box = plot.legend.sceneBoundingRect()
    for item in plot.listDataItems():
        x, y = item.getData()
        if x is None or not item.isVisible():
            continue
        # Points along each segment, 1/20 of a segment apart, mapped to the scene as drawn.
        t = np.linspace(0, 1, 21)[:, None]
        xs, ys = (x[:-1] + t * np.diff(x)).ravel(), (y[:-1] + t * np.diff(y)).ravel()
        view = plot.getViewBox()
        for px, py in zip(xs, ys):
            if np.isfinite(px) and np.isfinite(py) and box.contains(view.mapViewToScene(QPointF(px, py))):
                return True
    return False
