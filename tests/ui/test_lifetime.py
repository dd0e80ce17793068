"""Threads and lifetime: rapid run controls, closing the window at random moments during training,
loading and exporting, changes right after Stop, and failures inside the worker. Every test closes
and deletes its window inside the test, so a "QThread: Destroyed while thread is still running" (or
any other Qt warning) fails it; every QThread must have finished."""

import gc
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QFileDialog

import bpstudio
from bpstudio.core import Trainer
from bpstudio.core.data.loading import load_dataset
from bpstudio.ui import MainWindow
from bpstudio.ui.session import jobs
from bpstudio.ui.session.session import NetworkSpec
from bpstudio.core import RunState
from uihelpers import control

# The offscreen platform's own notice is the one warning allowed.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]
LONG = 10_000_000   # epochs: a run that only ends when told to


@pytest.fixture
def open_window(qtbot):
    """open_window(dataset) → a shown MainWindow; any window a failed test left open is closed after it."""
    opened = []

    def open_(dataset="xor"):
        win = MainWindow(load_dataset(dataset, seed=0))
        win.show()
        qtbot.waitExposed(win)
        opened.append(win)
        return win
    yield open_
    for win in opened:
        if shiboken6.isValid(win):
            win.close()


def threads(win):
    """Every QThread the window's jobs run on: training and the file tasks."""
    runners = (win.session.jobs, win.files.loader, win.files.saver, win.files.importer)
    return [job.thread for runner in runners for job in runner._jobs if job.thread is not None]


def close_and_delete(win):
    """Close as the user does, check every thread ended, then delete the window while Qt runs."""
    started = threads(win)
    win.close()
    assert all(thread.isFinished() for thread in started)
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del win, started
    gc.collect()


def set_epochs(win, epochs):
    control(win, "Epochs").setValue(epochs)
    assert win.session.config.epochs == epochs


def test_200_random_run_commands_never_hang_or_break_the_session(open_window, qtbot):
    win = open_window()
    s = win.session
    set_epochs(win, LONG)
    rng = np.random.default_rng(7)
    actions = [win.controls.start, win.controls.pause, win.controls.step, win.controls.stop, win.controls.reset]
    for _ in range(200):
        action = actions[rng.integers(len(actions))]
        if action.isEnabled():       # what a user can click
            action.trigger()
        if rng.random() < 0.5:       # half the time the next click comes before any event is processed
            qtbot.wait(int(rng.integers(0, 15)))
        assert s.state in tuple(RunState)
        assert win.controls.pause.isEnabled() == (s.state == "training")
        assert s.trainer.net is s.net
    win.controls.stop.trigger()
    qtbot.waitUntil(lambda: not s.busy, timeout=10000)
    # Still alive: a new run starts and trains.
    updates = s.trainer.updates
    win.controls.start.trigger()
    qtbot.waitUntil(lambda: s.latest.progress.updates > updates + 10, timeout=10000)
    win.controls.stop.trigger()
    qtbot.waitUntil(lambda: not s.busy, timeout=10000)
    assert np.isfinite(s.net.params).all()
    close_and_delete(win)


def test_closing_right_after_showing(qtbot):
    win = MainWindow(load_dataset("xor", seed=0))
    win.show()           # the first draw is scheduled for the next event loop turn…
    close_and_delete(win)
    qtbot.wait(50)       # …and must not run on the deleted window


@pytest.mark.parametrize("seed", range(4))
def test_closing_at_a_random_moment_of_training_ends_every_thread(open_window, qtbot, seed):
    win = open_window()
    set_epochs(win, LONG)
    win.controls.start.trigger()
    qtbot.wait(int(np.random.default_rng(seed).integers(0, 400)))
    close_and_delete(win)


def test_closing_during_a_batch_longer_than_the_shutdown_bound_detaches_it(open_window, qtbot, monkeypatch):
    """A huge full-batch epoch can outlast any bound: the window closes anyway, and the job's thread is
    kept (never destroyed while it runs, which would abort the process) until the batch ends."""
    real_batch, in_long_batch, release = Trainer._train_batch, threading.Event(), threading.Event()

    def batch(self):
        if self.updates == 3:
            in_long_batch.set()
            release.wait(30)   # longer than the bound closing waits
        real_batch(self)

    monkeypatch.setattr(Trainer, "_train_batch", batch)
    monkeypatch.setattr(jobs, "SHUTDOWN_TIMEOUT_MS", 300)
    win = open_window()
    set_epochs(win, LONG)
    win.controls.start.trigger()
    qtbot.waitUntil(in_long_batch.is_set, timeout=5000)
    thread = win.session._job.thread
    win.close()
    assert not win.isVisible() and thread.isRunning() and len(jobs._detached) == 1
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del win
    gc.collect()   # the window is gone; the detached job holds its own thread
    release.set()
    qtbot.waitUntil(thread.isFinished, timeout=5000)
    assert len(jobs._detached) == 0


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """A CSV that takes a noticeable moment to read (80 000 rows)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80_000, 8))
    path = tmp_path_factory.mktemp("data") / "big.csv"
    header = ",".join(f"f{j}" for j in range(8)) + ",label"
    np.savetxt(path, np.column_stack([X, X[:, 0] > 0]), delimiter=",", header=header, comments="", fmt="%.6f")
    return path


@pytest.mark.parametrize("seed", range(3))
def test_closing_at_a_random_moment_of_loading_ends_every_thread(open_window, qtbot, big_csv, seed):
    win = open_window()
    win.files.load(str(big_csv), target="label")
    qtbot.wait(int(np.random.default_rng(seed).integers(0, 300)))
    close_and_delete(win)


@pytest.mark.parametrize("seed", range(3))
def test_closing_at_a_random_moment_of_exporting_keeps_the_file_whole(open_window, qtbot, monkeypatch, tmp_path, seed):
    win = open_window("digits")
    folder = tmp_path / "export"
    folder.mkdir()
    path = folder / "model.onnx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), ""))
    set_epochs(win, LONG)
    win.controls.start.trigger()                       # export while training, from the latest snapshot
    qtbot.waitUntil(lambda: win.session.latest.progress.updates > 0, timeout=5000)
    win.files.export_weights()
    qtbot.wait(int(np.random.default_rng(seed).integers(0, 50)))
    close_and_delete(win)
    assert [p.name for p in folder.iterdir()] in ([], ["model.onnx"])   # no temporary file left
    if path.exists():
        assert bpstudio.load_model(path).network.sizes[0] == 64


def test_changes_right_after_stop_never_train_the_old_network_on_the_new_data(open_window, qtbot, monkeypatch):
    trained = []   # (network, inputs) of every batch the worker trains
    real_fit, real_step = Trainer.fit, Trainer.step

    def fit(self, X, Y, *args, **kwargs):
        trained.append((self.net, X))
        return real_fit(self, X, Y, *args, **kwargs)

    def step(self, X, Y, *args, **kwargs):
        trained.append((self.net, X))
        return real_step(self, X, Y, *args, **kwargs)

    monkeypatch.setattr(Trainer, "fit", fit)
    monkeypatch.setattr(Trainer, "step", step)
    win = open_window()
    s = win.session
    set_epochs(win, LONG)
    for change in ("network", "data", "network", "data"):
        win.controls.start.trigger()
        qtbot.waitUntil(lambda: s.latest.run_id == s.run_id and s.latest.progress.updates > 0, timeout=5000)
        old_net = s.net
        win.controls.stop.trigger()
        if change == "network":   # no wait between Stop and the change
            assert s.set_network_spec(NetworkSpec(hidden=((int(np.random.default_rng().integers(3, 9)), "relu"),),
                                                  output=s.spec.output, cost=s.spec.cost))
        else:
            win.use_dataset(load_dataset("gaussians" if s.dataset.n_outputs == 2 else "xor", seed=0))
        assert s.net is not old_net and s.trainer.net is s.net
        win.controls.start.trigger()
        # The new run trains promptly — the stopped one does not carry on in its place.
        qtbot.waitUntil(lambda: s.latest.run_id == s.run_id and s.latest.progress.updates > 0, timeout=5000)
        assert s.latest.params.shape == s.net.params.shape
        win.controls.stop.trigger()
        qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    for net, X in trained:
        assert X.shape[1] == net.sizes[0]   # every network trained on data of its own shape
    close_and_delete(win)


def test_stop_then_change_then_start_during_a_slow_batch_trains_the_new_run(open_window, qtbot, monkeypatch):
    """A big network's batch can take a while; Stop must end that run even if Start follows at once."""
    real_batch = Trainer._train_batch

    def slow_batch(self):
        time.sleep(0.2)   # stands for a large network's batch
        real_batch(self)

    monkeypatch.setattr(Trainer, "_train_batch", slow_batch)
    win = open_window()
    s = win.session
    set_epochs(win, LONG)
    win.controls.start.trigger()
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    old_trainer = s.trainer
    win.controls.stop.trigger()
    assert s.set_network_spec(replace(s.spec, hidden=((5, "tanh"),)))
    win.controls.start.trigger()
    qtbot.waitUntil(lambda: s.latest.run_id == s.run_id and s.latest.progress.updates > 0, timeout=5000)
    stopped_at = old_trainer.updates
    qtbot.waitUntil(lambda: s.latest.progress.updates > 3, timeout=5000)
    assert old_trainer.updates == stopped_at   # the stopped run did not carry on
    win.controls.stop.trigger()
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    close_and_delete(win)


def test_an_exception_in_the_worker_reaches_the_window_and_the_app_keeps_working(open_window, qtbot, monkeypatch):
    win = open_window()
    s = win.session

    def broken(self, *args, **kwargs):
        raise RuntimeError("simulated failure inside training")

    with monkeypatch.context() as m:
        m.setattr(Trainer, "fit", broken)
        win.controls.start.trigger()
        qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=5000)
        assert "simulated failure inside training" in control(win, "Message").text()
    win.controls.start.trigger()
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    win.controls.stop.trigger()
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)
    close_and_delete(win)


def _train_sine_at_lr_100(open_window, qtbot, hidden, optimizer, epochs, errors=None):
    """Open sine, train 1 → 16 ``hidden`` → 1 linear at learning rate 100 until the run ends."""
    win = open_window("sine")
    s = win.session
    assert s.set_network_spec(NetworkSpec(hidden=((16, hidden),), output="linear", cost="mse"))
    s.set_config(replace(s.config, learning_rate=100.0, optimizer=optimizer, epochs=epochs))
    if errors is not None:
        s.error.connect(errors.append)
    win.controls.start.trigger()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=10000)
    return win, s


def test_an_exploding_but_finite_cost_is_shown_as_a_warning(open_window, qtbot):
    errors = []
    win, s = _train_sine_at_lr_100(open_window, qtbot, "tanh", "adam", 30, errors)
    assert s.history.stop_reason == "completed" and np.isfinite(s.net.params).all()
    assert errors == [s.trainer.warning] and "learning rate is probably too high" in errors[0]   # once
    close_and_delete(win)


def test_a_diverging_run_stops_with_a_message_and_finite_weights(open_window, qtbot):
    win, s = _train_sine_at_lr_100(open_window, qtbot, "relu", "sgd", 500)
    assert s.history.diverged
    assert "diverged" in control(win, "Message").text()
    assert np.isfinite(s.net.params).all() and np.isfinite(s.latest.params).all()
    win.controls.start.trigger()   # the run is over; starting again is refused with a reason, not a crash
    close_and_delete(win)
