"""The backprop inspector: every number of one forward and backward pass, next to its equation.

Pick a sample (or a few consecutive samples, a small batch). Each weight layer gets a row
that reads like the seeds, left to right: aˡ⁻¹, Wˡ, bˡ → zˡ = Wˡaˡ⁻¹ + bˡ → aˡ = σ(zˡ), σ′(zˡ),
on the output layer the target y and ∇ₐC, then δˡ → ∇Wˡ, ∇bˡ; each a small coloured table
under the formula that produced it. "Digits" sets the tables' precision (a value is never
rounded into something it is not, and an activation shows enough digits to give its σ′).
Click an entry of ∇Wˡ to see its chain rule with every number substituted at full
precision — for a batch, δⱼaₖ per sample and their mean, which is the cell. "Step" applies
W ← W − η ∇W once and shows W and b before, after and ΔW = −η∇W; "Gradient check" compares
backprop with finite differences (passed / inconclusive / failed, with the reason);
"Export handout…" writes the whole pass as Markdown with LaTeX math.

All numbers and texts come from ``bpstudio.core.explain``; this widget only lays them out.
It works on the network it is given, so the caller must not be training that network at
the same time (see ``set_editable``).
"""

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpstudio.core.explain.chainrule import chain_rule, derivation, derivation_text
from bpstudio.core.explain.gradcheck import CheckCancelled, check_weight, gradcheck
from bpstudio.core.explain.handout import handout_markdown
from bpstudio.core.explain.notation import (
    UNICODE,
    rounded,
    rounded_consistent,
    sub,
    sup,
)
from bpstudio.core.explain.walkthrough import descent_step, walkthrough
from bpstudio.core.io.atomic import write_text

from ..kit.matrixview import TEXT_CELLS, TEXT_SIDE, MatrixView

# (key in LayerStep, title, row index name, column index name); y and ∇ₐC exist on the output layer only.
QUANTITIES = (
    ("a_prev", "input", "k", "n"),
    ("W", "weights", "j", "k"),
    ("b", "biases", "j", "b"),
    ("z", "pre-activation", "j", "n"),
    ("a", "activation", "j", "n"),
    ("sigma_prime", "σ′", "j", "n"),
    ("y", "target", "j", "n"),
    ("grad_a", "∇ₐC", "j", "n"),
    ("delta", "error", "j", "n"),
    ("grad_w", "weight gradient", "j", "k"),
    ("grad_b", "bias gradient", "j", "n"),
)
FORWARD = ("a_prev", "W", "b", "z", "a", "sigma_prime")
PER_SAMPLE = ("a_prev", "z", "a", "sigma_prime", "y", "grad_a", "delta")
DIGITS = (("3 digits", 3), ("4 digits", 4), ("6 digits", 6), ("8 digits", 8), ("12 digits", 12),
          ("full (17)", 17))
DEFAULT_DIGITS = 4
# σ′ written from a, so an activation's shown digits can be checked against its σ′ (see rounded_consistent).
_FROM_A = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a}


def _mono_label(text=""):
    label = QLabel(text)
    label.setFont(QFont("DejaVu Sans Mono", 9))
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def printed(values):
    """Whether a MatrixView prints these values (small) or only colours them (then no texts are needed)."""
    values = np.atleast_2d(values)
    return values.size <= TEXT_CELLS and max(values.shape) <= TEXT_SIDE


def texts(values, digits):
    """Cell texts of ``values`` at ``digits`` significant digits (never a false whole number); None when
    the matrix is too large to print its values."""
    values = np.asarray(values, dtype=np.float64)
    if not printed(values):
        return None
    out = np.empty(values.shape, dtype=object)
    for index, v in np.ndenumerate(values):
        out[index] = rounded(v, digits)
    return out


class LayerRow(QGroupBox):
    """One weight layer: a titled formula and a MatrixView per quantity."""

    def __init__(self, layer, n_in, n_out, activation, output):
        l = sup(layer)
        super().__init__(f"Layer {layer}:  {n_in} → {n_out} neurons, {activation}.   "
                         f"Update: W{l} ← W{l} − η ∇W{l},  b{l} ← b{l} − η ∇b{l}")
        self.layer, self.activation = layer, activation
        self.shape = (n_in, n_out, activation, output)   # what the row was built for
        grid = QGridLayout(self)
        self.equations, self.views, self.headers = {}, {}, {}
        columns = [0, 0]   # the forward pass on the first line, the backward pass on the second
        for key, title, row_name, col_name in QUANTITIES:
            if key in ("y", "grad_a") and not output:
                continue
            line = 0 if key in FORWARD else 1
            header = QLabel(f"<b>{title}</b>")
            equation = _mono_label()
            equation.setAccessibleName(f"Layer {layer} {title} equation")
            view = MatrixView(f"Layer {layer} {title}", row_name, col_name)
            grid.addWidget(header, 3 * line, columns[line])
            grid.addWidget(equation, 3 * line + 1, columns[line], Qt.AlignTop)
            grid.addWidget(view, 3 * line + 2, columns[line], Qt.AlignTop | Qt.AlignLeft)
            self.equations[key], self.views[key], self.headers[key] = equation, view, header
            columns[line] += 1
        grid.setColumnStretch(max(columns), 1)

    def show_step(self, step, first_sample, digits):
        """Fill in one ``LayerStep``: per-sample vectors become columns, headed by their sample number."""
        samples = [f"#{first_sample + n}" for n in range(len(step.z))]   # first_sample counts from 1
        for key, view in self.views.items():
            values = getattr(step, key)
            self.equations[key].setText(step.equations[key])
            view.setVisible(values is not None)   # softmax: no σ′ and no ∇ₐC per neuron
            if values is None:
                continue
            shown = texts(values, digits)
            if shown is not None and key == "a" and step.sigma_prime is not None and self.activation in _FROM_A:
                shown = rounded_consistent(values, step.sigma_prime, _FROM_A[self.activation], digits)
            if key in PER_SAMPLE:
                view.set_values(values.T, column_labels=samples, texts=None if shown is None else shown.T)
            elif key in ("grad_b", "b"):
                view.set_values(values, column_labels=["∇b" if key == "grad_b" else "b"], texts=shown)
            else:
                view.set_values(values, texts=shown)


class StepView(QWidget):
    """Per layer, W and b before and after one descent step and ΔW = −η ∇W, at digits where they differ."""

    def __init__(self):
        super().__init__()
        self.grid = QGridLayout(self)
        self.summary = QLabel("Press Step to apply W ← W − η ∇W once on the inspected sample(s).")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setAccessibleName("Step summary")
        self.grid.addWidget(self.summary, 0, 0, 1, 2)
        self.views = []   # per layer: (W before, W after, ΔW, b before, b after, Δb)

    def show_changes(self, changes, learning_rate, cost_before, cost_after, digits, selected_line=""):
        self._ensure_rows(len(changes))
        eta = UNICODE.num(learning_rate)
        self.summary.setText(f"Applied W ← W − η ∇W and b ← b − η ∇b with η = {eta}. Cost on the inspected "
                             f"sample(s): {UNICODE.num(cost_before)} → {UNICODE.num(cost_after)}"
                             + (f"\n{selected_line}" if selected_line else ""))
        for change, views in zip(changes, self.views):
            pairs = ((change.before, change.after, change.difference),
                     (change.b_before[:, None], change.b_after[:, None], change.b_difference[:, None]))
            for (before, after, diff), (v_before, v_after, v_diff), labels in zip(
                    pairs, (views[:3], views[3:]), (None, ["b"])):
                d = digits_that_differ(before, after, digits)
                level = max(np.abs(before).max(), np.abs(after).max(), 1e-12)
                v_before.set_values(before, level, labels, texts=texts(before, d))
                v_after.set_values(after, level, labels, texts=texts(after, d))
                v_diff.set_values(diff, None, labels, texts=texts(diff, digits))

    def _ensure_rows(self, n_layers):
        while len(self.views) < n_layers:
            l = sup(len(self.views) + 1)
            views = []
            for title in (f"W{l} before", f"W{l} after", f"ΔW{l} = −η ∇W{l}",
                          f"b{l} before", f"b{l} after", f"Δb{l} = −η ∇b{l}"):
                row = self.grid.rowCount()
                view = MatrixView(f"Layer {len(self.views) + 1} {title}")
                self.grid.addWidget(QLabel(f"<b>{title}</b>"), row, 0, Qt.AlignTop)
                self.grid.addWidget(view, row, 1, Qt.AlignTop | Qt.AlignLeft)
                views.append(view)
            self.views.append(tuple(views))
        self.grid.setRowStretch(self.grid.rowCount(), 1)
        self.grid.setColumnStretch(1, 1)
        for l, views in enumerate(self.views):
            for view in views:
                view.setVisible(l < n_layers)


def digits_that_differ(before, after, digits):
    """The fewest significant digits (≥ ``digits``) at which every changed entry reads differently."""
    if not printed(before):
        return digits
    changed = before != after
    for d in range(digits, 18):
        if all(rounded(b, d) != rounded(a, d) for b, a in zip(before[changed], after[changed])):
            return d
    return 17


class GradCheckView(QWidget):
    """The verdict with its reason, per layer the comparison, and the selected weight side by side.

    The table has a column per layer and a row per measure, so that it fits the narrow side tab."""

    MEASURES = ("verdict", "rel. error ∇W", "rel. error ∇b", "largest |∇|", "FD error ~", "checked")

    def __init__(self):
        super().__init__()
        layout = QVBoxLayout(self)
        self.verdict = QLabel("Press Gradient check to compare backprop with finite differences\n"
                              "(C(θ + h) − C(θ − h)) / 2h on the inspected sample(s).")
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName("Gradient check verdict")
        self.verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = QTableWidget(len(self.MEASURES), 0)
        self.table.setAccessibleName("Gradient check results")
        self.table.setVerticalHeaderLabels(self.MEASURES)
        self.table.setVisible(False)   # until there are results
        self.cancel = QPushButton("Cancel check")
        self.cancel.setAccessibleName("Cancel check")
        self.cancel.setVisible(False)
        self.selected = _mono_label("")
        self.selected.setAccessibleName("Selected weight: backprop and finite differences")
        layout.addWidget(self.verdict)
        layout.addWidget(self.cancel, 0, Qt.AlignLeft)
        layout.addWidget(self.table, 0, Qt.AlignLeft)
        layout.addWidget(self.selected)
        layout.addStretch(1)

    def show_result(self, result, selected=None):
        """``selected``: (name, EntryCheck) of the weight picked in the layer rows, or None."""
        self.table.setColumnCount(len(result.layers))
        self.table.setHorizontalHeaderLabels([f"layer {check.layer}" for check in result.layers])
        for column, check in enumerate(result.layers):
            cells = (check.verdict, f"{check.rel_error_w:.2e}", f"{check.rel_error_b:.2e}",
                     f"{check.max_gradient:.2e}", f"{check.noise:.0e}", str(check.checked))
            for row, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        _fit_table(self.table)
        self.table.setVisible(True)
        self.verdict.setText(f"<b>Gradient check {result.verdict.upper()}</b>: {result.reason}")
        self.selected.setText(selected_text(*selected) if selected else
                              "Click an entry of ∇W to compare that weight here too.")


def _fit_table(table):
    """Exactly as large as the table's cells and headers: every row and column shows, nothing scrolls."""
    frame = 2 * table.frameWidth()
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    table.setFixedSize(table.verticalHeader().sizeHint().width() + table.horizontalHeader().length() + frame,
                       table.horizontalHeader().sizeHint().height() + table.verticalHeader().length() + frame)


def selected_text(name, entry):
    """Backprop's value beside the finite difference, with how precise the latter is."""
    return (f"{name}\n  backprop            {UNICODE.num(entry.analytic)}\n"
            f"  finite differences  {UNICODE.num(entry.numeric)}\n"
            f"  their error ~       ±{entry.noise:.1e}\n"
            f"  difference          {entry.difference:.2e}: {entry.verdict}")


class WeightEditor(QWidget):
    """Set one weight wⱼₖ or bias bⱼ by hand (clicking a ∇W entry selects it here)."""

    editRequested = Signal(int, str, int, int, float)   # layer (1-based), "weight" | "bias", j, k (0-based), value

    def __init__(self):
        super().__init__()
        form = QFormLayout(self)
        self.layer, self.j, self.k = QSpinBox(), QSpinBox(), QSpinBox()
        self.kind = QComboBox()
        self.kind.addItems(["weight", "bias"])
        self.value = QDoubleSpinBox()
        self.value.setRange(-1e6, 1e6)
        self.value.setDecimals(6)
        self.apply = QPushButton("Set")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        for label, widget in (("Layer", self.layer), ("Parameter", self.kind), ("To neuron j", self.j),
                              ("From neuron k", self.k), ("Value", self.value)):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        self.apply.setAccessibleName("Set")
        form.addRow(self.apply)
        form.addRow(self.result)
        self.sizes = (1, 1)
        self.kind.currentTextChanged.connect(lambda kind: self.k.setEnabled(kind == "weight"))
        self.layer.valueChanged.connect(self._update_ranges)
        self.apply.clicked.connect(lambda: self._request())

    def set_shape(self, sizes):
        self.sizes = tuple(sizes)
        self.layer.setRange(1, len(sizes) - 1)
        self._update_ranges()

    def select(self, layer, j, k, value):
        self.layer.setValue(layer)
        self.kind.setCurrentText("weight")
        self.j.setValue(j + 1)
        self.k.setValue(k + 1)
        self.value.setValue(value)

    def _update_ranges(self):
        l = self.layer.value()
        self.j.setRange(1, self.sizes[l])        # neurons count from 1 on screen
        self.k.setRange(1, self.sizes[l - 1])

    def _request(self):
        self.editRequested.emit(self.layer.value(), self.kind.currentText(), self.j.value() - 1, self.k.value() - 1,
                                self.value.value())


class Background(QObject):
    """Runs a function on a thread of its own; ``finished(token, result, error)`` comes back on the UI thread.

    The function must only use what it is given (copies), never the live network.
    """

    finished = Signal(object, object, str)
    progress = Signal(str)

    def run(self, token, function, *args):
        threading.Thread(target=self._run, args=(token, function, args), daemon=True).start()

    def _run(self, token, function, args):
        try:
            result = function(*args)
        except CheckCancelled:
            self.finished.emit(token, None, "cancelled")
            return
        except ValueError as exc:
            self.finished.emit(token, None, str(exc))
            return
        self.finished.emit(token, result, "")


class HandoutWriter(QObject):
    """Writes a handout atomically on a thread of its own; ``finished(path, error)`` comes back on the UI thread."""

    finished = Signal(str, str)

    def write(self, path, text):
        threading.Thread(target=self._run, args=(path, text), daemon=True).start()

    def _run(self, path, text):
        try:
            write_text(path, text)
        except OSError as exc:
            self.finished.emit(str(path), exc.strerror or str(exc))
            return
        self.finished.emit(str(path), "")


class InspectorPanel(QWidget):
    """The whole inspector. Feed it with ``set_network``, ``set_data`` and ``set_learning_rate``.

    ``parametersEdited`` is emitted after the inspector changed the network's weights
    (Step or a hand edit), so other views can redraw.
    """

    parametersEdited = Signal()
    handoutWritten = Signal(str)   # the path, once the file is complete
    checkFinished = Signal()       # a gradient check's result is shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.net, self.cost, self.X, self.Y = None, "mse", None, None
        self.steps, self.chain, self.check_result, self.selected = [], None, None, None
        self.title = None   # a worked example's title, for the handout
        self.rows = []
        self.writer = HandoutWriter(self)
        self.writer.finished.connect(self._on_handout_written)
        self.background = Background(self)
        self.background.finished.connect(self._on_check_finished)
        self.background.progress.connect(self._on_check_progress)
        self._check_token = None   # the newest check; an older one finishing late is ignored
        self._check_stop = None    # its stop flag while it runs
        self.lazy, self._stale = False, False   # see refresh_when_shown
        self._build()

    # --- inputs ------------------------------------------------------------------

    def set_title(self, title):
        """A worked example's title, for the handout (the next ``set_network`` forgets it)."""
        self.title = title

    def set_network(self, net, cost):
        """Inspect ``net`` (edited in place by Step and by hand edits) with cost function ``cost``."""
        self.net, self.cost = net, cost
        self.title = None   # a worked example sets its title after this
        self.editor.set_shape(net.sizes)
        self.refresh()

    def set_data(self, X, Y):
        """Samples to pick from: X (N, n_in), Y (N, n_out), as the network sees them (scaled)."""
        self.X, self.Y = X, Y
        self.sample.setRange(1, max(len(X), 1))   # samples count from 1, like neurons
        self.count.setRange(1, max(min(len(X), 64), 1))
        self.refresh()

    def set_learning_rate(self, learning_rate):
        self.eta.setValue(learning_rate)

    def set_editable(self, editable):
        """Disable Step and hand edits while the network is being trained elsewhere."""
        self.step_button.setEnabled(editable)
        self.editor.setEnabled(editable)

    def inspected(self):
        """The (X, Y) rows being inspected."""
        start = self.sample.value() - 1
        rows = slice(start, min(start + self.count.value(), len(self.X)))
        return self.X[rows], self.Y[rows]

    @property
    def digits(self):
        return self.digits_box.currentData()

    # --- building ------------------------------------------------------------------

    def _build(self):
        self.sample, self.count = QSpinBox(), QSpinBox()
        self.sample.setMinimum(1)   # samples and neurons count from 1 on screen
        self.count.setMinimum(1)
        self.eta = QDoubleSpinBox()
        self.eta.setDecimals(5)
        self.eta.setRange(1e-5, 10.0)
        self.eta.setValue(0.1)
        self.digits_box = QComboBox()
        for text, digits in DIGITS:
            self.digits_box.addItem(text, digits)
        self.digits_box.setCurrentIndex(self.digits_box.findData(DEFAULT_DIGITS))
        self.digits_box.setToolTip("Significant digits in the tables (hover a cell for its full value). "
                                   "The chain rule is always written at full precision.")
        # Labels differ from the main window's "Step", "Samples" and "Learning rate", which find controls by name.
        self.step_button, self.check_button = QPushButton("Step  W ← W − η∇W"), QPushButton("Gradient check")
        self.handout_button = QPushButton("Export handout…")
        self.handout_button.setToolTip("Save this pass, every formula with its numbers, as Markdown with LaTeX math")
        self.status = QLabel("")
        bar = QHBoxLayout()
        for label, widget in (("Sample", self.sample), ("Samples inspected", self.count), ("η", self.eta),
                              ("Digits", self.digits_box)):
            widget.setAccessibleName(label)
            widget.setFocusPolicy(Qt.StrongFocus)
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        for button in (self.step_button, self.check_button, self.handout_button):
            button.setAccessibleName(button.text())
            bar.addWidget(button)
        bar.addStretch(1)
        self.status.setWordWrap(True)   # on its own line, so a long message never widens the dock
        self.status.setAccessibleName("Inspector status")
        self.layers = QWidget()
        self.layers_box = QVBoxLayout(self.layers)
        self.layers_box.addStretch(1)
        self.tabs = self._side_tabs()
        split = QSplitter(Qt.Horizontal)
        split.addWidget(_scroll(self.layers))
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 520])   # the chain rule's lines are ~70 characters of mono text
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self.sample.valueChanged.connect(lambda: self.refresh())
        self.count.valueChanged.connect(lambda: self.refresh())
        self.digits_box.currentIndexChanged.connect(lambda: self.refresh())
        self.eta.valueChanged.connect(lambda: self._show_chain())
        self.step_button.clicked.connect(lambda: self.step())
        self.check_button.clicked.connect(lambda: self.check_gradients())
        self.handout_button.clicked.connect(lambda: self.export_handout())
        self.check_view.cancel.clicked.connect(lambda: self._cancel_check())
        self.editor.editRequested.connect(self.edit_parameter)

    def _side_tabs(self):
        self.chain_label = _mono_label("Click an entry of a weight gradient ∇W to see its chain rule.")
        self.chain_label.setAccessibleName("Chain rule")
        # Formulas keep their lines (wrapped, they lost their alignment and long numbers were cut):
        # the scroll area around the label scrolls sideways when a line is wider than the tab.
        self.chain_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.step_view, self.check_view, self.editor = StepView(), GradCheckView(), WeightEditor()
        tabs = QTabWidget()
        tabs.addTab(_scroll(self.chain_label), "Chain rule")
        tabs.addTab(_scroll(self.step_view), "Step")
        tabs.addTab(_scroll(self.check_view), "Grad check")
        tabs.addTab(self.editor, "Edit")
        return tabs

    def _ensure_rows(self):
        sizes, acts = self.net.sizes, self.net.activations
        shape = [(n_in, n_out, act, l == len(acts)) for l, (n_in, n_out, act)
                 in enumerate(zip(sizes, sizes[1:], acts), start=1)]
        if [row.shape for row in self.rows] == shape:
            return
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        for l, (n_in, n_out, act, output) in enumerate(shape, start=1):
            row = LayerRow(l, n_in, n_out, act, output)
            row.views["grad_w"].cellClicked.connect(lambda j, k, l=l: self.select_weight(l, j, k))
            self.layers_box.insertWidget(l - 1, row)
            self.rows.append(row)
        self.selected = None

    # --- showing -------------------------------------------------------------------

    def refresh_when_shown(self):
        """From now on a refresh while the panel is off screen (its dock a tab behind another) only notes
        that the numbers are stale; they are computed when the panel is next painted or used. Building
        and filling its dozens of tables took 0.15 s of start-up for a tab nobody had opened."""
        self.lazy = True

    def paintEvent(self, event):
        super().paintEvent(event)
        if self._stale:   # on screen again: compute once this paint is done
            QTimer.singleShot(0, self, self._fresh)

    def _fresh(self):
        """Bring the numbers up to date if a refresh was put off while hidden."""
        if self._stale:
            self._stale = False
            self._refresh()

    def refresh(self):
        """Recompute every shown number for the current network, data and sample(s) (see refresh_when_shown)."""
        self._stale = self.lazy and self.visibleRegion().isEmpty()
        if not self._stale:
            self._refresh()

    def _refresh(self):
        if self.net is None or self.X is None or len(self.X) == 0:
            return
        try:
            X, Y = self.inspected()
            self.steps = walkthrough(self.net, X, Y, self.cost)
            cost = self.net.cost(X, Y, self.cost)
        except ValueError as exc:   # e.g. a cost that does not fit the output layer
            self.steps = []
            self.status.setText(f"Cannot inspect: {exc}")
            return
        self._ensure_rows()
        for row, step in zip(self.rows, self.steps):
            row.show_step(step, self.sample.value(), self.digits)
        first = self.sample.value()
        what = f"sample {first}" if len(X) == 1 else f"samples {first}–{first + len(X) - 1}"
        self.status.setText(f"{what}: cost C = {UNICODE.num(cost)}  ({self.cost})")
        if self.selected:
            self.select_weight(*self.selected, show=False)

    def select_weight(self, layer, j, k, show=True):
        """Show the chain rule of w[layer]ⱼₖ (layer 1-based; j, k 0-based) for the inspected sample(s)."""
        self._fresh()
        if not self.steps or not 1 <= layer <= len(self.rows):
            return
        self.selected = (layer, j, k)
        x, y = self.inspected()
        self.chain = chain_rule(self.net, x[:1], y[:1], self.cost, layer - 1, j, k)
        self._show_chain()
        self.editor.select(layer, j, k, float(self.net.weights[layer - 1][j, k]))
        for l, row in enumerate(self.rows, start=1):   # one weight is selected: the other layers' cells clear
            if l == layer:
                row.views["grad_w"].select_cell(j, k)
            else:
                row.views["grad_w"].clear_cell()
        if show:
            self.tabs.setCurrentIndex(0)

    def _show_chain(self):
        if not self.selected or not self.steps:
            return
        X, Y = self.inspected()
        lines = derivation(self.net, X, Y, self.cost, *self.selected, self.sample.value(), self.eta.value())
        self.chain_label.setText(derivation_text(lines))

    # --- actions -------------------------------------------------------------------

    def step(self):
        """W ← W − η ∇W once on the inspected sample(s); show before / after / difference."""
        self._fresh()
        if not self.steps:   # nothing valid to inspect yet (no data, or a cost that does not fit)
            return
        X, Y = self.inspected()
        before = self.net.cost(X, Y, self.cost)
        line = self._selected_update_line(X, Y)
        changes = descent_step(self.net, X, Y, self.cost, self.eta.value())
        self.step_view.show_changes(changes, self.eta.value(), before, self.net.cost(X, Y, self.cost),
                                    self.digits, line)
        self.tabs.setCurrentIndex(1)
        self.refresh()
        self.parametersEdited.emit()

    def _selected_update_line(self, X, Y):
        """The selected weight's update w⁺ = w − η ∇w, written with its numbers before the step."""
        if not self.selected:
            return ""
        lines = derivation(self.net, X, Y, self.cost, *self.selected, self.sample.value(), self.eta.value())
        return lines[-1][1]

    def check_gradients(self):
        """Compare backprop with finite differences on a thread (a large layer takes a while); see checkFinished."""
        self._fresh()
        if not self.steps:
            return
        X, Y = (a.copy() for a in self.inspected())
        self._cancel_check()
        self._check_token, self._check_stop = object(), threading.Event()
        self.check_view.verdict.setText("Checking the gradients against finite differences…")
        self.check_view.cancel.setVisible(True)
        self.tabs.setCurrentIndex(2)   # Grad check

        def report(layer, n_layers):   # runs on the checking thread: a signal carries it over
            self.background.progress.emit(f"Checking the gradients against finite differences… "
                                          f"layer {layer} of {n_layers}")

        self.background.run(self._check_token, _check, self.net.copy(), X, Y, self.cost, self.selected,
                            self._check_stop, report)

    def _cancel_check(self):
        if self._check_stop is not None:
            self._check_stop.set()

    def _on_check_progress(self, text):
        if self._check_stop is not None and not self._check_stop.is_set():
            self.check_view.verdict.setText(text)

    def _on_check_finished(self, token, result, error):
        if token is not self._check_token:
            return
        self.check_view.cancel.setVisible(False)
        self._check_stop = None
        if error:
            self.check_view.verdict.setText("Gradient check cancelled." if error == "cancelled"
                                            else f"Cannot check: {error}")
            return
        self.check_result, selected = result
        self.check_view.show_result(self.check_result, selected)
        self.checkFinished.emit()

    def edit_parameter(self, layer, kind, j, k, value):
        """Set one weight or bias by hand and report the cost on all data before and after."""
        self._fresh()
        if not self.steps:
            return
        before = self.net.cost(self.X, self.Y, self.cost)
        if kind == "weight":
            self.net.weights[layer - 1][j, k] = value
        else:
            self.net.biases[layer - 1][j] = value
        after = self.net.cost(self.X, self.Y, self.cost)
        name = f"w{sup(layer)}{sub(j + 1)},{sub(k + 1)}" if kind == "weight" else f"b{sup(layer)}{sub(j + 1)}"
        self.editor.result.setText(f"{name} = {value:g}. Cost on all {len(self.X)} samples: {before:.6g} → {after:.6g}")
        self.refresh()
        self.parametersEdited.emit()

    def handout(self):
        """The inspected pass as Markdown with LaTeX math, for the selected weight (or w¹₁,₁)."""
        self._fresh()
        X, Y = self.inspected()
        layer, j, k = self.selected or (1, 0, 0)
        return handout_markdown(self.net, X, Y, self.cost, layer, j, k, self.eta.value(), self.sample.value(),
                                self.title)

    def export_handout(self, path=None):
        """Ask where (unless ``path`` is given), then write the handout off the UI thread."""
        self._fresh()
        if not self.steps:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export handout", "backprop-handout.md",
                                                  "Markdown with LaTeX math (*.md)")
            if not path:
                return
        path = Path(path) if Path(path).suffix else Path(path).with_suffix(".md")
        text = self.handout()   # built here: it reads the network, which only this thread changes
        self.status.setText(f"Writing the handout to {path}…")
        self.writer.write(path, text)

    def _on_handout_written(self, path, error):
        if error:
            self.status.setText(f"Could not write the handout {path}: {error}. Choose another folder.")
            return
        self.status.setText(f"Handout written to {path}")
        self.handoutWritten.emit(path)


def _check(net, X, Y, cost, selected, stop, on_layer):
    """The gradient check of the inspected samples, and the selected weight's (name, EntryCheck) or None."""
    result = gradcheck(net, X, Y, cost, stop=stop, on_layer=on_layer)
    if not selected:
        return result, None
    layer, j, k = selected
    return result, (UNICODE.sym("w", layer, j + 1, k + 1), check_weight(net, X, Y, cost, layer - 1, j, k))


def _scroll(widget):
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area
