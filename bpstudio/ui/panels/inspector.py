"""The backprop inspector: every number of one forward and backward pass, next to its equation.

Pick a sample (or a few consecutive samples, a small batch). Each weight layer gets a row:
aˡ⁻¹ → zˡ → aˡ, then δˡ → ∇Wˡ, ∇bˡ, each a small coloured table of values under the
formula that produced it (following the network's cost and activations). Click an entry
of ∇Wˡ to see its chain rule as numbers. "Step" applies W ← W − η ∇W once and shows W
before, after and the difference; "Gradient check" compares backprop with finite
differences. Vectors are drawn as columns (one column per sample), as in the seeds.

All numbers come from ``bpstudio.core`` (walkthrough, chain_rule, gradcheck); this
widget only lays them out. It works on the network it is given, so the caller must
not be training that network at the same time (see ``set_editable``).
"""

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from bpstudio.core.explain.chainrule import chain_rule
from bpstudio.core.explain.gradcheck import gradcheck
from bpstudio.core.explain.walkthrough import descent_step, sup, walkthrough
from ..kit.matrixview import MatrixView

# (key in LayerStep.equations, title, row index name, column index name)
QUANTITIES = (
    ("a_prev", "input", "k", "n"),
    ("z", "pre-activation", "j", "n"),
    ("a", "activation", "j", "n"),
    ("delta", "error", "j", "n"),
    ("grad_w", "weight gradient", "j", "k"),
    ("grad_b", "bias gradient", "j", "n"),
)
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n):
    return str(n).translate(_SUBSCRIPT)


def _mono_label(text=""):
    label = QLabel(text)
    label.setFont(QFont("DejaVu Sans Mono", 9))
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class LayerRow(QGroupBox):
    """One weight layer: a titled formula and a MatrixView per quantity."""

    def __init__(self, layer, n_in, n_out, activation):
        super().__init__(f"Layer {layer}:  {n_in} → {n_out} neurons, {activation}.   "
                         f"Update: W{sup(layer)} ← W{sup(layer)} − η ∇W{sup(layer)},  b{sup(layer)} ← b{sup(layer)} − η ∇b{sup(layer)}")
        self.layer = layer
        grid = QGridLayout(self)
        self.equations, self.views = {}, {}
        for column, (key, title, row_name, col_name) in enumerate(QUANTITIES):
            header = QLabel(f"<b>{title}</b>")
            equation = _mono_label()
            equation.setAccessibleName(f"Layer {layer} {title} equation")
            view = MatrixView(f"Layer {layer} {title}", row_name, col_name)
            grid.addWidget(header, 0, column)
            grid.addWidget(equation, 1, column, Qt.AlignTop)
            grid.addWidget(view, 2, column, Qt.AlignTop | Qt.AlignLeft)
            self.equations[key], self.views[key] = equation, view
        grid.setRowStretch(3, 1)
        grid.setColumnStretch(len(QUANTITIES), 1)

    def show_step(self, step, first_sample):
        """Fill in one ``LayerStep``: per-sample vectors become columns, headed by their sample number."""
        samples = [f"#{first_sample + n}" for n in range(len(step.z))]   # first_sample counts from 1
        for key, _, _, _ in QUANTITIES:
            values = getattr(step, key)
            if key == "grad_w":
                self.views[key].set_values(values)
            elif key == "grad_b":
                self.views[key].set_values(values, column_labels=["∇b"])
            else:
                self.views[key].set_values(values.T, column_labels=samples)
            self.equations[key].setText(step.equations[key])


class StepView(QWidget):
    """Per layer, W before / after one descent step and the difference (= −η ∇W), stacked."""

    def __init__(self):
        super().__init__()
        self.grid = QGridLayout(self)
        self.summary = QLabel("Press Step to apply W ← W − η ∇W once on the inspected sample(s).")
        self.summary.setWordWrap(True)
        self.grid.addWidget(self.summary, 0, 0, 1, 2)
        self.views = []

    def show_changes(self, changes, learning_rate, cost_before, cost_after):
        self._ensure_rows(len(changes))
        self.summary.setText(f"Applied W ← W − η ∇W and b ← b − η ∇b with η = {learning_rate:g}. "
                             f"Cost on the inspected sample(s): {cost_before:.6g} → {cost_after:.6g}")
        for change, (before, after, diff) in zip(changes, self.views):
            level = max(np.abs(change.before).max(), np.abs(change.after).max(), 1e-12)
            before.set_values(change.before, level)
            after.set_values(change.after, level)
            diff.set_values(change.difference)

    def _ensure_rows(self, n_layers):
        while len(self.views) < n_layers:
            l = len(self.views) + 1
            views = []
            for title in (f"W{sup(l)} before", f"W{sup(l)} after", f"difference\n= −η ∇W{sup(l)}"):
                row = self.grid.rowCount()
                view = MatrixView(f"Layer {l} {title}")
                self.grid.addWidget(QLabel(f"<b>{title}</b>".replace("\n", "<br>")), row, 0, Qt.AlignTop)
                self.grid.addWidget(view, row, 1, Qt.AlignTop | Qt.AlignLeft)
                views.append(view)
            self.views.append(tuple(views))
        self.grid.setRowStretch(self.grid.rowCount(), 1)
        self.grid.setColumnStretch(1, 1)
        for l, views in enumerate(self.views):
            for view in views:
                view.setVisible(l < n_layers)


class GradCheckView(QWidget):
    """Per layer: the relative error between backprop and finite differences, and pass/fail."""

    HEADERS = ("Layer", "rel. error ∇W", "rel. error ∇b", "checked", "result")

    def __init__(self):
        super().__init__()
        layout = QVBoxLayout(self)
        self.verdict = QLabel("Press Gradient check to compare backprop with finite differences\n"
                              "(C(θ + ε) − C(θ − ε)) / 2ε on the inspected sample(s).")
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setAccessibleName("Gradient check results")
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table)

    def show_result(self, result):
        self.table.setRowCount(len(result.layers))
        for row, check in enumerate(result.layers):
            ok = check.rel_error < result.tolerance
            cells = (str(check.layer), f"{check.rel_error_w:.2e}", f"{check.rel_error_b:.2e}", str(check.checked),
                     "pass" if ok else "FAIL")
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        word = "PASSED" if result.passed else "FAILED"
        self.verdict.setText(f"<b>Gradient check {word}</b>: largest relative error {result.max_rel_error:.2e} "
                             f"(tolerance {result.tolerance:.0e}).")


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
        self.apply.clicked.connect(self._request)

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


def chain_rule_text(c, sample, grad_entry, derivative_formula, n_back_shown=6):
    """The chain rule of one weight as lines of text, from a core ``ChainRule``; neurons and samples count from 1."""
    l, j, k = c.layer + 1, c.j + 1, c.k + 1
    w = f"w{sup(l)}{sub(j)},{sub(k)}"
    lines = [f"{w}: layer {l}, sample #{sample}", f"  from neuron {k} to neuron {j}", "",
             f"∂C/∂w = ∂C/∂a{sub(j)} · ∂a{sub(j)}/∂z{sub(j)} · ∂z{sub(j)}/∂w", ""]
    if np.isnan(c.dC_da):   # softmax + cross-entropy: only the fused δ exists
        lines += [f"δ{sub(j)} = ∂C/∂z{sub(j)} = a{sub(j)} − y{sub(j)} = {c.delta:.6g}",
                  "  (softmax + cross-entropy: ∂C/∂a and σ′",
                  "   do not factor per neuron; δ is fused)"]
    else:
        if c.backflow:
            terms = " + ".join(f"({w_q:.3g})({d_q:.3g})" for _, w_q, d_q in c.backflow[:n_back_shown])
            more = " + …" if len(c.backflow) > n_back_shown else ""
            lines += [f"∂C/∂a{sub(j)} = Σ_q w{sup(l + 1)}_q,{sub(j)} δ{sup(l + 1)}_q",
                      f"  (what flows back from layer {l + 1})",
                      f"       = {terms}{more}", f"       = {c.dC_da:.6g}"]
        else:
            lines += [f"∂C/∂a{sub(j)} = {c.dC_da:.6g}   (from the cost)"]
        lines += [f"∂a{sub(j)}/∂z{sub(j)} = σ′(z{sub(j)}) = {c.da_dz:.6g}", f"  [{derivative_formula}]",
                  f"δ{sub(j)} = ∂C/∂a{sub(j)} · σ′(z{sub(j)}) = {c.delta:.6g}"]
    lines += [f"∂z{sub(j)}/∂w = a{sup(l - 1)}{sub(k)} = {c.a_k:.6g}", "",
              f"product δ{sub(j)} · a{sub(k)} = {c.product:.6g}",
              f"backprop's ∇W{sup(l)} entry ({j}, {k})", f"  = {grad_entry:.6g}   "
              + ("✓ equal" if np.isclose(c.product, grad_entry, rtol=1e-6, atol=1e-12) else "✗ DIFFERENT")]
    return "\n".join(lines)


class InspectorPanel(QWidget):
    """The whole inspector. Feed it with ``set_network``, ``set_data`` and ``set_learning_rate``.

    ``parametersEdited`` is emitted after the inspector changed the network's weights
    (Step or a hand edit), so other views can redraw.
    """

    parametersEdited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.net, self.cost, self.X, self.Y = None, "mse", None, None
        self.steps, self.chain, self.check_result, self.selected = [], None, None, None
        self.rows = []
        self._build()

    # --- inputs ------------------------------------------------------------------

    def set_network(self, net, cost):
        """Inspect ``net`` (edited in place by Step and by hand edits) with cost function ``cost``."""
        self.net, self.cost = net, cost
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

    # --- building ------------------------------------------------------------------

    def _build(self):
        self.sample, self.count = QSpinBox(), QSpinBox()
        self.sample.setMinimum(1)   # samples and neurons count from 1 on screen
        self.count.setMinimum(1)
        self.eta = QDoubleSpinBox()
        self.eta.setDecimals(5)
        self.eta.setRange(1e-5, 10.0)
        self.eta.setValue(0.1)
        # Labels differ from the main window's "Step", "Samples" and "Learning rate", which find controls by name.
        self.step_button, self.check_button = QPushButton("Step  W ← W − η∇W"), QPushButton("Gradient check")
        self.status = QLabel("")
        bar = QHBoxLayout()
        for label, widget in (("Sample", self.sample), ("Samples inspected", self.count), ("η", self.eta)):
            widget.setAccessibleName(label)
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        for button in (self.step_button, self.check_button):
            button.setAccessibleName(button.text())
            bar.addWidget(button)
        bar.addStretch(1)
        self.status.setWordWrap(True)   # on its own line, so a long message never widens the dock
        self.layers = QWidget()
        self.layers_box = QVBoxLayout(self.layers)
        self.layers_box.addStretch(1)
        self.tabs = self._side_tabs()
        split = QSplitter(Qt.Horizontal)
        split.addWidget(_scroll(self.layers))
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([975, 305])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self.sample.valueChanged.connect(self.refresh)
        self.count.valueChanged.connect(self.refresh)
        self.step_button.clicked.connect(self.step)
        self.check_button.clicked.connect(self.check_gradients)
        self.editor.editRequested.connect(self.edit_parameter)

    def _side_tabs(self):
        self.chain_label = _mono_label("Click an entry of a weight gradient ∇W to see its chain rule.")
        self.chain_label.setAccessibleName("Chain rule")
        self.chain_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.step_view, self.check_view, self.editor = StepView(), GradCheckView(), WeightEditor()
        tabs = QTabWidget()
        tabs.addTab(_scroll(self.chain_label), "Chain rule")
        tabs.addTab(_scroll(self.step_view), "Step")
        tabs.addTab(self.check_view, "Grad check")
        tabs.addTab(self.editor, "Edit")
        return tabs

    def _ensure_rows(self):
        shape = [(n_in, n_out, act) for n_in, n_out, act in zip(self.net.sizes, self.net.sizes[1:], self.net.activations)]
        if [(r.n_in, r.n_out, r.activation) for r in self.rows] == shape:
            return
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        for l, (n_in, n_out, act) in enumerate(shape, start=1):
            row = LayerRow(l, n_in, n_out, act)
            row.n_in, row.n_out, row.activation = n_in, n_out, act
            row.views["grad_w"].cellClicked.connect(lambda j, k, l=l: self.select_weight(l, j, k))
            self.layers_box.insertWidget(l - 1, row)
            self.rows.append(row)
        self.selected = None

    # --- showing -------------------------------------------------------------------

    def refresh(self):
        """Recompute every shown number for the current network, data and sample(s)."""
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
            row.show_step(step, self.sample.value())
        what = f"sample {self.sample.value()}" if len(X) == 1 else f"samples {self.sample.value()}–{self.sample.value() + len(X) - 1}"
        self.status.setText(f"{what}: cost C = {cost:.6g}  ({self.cost})")
        if self.selected:
            self.select_weight(*self.selected, show=False)

    def select_weight(self, layer, j, k, show=True):
        """Show the chain rule of w[layer]ⱼₖ (layer 1-based; j, k 0-based) for the first inspected sample."""
        if not self.steps or not 1 <= layer <= len(self.rows):
            return
        self.selected = (layer, j, k)
        x, y = self.inspected()
        x, y = x[:1], y[:1]
        self.chain = chain_rule(self.net, x, y, self.cost, layer - 1, j, k)
        grad_w, _ = self.net.gradients(x, y, self.cost)
        derivative = self.net.activation_fns[layer - 1].derivative_formula
        self.chain_label.setText(chain_rule_text(self.chain, self.sample.value(), float(grad_w[layer - 1][j, k]),
                                                 derivative))
        self.editor.select(layer, j, k, float(self.net.weights[layer - 1][j, k]))
        self.rows[layer - 1].views["grad_w"].select_cell(j, k)
        if show:
            self.tabs.setCurrentIndex(0)

    # --- actions -------------------------------------------------------------------

    def step(self):
        """W ← W − η ∇W once on the inspected sample(s); show before / after / difference."""
        if not self.steps:   # nothing valid to inspect yet (no data, or a cost that does not fit)
            return
        X, Y = self.inspected()
        before = self.net.cost(X, Y, self.cost)
        changes = descent_step(self.net, X, Y, self.cost, self.eta.value())
        self.step_view.show_changes(changes, self.eta.value(), before, self.net.cost(X, Y, self.cost))
        self.tabs.setCurrentIndex(1)
        self.refresh()
        self.parametersEdited.emit()

    def check_gradients(self):
        if not self.steps:
            return
        X, Y = self.inspected()
        self.check_result = gradcheck(self.net, X, Y, self.cost)
        self.check_view.show_result(self.check_result)
        self.tabs.setCurrentWidget(self.check_view)

    def edit_parameter(self, layer, kind, j, k, value):
        """Set one weight or bias by hand and report the cost on all data before and after."""
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


def _scroll(widget):
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area
