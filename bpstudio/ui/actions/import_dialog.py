"""The CSV import dialog: a preview of the first rows, the detected delimiter and header,
and the choices a file cannot tell us — target column, which columns are inputs, task,
scaling, validation split. Columns holding text start unticked: inputs must be numbers."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QListWidget, QListWidgetItem, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from bpstudio.core.data.csv_layout import DELIMITER_NAMES

from ..panels.data_panel import SCALINGS
from ..session.session import DataOptions
from ..kit.widgets import add_row, combo

TASKS = (("Guess from the target", None), ("Classification", "classification"), ("Regression", "regression"))
LEFT_OUT = QColor("#a0a0a0")   # preview cells of columns the network will not read


class ImportDialog(QDialog):
    """Shows ``preview`` (an ``inspect_csv`` result) and collects the load options."""

    def __init__(self, path, preview, options, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Import {path}")
        self.setAccessibleName("Import data")
        self.options = options
        layout = QVBoxLayout(self)
        info = QLabel(f"<b>{path}</b><br>The first {len(preview.rows)} rows as read with the detected layout:")
        info.setWordWrap(True)
        layout.addWidget(info)
        self.preview = _preview_table(preview)
        layout.addWidget(self.preview)
        form = QFormLayout()
        layout.addLayout(form)
        self.delimiter = add_row(form, "Delimiter", combo(
            ((f"{name} (detected)" if d == preview.delimiter else name, d) for d, name in DELIMITER_NAMES.items()),
            preview.delimiter))
        self.header = add_row(form, "First row is a header", QCheckBox(),
                              "Detected from the file; untick if the first row holds data")
        self.header.setChecked(preview.has_header)
        columns = [(name, name) for name in preview.columns]
        self.target = add_row(form, "Target column", combo(columns, preview.suggested_target),
                              "The column the network learns to predict; every other column is an input")
        self.inputs = add_row(form, "Inputs", _inputs_list(preview),
                              "The columns the network reads; untick one to leave it out (an ID, a comment…). "
                              "Columns holding text start unticked: inputs must be numbers")
        self.task = add_row(form, "Task", combo(TASKS, preview.suggested_task))
        self.drop_missing = add_row(form, "Drop rows with missing values", QCheckBox(),
                                    "Otherwise an empty or NA cell is an error naming its line and column")
        self.scaling = add_row(form, "Scaling", combo(SCALINGS, options.scaling))
        self.val_split = add_row(form, "Validation split", QSpinBox())
        self.val_split.setRange(0, 90)
        self.val_split.setSuffix(" %")
        self.val_split.setValue(round(100 * options.val_fraction))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.target.currentIndexChanged.connect(self._show_inputs)
        self.inputs.itemChanged.connect(self._show_inputs)
        self._show_inputs()
        self.resize(760, 620)

    def ignored_columns(self):
        """0-based indices of the columns left out (never the target)."""
        target = self.target.currentIndex()
        return [j for j in range(self.inputs.count())
                if j != target and self.inputs.item(j).checkState() != Qt.CheckState.Checked]

    def _show_inputs(self):
        """Hide the target from the inputs list and grey out the preview columns left out."""
        target, ignored = self.target.currentIndex(), set(self.ignored_columns())
        for j in range(self.inputs.count()):
            self.inputs.item(j).setHidden(j == target)
            for r in range(self.preview.rowCount()):
                cell = self.preview.item(r, j)
                if cell is not None:
                    cell.setForeground(QBrush(LEFT_OUT) if j in ignored else QBrush())

    def load_options(self):
        """Keyword arguments for ``load_dataset``."""
        options = {"target": self.target.currentData(), "drop_missing": self.drop_missing.isChecked(),
                   "delimiter": self.delimiter.currentData(), "header": self.header.isChecked()}
        ignored = self.ignored_columns()
        if ignored:
            options["ignore"] = ignored
        if self.task.currentData():
            options["task"] = self.task.currentData()
        return options

    def data_options(self):
        return DataOptions(scaling=self.scaling.currentData(), val_fraction=self.val_split.value() / 100,
                           seed=self.options.seed)


def _preview_table(preview):
    table = QTableWidget(len(preview.rows), len(preview.columns))
    table.setAccessibleName("Preview")
    table.setHorizontalHeaderLabels([str(c) for c in preview.columns])
    for r, row in enumerate(preview.rows):
        for c, cell in enumerate(row[:len(preview.columns)]):
            table.setItem(r, c, QTableWidgetItem(cell))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.resizeColumnsToContents()
    return table


def _inputs_list(preview):
    """One checkable item per column; text columns unticked, with the reason."""
    inputs = QListWidget()
    inputs.setMaximumHeight(110)
    for j, name in enumerate(preview.columns):
        text = j in preview.text_columns
        item = QListWidgetItem(f"{name}  (text: left out)" if text else str(name))
        item.setCheckState(Qt.CheckState.Unchecked if text else Qt.CheckState.Checked)
        if text:
            item.setToolTip("This column holds text; inputs must be numbers (encode categories as 0/1 columns)")
        inputs.addItem(item)
    return inputs
