"""The architecture guards CI runs (.ci/run), also run with the tests so a violation shows up
before landing: ruff's rules and import-linter's contracts (both in pyproject.toml,
explained in docs/architecture.md)."""

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(tool, *args):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (pip install -e '.[test]')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([tool, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_contracts_hold():
    result = _run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr

