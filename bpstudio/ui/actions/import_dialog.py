"""The CSV import dialog: a preview of the first rows, the detected delimiter and header,
and the choices a file cannot tell us — target column, how each column is encoded, what to do with
missing cells, task, scaling, validation split.

Each column's encoding starts from core's guess (``core.data.columns``, the rule the command line uses
too): numbers stay numbers, text with a few distinct values becomes one 0/1 input per category, dates
and IDs or free text are left out. The user can change any of them.

The target starts on the column a person would pick (``core.data.guess``, the command line's rule too)
and the Task on "Guess from the target", which says what it guesses for the target shown and guesses
again when the target changes. The preview's rows are numbered with the file's line numbers, the
numbers load errors name. When loading fails the window reopens the dialog with the error on top and
every choice kept (``choices``, ``problem``)."""

from dataclasses import replace
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHeaderView, QLabel, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)

from bpstudio.core.data.csv_layout import DELIMITER_NAMES

from ..panels.data_panel import SCALINGS
from ..session.options import DataOptions
from ..kit.widgets import add_row, combo

TASKS = (("Guess from the target", None), ("Classification", "classification"), ("Regression", "regression"))
ENCODINGS = (("number", "number"), ("category (one 0/1 input each)", "category"),
             ("date (year, day of the year)", "date"), ("left out", "ignore"))
LEFT_OUT = QColor("#a0a0a0")   # preview cells of columns the network will not read


class ImportDialog(QDialog):
    """Shows ``preview`` (an ``inspect_csv`` result) and collects the load options."""

    def __init__(self, path, preview, options, parent=None, choices=None, problem=""):
        super().__init__(parent)
        self.setWindowTitle(f"Import {path}")
        self.setAccessibleName("Import data")
        self.options, self.plan, self.column_tasks = options, preview.plan, preview.column_tasks
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
        layout.addWidget(self.preview, 1)
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
                              "The column the network learns to predict; the others are inputs")
        self.columns = add_row(form, "Columns", _columns_table(self.plan),
                               "How each column reaches the network; change an encoding with its list")
        self.task = add_row(form, "Task", combo(TASKS), "Left on “Guess from the target”, the task follows the target "
                            "column: classes for text or a few whole numbers, otherwise regression")
        self.drop_missing = add_row(form, "Leave out rows with missing cells", QCheckBox(),
                                    "Missing cells (empty, NA, NaN, ?, null…) are otherwise filled with the training "
                                    "split's median (numbers) or most frequent value (categories); rows without a "
                                    "target are always left out")
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
        for j in range(len(self.plan)):
            self.encoding(j).currentIndexChanged.connect(self._show_roles)
        if choices:
            self._restore(choices)
        self._show_roles()
        self._show_guess()
        self.resize(820, 720)

    def _on_target_changed(self):
        """A new target: the task is guessed again for it (a task chosen for the old target may not fit)."""
        self.task.setCurrentIndex(0)
        self._show_roles()
        self._show_guess()

    def _show_guess(self):
        task = self.column_tasks[self.target.currentIndex()] if self.column_tasks else None
        self.task.setItemText(0, f"Guess from the target ({task})" if task else "Guess from the target")

    def choices(self):
        """Everything chosen in the dialog, to open it again as it was (``choices=``)."""
        return {"load": self.load_options(), "data": self.data_options()}

    def _restore(self, choices):
        load = choices["load"]
        for box, value in ((self.delimiter, load["delimiter"]), (self.target, load["target"]),
                           (self.task, load.get("task"))):
            box.setCurrentIndex(max(box.findData(value), 0))
        self.header.setChecked(load["header"])
        self.drop_missing.setChecked(load["drop_missing"])
        for c in self.plan:
            if c.name in load.get("kinds", {}):
                self.encoding(c.index).setCurrentIndex(self.encoding(c.index).findData(load["kinds"][c.name]))
        self.scaling.setCurrentIndex(max(self.scaling.findData(choices["data"].scaling), 0))
        self.val_split.setValue(round(100 * choices["data"].val_fraction))

    def encoding(self, j):
        """The encoding list of column ``j``."""
        return self.columns.cellWidget(j, 1)

    def kinds(self):
        """{column name: kind} as chosen, for every column but the target."""
        target = self.target.currentIndex()
        return {c.name: self.encoding(c.index).currentData() for c in self.plan if c.index != target}

    def _show_roles(self):
        """Mark the target, say what each column becomes, and grey out the preview columns left out."""
        target = self.target.currentIndex()
        for c in self.plan:
            _mark_target(self.encoding(c.index), c.index == target)
        kinds = self.kinds()
        for c in self.plan:
            is_target = c.index == target
            shown = replace(c, kind="target" if is_target else kinds[c.name],
                            note=c.note if not is_target and kinds[c.name] == c.kind else "")
            self.columns.item(c.index, 2).setText(shown.describe())
            left_out = shown.kind == "ignore"
            for r in range(self.preview.rowCount()):
                cell = self.preview.item(r, c.index)
                if cell is not None:
                    cell.setForeground(QBrush(LEFT_OUT) if left_out else QBrush())
        self.columns.resizeRowsToContents()

    def load_options(self):
        """Keyword arguments for ``load_dataset``."""
        options = {"target": self.target.currentData(), "drop_missing": self.drop_missing.isChecked(),
                   "delimiter": self.delimiter.currentData(), "header": self.header.isChecked(),
                   "kinds": self.kinds()}
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


class _EncodingBox(QComboBox):
    """An encoding list inside a scrolling table: the wheel scrolls the table unless the list has focus."""

    def wheelEvent(self, event):
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def _mark_target(box, is_target):
    """The target's encoding list is empty and disabled (its placeholder says "target"); another column
    becoming the target gets back the encoding it had."""
    blocked = box.blockSignals(True)
    if is_target and box.currentIndex() >= 0:
        box.setProperty("chosen", box.currentIndex())
        box.setCurrentIndex(-1)
    elif not is_target and box.currentIndex() < 0:
        box.setCurrentIndex(box.property("chosen"))
    box.setEnabled(not is_target)
    box.blockSignals(blocked)


def _columns_table(plan):
    """One row per column: its name, its encoding (a list to change it) and what it becomes."""
    table = QTableWidget(len(plan), 3)
    table.setHorizontalHeaderLabels(["Column", "Encoding", "Becomes"])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    for c in plan:
        table.setItem(c.index, 0, QTableWidgetItem(c.name))
        box = _EncodingBox()
        box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box.setAccessibleName(f"Encoding of {c.name}")
        box.setPlaceholderText("target")
        for text, kind in ENCODINGS:
            box.addItem(text, kind)
        box.setCurrentIndex(box.findData(c.kind))
        table.setCellWidget(c.index, 1, box)
        table.setItem(c.index, 2, QTableWidgetItem(c.describe()))
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    table.setMinimumHeight(min(len(plan), 6) * 30 + 30)
    return table
