"""What the network predicts over the input space, with the data on top, updated live.

- 2 features: the plane is coloured by the predicted class (pale where the
  network is unsure) or, for regression, by the predicted value;
- 1 feature: the predicted curve over the data points;
- more features: a note saying why there is nothing to draw.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from .heatmaps import COLORMAP
from ..kit.plotstyle import PALETTE as CLASS_COLORS, plain_plot_widget
from ..session.snapshot import GRID_SIZE

MAX_POINTS = 3000   # points drawn on top of the plane (a seeded subsample of larger data)


def class_rgba(outputs, n_classes):
    """(n, 4) uint8 colours: each row the colour of its predicted class, paler when less certain."""
    if outputs.shape[1] == 1:   # one sigmoid output: P(class 1)
        outputs = np.column_stack([1 - outputs[:, 0], outputs[:, 0]])
    predicted = outputs.argmax(axis=1)
    certainty = (outputs.max(axis=1) - 1 / n_classes) / (1 - 1 / n_classes)
    strength = 0.15 + 0.45 * np.clip(certainty, 0, 1)[:, None]
    palette = np.array([pg.mkColor(c).getRgb()[:3] for c in CLASS_COLORS], float)
    rgb = 255 * (1 - strength) + palette[predicted % len(palette)] * strength
    return np.column_stack([rgb, np.full(len(rgb), 255)]).astype(np.uint8)


class BoundaryView(QWidget):
    """The decision boundary (2-D data) or the fitted function (1-D data)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Decision boundary")
        self.plot = plain_plot_widget()
        self.plot.setAccessibleName("Decision boundary plot")
        self.plot.getPlotItem().setMenuEnabled(False)
        self.plot.getPlotItem().addLegend(offset=(-10, -10), brush=pg.mkBrush(255, 255, 255, 210))
        self.note = QLabel()
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.note)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#222222", width=1), name="network")
        self.cmap = pg.colormap.get(COLORMAP)
        self.dims, self.classification, self.n_classes = 0, True, 2
        self.levels = (-1.0, 1.0)
        self.extent = None   # the probe grid (x0, x1, y0, y1), or (x0, x1) for 1-D data

    def set_data(self, prepared):
        """Draw the points of a new dataset and create the items for its dimension."""
        ds = prepared.dataset
        item = self.plot.getPlotItem()
        item.clear()
        item.legend.clear()
        self.dims, self.classification, self.n_classes = ds.n_features, ds.is_classification, max(ds.n_outputs, 2)
        if self.dims > 2:
            self.note.setText(f"The decision boundary is drawn for data with one or two features;\n"
                              f"{ds.source or 'this dataset'} has {ds.n_features}.")
            self.stack.setCurrentWidget(self.note)
            return
        self.stack.setCurrentWidget(self.plot)
        item.setLabel("bottom", ds.feature_names[0])
        rows = np.random.default_rng(0).permutation(ds.n_samples)[:MAX_POINTS]
        X = ds.X[rows]
        if self.dims == 2:
            self._set_plane(item, prepared, X, rows)
        else:
            self._set_line(item, prepared, X, rows)

    def _set_plane(self, item, prepared, X, rows):
        ds = prepared.dataset
        item.setLabel("left", ds.feature_names[1])
        item.addItem(self.image)
        if ds.is_classification:
            labels = ds.labels[rows]
            for c, name in enumerate(ds.class_names):
                mine = labels == c
                color = CLASS_COLORS[c % len(CLASS_COLORS)]
                item.plot(X[mine, 0], X[mine, 1], pen=None, symbol="o", symbolSize=6, name=str(name),
                          symbolBrush=color, symbolPen=pg.mkPen("w", width=1))
        else:
            y = _scaled_targets(prepared, rows)[:, 0]
            self.levels = (float(y.min()), float(y.max()))
            brushes = [pg.mkBrush(c) for c in self.cmap.map((y - y.min()) / max(np.ptp(y), 1e-12), mode="qcolor")]
            # Points coloured by their target on the same scale as the plane: a good fit hides them.
            item.addItem(pg.ScatterPlotItem(X[:, 0], X[:, 1], size=6, brush=brushes, pen=pg.mkPen("k", width=1),
                                            name="data (colour: target)"))

    def _set_line(self, item, prepared, X, rows):
        item.setLabel("left", "target (standardized)" if not prepared.dataset.is_classification else "output")
        y = _scaled_targets(prepared, rows)
        item.plot(X[:, 0], y[:, 0], pen=None, symbol="o", symbolSize=5, name="data",
                  symbolBrush=CLASS_COLORS[0], symbolPen=None)
        item.addItem(self.curve)

    def set_extent(self, extent):
        """Fit the view to the probe grid: the plane for 2-D data, the x range (y automatic) for 1-D."""
        self.extent = extent
        if extent is not None and len(extent) == 4:
            x0, x1, y0, y1 = extent
            self._place_image()
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        elif extent is not None:
            self.plot.setXRange(*extent, padding=0)
            self.plot.getPlotItem().enableAutoRange(y=True)

    def set_outputs(self, plane):
        """Show the network's outputs over the probe grid (see snapshot.Probe)."""
        if plane is None or self.dims > 2:
            return
        if self.dims == 1:
            x0, x1 = self.extent
            self.curve.setData(np.linspace(x0, x1, len(plane)), plane[:, 0])
        else:
            first = self.image.image is None
            if self.classification:
                rgba = class_rgba(plane, self.n_classes).reshape(GRID_SIZE, GRID_SIZE, 4)
                self.image.setImage(rgba, levels=(0, 255))
            else:
                values = np.ascontiguousarray(plane[:, 0].reshape(GRID_SIZE, GRID_SIZE), dtype=np.float32)
                self.image.setImage(values, levels=self.levels, lut=self.cmap.getLookupTable(nPts=256))
            if first:
                self._place_image()

    def _place_image(self):
        """Stretch the image over the probe grid; pyqtgraph can only do it once the image holds data."""
        if self.image.image is not None and self.extent is not None and len(self.extent) == 4:
            x0, x1, y0, y1 = self.extent
            self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))


def _scaled_targets(prepared, rows):
    """Targets as the network sees them (standardized for regression), for plotting against its outputs."""
    Y = prepared.dataset.Y[rows]
    return Y if prepared.y_scaler is None else prepared.y_scaler.transform(Y, np.float64)
