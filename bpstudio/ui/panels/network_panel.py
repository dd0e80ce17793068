"""Network design: hidden layers (add, remove, reorder; neurons and activation), output activation,
cost function, initialization, seed and precision.

Every valid edit rebuilds the network through the session. An output/cost
pair the engine cannot train is explained under the controls and not applied;
``validityChanged(False)`` tells the window to disable Start until it is fixed.
"""

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSpinBox, QStyle, QTableWidget, QVBoxLayout)

from bpstudio.core.nn.heads import check_pair, cost_for_output

from ..kit.widgets import add_row, combo, select_data

HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear", "tanh", "relu", "leaky_relu")
COSTS = (("Cross-entropy (softmax)", "cross_entropy"), ("Binary cross-entropy (sigmoid)", "bce"),
         ("Mean squared error", "mse"), ("Half mean squared error", "half_mse"), ("Sum of squared errors", "sse"),
         ("Half sum of squared errors", "half_sse"))
INITS = (("Auto (Xavier for tanh/sigmoid, He for ReLU)", "auto"), ("Xavier / Glorot uniform", "xavier"),
         ("He normal", "he"), ("Normal N(0, 1)", "normal"))


class NetworkPanel(QGroupBox):
    validityChanged = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__("Network", parent)
        self.session = session
        layout = QVBoxLayout(self)
        self.input_label = QLabel()
        layout.addWidget(self.input_label)
        layout.addWidget(QLabel("Hidden layers"))
        self.table = _layer_table()
        self.table.setAccessibleName("Hidden layers")
        layout.addWidget(self.table)
        layout.addLayout(self._layer_buttons())
        form = QFormLayout()
        layout.addLayout(form)
        self.output_size = add_row(form, "Output neurons", QLabel())
        self.output = add_row(form, "Output activation", combo((a, a) for a in OUTPUT_ACTIVATIONS))
        self.cost = add_row(form, "Cost function", combo(COSTS), "The cost C the network minimizes")
        self.init = add_row(form, "Initialization", combo(INITS))
        self.seed = add_row(form, "Weight seed", QSpinBox(), "The same seed always gives the same initial weights")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.dtype = add_row(form, "Precision", combo((("float64", "float64"), ("float32", "float32"))))
        self.valid = True   # the design shown is one the session can build (False: Start is disabled)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setAccessibleName("Network problem")
        layout.addWidget(self.problem)
        self.summary = QLabel()
        self.summary.setAccessibleName("Network summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.output.currentIndexChanged.connect(self._on_output_changed)
        for box in (self.cost, self.init, self.dtype):
            box.currentIndexChanged.connect(self._apply)
        self.seed.valueChanged.connect(self._apply)
        session.networkChanged.connect(self.show_spec)
        session.stateChanged.connect(lambda state: self.setEnabled(state.editable))
        self.show_spec()

    def _layer_buttons(self):
        row = QHBoxLayout()
        arrows = QStyle.StandardPixmap
        for text, icon, tip, slot in (
                ("Add layer", None, "Add a hidden layer below the selected one", self.add_layer),
                ("Remove layer", None, "Remove the selected hidden layer", self.remove_layer),
                ("Move layer up", arrows.SP_ArrowUp, "Move the selected layer towards the input",
                 lambda: self.move_layer(-1)),
                ("Move layer down", arrows.SP_ArrowDown, "Move the selected layer towards the output",
                 lambda: self.move_layer(1))):
            button = QPushButton(text if icon is None else "")
            if icon is not None:   # arrow buttons show an icon; screen readers read the name
                button.setIcon(self.style().standardIcon(icon))
            button.setAccessibleName(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        return row

    # --- hidden layers ----------------------------------------------------------------

    def hidden(self):
        """((neurons, activation), …) as shown in the table."""
        return tuple((self.table.cellWidget(r, 0).value(), self.table.cellWidget(r, 1).currentData())
                     for r in range(self.table.rowCount()))

    def set_hidden(self, hidden):
        """Fill the table (without applying) — used when the session's network changes."""
        self.table.setRowCount(0)
        self._fit_height()
        for neurons, activation in hidden:
            self._insert_row(self.table.rowCount(), neurons, activation)

    def _fit_height(self):
        """Show up to 5 layers without scrolling, and no empty space below fewer."""
        rows = min(max(self.table.rowCount(), 2), 5)
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + rows * self.table.verticalHeader().defaultSectionSize() + 4)

    def _insert_row(self, row, neurons, activation):
        self.table.insertRow(row)
        self._fit_height()
        spin = QSpinBox()
        spin.setRange(1, 4096)
        spin.setValue(neurons)
        spin.setKeyboardTracking(False)
        spin.setAccessibleName("Neurons")
        spin.valueChanged.connect(self._apply)
        act = combo(((a, a) for a in HIDDEN_ACTIVATIONS), activation)
        act.setAccessibleName("Activation")
        act.currentIndexChanged.connect(self._apply)
        self.table.setCellWidget(row, 0, spin)
        self.table.setCellWidget(row, 1, act)

    def add_layer(self):
        row = self.table.currentRow() + 1 if self.table.currentRow() >= 0 else self.table.rowCount()
        neurons, activation = self.hidden()[row - 1] if row > 0 else (8, "tanh")
        self._insert_row(row, neurons, activation)
        self.table.selectRow(row)
        self._apply()

    def remove_layer(self):
        row = self.table.currentRow() if self.table.currentRow() >= 0 else self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self._fit_height()
            self._apply()

    def move_layer(self, offset):
        row = self.table.currentRow()
        hidden = list(self.hidden())
        target = row + offset
        if row < 0 or not 0 <= target < len(hidden):
            return
        hidden[row], hidden[target] = hidden[target], hidden[row]
        self.set_hidden(hidden)
        self.table.selectRow(target)
        self._apply()

    # --- applying -------------------------------------------------------------------------

    def spec(self):
        return replace(self.session.spec, hidden=self.hidden(), output=self.output.currentData(),
                       cost=self.cost.currentData(), init=self.init.currentData(), seed=self.seed.value(),
                       dtype=self.dtype.currentData())

    def _on_output_changed(self):
        select_data(self.cost, cost_for_output(self.output.currentData(), self.session.dataset.is_classification,
                                               current=self.cost.currentData()))
        self._apply()

    def _apply(self):
        spec = self.spec()
        try:
            check_pair(spec.cost, spec.output)
        except ValueError as exc:
            return self._show_problem(f"Not applied: {exc}.")
        self._show_problem("")
        try:
            applied = spec == self.session.spec or self.session.set_network_spec(spec)
        except ValueError as exc:
            return self._show_problem(f"Not applied: {exc}.")
        if not applied:
            self.show_spec()

    def show_spec(self):
        """Show the session's network (after it changed elsewhere, e.g. new data)."""
        spec, net = self.session.spec, self.session.net
        blocked = [w.blockSignals(True) for w in (self.output, self.cost, self.init, self.seed, self.dtype)]
        self.set_hidden(spec.hidden)
        select_data(self.output, spec.output)
        select_data(self.cost, spec.cost)
        select_data(self.init, spec.init)
        self.seed.setValue(spec.seed)
        select_data(self.dtype, spec.dtype)
        for w, b in zip((self.output, self.cost, self.init, self.seed, self.dtype), blocked):
            w.blockSignals(b)
        ds = self.session.dataset
        self.input_label.setText(f"Inputs: {net.sizes[0]} (the data's features)")
        self.output_size.setText(_outputs_text(net.sizes[-1], ds))
        self.output_size.setToolTip(_outputs_tip(net.sizes[-1], ds))
        self.summary.setText(f"{' → '.join(map(str, net.sizes))}   ·   {net.n_parameters:,} parameters")
        self._show_problem("")

    def _show_problem(self, text):
        """Say what is wrong with the design ("" when nothing is); ``valid`` and Start follow."""
        self.problem.setText(text)
        self.valid = not text
        self.validityChanged.emit(self.valid)


def _layer_table():
    table = QTableWidget(0, 2)
    table.setHorizontalHeaderLabels(["Neurons", "Activation"])
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(30)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return table


def _outputs_text(n_outputs, ds):
    """"2 (classes in the data)"; "1 (P(malignant))" for one sigmoid output on two classes."""
    if ds.is_classification and n_outputs == 1 and ds.n_outputs == 2:
        return f"1 (P({ds.class_names[1]}))"
    return f"{n_outputs} ({'classes' if ds.is_classification else 'targets'} in the data)"


def _outputs_tip(n_outputs, ds):
    if ds.is_classification and n_outputs == 1 and ds.n_outputs == 2:
        return (f"One sigmoid output for the 2 classes: the probability of {ds.class_names[1]!r} "
                f"(of {ds.class_names[0]!r}: 1 minus it), as in the command line")
    return "One output neuron per class or target of the data"
