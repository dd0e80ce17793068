"""Start-up without a display: the headless commands never touch Qt."""

import os
import subprocess
import sys
from pathlib import Path

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
