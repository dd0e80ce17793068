"""How the inspection panels' plots look: white background, grid, labelled axes, a palette that reads on white."""

import pyqtgraph as pg

# matplotlib's tab10: distinct, and readable on white.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def pen(i):
    """The i-th palette colour as a 1-pixel pen (wider pens are slow in Qt's raster engine)."""
    return pg.mkPen(PALETTE[i % len(PALETTE)], width=1)


def make_plot(title, bottom, left, legend=False):
    """A PlotWidget named ``title`` (also its accessible name) with labelled axes."""
    plot = pg.PlotWidget(title=title)
    plot.setAccessibleName(title)
    plot.setBackground("w")
    plot.showGrid(x=True, y=True, alpha=0.3)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    plot.getAxis("left").enableAutoSIPrefix(False)   # "×0.001" beside a log axis only confuses
    if legend:
        plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210), labelTextColor="#222")
    return plot
