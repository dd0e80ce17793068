"""Finding and using controls the way a user does: by their visible label (= accessible name)."""

from PySide6.QtCore import Qt
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

