"""Start-up pays only for what is on screen: work for views behind a tab waits until they are shown
(timings themselves are in benchmarks/bench_startup.py, never in tests)."""

import subprocess
import sys

import numpy as np
from PySide6.QtWidgets import QComboBox

from uihelpers import choose, control, show_tab, train_epochs


LATER = ("jsonschema", "numba", "scipy", "onnx", "safetensors")   # imported when a file or a run needs them
SHOW = """
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from bpstudio.ui import MainWindow
window = MainWindow()
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
print(*[name for name in %r if name in sys.modules], flush=True)
os._exit(0)   # the check is done: skip tearing down a live window at exit
"""


def test_the_window_comes_up_without_importing_what_only_files_and_runs_need(tmp_path):
    """jsonschema (~80 ms to import) is needed only when a file is opened; Numba when a run starts."""
    out = subprocess.run([sys.executable, "-c", SHOW % (LATER,)], capture_output=True, text=True, timeout=120,
                         env={"XDG_CONFIG_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_hidden_inspector_and_neurons_build_when_first_shown(window, qtbot):
    inspector, neurons = window.inspection.inspector, window.neurons
    qtbot.wait(200)
    assert inspector.rows == [] and neurons.images == []   # tabs behind Weights: nothing built yet
    show_tab(qtbot, window, "Inspector")
    qtbot.waitUntil(lambda: len(inspector.rows) == window.session.net.n_layers, timeout=3000)
    show_tab(qtbot, window, "Neurons")
    qtbot.waitUntil(lambda: len(neurons.images) == window.session.net.n_layers, timeout=3000)


def test_the_hidden_loss_surface_makes_its_maps_when_first_shown(window, qtbot):
    surface = window.inspection.surface
    qtbot.wait(200)
    assert surface._maps is None and not surface.graphics.ci.items   # behind Weights: no plots yet
    show_tab(qtbot, window, "Loss surface")
    qtbot.waitUntil(lambda: surface._maps is not None, timeout=3000)
    assert surface.plot.isVisible() and not surface.maps[1].plot.isVisible()   # one map until runs are compared


def _made(inspection, name):
    return getattr(inspection, f"_{name}").made


def test_health_first_opened_after_a_run_draws_that_run(window, qtbot):
    """Health's plots are made when its tab is first clicked; the run trained before is on them."""
    health = window.inspection.health
    train_epochs(qtbot, window, 3)
    assert health._plots is None   # never seen: no plots, yet everything fed was kept
    show_tab(qtbot, window, "Health")
    rows = window.session.log.rows()
    qtbot.waitUntil(lambda: health._plots is not None and health.norms.curves[0].getData()[0] is not None,
                    timeout=3000)
    for curves, column in ((health.norms, "grad_norm"), (health.ratios, "update_ratio")):
        assert len(curves.curves) == window.session.net.n_layers
        x, log_y = curves.curves[-1].getData()   # a log axis: the curve holds log10 of the values
        np.testing.assert_array_equal(x, rows["updates"])
        np.testing.assert_allclose(10 ** log_y, np.asarray(rows[column])[:, -1], rtol=1e-6)
    qtbot.waitUntil(lambda: health.snapshot_choice.count() == len(health.snapshots) > 0, timeout=3000)
    assert health.snapshot_choice.itemText(0) == "epoch 3"   # the run's weight snapshots, newest first
    assert all(plot.isVisible() for plot in health.plots)


def test_runs_first_opened_after_a_run_lists_it_and_compares_from_the_current_setup(window, qtbot):
    train_epochs(qtbot, window, 2)
    assert not _made(window.inspection, "runs")
    show_tab(qtbot, window, "Runs")
    qtbot.waitUntil(lambda: _made(window.inspection, "runs"), timeout=3000)
    runs = window.inspection.runs
    assert runs.table.rowCount() == 1 and runs.table.item(0, 2).text() == "2"   # the run, with its 2 epochs
    assert len(runs.curves) == 1 and len(runs.curves[0].getData()[0]) == 2
    assert runs.experiment.config == window.session.config
    choose(qtbot, control(window, "Batch mode", QComboBox), "full")   # a later change reaches it too
    assert runs.experiment.config.batch_mode == window.session.config.batch_mode == "full"


def test_evaluation_first_opened_scores_the_current_weights(window, qtbot):
    train_epochs(qtbot, window, 2)
    assert not _made(window.inspection, "evaluation")
    show_tab(qtbot, window, "Evaluation")
    qtbot.waitUntil(lambda: _made(window.inspection, "evaluation")
                    and window.inspection.evaluation.counts is not None, timeout=3000)
    assert window.inspection.evaluation.counts.sum() == len(window.session.prepared.X_val)
