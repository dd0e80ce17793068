"""How every plot looks: white background, a light grid, labelled axes, a palette that reads on white."""

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

GRID_COLOR = "#dadde2"
TEXT_COLOR = "#303030"
# matplotlib's tab10: distinct, and readable on white (curves, layers and classes alike).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def pen(i):
    """The i-th palette colour as a 1-pixel pen (wider pens are slow in Qt's raster engine)."""
    return pg.mkPen(PALETTE[i % len(PALETTE)], width=1)


class ReadableAxis(pg.AxisItem):
    """A horizontal axis whose numbers never run into each other on a narrow plot.

    pyqtgraph spaces ticks by the axis length alone and always labels the major ones;
    this widens the spacing to the next 1, 2 or 5 × 10ᵏ that leaves room for the widest label.
    """

    GAP = 12  # pixels between neighbouring labels

    def __init__(self, orientation="bottom", **kwargs):
        super().__init__(orientation, **kwargs)

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or not (maxVal > minVal and size > 0) or self.logMode:
            return levels
        metrics = QFontMetrics(self.style["tickFont"] or self.font())
        widest = max(metrics.horizontalAdvance(text)
                     for text in self.tickStrings([minVal, maxVal], 1, levels[0][0]))
        needed = (widest + self.GAP) * (maxVal - minVal) / size   # in axis units
        if levels[0][0] >= needed:
            return levels
        decade = 10 ** math.floor(math.log10(needed))
        spacing = next(m * decade for m in (1, 2, 5, 10) if m * decade >= needed)
        return [(spacing, 0)] + levels[1:]


def make_plot(title, bottom, left, legend=False, name=None, legend_offset=(-10, 10)):
    """A PlotWidget titled ``title`` with labelled axes; its accessible name is ``name`` (default: the title)."""
    widget = pg.PlotWidget(title=title, axisItems={"bottom": ReadableAxis()})
    widget.setAccessibleName(name or title)
    widget.setObjectName(name or title)
    widget.setBackground("w")
    plot = widget.getPlotItem()
    # An opaque light grid at major ticks only: translucent grid lines make a repaint ~5× slower.
    plot.showGrid(x=True, y=True, alpha=1.0)
    for axis, label in (("bottom", bottom), ("left", left)):
        item = plot.getAxis(axis)
        item.setPen(GRID_COLOR)
        item.setTextPen(TEXT_COLOR)
        item.setStyle(maxTickLevel=0)
        item.enableAutoSIPrefix(False)   # "cost (×0.001)" beside a log axis only confuses
        item.setZValue(-1)   # the axis draws the grid: keep it under the curves, or a cost at 0 hides
        plot.setLabel(axis, label, color=TEXT_COLOR)
    if legend:
        plot.addLegend(offset=legend_offset, brush=pg.mkBrush(255, 255, 255, 210), labelTextColor=TEXT_COLOR)
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.setMenuEnabled(False)
    return widget
