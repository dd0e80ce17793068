"""Log-axis numbers stay readable: on Health's plots and the learning-rate sweep, no two tick labels
touch, whatever the range and however small the plot (pyqtgraph labelled 2 … 9 × 10ᵏ on every
decade and piled them into a blob)."""

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from bpstudio.ui.kit.plotstyle import make_plot
from bpstudio.ui.panels.runs import RunsPanel
from bpstudio.ui.session.runs import RunBook

from uihelpers import click, show_tab


def label_rects(axis):
    """The rectangles pyqtgraph draws the axis's tick labels in, as it paints them."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(axis.style["tickFont"] or axis.font())
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts]


def assert_readable(axis, least=2):
    labels = label_rects(axis)
    assert len(labels) >= least, [text for _, text in labels]
    for i, (a, text_a) in enumerate(labels):
        for b, text_b in labels[i + 1:]:
            assert not a.intersects(b), f"{text_a!r} overlaps {text_b!r}: {[t for _, t in labels]}"


def settle(qtbot, widget):
    qtbot.wait(50)
    widget.getPlotItem().getViewBox().prepareForPaint()


@pytest.mark.parametrize("low, high", [(0.25, 0.95), (0.02, 1.2), (1e-4, 0.9), (3e-4, 2e-3), (1e-12, 10.0)])
@pytest.mark.parametrize("width, height", [(220, 160), (320, 420)])
def test_a_log_axis_never_overlaps_its_labels(qtbot, low, high, width, height):
    widget = make_plot("Update size", "weight updates", "‖ΔWˡ‖ / ‖Wˡ‖")
    qtbot.addWidget(widget)
    widget.setLogMode(x=True, y=True)
    x = np.geomspace(low, high, 50)
    widget.plot(x, x[::-1])
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot, widget)
    for side in ("left", "bottom"):   # a plot 160 px high may have room for one label only
        assert_readable(widget.getPlotItem().getAxis(side), least=1 if height < 200 else 2)


def test_the_sweep_plot_labels_its_costs_apart(qtbot):
    """The sweep's final costs span less than a decade: the labels were 0.3 … 0.9 on top of each other."""
    runs = RunsPanel(RunBook())
    qtbot.addWidget(runs)
    runs.resize(1100, 650)   # about its share of a 1280×800 window while raised
    runs.show()
    qtbot.waitExposed(runs)
    rates = 10.0 ** np.arange(-5, 1.01, 0.5)
    costs = np.array([0.69, 0.69, 0.69, 0.68, 0.66, 0.6, 0.5, 0.45, 0.32, 0.6, 0.9, 3.2, 5.1])
    runs.sweep_curve.setData(rates, costs)
    runs.sweep_plot.getPlotItem().enableAutoRange()
    settle(qtbot, runs.sweep_plot)
    for side in ("left", "bottom"):
        assert_readable(runs.sweep_plot.getPlotItem().getAxis(side))


def test_health_log_axes_are_readable_after_stepping(window, qtbot):
    """Step a few times by clicking, raise Health by its tab: both log plots' labels stand apart
    (a few updates span less than a decade: the case that piled up)."""
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)   # the restored layout settles before the first click (its tab bars are rebuilt)
    for _ in range(6):
        click(qtbot, window, "Step")
        qtbot.waitUntil(lambda: not window.session.busy, timeout=10000)
    show_tab(qtbot, window, "Health")
    health = window.inspection.health
    qtbot.waitUntil(lambda: health.norms.n == 6, timeout=5000)
    for plot in (health.norm_plot, health.ratio_plot):
        plot.getPlotItem().enableAutoRange()
        settle(qtbot, plot)
        assert_readable(plot.getPlotItem().getAxis("left"))


def test_a_vertical_axis_title_longer_than_its_short_plot_is_hidden_until_it_fits(qtbot):
    """Raising the Inspector at 1280×800 squeezes the cost plots to ~100 px: their left titles ran into
    each other ("accuracy (% t (mean per sam"). Too long for its axis, a title hides; it returns when
    the plot grows."""
    widget = make_plot("Cost", "epoch", "cost (mean per sample)")
    qtbot.addWidget(widget)
    axis = widget.getPlotItem().getAxis("left")
    widget.resize(400, 110)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: 0 < axis.size().height() < axis.label.boundingRect().width(), timeout=3000)
    assert not axis.label.isVisible()
    widget.resize(400, 420)
    qtbot.waitUntil(lambda: axis.size().height() > axis.label.boundingRect().width(), timeout=3000)
    assert axis.label.isVisible()
