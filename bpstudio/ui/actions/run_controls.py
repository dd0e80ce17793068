"""The run controls: Start, Pause, Step, Stop, Reset (toolbar, Train menu, F-keys, Space) and the Speed box.

Each sends an intent to the session; which of them can be pressed follows the run state
and whether the network panel's design is valid (``show_state``).
"""

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QStyle, QToolBar

from bpstudio.core.train.run_state import RunState

from ..kit.widgets import combo
from ..session.run_control import SPEEDS


def make_action(parent, text, slot, shortcut=None, tip="", icon=None):
    """A QAction calling ``slot()``, its shortcut named in the tooltip; ``icon``: a QStyle standard pixmap."""
    action = QAction(text, parent)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    action.triggered.connect(lambda: slot())   # not slot(checked)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(f"{tip or text} ({shortcut})" if shortcut else tip or text)
    return action


class RunControls(QObject):
    """The run actions of ``window`` (a MainWindow) and its "Run" toolbar."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.session = window, window.session
        s, icons = self.session, QStyle.StandardPixmap
        self.start = make_action(window, "Start", s.start, "F5", "Start or resume training", icons.SP_MediaPlay)
        self.pause = make_action(window, "Pause", s.pause, "F6", "Pause training", icons.SP_MediaPause)
        self.step = make_action(window, "Step", s.step, "F10", "Train one batch, then pause",
                                icons.SP_MediaSeekForward)
        self.stop = make_action(window, "Stop", s.stop, "Shift+F5", "Stop the run; the network and data unlock",
                                icons.SP_MediaStop)
        self.reset = make_action(window, "Reset", s.reset, "Ctrl+R", "Redraw the initial weights from the seed",
                                 icons.SP_BrowserReload)
        self.toggle = make_action(window, "Start / Pause", self.toggle_training, "Space")
        self.toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(self.toggle)
        self.toolbar = self._toolbar()

    @property
    def actions(self):
        """Start, Pause, Step, Stop, Reset: the toolbar's run buttons, in order."""
        return (self.start, self.pause, self.step, self.stop, self.reset)

    def _toolbar(self):
        toolbar = QToolBar("Run")
        toolbar.setObjectName("toolbar Run")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        open_data = self.window.files.act_open
        open_data.setIcon(self.window.style().standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        toolbar.addAction(open_data)
        toolbar.addSeparator()
        for action in self.actions:
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            button.setAccessibleName(action.text())
            button.setObjectName(action.text())
        toolbar.addSeparator()
        self._add_speed(toolbar)
        return toolbar

    def _add_speed(self, toolbar):
        """The "Speed" choice: slow enough to narrate every update, or full speed."""
        caption = QLabel(" Speed ")
        self.speed = combo(((text, rate) for text, rate in SPEEDS.items()), None)
        self.speed.setCurrentIndex(len(SPEEDS) - 1)   # full speed
        self.speed.setAccessibleName("Speed")
        self.speed.setObjectName("Speed")
        self.speed.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.speed.setToolTip("Weight updates per second while training; Step always trains one update")
        caption.setBuddy(self.speed)
        self.speed.currentIndexChanged.connect(lambda _: self.session.set_speed(self.speed.currentData()))
        toolbar.addWidget(caption)
        toolbar.addWidget(self.speed)

    def show_state(self, state, valid):
        """Enable what can be pressed in run state ``state`` with a network design that is ``valid``."""
        can_run = state in (RunState.IDLE, RunState.PAUSED)
        self.start.setEnabled(can_run and valid)
        self.step.setEnabled(can_run and valid)
        self.pause.setEnabled(state == RunState.TRAINING)
        self.stop.setEnabled(state in (RunState.TRAINING, RunState.PAUSED))

    def toggle_training(self):
        if self.session.state == RunState.TRAINING:
            self.session.pause()
        elif self.start.isEnabled():
            self.session.start()
