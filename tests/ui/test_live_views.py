"""The live views while training at full speed: what they skip to leave the GIL to training must never
leave them showing something stale."""

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
