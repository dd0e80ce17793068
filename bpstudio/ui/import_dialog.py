"""The CSV import dialog: a preview of the first rows, the detected delimiter and header,
and the choices a file cannot tell us — target column, task, scaling, validation split."""

from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)

from bpstudio.core.csv_layout import DELIMITER_NAMES

from .data_panel import SCALINGS
from .session import DataOptions
from .widgets import add_row, combo

TASKS = (("Guess from the target", None), ("Classification", "classification"), ("Regression", "regression"))


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
        layout.addWidget(_preview_table(preview))
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
        self.resize(760, 520)

    def load_options(self):
        """Keyword arguments for ``load_dataset``."""
        options = {"target": self.target.currentData(), "drop_missing": self.drop_missing.isChecked(),
                   "delimiter": self.delimiter.currentData(), "header": self.header.isChecked()}
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
