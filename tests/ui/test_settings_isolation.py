"""Tests and screenshot runs never touch the user's settings; ``--size`` gives that size or says why not."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from bpstudio.ui.mainwindow import app_settings

ROOT = Path(__file__).resolve().parents[2]


def _run_app(tmp_path, *argv):
    """``python -m bpstudio ARGV`` with HOME and XDG_CONFIG_HOME in a fresh folder; returns (run, home)."""
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONPATH=str(ROOT),
               QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-m", "bpstudio", *argv], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    return run, home


def _written(home):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())


def test_the_suite_keeps_its_settings_away_from_the_user(tmp_path):
    config_home = os.environ["XDG_CONFIG_HOME"]
    assert "bpstudio-tests-config-" in config_home and not Path(config_home).is_relative_to(Path.home() / ".config")
    settings = app_settings()
    assert Path(settings.fileName()).is_relative_to(tmp_path)   # this test's own folder
    assert not Path(settings.fileName()).is_relative_to(Path.home() / ".config")


def test_a_screenshot_run_writes_no_settings_layout_or_recent_files(tmp_path):
    shot = tmp_path / "shot.png"
    data = tmp_path / "points.csv"
    data.write_text("x,y,label\n" + "".join(f"{i % 7},{i % 5},{'ab'[i % 2]}\n" for i in range(40)))
    run, home = _run_app(tmp_path, "--dataset", str(data), "--size", "1000x700", "--screenshot", str(shot))
    assert run.returncode == 0, run.stderr
    assert shot.exists()
    assert [p for p in _written(home) if "bpstudio" in p] == []
    assert not (home / ".config").exists() or _written(home / ".config") == []


def test_size_gives_exactly_that_size(tmp_path):
    shot = tmp_path / "shot.png"
    run, _ = _run_app(tmp_path, "--size", "800x600", "--dataset", "spirals", "--train-seconds", "0.5",
                      "--screenshot", str(shot))
    assert run.returncode == 0, run.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (800, 600)


def test_a_size_too_small_for_the_window_says_why(tmp_path):
    shot = tmp_path / "shot.png"
    run, _ = _run_app(tmp_path, "--size", "300x200", "--screenshot", str(shot))
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: --size 300x200") and "at least" in errors[0]
    assert not shot.exists()

