"""Settings reach the training job as messages, and "idle" means the job has returned.

Driven as a person does: typing a learning rate while training, clicking Stop and choosing
another optimizer at once. The spies widen the races the old design had (a GUI-thread write
into ``optimizer.lr`` during ``lr *= lr_decay``; a new run built on the GUI thread while the
stopped job was still inside its batch) so that they show every time, not once in a while.
"""

import math
import sys
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

from bpstudio.core import Trainer
from bpstudio.ui.session import session as session_module
from bpstudio.core import RunState
from uihelpers import click, control


@pytest.fixture
def xor_window(shared_xor_window):
    return shared_xor_window

LONG = 10_000_000   # epochs: a run that only ends when told to


def type_into(qtbot, box, text):
    """Click into a spin box, replace its text and press Enter, as a person does."""
    editor = box.findChild(QAbstractSpinBox) or box
    qtbot.mouseClick(editor.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.lineEdit(), text)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)


def spy_on_learning_rate(optimizer, writers):
    """Record which thread writes ``optimizer.lr``; make the epoch-end ``lr *= lr_decay`` take 20 ms
    between its read and its write, so a write from another thread in between is lost every time."""
    cls = type(optimizer)

    def read(self):
        if sys._getframe(1).f_code.co_name == "_end_epoch":
            time.sleep(0.02)
        return self.__dict__["lr"]

    def write(self, value):
        writers.append(threading.current_thread() is threading.main_thread())
        self.__dict__["lr"] = value

    optimizer.__class__ = type(cls.__name__, (cls,), {"lr": property(read, write)})


def test_a_learning_rate_typed_while_training_is_never_lost_under_decay(xor_window, qtbot):
    win, s = xor_window, xor_window.session
    control(win, "Epochs").setValue(LONG)
    control(win, "Learning-rate decay").setValue(0.999)
    writers = []
    spy_on_learning_rate(s.trainer.optimizer, writers)
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.epoch > 3, timeout=5000)
    type_into(qtbot, control(win, "Learning rate"), "0.05")
    assert s.config.learning_rate == 0.05
    epoch_typed = s.latest.progress.epoch
    qtbot.waitUntil(lambda: s.latest.progress.epoch > epoch_typed + 5, timeout=10000)
    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: s.state == RunState.IDLE, timeout=5000)
    assert writers and not any(writers), "optimizer.lr was written from the GUI thread while the job trained"
    # Every epoch since the job took the new rate decayed it once: lr = 0.05 · 0.999ᵏ for a whole k.
    k = math.log(s.trainer.optimizer.lr / 0.05) / math.log(0.999)
    assert k == pytest.approx(round(k), abs=1e-6) and 0 < round(k) <= s.trainer.epoch - epoch_typed + 1


def test_choosing_another_optimizer_right_after_stop_waits_for_the_batch(xor_window, qtbot, monkeypatch):
    win, s = xor_window, xor_window.session
    in_batch, races = threading.Event(), []
    real_batch, real_snapshot, real_trainer = Trainer._train_batch, session_module.make_snapshot, session_module.Trainer

    def slow_batch(self):   # a long batch: Stop lands inside it
        in_batch.set()
        time.sleep(0.2)
        real_batch(self)
        in_batch.clear()

    def on_gui_thread_during_a_batch(what):
        if threading.current_thread() is threading.main_thread() and in_batch.is_set():
            races.append(what)

    def snapshot(*args, **kwargs):
        on_gui_thread_during_a_batch("make_snapshot")
        return real_snapshot(*args, **kwargs)

    def trainer(*args, **kwargs):
        on_gui_thread_during_a_batch("new Trainer")
        return real_trainer(*args, **kwargs)

    monkeypatch.setattr(Trainer, "_train_batch", slow_batch)
    monkeypatch.setattr(session_module, "make_snapshot", snapshot)
    monkeypatch.setattr(session_module, "Trainer", trainer)
    control(win, "Epochs").setValue(LONG)
    click(qtbot, win, "Start")
    qtbot.waitUntil(in_batch.is_set, timeout=5000)
    click(qtbot, win, "Stop")
    assert "Stopping" in control(win, "Run state").text()   # the batch is still running
    optimizer = control(win, "Optimizer", QComboBox)
    before = optimizer.currentData()
    optimizer.setFocus()   # tabbed to it
    qtbot.keyClick(optimizer, Qt.Key.Key_Up if optimizer.currentIndex() else Qt.Key.Key_Down)
    assert not races, f"{races} ran on the GUI thread while the stopped job was inside its batch"
    assert optimizer.currentData() != before and s.config.optimizer == optimizer.currentData()
    assert s.state == RunState.IDLE and not s.busy and len(s.history) == 0   # a new run, nothing racing it


def test_a_paced_run_trains_one_update_per_pace_and_stop_wakes_it(xor_window, qtbot):
    win, s = xor_window, xor_window.session
    control(win, "Epochs").setValue(LONG)
    s.set_pace(60)   # one update a minute
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates == 1, timeout=5000)
    qtbot.wait(300)
    assert s.latest.progress.updates == 1 and s.state == RunState.TRAINING
    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: s.state == RunState.IDLE, timeout=3000)   # not after the minute
    assert s.trainer.updates == 1
    click(qtbot, win, "Start")
    qtbot.waitUntil(lambda: s.latest.progress.updates == 2, timeout=5000)
    s.set_pace(0)   # back to full speed mid-run
    qtbot.waitUntil(lambda: s.latest.progress.updates > 200, timeout=10000)
    click(qtbot, win, "Stop")
    qtbot.waitUntil(lambda: s.state == RunState.IDLE, timeout=5000)
