"""Finding and using controls the way a user does: by their visible label (= accessible name)."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QScrollArea, QWidget


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
