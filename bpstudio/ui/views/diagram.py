"""The network as a diagram: neurons in columns, connections coloured and thickened by weight.

Connections are drawn as a few line items, one per (sign, strength) bin, each
holding all its segments; a snapshot only re-sorts segments into bins. Layers
wider than MAX_SHOWN neurons show an evenly spaced subset (the label says so).

"Play step" (or "Animate updates" while training slowly) plays one update as frames from
``core.explain.animation``: neurons coloured by their activation, then by δ, connections by
∂C/∂W, then by ΔW. Clicking a neuron or a connection asks for its formula in the Inspector.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..kit.plotstyle import plain_plot_widget
from .diagram_labels import DiagramLabels
from .heatmaps import COLORMAP, symmetric_level

MAX_SHOWN = 24                    # neurons drawn per layer
STRENGTH_EDGES = (0.15, 0.5)      # |w| / level boundaries between thin, medium and thick lines
WIDTHS = (1, 1, 2)
FRAME_MS = 350                    # per animation frame when played on demand
NODE_PICK_PX = 9                  # a click this close to a neuron's centre selects the neuron


class DiagramView(QWidget):
    """Neurons and connections (coloured by sign, paler when |w| is small, thicker when it is large)."""

    connectionClicked = Signal(int, int, int)   # weight layer, j, k (0-based) of the clicked connection
    neuronClicked = Signal(int, int, str)       # layer (0 = input), neuron j (0-based), "a" or "delta"
    playRequested = Signal()                    # "Play step": the owner hands frames to ``play``

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Network diagram")
        self.plot = plain_plot_widget()
        self.plot.setAccessibleName("Network diagram plot")
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._animation_row())
        layout.addWidget(self.plot, 1)
        self.frames, self.frame_index, self.current = [], -1, None
        self.timer = QTimer(self, timeout=self._next_frame)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        item.getViewBox().sigResized.connect(self._fit_labels)
        self.labels = None
        self.cmap = pg.colormap.get(COLORMAP)
        self.level = 0.0   # the colour scale only grows, so colours keep their meaning
        self.bins = {}          # (sign, strength) -> PlotCurveItem
        self._binned = {}       # per curve: the connections it draws (a mask over the segments)
        self.nodes = None
        self.segments = []      # per layer: (shown k, shown j, x pairs, y pairs)

    def _animation_row(self):
        self.animate = QCheckBox("Animate updates")
        self.animate.setAccessibleName("Animate updates")
        self.animate.setToolTip("At 1 update/s, and after each Step, play every update: forward, backward, change")
        self.play_button = QPushButton("Play step")
        self.play_button.setAccessibleName("Play step")
        self.play_button.setToolTip("Play the last update: forward pass, δ flowing back, the weights changing")
        self.play_button.clicked.connect(lambda: self.stop_animation() if self.animating else self.playRequested.emit())
        self.caption = QLabel("")
        self.caption.setAccessibleName("Animation caption")
        self.caption.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.animate)
        top.addWidget(self.play_button)
        column = QVBoxLayout()
        column.addLayout(top)
        column.addWidget(self.caption)
        return column

    @property
    def animating(self):
        return self.timer.isActive()

    def play(self, frames, interval_ms=FRAME_MS):
        """Show ``frames`` (core.explain.animation.Frame) one after another, then the weights again."""
        self.frames, self.frame_index = frames, -1
        self.timer.start(max(30, int(interval_ms)))
        self._set_play_text("Stop animation")
        self._next_frame()

    def stop_animation(self):
        """End the animation now and show the latest weights."""
        if not self.frames:
            return
        self.timer.stop()
        self.frames, self.frame_index = [], -1
        self._set_play_text("Play step")
        self.caption.setText("")
        if self.current is not None:
            self._draw_edges(self.current)
        self._color_nodes(None)

    def _set_play_text(self, text):
        self.play_button.setText(text)
        self.play_button.setAccessibleName(text)

    def _next_frame(self):
        self.frame_index += 1
        if self.frame_index >= len(self.frames):
            self.stop_animation()
            return
        frame = self.frames[self.frame_index]
        self.caption.setText(frame.caption)
        if self.current is not None:
            self._draw_edges([w if e is None else e for w, e in zip(self.current, frame.edges)],
                             own_levels=[e is not None for e in frame.edges])
        self._color_nodes(frame.nodes)

    @property
    def phase(self):
        """"forward", "backward", "update" or "done" while animating, "" otherwise."""
        return self.frames[self.frame_index].phase if 0 <= self.frame_index < len(self.frames) else ""

    def _color_nodes(self, values):
        """Fill each drawn neuron by its value in ``values`` (per layer, or None: white)."""
        if self.nodes is None:
            return
        brushes = []
        for l, idx in enumerate(self.shown):
            layer = None if values is None else values[l]
            if layer is None:
                brushes += [pg.mkBrush("w")] * len(idx)
                continue
            level = max(float(np.max(np.abs(layer))), 1e-12)
            brushes += [pg.mkBrush(self.cmap.map(0.5 + 0.5 * float(layer[i]) / level, mode="qcolor")) for i in idx]
        self.nodes.setBrush(brushes)

    def set_network(self, sizes, input_names=(), output_names=()):
        """Lay out the neurons and create the line items for a network with these sizes."""
        item = self.plot.getPlotItem()
        item.clear()
        self.level = 0.0
        self.current = None
        self.stop_animation()
        shown = self.shown = [_shown(n) for n in sizes]
        ys = [_column_y(len(idx), max(len(s) for s in shown)) for idx in shown]
        self.segments = [_layer_segments(l, shown[l], ys[l], shown[l + 1], ys[l + 1]) for l in range(len(sizes) - 1)]
        self.bins, self._binned = {}, {}   # _binned: per curve, the connections it draws (a mask)
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
        self.current = [np.array(W) for W in weights]
        if not self.animating:   # an animation shows its own frame; it ends on the latest weights
            self._draw_edges(self.current)

    def _draw_edges(self, matrices, own_levels=None):
        """Bin every drawn connection by the sign and size of its value in ``matrices`` (per weight layer);
        where ``own_levels[l]``, layer l is scaled by its own largest value (a gradient, a change)."""
        xs, ys, keys = [], [], []
        for l, ((k, j, x, y), W) in enumerate(zip(self.segments, matrices)):
            w = W[np.ix_(j, k)].ravel()       # the same order as the segment list
            level = max(float(np.max(np.abs(w))), 1e-300) if own_levels and own_levels[l] else self.level or 1.0
            strength = np.digitize(np.abs(w) / level, STRENGTH_EDGES)
            keys.append(np.where(w < 0, -1, 1) * 10 + strength)
            xs.append(x)
            ys.append(y)
        keys, xs, ys = np.concatenate(keys), np.concatenate(xs), np.concatenate(ys)
        for (sign, strength), curve in self.bins.items():
            chosen = np.repeat(keys == sign * 10 + strength, 2)
            # Between frames most connections keep their bin: a bin whose members did not change keeps
            # its curve (and pyqtgraph its path), so a frame repaints only what moved.
            if not np.array_equal(chosen, self._binned.get(curve)):
                self._binned[curve] = chosen
                curve.setData(xs[chosen], ys[chosen], connect="pairs")

    def _on_clicked(self, event):
        """Select the neuron under the click, else the connection nearest it (within a few pixels' worth)."""
        if self._pick_neuron(event.scenePos()):
            return
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

    def _pick_neuron(self, scene_pos):
        if self.nodes is None or not len(self.nodes.data):
            return False
        box = self.plot.getPlotItem().getViewBox()
        centres = [box.mapViewToScene(pg.Point(float(x), float(y))) for x, y in
                   zip(self.nodes.data["x"], self.nodes.data["y"])]
        distance = [np.hypot(c.x() - scene_pos.x(), c.y() - scene_pos.y()) for c in centres]
        nearest = int(np.argmin(distance))
        if distance[nearest] > NODE_PICK_PX:
            return False
        sizes = np.cumsum([len(idx) for idx in self.shown])
        layer = int(np.searchsorted(sizes, nearest, side="right"))
        j = self.shown[layer][nearest - (sizes[layer - 1] if layer else 0)]
        self.neuronClicked.emit(layer, int(j), "delta" if self.phase == "backward" else "a")
        return True

    def node_position(self, layer, j):
        """Scene position of neuron j of ``layer`` (for tests and tools)."""
        index = sum(len(idx) for idx in self.shown[:layer]) + int(np.flatnonzero(self.shown[layer] == j)[0])
        box = self.plot.getPlotItem().getViewBox()
        return box.mapViewToScene(pg.Point(float(self.nodes.data["x"][index]), float(self.nodes.data["y"][index])))

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
