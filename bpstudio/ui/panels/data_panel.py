"""Data: pick a built-in dataset (with sample count, noise and seed for generated ones) or a file;
scaling and validation split; a summary and, for 2-D data, a scatter preview.

The panel only asks for data (``requested(source, options)``); the window's
loader reads it off the UI thread and hands it to the session.
"""

from html import escape
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout)

from bpstudio.core.data.loading import list_datasets

from ..kit.plotstyle import PALETTE as CLASS_COLORS, plain_plot_widget
from ..session.options import DataOptions
from ..kit.widgets import add_row, combo, select_data

SCALINGS = (("Standardize (mean 0, std 1)", "standard"), ("Min–max to [0, 1]", "minmax"), ("None", "none"))
PREVIEW_POINTS = 600


class DataPanel(QGroupBox):
    requested = Signal(str, dict)      # built-in name, load_dataset options
    fileRequested = Signal(str)        # a file path to open again
    openFileRequested = Signal()

    def __init__(self, session, parent=None):
        super().__init__("Data", parent)
        self.session = session
        self.infos = {info.name: info for info in list_datasets()}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        items = [(f"{info.name}  ({info.kind})", info.name) for info in self.infos.values()]
        self.dataset = add_row(form, "Dataset", combo(items), "A built-in dataset; File ▸ Open data… reads a CSV/NPZ")
        self.samples = add_row(form, "Samples", _spin(0, 100_000, 0, "default"), "Number of generated samples")
        self.noise = add_row(form, "Noise", _real(-0.05, 2.0, -0.05, 0.05, "default"), "Noise of the generator")
        self.data_seed = add_row(form, "Data seed", _spin(0, 2**31 - 1, 0), "Seed of the generator and of the split")
        self.scaling = add_row(form, "Scaling", combo(SCALINGS, session.options.scaling),
                               "Fitted on the training split only")
        self.val_split = add_row(form, "Validation split", _spin(0, 90, round(100 * session.options.val_fraction)),
                                 "Share of the samples held out to measure the validation cost")
        self.val_split.setSuffix(" %")
        self.open_button = QPushButton("Open data…")
        self.open_button.setAccessibleName("Open data…")
        self.open_button.clicked.connect(self.openFileRequested)
        layout.addWidget(self.open_button)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Data summary")
        layout.addWidget(self.summary)
        self.preview = _preview_plot()
        layout.addWidget(self.preview)
        self.dataset.currentIndexChanged.connect(self.request_builtin)
        for box in (self.samples, self.noise, self.data_seed):
            box.valueChanged.connect(self.request_builtin)
        self.scaling.currentIndexChanged.connect(self._apply_options)
        self.val_split.valueChanged.connect(self._apply_options)
        session.datasetChanged.connect(self.show_dataset)
        session.stateChanged.connect(lambda state: self.setEnabled(state.editable))
        self.show_dataset()

    def request_builtin(self):
        """Ask for the dataset selected in the list, with the generator options shown."""
        name = self.dataset.currentData()
        if name not in self.infos:      # the file item: reopen the file (a CSV asks again how)
            if name != self.session.dataset.source:
                self.fileRequested.emit(name)
            return
        options = {"seed": self.data_seed.value()}
        if self.infos[name].kind == "generated":
            if self.samples.value() > 0:
                options["n_samples"] = self.samples.value()
            if self.noise.value() >= 0:
                options["noise"] = self.noise.value()
        self.requested.emit(name, options)

    def options(self):
        return DataOptions(scaling=self.scaling.currentData(), val_fraction=self.val_split.value() / 100,
                           seed=self.data_seed.value())

    def set_options(self, options):
        """Show ``options`` (chosen in the import dialog) without applying them yet."""
        select_data(self.scaling, options.scaling)
        blocked = self.val_split.blockSignals(True)
        self.val_split.setValue(round(100 * options.val_fraction))
        self.val_split.blockSignals(blocked)

    def _apply_options(self):
        if not self.session.set_data_options(self.options()):
            select_data(self.scaling, self.session.options.scaling)

    def show_dataset(self):
        ds, prepared = self.session.dataset, self.session.prepared
        name = ds.source if ds.source in self.infos else Path(ds.source).name
        blocked = self.dataset.blockSignals(True)   # editing the list must not request another dataset
        if self.dataset.count() > len(self.infos):
            self.dataset.removeItem(self.dataset.count() - 1)
        if ds.source not in self.infos:   # one item for the file (or array data) in use
            self.dataset.addItem(f"{name}  (file)", ds.source)
        self.dataset.blockSignals(blocked)
        select_data(self.dataset, ds.source)
        self._show_options()
        generated = ds.source in self.infos and self.infos[ds.source].kind == "generated"
        for box in (self.samples, self.noise):
            box.setEnabled(generated)
        counts = f"{len(prepared.X_train)} training / {len(prepared.X_val)} validation"
        # escaped: descriptions hold "<" and "&" (XOR: "label = x1·x2 < 0"), which rich text would eat
        self.summary.setText(f"<b>{escape(name)}</b>: {escape(ds.summary())}<br>{counts}"
                             + (f"<br><i>{escape(ds.description)}</i>" if ds.description else ""))
        self._show_preview(ds)

    def _show_options(self):
        """Show the session's split options and the generator options its data was made with
        (the data may come from elsewhere than this panel: an opened project, File ▸ New)."""
        s = self.session
        load_options = s.origin[1] if s.origin else {}
        values = ((self.val_split, round(100 * s.options.val_fraction)), (self.data_seed, s.options.seed),
                  (self.samples, load_options.get("n_samples") or 0),
                  (self.noise, load_options.get("noise", self.noise.minimum())))   # the minimum reads "default"
        for box, value in values:
            blocked = box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(blocked)
        select_data(self.scaling, s.options.scaling)

    def _show_preview(self, ds):
        plot = self.preview.getPlotItem()
        plot.clear()
        self.preview.setVisible(ds.n_features == 2)
        if ds.n_features != 2:
            return
        rows = np.random.default_rng(0).permutation(ds.n_samples)[:PREVIEW_POINTS]
        if ds.is_classification:
            colors = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in ds.labels[rows]]
        else:
            colors = ["#1f77b4"] * len(rows)
        plot.addItem(pg.ScatterPlotItem(ds.X[rows, 0], ds.X[rows, 1], size=4, pen=None,
                                        brush=[pg.mkBrush(c) for c in colors]))


def _preview_plot():
    widget = plain_plot_widget()
    widget.setAccessibleName("Data preview")
    widget.setFixedHeight(130)
    item = widget.getPlotItem()
    item.hideAxis("left")
    item.hideAxis("bottom")
    item.setMenuEnabled(False)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    item.setAspectLocked(True)
    return widget


def _spin(low, high, value, special=""):
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    if special:
        box.setSpecialValueText(special)   # shown at the minimum: let the generator choose
        box.setSingleStep(50)
    return box


def _real(low, high, value, step, special=""):
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(2)
    box.setValue(value)
    box.setKeyboardTracking(False)
    if special:
        box.setSpecialValueText(special)
    return box
