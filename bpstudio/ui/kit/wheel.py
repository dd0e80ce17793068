"""The wheel scrolls panels, not settings: a spin box, combo box or slider takes the mouse wheel only
once the user has clicked or tabbed into it — and one in a toolbar (the Speed box) never does.

Qt's default lets a spin box under the pointer take the wheel (and the keyboard focus with it), so
scrolling down the Setup panel silently rewrote every setting it passed over. One application-wide
event filter fixes that for every such control, including the ones built later (a new layer's Neurons
box, a dialog): it gives each control ``Qt.StrongFocus`` (click or Tab, never the wheel) when the
control is first polished, and ignores a wheel event that reaches a control without focus — an ignored
wheel event travels on to the parent, so the scroll area under it scrolls instead.

While training runs at full speed the guard leaves the application and sits on each control instead
(``guard_everywhere(False)``): an application-wide Python filter runs for every event of every object
(~1,000 a second while the live views redraw), and each run takes the GIL from the training thread —
that cost ~4 % of a core on the GUI thread and halved the trainer's GIL hand-offs when removed
(``benchmarks/bench_gui.py``). Controls shown while training (a dialog) are guarded when the focus
moves into their window, which it does as the window opens; a panel made when first seen
(``kit.lazy``) guards its own (``guard_new``).

A toolbar's control keeps the focus after a choice (the toolbar's buttons take none), so "focused"
would let the wheel change the Speed box long after it was chosen, by a scroll meant for the window
while training runs. A toolbar choice is made by clicking and picking or by the keyboard.
"""

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QFrame, QScrollArea, QSlider, QToolBar,
                               QWidget)

GUARDED = (QAbstractSpinBox, QComboBox, QSlider)
WHEEL, POLISH = QEvent.Type.Wheel, QEvent.Type.Polish


class WheelGuard(QObject):
    """Installed once on the QApplication by ``install_wheel_guard``; while training, on each control."""

    everywhere = True   # on the application (False: on the controls, see ``guard_everywhere``)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._guarded = set()   # the controls it was put on while training, to be taken off again

    def put_on(self, control):
        guard_focus(control)
        control.installEventFilter(self)   # Qt keeps one entry per filter, however often asked
        self._guarded.add(control)

    def take_off(self):
        for control in self._guarded:
            if shiboken6.isValid(control):   # not deleted meanwhile
                control.removeEventFilter(self)
        self._guarded.clear()

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

    def move(self, app, everywhere, window=None):
        """Onto the application (``everywhere``) or onto the controls of ``window`` (default: every
        top-level window's); see ``guard_everywhere``."""
        if self.everywhere == everywhere:
            return
        self.everywhere = everywhere
        if everywhere:
            app.focusChanged.disconnect(self.on_focus_changed)
            self.take_off()
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
            # Not app.allWidgets(): it also lists widgets of closed windows on their way to deletion,
            # and wrapping one of those crashed (seen in the test suite, which makes many windows).
            roots = [window] if window is not None else app.topLevelWidgets()
            for root in roots:
                guard_controls([root, *root.findChildren(QWidget)], self)
            app.focusChanged.connect(self.on_focus_changed)

    def on_focus_changed(self, _old, new):
        """While the guard is on the controls only: a window the focus enters gets its controls guarded."""
        if new is not None:
            guard_controls(new.window().findChildren(QWidget), self)


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


def guard_everywhere(everywhere, app=None, window=None):
    """True: the guard filters every event of the application (idle: it meets each new control as it
    is polished). False (training at full speed): it filters only the controls that exist, and those of
    a window the focus moves into, so the GUI thread's other events leave the GIL to training.
    ``window``: the one training (default: every top-level window)."""
    app = app or QApplication.instance()
    guard = app.findChild(WheelGuard) if app is not None else None
    if guard is not None:
        guard.move(app, everywhere, window)


def guard_new(widget, app=None):
    """``widget`` was just built (a panel made when first seen): while the guard sits on the controls
    only, it guards the controls in ``widget`` too (when idle the application's filter meets them)."""
    app = app or QApplication.instance()
    guard = app.findChild(WheelGuard) if app is not None else None
    if guard is not None and not guard.everywhere:
        guard_controls([widget, *widget.findChildren(QWidget)], guard)


def guard_controls(widgets, guard):
    """Put ``guard`` on each control among ``widgets``."""
    for widget in widgets:
        if isinstance(widget, GUARDED):
            guard.put_on(widget)


def scrolled(panel):
    """``panel`` in a scroll area: in a small window its dock shrinks and the panel scrolls, instead of
    the panel's minimum size pushing the window past the size asked for (or past the screen)."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
