"""The look: Fusion with a light palette, white plots, and the app icon."""

import pyqtgraph as pg
from PySide6.QtGui import QIcon

from bpstudio.paths import resource_path

STYLE_SHEET = """
QGroupBox { font-weight: 600; border: 1px solid #d0d4da; border-radius: 6px; margin-top: 10px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #1f3a5f; }
QDockWidget::title { background: #eef1f5; padding: 4px 8px; font-weight: 600; }
QToolBar { spacing: 4px; padding: 2px; }
QToolButton { padding: 3px 8px; }
"""


def apply_plot_theme():
    """pyqtgraph defaults for every plot the window creates (call before creating plots)."""
    # No antialiasing: it makes every repaint several times slower, and painting holds the GIL
    # the training thread needs.
    pg.setConfigOptions(background="w", foreground="#303030", antialias=False, imageAxisOrder="row-major")


def apply_theme(app):
    app.setStyleSheet(STYLE_SHEET)


def app_icon():
    return QIcon(str(resource_path("icons", "bpstudio.svg")))
