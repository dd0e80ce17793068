"""Curves over time: cost and accuracy per epoch (and the cost after every update), and the
gradient norm of every layer.

The x axis is the user's choice — epochs, updates, samples seen or seconds of training — so
runs with different batch modes can be compared on the axis that shows the lesson (per
epoch, full batch looks as good as stochastic; per update or per sample it does not).

Items are created once; a growing curve lives in a buffer that doubles (and is
thinned past ``MAX_POINTS``, so memory stays bounded: ``kit.curve_buffer``), and pyqtgraph downsamples
and clips to the visible range, so a run of 100 000 epochs redraws as fast as
one of 100.
"""

import numpy as np
import pyqtgraph as pg

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bpstudio.core.explain.notation import superscript
from bpstudio.core.explain.updates import X_AXES, epoch_x, row_x
from bpstudio.core.train.series import Series
from ..kit.curve_buffer import MAX_POINTS, CurveBuffer
from ..kit.fitted_label import FittedLabel
from ..kit.plotstyle import PALETTE, TEXT_COLOR, make_plot, readable_height

TRAIN_COLOR, VAL_COLOR = PALETTE[0], PALETTE[1]
UPDATE_COLOR = "#9ab8d8"   # the per-update cost: a paler blue under the per-epoch curves


class GrowingCurve:
    """A plot item and the ``CurveBuffer`` of its points; ``extend`` stores, ``show`` draws.

    float32 by default: what pyqtgraph draws fastest, and half the memory."""

    def __init__(self, item, dtype=np.float32, max_points=MAX_POINTS):
        self.item = item
        self.points = CurveBuffer(dtype=dtype, max_points=max_points)
        self.item.setData([], [])

    @property
    def last(self):
        return self.points.last

    def clear(self):
        self.points.clear()
        self.item.setData([], [])

    def extend(self, xs, ys):
        """Append points (no redraw; call ``show`` once after the batch of appends)."""
        self.points.extend(xs, ys)

    def show(self):
        """Draw the stored points, ending at the newest point added even when thinning skipped it."""
        x, y, last = self.points.x, self.points.y, self.points.last
        if last is not None and (len(x) == 0 or last[0] != x[-1]):
            x, y = np.append(x, last[0]), np.append(y, last[1])
        self.item.setData(x, y)


def settle(widget):
    """Apply the new auto-range now: left to the paint, it changes the axes mid-paint and
    pyqtgraph paints the whole plot a second time."""
    widget.getPlotItem().getViewBox().prepareForPaint()


def x_axis_choice(name, tip):
    """The choice of x axis (epochs, updates, samples seen, seconds) that the cost plot, Runs and Health
    each offer, labelled ``name``; ``core.explain.updates`` turns a choice into x values."""
    box = QComboBox()
    box.addItems(list(X_AXES))
    box.setAccessibleName(name)
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    box.setToolTip(tip)
    return box


def list_while_drawn(widget, item, name, has_points):
    """``item`` in ``widget``'s legend only while it has points: an entry for an empty curve names
    something the plot does not show (the per-update cost at full speed, gradient noise not measured)."""
    legend = getattr(widget, "getPlotItem", lambda: widget)().legend   # a PlotWidget or its PlotItem
    if legend is None:
        return
    listed = legend.getLabel(item) is not None
    if has_points and not listed:
        legend.addItem(item, name)
    elif listed and not has_points:
        legend.removeItem(item)


def add_curve(widget, name, color, style=None, dtype=np.float32):
    pen = pg.mkPen(color, width=1)
    if style is not None:
        pen.setStyle(style)
    return GrowingCurve(widget.getPlotItem().plot([], [], pen=pen, name=name), dtype)


class CurvesView(QWidget):
    """Cost (train and validation, optional log scale, optionally after every update) and accuracy,
    against epochs, updates, samples seen or seconds ("X axis").

    Cost above accuracy when both keep a readable height (``readable_height``: several numbers on
    each y axis), else side by side: the raised Inspector leaves the plots a strip ~180 px high at
    1280×800, where the accuracy plot under the cost plot had no plot area left and no numbers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cost_plot = make_plot("Cost", "epoch", "cost (mean per sample)", legend=True, name="Cost plot",
                                   short_left="cost")
        self.accuracy_plot = make_plot("Accuracy", "epoch", "accuracy (%)", legend=True, name="Accuracy plot",
                                       legend_offset=(-10, -10))
        self.accuracy_plot.setYRange(0, 100, padding=0.02)
        self.accuracy_plot.getPlotItem().enableAutoRange(y=False)
        self.accuracy_plot.getPlotItem().getViewBox().setLimits(yMin=-5, yMax=105)
        # float64 x: updates and samples outgrow float32's exact integers (2²⁴) in a long run
        self.per_update = add_curve(self.cost_plot, "after each update", UPDATE_COLOR, dtype=np.float64)
        self.cost = {"train": add_curve(self.cost_plot, "train", TRAIN_COLOR, dtype=np.float64),
                     "val": add_curve(self.cost_plot, "validation", VAL_COLOR, dtype=np.float64)}
        self.accuracy = {"train": add_curve(self.accuracy_plot, "train", TRAIN_COLOR, dtype=np.float64),
                         "val": add_curve(self.accuracy_plot, "validation", VAL_COLOR, dtype=np.float64)}
        self.log_y = QCheckBox("Log scale")
        self.log_y.setAccessibleName("Log scale")
        self.log_y.setToolTip("Show the cost on a logarithmic axis (small late improvements become visible)")
        self.log_y.toggled.connect(lambda on: self.cost_plot.getPlotItem().setLogMode(y=on))
        self.show_updates = QCheckBox("Cost per update")
        self.show_updates.setAccessibleName("Cost per update")
        self.show_updates.setToolTip("Also draw the cost after every weight update (on a fixed sample of up to "
                                     "256 training samples), not only at the end of each epoch. Recorded when "
                                     "training is slowed down (Speed) or stepped")
        self.show_updates.setChecked(True)
        self.show_updates.toggled.connect(self._rebuild)
        self.x_axis = x_axis_choice("X axis", "What the curves are drawn against")
        self.x_axis.currentTextChanged.connect(self._rebuild)
        # A long readout is said shorter, then cut with "…" (the whole of it in the tooltip), rather
        # than widening the window. Not word wrap: a wrapping label makes the scroll area around the
        # plots size them by their preferred height, so the accuracy plot fell below the fold.
        self.readout = FittedLabel()
        self.readout.setAccessibleName("Last costs")
        controls = QHBoxLayout()   # the readout gets a row of its own: the full width before it is cut
        controls.addStretch(1)
        controls.addWidget(QLabel("X axis"))
        controls.addWidget(self.x_axis)
        controls.addWidget(self.show_updates)
        controls.addWidget(self.log_y)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.readout)
        layout.addLayout(controls)
        self.plots = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.plots.addWidget(self.cost_plot, 3)
        self.plots.addWidget(self.accuracy_plot, 2)
        layout.addLayout(self.plots, 1)
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.setMinimumHeight(readable_height(plot))
        # Never shorter than one row of plots: below that the window's scroll area scrolls them.
        self.setMinimumHeight(self._chrome_height() + self.cost_plot.minimumHeight())
        self.n_train, self.batch_size = 1, 1
        self.clear()

    def set_classification(self, on):
        self.accuracy_plot.setVisible(on)
        self._arrange()

    @property
    def stacked(self):
        """Whether the accuracy plot is under the cost plot (else beside it)."""
        return self.plots.direction() == QBoxLayout.Direction.TopToBottom

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._arrange()

    def _chrome_height(self):
        """The height the readout and the controls above the plots take."""
        layout = self.layout()
        margins = layout.contentsMargins()
        rows = [layout.itemAt(i) for i in range(layout.count()) if layout.itemAt(i).layout() is not self.plots]
        return (margins.top() + margins.bottom() + sum(row.sizeHint().height() for row in rows)
                + layout.spacing() * len(rows))

    def _arrange(self):
        """One above the other when both keep their readable height, else side by side."""
        both = self.cost_plot.minimumHeight() + self.plots.spacing() + self.accuracy_plot.minimumHeight()
        stack = self.accuracy_plot.isHidden() or self.height() - self._chrome_height() >= both
        if stack == self.stacked:
            return
        self.plots.setDirection(QBoxLayout.Direction.TopToBottom if stack else QBoxLayout.Direction.LeftToRight)
        self.plots.setStretch(0, 3 if stack else 1)   # the cost plot the larger when stacked, equal widths side by side
        self.plots.setStretch(1, 2 if stack else 1)

    def set_run_shape(self, n_train, batch_size):
        """Training samples and samples per update: they turn epochs into updates and samples."""
        self.n_train, self.batch_size = max(int(n_train), 1), max(int(batch_size), 1)
        self._rebuild()

    def clear(self):
        """A new run: forget every point."""
        self.epochs = {key: Series() for key in ("epoch", "time", "train_cost", "val_cost",
                                                 "train_accuracy", "val_accuracy")}
        self.updates = {key: Series() for key in ("updates", "samples", "seconds", "cost")}
        for curve in self._all_curves():
            curve.clear()
        self._list_per_update()
        self.readout.setText("")
        self._dirty = False   # points were added since the last refresh

    def _all_curves(self):
        return (self.per_update, *self.cost.values(), *self.accuracy.values())

    def add_snapshot(self, snap):
        """Keep the new epochs and updates the snapshot carries and add them to the curves (drawn by ``refresh``)."""
        h, rows = snap.history, snap.updates
        if rows is not None and len(rows["updates"]):
            for key, series in self.updates.items():
                series.extend(rows[key])
            self._extend_updates(rows)
            self._dirty = True
        if h["epoch"]:
            for key, series in self.epochs.items():
                series.extend(h[key])
            self._extend_epochs(h)
            self._dirty = True

    def _extend_epochs(self, h):
        x = self._epoch_x(np.asarray(h["epoch"], np.float64), np.asarray(h["time"], np.float64))
        for key, curve in self.cost.items():
            curve.extend(x, h[f"{key}_cost"])
        for key, curve in self.accuracy.items():
            curve.extend(x, 100 * np.asarray(h[f"{key}_accuracy"], float))

    def _extend_updates(self, rows):
        if self.show_updates.isChecked():
            costs = np.asarray(rows["cost"], np.float64)
            measured = np.isfinite(costs)   # rows recorded at full speed carry no cost
            self.per_update.extend(self._update_x(rows)[measured], costs[measured])

    def _epoch_x(self, epoch, seconds):
        """x of the points at the ends of these epochs, on the chosen axis."""
        return epoch_x(self.x_axis.currentText(), epoch, seconds, self.n_train, self.batch_size)

    def _update_x(self, rows):
        return row_x(self.x_axis.currentText(), rows, self.n_train)

    def _rebuild(self):
        """Redraw every curve from the kept points (the axis or the per-update choice changed)."""
        label = X_AXES[self.x_axis.currentText()]
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.getPlotItem().setLabel("bottom", label, color=TEXT_COLOR)
        for curve in self._all_curves():
            curve.clear()
        if len(self.updates["updates"]):
            self._extend_updates({key: series.to_numpy() for key, series in self.updates.items()})
        if len(self.epochs["epoch"]):
            self._extend_epochs({key: series.to_numpy() for key, series in self.epochs.items()})
        self._dirty = True
        self.refresh()

    def refresh(self):
        """Redraw with every point added since the last refresh."""
        if not self._dirty:
            return
        for curve in self._all_curves():
            curve.show()
        self._list_per_update()
        settle(self.cost_plot)
        settle(self.accuracy_plot)
        self.readout.set_wordings(*self._readout())
        self._dirty = False

    def _list_per_update(self):
        per_update = self.per_update
        list_while_drawn(self.cost_plot, per_update.item, "after each update", per_update.last is not None)

    def _readout(self):
        """The last costs, in wordings from longest to shortest (the readout shows what fits)."""
        if len(self.epochs["epoch"]):
            return _readout({key: series[-1:] for key, series in self.epochs.items()})
        if len(self.updates["updates"]) and np.isfinite(self.updates["cost"][-1]):
            return (f"update {int(self.updates['updates'][-1])}:  cost {self.updates['cost'][-1]:.4g} (sample)",)
        return ("",)


def _readout(h):
    """(long, short) wordings of the last epoch's costs and accuracy."""
    epoch = int(h["epoch"][-1])
    long, short = [f"epoch {epoch}:  train cost {h['train_cost'][-1]:.4g}"], [f"epoch {epoch}: train {h['train_cost'][-1]:.4g}"]
    if np.isfinite(h["val_cost"][-1]):
        long.append(f"validation cost {h['val_cost'][-1]:.4g}")
        short.append(f"val {h['val_cost'][-1]:.4g}")
    if np.isfinite(h["val_accuracy"][-1]):
        long.append(f"validation accuracy {100 * h['val_accuracy'][-1]:.1f} %")
        short.append(f"val acc {100 * h['val_accuracy'][-1]:.1f} %")
    elif np.isfinite(h["train_accuracy"][-1]):
        long.append(f"train accuracy {100 * h['train_accuracy'][-1]:.1f} %")
        short.append(f"train acc {100 * h['train_accuracy'][-1]:.1f} %")
    return "   ".join(long), " · ".join(short)


class GradientNormsView(QWidget):
    """‖∇Wˡ‖ per layer against weight updates, on a log axis: vanishing gradients show as a gap."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = make_plot("Gradient norm per layer", "weight updates", "‖∂C/∂Wˡ‖", legend=True,
                              name="Gradient norms plot", legend_offset=(-10, -10))
        self.plot.getPlotItem().setLogMode(y=True)
        self.curves = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot)

    def set_layers(self, sizes):
        """One curve per weight layer of a network with these sizes."""
        plot = self.plot.getPlotItem()
        for curve in self.curves:
            plot.removeItem(curve.item)
        plot.legend.clear()
        self.curves = []
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            color = PALETTE[l % len(PALETTE)]
            # float64: x counts weight updates, which outgrow float32's exact integers (2²⁴) in a long run
            self.curves.append(add_curve(self.plot, f"W{superscript(l + 1)}", color, dtype=np.float64))

    def clear(self):
        for curve in self.curves:
            curve.clear()

    def add_snapshot(self, snap):
        x = snap.progress.updates
        for curve, norm in zip(self.curves, snap.grad_norms):
            if curve.last is not None and curve.last[0] == x:
                continue   # no update since the last point
            curve.extend([x], [norm])

    def refresh(self):
        for curve in self.curves:
            curve.show()
        settle(self.plot)
