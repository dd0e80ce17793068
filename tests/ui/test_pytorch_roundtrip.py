"""Out to PyTorch and back: Export weights as .py carries the run; importing a file whose run went on
elsewhere (as the PyTorch script writes it) continues the cost curve, and training goes on from there."""

import numpy as np
from PySide6.QtWidgets import QFileDialog

import bpstudio
from bpstudio.core import TrainConfig, Trainer
from bpstudio.core.io import training_state
from uihelpers import click, control


def message(win):
    return control(win, "Message").text()


def test_a_run_continued_elsewhere_comes_back_with_its_cost_curve(window, qtbot, tmp_path, monkeypatch):
    s = window.session
    control(window, "Epochs").setValue(3)
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: len(s.history) == 3 and s.state == "idle" and not s.busy, timeout=20000)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "model.py"), ""))
    window.files.act_export.trigger()
    qtbot.waitUntil(lambda: "Exported" in message(window), timeout=10000)
    exported = bpstudio.load_model(tmp_path / "model.safetensors")     # the script's weights
    assert exported.training_state["history"]["train_cost"] == list(s.history.train_cost)

    # Elsewhere, the run goes on for 2 epochs and is saved with its state (as the PyTorch script does).
    net = exported.network
    trainer = training_state.resume(Trainer(net, TrainConfig(**{**s.config.to_dict(), "epochs": 5})),
                                    exported.training_state)
    trainer.fit(s.prepared.X_train, s.prepared.Y_train)
    exported.training_state = training_state.of_trainer(trainer)
    bpstudio.save_model(exported, tmp_path / "continued.safetensors")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "continued.safetensors"), ""))
    window.files.act_import.trigger()
    qtbot.waitUntil(lambda: "and their run of 5 epochs" in message(window), timeout=10000)
    np.testing.assert_array_equal(s.net.params, net.params)
    assert list(s.history.epoch) == [1, 2, 3, 4, 5]
    qtbot.waitUntil(lambda: len(window.curves.cost["train"].item.getData()[0]) == 5, timeout=5000)
    np.testing.assert_allclose(window.curves.cost["train"].item.getData()[1], trainer.history.train_cost, rtol=1e-6)

    control(window, "Epochs").setValue(7)      # and training goes on in the app from epoch 6
    click(qtbot, window, "Start")
    qtbot.waitUntil(lambda: len(s.history) == 7 and s.state == "idle", timeout=20000)
    assert list(s.history.epoch) == list(range(1, 8))
