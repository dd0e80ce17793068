"""How every plot looks: white background, a light grid, labelled axes, a palette that reads on white."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPixmap

from .legend import LegendPlacer, RowLegendPlot

GRID_COLOR = "#dadde2"
TEXT_COLOR = "#303030"
# matplotlib's tab10: distinct, and readable on white (curves, layers and classes alike).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def pen(i):
    """The i-th palette colour as a 1-pixel pen (wider pens are slow in Qt's raster engine)."""
    return pg.mkPen(PALETTE[i % len(PALETTE)], width=1)


def swatch(i, size=12):
    """The i-th palette colour as a small square icon: a table row names its curve's colour (a squeezed
    plot's legend may be hidden)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(PALETTE[i % len(PALETTE)]))
    return QIcon(pixmap)


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
NICE = (1, 2, 5)   # steps are 1, 2 or 5 × 10ᵏ


def log_label(value):
    """A log axis's label for ``value``: 0.001 … 1000 written out, other powers of ten as 10ᵏ."""
    exponent = math.floor(math.log10(value) + 1e-9)
    if abs(value / 10.0 ** exponent - 1) < 1e-9 and not -3 <= exponent <= 3:
        return "10" + str(exponent).translate(SUPERSCRIPT)
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, power = text.split("e")
        return f"{mantissa}·10" + str(int(power)).translate(SUPERSCRIPT)
    return text


def _nice_steps(smallest):
    """1, 2, 5 × 10ᵏ from the first one ≥ ``smallest`` upwards."""
    decade = 10.0 ** math.floor(math.log10(smallest))
    while True:
        for m in NICE:
            if m * decade >= smallest * (1 - 1e-9):
                yield m * decade
        decade *= 10


def _one_two_five(lo, hi):
    """log10 of 1, 2 and 5 × 10ᵏ between 10^lo and 10^hi."""
    values = np.log10([m * 10.0 ** k for k in range(math.floor(lo), math.ceil(hi) + 1) for m in NICE])
    return values[(values >= lo - 1e-9) & (values <= hi + 1e-9)]


class QuietAxis(pg.AxisItem):
    """An axis that sets its title's HTML only when the title changes.

    pyqtgraph re-renders the title (``QGraphicsTextItem.setHtml``, ~0.1 ms) on every range change,
    though the text rarely changes: ~950 times while the window is built, 3 in 4 of them the same
    text, ~0.07 s of start-up."""

    def __init__(self, orientation="bottom", **kwargs):
        self._title_html = None   # before super(): its __init__ already sets the title
        super().__init__(orientation, **kwargs)

    def _updateLabel(self):   # pyqtgraph's hook for a new title, units or SI prefix
        html = self.labelString()
        if html != self._title_html:
            self._title_html = html
            self.label.setHtml(html)
        self._adjustSize()
        self.picture = None
        self.update()


def quiet_axes(left=None, bottom=None):
    """Axis items for a plot's four sides (``axisItems=``; ``left``/``bottom``: items of one's own) —
    hide "top" and "right" after (``hide_spare_axes``): pyqtgraph shows every side it is given."""
    return {"left": left or QuietAxis("left"), "bottom": bottom or QuietAxis("bottom"),
            "top": QuietAxis("top"), "right": QuietAxis("right")}


def hide_spare_axes(item):
    item.hideAxis("top")
    item.hideAxis("right")
    return item


def plain_plot_widget():
    """A PlotWidget with quiet axes, left and bottom shown (as ``pg.PlotWidget()``)."""
    widget = pg.PlotWidget(axisItems=quiet_axes())
    hide_spare_axes(widget.getPlotItem())
    return widget


def add_plain_plot(layout, **kwargs):
    """``layout.addPlot(**kwargs)`` (a GraphicsLayout or GraphicsLayoutWidget) with quiet axes."""
    return hide_spare_axes(layout.addPlot(axisItems=quiet_axes(), **kwargs))


class ReadableAxis(QuietAxis):
    """An axis whose numbers never run into each other, linear or logarithmic, on a small plot.

    pyqtgraph spaces ticks by the axis length alone and always labels the major ones; on a log
    axis spanning less than a few decades it labels 2, 3 … 9 × 10ᵏ as well, which pile up into a
    blob. This axis spaces labels by what they need: the widest label (horizontal axes) or the
    text height (vertical ones) plus a gap. A log axis shows every n-th power of ten when it spans
    a few decades, and otherwise round values (0.2, 0.3 …) as many as fit.
    """

    GAP = 12          # pixels between neighbouring labels side by side
    LINE_GAP = 4      # … and one above the other

    def __init__(self, orientation="bottom", short_label=None, **kwargs):
        self.short_label = short_label   # a shorter label for a short vertical axis ("cost" for "cost (mean per sample)")
        self._shortened = False          # the short label is shown
        super().__init__(orientation, **kwargs)
        self._label_cut = False   # the label is hidden here because it is longer than the axis

    def labelString(self):
        return self._label_html(self._shortened)

    def _label_html(self, short):
        if not short:
            return super().labelString()
        style = ";".join(f"{k}: {v}" for k, v in self.labelStyle.items())
        return f"<span style='{style}'>{self.short_label}</span>"

    def resizeEvent(self, ev=None):
        super().resizeEvent(ev)
        # A vertical label longer than its axis runs into the plot above or below ("accuracy (% t (mean
        # per sam" when the Inspector squeezes the cost plots): the short label while only that fits, else
        # none while the axis is that short (the plot's title still says what is drawn). The full label
        # again once the axis is long enough.
        if self.label is None or self.orientation not in ("left", "right"):
            return
        room = self.size().height()
        fits = self._label_width(short=False) <= room
        shortened = not fits and self.short_label is not None and self._label_width(short=True) <= room
        if shortened != self._shortened:
            self._shortened = shortened
            self._updateLabel()
        too_long = not (fits or shortened)
        if too_long and self.label.isVisible():
            self.label.hide()
            self._label_cut = True
        elif not too_long and self._label_cut:
            self.label.show()
            self._label_cut = False

    def _label_width(self, short):
        """The width the label (or the short one) takes, written out."""
        document = self.label.document().clone()
        document.setHtml(self._label_html(short))
        return document.idealWidth()   # margins included, as the label's own bounding rectangle

    def boundingRect(self):
        # pyqtgraph drops a tick label that reaches past the axis's ends, and a gridded axis ends where the
        # plot area does: the labels at the ends of a range that starts and ends on a tick (accuracy's 0
        # and 100 %) were dropped, leaving a short plot a single number. Half a label more at each end
        # keeps them; the room there (beside the title, beside the x axis) is empty.
        rect = super().boundingRect()
        if self.orientation in ("left", "right") and self.style["showValues"]:
            half = self._line_height() / 2
            rect = rect.adjusted(0, -half, 0, half)
        return rect

    def _line_height(self):
        return QFontMetrics(self.style["tickFont"] or self.font()).height()

    def _extent(self, texts):
        """Pixels a label takes along the axis (the widest of ``texts`` on a horizontal axis)."""
        if self.orientation in ("left", "right"):
            return self._line_height() + self.LINE_GAP
        metrics = QFontMetrics(self.style["tickFont"] or self.font())
        return max((metrics.horizontalAdvance(t) for t in texts), default=0) + self.GAP

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or not (maxVal > minVal and size > 0) or self.logMode:
            return levels
        needed = self._extent(self.tickStrings([minVal, maxVal], 1, levels[0][0])) * (maxVal - minVal) / size
        if levels[0][0] >= needed:
            return levels
        spacing = next(_nice_steps(needed))
        return [(spacing, 0)] + levels[1:]

    def tickValues(self, minVal, maxVal, size):
        if not self.logMode or not (math.isfinite(minVal) and math.isfinite(maxVal)):
            return super().tickValues(minVal, maxVal, size)
        lo, hi = sorted((minVal, maxVal))
        if hi - lo <= 0 or size <= 0:
            return []
        ticks = log_ticks(lo, hi, size, lambda values: self._extent([log_label(10.0 ** v) for v in values]))
        return [(None, ticks)]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [log_label(10.0 ** v * scale) for v in values]


def log_ticks(lo, hi, size, room):
    """Tick positions (log10 units) on a log axis showing 10^lo … 10^hi in ``size`` pixels, where a
    label needs ``room(values)`` pixels. The first that fits without labels touching: every n-th
    power of ten (at least three), 1, 2 and 5 × 10ᵏ (three or more), every n-th power of ten (two),
    else the densest round linear steps (0.3, 0.4 … on an axis spanning less than a decade); at
    least one tick."""
    per_unit = size / (hi - lo)

    def fits(values, least=2):
        return len(values) >= least and min(np.diff(values)) * per_unit >= room(values)

    def decades(step):
        return np.arange(math.ceil(lo / step) * step, hi + 1e-9, step)

    steps = [step for step in (1, 2, 5, 10, 20, 50, 100) if len(decades(step)) >= 2]
    for values, least in [*((decades(step), 3) for step in steps),
                          (_one_two_five(lo, hi), 3), *((decades(step), 2) for step in steps)]:
        if fits(values, least):
            return values.tolist()
    low, high = 10.0 ** lo, 10.0 ** hi
    for step in _nice_steps((high - low) / 50):   # denser first, until at most one tick is left
        values = np.arange(math.ceil(low / step - 1e-9) * step, high * (1 + 1e-9), step)
        values = np.log10(values[values > 0])
        if fits(values) or len(values) <= 1:
            return values.tolist() or [(lo + hi) / 2]


READABLE_LINES = 5   # a plot area this many tick labels high shows at least 3 of them on a 0–100 % axis


def readable_height(widget):
    """The height at which ``widget`` (a ``make_plot``) keeps a plot area ``READABLE_LINES`` tick labels
    high under its title and above its x axis: enough for its y axis to show several numbers."""
    plot = widget.getPlotItem()
    area = READABLE_LINES * plot.getAxis("left")._extent([])
    title = plot.titleLabel.maximumHeight() if plot.titleLabel.isVisible() else 0
    margins = plot.layout.getContentsMargins()
    return math.ceil(area + title + plot.getAxis("bottom").maximumHeight() + margins[1] + margins[3])


def make_plot(title, bottom, left, legend=False, name=None, legend_offset=(-10, 10), short_left=None):
    """A PlotWidget titled ``title`` with labelled axes; its accessible name is ``name`` (default: the title).

    ``legend``: True for a legend inside the plot area that a ``LegendPlacer`` keeps off the curves, or
    "below" for a ``RowLegend`` under the x axis (for curves that run everywhere). ``short_left``: the y axis's
    label when the plot is too short for ``left``."""
    # Plot menus are switched off below; a view box built without one saves ~10 ms a plot at start-up.
    axes = quiet_axes(left=ReadableAxis("left", short_label=short_left), bottom=ReadableAxis("bottom"))
    options = dict(title=title, axisItems=axes, viewBox=pg.ViewBox(enableMenu=False))
    widget = pg.PlotWidget(plotItem=RowLegendPlot(**options)) if legend == "below" else pg.PlotWidget(**options)
    hide_spare_axes(widget.getPlotItem())
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
    if legend == "below":
        plot.addLegend(labelTextColor=TEXT_COLOR)
    elif legend:
        plot.addLegend(offset=legend_offset, brush=pg.mkBrush(255, 255, 255, 210), labelTextColor=TEXT_COLOR)
        LegendPlacer(widget)   # a child of the widget: moves the legend off the curves, or hides it when nothing is free
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.setMenuEnabled(False)
    return widget
