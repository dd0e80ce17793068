"""A panel made when a person first sees it: start-up pays only for what is on screen."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .wheel import guard_new


class LazyPanel(QWidget):
    """Stands in (in a dock, a tab) for the panel ``make()`` returns, made when this is first painted
    or when ``panel`` is first asked for; ``on_made(panel)`` then wires it and hands it the current
    state (the panel must be able to draw everything from that: it missed what happened before).

    A tab behind another gets a show event too, but no paint: the first paint is when it is seen."""

    def __init__(self, make, on_made=lambda panel: None, parent=None):
        super().__init__(parent)
        self._make, self._on_made, self._panel = make, on_made, None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    @property
    def made(self) -> bool:
        return self._panel is not None

    @property
    def panel(self) -> QWidget:
        if self._panel is None:
            self._panel = self._make()
            self.layout().addWidget(self._panel)
            self._panel.show()   # visible with this at once (a layout shows a new child only later)
            guard_new(self._panel)   # made while training: the wheel guard is not on the application
            self._on_made(self._panel)
        return self._panel

    def paintEvent(self, event):
        super().paintEvent(event)
        if self._panel is None:   # made after this paint: a widget must not be added while painting
            QTimer.singleShot(0, self, lambda: self.panel)
