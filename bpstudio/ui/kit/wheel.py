"""The wheel scrolls panels, not settings: a spin box, combo box or slider takes the mouse wheel only
once the user has clicked or tabbed into it — and one in a toolbar (the Speed box) never does.

Qt's default lets a spin box under the pointer take the wheel (and the keyboard focus with it), so
scrolling down the Setup panel silently rewrote every setting it passed over. One application-wide
event filter fixes that for every such control, including the ones built later (a new layer's Neurons
box, a dialog): it gives each control ``Qt.StrongFocus`` (click or Tab, never the wheel) when the
control is first polished, and ignores a wheel event that reaches a control without focus — an ignored
wheel event travels on to the parent, so the scroll area under it scrolls instead.

A toolbar's control keeps the focus after a choice (the toolbar's buttons take none), so "focused"
would let the wheel change the Speed box long after it was chosen, by a scroll meant for the window
while training runs. A toolbar choice is made by clicking and picking or by the keyboard.
"""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QFrame, QScrollArea, QSlider, QToolBar

GUARDED = (QAbstractSpinBox, QComboBox, QSlider)
WHEEL, POLISH = QEvent.Type.Wheel, QEvent.Type.Polish


class WheelGuard(QObject):
    """Installed once on the QApplication by ``install_wheel_guard``."""

    def eventFilter(self, obj, event):
        # Every event of every object passes here (~50k while the window is built): the class test
        # comes first because it is cheap, and event.type() builds a Python enum on each call.
        if not isinstance(obj, GUARDED):
            return False
        kind = event.type()
        if kind == WHEEL and (not obj.hasFocus() or in_toolbar(obj)):
            event.ignore()   # returned as handled but not accepted: Qt offers it to the parent
            return True
        if kind == POLISH:
            guard_focus(obj)
        return False


def in_toolbar(widget):
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QToolBar):
            return True
        parent = parent.parentWidget()
    return False


def guard_focus(control):
    """Focus by click or Tab only (Qt's spin and combo boxes default to WheelFocus)."""
    if control.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def install_wheel_guard(app=None):
    """Install the guard on ``app`` (the running QApplication) once; later calls do nothing."""
    app = app or QApplication.instance()
    if app is None or app.property("bpstudio_wheel_guard"):
        return
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    app.setProperty("bpstudio_wheel_guard", True)
    for widget in app.allWidgets():   # controls polished before the guard was installed
        if isinstance(widget, GUARDED):
            guard_focus(widget)


def scrolled(panel):
    """``panel`` in a scroll area: in a small window its dock shrinks and the panel scrolls, instead of
    the panel's minimum size pushing the window past the size asked for (or past the screen)."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
