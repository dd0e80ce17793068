"""The Inspector shows all it computes: one highlighted weight, chain-rule lines and grad-check results
that are not cut off, tables that show every row. Driven by clicks and typing at 1280×800."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTabWidget

from uihelpers import click, control, show_tab, type_into


@pytest.fixture
def inspector(window, qtbot):
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)   # the restored layout settles before the first click (its tab bars are rebuilt)
    show_tab(qtbot, window, "Inspector")
    inspector = window.inspection.inspector
    # as a person waits to see the tables: a raised Inspector computes them then
    qtbot.waitUntil(lambda: len(inspector.rows) == 3 and inspector.rows[0].isVisibleTo(window), timeout=3000)
    qtbot.wait(100)   # the dock takes its room
    return inspector


def click_cell(qtbot, view, row, column):
    rect = view.visualRect(view.matrix_model.index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def selected_cells(view):
    return [(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()]


def test_picking_a_weight_in_another_layer_clears_the_old_highlight(window, inspector, qtbot):
    first, second = (control(window, f"Layer {l} weight gradient") for l in (1, 2))
    click_cell(qtbot, first, 2, 1)
    assert selected_cells(first) == [(2, 1)]
    click_cell(qtbot, second, 4, 3)
    assert selected_cells(second) == [(4, 3)]
    assert selected_cells(first) == [] and not first.currentIndex().isValid()
    assert inspector.selected == (2, 4, 3)


def test_chain_rule_lines_are_not_cut_off(window, inspector, qtbot):
    click_cell(qtbot, control(window, "Layer 2 weight gradient"), 1, 1)
    label = control(window, "Chain rule")
    qtbot.wait(50)
    metrics = label.fontMetrics()
    lines = label.text().splitlines()
    assert len(lines) > 10
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    assert widest <= label.contentsRect().width(), "a chain-rule line is wider than its label (wrapped or cut)"


def test_gradient_check_results_show_every_column_in_full(window, inspector, qtbot):
    with qtbot.waitSignal(inspector.checkFinished, timeout=30000):
        click(qtbot, window, "Gradient check")
    table = control(window, "Gradient check results")
    assert table.columnCount() == window.session.net.n_layers
    assert table.horizontalHeader().length() <= table.viewport().width()
    assert table.verticalHeader().length() <= table.viewport().height()
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            text = table.item(r, c).text()
            assert table.fontMetrics().horizontalAdvance(text) <= table.columnWidth(c), text
    tabs = next(t for t in window.findChildren(QTabWidget) if t.tabText(2) == "Grad check")
    left = table.mapTo(tabs, QPoint(0, 0)).x()
    assert left + table.width() <= tabs.width(), "the results table is wider than the tab at 1280×800"


def test_per_sample_tables_show_every_row(window, inspector, qtbot):
    """Twelve samples inspected: 12 columns do not fit, the table scrolls sideways, and its scroll bar
    gets room of its own instead of hiding the last neuron's row."""
    type_into(qtbot, control(window, "Samples inspected"), "12")
    qtbot.waitUntil(lambda: inspector.count.value() == 12, timeout=2000)
    for name in ("Layer 1 pre-activation", "Layer 1 error", "Layer 2 activation"):
        view = control(window, name)
        assert view.matrix_model.values.shape == (8, 12)
        assert view.verticalScrollBar().maximum() == 0, f"{name}: rows hidden behind a scroll bar"
