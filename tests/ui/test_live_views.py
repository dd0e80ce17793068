"""The live views while training at full speed: what they skip to leave the GIL to training must never
leave them showing something stale."""

import numpy as np

from bpstudio.ui.views.diagram import DiagramView
from bpstudio.ui.views.frames import on_screen
from uihelpers import click, control, show_tab


def outline_points(window, layer=0):
    """How many line ends the first weight heatmap's outline of changed cells draws."""
    image = window.weights.layers[layer][1]
    xs = window.weights.outline_items[image].xData
    return 0 if xs is None else len(xs)


def test_outlines_of_a_step_are_cleared_at_full_speed_and_come_back_with_the_next_step(window, qtbot):
    s = window.session
    if not window.weights.isVisible():
        show_tab(qtbot, window, "Weights")
    click(qtbot, window, "last change")   # outlines on the change's own scale: a step marks cells
    click(qtbot, window, "Step")
    qtbot.waitUntil(lambda: not s.busy and s.latest.progress.updates == 1, timeout=10000)
    qtbot.waitUntil(lambda: outline_points(window) > 0, timeout=3000)
    control(window, "Epochs").setValue(1_000_000)
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates > 50, timeout=10000)
    qtbot.waitUntil(lambda: outline_points(window) == 0, timeout=3000)   # thousands a frame: none drawn
    click(qtbot, window, "Pause")
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    paused_at = s.trainer.updates
    click(qtbot, window, "Step")
    qtbot.waitUntil(lambda: not s.busy and s.latest.progress.updates == paused_at + 1, timeout=10000)
    qtbot.waitUntil(lambda: outline_points(window) > 0, timeout=3000)
    rows, _ = window.weights.changed_cells(0)
    assert outline_points(window) == 8 * len(rows)   # four sides, two ends each, per changed cell


def drawn_connections(diagram):
    """{(sign, strength): set of segments (x0, y0, x1, y1)} as the diagram's curves draw them."""
    out = {}
    for key, curve in diagram.bins.items():
        x, y = curve.getData()
        x, y = ([] if x is None else x), ([] if y is None else y)
        out[key] = {(x[i], y[i], x[i + 1], y[i + 1]) for i in range(0, len(x), 2)}
    return out


def test_the_diagram_redraws_only_bins_that_changed_and_still_shows_every_connection_right(qtbot):
    view = DiagramView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.set_network([3, 4, 2], ["a", "b", "c"], ["y0", "y1"])
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 4))]
    view.set_parameters(weights, None)
    before = drawn_connections(view)
    assert sum(len(v) for v in before.values()) == 4 * 3 + 2 * 4   # every connection in exactly one bin
    flipped = [w.copy() for w in weights]
    flipped[0][1, 2] = -flipped[0][1, 2]   # one connection changes sign: it moves to the other colour
    set_calls = []
    for curve in view.bins.values():
        curve.sigPlotChanged.connect(lambda c: set_calls.append(c))
    view.set_parameters(flipped, None)
    after = drawn_connections(view)
    assert sum(len(v) for v in after.values()) == 4 * 3 + 2 * 4
    moved = {key for key in before if before[key] != after[key]}
    assert len(moved) == 2 and {key[0] for key in moved} == {-1, 1}   # out of one bin, into its mirror
    assert len(set_calls) == 2   # the other bins kept their curves
    view.set_parameters(weights, None)
    assert drawn_connections(view) == before


def shown_first_weights(window):
    return np.array(window.weights.layers[0][1].image, copy=True)


def test_a_view_behind_a_tab_is_not_redrawn_while_training_and_catches_up_when_its_tab_is_clicked(window, qtbot):
    """Qt keeps a dock behind another's tab "visible" (isVisible() is True), so only what is on screen counts."""
    s = window.session
    if not window.weights.isVisible():
        show_tab(qtbot, window, "Weights")
    control(window, "Epochs").setValue(1_000_000)
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates > 20, timeout=10000)
    beside = window.tabifiedDockWidgets(window.docks["Weights"])[0].windowTitle()
    show_tab(qtbot, window, beside)   # the Weights tab goes behind it
    qtbot.waitUntil(lambda: window.docks["Weights"].visibleRegion().isEmpty(), timeout=2000)
    qtbot.wait(100)   # a frame already under way
    hidden_at, before = s.latest.progress.updates, shown_first_weights(window)
    qtbot.waitUntil(lambda: s.latest.progress.updates > hidden_at + 200, timeout=10000)
    qtbot.wait(400)   # frames keep drawing the views on screen meanwhile
    np.testing.assert_array_equal(shown_first_weights(window), before)   # not redrawn behind the tab
    assert "weights" in window.frames.stale
    show_tab(qtbot, window, "Weights")
    qtbot.waitUntil(lambda: not np.array_equal(shown_first_weights(window), before), timeout=3000)
    click(qtbot, window, "Pause")
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    latest = s.net.layer_views(s.latest.params)[0][0].astype(np.float32)
    qtbot.waitUntil(lambda: np.array_equal(shown_first_weights(window), latest), timeout=3000)


def test_show_all_views_puts_every_live_view_on_screen(window, qtbot):
    """What bench_gui measures with: Neurons once went in as a tab behind Weights (a split beside a
    tabbed dock only adds a tab), so it was never on screen. (The spirals' boundary is a plot filling
    its view: on screen, though the view itself has nothing left to paint.)"""
    window.resize(1600, 1000)
    window.show_all_views()
    qtbot.waitUntil(lambda: all(on_screen(view) for view, _ in window.frames.painters.values()), timeout=3000)
    window.reset_layout()


def test_views_on_screen_keep_redrawing_while_training(window, qtbot):
    """The decision boundary's plot fills its view (an opaque child leaves the view itself nothing to
    paint): it must still count as on screen, like every other view in front."""
    s = window.session
    assert s.dataset.n_features == 2
    control(window, "Epochs").setValue(1_000_000)
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates > 20 and window.boundary.image.image is not None, timeout=10000)
    first = np.array(window.boundary.image.image, copy=True)
    qtbot.waitUntil(lambda: not np.array_equal(window.boundary.image.image, first), timeout=5000)
    assert s.state == "training"
    click(qtbot, window, "Stop")
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
