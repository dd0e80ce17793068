"""Examples ▸ Mazur's 2-2-2 network: picked from the menu, one click on Step reproduces the published numbers.

Also: the app refuses a one-output softmax where the user chose it.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton
from uihelpers import click, control

from bpstudio.core.data.loading import load_dataset
from bpstudio.ui import MainWindow


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window

PUBLISHED = {"net_h1": 0.3775, "out_o1": 0.75136507, "E_total": 0.298371109, "w5+": 0.35891648, "w1+": 0.149780716}


def pick_menu_action(qtbot, window, menu_title, action_text):
    """Open a menu of the menu bar with the mouse and click one of its actions."""
    bar = window.menuBar()
    entry = next(a for a in bar.actions() if a.text().replace("&", "") == menu_title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(entry).center())
    menu = entry.menu()
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    action = next(a for a in menu.actions() if a.text() == action_text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def load_mazur(qtbot, window):
    pick_menu_action(qtbot, window, "Examples", "Mazur's 2-2-2 network (one step by hand)")
    qtbot.waitUntil(lambda: window.session.net.sizes == (2, 2, 2), timeout=5000)


def test_the_menu_loads_exactly_mazurs_network_sample_cost_and_rate(window, qtbot):
    load_mazur(qtbot, window)
    s = window.session
    np.testing.assert_array_equal(s.net.weights[0], [[0.15, 0.20], [0.25, 0.30]])
    np.testing.assert_array_equal(s.net.weights[1], [[0.40, 0.45], [0.50, 0.55]])
    np.testing.assert_array_equal(s.net.biases[0], [0.35, 0.35])
    np.testing.assert_array_equal(s.net.biases[1], [0.60, 0.60])
    assert s.net.activations == ("sigmoid", "sigmoid") and s.spec.cost == "half_sse"
    np.testing.assert_array_equal(s.prepared.X_train, [[0.05, 0.10]])   # unscaled, the only sample
    np.testing.assert_array_equal(s.prepared.Y_train, [[0.01, 0.99]])
    assert len(s.prepared.X_val) == 0
    assert s.config.learning_rate == 0.5 and s.config.optimizer == "sgd" and s.config.batch_mode == "full"
    inspector = window.inspection.inspector
    assert inspector.eta.value() == 0.5 and inspector.selected == (2, 0, 0)   # w5, Mazur's first weight
    assert control(window, "Cost function", QComboBox).currentData() == "half_sse"
    text = inspector.chain_label.text()
    assert "a²₁ = σ(z²₁)\n      = 1 / (1 + e^(−1.10590596705977))\n      = 0.7513650695523157" in text
    assert "= 0.2983711087600027" in text   # E_total


def test_one_click_on_step_reproduces_the_published_numbers(window, qtbot):
    load_mazur(qtbot, window)
    inspector = window.inspection.inspector
    z = inspector.rows[0].views["z"].values()[0, 0]
    a = inspector.rows[1].views["a"].values()[0, 0]
    assert z == PUBLISHED["net_h1"] and round(a, 8) == PUBLISHED["out_o1"]
    assert "cost C = 0.2983711087600027" in inspector.status.text()
    step = next(b for b in inspector.findChildren(QPushButton) if b.accessibleName() == "Step  W ← W − η∇W")
    qtbot.mouseClick(step, Qt.MouseButton.LeftButton)
    after_w2, after_w1 = inspector.step_view.views[1][1].values(), inspector.step_view.views[0][1].values()
    assert round(after_w2[0, 0], 8) == PUBLISHED["w5+"] and round(after_w1[0, 0], 9) == PUBLISHED["w1+"]
    summary = inspector.step_view.summary.text()
    assert "0.2983711087600027 →" in summary
    assert "w²₁,₁⁺ = w²₁,₁ − η ∇W²₁,₁ = 0.4 − (0.5)(0.08216704056423078) = 0.35891647971788465" in summary
    # The step reached the session's network (what the other views and Start use).
    qtbot.waitUntil(lambda: round(window.session.net.weights[1][0, 0], 8) == PUBLISHED["w5+"], timeout=3000)
    assert round(window.session.net.weights[0][0, 0], 9) == PUBLISHED["w1+"]


def test_training_one_step_from_the_toolbar_gives_the_same_weights(window, qtbot):
    load_mazur(qtbot, window)
    s = window.session
    click(qtbot, window, "Step")   # one batch = the one sample, plain SGD at η = 0.5
    qtbot.waitUntil(lambda: s.latest.progress.updates == 1 and not s.busy, timeout=5000)
    assert round(s.net.weights[1][0, 0], 8) == PUBLISHED["w5+"]
    assert round(s.net.weights[0][0, 0], 9) == PUBLISHED["w1+"]
    assert round(s.history.train_cost[0], 9) == PUBLISHED["E_total"]


def test_the_app_refuses_a_one_output_softmax_where_the_user_chose_it(qtbot):
    win = MainWindow(load_dataset("diabetes"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        before = win.session.net
        output = control(win, "Output activation", QComboBox)
        output.setFocus()
        output.setCurrentIndex(output.findData("softmax"))   # the choice a person makes in the list
        problem = win.network_panel.problem.text()
        assert "Not applied" in problem and "softmax over a single output is always 1" in problem
        assert win.session.net is before and win.session.net.activations[-1] == "linear"
    finally:
        win.close()
