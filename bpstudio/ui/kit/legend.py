"""A plot's legend kept off its curves.

A legend pinned to one corner covers the curves that run through that corner — in a squeezed plot
(the cost plot while the Inspector is raised at 1280×800) it covered most of them. ``LegendPlacer``
moves the legend to a corner where no curve runs (its own first, then top-right, top-left,
bottom-right, bottom-left). When none is free, a legend that is small beside the plot (a busy
Health plot) goes where it covers least; a larger one, or one that does not fit at all, is hidden
and the curve names go into the plot's title in their colours ("Cost ━ train ━ validation", as
many as fit) and all of them into its tooltip. It looks again shortly after the curves, the range or the size change (at most every
``DELAY_MS``), not on every update.
"""

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QRectF, QTimer

DELAY_MS = 150
MARGIN = 3   # px around the legend that must be free too
SMALL_SHARE = 0.3    # a legend over at most this share of the plot may cover a little of a busy one
CORNERS = ((-10, 10), (10, 10), (-10, -10), (10, -10))   # pyqtgraph offsets: top-right, top-left, bottom-right, bottom-left


class LegendPlacer(QObject):
    """Keeps ``widget``'s legend (a ``PlotWidget`` with ``addLegend`` done) off its curves."""

    def __init__(self, widget):
        super().__init__(widget)
        plot = widget.getPlotItem()
        self.plot, self.view, self.legend = plot, plot.getViewBox(), plot.legend
        self.title = plot.titleLabel.text
        self.watched = set()   # the curves whose changes schedule a look
        self.timer = QTimer(self, singleShot=True, interval=DELAY_MS, timeout=self.place)
        self.view.sigRangeChanged.connect(self.schedule)
        self.view.sigResized.connect(self.schedule)

    def schedule(self, *_):
        if not self.timer.isActive():
            self.timer.start()

    def place(self):
        """Legend in the first free corner (its own first); else, when it is small beside the plot, where
        it covers least; else hidden, with the names in the title."""
        if not shiboken6.isValid(self.plot):   # the plot was closed while a look was scheduled
            return
        curves = [item for item in self.plot.listDataItems() if item.isVisible()]
        self._watch(curves)
        if not self.legend.items:
            return self._show_legend(True)
        if not self._fits():
            return self._show_legend(False)
        segments = [_segments(item) for item in curves]
        current = tuple(self.legend.opts["offset"])
        corners = (current, *(c for c in CORNERS if c != current))
        covered = [sum(_crossings(s, self._view_rect(offset)) for s in segments) for offset in corners]
        if min(covered) and self._share() > SMALL_SHARE:
            return self._show_legend(False)
        best = corners[covered.index(min(covered))]
        if best != current:
            self.legend.setOffset(best)
        self._show_legend(True)

    def _watch(self, curves):
        for item in curves:
            if item not in self.watched:
                self.watched.add(item)
                item.sigPlotChanged.connect(self.schedule)

    def _fits(self):
        """Whether the legend fits inside the plot area with its corner offset all round."""
        size, view = self.legend.boundingRect().size(), self.view.boundingRect()
        inset = 2 * abs(CORNERS[0][0])
        return size.width() + inset <= view.width() and size.height() + inset <= view.height()

    def _share(self):
        """The share of the plot area the legend takes."""
        size, view = self.legend.boundingRect().size(), self.view.boundingRect()
        return size.width() * size.height() / max(view.width() * view.height(), 1.0)

    def _view_rect(self, offset):
        """The legend's rectangle (plus MARGIN) at ``offset``, in data coordinates (x0, x1, y0, y1)."""
        size, view = self.legend.boundingRect().size(), self.view.boundingRect()
        x = offset[0] if offset[0] > 0 else view.width() - size.width() + offset[0]
        y = offset[1] if offset[1] > 0 else view.height() - size.height() + offset[1]
        box = QRectF(x, y, size.width(), size.height()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        a, b = self.view.mapToView(box.topLeft()), self.view.mapToView(box.bottomRight())
        return min(a.x(), b.x()), max(a.x(), b.x()), min(a.y(), b.y()), max(a.y(), b.y())

    def _show_legend(self, visible):
        names = [(label.text, _colour(sample.item)) for sample, label in self.legend.items]
        self.legend.setVisible(visible)
        self._set_title(names if not visible else [])
        self.plot.getViewWidget().setToolTip("" if visible else "\n".join(f"━ {name}" for name, _ in names))

    def _set_title(self, names):
        """The plot's title followed by as many curve names, in their colours, as fit its width ("…" for the rest)."""
        room = self.plot.size().width() - 20
        for shown in range(len(names), -1, -1):
            title = self.title + "".join(f"&nbsp;&nbsp;<span style='color:{colour}'>━&nbsp;{name}</span>"
                                         for name, colour in names[:shown]) + ("&nbsp;&nbsp;…" if shown < len(names) else "")
            if self.plot.titleLabel.text != title:
                self.plot.setTitle(title)
            if shown == 0 or self.plot.titleLabel.item.boundingRect().width() <= room:
                return


def _segments(item):
    """A curve's line segments (or points, for a curve without a line) as arrays x0, x1, y0, y1
    in data coordinates, as drawn (log axes, down-sampling and clipping applied)."""
    x, y = item.getData()
    if x is None or len(x) == 0:
        return None
    if item.opts.get("pen") is None or len(x) == 1:
        return x, x, y, y
    return x[:-1], x[1:], y[:-1], y[1:]


def _crossings(segments, rect):
    """How many segments' bounding boxes meet ``rect``: a segment that might cross the legend counts."""
    if segments is None:
        return 0
    x0, x1, y0, y1 = segments
    left, right, bottom, top = rect
    hit = ((np.fmax(x0, x1) >= left) & (np.fmin(x0, x1) <= right)
           & (np.fmax(y0, y1) >= bottom) & (np.fmin(y0, y1) <= top))
    return int(np.count_nonzero(hit))


def _colour(item):
    """The colour a legend sample shows for ``item`` (its pen, else its symbol's brush)."""
    pen = item.opts.get("pen") if hasattr(item, "opts") else None
    if pen is not None:
        return pg.mkPen(pen).color().name()
    brush = item.opts.get("symbolBrush") if hasattr(item, "opts") else None
    return pg.mkBrush(brush).color().name() if brush is not None else "#303030"
