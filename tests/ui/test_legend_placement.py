"""A plot's legend does not cover its curves: in the cost plot squeezed by the raised Inspector at
1280×800 it gives way to the curve names in the title; in a roomy plot it sits in a free corner."""

import gc

import numpy as np
import pytest
from uihelpers import legend_covers_a_curve, show_tab, train_then_stop

from bpstudio.ui.kit.legend import LegendPlacer
from bpstudio.ui.kit.plotstyle import make_plot, pen


def _settled(widget):
    """The curves that have points are drawn, and the placer has no look pending."""
    plot = widget.getPlotItem()
    drawn = all(item.xData is None or item.getData()[0] is not None for item in plot.listDataItems())
    return drawn and not widget.findChild(LegendPlacer).timer.isActive()


def _title(widget):
    return widget.getPlotItem().titleLabel.text


def test_the_squeezed_cost_plot_shows_its_curves_uncovered_and_names_them_in_the_title(window, qtbot):
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)
    train_then_stop(qtbot, window, 40)
    show_tab(qtbot, window, "Inspector")
    qtbot.waitUntil(lambda: window.docks["Inspector"].height() >= 0.5 * window.height(), timeout=3000)
    cost = next(p for p in window.findChildren(type(make_plot("", "", ""))) if p.accessibleName() == "Cost plot")
    qtbot.waitUntil(lambda: _settled(cost) and not legend_covers_a_curve(cost), timeout=5000)
    qtbot.wait(400)   # settled: it stays off
    assert _settled(cost) and not legend_covers_a_curve(cost)
    assert not cost.getPlotItem().legend.isVisible()
    assert "train" in _title(cost) and "validation" in _title(cost)
    assert "train" in cost.toolTip() and "validation" in cost.toolTip()
    show_tab(qtbot, window, "Weights")   # room again: the legend comes back, still off the curves
    qtbot.waitUntil(lambda: _settled(cost) and cost.getPlotItem().legend.isVisible(), timeout=5000)
    assert _title(cost) == "Cost" and not legend_covers_a_curve(cost)


@pytest.mark.parametrize("rising", [False, True])
def test_a_roomy_plot_keeps_its_legend_in_a_free_corner(qtbot, rising):
    """A falling cost leaves the top-right free; a rising accuracy fills it, and the legend moves."""
    widget = make_plot("Cost", "epoch", "cost", legend=True)
    gc.collect()   # the placer lives as the widget's child, with no other reference to it
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    x = np.arange(1.0, 101.0)
    y = np.exp(-x / 30) if not rising else 1 - np.exp(-x / 30)
    for i, name in enumerate(("train", "validation")):
        widget.getPlotItem().plot(x, y + 0.02 * i, pen=pen(i), name=name)
    qtbot.waitUntil(lambda: _settled(widget) and not legend_covers_a_curve(widget), timeout=5000)
    qtbot.wait(300)
    assert _settled(widget)
    assert widget.getPlotItem().legend.isVisible() and not legend_covers_a_curve(widget)
    assert _title(widget) == "Cost"
