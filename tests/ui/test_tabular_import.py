"""Real-shaped CSV files in the app: the import dialog shows each column's role and encoding (the same
defaults as the command line) and lets the user change them by hand; the Evaluation tab shows accuracy,
precision and recall per class, or R², RMSE and MAE in the target's units."""

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from bpstudio.core.data.csv_layout import sniff
from bpstudio.core.data.csv_reader import column_roles
from bpstudio.ui.actions.import_dialog import ImportDialog
from uihelpers import control


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window

TABULAR = Path(__file__).parents[1] / "data" / "tabular"
PENGUINS, WEATHER = TABULAR / "penguins.csv", TABULAR / "seattle-weather.csv"


def becomes(dialog, name):
    table = control(dialog, "Columns")
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == name)
    return table.item(row, 2).text()


def choose(qtbot, box, text):
    """Pick a list item the way a keyboard user does: focus the list and type the start of its text."""
    box.setFocus()
    qtbot.keyClicks(box, text)


def click_import(qtbot, dialog):
    buttons = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    return dialog.result()


def test_penguins_roles_shown_changed_by_hand_and_loaded(window, qtbot, monkeypatch):
    seen = {}

    def gestures(dialog):
        qtbot.waitExposed(dialog)
        choose(qtbot, control(dialog, "Target column"), "species")
        seen["shown"] = {name: becomes(dialog, name) for name in ("species", "island", "bill_length_mm", "sex")}
        seen["cli default"] = [c.kind for c in column_roles(sniff(PENGUINS), "species").plan]
        seen["dialog default"] = ["target" if c.name == "species" else dialog.kinds()[c.name] for c in dialog.plan]
        choose(qtbot, control(dialog, "Encoding of year"), "c")               # the year as three categories
        seen["year"] = becomes(dialog, "year")
        box = control(dialog, "Leave out rows with missing cells")
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))   # on its tick box
        seen["drop"] = box.isChecked()
        return click_import(qtbot, dialog)

    monkeypatch.setattr(ImportDialog, "exec", gestures)
    window.files.open_path(str(PENGUINS))
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("penguins.csv"), timeout=10000)
    assert seen["shown"] == {"species": "target", "island": "category → 3 columns", "bill_length_mm": "number",
                             "sex": "category → 2 columns"}
    assert seen["dialog default"] == seen["cli default"]                  # one rule for the CLI and the app
    assert seen["year"] == "category → 3 columns" and seen["drop"]
    ds = window.session.dataset
    assert ds.class_names == ["Adelie", "Chinstrap", "Gentoo"] and ds.n_samples == 333
    assert ds.feature_names[-3:] == ["year=2007", "year=2008", "year=2009"] and window.session.net.sizes[0] == 12
    assert "left out 11 rows with missing inputs" in control(window, "Message").text()


def test_a_date_column_starts_left_out_and_can_be_expanded(window, qtbot, monkeypatch):
    seen = {}

    def gestures(dialog):
        qtbot.waitExposed(dialog)
        seen["date"] = becomes(dialog, "date")
        seen["grey"] = dialog.preview.item(0, 0).foreground().color().name()
        box = control(dialog, "Encoding of date")
        QApplication.sendEvent(box, QWheelEvent(QPointF(5, 5), box.mapToGlobal(QPointF(5, 5)), QPoint(0, 0),
                                                QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                                Qt.ScrollPhase.NoScrollPhase, False))
        seen["after wheel"] = becomes(dialog, "date")                       # the wheel scrolls, it does not choose
        choose(qtbot, box, "d")
        seen["expanded"] = becomes(dialog, "date")
        return click_import(qtbot, dialog)

    monkeypatch.setattr(ImportDialog, "exec", gestures)
    window.files.open_path(str(WEATHER))
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("seattle-weather.csv"), timeout=10000)
    assert seen["date"].startswith("left out (dates") and seen["grey"] == "#a0a0a0"
    assert seen["after wheel"] == seen["date"] and seen["expanded"] == "date → 3 columns"
    ds = window.session.dataset
    assert ds.feature_names[:3] == ["date.year", "date.doy_sin", "date.doy_cos"] and ds.n_outputs == 5


def test_evaluation_tab_shows_precision_recall_and_regression_errors_in_units(window, qtbot):
    window.files.load(str(PENGUINS), target="species")
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("penguins.csv"), timeout=10000)
    evaluation = window.inspection.evaluation
    window.inspection.docks["Evaluation"].raise_()
    s = window.session
    s.step()
    qtbot.waitUntil(lambda: not s.busy and evaluation.counts is not None and len(evaluation.counts) == 3,
                    timeout=10000)
    table = control(window, "Per class")
    assert [table.verticalHeaderItem(r).text() for r in range(3)] == ["Adelie", "Chinstrap", "Gentoo"]
    assert sum(int(table.item(r, 2).text()) for r in range(3)) == len(s.prepared.X_val)
    assert "accuracy" in evaluation.summary.text() and "Precision of a class" in evaluation.summary.text()
    s.stop()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=5000)
    window.files.load(str(WEATHER), target="temp_max")
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("seattle-weather.csv"), timeout=10000)
    s.step()
    qtbot.waitUntil(lambda: not s.busy and evaluation.points is not None, timeout=10000)
    text = evaluation.summary.text()
    assert "temp_max: R²" in text and "RMSE" in text and "MAE" in text and "target's units" in text
    actual = evaluation.points[1][:, 0]
    assert 0 < actual.mean() < 30                                           # °C, not standardized
