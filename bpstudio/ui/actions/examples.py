"""Examples ▸ worked examples: load a published network, sample, cost and η to reproduce by hand.

Loading replaces the session as a new untitled project (after asking about unsaved
changes, like File ▸ New): the network with the example's exact weights, its sample
as the only (unscaled) training row, its cost and learning rate with plain full-batch
gradient descent. The Inspector comes to the front with the example's weight selected,
so one click on Step reproduces the published numbers.
"""

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from bpstudio.core import Trainer
from bpstudio.core.explain.examples import EXAMPLES

from ..session.options import DataOptions


class ExampleActions(QObject):
    """The Examples menu of ``window`` (a MainWindow)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.menu = QMenu("E&xamples", window)
        self.actions = {}
        for example in EXAMPLES.values():
            action = QAction(example.title, self)
            action.setToolTip(f"{example.source}: one step of backprop you can check by hand")
            action.triggered.connect(lambda _checked=False, e=example: self.load(e))
            self.menu.addAction(action)
            self.actions[example.key] = action

    def load(self, example):
        """Make ``example`` the session's whole state (asks about unsaved changes first)."""
        net = example.network()
        trainer = Trainer(net, example.config())
        self.window.projects.start_from(example.prepared(), DataOptions(scaling="none", val_fraction=0.0), net,
                                        trainer, then=lambda: self._show(example))

    def _show(self, example):
        inspection = self.window.inspection
        inspector = inspection.inspector
        inspector.set_title(example.title)
        inspection.docks["Inspector"].raise_()
        inspector.select_weight(*example.focus)
        self.window.status.show_message(f"Worked example: {example.title} — press Step in the Inspector for "
                                        f"one step at η = {example.learning_rate:g}")
