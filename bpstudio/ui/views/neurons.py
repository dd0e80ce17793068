"""Neurons: each neuron's activation over the input plane, one small image per neuron.

Layers sit side by side (hidden 1, hidden 2, …, output), each a block of its neurons'
images (neuron 1 top left, row by row); an output
neuron's image is the decision boundary for its class. For data with more than two
features the plane is spanned by the two features chosen above the images, the other
features held at their means. The numbers come from ``core.explain.neurons`` (one
forward pass over every grid point); this view only draws them.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bpstudio.core.explain.neurons import GRID, activation_images, feature_plane

from .heatmaps import COLORMAP, symmetric_level

MAX_NEURONS = 16   # images per layer (the first ones); the title says when there are more
PER_ROW = 4        # images side by side per layer
SIDE = 64          # pixels per image
FIXED_LEVELS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0)}


class NeuronsView(QWidget):
    """Feed it ``set_data(prepared)``, ``set_network(net)`` and ``set_parameters(params)``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Neurons")
        self.setObjectName("Neurons")
        self.x_feature, self.y_feature = _feature_box("Horizontal feature"), _feature_box("Vertical feature")
        self.choice = QWidget()
        row = QHBoxLayout(self.choice)
        row.setContentsMargins(0, 0, 0, 0)
        for caption, box in (("Horizontal", self.x_feature), ("Vertical", self.y_feature)):
            row.addWidget(QLabel(caption))
            row.addWidget(box, 1)
            box.currentIndexChanged.connect(self._on_features_chosen)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName("Neuron images")
        self.graphics.setBackground("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.choice)
        layout.addWidget(self.note)
        layout.addWidget(self.graphics, 1)
        self.cmap = pg.colormap.get(COLORMAP)
        self.net, self.prepared, self.grid, self.extent = None, None, None, None
        self.images = []   # per weight layer: the ImageItems of its shown neurons
        self._layout_due = False   # a network was set while hidden: lay it out when shown

    def set_data(self, prepared):
        """The data whose input plane the images cover."""
        self.prepared = prepared
        names = list(prepared.dataset.feature_names)
        wide = len(names) > 2
        for box, index in ((self.x_feature, 0), (self.y_feature, 1)):
            blocked = box.blockSignals(True)
            box.clear()
            box.addItems(names)
            box.setCurrentIndex(min(index, len(names) - 1))
            box.blockSignals(blocked)
        self.choice.setVisible(wide)
        self._on_features_chosen()

    def _on_features_chosen(self):
        p = self.prepared
        if p is None or p.dataset.X.shape[1] < 2:
            self.grid = None
            self.note.setText("Neuron images need at least two input features.")
            return
        i, j = self.x_feature.currentIndex(), self.y_feature.currentIndex()
        points, self.extent = feature_plane(p.dataset.X, i, j)
        self.grid = p.x_scaler.transform(points, p.X_train.dtype)
        names = p.dataset.feature_names
        held = "" if p.dataset.X.shape[1] == 2 else "; the other features are held at their means"
        self.note.setText(f"Each neuron's activation over {names[i]} (→) × {names[j]} (↑){held}. "
                          "The output neurons' images are the decision boundary.")
        self._place_images()
        self._draw()

    def set_network(self, net):
        """Lay out one image per shown neuron of ``net`` (a private copy is kept).

        Dozens of image boxes take a good part of a second to build, so a hidden view (the
        Neurons tab behind another) builds them when it is first shown, not at start-up."""
        self.net = net.copy()
        self._layout_due = True
        if not self.visibleRegion().isEmpty():
            self._lay_out()

    def paintEvent(self, event):
        # A tab behind another gets a show event too (it is only moved off screen), but no paint: the
        # first paint is when a person can see the view.
        super().paintEvent(event)
        if self._layout_due and self.net is not None:
            QTimer.singleShot(0, self, self._show_laid_out)

    def _show_laid_out(self):
        if self._layout_due and self.net is not None:
            self._lay_out()
            self._draw()

    def _lay_out(self):
        net = self.net
        self._layout_due = False
        self.graphics.clear()
        self.images = []
        last = net.n_layers - 1
        for l, (n, act) in enumerate(zip(net.sizes[1:], net.activations)):
            title = "output" if l == last else f"hidden {l + 1}"
            more = f", first {MAX_NEURONS} of {n}" if n > MAX_NEURONS else ""
            self.graphics.addLabel(f"{title} ({act}{more})", row=0, col=l, size="8pt", color="#303030")
            block = self.graphics.addLayout(row=1, col=l)
            block.setSpacing(3)
            self.images.append([self._add_image(block, r) for r in range(min(n, MAX_NEURONS))])
        self.graphics.ci.layout.setRowStretchFactor(2, 1)   # blocks at the top, space below
        self.graphics.addLabel("", row=2, col=0)
        self._place_images()

    def _add_image(self, block, r):
        box = block.addViewBox(row=r // PER_ROW, col=r % PER_ROW, lockAspect=False, enableMouse=False,
                              enableMenu=False)
        box.setMinimumSize(SIDE, SIDE)
        box.setMaximumSize(SIDE, SIDE)
        box.setBorder(pg.mkPen("#b0b0b0", width=1))
        image = pg.ImageItem(axisOrder="row-major")
        image.setColorMap(self.cmap)
        image.setToolTip(f"neuron {r + 1}")
        box.addItem(image)
        return image

    def _place_images(self):
        if self.extent is None:
            return
        x0, x1, y0, y1 = self.extent
        for column in self.images:
            for image in column:
                box = image.getViewBox()
                if box is not None:
                    box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _plane_rect(self):
        """Where an image lies in the data's plane: the extent of the plotted features."""
        if self.extent is None:
            return QRectF(0, 0, 1, 1)
        x0, x1, y0, y1 = self.extent
        return QRectF(x0, y0, x1 - x0, y1 - y0)

    def set_parameters(self, params):
        """Redraw every image for these parameters (flat, laid out like the network's)."""
        if self.net is None or np.shape(params) != self.net.params.shape:
            return
        self.net.params[...] = params
        self._draw()

    def _draw(self):
        if self.net is None or self._layout_due or self.grid is None or self.grid.shape[1] != self.net.sizes[0]:
            return
        with np.errstate(all="ignore"):
            layers = activation_images(self.net, self.grid, GRID)
        for column, values, act in zip(self.images, layers, self.net.activations):
            levels = FIXED_LEVELS.get(act)
            if levels is None:   # relu, linear …: symmetric around 0, so 0 is white
                m = symmetric_level(values)
                levels = (-m, m)
            for image, plane in zip(column, values):
                image.setImage(np.ascontiguousarray(plane, dtype=np.float32), levels=levels, rect=self._plane_rect())

    def image(self, layer, neuron):
        """The values drawn for ``neuron`` of weight layer ``layer`` (0-based), for tests and tools."""
        if self._layout_due:
            self._lay_out()
            self._draw()
        return self.images[layer][neuron].image


def _feature_box(name):
    box = QComboBox()
    box.setAccessibleName(name)
    box.setObjectName(name)
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box
