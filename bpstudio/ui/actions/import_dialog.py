"""The CSV import dialog: a preview of the first rows, the detected delimiter and header,
and the choices a file cannot tell us — target column, which columns are inputs, task,
scaling, validation split. Columns holding text start unticked: inputs must be numbers.

The target starts on the column a person would pick (``core.data.guess``, the rule the command line
uses too) and the Task on "Guess from the target", which says what it guesses for the target chosen.
The preview's rows are numbered with the file's line numbers, the numbers load errors name. When
loading fails the window reopens the dialog with the error on top and every choice kept.
"""

from html import escape

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

    def __init__(self, path, preview, options, parent=None, choices=None, problem=""):
        super().__init__(parent)
        self.setWindowTitle(f"Import {path}")
        self.setAccessibleName("Import data")
        self.options, self.column_tasks = options, preview.column_tasks
        layout = QVBoxLayout(self)
        self.problem = QLabel(f"Could not load the file: {problem}" if problem else "")
        self.problem.setAccessibleName("Import problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setVisible(bool(problem))
        layout.addWidget(self.problem)
        info = QLabel(f"<b>{escape(str(path))}</b><br>The first {len(preview.rows)} rows as read with the detected "
                      "layout (numbered with the file's line numbers):")
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
        self.task = add_row(form, "Task", combo(TASKS), "Left on “Guess from the target”, the task follows the target "
                            "column: classes for text or a few whole numbers, otherwise regression")
        self.drop_missing = add_row(form, "Drop rows with missing values", QCheckBox(),
                                    "Otherwise an empty or NA cell is an error naming its line and column")
        self.scaling = add_row(form, "Scaling", combo(SCALINGS, options.scaling))
        self.val_split = add_row(form, "Validation split", QSpinBox())
        self.val_split.setRange(0, 90)
        self.val_split.setSuffix(" %")
        self.val_split.setValue(round(100 * options.val_fraction))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Import")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.inputs.itemChanged.connect(self._show_inputs)
        if choices:
            self._restore(choices)
        self._show_inputs()
        self._show_guess()
        self.resize(760, 660)

    def _on_target_changed(self):
        """A new target: the task is guessed again for it (a task chosen for the old target may not fit)."""
        self.task.setCurrentIndex(0)
        self._show_inputs()
        self._show_guess()

    def _show_guess(self):
        task = self.column_tasks[self.target.currentIndex()] if self.column_tasks else None
        self.task.setItemText(0, f"Guess from the target ({task})" if task else "Guess from the target")

    def choices(self):
        """Everything chosen in the dialog, to open it again as it was (``choices=``)."""
        return {"load": self.load_options(), "data": self.data_options(),
                "unticked": [j for j in range(self.inputs.count())
                             if self.inputs.item(j).checkState() != Qt.CheckState.Checked]}

    def _restore(self, choices):
        load = choices["load"]
        for box, value in ((self.delimiter, load["delimiter"]), (self.target, load["target"]),
                           (self.task, load.get("task"))):
            box.setCurrentIndex(max(box.findData(value), 0))
        self.header.setChecked(load["header"])
        self.drop_missing.setChecked(load["drop_missing"])
        for j in range(self.inputs.count()):
            state = Qt.CheckState.Unchecked if j in choices["unticked"] else Qt.CheckState.Checked
            self.inputs.item(j).setCheckState(state)
        self.scaling.setCurrentIndex(max(self.scaling.findData(choices["data"].scaling), 0))
        self.val_split.setValue(round(100 * choices["data"].val_fraction))

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
    if preview.row_lines:   # "line 7" in an error is the row numbered 7 here
        table.setVerticalHeaderLabels([str(line) for line in preview.row_lines])
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
