"""Is the network healthy? Gradient norms and update ratios over time, saturated and dead units, rewind.

- ‖∇Wˡ‖ per layer (log scale): a layer whose curve sinks far below the others has a
  vanishing gradient; one that shoots up is exploding.
- ‖ΔWˡ‖ / ‖Wˡ‖ per layer: the relative size of each update. Around 1e-3 is the usual
  healthy range (a dashed line marks it); far below, the layer barely learns; near 1, each
  step rewrites the layer.
- Gradient noise: the cosine between a batch's gradient and the full-batch gradient, and the
  spread of the batch gradients' norms (``core.explain.noise``) — near 1 and 0 for full batch,
  low and wide for stochastic descent.
- Per layer, the share of samples whose σ′(z) is near zero, and the units that are
  (almost) always there: saturated sigmoid/tanh units, dead ReLUs.
- Weight snapshots taken at the end of epochs; pick one and rewind to it.

The curves come from the engine's per-update record (``core.explain.updates``): a point for
every update when training is slowed down or stepped, on grids of counts at full speed.
Numbers come from ``bpstudio.core.explain``; this widget only draws them.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from bpstudio.core.explain.health import SATURATION_THRESHOLD
from bpstudio.core.explain.updates import X_AXES, row_x
from ..kit.curve_buffer import MAX_POINTS, CurveBuffer
from ..kit.plotstyle import TEXT_COLOR, make_plot, pen
from ..views.plots import list_while_drawn, x_axis_choice

HEALTHY_RATIO = 1e-3
FLAG_SHARE = 0.9          # a unit is flagged when σ′ ≈ 0 for at least this share of samples
MAX_SNAPSHOTS = 200
NOISE_NOTE = ("No gradient noise measured yet. Slow training down (Speed) or Step to measure it after every "
              "update; at full speed it is measured only every so many epochs.")
NOISE_NOTE_WIDTH = 260    # px: the note's line length in the middle of an empty noise plot


class GrowingCurves:
    """One curve per layer on a plot, fed row by row; the points live in a ``CurveBuffer`` (bounded
    memory, thinned past ``MAX_POINTS``).

    Each point keeps its update count, samples seen and training time (the buffer's first three y
    columns), so the curves can be drawn against any x axis (``core.explain.updates.row_x``).
    ``extend`` only stores; ``show`` hands the curves their data (so a hidden panel costs nothing).
    The plot may come later (``draw_on``): points are kept without one."""

    def __init__(self, plot=None, names=None, log=True, max_points=MAX_POINTS):
        self.plot, self.log, self.max_points = plot, log, max_points
        self.names = names   # one per curve; default "layer 1", "layer 2" …
        self.n_curves, self.curves, self.points = 0, [], CurveBuffer(3, max_points=max_points)

    @property
    def n(self):
        return self.points.n

    def reset(self, n_layers):
        self.n_curves = n_layers
        self.points = CurveBuffer(3 + n_layers, max_points=self.max_points)
        self._make_curves()

    def draw_on(self, plot):
        """Draw on ``plot`` from now on (the points kept so far appear at the next ``show``)."""
        self.plot = plot
        self._make_curves()

    def _make_curves(self):
        if self.plot is None:
            return
        for curve in self.curves:
            self.plot.removeItem(curve)
        names = self.names or [f"layer {l + 1}" for l in range(self.n_curves)]
        self.curves = [self.plot.plot(pen=pen(l), name=names[l]) for l in range(self.n_curves)]
        for curve in self.curves:
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)

    def extend(self, rows, values):
        """Append a point per row of ``rows`` (``UpdateLog.rows``) with ``values`` (n, n_layers), skipping
        rows whose values are all nan."""
        updates = np.asarray(rows["updates"], np.float64)
        if not len(updates):
            return
        values = np.asarray(values, np.float64).reshape(len(updates), -1)
        measured = ~np.isnan(values).all(axis=1)
        where = np.column_stack([updates, rows["samples"], rows["seconds"]])
        self.points.extend(updates[measured], np.hstack([where, values])[measured])

    def xs(self, axis="updates", n_train=1):
        """x of the stored points on ``axis`` (a key of ``X_AXES``)."""
        where = self.points.y[:, :3]
        return row_x(axis, {"updates": where[:, 0], "samples": where[:, 1], "seconds": where[:, 2]}, n_train)

    def show(self, axis="updates", n_train=1):
        x = self.xs(axis, n_train)
        for l, curve in enumerate(self.curves):
            y = self.points.y[:, 3 + l]
            curve.setData(x, np.maximum(y, 1e-30) if self.log else y)   # log axis: no zeros
            list_while_drawn(self.plot, curve, curve.name(), self.n > 0)

    def data(self, layer, axis="updates", n_train=1):
        return self.xs(axis, n_train), self.points.y[:, 3 + layer].copy()


def _log_plot(title, left):
    plot = make_plot(title, "weight updates", left, legend="below")
    plot.setLogMode(y=True)
    return plot


class HealthPanel(QWidget):
    """Feed it with ``reset``, ``set_n_train``, ``add_rows``, ``set_saturation`` and ``add_snapshot``; ``refresh`` redraws.

    The curves are drawn against the "Health x axis" choice (epochs, updates, samples seen, seconds).

    Feeding only stores, so it is cheap at snapshot rate; call ``refresh`` (throttled, when visible) to draw.

    ``rewindRequested(epoch, params)`` asks the owner to load an earlier snapshot into
    the network (the owner knows whether training is running).
    """

    rewindRequested = Signal(int, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.n_train = 1
        self.x_axis = x_axis_choice("Health x axis", "Draw the health curves against epochs, weight updates, "
                                                     "samples seen or training time")
        self.x_axis.setCurrentText("updates")   # health is a per-update record
        self.x_axis.currentTextChanged.connect(lambda _: self._show_curves())
        self.norms, self.ratios = GrowingCurves(), GrowingCurves()
        self.noise = GrowingCurves(names=("cos(batch, full)", "norm spread"), log=False)
        self._plots = None   # made when first painted or used (``plots``)
        self.snapshots = {}
        # Side by side, so the plots keep their height in a short dock.
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        axis_row = QHBoxLayout()
        axis_row.addWidget(QLabel("X axis"))
        axis_row.addWidget(self.x_axis, 1)
        column.addLayout(axis_row)
        column.addWidget(self._saturation_box(), 1)
        column.addWidget(self._rewind_box())
        side.setMinimumWidth(230)
        side.setMaximumWidth(420)
        self.panes = QSplitter(Qt.Horizontal)
        self.panes.addWidget(side)
        QVBoxLayout(self).addWidget(self.panes)
        self.reset(0)

    @property
    def plots(self):
        """The gradient-norm, update-size and noise plots, made on first use: with their curves they were
        ~0.1 s of start-up for a tab behind Weights. What was fed before is drawn on them at once."""
        if self._plots is None:
            self._plots = self._make_plots()
            for curves, plot in zip((self.norms, self.ratios, self.noise), self._plots):
                curves.draw_on(plot)
            self._show_curves()
        return self._plots

    norm_plot = property(lambda self: self.plots[0])
    ratio_plot = property(lambda self: self.plots[1])
    noise_plot = property(lambda self: self.plots[2])

    def paintEvent(self, event):
        # A tab behind another gets a show event too, but no paint: the first paint is when a person sees it.
        super().paintEvent(event)
        if self._plots is None:
            QTimer.singleShot(0, self, lambda: self.plots)

    def _make_plots(self):
        # Short titles (the axes say what is plotted): the plots can then give the table room. The curves
        # run through every corner sooner or later: the legends are rows under the plots, not over them.
        norm_plot = _log_plot("Gradient norm", "‖∇Wˡ‖")
        ratio_plot = _log_plot("Update size", "‖ΔWˡ‖ / ‖Wˡ‖")
        healthy = pg.mkPen("#888", width=1, style=Qt.DashLine)
        ratio_plot.addItem(pg.InfiniteLine(np.log10(HEALTHY_RATIO), angle=0, pen=healthy))
        ratio_plot.plot(pen=healthy, name="healthy ≈ 1e-3")   # named in the legend: a label on the line hid curves
        noise_plot = make_plot("Gradient noise", "weight updates", "batch vs full batch", legend="below")
        noise_plot.getPlotItem().getViewBox().setLimits(yMin=-1.05)   # a cosine is ≥ −1; the spread ≥ 0
        noise_plot.setToolTip("cos: how well a batch's gradient points along the full-batch gradient (1 = exactly).\n"
                              "spread: std of the batch gradients' norms ÷ the full gradient's norm (0 = none).\n"
                              "Measured after every update when training is slowed down (Speed) or stepped; at full\n"
                              "speed only every so many epochs, so that it takes about 2 % of the training work.")
        # An empty plot says why it is empty: at full speed a short run measures no noise at all.
        self.noise_note = pg.TextItem(html=f"<div style='text-align:center; color:{TEXT_COLOR}'>{NOISE_NOTE}</div>",
                                      anchor=(0.5, 0.5))
        view = noise_plot.getPlotItem().getViewBox()
        self.noise_note.setParentItem(view)   # in the view box's pixels, not the data's: centred whatever the range
        view.sigResized.connect(self._place_noise_note)
        plots = (norm_plot, ratio_plot, noise_plot)
        for index, plot in enumerate(plots):
            self.panes.insertWidget(index, plot)
        for index, stretch in enumerate((3, 3, 3, 2)):
            self.panes.setStretchFactor(index, stretch)
        return plots

    def _place_noise_note(self, view):
        width = view.width()
        self.noise_note.textItem.setTextWidth(max(min(NOISE_NOTE_WIDTH, 0.9 * width), 1))
        self.noise_note.setPos(width / 2, view.height() / 2)

    def _saturation_box(self):
        box = QGroupBox("Saturated and dead units")
        box.setToolTip(f"σ′ ≈ 0: σ′(z) within {SATURATION_THRESHOLD:.0%} of zero (relative to its peak). Units listed "
                       f"are there for at least {FLAG_SHARE:.0%} of the samples; a ReLU there for all of them is dead.")
        self.saturation = QTableWidget(0, 3)
        self.saturation.setAccessibleName("Saturated units")
        self.saturation.setHorizontalHeaderLabels(["Layer", "σ′ ≈ 0", "stuck neurons"])
        self.saturation.horizontalHeader().setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.saturation.verticalHeader().setVisible(False)
        self.saturation.horizontalHeader().setStretchLastSection(True)
        self.saturation.setWordWrap(True)
        QVBoxLayout(box).addWidget(self.saturation)
        return box

    def _rewind_box(self):
        box = QGroupBox("Weight snapshots")
        self.snapshot_choice = QComboBox()
        self.snapshot_choice.setAccessibleName("Snapshot")
        self.rewind_button = QPushButton("Rewind")
        self.rewind_button.setAccessibleName("Rewind")
        self.rewind_button.clicked.connect(self._rewind)
        layout = QVBoxLayout(box)
        note = QLabel("Weights at the end of each epoch; Rewind loads them (when paused or stopped).")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.snapshot_choice)
        layout.addWidget(self.rewind_button)
        layout.addStretch(1)
        return box

    # --- inputs ------------------------------------------------------------------

    def reset(self, n_layers):
        """Start over for a network with ``n_layers`` weight layers (clears curves and snapshots)."""
        self.norms.reset(n_layers)
        self.ratios.reset(n_layers)
        self.noise.reset(2)
        self.snapshots.clear()
        self.snapshot_choice.clear()
        self.saturation.setRowCount(0)
        self._listed = []   # the epochs the snapshot list shows
        self._show_curves()   # empty: no legend entries for curves without points

    def set_n_train(self, n_train):
        """Training samples of the run: samples seen over it are the "epochs" x axis."""
        self.n_train = max(int(n_train), 1)
        self._show_curves()

    def add_rows(self, rows):
        """Rows of the engine's per-update record (``UpdateLog.rows``): norms, ratios and gradient noise."""
        self.norms.extend(rows, rows["grad_norm"])
        self.ratios.extend(rows, rows["update_ratio"])
        self.noise.extend(rows, np.column_stack([rows["cosine"], rows["norm_spread"]]))

    def set_saturation(self, shares, activations):
        """``shares``: per layer, a (n_out,) array from ``core.health.saturation`` (nan where σ′ has no plateau)."""
        self.saturation.setRowCount(len(shares))
        for l, (share, act) in enumerate(zip(shares, activations)):
            cells = [f"{l + 1} {act}", *_describe(share, act)]
            for column, text in enumerate(cells):
                self.saturation.setItem(l, column, QTableWidgetItem(text))
        self.saturation.resizeColumnToContents(0)
        self.saturation.resizeColumnToContents(1)
        self.saturation.resizeRowsToContents()

    def add_snapshot(self, epoch, params):
        """Keep a copy of the parameters at the end of ``epoch`` (thinned to ``MAX_SNAPSHOTS``)."""
        self.snapshots[int(epoch)] = np.array(params, copy=True)
        if len(self.snapshots) > MAX_SNAPSHOTS:
            for old in sorted(self.snapshots)[1:-1:2]:   # keep the first and the latest
                del self.snapshots[old]

    def refresh(self):
        """Draw what was fed since the last refresh: the curves and the list of snapshots."""
        self._show_curves()
        epochs = sorted(self.snapshots, reverse=True)
        if epochs != self._listed:
            self._listed = epochs
            self.snapshot_choice.clear()
            self.snapshot_choice.addItems([f"epoch {e}" for e in epochs])

    def _show_curves(self):
        if self._plots is None:
            return   # nothing drawn yet: the plots draw what was fed when they are made
        axis = self.x_axis.currentText()
        for plot in self._plots:
            plot.getPlotItem().setLabel("bottom", X_AXES[axis], color=TEXT_COLOR)
        for curves in (self.norms, self.ratios, self.noise):
            curves.show(axis, self.n_train)
        self.noise_note.setVisible(self.noise.n == 0)

    def set_rewind_enabled(self, enabled):
        self.rewind_button.setEnabled(enabled)

    def _rewind(self):
        if self.snapshot_choice.currentIndex() < 0:
            return
        epoch = self._listed[self.snapshot_choice.currentIndex()]
        self.rewindRequested.emit(epoch, self.snapshots[epoch].copy())


def flagged_units(shares):
    """Per layer, a bool (n_out,) array: units whose σ′ ≈ 0 for at least FLAG_SHARE of the samples."""
    return [np.nan_to_num(share, nan=0.0) >= FLAG_SHARE for share in shares]


def _describe(share, activation):
    """(mean share text, flagged units text) for one layer."""
    if np.isnan(share).all():
        return "—", f"not measured for {activation}"
    flagged = np.flatnonzero(flagged_units([share])[0])
    dead = "dead" if activation == "relu" else "saturated"
    units = ", ".join(f"{j + 1} ({dead if share[j] == 1.0 else f'{share[j]:.0%}'})" for j in flagged[:12])
    more = f" … and {len(flagged) - 12} more" if len(flagged) > 12 else ""
    return f"{np.mean(share):.0%}", (units + more) if len(flagged) else "none"
