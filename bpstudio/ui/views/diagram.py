"""The network as a diagram: neurons in columns, connections coloured and thickened by weight.

Connections are drawn as a few line items, one per (sign, strength) bin, each
holding all its segments; a snapshot only re-sorts segments into bins. Layers
wider than MAX_SHOWN neurons show an evenly spaced subset (the label says so).
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .diagram_labels import DiagramLabels
from .heatmaps import COLORMAP, symmetric_level

MAX_SHOWN = 24                    # neurons drawn per layer
STRENGTH_EDGES = (0.15, 0.5)      # |w| / level boundaries between thin, medium and thick lines
WIDTHS = (1, 1, 2)


class DiagramView(QWidget):
    """Neurons and connections (coloured by sign, paler when |w| is small, thicker when it is large)."""

    connectionClicked = Signal(int, int, int)   # weight layer, j, k (0-based) of the clicked connection

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Network diagram")
        self.plot = pg.PlotWidget()
        self.plot.setAccessibleName("Network diagram plot")
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        item.getViewBox().sigResized.connect(self._fit_labels)
        self.labels = None
        self.cmap = pg.colormap.get(COLORMAP)
        self.level = 0.0   # the colour scale only grows, so colours keep their meaning
        self.bins = {}          # (sign, strength) -> PlotCurveItem
        self.nodes = None
        self.segments = []      # per layer: (shown k, shown j, x pairs, y pairs)

    def set_network(self, sizes, input_names=(), output_names=()):
        """Lay out the neurons and create the line items for a network with these sizes."""
        item = self.plot.getPlotItem()
        item.clear()
        self.level = 0.0
        shown = [_shown(n) for n in sizes]
        ys = [_column_y(len(idx), max(len(s) for s in shown)) for idx in shown]
        self.segments = [_layer_segments(l, shown[l], ys[l], shown[l + 1], ys[l + 1]) for l in range(len(sizes) - 1)]
        self.bins = {}
        for strength, width in enumerate(WIDTHS):   # stronger connections are drawn on top
            for sign in (-1, 1):
                # Opaque colours (paler for weaker weights) and drawLines: translucent paths paint ~10× slower.
                color = self.cmap.map(0.5 + sign * (0.12 + 0.17 * strength), mode="qcolor")
                curve = pg.PlotCurveItem(pen=pg.mkPen(color, width=width), connect="pairs",
                                         segmentedLineMode="on")
                item.addItem(curve)
                self.bins[sign, strength] = curve
        x = np.concatenate([np.full(len(y), l, float) for l, y in enumerate(ys)])
        self.nodes = pg.ScatterPlotItem(x, np.concatenate(ys), size=11, pen=pg.mkPen("#555555", width=1), brush="w",
                                        data=_node_names(sizes, shown, input_names, output_names),
                                        hoverable=True, tip=lambda x, y, data: data)
        item.addItem(self.nodes)
        # Orange rings over saturated or dead units (see mark_units); moving them is cheaper than restyling nodes.
        self.marks = pg.ScatterPlotItem(size=17, pen=pg.mkPen("#ff7f0e", width=2), brush=None)
        item.addItem(self.marks)
        self.labels = DiagramLabels(item, sizes, shown, ys, input_names, output_names)
        self._fit_labels()

    def _fit_labels(self):
        """Lay the names and captions out for the view's size in pixels (text does not scale with it)."""
        box = self.plot.getPlotItem().getViewBox()
        if self.labels is None or box.width() < 20 or box.height() < 20:
            return
        x_range, y_range = self.labels.fit(box.width(), box.height())
        box.setRange(xRange=x_range, yRange=y_range, padding=0)

    def reset_levels(self):
        """A new run: the colour scale may start small again."""
        self.level = 0.0

    def set_parameters(self, weights, biases):
        """Re-sort the connections into colour/width bins for these weights (biases: see the heatmaps)."""
        self.level = symmetric_level(np.concatenate([np.ravel(w) for w in weights]), self.level)
        xs, ys, keys = [], [], []
        for (k, j, x, y), W in zip(self.segments, weights):
            w = W[np.ix_(j, k)].ravel()       # the same order as the segment list
            strength = np.digitize(np.abs(w) / self.level, STRENGTH_EDGES)
            keys.append(np.where(w < 0, -1, 1) * 10 + strength)
            xs.append(x)
            ys.append(y)
        keys, xs, ys = np.concatenate(keys), np.concatenate(xs), np.concatenate(ys)
        for (sign, strength), curve in self.bins.items():
            chosen = np.repeat(keys == sign * 10 + strength, 2)
            curve.setData(xs[chosen], ys[chosen], connect="pairs")

    def _on_clicked(self, event):
        """Select the connection nearest the click (within a few pixels' worth of the layout)."""
        point = self.plot.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        l = int(np.floor(point.x()))
        if not 0 <= l < len(self.segments):
            return
        k, j, x, y = self.segments[l]
        t = point.x() - l                        # 0 at layer l, 1 at layer l + 1
        y_at = y[0::2] + t * (y[1::2] - y[0::2])  # each connection's height at the click
        nearest = int(np.argmin(np.abs(y_at - point.y())))
        if abs(y_at[nearest] - point.y()) < 0.04:
            self.connectionClicked.emit(l, int(j[nearest // len(k)]), int(k[nearest % len(k)]))

    def mark_units(self, flags):
        """Outline saturated or dead units (``flags``: per weight layer, a bool (n_out,) array) in orange."""
        if self.nodes is None:
            return
        marked = [np.zeros(len(self.segments[0][0]), bool)]   # input neurons are never flagged
        marked += [np.asarray(flag, bool)[j] for (_, j, _, _), flag in zip(self.segments, flags)]
        marked = np.concatenate(marked)
        if len(marked) == len(self.nodes.data):
            self.marks.setData(self.nodes.data["x"][marked], self.nodes.data["y"][marked])


def _node_names(sizes, shown, input_names, output_names):
    """What hovering each drawn neuron says ("input 1: sepal length (cm)", "hidden 2, neuron 5")."""
    last = len(sizes) - 1
    names = []
    for l, idx in enumerate(shown):
        given = input_names if l == 0 else output_names if l == last else ()
        title = "input" if l == 0 else "output" if l == last else f"hidden {l}, neuron"
        for i in idx:
            named = len(given) == sizes[l]
            names.append(f"{title} {i + 1}" + (f": {given[i]}" if named else ""))
    return names


def _shown(n):
    """Indices of the neurons drawn for a layer of n (all, or MAX_SHOWN evenly spaced)."""
    return np.arange(n) if n <= MAX_SHOWN else np.unique(np.linspace(0, n - 1, MAX_SHOWN).round().astype(int))


def _column_y(n, widest):
    """Vertical positions in [-0.85, 0.85] (neuron 1 at the top), spaced like the widest layer."""
    if n == 1:
        return np.zeros(1)
    half = 0.85 * (n - 1) / max(widest - 1, 1)
    return np.linspace(half, -half, n)


def _layer_segments(l, k, y_in, j, y_out):
    """Endpoints of every drawn connection from layer l to l + 1, j-major like W[j, k]."""
    n = len(j) * len(k)
    x = np.empty(2 * n)
    x[0::2], x[1::2] = l, l + 1
    y = np.empty(2 * n)
    y[0::2] = np.tile(y_in, len(j))
    y[1::2] = np.repeat(y_out, len(k))
    return k, j, x, y
