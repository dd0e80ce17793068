"""Where everything sits in the main window: the setup column on the left, the live views in docks.

Setup (data, network and training panels) on the left; the decision boundary, network diagram and
gradient norms on the right; weights, neurons and the inspection docks (``inspection_docks``)
along the bottom. The default arrangement can be restored (View ▸ Reset layout); the user's own
is kept in the settings between sessions.
"""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QScrollArea, QTabBar, QVBoxLayout, QWidget

from ..kit.wheel import scrolled

SETUP_WIDTH = 330   # px: the setup column's default width


class MainDocks:
    """Builds ``window``'s docks (``docks``: title → QDockWidget) and restores their layout."""

    def __init__(self, window, on_shown):
        """``on_shown(visible)``: called when a view dock is shown or hidden (tabs included)."""
        self.window, self.default_state = window, None
        window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks = {}
        w = window
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        for title, widget, area in (("Setup", self._setup_column(), left), ("Decision boundary", w.boundary, right),
                                    ("Neurons", w.neurons, bottom), ("Network diagram", scrolled(w.diagram), right),
                                    ("Gradient norms", w.grad_norms, right), ("Weights", scrolled(w.weights), bottom)):
            dock = QDockWidget(title, window)
            dock.setObjectName(f"dock {title}")   # saveState() needs object names
            dock.setWidget(widget)
            dock.visibilityChanged.connect(on_shown)
            window.addDockWidget(area, dock)
            self.docks[title] = dock
        window.tabifyDockWidget(self.docks["Network diagram"], self.docks["Gradient norms"])
        window.tabifyDockWidget(self.docks["Weights"], self.docks["Neurons"])

    def _setup_column(self):
        """The data, network and training panels, one under the other, scrolling when the window is short."""
        setup = QWidget()
        column = QVBoxLayout(setup)
        for panel in (self.window.data_panel, self.window.network_panel, self.window.training_panel):
            column.addWidget(panel)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(setup)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)
        return scroll

    def remember_default(self):
        """The layout as built is the one View ▸ Reset layout goes back to."""
        self.default_state = self.window.saveState()

    def size(self):
        """Default proportions: setup column ~330 px, views share the rest."""
        w, d = self.window, self.docks
        width, height = w.width(), w.height()
        w.resizeDocks([d["Setup"], d["Decision boundary"]], [SETUP_WIDTH, int(0.3 * width)], Qt.Orientation.Horizontal)
        w.resizeDocks([d["Weights"], d["Decision boundary"]], [int(0.34 * height), int(0.45 * height)],
                      Qt.Orientation.Vertical)

    def reset(self):
        w = self.window
        w.restoreState(self.default_state)
        w.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)   # not in the state
        for dock in self.docks.values():
            dock.show()
        self.size()

    def show_all(self):
        """Every view visible at once (no tabs), e.g. to measure the cost of all live views."""
        self.reset()
        w, d = self.window, self.docks
        w.splitDockWidget(d["Network diagram"], d["Gradient norms"], Qt.Orientation.Horizontal)
        # Weights has the inspection docks as tabs, and a split beside a tabbed dock only adds a tab:
        # Neurons goes into Weights' area as a column of its own instead.
        w.removeDockWidget(d["Neurons"])
        w.addDockWidget(w.dockWidgetArea(d["Weights"]), d["Neurons"], Qt.Orientation.Horizontal)
        d["Neurons"].show()

    def restore(self, settings):
        """The geometry and dock layout the user left the window in (if saved)."""
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        if state is not None:
            self.window.restoreState(state)

    def watch_tab_bars(self):
        """Hide Qt's leftover dock tab bars (``hide_stale_tab_bars``) whenever docks move, show or hide.
        Call once every dock exists (the inspection docks join ``docks`` after this class builds its own)."""
        timer = QTimer(self.window, singleShot=True, interval=0)
        timer.timeout.connect(lambda: hide_stale_tab_bars(self.window))
        for dock in self.docks.values():
            dock.visibilityChanged.connect(lambda _visible: timer.start())
            dock.dockLocationChanged.connect(lambda _area: timer.start())

    def save(self, settings):
        settings.setValue("window/geometry", self.window.saveGeometry())
        settings.setValue("window/state", self.window.saveState())


def hide_stale_tab_bars(window):
    """Hide the window's dock tab bars that are leftovers of an earlier grouping.

    On a real display (not Qt's offscreen platform) Qt left the bar of a group visible after docks
    were added to the group or taken out of it: the first grouping's Weights + Neurons bar stayed
    behind the views, its "We" peeping out between the setup column and the plots. A dock is in one
    group only and a group's live bar lists all of its docks, so a bar whose tabs are all in a
    bigger visible bar is a leftover."""
    bars = [bar for bar in window.findChildren(QTabBar) if bar.parent() is window and bar.isVisible()]
    tabs = [{bar.tabText(i) for i in range(bar.count())} for bar in bars]
    for bar, mine in zip(bars, tabs):
        if any(mine < other for other in tabs):
            bar.hide()
