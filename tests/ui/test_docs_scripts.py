"""The script that renders the docs' panel images still runs against today's panels.

It builds panels on their own (no main window), so an API change there is missed by every other
test: HealthPanel.add_point was removed and the script went on calling it, unnoticed."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_panel_screenshots_script_renders_every_image(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "panel_screenshots.py"), str(tmp_path)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("inspector", "runs", "health", "evaluation"):
        image = tmp_path / f"{name}.png"
        assert image.stat().st_size > 10_000, name   # a blank 1280×800 PNG is ~5 KB
