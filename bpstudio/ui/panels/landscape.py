"""Loss surface: a 2-D slice of the cost around the current weights, with the optimizer's path on it.

"Compute" evaluates the cost on a grid of weights θ + α d₁ + β d₂ off the UI thread (progress
bar, Cancel) and draws it as a contour map of log₁₀ cost; the weights the run passed through
are projected onto the slice as a path from ○ (start) to ● (now). The math is in
``core.explain.landscape``; this panel only asks for it and draws it.
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from bpstudio.core.data.dataset import LoadCancelled
from bpstudio.core.explain import landscape

from ..session.jobs import JobRunner

PATH_BYTES = 20_000_000   # memory the saved path may take (it keeps whole weight vectors)
DIRECTION_CHOICES = (("random (filter-normalized)", "random"), ("initial → current, random", "initial"))
CONTOURS = 12


@dataclass
class SurfaceRequest:
    """What one slice needs, copied on the UI thread: a network at the current weights, data, cost, path."""

    net: object
    X: np.ndarray
    Y: np.ndarray
    cost: str
    initial: np.ndarray
    path: np.ndarray


class PathRecorder:
    """Weights seen during a run, thinned (every other one dropped) to stay within PATH_BYTES."""

    def __init__(self):
        self.points, self.stride, self.added = [], 1, 0

    def start(self):
        self.points, self.stride, self.added = [], 1, 0

    def add(self, params):
        self.added += 1
        if (self.added - 1) % self.stride:
            return
        self.points.append(np.array(params, np.float64))
        if len(self.points) * self.points[0].nbytes > PATH_BYTES and len(self.points) > 2:
            self.points = self.points[::2]
            self.stride *= 2


class LossSurfacePanel(QWidget):
    """``set_source(fn)``: fn() returns the SurfaceRequest for "Compute" (or raises ValueError)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Loss surface")
        self.source = None
        self.path = PathRecorder()
        self.tasks = JobRunner(self, name="loss-surface")
        self.tasks.progressed.connect(lambda f: self.progress.setValue(int(100 * f)))
        self.tasks.done.connect(self._on_done)
        self.tasks.failed.connect(lambda text: self._finish(f"Could not compute the surface: {text}"))
        self.tasks.cancelled.connect(lambda: self._finish("Cancelled."))
        self._build()

    def _build(self):
        self.directions = _named(QComboBox(), "Directions",
                                 "random: two random directions, each neuron's weights scaled to its own size "
                                 "(Li et al. 2018). initial → current: along the way training came, and a random one.")
        for text, kind in DIRECTION_CHOICES:
            self.directions.addItem(text, kind)
        self.resolution = _named(QSpinBox(), "Resolution", "Grid points per side (cost evaluations: its square)")
        self.resolution.setRange(5, 101)
        self.resolution.setValue(31)
        self.span = _named(QDoubleSpinBox(), "Span", "The slice covers α and β from −span to +span "
                                                      "(1 = one neuron's own size for random directions)")
        self.span.setRange(0.05, 20)
        self.span.setSingleStep(0.25)
        self.span.setValue(1.0)
        self.compute = _named(QPushButton("Compute"), "Compute", "Compute the slice around the current weights")
        self.cancel = _named(QPushButton("Cancel"), "Cancel", "Stop computing")
        self.cancel.setEnabled(False)
        self.compute.clicked.connect(lambda: self.start())
        self.cancel.clicked.connect(lambda: self.tasks.cancel())
        self.progress = _named(QProgressBar(), "Surface progress")
        self.status = QLabel("Train a little, then Compute: the cost around the current weights, and the path "
                             "the optimizer took.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Surface status")
        form = QFormLayout()
        for label, widget in (("Directions", self.directions), ("Resolution", self.resolution), ("Span", self.span)):
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compute)
        buttons.addWidget(self.cancel)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.progress)
        side.addWidget(self.status)
        side.addStretch(1)
        # A layout of plot and colour bar, as the weight heatmaps have: a bar inserted into a
        # PlotWidget's own layout crashed the interpreter at exit.
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setAccessibleName("Loss surface plot")
        self.plot = self.graphics.addPlot(row=0, col=0, title="Loss surface")
        self.plot.setLabel("bottom", "α (direction 1)")
        self.plot.setLabel("left", "β (direction 2)")
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=14, label="log₁₀ cost")
        self.graphics.addItem(self.colorbar, row=0, col=1)
        self.contours = []
        self.trail = self.plot.plot(pen=pg.mkPen("w", width=1), symbol="o", symbolSize=3,
                                    symbolBrush="w", symbolPen=None)
        self.ends = pg.ScatterPlotItem(size=10, pen=pg.mkPen("k", width=1))
        self.plot.addItem(self.ends)
        row = QHBoxLayout(self)
        column = QWidget()
        column.setLayout(side)
        column.setMaximumWidth(300)
        row.addWidget(column)
        row.addWidget(self.graphics, 1)

    # --- inputs ------------------------------------------------------------------

    def set_source(self, fn):
        self.source = fn

    def start_run(self):
        """A new run: its path starts over."""
        self.path.start()

    def add_weights(self, params):
        """Weights the run passed through (a snapshot's copy)."""
        self.path.add(params)

    def shutdown(self):
        self.tasks.shutdown()

    # --- computing ---------------------------------------------------------------

    def start(self):
        """Compute the slice for the current weights off the UI thread."""
        try:
            request = self.source()
            d1, d2 = landscape.directions(request.net, self.directions.currentData(), initial=request.initial)
        except ValueError as exc:
            self.status.setText(f"Cannot compute the surface: {exc}.")
            return
        resolution, span = self.resolution.value(), self.span.value()

        def task(progress, cancel):
            result = landscape.cost_slice(request.net, request.X, request.Y, request.cost, d1, d2, span, resolution,
                                          progress=progress, cancel=cancel)
            if result is None:
                raise LoadCancelled()
            return result, landscape.project(request.path, result.origin, d1, d2)

        self.compute.setEnabled(False)
        self.cancel.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText(f"Computing {resolution}×{resolution} costs …")
        self.tasks.run(task, "loss surface")

    def _finish(self, text):
        self.compute.setEnabled(True)
        self.cancel.setEnabled(False)
        self.status.setText(text)

    def _on_done(self, result):
        surface, path = result
        self._draw(surface, path)
        self.progress.setValue(100)
        low, high = np.nanmin(surface.costs), np.nanmax(surface.costs)
        self._finish(f"Cost from {low:.3g} to {high:.3g} on the slice; here (0, 0): "
                     f"{surface.costs[len(surface.betas) // 2, len(surface.alphas) // 2]:.3g}. "
                     f"Path: {len(path)} saved weights, ○ start, ● now.")

    def _draw(self, surface, path):
        a, b = surface.alphas, surface.betas
        with np.errstate(all="ignore"):
            logc = np.log10(np.maximum(surface.costs, 1e-12))
        logc = np.where(np.isfinite(logc), logc, np.nanmax(np.where(np.isfinite(logc), logc, np.nan)))
        low, high = float(logc.min()), float(logc.max())
        high = high if high > low else low + 1e-6
        step_a, step_b = a[1] - a[0], b[1] - b[0]
        self.image.setImage(np.ascontiguousarray(logc, np.float32), levels=(low, high),
                            rect=QRectF(a[0] - step_a / 2, b[0] - step_b / 2, a[-1] - a[0] + step_a,
                                        b[-1] - b[0] + step_b))
        self.colorbar.setLevels((low, high))
        for item in self.contours:
            item.setParentItem(None)
            self.plot.getViewBox().removeItem(item)
        self.contours = []
        for level in np.linspace(low, high, CONTOURS + 2)[1:-1]:
            curve = pg.IsocurveItem(data=logc.T.astype(np.float32), level=float(level),
                                    pen=pg.mkPen("#ffffff", width=1))
            curve.setParentItem(self.image)
            curve.setPos(0.5, 0.5)   # isocurves put value i at pixel corner i; the image has it at the centre
            self.contours.append(curve)
        self.trail.setData(path[:, 0], path[:, 1])
        ends = [path[0], path[-1]] if len(path) else []
        self.ends.setData([{"pos": p, "brush": brush} for p, brush in zip(ends, ("w", "k"))])
        self.plot.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)

    def costs(self):
        """The log₁₀ costs drawn (None before the first Compute), for tests and tools."""
        return self.image.image


def _named(widget, name, tip=""):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    if isinstance(widget, (QComboBox, QSpinBox, QDoubleSpinBox)):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return widget
