"""Start-up pays only for what is on screen: work for views behind a tab waits until they are shown
(timings themselves are in benchmarks/bench_startup.py, never in tests)."""

import subprocess
import sys

from uihelpers import show_tab


def test_the_app_starts_without_importing_jsonschema(tmp_path):
    """jsonschema (~80 ms to import) is needed only when a file is opened."""
    code = "import sys, bpstudio.ui.mainwindow; print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"XDG_CONFIG_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


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
