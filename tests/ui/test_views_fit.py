"""What views show stays true and readable: the data description keeps its "<", the weight hover line
follows the network."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QComboBox

from uihelpers import choose, click, control, show_tab, type_into


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


@pytest.fixture
def xor_window(shared_xor_window):
    return shared_xor_window


def shown_text(label):
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_the_xor_description_keeps_its_less_than_sign(window, qtbot):
    choose(qtbot, control(window, "Dataset", QComboBox), "xor")
    qtbot.waitUntil(lambda: window.session.dataset.source == "xor", timeout=10000)
    assert "x1·x2 < 0 (four quadrants)" in shown_text(control(window, "Data summary"))


def test_the_weight_hover_line_follows_a_rebuilt_network(xor_window, qtbot):
    win = xor_window
    w_plot = win.weights.layers[0][0]
    win.weights.graphics.scene().sigMouseMoved.emit(w_plot.getViewBox().mapViewToScene(QPointF(1, 2)))
    assert win.weights.hover.text().startswith("w¹₂,₁ = ")
    old = win.weights.hover.text()
    type_into(qtbot, control(win, "Weight seed"), "7")    # a new network: new weights under the pointer
    qtbot.waitUntil(lambda: len(win.weights.layers) == win.session.net.n_layers, timeout=5000)
    qtbot.waitUntil(lambda: not win.frames.stale, timeout=5000)
    text = win.weights.hover.text()
    assert text != old
    assert text == "Hover a cell to read its weight." or f"{win.session.net.weights[0][1, 0]:+.4f}" in text


def test_the_regression_evaluation_plot_spans_the_data(window, qtbot):
    """The points fill the plot's width (a locked aspect in a wide dock left ~80 % of it empty)."""
    window.resize(1600, 1000)
    choose(qtbot, control(window, "Dataset", QComboBox), "sine")
    qtbot.waitUntil(lambda: window.session.dataset.source == "sine", timeout=10000)
    type_into(qtbot, control(window, "Epochs"), "30")
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: window.session.state == "idle" and not window.session.busy, timeout=20000)
    show_tab(qtbot, window, "Evaluation")
    evaluation = window.inspection.evaluation
    qtbot.waitUntil(lambda: evaluation.points is not None, timeout=5000)
    box = evaluation.plot.getViewBox()
    qtbot.waitUntil(lambda: box.sceneBoundingRect().width() > 2 * box.sceneBoundingRect().height(), timeout=3000)
    qtbot.wait(200)   # the dock has its room; the view range follows the final size
    x, y = evaluation.scatter.getData()
    left, right = (box.mapViewToScene(QPointF(v, float(np.median(y)))).x() for v in (x.min(), x.max()))
    assert (right - left) >= 0.8 * box.sceneBoundingRect().width(), "the points leave most of the plot's width empty"
