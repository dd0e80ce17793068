"""The Runs dock driven by clicks and typing: the sweep button, run numbers, what each run changed."""

import pytest
from PySide6.QtWidgets import QComboBox

from bpstudio.core.explain.compare import LR_LADDER
from uihelpers import choose, click, control, show_tab, type_into


@pytest.fixture
def xor_window(shared_xor_window):
    return shared_xor_window


def train(qtbot, win, epochs):
    type_into(qtbot, control(win, "Epochs"), str(epochs))
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: win.session.state == "idle" and not win.session.busy, timeout=20000)


def test_the_sweep_button_runs_the_sweep_and_offers_its_best_rate(xor_window, qtbot):
    win = xor_window
    runs = win.inspection.runs
    show_tab(qtbot, win, "Runs")
    type_into(qtbot, control(win, "Epochs per run"), "3")
    with qtbot.waitSignal(runs.sweepFinished, timeout=30000):
        click(qtbot, win, "Learning-rate sweep")
    assert [rate for rate, _ in runs.sweep_points] == list(LR_LADDER)
    xs, _ = runs.sweep_curve.getData()
    assert len(xs) >= 5
    assert "lowest final cost at η" in control(win, "Experiment status").text()
    use = control(win, "Use best η")
    assert use.text() == f"Use η = {runs.best_rate:g}"
    click(qtbot, win, "Use best η")
    assert win.session.config.learning_rate == pytest.approx(runs.best_rate)
    assert control(win, "Learning rate").value() == pytest.approx(runs.best_rate)


def test_the_sweep_says_when_the_best_rate_is_at_the_edge_of_the_range(xor_window, qtbot):
    runs = xor_window.inspection.runs
    runs._on_sweep([(0.01, 0.9), (0.1, 0.5), (1.0, 0.2)])
    assert "the largest rate tried" in runs.status.text()
    runs._on_sweep([(0.01, 0.1), (0.1, 0.5), (1.0, 0.7)])
    assert "the smallest rate tried" in runs.status.text()
    runs._on_sweep([(0.01, 0.9), (0.1, 0.1), (1.0, 0.7)])
    assert "tried" not in runs.status.text()


def test_runs_are_numbered_in_order_and_say_what_changed_in_data_and_network(xor_window, qtbot):
    win = xor_window
    runs = win.inspection.runs
    train(qtbot, win, 5)
    click(qtbot, win, "Add layer")                 # a network change
    train(qtbot, win, 5)
    dataset = control(win, "Dataset", QComboBox)   # a data change, by keyboard: type the name
    choose(qtbot, dataset, "circles")
    qtbot.waitUntil(lambda: win.session.dataset.source == "circles", timeout=10000)
    train(qtbot, win, 5)
    qtbot.waitUntil(lambda: len(win.session.runs) == 3, timeout=5000)
    assert [r.name for r in win.session.runs] == ["Run 1", "Run 2", "Run 3"]
    show_tab(qtbot, win, "Runs")
    differs = [runs.table.item(row, 1).text() for row in range(3)]
    assert differs[0] == "—"
    assert "hidden=8 tanh, 8 tanh, 8 tanh" in differs[1] and "data=" not in differs[1]
    assert "data=circles" in differs[2]
    legend = [label.text for _, label in runs.legend.items]
    assert legend[1].startswith("Run 2 (hidden=") and "same settings" not in " ".join(legend)
    # Each row's name carries its curve's colour: a squeezed plot hides its legend.
    for row, curve in enumerate(runs.curves):
        icon = runs.table.item(row, 0).icon().pixmap(8, 8).toImage()
        assert icon.pixelColor(4, 4) == curve.opts["pen"].color(), row


def test_compared_runs_do_not_repeat_their_name_in_the_legend_and_the_table_fits_its_rows(xor_window, qtbot):
    win = xor_window
    runs = win.inspection.runs
    show_tab(qtbot, win, "Runs")
    type_into(qtbot, control(win, "Epochs per run"), "3")
    with qtbot.waitSignal(runs.comparisonFinished, timeout=30000):
        click(qtbot, win, "Compare")
    legend = [label.text for _, label in runs.legend.items]
    for run, text in zip(win.session.runs, legend):
        assert text.count(run.name) == 1 and text.count("batch_mode=") == 1, text
    table = runs.table
    shown = table.viewport().height() // table.rowHeight(0)
    assert shown >= table.rowCount() == 3
    plot = runs.cost_plot.plotItem.vb.sceneBoundingRect()
    assert runs.legend.sceneBoundingRect().width() <= plot.width()
