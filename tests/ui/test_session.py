"""The session's rules, without a window: what applies mid-run, what waits, what is refused."""

import threading
from dataclasses import replace

import numpy as np
import pytest

from bpstudio.core.data.loading import LoadCancelled, load_dataset
from bpstudio.ui.session.session import NetworkSpec, Session
from bpstudio.ui.session.jobs import JobRunner


@pytest.fixture
def session(qtbot):
    s = Session(load_dataset("xor", n_samples=200), spec=NetworkSpec(hidden=((6, "tanh"),)))
    s.set_config(replace(s.config, epochs=1_000_000, learning_rate=0.1))
    yield s
    s.stop()
    assert s.shutdown()


def wait_idle(qtbot, s):
    qtbot.waitUntil(lambda: not s.busy, timeout=5000)


def test_learning_rate_applies_mid_run_to_the_same_trainer(session, qtbot):
    s = session
    s.start()
    trainer = s.trainer
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    assert s.set_config(replace(s.config, learning_rate=0.003))
    qtbot.waitUntil(lambda: trainer.optimizer.lr == 0.003, timeout=5000)   # the job took the message
    assert s.trainer is trainer


def test_other_settings_and_the_architecture_are_refused_while_training(session, qtbot):
    s = session
    errors = []
    s.error.connect(errors.append)
    s.start()
    assert not s.set_config(replace(s.config, batch_mode="full"))
    assert not s.set_network_spec(replace(s.spec, hidden=((3, "relu"),)))
    assert s.config.batch_mode == "mini-batch" and s.net.sizes[1] == 6
    assert len(errors) == 2 and all("Stop training" in e for e in errors)


def test_after_stop_a_batch_setting_starts_a_new_run_from_the_current_weights(session, qtbot):
    s = session
    s.start()
    qtbot.waitUntil(lambda: len(s.history) > 2, timeout=5000)
    s.stop()
    wait_idle(qtbot, s)
    trained = s.net.params.copy()
    old_run = s.run_id
    assert s.set_config(replace(s.config, batch_mode="full"))
    assert s.run_id == old_run + 1 and len(s.history) == 0
    np.testing.assert_array_equal(s.net.params, trained)


def test_reset_while_training_waits_for_the_worker_then_restores_the_seed_weights(session, qtbot):
    s = session
    initial = s.net.params.copy()
    s.start()
    qtbot.waitUntil(lambda: s.latest.progress.updates > 0, timeout=5000)
    s.reset()
    wait_idle(qtbot, s)
    qtbot.waitUntil(lambda: len(s.history) == 0, timeout=3000)
    np.testing.assert_array_equal(s.net.params, initial)
    assert s.state == "idle" and s.latest.progress.updates == 0


def test_float32_precision_prepares_float32_splits_and_trains(session, qtbot):
    s = session
    assert s.set_network_spec(replace(s.spec, dtype="float32"))
    assert s.net.dtype == np.float32 and s.prepared.X_train.dtype == np.float32
    s.set_config(replace(s.config, epochs=3))
    s.start()
    qtbot.waitUntil(lambda: s.state == "idle" and len(s.history) == 3, timeout=5000)
    assert s.latest.params.dtype == np.float32


def test_a_diverging_run_ends_with_a_message(qtbot):
    s = Session(load_dataset("plane", n_samples=200), spec=NetworkSpec(hidden=((8, "relu"),), output="linear",
                                                                      cost="mse"))
    errors = []
    s.error.connect(errors.append)
    s.set_config(replace(s.config, learning_rate=10.0, optimizer="sgd", epochs=1000))
    s.start()
    qtbot.waitUntil(lambda: s.state == "idle" and not s.busy, timeout=10000)
    assert errors and "diverged" in errors[-1]
    assert np.isfinite(s.net.params).all()
    assert s.shutdown()


def test_a_load_can_be_cancelled(qtbot):
    runner = JobRunner()
    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        while not cancel.wait(0.01):
            progress(0.5)
        raise LoadCancelled()

    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.run(slow, "slow")
        assert started.wait(5)
        runner.cancel()
    runner.shutdown()


def test_a_split_that_leaves_no_training_samples_changes_nothing(session):
    from bpstudio.ui.session.options import DataOptions

    before = (session.options, session.prepared, session.net)
    errors = []
    session.error.connect(errors.append)
    assert not session.set_data_options(DataOptions(val_fraction=1.0))
    assert (session.options, session.prepared, session.net) == before
    assert len(errors) == 1 and errors[0].startswith("Data split:") and "val_fraction" in errors[0]
