"""A small heatmap that also prints its values: a matrix shown as a coloured, clickable table.

Neurons are numbered from 1 in headers and tooltips, like the rest of the app;
``cellClicked`` reports 0-based (row, column) array indices.
Colours come from a diverging map (CET-D1: blue < 0 < red) with fixed symmetric
levels (−m, m), so zero is always white. Small matrices print every value in its
cell; large ones shrink to coloured squares and show the value on hover.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableView

TEXT_CELLS = 96          # matrices up to this many entries (≤ 16 rows and columns) print their values
TEXT_SIDE = 16
CELL_W, CELL_H = 40, 20  # pixels per cell when values are printed (at least)
MAX_SIDE = 300           # pixels: large matrices shrink their cells to fit this


def _lookup_table():
    colours = pg.colormap.get("CET-D1").getLookupTable(0.0, 1.0, 256, alpha=False)
    return [QColor(int(r), int(g), int(b)) for r, g, b in colours]


def format_value(v):
    """Short text for a cell: whole numbers as they are (counts), others with 3 significant digits."""
    if not np.isfinite(v):
        return str(v)
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e6 else f"{v:.3g}"


class MatrixModel(QAbstractTableModel):
    """Holds one 2-D float array and the colour level m (values map to −m … m)."""

    def __init__(self, row_name="j", col_name="k", text_cells=TEXT_CELLS):
        super().__init__()
        self.text_cells = text_cells
        self.values = np.zeros((0, 0))
        self.level = 1.0
        self.show_text = True
        self.row_name, self.col_name = row_name, col_name
        self.column_labels = self.row_labels = None
        self.texts = None   # optional cell texts (same shape as values) instead of format_value
        self._colours = _lookup_table()

    def set_values(self, values, level=None, column_labels=None, row_labels=None, texts=None):
        self.column_labels, self.row_labels = column_labels, row_labels
        values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        self.texts = None if texts is None else np.asarray(texts, dtype=object).reshape(values.shape)
        finite = np.abs(values[np.isfinite(values)])
        self.level = float(level) if level else max(float(finite.max(initial=0.0)), 1e-12)
        self.show_text = values.size <= self.text_cells and max(values.shape) <= TEXT_SIDE
        if values.shape != self.values.shape:
            self.beginResetModel()
            self.values = values.copy()
            self.endResetModel()
        else:
            self.values[...] = values
            self.dataChanged.emit(self.index(0, 0), self.index(*[n - 1 for n in values.shape]))

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self.values.shape[0]

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self.values.shape[1]

    def data(self, index, role=Qt.DisplayRole):
        v = self.values[index.row(), index.column()]
        if role == Qt.DisplayRole:
            return self.text(index.row(), index.column()) if self.show_text else None
        if role == Qt.ToolTipRole:   # the full-precision value
            return f"{self.row_name}={index.row() + 1}, {self.col_name}={index.column() + 1}: {float(v)!r}"
        if role == Qt.BackgroundRole:
            return self._colour(v)
        if role == Qt.ForegroundRole:
            return QColor("white") if abs(v) > 0.75 * self.level else QColor("black")
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignCenter)
        return None

    def text(self, row, column):
        if self.texts is not None:
            return self.texts[row, column]
        return format_value(self.values[row, column])

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        if not self.show_text:
            return None
        labels = self.column_labels if orientation == Qt.Horizontal else self.row_labels
        if labels is not None:
            return labels[section]
        return f"{self.col_name if orientation == Qt.Horizontal else self.row_name}{section + 1}"

    def _colour(self, v):
        if not np.isfinite(v):
            return QColor("black")
        position = (np.clip(v / self.level, -1.0, 1.0) + 1.0) / 2.0
        return self._colours[int(round(position * 255))]


class MatrixView(QTableView):
    """A coloured table of one matrix; ``cellClicked(row, column)`` when the user picks an entry."""

    cellClicked = Signal(int, int)

    def __init__(self, name, row_name="j", col_name="k", text_cells=TEXT_CELLS, parent=None):
        super().__init__(parent)
        self.setAccessibleName(name)
        self.matrix_model = MatrixModel(row_name, col_name, text_cells)
        self.setModel(self.matrix_model)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setFont(QFont(self.font().family(), 8))
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Fixed)
            header.setFont(QFont(self.font().family(), 7))
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.clicked.connect(lambda index: self.cellClicked.emit(index.row(), index.column()))

    def set_values(self, values, level=None, column_labels=None, row_labels=None, texts=None):
        """Show ``values`` (2-D; a 1-D array is one column) with colour levels ±``level`` (default: ±max|v|).

        Headers read "j0, j1 …" unless ``column_labels`` / ``row_labels`` name them; ``texts`` (same
        shape) replaces the cells' short default text.
        """
        values = np.asarray(values)
        if values.ndim == 1:
            values = values[:, None]
            texts = None if texts is None else np.asarray(texts, dtype=object)[:, None]
        self.matrix_model.set_values(values, level, column_labels, row_labels, texts)
        self._fit()

    def select_cell(self, row, column):
        self.setCurrentIndex(self.matrix_model.index(row, column))

    def set_font_size(self, points):
        """Larger text for a matrix that is the main thing on its page (e.g. a confusion matrix)."""
        self.setFont(QFont(self.font().family(), points))
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setFont(QFont(self.font().family(), points - 1))
        self._fit()

    def values(self):
        return self.matrix_model.values

    def _fit(self):
        rows, cols = self.matrix_model.values.shape
        if self.matrix_model.show_text:
            m = self.matrix_model
            texts = [m.text(r, c) for r in range(rows) for c in range(cols)] + list(m.column_labels or [])
            metrics = self.fontMetrics()
            cell_w = max(CELL_W, max(map(metrics.horizontalAdvance, texts), default=0) + 10)
            cell_h = max(CELL_H, metrics.height() + 6)
        else:
            cell_w = cell_h = int(max(4, min(CELL_H, MAX_SIDE // max(rows, cols, 1))))
            cell_w = max(cell_w, 12 if cols <= 4 else 0)   # a long vector stays wide enough to see
        self.horizontalHeader().setDefaultSectionSize(cell_w)
        self.verticalHeader().setDefaultSectionSize(cell_h)
        self.horizontalHeader().setMinimumSectionSize(1)
        self.verticalHeader().setMinimumSectionSize(1)
        self.setShowGrid(self.matrix_model.show_text)
        self.horizontalHeader().setVisible(self.matrix_model.show_text)
        self.verticalHeader().setVisible(self.matrix_model.show_text)
        width = cols * cell_w + (self.verticalHeader().sizeHint().width() if self.matrix_model.show_text else 0)
        height = rows * cell_h + (self.horizontalHeader().sizeHint().height() if self.matrix_model.show_text else 0)
        self.setFixedSize(QSize(min(width, MAX_SIDE + 60) + 4, min(height, MAX_SIDE + 60) + 4))
