"""The network diagram's names and captions stay inside the view and never overlap, at any window size."""

import numpy as np
import pytest

from bpstudio.core.data.dataset import Dataset
from bpstudio.ui.views.diagram import DiagramView

LONG_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
CLASSES = ["setosa", "versicolor", "virginica"]


def text_rects(diagram):
    """Scene rectangles of the text a user sees: (caption rects, name rects)."""
    labels = diagram.labels
    captions = [c.sceneBoundingRect() for c in labels.captions]
    names = [item.sceneBoundingRect() for _, _, side in labels.names for item, _, _ in side if item.isVisible()]
    return captions, names


def assert_readable(diagram):
    view = diagram.plot.getPlotItem().getViewBox().sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
    captions, names = text_rects(diagram)
    for rect in captions + names:
        assert view.contains(rect), f"text at {rect} leaves the view {view}"
    for a, b in zip(captions, captions[1:]):
        assert b.left() - a.right() >= 4, f"captions closer than 4 px: {a} and {b}"
    everything = captions + names
    for i, a in enumerate(everything):
        for b in everything[i + 1:]:
            assert not a.intersects(b), f"texts overlap: {a} and {b}"


@pytest.fixture
def diagram(qtbot):
    view = DiagramView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize("size", [(230, 260), (280, 300), (420, 300), (600, 500)])
@pytest.mark.parametrize("hidden", [(8, 8), (16, 12, 10, 8, 8)])
def test_names_and_captions_fit_and_never_overlap(diagram, qtbot, size, hidden):
    diagram.resize(*size)
    diagram.set_network([4, *hidden, 3], LONG_NAMES, CLASSES)
    qtbot.wait(50)   # the resize reaches the view box
    assert_readable(diagram)


def test_a_name_cut_short_shows_in_full_on_hover(diagram, qtbot):
    diagram.resize(260, 300)
    diagram.set_network([4, 8, 8, 3], LONG_NAMES, CLASSES)
    qtbot.wait(50)
    inputs = diagram.labels.names[0][2]
    shown = [item.toPlainText() for item, _, _ in inputs]
    assert any(text.endswith("…") for text in shown), shown          # too narrow for the full names
    for item, name, _ in inputs:
        assert item.textItem.toolTip() == name
        assert name.startswith(item.toPlainText().rstrip("…"))
    diagram.resize(900, 500)                                          # room enough: the full names
    qtbot.waitUntil(lambda: [item.toPlainText() for item, _, _ in inputs] == LONG_NAMES, timeout=2000)
    qtbot.wait(50)
    assert_readable(diagram)


def test_crowded_layers_show_every_kth_name_and_every_neuron_names_itself_on_hover(diagram, qtbot):
    diagram.resize(280, 260)
    names = [f"pixel {i}" for i in range(64)]
    diagram.set_network([64, 8, 10], names, [str(c) for c in range(10)])
    qtbot.wait(50)
    assert_readable(diagram)
    visible = [item for item, _, _ in diagram.labels.names[0][2] if item.isVisible()]
    assert 2 <= len(visible) < 24
    tips = diagram.nodes.data["data"]
    assert tips[0] == "input 1: pixel 0" and tips[-1] == "output 10: 9" and "hidden 1, neuron 1" in tips


def test_the_window_at_1280x800_shows_iris_names_inside_the_diagram(window, qtbot):
    ds = Dataset(np.random.default_rng(0).normal(size=(60, 4)), np.eye(3)[np.arange(60) % 3], "classification",
                 LONG_NAMES, CLASSES, source="iris-like")
    window.resize(1280, 800)
    window.use_dataset(ds)
    qtbot.waitUntil(lambda: window.session.dataset is ds, timeout=5000)
    qtbot.wait(100)
    assert window.diagram.isVisible()
    assert_readable(window.diagram)
