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
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableView, QWidget

TEXT_CELLS = 96          # matrices up to this many entries (≤ 16 rows and columns) print their values
TEXT_SIDE = 16
CELL_W, CELL_H = 40, 20  # pixels per cell when values are printed (at least)
MAX_SIDE = 300           # pixels: large matrices shrink their cells to fit this
MIN_CELL = 3             # pixels: a matrix fitted into a space never shrinks its cells below this (it scrolls)


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
        self.headers = "labels"   # "labels", "numbers" (1, 2 … when the labels do not fit) or None
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

    def set_display(self, show_text, headers):
        """Print the values in the cells or not; headers "labels", "numbers" or None (see MatrixView)."""
        self.show_text, self.headers = show_text, headers

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self.values.shape[0]

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self.values.shape[1]

    def data(self, index, role=Qt.DisplayRole):
        v = self.values[index.row(), index.column()]
        if role == Qt.DisplayRole:
            return self.text(index.row(), index.column()) if self.show_text else None
        if role == Qt.ToolTipRole:   # the full-precision value, named as the headers name it
            value = str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))
            return f"{self._name(Qt.Vertical, index.row())}, {self._name(Qt.Horizontal, index.column())}: {value}"
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

    def _name(self, orientation, section):
        """"j=2" for an index, "actual cat" for a labelled one."""
        name = self.col_name if orientation == Qt.Horizontal else self.row_name
        labels = self.column_labels if orientation == Qt.Horizontal else self.row_labels
        return f"{name.strip()} {labels[section]}" if labels is not None else f"{name}={section + 1}"

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.ToolTipRole:
            return self._name(orientation, section)
        if role != Qt.DisplayRole or not self.headers:
            return None
        if self.headers == "numbers":
            labels = self.column_labels if orientation == Qt.Horizontal else self.row_labels
            number = str(section + 1)
            # columns by number only; rows say which name the number stands for
            return number if orientation == Qt.Horizontal or labels is None else f"{number}  {labels[section]}"
        return self.label(orientation, section)

    def label(self, orientation, section):
        labels = self.column_labels if orientation == Qt.Horizontal else self.row_labels
        if labels is not None:
            return str(labels[section])
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
        self.space = None   # a QSize to fit into (see fit_into), or None: a size of its own up to MAX_SIDE
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
        if self.space is not None:   # fitted: its holder's preferred width follows the new values
            self.parentWidget().updateGeometry()

    def select_cell(self, row, column):
        self.setCurrentIndex(self.matrix_model.index(row, column))

    def clear_cell(self):
        """No cell selected or current (another matrix's cell was picked)."""
        self.clearSelection()
        self.setCurrentIndex(QModelIndex())

    def set_font_size(self, points):
        """Larger text for a matrix that is the main thing on its page (e.g. a confusion matrix)."""
        self.setFont(QFont(self.font().family(), points))
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setFont(QFont(self.font().family(), points - 1))
        self._fit()

    def values(self):
        return self.matrix_model.values

    def fit_into(self, size):
        """Take at most ``size`` (a QSize): the cells shrink to fit it (a big matrix: coloured squares
        with the values in tooltips, rows and columns numbered, or unlabelled when even numbers do not
        fit), down to MIN_CELL pixels, below which the table scrolls. Call again when the space changes."""
        self.space = size
        self._fit()

    def natural_width(self):
        """Pixels the matrix takes across with its values printed and its headers labelled."""
        m = self.matrix_model
        kept = m.show_text, m.headers
        m.set_display(True, "labels")
        width = self._table_size(*self._natural_cell())[0]
        m.set_display(*kept)
        return width

    def _natural_cell(self):
        """(width, height) of a cell when the values are printed, from the widest text."""
        m = self.matrix_model
        rows, cols = m.values.shape
        texts = [m.text(r, c) for r in range(rows) for c in range(cols)] + [m.label(Qt.Horizontal, c) for c in range(cols)]
        metrics = self.fontMetrics()
        return (max(CELL_W, max(map(metrics.horizontalAdvance, texts), default=0) + 10),
                max(CELL_H, metrics.height() + 6))

    def _fit(self):
        m = self.matrix_model
        rows, cols = m.values.shape
        if self.space is not None:
            return self._fit_space(rows, cols)
        if m.show_text:
            cell_w, cell_h = self._natural_cell()
        else:
            cell_w = cell_h = int(max(4, min(CELL_H, MAX_SIDE // max(rows, cols, 1))))
            cell_w = max(cell_w, 12 if cols <= 4 else 0)   # a long vector stays wide enough to see
        m.set_display(m.show_text, "labels" if m.show_text else None)
        width, height = self._apply(cell_w, cell_h)
        # A capped side scrolls: its scroll bar gets room of its own instead of hiding the last row.
        bar = self.horizontalScrollBar().sizeHint().height()
        capped_w, capped_h = width > MAX_SIDE + 60, height > MAX_SIDE + 60
        self.setFixedSize(QSize(min(width, MAX_SIDE + 60) + 4 + (bar if capped_h else 0),
                                min(height, MAX_SIDE + 60) + 4 + (bar if capped_w else 0)))

    def _fit_space(self, rows, cols):
        """Cells as printed if they fit ``space``; else square cells as large as fit."""
        m = self.matrix_model
        m.set_display(True, "labels")
        cell_w, cell_h = self._natural_cell()
        width, height = self._table_size(cell_w, cell_h)
        if width > self.space.width() or height > self.space.height():
            for headers in ("labels", "numbers", None):   # the first whose cells leave it room
                m.set_display(True, headers)
                cell_w = cell_h = self._largest_cell(rows, cols)
                if self._headers_fit(cell_w, cell_h):
                    break
            m.set_display(self.fontMetrics().height() + 2 <= cell_h and all(
                self.fontMetrics().horizontalAdvance(m.text(r, c)) + 4 <= cell_w
                for r in range(rows) for c in range(cols)), m.headers)
        width, height = self._apply(cell_w, cell_h)
        frame = 2 * self.frameWidth()
        fits = width + frame <= self.space.width() and height + frame <= self.space.height()
        policy = Qt.ScrollBarAlwaysOff if fits else Qt.ScrollBarAsNeeded   # scrolls only at MIN_CELL
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)
        self.setFixedSize(QSize(min(width + frame, self.space.width()), min(height + frame, self.space.height())))

    def _largest_cell(self, rows, cols):
        header_w, header_h = self._header_room()
        frame = 2 * self.frameWidth()
        room_w, room_h = self.space.width() - header_w - frame, self.space.height() - header_h - frame
        return max(MIN_CELL, min(room_w // max(cols, 1), room_h // max(rows, 1), CELL_W))

    def _headers_fit(self, cell_w, cell_h):
        """Whether the model's header mode is readable with these cells: a line of text per row, and
        each column's label (or number) as wide as a column at most."""
        m = self.matrix_model
        if not m.headers:
            return True
        metrics = self.horizontalHeader().fontMetrics()
        cols = m.values.shape[1]
        widest = max((metrics.horizontalAdvance(m.headerData(c, Qt.Horizontal)) for c in range(cols)), default=0)
        return metrics.height() <= cell_h and widest + 6 <= cell_w

    def _header_room(self):
        """Pixels the headers take (0 when hidden), for the mode the model is in."""
        m = self.matrix_model
        if not m.headers:
            return 0, 0
        metrics = self.verticalHeader().fontMetrics()
        rows = m.values.shape[0]
        widest = max((metrics.horizontalAdvance(m.headerData(r, Qt.Vertical) or "") for r in range(rows)), default=0)
        return widest + 12, metrics.height() + 8

    def _table_size(self, cell_w, cell_h):
        rows, cols = self.matrix_model.values.shape
        header_w, header_h = self._header_room()
        return cols * cell_w + header_w + 4, rows * cell_h + header_h + 4

    def _apply(self, cell_w, cell_h):
        """Size the sections and show or hide grid and headers; returns the table's (width, height)."""
        m = self.matrix_model
        rows, cols = m.values.shape
        self.horizontalHeader().setMinimumSectionSize(1)
        self.verticalHeader().setMinimumSectionSize(1)
        self.horizontalHeader().setDefaultSectionSize(cell_w)
        self.verticalHeader().setDefaultSectionSize(cell_h)
        self.setShowGrid(m.show_text)
        self.horizontalHeader().setVisible(bool(m.headers))
        self.verticalHeader().setVisible(bool(m.headers))
        m.headerDataChanged.emit(Qt.Horizontal, 0, max(cols - 1, 0))
        m.headerDataChanged.emit(Qt.Vertical, 0, max(rows - 1, 0))
        if rows and cols:
            m.dataChanged.emit(m.index(0, 0), m.index(rows - 1, cols - 1))
        width = cols * cell_w + (self.verticalHeader().sizeHint().width() if m.headers else 0)
        height = rows * cell_h + (self.horizontalHeader().sizeHint().height() if m.headers else 0)
        return width, height


class FittedMatrix(QWidget):
    """A MatrixView that fits into whatever room its layout gives this widget (it never asks for more)."""

    def __init__(self, view, parent=None):
        super().__init__(parent)
        self.view = view
        view.setParent(self)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        self.setMinimumSize(120, 120)

    def sizeHint(self):
        # As wide as the matrix with its values printed (what sits beside it stays close), but only the
        # minimum high: a scroll area around a panel with wrapping labels sizes it by the preferred
        # height (height-for-width); the Expanding policy still hands this widget all the height there is.
        return QSize(self.view.natural_width(), self.minimumHeight())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.view.move(0, 0)
        self.view.fit_into(self.size())
