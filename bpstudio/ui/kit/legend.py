"""A plot's legend kept off its curves.

A legend pinned to one corner covers the curves that run through that corner — in a squeezed plot
(the cost plot while the Inspector is raised at 1280×800) it covered most of them. ``LegendPlacer``
moves the legend to a corner where no curve runs (its own first, then top-right, top-left,
bottom-right, bottom-left). When none is free, or the legend does not fit at all, it is hidden and
the curve names go into the plot's title in their colours ("Cost ━ train ━ validation", as many as
fit) and all of them into its tooltip: a legend never covers a curve (a small one "covering least"
still hid the cost curve's middle in the side-by-side plots at 1280×800). It looks again shortly
after the curves, the range or the size change (at most every ``DELAY_MS``), not on every update.

A plot whose curves are busy everywhere (the Health plots: every corner holds a curve sooner or later)
has a ``RowLegend`` instead: a row of names under the x axis, outside the plot area, that never covers
a curve.
"""

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QRectF, Qt, QTimer
from PySide6.QtWidgets import QSizePolicy

DELAY_MS = 150
MARGIN = 3   # px around the legend that must be free too
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
        """Legend in the first free corner (its own first); else hidden, with the names in the title."""
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
        best = next((offset for offset in corners
                     if not any(_crossings(s, self._view_rect(offset)) for s in segments)), None)
        if best is None:
            return self._show_legend(False)
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
        """The plot's title followed by as many curve names, in their colours, as fit its width ("…" for the rest).

        With names, the title spans the plot's whole width (the corner above the y axis is empty): centred
        over the plot area alone, "Accuracy ━ train ━ validation" did not fit a plot half a 1280×800 window's
        centre wide."""
        self._span_title(bool(names))
        room = self.plot.size().width() - 6
        for shown in range(len(names), -1, -1):
            title = self.title + "".join(f"&nbsp;&nbsp;<span style='color:{colour}'>━&nbsp;{name}</span>"
                                         for name, colour in names[:shown]) + ("&nbsp;…" if shown < len(names) else "")
            if self.plot.titleLabel.text != title:
                self.plot.setTitle(title)
            if shown == 0 or self.plot.titleLabel.item.boundingRect().width() <= room:
                return

    def _span_title(self, whole):
        """The title over the whole width (``whole``), or over the plot area as pyqtgraph puts it."""
        label, layout = self.plot.titleLabel, self.plot.layout
        if (layout.itemAt(0, 0) is label) == whole:
            return
        layout.removeItem(label)
        if whole:
            layout.addItem(label, 0, 0, 1, 3)
        else:
            layout.addItem(label, 0, 1)


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


class RowLegend(pg.LegendItem):
    """A legend in the plot's own layout, in a row under the x axis: the plot area is the room left
    above it, so no curve is ever under a name. Entries run left to right and wrap onto more rows
    when the plot is too narrow for one (as many columns as fit its width).

    A ``RowLegendPlot`` makes one as its legend: ``plot.plot(name=…)`` lists a curve in it, as in a
    legend made by ``PlotItem.addLegend``."""

    ROW = 4        # the PlotItem's layout: title 0, top axis 1, plot area 2, bottom axis 3
    GAP = 14       # px between one entry and the next on a row

    def __init__(self, **kwargs):
        super().__init__(offset=None, frame=False, horSpacing=4, **kwargs)
        self.layout.setContentsMargins(0, 2, 0, 2)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)   # centred, not stretched
        self._room = 0.0

    def attach(self, plot):
        """Put this legend under ``plot``'s x axis (a ``PlotItem``)."""
        plot.layout.addItem(self, self.ROW, 0, 1, 3, alignment=Qt.AlignmentFlag.AlignHCenter)
        plot.layout.setRowStretchFactor(self.ROW, 0)
        plot.geometryChanged.connect(lambda: self._fit(plot.size().width()))
        return self

    def _fit(self, width):
        if width != self._room:
            self._room = width
            self.updateSize()

    def hoverEvent(self, ev):
        pass   # not draggable: a LegendItem dragged leaves the layout and floats over the curves

    def mouseDragEvent(self, ev):
        ev.ignore()

    def _addItemToLayout(self, sample, label):
        super()._addItemToLayout(sample, label)
        label.setContentsMargins(0, 0, self.GAP, 0)

    def updateSize(self):
        """As many columns as fit the plot's width, then a new size for the plot's layout to give it."""
        columns = self._columns()
        if columns != self.columnCount:
            self.setColumnCount(columns)   # lays the entries out again and comes back here
            return
        self.layout.invalidate()
        self.updateGeometry()
        self.setVisible(bool(self.items))

    def _columns(self):
        """The most columns whose grid (each column as wide as its widest entry) fits the plot's width."""
        if not self.items or not self._room:
            return max(len(self.items), 1)
        spacing = self.layout.horizontalSpacing()
        widths = [sum(item.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() for item in entry) + 2 * spacing
                  for entry in self.items]
        for columns in range(len(widths), 1, -1):
            if sum(max(widths[c::columns]) for c in range(columns)) <= self._room:
                return columns
        return 1


class RowLegendPlot(pg.PlotItem):
    """A ``PlotItem`` whose legend (``addLegend``) is a ``RowLegend`` under its x axis."""

    def addLegend(self, offset=None, **kwargs):
        if self.legend is None:
            self.legend = RowLegend(**kwargs).attach(self)
        return self.legend
