"""Redrawing the live views from snapshots, one view per frame, paced to a CPU budget.

Painting runs Python (pyqtgraph), so while the worker trains it competes with
training for the GIL. Each frame therefore redraws a single stale view (the
curves every ``CURVES_EVERY``-th frame), hidden views wait until they are
on screen, and the frame interval stretches so that the GUI thread uses at most
``GUI_CPU_BUDGET`` of a core: a big network or a big window redraws less
often instead of slowing training down. A snapshot that arrives while no run
is going (Reset, Step, a new network) is drawn at once.
"""

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget

FRAME_MS = 50                 # a frame at most this often …
MAX_FRAME_MS = 250            # … and at least this often while views are stale
# Share of a core the GUI thread may use while training. It was 0.08; cheaper frames (skipped tabs,
# diagram bins kept, in-place tables) then redrew ~1.5× as often for the same CPU. At 0.06 the views
# redraw as often as they did at 0.08 before (bench_gui's window: 4.2 vs 4.3 view redraws a second),
# and the GIL is left to training the rest of the time.
GUI_CPU_BUDGET = 0.06
CURVES_EVERY = 3              # the curves (the costliest view) get every third frame


def on_screen(widget):
    """Whether ``widget`` can be seen. A dock behind another's tab still says ``isVisible()`` (Qt keeps
    tabbed docks shown), so while training that alone redrew every tab's views, unseen; such a dock
    has nothing left to paint (the dock's, not the view's: an opaque plot filling a view leaves the
    view itself nothing to paint too). A tab brought to the front emits ``visibilityChanged``."""
    dock = widget
    while dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    return widget.isVisible() and (dock is None or not dock.visibleRegion().isEmpty())


class FrameScheduler(QObject):
    """``painters``: name -> (widget, draw(snapshot)), in round-robin order; "curves" is special."""

    def __init__(self, painters, on_frame, parent=None):
        super().__init__(parent)
        self.painters = painters
        self.on_frame = on_frame          # called with the latest snapshot every frame (the status bar)
        self.latest = None
        self.stale = set()
        self._last_view = None
        self._frames = 0
        self._cpu_mark = time.thread_time()
        self._timer = QTimer(self, interval=FRAME_MS, timeout=self._draw_next)

    def submit(self, snap, training):
        """A new snapshot: every view is stale. While training, frames draw it; otherwise draw now."""
        self.latest = snap
        self.stale = set(self.painters)
        if not training:
            self.draw_visible()
        elif not self._timer.isActive():
            self._timer.start()

    def draw_visible(self):
        """Draw every visible stale view now (a one-off change, or the window was just shown)."""
        if self.latest is None:
            return
        self.on_frame(self.latest)
        for name, (view, draw) in self.painters.items():
            if name in self.stale and view.isVisible():
                self.stale.discard(name)
                draw(self.latest)

    def view_shown(self):
        if self.stale and not self._timer.isActive():
            self._timer.start()

    def _draw_next(self):
        self._pace()
        self.on_frame(self.latest)
        stale = [n for n in self.painters if n in self.stale and on_screen(self.painters[n][0])]
        if not stale:
            self._timer.stop()
            return
        self._frames += 1
        others = [n for n in stale if n != "curves"]
        curves_turn = self._frames % CURVES_EVERY == 0
        name = "curves" if "curves" in stale and (curves_turn or not others) else self._next_view(others)
        self.stale.discard(name)
        self.painters[name][1](self.latest)

    def _pace(self):
        """Stretch the interval so the GUI thread's CPU time per frame stays within the budget.

        Its CPU time since the last frame (drawing, painting, snapshots, events) is the price of a frame.
        """
        now = time.thread_time()
        used, self._cpu_mark = now - self._cpu_mark, now
        self._timer.setInterval(max(FRAME_MS, min(MAX_FRAME_MS, round(1000 * used / GUI_CPU_BUDGET))))

    def _next_view(self, names):
        """Round robin over the views other than the curves, so none of them starves."""
        order = list(self.painters)
        start = order.index(self._last_view) + 1 if self._last_view else 0
        self._last_view = next(n for n in order[start:] + order[:start] if n in names)
        return self._last_view
