"""bpstudio's desktop app (PySide6 + pyqtgraph): ``from bpstudio.ui import MainWindow``."""

from .mainwindow import MainWindow

__all__ = ["MainWindow"]
