"""Every symbol with its number in the Inspector, used the way a student does: click, type, pick."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from bpstudio.core import Network
from bpstudio.core.explain.examples import MAZUR
from bpstudio.core.explain.notation import UNICODE, rounded
from bpstudio.ui.panels.inspector import InspectorPanel

RNG = np.random.default_rng(7)
X = RNG.normal(size=(10, 3))
Y = RNG.random((10, 2))


@pytest.fixture
def panel(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_network(Network([3, 4, 2], ["tanh", "sigmoid"], seed=2), "mse")
    panel.set_data(X, Y)
    panel.resize(1400, 800)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def cell_text(view, row, column):
    model = view.matrix_model
    return model.data(model.index(row, column))


def click_cell(qtbot, view, row, column):
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_y_grad_a_and_sigma_prime_have_columns_and_w_b_sit_beside_z(panel):
    x, y = X[:1], Y[:1]
    out, hidden = panel.rows[1], panel.rows[0]
    trace = panel.net.forward(x)
    a = trace.a[2]
    np.testing.assert_array_equal(out.views["y"].values(), y.T)
    np.testing.assert_allclose(out.views["grad_a"].values(), (a - y).T, rtol=1e-15)      # mse, n = 2: (2/n)(a − y)
    np.testing.assert_allclose(out.views["sigma_prime"].values(), (a * (1 - a)).T, rtol=1e-15)
    np.testing.assert_allclose(out.views["delta"].values(),
                               out.views["grad_a"].values() * out.views["sigma_prime"].values(), rtol=1e-14)
    np.testing.assert_array_equal(hidden.views["W"].values(), panel.net.weights[0])
    np.testing.assert_array_equal(hidden.views["b"].values()[:, 0], panel.net.biases[0])
    assert "y" not in hidden.views and "grad_a" not in hidden.views
    assert "(2/n) (aⱼ − yⱼ)" in out.equations["grad_a"].text() and "a (1 − a)" in out.equations["sigma_prime"].text()
    # The columns read left to right like zˡ = Wˡ aˡ⁻¹ + bˡ.
    xs = [hidden.views[key].mapTo(hidden, hidden.views[key].rect().topLeft()).x() for key in ("a_prev", "W", "b", "z")]
    assert xs == sorted(xs)


def test_the_digits_selector_sets_the_tables_precision(panel, qtbot):
    z = panel.net.forward(X[:1]).z[0][0, 1]
    assert cell_text(panel.rows[0].views["z"], 1, 0) == rounded(z, 4)
    digits = panel.digits_box
    digits.setFocus()
    qtbot.keyClicks(digits, "8")   # typing picks "8 digits", as in any list
    assert digits.currentData() == 8
    assert cell_text(panel.rows[0].views["z"], 1, 0) == f"{z:.8g}"
    qtbot.keyClick(digits, Qt.Key.Key_End)   # the last choice: full precision
    assert digits.currentText() == "full (17)"
    assert cell_text(panel.rows[0].views["z"], 1, 0) == rounded(z, 17) and float(rounded(z, 17)) == z


def test_a_saturated_output_never_reads_1_and_tanh_outputs_agree_with_their_sigma_prime(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    net = Network([1, 3, 1], ["tanh", "sigmoid"], seed=0)
    net.weights[0][...] = [[3.3], [0.5], [-2.0]]
    net.biases[0][...] = 0
    net.weights[1][...] = 20.0
    panel.set_network(net, "mse")
    panel.set_data(np.array([[1.0]]), np.array([[1.0]]))
    panel.digits_box.setCurrentIndex(panel.digits_box.findData(3))
    a_out = panel.net.forward([[1.0]]).a[2][0, 0]
    assert 0.999 < a_out < 1 and cell_text(panel.rows[1].views["a"], 0, 0) != "1"
    hidden = panel.rows[0]
    for j in range(3):
        a_text = cell_text(hidden.views["a"], j, 0)
        sp_text = cell_text(hidden.views["sigma_prime"], j, 0)
        assert rounded(1 - float(a_text) ** 2, 3) == sp_text, (a_text, sp_text)   # 1 − a² from the table


def test_a_batch_chain_rule_lists_each_sample_and_the_mean_is_the_cell(panel, qtbot):
    panel.sample.setValue(3)
    count = panel.count
    count.setFocus()
    count.selectAll()
    qtbot.keyClicks(count, "3")
    assert count.value() == 3
    view = panel.rows[0].views["grad_w"]
    click_cell(qtbot, view, 2, 1)
    text = panel.chain_label.text()
    deltas = panel.net.deltas(X[2:5], Y[2:5], "mse")[0][:, 2]
    for n, sample in enumerate(("#3", "#4", "#5")):
        assert f"{sample}: ({UNICODE.num(deltas[n])})({UNICODE.num(X[2 + n, 1])})" in text
    assert f"cell (3, 2) = {UNICODE.num(view.values()[2, 1])}   ✓ equal to the mean" in text
    assert "Sample #3, the first of the 3 inspected" in text and "δ¹₃ · a⁰₂" in text


def test_step_shows_w_and_b_before_and_after_at_digits_where_they_differ(panel, qtbot):
    panel.set_learning_rate(1e-4)   # a tiny step: 4 digits would show before = after
    click_cell(qtbot, panel.rows[1].views["grad_w"], 0, 2)
    grad_w = panel.net.gradients(X[:1], Y[:1], "mse")[0]
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    for l, views in enumerate(panel.step_view.views):
        w_before, w_after, w_diff, b_before, b_after, b_diff = views
        for before, after in ((w_before, w_after), (b_before, b_after)):
            rows, cols = before.values().shape
            for r in range(rows):
                for c in range(cols):
                    if before.values()[r, c] != after.values()[r, c]:
                        assert cell_text(before, r, c) != cell_text(after, r, c)
        # ΔW = W_after − W_before: the subtraction rounds at the scale of W (1e-16), not of ΔW
        np.testing.assert_allclose(w_diff.values(), -1e-4 * grad_w[l], rtol=1e-6, atol=1e-15)
        assert b_before.isVisible() and b_diff.isVisible()
    assert "w²₁,₃⁺ = w²₁,₃ − η ∇W²₁,₃ = " in panel.step_view.summary.text()


def test_grad_check_shows_the_reason_and_the_selected_weight_side_by_side(panel, qtbot):
    click_cell(qtbot, panel.rows[0].views["grad_w"], 1, 0)
    with qtbot.waitSignal(panel.checkFinished, timeout=20000):
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert panel.check_result.verdict == "passed"
    assert "equals finite differences in every layer" in panel.check_view.verdict.text()
    side = panel.check_view.selected.text()
    analytic = panel.net.gradients(X[:1], Y[:1], "mse")[0][0][1, 0]
    assert side.startswith("w¹₂,₁\n") and f"backprop            {UNICODE.num(analytic)}" in side
    assert "finite differences" in side and ": passed" in side


def test_grad_check_says_inconclusive_with_the_reason_for_a_dead_layer(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    net = Network([2, 3, 1], ["relu", "linear"], seed=0)
    net.weights[0][...] = -1.0
    net.biases[0][...] = -1.0
    panel.set_network(net, "mse")
    panel.set_data(np.ones((2, 2)), np.ones((2, 1)))
    with qtbot.waitSignal(panel.checkFinished, timeout=20000):
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    text = panel.check_view.verdict.text()
    assert "INCONCLUSIVE" in text and "exactly 0" in text and "FAILED" not in text


def test_export_handout_writes_markdown_with_latex_off_the_ui_thread(qtbot, tmp_path, monkeypatch):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    net, (x, y) = MAZUR.network(), MAZUR.data()
    panel.set_network(net, "half_sse")
    panel.set_data(x, y)
    panel.set_learning_rate(0.5)
    target = tmp_path / "handout (Mazur's \"2-2-2\").md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(panel.handoutWritten, timeout=5000) as written:
        qtbot.mouseClick(panel.handout_button, Qt.MouseButton.LeftButton)
    assert written.args == [str(target)]
    md = target.read_text(encoding="utf-8")
    assert r"z^{1}_{1} = w^{1}_{1,1}a^{0}_{1} + w^{1}_{1,2}a^{0}_{2} + b^{1}_{1} = (0.15)(0.05) + (0.2)(0.1) + 0.35 = 0.3775" in md
    assert "0.2983711087600027" in md and "0.1497807161327628" in md   # E_total and w1⁺ (w¹₁,₁ is the default)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]       # no temporary left behind
    assert "Handout written to" in panel.status.text()


def test_a_handout_that_cannot_be_written_is_a_message(qtbot, tmp_path):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_network(MAZUR.network(), "half_sse")
    panel.set_data(*MAZUR.data())
    panel.export_handout(tmp_path / "no such folder" / "h.md")
    qtbot.waitUntil(lambda: "Could not write the handout" in panel.status.text(), timeout=5000)
    assert "Choose another folder" in panel.status.text()


def test_a_long_gradient_check_runs_off_the_ui_thread_and_can_be_cancelled(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    rng = np.random.default_rng(0)
    panel.set_network(Network([300, 100, 10], ["tanh", "softmax"], seed=0), "cross_entropy")
    panel.set_data(rng.normal(size=(64, 300)), np.eye(10)[rng.integers(0, 10, 64)])
    panel.count.setValue(64)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    cancel = panel.check_view.cancel
    assert cancel.isVisible() and "Checking" in panel.check_view.verdict.text()
    qtbot.mouseClick(panel.sample, Qt.MouseButton.LeftButton)   # the window still answers meanwhile
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in panel.check_view.verdict.text(), timeout=10000)
    assert not cancel.isVisible() and panel.check_result is None
