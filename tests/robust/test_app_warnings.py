"""Python warnings never reach the terminal from the app: a run that overflows inside NumPy (a learning
rate of 10⁶ on sigmoid units: exp overflows) leaves stderr without a single Python warning; the window
says what matters in its own words. (The command line: tests/robust/test_outputs.py.)"""

import os
import subprocess
import sys
from pathlib import Path

from bpstudio.core import Network, TrainConfig
from bpstudio.core.io.project import DataSource, save_project

ROOT = Path(__file__).parents[2]


def test_an_overflowing_run_in_the_app_prints_no_python_warning(tmp_path):
    project = tmp_path / "huge rate.bpproject"
    net = Network([2, 8, 2], ["sigmoid", "softmax"], seed=0)
    save_project(project, net, TrainConfig(cost="cross_entropy", learning_rate=1e6), DataSource("xor"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "BPSTUDIO_COMPILED": "0", "PYTHONWARNINGS": "default"}
    run = subprocess.run([sys.executable, "-m", "bpstudio", "--project", str(project), "--train-seconds", "2",
                          "--screenshot", str(tmp_path / "shot.png")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "shot.png").exists()
    assert "Warning" not in run.stderr and "warn(" not in run.stderr, run.stderr
