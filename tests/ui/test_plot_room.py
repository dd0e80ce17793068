"""Every plot keeps numbers on its axes and its legend off its curves, in the layouts people meet: the
cost and accuracy plots with the Inspector raised (at 1280×800 the accuracy plot under the cost plot
had no plot area left and no numbers on its axis), and the Health plots, whose busy curves ran under
their legends."""

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from uihelpers import legend_covers_a_curve, show_tab, train_then_stop

from bpstudio.ui.kit.legend import RowLegend
from bpstudio.ui.kit.plotstyle import make_plot, pen


def drawn_tick_labels(axis):
    """The tick labels ``axis`` draws now (pyqtgraph leaves out those it has no room for)."""
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


def train_a_little(qtbot, window, size):
    window.resize(*size)
    window.reset_layout()
    qtbot.wait(100)
    train_then_stop(qtbot, window, 30)


def inside(inner, outer):
    return outer.contains(inner) or outer.united(inner) == outer


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_with_the_inspector_raised_cost_and_accuracy_keep_numbers_on_their_axes(window, qtbot, size):
    train_a_little(qtbot, window, size)
    show_tab(qtbot, window, "Inspector")
    qtbot.waitUntil(lambda: window.docks["Inspector"].height() >= 0.5 * window.height(), timeout=3000)
    qtbot.wait(300)   # the plots are laid out anew and redrawn
    curves, area = window.curves, window.centralWidget()
    cost, accuracy = curves.cost_plot, curves.accuracy_plot
    labels = drawn_tick_labels(accuracy.getPlotItem().getAxis("left"))
    assert len(labels) >= 3 and "0" in labels and "100" in labels, labels
    assert len(drawn_tick_labels(cost.getPlotItem().getAxis("left"))) >= 2
    for plot in (cost, accuracy):
        assert plot.isVisible()
        # The whole plot in sight: nothing below the fold or past the right edge.
        corner = plot.mapTo(area.viewport(), plot.rect().bottomRight())
        assert corner.y() < area.viewport().height() and corner.x() < area.viewport().width()
        item = plot.getPlotItem()
        assert item.getViewBox().height() >= 5 * 18   # room for several numbers on the y axis
        assert item.getAxis("left").label.isVisible()   # and its label (the short one if need be)
        title = item.titleLabel.item
        assert inside(title.mapRectToScene(title.boundingRect()), plot.sceneRect())   # the title is not cut
        # The legend in a free corner, or hidden with the names in the title (placed shortly after a resize).
        qtbot.waitUntil(lambda: not legend_covers_a_curve(plot), timeout=3000)
    assert accuracy.geometry().left() > cost.geometry().right()   # too short for one above the other: side by side
    show_tab(qtbot, window, "Weights")   # room again: the accuracy plot goes back under the cost plot
    qtbot.waitUntil(lambda: accuracy.geometry().top() > cost.geometry().bottom(), timeout=3000)


def test_the_health_legends_sit_under_the_plots_off_the_curves(window, qtbot):
    train_a_little(qtbot, window, (1280, 800))
    show_tab(qtbot, window, "Health")
    health = window.inspection.health
    qtbot.waitUntil(lambda: health._plots is not None, timeout=3000)
    qtbot.waitUntil(lambda: len(health.norm_plot.getPlotItem().legend.items) == window.session.net.n_layers,
                    timeout=3000)
    qtbot.wait(300)
    for plot in health.plots:
        item = plot.getPlotItem()
        legend, view = item.legend, item.getViewBox()
        if not legend.items:
            assert not legend.isVisible()   # nothing measured yet (gradient noise at full speed): no empty box
            continue
        assert legend.isVisible()
        box = legend.sceneBoundingRect()
        assert not box.intersects(view.sceneBoundingRect()), plot.accessibleName()
        assert box.top() >= item.getAxis("bottom").sceneBoundingRect().bottom() - 1   # under the x axis's label
        assert inside(box, plot.sceneRect())
        for sample, label in legend.items:   # every entry shown in full
            assert inside(label.sceneBoundingRect(), plot.sceneRect())
    names = [label.text for _, label in health.ratio_plot.getPlotItem().legend.items]
    assert "healthy ≈ 1e-3" in names and "layer 1" in names


@pytest.mark.parametrize("width, rows", [(700, 1), (180, 2)])
def test_a_row_legend_wraps_its_entries_to_the_plot_width(qtbot, width, rows):
    widget = make_plot("Gradient norm", "weight updates", "‖∇Wˡ‖", legend="below")
    qtbot.addWidget(widget)
    widget.resize(width, 400)
    widget.show()
    plot = widget.getPlotItem()
    x = np.arange(50.0)
    for layer in range(3):
        plot.plot(x, np.sin(x / 5 + layer), pen=pen(layer), name=f"layer {layer + 1}")
    qtbot.waitUntil(lambda: plot.legend.isVisible() and len(plot.legend.items) == 3, timeout=2000)
    qtbot.wait(50)
    legend = plot.legend
    assert isinstance(legend, RowLegend)
    tops = {round(label.sceneBoundingRect().top()) for _, label in legend.items}
    assert len(tops) == rows
    assert inside(legend.sceneBoundingRect(), widget.sceneRect())
    assert not legend.sceneBoundingRect().intersects(plot.getViewBox().sceneBoundingRect())
