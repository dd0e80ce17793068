"""A confusion matrix of many classes fits its panel: the cells shrink (counts then move into the
tooltips, rows and columns are numbered or unlabelled) instead of spilling over the tab and status bars."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from bpstudio.core.data.loading import load_dataset
from bpstudio.core.nn.network import Network
from bpstudio.ui import MainWindow
from bpstudio.ui.panels.evaluation import EvaluationPanel

from uihelpers import click, control, show_tab, type_into

CLASSES = 67


def write_stations(path, classes=CLASSES, per_class=8):
    """A CSV shaped like a real one: two measurements and a text category with ``classes`` values."""
    rng = np.random.default_rng(0)
    label = np.arange(classes * per_class) % classes
    angle = 2 * np.pi * label / classes
    x = np.c_[np.cos(angle), np.sin(angle)] + rng.normal(0, 0.05, (len(label), 2))
    rows = [f"{a:.4f},{b:.4f},station {c:02d}" for (a, b), c in zip(x, label)]
    path.write_text("x1,x2,station\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def stations_window(qtbot, tmp_path):
    dataset = load_dataset(str(write_stations(tmp_path / "stations.csv")), target="station", task="classification")
    win = MainWindow(dataset)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.reset_layout()
    qtbot.wait(100)   # the restored layout settles before the first click (its tab bars are rebuilt)
    yield win
    win.close()


def inside(widget, outer):
    """``widget``'s rectangle in ``outer``'s coordinates lies within ``outer``."""
    top_left = widget.mapTo(outer, QPoint(0, 0))
    return outer.rect().contains(top_left) and outer.rect().contains(
        top_left + QPoint(widget.width() - 1, widget.height() - 1))


def test_a_67_class_confusion_matrix_fits_its_panel(stations_window, qtbot):
    win = stations_window
    type_into(qtbot, control(win, "Epochs"), "3")
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: win.session.state == "idle" and not win.session.busy, timeout=20000)
    show_tab(qtbot, win, "Evaluation")
    evaluation = win.inspection.evaluation
    qtbot.waitUntil(lambda: evaluation.counts is not None, timeout=5000)
    qtbot.wait(200)   # the dock takes its room
    matrix = evaluation.matrix
    assert not matrix.visibleRegion().isEmpty(), "the Evaluation tab is not on screen"
    area = win.docks["Evaluation"].widget()
    assert area.verticalScrollBar().maximum() == 0, "the Evaluation panel itself had to scroll"
    assert inside(matrix, area.viewport())
    assert matrix.mapTo(win, QPoint(0, matrix.height())).y() <= win.statusBar().mapTo(win, QPoint(0, 0)).y()
    model = matrix.matrix_model
    assert model.values.shape == (CLASSES, CLASSES)
    assert model.data(model.index(5, 5), Qt.DisplayRole) is None      # too small to print the counts …
    cell = matrix.visualRect(model.index(5, 7)).center()
    tip = model.data(matrix.indexAt(cell), Qt.ToolTipRole)            # … which the tooltip under the pointer gives
    assert tip == f"actual station 05, predicted station 07: {int(evaluation.counts[5, 7])}"


@pytest.mark.parametrize("classes, headers", [(3, "labels"), (12, "labels"), (30, "numbers")])
def test_a_confusion_matrix_keeps_readable_labels_while_they_fit(qtbot, classes, headers):
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.resize(1500, 900)
    panel.show()
    qtbot.waitExposed(panel)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20 * classes, 2))
    Y = np.eye(classes)[np.arange(len(X)) % classes]
    names = [f"station {i:02d}" for i in range(classes)]
    panel.set_classification(Network([2, classes], ["softmax"], seed=0), X, Y, names)
    qtbot.wait(50)
    matrix, model = panel.matrix, panel.matrix.matrix_model
    assert model.headers == headers
    assert inside(matrix, panel)
    label = model.headerData(1, Qt.Vertical)
    assert label == ("station 01" if headers == "labels" else "2  station 01")
    if classes <= 12:   # room to print the counts
        assert model.data(model.index(0, 1), Qt.DisplayRole) == str(int(panel.counts[0, 1]))
