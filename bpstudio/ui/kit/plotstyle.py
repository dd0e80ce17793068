"""How the inspection panels' plots look: white background, grid, labelled axes, a palette that reads on white."""

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

# matplotlib's tab10: distinct, and readable on white.
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


def make_plot(title, bottom, left, legend=False):
    """A PlotWidget named ``title`` (also its accessible name) with labelled axes."""
    plot = pg.PlotWidget(title=title, axisItems={"bottom": ReadableAxis()})
    plot.setAccessibleName(title)
    plot.setBackground("w")
    plot.showGrid(x=True, y=True, alpha=0.3)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    plot.getAxis("left").enableAutoSIPrefix(False)   # "×0.001" beside a log axis only confuses
    if legend:
        plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210), labelTextColor="#222")
    return plot
