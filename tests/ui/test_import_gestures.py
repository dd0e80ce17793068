"""A CSV dropped on the window, the import dialog driven by clicks and typing: the target a person would
pick, the task re-guessed for each target, and a failed load that brings the dialog back as it was."""

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox, QSpinBox, QTableWidget

from bpstudio.ui.actions.import_dialog import ImportDialog
from uihelpers import choose, click, control, drop_file, setting_value, type_into, wheel, when_dialog_opens


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window

WEATHER = ("drizzle", "rain", "sun", "snow", "fog")


def seattle_weather(path, n=80):
    """Shaped like seattle-weather.csv: a date, four measurements, the weather as text."""
    rng = np.random.default_rng(0)
    lines = ["date,precipitation,temp_max,temp_min,wind,weather"]
    for i in range(n):
        t = 5 + 15 * rng.random()
        lines.append(f"2012-{1 + i // 28:02d}-{1 + i % 28:02d},{rng.random() * 10:.1f},{t + 5:.1f},{t:.1f},"
                     f"{rng.random() * 6:.1f},{WEATHER[i % 5]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def penguins(path, n=60, missing_at=(7,), stray_word_at=()):
    """Shaped like penguins.csv: species first, island and sex as text, NA cells, year last."""
    rng = np.random.default_rng(1)
    lines = ["species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"]
    for i in range(n):
        bill = "NA" if i in missing_at else f"{35 + 15 * rng.random():.1f}"
        mass = "heavy" if i in stray_word_at else str(int(3000 + 3000 * rng.random()))
        lines.append(f"{('Adelie', 'Gentoo', 'Chinstrap')[i % 3]},{('Biscoe', 'Dream')[i % 2]},{bill},"
                     f"{15 + 5 * rng.random():.1f},{int(180 + 40 * rng.random())},{mass},"
                     f"{('male', 'female')[i % 2]},{2007 + i % 3}")
    path.write_text("\r\n".join(lines) + "\r\n")   # Windows line ends
    return path


def import_dialog(qtbot, window, path, handle):
    """Drop ``path`` on the window; ``handle(dialog)`` drives the import dialog that opens."""
    when_dialog_opens(qtbot, handle, ImportDialog)
    drop_file(window, path)


def test_seattle_weather_guesses_the_weather_and_re_guesses_the_task_for_temp_max(window, qtbot, tmp_path):
    path = seattle_weather(tmp_path / "seattle-weather.csv")
    seen = {}

    def handle(dialog):
        target, task = control(dialog, "Target column", QComboBox), control(dialog, "Task", QComboBox)
        seen["first"] = (target.currentText(), task.currentIndex(), task.currentText())
        choose(qtbot, target, "temp_max")
        seen["temp_max"] = (target.currentText(), task.currentIndex(), task.currentText())
        click(qtbot, dialog, "Import")

    import_dialog(qtbot, window, path, handle)
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("seattle-weather.csv"), timeout=10000)
    assert seen["first"] == ("weather", 0, "Guess from the target (classification)")
    assert seen["temp_max"] == ("temp_max", 0, "Guess from the target (regression)")
    ds = window.session.dataset
    assert ds.task == "regression" and ds.n_outputs == 1 and ds.target_names == ["temp_max"]
    assert "temp_max" not in ds.feature_names and "precipitation" in ds.feature_names
    assert window.session.net.activations[-1] == "linear"


def test_a_task_chosen_for_one_target_is_guessed_again_for_the_next(window, qtbot, tmp_path):
    path = seattle_weather(tmp_path / "weather.csv")
    seen = {}

    def handle(dialog):
        task = control(dialog, "Task", QComboBox)
        choose(qtbot, task, "Regression")
        seen["chosen"] = task.currentData()
        choose(qtbot, control(dialog, "Target column", QComboBox), "wind")
        seen["after"] = (task.currentIndex(), task.currentText())
        click(qtbot, dialog, "Cancel")

    import_dialog(qtbot, window, path, handle)
    qtbot.waitUntil(lambda: "after" in seen, timeout=10000)
    assert seen == {"chosen": "regression", "after": (0, "Guess from the target (regression)")}


def test_penguins_target_the_species_and_a_load_error_brings_the_dialog_back(window, qtbot, tmp_path):
    path = penguins(tmp_path / "penguins.csv", stray_word_at=(12,))
    seen = {}

    def first(dialog):
        seen["target"] = control(dialog, "Target column", QComboBox).currentText()
        seen["task"] = control(dialog, "Task", QComboBox).currentText()
        type_into(qtbot, control(dialog, "Validation split", QSpinBox), "30")
        when_dialog_opens(qtbot, second, ImportDialog)   # the dialog that comes back after the error
        click(qtbot, dialog, "Import")

    def second(dialog):
        problem = control(dialog, "Import problem").text()
        preview = control(dialog, "Preview", QTableWidget)
        bad_row = next(r for r in range(preview.rowCount()) if preview.item(r, 5).text() == "heavy")
        seen["problem"] = problem
        seen["line shown"] = preview.verticalHeaderItem(bad_row).text()
        seen["kept"] = (control(dialog, "Target column", QComboBox).currentText(),
                        control(dialog, "Validation split", QSpinBox).value(), dialog.kinds()["island"])
        choose(qtbot, control(dialog, "Encoding of body_mass_g", QComboBox), "left")   # the user leaves it out
        click(qtbot, dialog, "Import")

    import_dialog(qtbot, window, path, first)
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("penguins.csv"), timeout=15000)
    assert seen["target"] == "species" and seen["task"] == "Guess from the target (classification)"
    assert "Encoding of 'body_mass_g'" in seen["problem"]
    assert "kinds=" not in seen["problem"] and "--" not in seen["problem"]   # not Python's, not the CLI's remedy
    assert f"line {seen['line shown']}," in seen["problem"]                # the error names the row shown
    assert seen["kept"][:2] == ("species", 30)
    ds = window.session.dataset
    assert ds.class_names == ["Adelie", "Chinstrap", "Gentoo"] and "body_mass_g" not in ds.feature_names
    assert "year" in ds.feature_names and len(window.session.prepared.X_val) == round(0.3 * ds.n_samples)


def test_the_wheel_over_the_import_dialog_changes_no_choice(window, qtbot, tmp_path):
    path = penguins(tmp_path / "penguins.csv")
    seen = {}

    def handle(dialog):
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
        settings = [w for w in dialog.findChildren(QComboBox) + dialog.findChildren(QSpinBox) if w.isVisible()]
        before = [setting_value(w) for w in settings]
        control(dialog, "Preview", QTableWidget).setFocus()
        for setting in settings:
            for notches in (1, -1, -1):
                wheel(dialog, setting, notches)
        seen["changed"] = [w.accessibleName() for w, v in zip(settings, before) if setting_value(w) != v]
        seen["count"] = len(settings)
        click(qtbot, dialog, "Cancel")

    import_dialog(qtbot, window, path, handle)
    qtbot.waitUntil(lambda: "changed" in seen, timeout=10000)
    assert seen["changed"] == [] and seen["count"] >= 5
