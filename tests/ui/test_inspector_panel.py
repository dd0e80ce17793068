"""The backprop inspector shows core's numbers, its chain rule adds up, Step and the gradient check work."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpstudio.core import Network
from bpstudio.core.explain.notation import UNICODE
from bpstudio.core.nn.activations import Tanh
from bpstudio.ui.panels.inspector import InspectorPanel

RNG = np.random.default_rng(5)
X = RNG.normal(size=(10, 3))
Y = (RNG.normal(size=(10, 2)) > 0).astype(float)


@pytest.fixture
def panel(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    net = Network([3, 4, 5, 2], ["tanh", "relu", "sigmoid"], seed=2)
    panel.set_network(net, "mse")
    panel.set_data(X, Y)
    return panel


def test_shown_numbers_equal_core_forward_and_gradients(panel):
    panel.sample.setValue(5)   # samples count from 1
    net, x, y = panel.net, X[4:5], Y[4:5]
    trace = net.forward(x)
    grad_w, grad_b = net.gradients(x, y, "mse")
    deltas = net.deltas(x, y, "mse")
    assert len(panel.rows) == 3
    for l, row in enumerate(panel.rows):
        np.testing.assert_array_equal(row.views["a_prev"].values(), trace.a[l].T)
        np.testing.assert_array_equal(row.views["z"].values(), trace.z[l].T)
        np.testing.assert_array_equal(row.views["a"].values(), trace.a[l + 1].T)
        np.testing.assert_array_equal(row.views["delta"].values(), deltas[l].T)
        np.testing.assert_array_equal(row.views["grad_w"].values(), grad_w[l])
        np.testing.assert_array_equal(row.views["grad_b"].values()[:, 0], grad_b[l])
    # The printed text is the value at the chosen digits (4 by default), and the formula follows the cost.
    model = panel.rows[0].views["z"].matrix_model
    assert model.data(model.index(1, 0)) == f"{trace.z[0][0, 1]:.4g}"
    assert model.data(model.index(1, 0), Qt.ToolTipRole).endswith(repr(float(trace.z[0][0, 1])))
    assert model.headerData(1, Qt.Vertical) == "j2" and model.headerData(0, Qt.Horizontal) == "#5"
    assert "(2/n) (aⱼ − yⱼ)" in panel.rows[2].equations["delta"].text()
    panel.set_network(net, "sse")
    assert "2 (aⱼ − yⱼ)" in panel.rows[2].equations["delta"].text()


def test_a_batch_shows_one_column_per_sample_and_the_mean_gradient(panel):
    panel.sample.setValue(3)
    panel.count.setValue(3)
    grad_w, _ = panel.net.gradients(X[2:5], Y[2:5], "mse")
    assert panel.rows[1].views["z"].values().shape == (5, 3)
    np.testing.assert_array_equal(panel.rows[1].views["grad_w"].values(), grad_w[1])
    assert "mean of 3 samples" in panel.rows[1].equations["grad_w"].text()


def test_clicking_a_gradient_entry_shows_a_chain_rule_that_adds_up(panel, qtbot):
    panel.sample.setValue(8)
    view = panel.rows[0].views["grad_w"]   # hidden layer: ∂C/∂aⱼ flows back from layer 2
    panel.show()
    qtbot.waitExposed(panel)
    rect = view.visualRect(view.model().index(3, 2))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())
    assert panel.selected == (1, 3, 2)
    c = panel.chain
    grad_w, _ = panel.net.gradients(X[7:8], Y[7:8], "mse")
    assert c.product == pytest.approx(grad_w[0][3, 2], rel=1e-12, abs=1e-15)
    assert c.dC_da == pytest.approx(sum(w * d for _, w, d in c.backflow))
    assert len(c.backflow) == 5
    assert "✓ equal" in panel.chain_label.text()
    assert "from neuron 3 (layer 0) to neuron 4 (layer 1)" in panel.chain_label.text()   # counted from 1 on screen
    assert f"= {UNICODE.num(c.product)}" in panel.chain_label.text()   # full precision
    assert panel.editor.value.value() == pytest.approx(panel.net.weights[0][3, 2], abs=1e-6)


def test_step_applies_w_minus_eta_grad_and_shows_the_difference(panel, qtbot):
    panel.count.setValue(4)
    panel.set_learning_rate(0.5)
    W_before = [W.copy() for W in panel.net.weights]
    grad_w, _ = panel.net.gradients(X[:4], Y[:4], "mse")
    with qtbot.waitSignal(panel.parametersEdited):
        qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    for l, W in enumerate(panel.net.weights):
        np.testing.assert_allclose(W, W_before[l] - 0.5 * grad_w[l], rtol=1e-12)
        before, after, diff = panel.step_view.views[l][:3]
        np.testing.assert_array_equal(before.values(), W_before[l])
        np.testing.assert_allclose(diff.values(), -0.5 * grad_w[l], rtol=1e-9, atol=1e-15)
    # The layer rows now show the new weights' gradients.
    np.testing.assert_array_equal(panel.rows[0].views["grad_w"].values(),
                                  panel.net.gradients(X[:4], Y[:4], "mse")[0][0])


def test_gradient_check_passes_on_backprop_and_fails_with_a_broken_derivative(panel, qtbot, monkeypatch):
    with qtbot.waitSignal(panel.checkFinished, timeout=20000):
        qtbot.mouseClick(panel.check_button, Qt.LeftButton)
    assert panel.check_result.passed and panel.check_result.verdict == "passed"
    assert "PASSED" in panel.check_view.verdict.text() and "equals finite differences" in panel.check_view.verdict.text()
    assert panel.check_view.table.columnCount() == 3   # a column per layer
    assert {panel.check_view.table.item(0, c).text() for c in range(3)} == {"passed"}

    def broken(self, z, a, out):   # σ′ = 1 − a instead of 1 − a²
        return np.subtract(1, a, out=out)

    monkeypatch.setattr(Tanh, "derivative", broken)
    with qtbot.waitSignal(panel.checkFinished, timeout=20000):
        qtbot.mouseClick(panel.check_button, Qt.LeftButton)
    assert not panel.check_result.passed
    assert "FAILED" in panel.check_view.verdict.text() and "disagree in layer 1" in panel.check_view.verdict.text()
    assert panel.check_view.table.item(0, 0).text() == "failed"   # the tanh layer


def test_editing_a_weight_by_hand(panel, qtbot):
    editor = panel.editor
    editor.layer.setValue(2)
    editor.j.setValue(5)   # neurons count from 1 on screen
    editor.k.setValue(4)
    editor.value.setValue(1.25)
    with qtbot.waitSignal(panel.parametersEdited):
        qtbot.mouseClick(editor.apply, Qt.LeftButton)
    assert panel.net.weights[1][4, 3] == 1.25
    editor.kind.setCurrentText("bias")
    editor.value.setValue(-0.5)
    qtbot.mouseClick(editor.apply, Qt.LeftButton)
    assert panel.net.biases[1][4] == -0.5
    assert "Cost on all 10 samples" in editor.result.text()


def test_a_cost_that_does_not_fit_the_output_is_a_message(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_network(Network([3, 2], ["linear"]), "bce")
    panel.set_data(X, Y)
    assert "Cannot inspect" in panel.status.text() and "sigmoid" in panel.status.text()
    panel.step()            # nothing to step on: ignored, no exception
    panel.check_gradients()
    assert panel.check_result is None
