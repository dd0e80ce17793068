"""The mouse wheel scrolls panels; a setting takes the wheel only once the user has clicked into it.

Wheel events enter through the window system (``QTest.wheelEvent``) at the pointer's position, so Qt
routes them as it routes a real mouse's: to the widget under the pointer, then to its parents while ignored.
"""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QDialog, QLineEdit, QScrollArea, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from bpstudio.ui.kit.lazy import LazyPanel
from bpstudio.ui.kit.wheel import WheelGuard
from uihelpers import click, control, focus_elsewhere, into_view, setting_value, show_tab, wheel

SETTINGS = (QAbstractSpinBox, QComboBox, QSlider)


def settings_in(widget):
    return [w for w in widget.findChildren(QWidget) if isinstance(w, SETTINGS)]


def snapshot(window):
    """Everything the wheel must not change: the session's choices and every setting shown."""
    s = window.session
    shown = {id(w): setting_value(w) for w in settings_in(window)}
    return s.config, s.spec, s.dataset.source, s.options, shown


@pytest.fixture
def small_window(window, qtbot):
    window.resize(1280, 800)
    window.reset_layout()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.wait(50)   # the new size and layout settle
    return window


def test_every_setting_in_every_dock_takes_focus_by_click_or_tab_only(small_window, qtbot):
    for dock in small_window.docks.values():
        raise_dock(dock, qtbot)   # panels made when first seen too: their settings are polished later
        for setting in settings_in(dock):
            policy = setting.focusPolicy()
            assert policy & Qt.FocusPolicy.WheelFocus != Qt.FocusPolicy.WheelFocus, \
                f"{setting.accessibleName() or type(setting).__name__} in {dock.windowTitle()} takes focus by wheel"


def raise_dock(dock, qtbot):
    """Raise ``dock`` and wait until a panel made when first seen (kit.lazy) is there."""
    dock.raise_()
    qtbot.wait(10)
    qtbot.waitUntil(lambda: all(lazy.made for lazy in dock.findChildren(LazyPanel)), timeout=3000)


def test_the_wheel_over_any_setting_without_focus_changes_nothing(small_window, qtbot):
    win = small_window
    for dock in win.docks.values():   # every panel made, so that its settings are in the snapshot
        raise_dock(dock, qtbot)
    before = snapshot(win)
    turned = 0
    for dock in win.docks.values():
        raise_dock(dock, qtbot)
        for setting in settings_in(dock):
            if not setting.isVisible():
                continue
            focus_elsewhere(win)
            for notches in (1, -1, -1):
                wheel(win, into_view(setting), notches)   # an ignored notch scrolls the panel: back into view
            turned += 1
    assert turned >= 25   # the Setup panel, the inspector, Runs: the test did reach the settings
    assert snapshot(win) == before


def test_scrolling_the_whole_setup_panel_over_its_settings_changes_nothing(small_window, qtbot):
    win = small_window
    scroll = win.docks["Setup"].widget()
    assert isinstance(scroll, QScrollArea)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the Setup panel must be taller than the window for this test"
    before = snapshot(win)
    viewport = scroll.viewport()
    over_settings = set()
    # Down with the pointer near the top of the panel, back up with it near the bottom: in thirds of a
    # notch (20 px each), so every row of the panel passes under the pointer; once over the Neurons column
    # of the layer table, once over the field column.
    for notches, end, y, x in ((-1 / 3, bar.maximum(), 12, 0.4), (1 / 3, 0, viewport.height() - 12, 0.4),
                               (-1 / 3, bar.maximum(), 12, 0.7), (1 / 3, 0, viewport.height() - 12, 0.7)):
        x = int(viewport.width() * x)
        for _ in range(200):
            if bar.value() == end:
                break
            under = viewport.childAt(x, y)
            while under is not None and under is not viewport and not isinstance(under, SETTINGS):
                under = under.parentWidget()
            if isinstance(under, SETTINGS):
                over_settings.add(under.accessibleName())
            wheel(win, viewport, notches, at=QPoint(x, y))
        assert bar.value() == end
    assert {"Dataset", "Learning rate", "Batch size", "Cost function", "Initialization", "Neurons",
            "Validation split", "Epochs"} <= over_settings
    assert snapshot(win) == before
    assert win.controls.start.isEnabled()


def test_a_setting_clicked_into_takes_the_wheel(small_window, qtbot):
    win = small_window
    rate = control(win, "Learning rate")
    into_view(rate)
    assert rate.value() == pytest.approx(0.003)
    wheel(win, rate, 1)
    assert rate.value() == pytest.approx(0.003)
    into_view(rate)
    qtbot.mouseClick(rate.lineEdit(), Qt.MouseButton.LeftButton)
    assert rate.hasFocus()
    wheel(win, rate, 1)
    assert rate.value() == pytest.approx(0.01)
    assert win.session.config.learning_rate == pytest.approx(0.01)
    cost = control(win, "Cost function", QComboBox)
    into_view(cost)
    index = cost.currentIndex()
    qtbot.keyClick(rate, Qt.Key.Key_Tab)   # the focus moves on to the next field
    assert not rate.hasFocus()
    into_view(rate)
    wheel(win, rate, 1)
    assert rate.value() == pytest.approx(0.01)
    into_view(cost)
    wheel(win, cost, -1)
    assert cost.currentIndex() == index


def test_while_training_the_wheel_passes_over_settings_and_over_a_dialog_opened_meanwhile(small_window, qtbot):
    """Training at full speed, the guard sits on the controls rather than on every event of the app
    (which would take the GIL from training ~1,000 times a second); the wheel must behave the same."""
    win, s = small_window, small_window.session
    control(win, "Epochs").setValue(1_000_000)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    assert not QApplication.instance().findChild(WheelGuard).everywhere
    rate = control(win, "Learning rate")   # a live setting: it stays enabled while training
    focus_elsewhere(win)
    wheel(win, into_view(rate), 1)
    assert rate.value() == pytest.approx(0.003)
    qtbot.mouseClick(into_view(rate).lineEdit(), Qt.MouseButton.LeftButton)   # the notch scrolled the panel
    wheel(win, rate, 1)
    assert rate.value() == pytest.approx(0.01)

    dialog = QDialog(win)   # built while training: never polished under the application's filter
    box, field = QSpinBox(dialog), QLineEdit(dialog)
    layout = QVBoxLayout(dialog)
    layout.addWidget(field)
    layout.addWidget(box)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    wheel(dialog, box, 1)
    assert box.value() == 0
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    wheel(dialog, box, 1)
    assert box.value() == 1
    dialog.close()

    runs = win.docks["Runs"]   # made when its tab is first clicked, here while training
    assert not any(lazy.made for lazy in runs.findChildren(LazyPanel))
    show_tab(qtbot, win, "Runs")
    qtbot.waitUntil(lambda: all(lazy.made for lazy in runs.findChildren(LazyPanel)), timeout=3000)
    before, turned = {id(w): setting_value(w) for w in settings_in(runs)}, 0
    for setting in settings_in(runs):
        if setting.isVisible() and setting.isEnabled():
            focus_elsewhere(win)
            wheel(win, into_view(setting), 1)
            turned += 1
    assert turned >= 2 and {id(w): setting_value(w) for w in settings_in(runs)} == before

    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: not s.busy and s.state == "idle", timeout=3000)
    assert QApplication.instance().findChild(WheelGuard).everywhere
    late = QSpinBox(win.training_panel)   # built after training: the application's filter meets it
    late.show()
    qtbot.waitUntil(late.isVisible, timeout=2000)
    assert late.focusPolicy() == Qt.FocusPolicy.StrongFocus
