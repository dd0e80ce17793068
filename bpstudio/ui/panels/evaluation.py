"""How good is the model on data it did not train on? A confusion matrix or predicted vs actual.

Classification: accuracy, each class's precision and recall, and the confusion matrix — rows are
the actual class, columns the predicted class, each cell counts validation samples (the diagonal is
right). Regression: one point per validation sample, predicted against actual in the target's own
units, with the line y = x where a perfect model would put every point, and R², RMSE and MAE per
target in the target's units.

The scores come from ``bpstudio.core.train.evaluation`` (as in the command line); this widget only shows them.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from bpstudio.core.train.evaluation import evaluate
from ..kit.matrixview import FittedMatrix, MatrixView
from ..kit.plotstyle import PALETTE, make_plot


class EvaluationPanel(QWidget):
    """Call ``set_classification`` or ``set_regression`` after training (or whenever the weights change)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts, self.points = None, None
        self.summary = QLabel("Train a network to see how it does on the validation split.")
        self.summary.setWordWrap(True)
        self.matrix = MatrixView("Confusion matrix", "actual ", "predicted ", text_cells=400)
        self.matrix.set_font_size(11)
        self.per_class = _per_class_table()
        confusion = QWidget()
        box = QVBoxLayout(confusion)
        row = QHBoxLayout()
        matrix = QVBoxLayout()
        title = QLabel("<b>Confusion matrix</b> — rows: actual class, columns: predicted class. "
                       "Hover a cell for its classes and count.")
        title.setWordWrap(True)
        matrix.addWidget(title)
        # the matrix fits the room the panel has: many classes shrink the cells instead of spilling over
        matrix.addWidget(FittedMatrix(self.matrix), 1)
        row.addLayout(matrix)
        side = QVBoxLayout()   # the per-class table beside the matrix, at the top, scrolling when long
        side.addWidget(self.per_class, 1)
        side.addStretch(0)
        row.addLayout(side)
        row.addStretch(1)
        box.addLayout(row, 1)
        self.plot = make_plot("Predicted vs actual", "actual", "predicted")
        # no locked aspect: in a wide dock it left most of the width empty; the same range on both axes
        # (set per target) keeps y = x the diagonal of the data's square
        self.scatter = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(PALETTE[0] + "99"))
        self.diagonal = self.plot.plot(pen=pg.mkPen("#888", width=1, style=Qt.DashLine))
        self.plot.addItem(self.scatter)
        self.target = QComboBox()
        self.target.setAccessibleName("Target")
        self.target.currentIndexChanged.connect(self._show_target)
        regression = QWidget()
        box = QVBoxLayout(regression)
        row = QHBoxLayout()
        row.addWidget(QLabel("Target"))
        row.addWidget(self.target)
        row.addStretch(1)
        box.addLayout(row)
        box.addWidget(self.plot, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(confusion)
        self.pages.addWidget(regression)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)

    def set_classification(self, net, X, Y, class_names, split="validation"):
        """Confusion matrix of ``net`` on X (scaled inputs), Y (one-hot or one 0/1 column)."""
        self.scores = evaluate(net.predict(X), Y, "classification", class_names)
        self.counts, names = self.scores.confusion, self.scores.names
        self.matrix.set_values(self.counts, column_labels=names, row_labels=names)
        _fill_per_class(self.per_class, self.scores)
        self.summary.setText(f"{split.capitalize()} split: {len(X)} samples, accuracy {self.scores.accuracy:.1%} "
                             f"({int(np.trace(self.counts))} on the diagonal). Precision of a class: of the samples "
                             "predicted as it, the share that are it; recall: of the samples that are it, the "
                             "share found.")
        self.pages.setCurrentIndex(0)

    def set_regression(self, net, X, Y, target_names, y_scaler=None, split="validation"):
        """Predicted vs actual for ``net`` on X, Y (scaled); ``y_scaler`` maps both back to the target's units."""
        predicted, actual = net.predict(X), np.asarray(Y)
        if y_scaler is not None:
            predicted, actual = y_scaler.inverse_transform(predicted), y_scaler.inverse_transform(actual)
        self.points = (np.asarray(predicted, np.float64), np.asarray(actual, np.float64))
        names = list(target_names) if len(target_names) == actual.shape[1] else [f"y{i}" for i in range(actual.shape[1])]
        self.scores = evaluate(*self.points, "regression", target_names=names)
        self.split, self.n_samples = split, len(X)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(names)
        self.target.blockSignals(False)
        self.pages.setCurrentIndex(1)
        self._show_target(0)

    def _show_target(self, column):
        if self.points is None or column < 0:
            return
        predicted, actual = self.points[0][:, column], self.points[1][:, column]
        self.scatter.setData(actual, predicted)
        both = np.concatenate([actual, predicted])
        lo, hi = float(both.min(initial=0.0)), float(both.max(initial=1.0))
        self.diagonal.setData([lo, hi], [lo, hi])
        self.plot.setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0.05)
        s = self.scores
        self.summary.setText(f"{self.split.capitalize()} split: {self.n_samples} samples. {self.target.currentText()}: "
                             f"R² {s.r2[column]:.3f}, RMSE {s.rmse[column]:.4g}, MAE {s.mae[column]:.4g} (in the "
                             "target's units). Points on the dashed line y = x are predicted exactly.")


def _per_class_table():
    table = QTableWidget(0, 3)
    table.setAccessibleName("Per class")
    table.setHorizontalHeaderLabels(["precision", "recall", "samples"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fill_per_class(table, scores):
    """One row per class: precision, recall (— where nothing to divide by) and how many samples are it.

    While training this runs every second: cells are rewritten in place, and only those whose text
    changed (new items, headers and sizes cost the GUI thread — and so training — far more)."""
    names = [str(name) for name in scores.names]
    if [table.verticalHeaderItem(r).text() if table.verticalHeaderItem(r) else None
            for r in range(table.rowCount())] != names:
        table.setRowCount(len(names))
        table.setVerticalHeaderLabels(names)
    support = scores.confusion.sum(axis=1)
    changed = False
    for r, values in enumerate(zip(scores.precision, scores.recall)):
        texts = [f"{100 * v:.1f} %" if np.isfinite(v) else "—" for v in values] + [str(int(support[r]))]
        for c, text in enumerate(texts):
            item = table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(r, c, item)
            if item.text() != text:
                item.setText(text)
                changed = True
    if changed:
        _fit_per_class(table)


def _fit_per_class(table):
    """As wide as its columns; as tall as its rows when there is room, else it scrolls (many classes)."""
    bar = table.verticalScrollBar().sizeHint().width()
    table.setFixedWidth(table.verticalHeader().sizeHint().width() + table.horizontalHeader().length() + 4 + bar)
    table.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Ignored)   # the height the matrix has
    table.setMaximumHeight(table.horizontalHeader().sizeHint().height() + table.verticalHeader().length() + 4)
