"""A one-line label that says as much as its width allows.

Given the same message in several wordings, longest first, it shows the first that fits and,
when none does, the shortest cut with "…" — never a line cut mid-word with no sign it was cut
(the costs readout once showed "validation accuracy 96.2" with its "%" past the edge). The full
wording is always the tooltip. It never asks for width of its own (a long message must not widen
the window) and re-fits whenever it is resized.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy


class FittedLabel(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._wordings = ("",)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_wordings(self, *wordings):
        """The message, longest wording first."""
        self._wordings = wordings or ("",)
        self.setToolTip(self._wordings[0])
        self._fit()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def _fit(self):
        metrics, room = self.fontMetrics(), self.contentsRect().width()
        fitting = next((w for w in self._wordings if metrics.horizontalAdvance(w) <= room), None)
        if fitting is None:
            fitting = metrics.elidedText(self._wordings[-1], Qt.TextElideMode.ElideRight, room)
        if fitting != self.text():
            super().setText(fitting)
