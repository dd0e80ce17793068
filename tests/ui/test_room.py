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
