"""One heatmap per weight layer, with its biases beside it.

Row j, column k of layer l's image is wˡⱼₖ, the weight from neuron k of the
previous layer to neuron j of this one (W is (n_out, n_in)). The colour map is
diverging (blue negative, white zero, red positive) with fixed symmetric levels
±m: m only grows, in steps, so colours keep their meaning while a run goes on.

"Show: last change" draws ΔW of the last update instead, on symmetric levels of
its own (a step is a thousand times smaller than the weights). In either mode the
cells the last update changed by at least one colour step are outlined, so a
Step shows where it acted even when the colours barely move.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QRadioButton, QScrollArea, QVBoxLayout, QWidget

from bpstudio.core.explain.notation import subscript, superscript

from ..kit.plotstyle import add_plain_plot

COLORMAP = "CET-D1"
COLOR_STEPS = 128     # one colour step of the map is level / COLOR_STEPS (256 colours over ±level)
MAX_OUTLINED = 4096   # cells per layer beyond which changed cells are not outlined (too many to read)


class CellImage(pg.ImageItem):
    """A matrix drawn cell by cell: cell (j, k) is centred on (k, j) counted from 1, so the axes read
    neuron numbers; colours on fixed symmetric levels ±level."""

    def __init__(self, n_cols, n_rows, cmap):
        super().__init__(axisOrder="row-major")
        self.setColorMap(cmap)
        self.cell_rect = QRectF(0.5, 0.5, n_cols, n_rows)

    def show_cells(self, values, level):
        self.setImage(np.ascontiguousarray(values, dtype=np.float32), levels=(-level, level), rect=self.cell_rect)


def symmetric_level(values, current=0.0):
    """The level m for ±m colour limits: at least max |value|, rounded up to 1, 2 or 5 × 10ⁿ; never shrinks."""
    peak = float(np.max(np.abs(values))) if np.size(values) else 0.0
    if not np.isfinite(peak) or peak <= current:
        return current or 1.0
    exponent = np.floor(np.log10(peak))
    for step in (1, 2, 5, 10):
        level = step * 10.0 ** exponent
        if level >= peak:
            return float(level)
    return peak


def integer_ticks(n, most=6):
    """Axis ticks at multiples of a round step (1, 2, 5, 10, 20 …) and at neuron 1, at most ~``most``."""
    step = next(s * 10 ** e for e in range(12) for s in (1, 2, 5) if s * 10 ** e * most >= n)
    first = [1] if step == 1 or step >= 5 else []   # "1" right beside "2" would crowd the axis
    return [(i, str(i)) for i in sorted({*first, *range(step, n + 1, step)})]


HOVER_HINT = "Hover a cell to read its weight."

class WeightsView(QWidget):
    """Heatmaps of every Wˡ and bˡ; hovering a cell shows wⱼₖ in the line below."""

    weightClicked = Signal(int, int, int)   # weight layer, j, k (0-based array indices)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Weights")
        self.setObjectName("Weights")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName("Weight heatmaps")
        self.hover = QLabel(HOVER_HINT)
        self.hover.setAccessibleName("Weight under the pointer")
        # Many layers need more width than the dock may have: then the heatmaps scroll sideways.
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.graphics)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._mode_row())
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.hover)
        self.cmap = pg.colormap.get(COLORMAP)
        self.level = 1.0
        self.change = None      # (ΔW list, Δb list) of the last update, or None
        self.outlines = True    # off while training at full speed: thousands of outlines a frame cost too much
        self._bar = None        # (level, label) the colour bar shows
        self.layers = []        # per layer: (weight PlotItem, weight ImageItem, bias PlotItem, bias ImageItem)
        self.weights, self.biases, self.hovered = [], [], None   # hovered: (l, j, k, is_bias) of the hover line
        self.colorbar = None
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def _mode_row(self):
        row = QHBoxLayout()
        row.addWidget(QLabel("Show:"))
        self.mode_buttons = QButtonGroup(self)
        for text, tip in (("weights", "Colour each cell by its weight"),
                          ("last change", "Colour each cell by how much the last update changed it (ΔW)")):
            button = QRadioButton(text)
            button.setAccessibleName(text)
            button.setObjectName(text)
            button.setToolTip(tip)
            self.mode_buttons.addButton(button)
            row.addWidget(button)
        self.mode_buttons.buttons()[0].setChecked(True)
        self.mode_buttons.buttonToggled.connect(lambda button, on: on and self._redraw())
        self.legend = QLabel("Outlined: cells the last update changed by at least one colour step")
        self.legend.setAccessibleName("Heatmap legend")
        self.legend.setWordWrap(True)   # wraps in a narrow dock instead of widening the window
        row.addWidget(self.legend, 1)
        return row

    def set_outlines(self, on):
        """Outline changed cells (True when a person can follow each update: paused, stepping, slowed down)."""
        self.outlines = on
        self.legend.setVisible(on)

    @property
    def showing_change(self):
        return self.mode_buttons.buttons()[1].isChecked()

    def set_network(self, sizes):
        """Create the items for a network with these layer sizes (once per architecture)."""
        self.graphics.clear()
        self.graphics.ci.layout.setHorizontalSpacing(10)
        self.layers, self.level, self.hovered = [], 0.0, None
        self.hover.setText(HOVER_HINT)   # a value read from the old network would be stale
        self.outline_items, self.changed = {}, {}   # per ImageItem: its outline item, its (rows, cols) outlined
        pairs = list(zip(sizes[:-1], sizes[1:]))
        for l, (n_in, n_out) in enumerate(pairs):
            self.layers.append(self._add_layer(l, n_in, n_out, col=2 * l))
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                        width=14, label="ΔW of the last update" if self.showing_change else "weight")
        self.colorbar.setImageItem([item for layer in self.layers for item in (layer[1], layer[3])])
        self.graphics.addItem(self.colorbar, row=0, col=2 * len(pairs))
        self._bar = None
        minimum = self.graphics.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        self.graphics.setMinimumWidth(int(minimum) + 8)

    def _add_layer(self, l, n_in, n_out, col):
        # Small titles, and the "to neuron j" label on the first layer only, so that several
        # layers fit side by side in a narrow dock.
        # view boxes without their context menu (switched off below anyway): ~10 ms less each at start-up
        w_plot = add_plain_plot(self.graphics, row=0, col=col, viewBox=pg.ViewBox(enableMenu=False))
        w_plot.setTitle(f"W{superscript(l + 1)} ({n_out}×{n_in})", size="9pt")
        w_plot.setLabel("bottom", "from neuron k")
        if l == 0:
            w_plot.setLabel("left", "to neuron j")
        for axis, n in (("bottom", n_in), ("left", n_out)):
            w_plot.getAxis(axis).setTicks([integer_ticks(n)])
            w_plot.getAxis(axis).setStyle(hideOverlappingLabels=False)   # keep the last neuron's number
        b_plot = add_plain_plot(self.graphics, row=0, col=col + 1, viewBox=pg.ViewBox(enableMenu=False))
        b_plot.setTitle(f"b{superscript(l + 1)}", size="9pt")
        b_plot.setMaximumWidth(44)
        b_plot.hideAxis("left")
        b_plot.setLabel("bottom", "bias")   # a bottom axis like W's keeps both rows of cells aligned
        b_plot.getAxis("bottom").setTicks([[(1, " ")]])
        items = []
        for plot, width in ((w_plot, n_in), (b_plot, 1)):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getViewBox().invertY(True)   # neuron 1 at the top, like a matrix
            image = CellImage(width, n_out, self.cmap)
            plot.addItem(image)
            plot.setRange(xRange=(0.5, width + 0.5), yRange=(0.5, n_out + 0.5), padding=0)
            # Squares drawn as line pairs, one item per heatmap (a scatter of squares sized in data
            # units crashed the interpreter at exit).
            outline = pg.PlotCurveItem(pen=pg.mkPen("#202020", width=1), connect="pairs")
            plot.addItem(outline)
            self.outline_items[image] = outline
            items.append(image)
        return w_plot, items[0], b_plot, items[1]

    def reset_levels(self):
        """A new run: the colour scale may start small again."""
        self.level = 0.0

    def set_parameters(self, weights, biases, change=None):
        """Show new weights (per-layer (n_out, n_in) arrays) and biases; ``change``: (ΔW list, Δb list)
        of the last update (None before the first)."""
        self.weights, self.biases, self.change = weights, biases, change
        self.level = symmetric_level(np.concatenate([np.ravel(w) for w in (*weights, *biases)]), self.level)
        self._redraw()

    def _redraw(self):
        """Draw the weights or their last change, with the changed cells outlined."""
        if not self.weights:
            return
        no_change = ([np.zeros_like(W) for W in self.weights], [np.zeros_like(b) for b in self.biases])
        change = self.change or no_change
        if self.showing_change:
            shown, label = change, "ΔW of the last update"
            level = symmetric_level(np.concatenate([np.ravel(v) for v in (*change[0], *change[1])]))
        else:
            shown, level, label = (self.weights, self.biases), self.level, "weight"
        if self._bar != (level, label):   # the bar re-renders every image: only when it changes
            self._bar = (level, label)
            self.colorbar.setLevels((-level, level))
            self.colorbar.getAxis("left").setLabel(label)   # where ColorBarItem puts its label
        outlined = self.outlines and self.change is not None
        for l, (_, w_image, _, b_image) in enumerate(self.layers):
            for image, values, delta in ((w_image, shown[0][l], change[0][l]),
                                         (b_image, shown[1][l][:, None], change[1][l][:, None])):
                image.show_cells(values, level)
                self.changed[image] = _outline(self.outline_items[image], delta if outlined else None,
                                               level / COLOR_STEPS)
        if self.hovered is not None:   # the line under the heatmaps follows the weight it reads
            self.hover.setText(self.describe(*self.hovered) or HOVER_HINT)

    def changed_cells(self, layer):
        """(rows, columns) the outline marks in weight layer ``layer`` (0-based array indices)."""
        empty = np.empty(0, int)
        return self.changed.get(self.layers[layer][1], (empty, empty))

    def _on_mouse_moved(self, pos):
        for l, (w_plot, _, b_plot, _) in enumerate(self.layers):
            for plot, is_bias in ((w_plot, False), (b_plot, True)):
                if plot.sceneBoundingRect().contains(pos):
                    point = plot.getViewBox().mapSceneToView(pos)
                    self.hovered = (l, round(point.y()), round(point.x()), is_bias)
                    self.hover.setText(self.describe(*self.hovered))
                    return

    def _on_mouse_clicked(self, event):
        """A click on a weight cell selects that weight (the inspector shows its chain rule)."""
        pos = event.scenePos()
        for l, (w_plot, _, _, _) in enumerate(self.layers):
            if w_plot.sceneBoundingRect().contains(pos) and l < len(self.weights):
                point = w_plot.getViewBox().mapSceneToView(pos)
                j, k = round(point.y()), round(point.x())   # neuron numbers, from 1
                if 1 <= j <= self.weights[l].shape[0] and 1 <= k <= self.weights[l].shape[1]:
                    self.weightClicked.emit(l, j - 1, k - 1)
                return

    def describe(self, l, j, k, is_bias=False):
        """The text for cell (j, k) of layer l (1-based neuron numbers), or "" outside the matrix."""
        if l >= len(self.weights):
            return ""
        W, b = self.weights[l], self.biases[l]
        if not 1 <= j <= W.shape[0]:
            return ""
        if is_bias:
            return f"b{superscript(l + 1)}{subscript(j)} = {b[j - 1]:+.4f}   (bias of neuron {j} in layer {l + 1})"
        if not 1 <= k <= W.shape[1]:
            return ""
        text = (f"w{superscript(l + 1)}{subscript(j)},{subscript(k)} = {W[j - 1, k - 1]:+.4f}   "
                f"(from neuron {k} of layer {l} to neuron {j} of layer {l + 1})")
        if self.change is not None:
            text += f"   last change {self.change[0][l][j - 1, k - 1]:+.3g}"
        return text


def _outline(item, delta, step):
    """Outline the cells where |delta| ≥ step (one colour step); nothing without a change or for huge layers.
    Returns the (rows, columns) outlined."""
    if delta is None or delta.size > MAX_OUTLINED:
        if item.xData is not None and len(item.xData):   # an empty curve set again still re-bounds its plot
            item.setData([], [])
        return np.empty(0, int), np.empty(0, int)
    rows, cols = np.nonzero(np.abs(delta) >= step)
    x, y, h = cols + 1.0, rows + 1.0, 0.43   # cell k is centred on neuron number k
    corners_x = np.stack([x - h, x + h, x + h, x - h], axis=1)
    corners_y = np.stack([y - h, y - h, y + h, y + h], axis=1)
    following = [1, 2, 3, 0]   # each side joins a corner to the next one
    xs = np.stack([corners_x, corners_x[:, following]], axis=2).ravel()
    ys = np.stack([corners_y, corners_y[:, following]], axis=2).ravel()
    item.setData(xs, ys, connect="pairs")
    return rows, cols
