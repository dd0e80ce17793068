"""Start-up without a display: the app says what is missing and how to fix it (never Qt's abort),
and the headless commands work and never touch Qt. (Missing display libraries, with a display:
tests/ui/test_files.py::test_missing_display_libraries_are_named_with_their_packages.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _no_display_env():
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    return env


# Runs the CLI as `bpstudio` does, then reports whether any Qt module was imported.
RUN_CLI = """
import sys
from bpstudio.cli import main
status = main(sys.argv[1:])
qt = sorted(name for name in sys.modules if name.startswith(("PySide6", "pyqtgraph", "shiboken6")))
print("qt modules:", qt, file=sys.stderr)
sys.exit(status)
"""


def test_train_predict_and_export_work_with_no_display_and_never_import_qt(tmp_path):
    model = tmp_path / "moons.onnx"
    for argv in (["train", "moons", "--epochs", "3", "--quiet", "--export", str(model)],
                 ["predict", str(model), "moons", "--out", str(tmp_path / "p.csv")],
                 ["export", str(model), str(tmp_path / "moons.py")],
                 ["datasets"]):
        run = subprocess.run([sys.executable, "-c", RUN_CLI, *argv], cwd=tmp_path, env=_no_display_env(),
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "qt modules: []" in run.stderr, run.stderr
    assert (tmp_path / "p.csv").read_text().startswith("predicted,")
    assert (tmp_path / "moons.py").exists() and (tmp_path / "moons.safetensors").exists()


@pytest.mark.parametrize("command", [["-m", "bpstudio"], ["-m", "bpstudio", "--dataset", "moons"], ["-m", "bpstudio.ui"]])
def test_the_app_with_no_display_says_how_to_get_one(tmp_path, command):
    pytest.importorskip("PySide6")
    run = subprocess.run([sys.executable, *command], cwd=tmp_path, env=_no_display_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("bpstudio cannot open a window: there is no display"), run.stderr
    assert "xvfb-run bpstudio" in run.stderr and "bpstudio train|predict|export work headless" in run.stderr
    assert "qt.qpa" not in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("env, needs_display", [
    ({}, True), ({"QT_QPA_PLATFORM": "xcb"}, True), ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, True),
    ({"DISPLAY": ":0"}, False), ({"WAYLAND_DISPLAY": "wayland-0"}, False), ({"QT_QPA_PLATFORM": "offscreen"}, False),
])
def test_the_display_check_follows_the_environment(monkeypatch, env, needs_display):
    launcher = pytest.importorskip("bpstudio.ui.app")
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    assert (launcher.no_display_help() is not None) == needs_display

