"""Inspection work gets room: raising the Inspector (or Health, Runs, Evaluation) by its tab hands it most
of the window; raising Weights again gives the layout back."""

from uihelpers import show_tab


def test_raising_the_inspector_gives_it_the_room_and_weights_gives_it_back(window, qtbot):
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)
    weights = window.docks["Weights"]
    before = weights.height()
    assert before < 0.4 * window.height()
    for title in ("Inspector", "Runs", "Health", "Evaluation"):
        show_tab(qtbot, window, title)
        dock = window.docks[title]
        qtbot.waitUntil(lambda: dock.height() >= 0.5 * window.height(), timeout=3000)
        assert dock.width() >= window.width() - window.docks["Setup"].width() - 30, title   # under the right docks
    show_tab(qtbot, window, "Weights")
    qtbot.waitUntil(lambda: abs(weights.height() - before) <= 40, timeout=3000)
    assert weights.width() < window.width() - window.docks["Setup"].width() - 200   # the right docks are back


def test_while_inspecting_at_1280x800_the_right_docks_stay_readable_and_come_back(window, qtbot):
    """Stacked above a 60 % bottom area, Decision boundary and Network diagram were ~100 px each: while
    inspecting they share one tabbed column at full height; raising Weights splits them again."""
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)
    boundary, diagram = window.docks["Decision boundary"], window.docks["Network diagram"]
    before = boundary.height(), diagram.height()
    show_tab(qtbot, window, "Inspector")
    inspector = window.docks["Inspector"]
    qtbot.waitUntil(lambda: inspector.height() >= 0.5 * window.height(), timeout=3000)
    qtbot.wait(100)
    top = inspector.mapTo(window, inspector.rect().topLeft()).y() - boundary.mapTo(window, boundary.rect().topLeft()).y()
    assert not boundary.visibleRegion().isEmpty()
    assert boundary.height() >= top - 40, "the decision boundary is squeezed above the inspector"
    show_tab(qtbot, window, "Network diagram")   # the others are a tab away
    qtbot.waitUntil(lambda: not diagram.visibleRegion().isEmpty(), timeout=2000)
    assert diagram.height() >= top - 40
    show_tab(qtbot, window, "Weights")
    qtbot.waitUntil(lambda: abs(boundary.height() - before[0]) <= 40, timeout=3000)
    assert not boundary.visibleRegion().isEmpty() and not diagram.visibleRegion().isEmpty()   # side by side again
    assert abs(diagram.height() - before[1]) <= 40
