"""The live curves (cost, accuracy, gradient norms, health): bounded memory on a run of any length."""

import numpy as np
import pyqtgraph as pg

from bpstudio.ui.panels import health
from bpstudio.ui.views.plots import GrowingCurve


def test_a_long_curve_is_thinned_for_drawing_and_keeps_bounded_memory(qapp):
    curve = GrowingCurve(pg.PlotDataItem(), max_points=1000)
    for start in range(1, 100_001, 7):   # snapshots of 7 epochs each, as the worker sends them
        xs = np.arange(start, min(start + 7, 100_001))
        curve.extend(xs, 1.0 / xs)
    points = curve.points
    assert 500 <= points.n <= 1000
    x, y = points.x, points.y
    assert x[0] == 1 and np.all(np.diff(x) == points.stride)   # evenly thinned from the first epoch
    assert np.allclose(y, 1.0 / x)                             # each stored point is a real one
    curve.show()
    assert curve.item.xData[-1] == 100_000                      # the newest epoch is drawn


def test_a_short_curve_keeps_every_point(qapp):
    curve = GrowingCurve(pg.PlotDataItem(), max_points=1000)
    curve.extend(np.arange(1, 301), np.ones(300))
    curve.show()
    assert curve.points.stride == 1 and list(curve.item.xData) == list(range(1, 301))
    curve.clear()
    assert curve.points.n == 0 and curve.last is None and curve.item.xData is None   # the plot emptied too


def test_the_health_curves_are_thinned_past_max_points(qapp):
    widget = pg.PlotWidget()
    curves = health.GrowingCurves(widget.getPlotItem(), max_points=1000)
    curves.reset(3)
    for start in range(1, 50_001, 500):   # rows as snapshots bring them
        updates = np.arange(start, start + 500, dtype=float)
        curves.extend({"updates": updates, "samples": 10 * updates, "seconds": updates / 100},
                      np.tile([1.0, 2.0, 3.0], (500, 1)))
    last = {"updates": np.array([50_001.0, 50_002.0]), "samples": np.array([500_010.0, 500_020.0]),
            "seconds": np.array([500.01, 500.02])}
    curves.extend(last, [[np.nan] * 3, [1.0, 2.0, 3.0]])   # a row with nothing measured is skipped
    assert 500 <= curves.n <= 1000
    x, y = curves.data(2)
    assert x[0] == 1 and np.all(np.diff(x) == curves.points.stride) and np.all(y == 3.0)
    curves.show()
    assert curves.curves[2].getData()[0][-1] == x[-1]


def test_a_cost_that_settles_at_zero_is_drawn_above_the_grid(qtbot):
    """The grid is opaque; drawn over the curves it hid a converged cost lying on the y = 0 line."""
    from PySide6.QtGui import QColor

    from bpstudio.ui.views.plots import TRAIN_COLOR, CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view.cost_plot.setYRange(-0.02, 0.3, padding=0)
    view.cost_plot.getPlotItem().enableAutoRange(False)
    view.cost["train"].extend(np.arange(1, 501), np.zeros(500))
    view.cost["train"].show()
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    image = view.cost_plot.grab().toImage()
    box = view.cost_plot.getPlotItem().getViewBox()
    zero = box.mapViewToScene(pg.Point(250, 0.0))
    x, y = int(view.cost_plot.mapFromScene(zero).x()), int(view.cost_plot.mapFromScene(zero).y())
    colors = {image.pixelColor(x, row).name() for row in range(y - 1, y + 2)}
    assert QColor(TRAIN_COLOR).name() in colors


def test_tick_labels_never_overlap_on_a_narrow_plot(qapp):
    """pyqtgraph labels every major tick; on a 200-px plot of 0…10 000 that wrote "200040006000"."""
    from PySide6.QtGui import QFontMetrics

    from bpstudio.ui.kit.plotstyle import ReadableAxis, make_plot

    for width in (160, 200, 300, 1000):
        plot = make_plot("Update size", "weight updates", "ratio")
        axis = plot.getAxis("bottom")
        assert isinstance(axis, ReadableAxis)
        plot.resize(width, 200)
        plot.setXRange(0, 10_000, padding=0)
        plot.show()
        qapp.processEvents()
        size = axis.geometry().width()
        values = [v for _, level in axis.tickValues(0, 10_000, size)[:1] for v in level]
        labels = axis.tickStrings(values, 1, values[1] - values[0])
        metrics = QFontMetrics(axis.font())
        pitch = (values[1] - values[0]) * size / 10_000
        assert len(values) >= 2 and pitch >= max(metrics.horizontalAdvance(t) for t in labels) + 8, (width, labels)
        plot.close()


def test_after_training_both_plots_fit_the_window_without_scrolling(xor_window, qtbot):
    """The readout changing during a run once made the plots' scroll area size them by their
    preferred height: the accuracy plot fell below the fold at 1280×800 and 1920×1080."""
    from uihelpers import click, control
    win, s = xor_window, xor_window.session
    win.resize(1280, 800)
    control(win, "Epochs").setValue(30)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=20000)
    qtbot.waitUntil(lambda: win.curves.readout.text().startswith("epoch 30"), timeout=5000)
    qtbot.wait(100)   # the layout request the new text makes is handled
    area = win.centralWidget()
    assert area.verticalScrollBar().maximum() == 0
    accuracy = win.curves.accuracy_plot
    assert accuracy.isVisible() and accuracy.geometry().bottom() <= area.viewport().height()


def test_the_costs_readout_says_what_fits_and_never_cuts_silently(xor_window, qtbot):
    """At 1280×800 "… validation accuracy 96.2 %" ran past the readout's edge, its "%" cut off with no
    sign: the readout now takes a shorter wording, or ends in "…", and keeps the full one as tooltip."""
    from uihelpers import click, control
    win, s = xor_window, xor_window.session
    readout = control(win, "Last costs")
    control(win, "Epochs").setValue(5)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=20000)
    qtbot.waitUntil(lambda: readout.toolTip().startswith("epoch 5:"), timeout=5000)
    full = readout.toolTip()
    assert "validation cost" in full and full.endswith("%")
    for width, height in ((1920, 1080), (1280, 800), (1024, 700)):
        win.resize(width, height)
        qtbot.wait(50)
        shown, room = readout.text(), readout.contentsRect().width()
        assert readout.fontMetrics().horizontalAdvance(shown) <= room, (width, shown, room)
        assert shown.endswith("%") or shown.endswith("…"), shown
        if readout.fontMetrics().horizontalAdvance(full) <= room:
            assert shown == full
    win.resize(1920, 1080)
    qtbot.waitUntil(lambda: readout.text() == full, timeout=2000)
