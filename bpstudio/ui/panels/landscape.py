"""Loss surface: a 2-D slice of the cost around the current weights, with the optimizer's path on it.

"Compute" evaluates the cost on a grid of weights θ + α d₁ + β d₂ off the UI thread (progress
bar, Cancel) and draws it as a contour map of log₁₀ cost; the weights the run passed through
are projected onto the slice as a path from ○ (start) to ● (now).

``compare_runs`` does the same for two runs of the Runs list, side by side: each map around its
run's final weights, on directions of the same kind drawn with the same seed, on one colour
scale. The math is in ``core.explain.landscape``; this panel only asks for it and draws it.
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from bpstudio.core.data.dataset import LoadCancelled
from bpstudio.core.explain import landscape

from ..session.jobs import JobRunner

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


@dataclass
class RunsRequest:
    """What side-by-side slices of runs need: a network of their shape, data, cost, and the runs
    (objects with name, params, initial and path, see ``landscape.run_surfaces``)."""

    net: object
    X: np.ndarray
    Y: np.ndarray
    cost: str
    runs: list


def check_comparable(runs, setup, n_parameters):
    """Raise ValueError (saying why) unless ``runs`` are two runs whose surfaces can be computed on the
    current data and network (``setup``: the session's ``setup_of``) on one colour scale."""
    if len(runs) != 2:
        raise ValueError(f"select two runs, not {len(runs)}")
    for run in runs:
        if run.initial is None or run.path is None or run.params.size != n_parameters:
            raise ValueError(f"{run.name} has no saved path (a run from an older project, or a different network)")
        different = [key for key in ("data", "hidden", "output") if key in run.setup and run.setup[key] != setup[key]]
        if different:
            raise ValueError(f"{run.name} trained other {' and '.join(different)} than the current setup; load "
                             f"that setup first")
    if runs[0].config.cost != runs[1].config.cost:
        raise ValueError(f"they minimise different costs ({runs[0].config.cost}, {runs[1].config.cost}), "
                         f"which share no colour scale")


class Canvas(pg.GraphicsLayoutWidget):
    """The maps' canvas, with a size hint of its own. A QGraphicsView hints its scene's size, which
    grows with the view: next to the status text (whose height depends on its width) the scroll area
    asked the panel for that hint and kept it as tall as it had ever been, the maps' bottom axis
    below the fold at 1280×800."""

    def sizeHint(self):
        return QSize(320, 240)


class SurfaceMap:
    """One contour map on a plot: the log₁₀ cost as an image, contour lines, the path and its ends."""

    def __init__(self, plot):
        self.plot = plot
        plot.setLabel("bottom", "α (direction 1)")
        plot.setLabel("left", "β (direction 2)")
        plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        plot.addItem(self.image)
        self.contours = []
        self.trail = plot.plot(pen=pg.mkPen("w", width=1), symbol="o", symbolSize=3, symbolBrush="w",
                               symbolPen=None)
        self.ends = pg.ScatterPlotItem(size=10, pen=pg.mkPen("k", width=1))
        plot.addItem(self.ends)

    def draw(self, surface, path, levels):
        """``surface``: a ``landscape.Slice``; ``levels``: (low, high) of log₁₀ cost, shared by the maps."""
        a, b = surface.alphas, surface.betas
        logc = log_costs(surface)
        step_a, step_b = a[1] - a[0], b[1] - b[0]
        self.image.setImage(np.ascontiguousarray(logc, np.float32), levels=levels,
                            rect=QRectF(a[0] - step_a / 2, b[0] - step_b / 2, a[-1] - a[0] + step_a,
                                        b[-1] - b[0] + step_b))
        for item in self.contours:
            item.setParentItem(None)
            self.plot.getViewBox().removeItem(item)
        self.contours = []
        for level in np.linspace(*levels, CONTOURS + 2)[1:-1]:
            curve = pg.IsocurveItem(data=logc.T.astype(np.float32), level=float(level),
                                    pen=pg.mkPen("#ffffff", width=1))
            curve.setParentItem(self.image)
            curve.setPos(0.5, 0.5)   # isocurves put value i at pixel corner i; the image has it at the centre
            self.contours.append(curve)
        self.trail.setData(path[:, 0], path[:, 1])
        ends = [path[0], path[-1]] if len(path) else []
        self.ends.setData([{"pos": p, "brush": brush} for p, brush in zip(ends, ("w", "k"))])
        self.plot.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)


def log_costs(surface):
    """log₁₀ of a slice's costs, non-finite ones (a diverged corner) shown as the highest finite one."""
    with np.errstate(all="ignore"):
        logc = np.log10(np.maximum(surface.costs, 1e-12))
    finite = np.isfinite(logc)
    return np.where(finite, logc, np.max(logc[finite]) if finite.any() else 0.0)


def shared_levels(surfaces):
    """(low, high) of log₁₀ cost over all ``surfaces``: one colour scale, so the maps compare."""
    logs = [log_costs(surface) for surface in surfaces]
    low, high = min(float(x.min()) for x in logs), max(float(x.max()) for x in logs)
    return low, high if high > low else low + 1e-6


class LossSurfacePanel(QWidget):
    """``set_source(fn)``: fn() returns the SurfaceRequest for "Compute" (or raises ValueError);
    ``compare_runs(request)`` computes a ``RunsRequest``'s runs side by side."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Loss surface")
        self.source = None
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
                             "the optimizer took. To compare two runs, select them in Runs and press "
                             "Compare loss surfaces.")
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
        row = QHBoxLayout(self)
        column = QWidget()
        column.setLayout(side)
        column.setMaximumWidth(300)
        row.addWidget(column)
        row.addWidget(self._build_maps(), 1)

    def _build_maps(self):
        """The canvas for two maps side by side (the second shown only when comparing runs) and their
        colour bar; the maps themselves are made when first painted or used (``maps``): three pyqtgraph
        plots were 0.1 s of start-up for a tab most sessions never open."""
        self.graphics = Canvas()
        self.graphics.setBackground("w")
        self.graphics.setAccessibleName("Loss surface plot")
        self._maps = None
        return self.graphics

    @property
    def maps(self):
        """The two SurfaceMaps, made on first use. A layout of plots and colour bar, as the weight
        heatmaps have: a bar inserted into a PlotWidget's own layout crashed the interpreter at exit."""
        if self._maps is None:
            self._maps = [SurfaceMap(self.graphics.addPlot(row=0, col=0, title="Loss surface")),
                          SurfaceMap(self.graphics.addPlot(row=0, col=1))]
            self._maps[1].plot.hide()
            self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                            width=14, label="log₁₀ cost")
            self.graphics.addItem(self.colorbar, row=0, col=2)
        return self._maps

    plot = property(lambda self: self.maps[0].plot)
    image = property(lambda self: self.maps[0].image)
    trail = property(lambda self: self.maps[0].trail)

    def paintEvent(self, event):
        # A tab behind another gets a show event too, but no paint: the first paint is when a person sees it.
        super().paintEvent(event)
        if self._maps is None:
            QTimer.singleShot(0, self, lambda: self.maps)

    # --- inputs ------------------------------------------------------------------

    def set_source(self, fn):
        self.source = fn

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
            return [landscape.RunSurface("", result, landscape.project(request.path, result.origin, d1, d2))]

        self._run(task, f"Computing {resolution}×{resolution} costs …")

    def compare_runs(self, request):
        """Slices around each run of ``request`` (a ``RunsRequest``), side by side, off the UI thread."""
        kind, resolution, span = self.directions.currentData(), self.resolution.value(), self.span.value()
        net = request.net.copy()
        try:
            for run in request.runs:   # the directions need each run's own weights: refuse now, not in the job
                probe = net.copy()
                probe.params[...] = run.params
                landscape.directions(probe, kind, initial=run.initial)
        except ValueError as exc:
            self.status.setText(f"Cannot compare the surfaces: {exc}.")
            return

        def task(progress, cancel):
            result = landscape.run_surfaces(net, request.runs, request.X, request.Y, request.cost, kind, span,
                                            resolution, progress=progress, cancel=cancel)
            if result is None:
                raise LoadCancelled()
            return result

        names = " and ".join(run.name for run in request.runs)
        self._run(task, f"Computing {len(request.runs)} × {resolution}×{resolution} costs for {names} …")

    def _run(self, task, text):
        self.compute.setEnabled(False)
        self.cancel.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText(text)
        self.tasks.run(task, "loss surface")

    def _finish(self, text):
        self.compute.setEnabled(True)
        self.cancel.setEnabled(False)
        self.status.setText(text)

    def _on_done(self, surfaces):
        levels = shared_levels([s.slice for s in surfaces])
        for i, (view, surface) in enumerate(zip(self.maps, surfaces)):
            view.draw(surface.slice, surface.path, levels)
            view.plot.setTitle(surface.name or "Loss surface")
        self.maps[1].plot.setVisible(len(surfaces) > 1)
        self.colorbar.setLevels(levels)
        self.progress.setValue(100)
        self._finish(" ".join(_describe(s) for s in surfaces) + " Path: ○ start, ● end.")

    def costs(self, which=0):
        """The log₁₀ costs drawn on map ``which`` (None before the first Compute), for tests and tools."""
        return self.maps[which].image.image


def _describe(surface):
    costs = surface.slice.costs
    name = f"{surface.name}: c" if surface.name else "C"
    return (f"{name}ost from {np.nanmin(costs):.3g} to {np.nanmax(costs):.3g} on the slice; at (0, 0) "
            f"{costs[len(surface.slice.betas) // 2, len(surface.slice.alphas) // 2]:.3g}; "
            f"path of {len(surface.path)} saved weights.")


def _named(widget, name, tip=""):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    if isinstance(widget, (QComboBox, QSpinBox, QDoubleSpinBox)):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return widget
