"""The first stochastic Start builds the compiled path in the background: training starts at once on
NumPy, the status bar says what is happening, and training moves to the compiled path when it is ready."""

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from bpstudio.core.train import compiled
from uihelpers import click, control

pytest.importorskip("numba")


@pytest.fixture
def slow_build(monkeypatch):
    """A fresh compiled-path state whose build takes until the test releases it.

    The kernel itself is built first, untimed (in the suite it already is, by
    tests/core/test_compiled.py); the test then sees a build that is under way."""
    monkeypatch.setenv("BPSTUDIO_COMPILED", "wait")
    kernel = compiled.ready()
    assert kernel is not None, compiled.failure
    release = threading.Event()
    monkeypatch.setenv("BPSTUDIO_COMPILED", "background")
    monkeypatch.setattr(compiled, "_kernel", None)
    monkeypatch.setattr(compiled, "_building", None)
    monkeypatch.setattr(compiled, "_built", threading.Event())

    def build():
        release.wait(30)
        compiled._kernel = kernel
        compiled._built.set()

    monkeypatch.setattr(compiled, "_build", build)
    yield release
    release.set()
    if compiled._building is not None:
        compiled._building.join(30)


def test_first_stochastic_start_trains_at_once_and_says_it_is_preparing_the_fast_path(xor_window, qtbot, slow_build):
    win, s = xor_window, xor_window.session
    control(win, "Epochs").setValue(1_000_000)
    mode = control(win, "Batch mode", QComboBox)
    mode.setFocus()
    qtbot.keyClick(mode, Qt.Key.Key_Home)            # the first mode: Stochastic
    assert s.config.batch_mode == "stochastic"
    shown = []   # every text the status bar's message line showed (a later message may replace it)
    message = control(win, "Message")
    s.message.connect(lambda text: shown.append(message.text()))
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.progress.updates > 0, timeout=20000)
    qtbot.waitUntil(lambda: any("Preparing the compiled" in text for text in shown), timeout=20000)
    assert s.trainer._last_step is not s.trainer._compiled   # still on the NumPy path
    slow_build.set()
    qtbot.waitUntil(lambda: s.trainer._last_step is s.trainer._compiled, timeout=20000)
    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    assert s.state == "idle"
