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



# Writes to another object's attribute in the app that are its documented fields, each with why.
OWN_FIELDS = {
    ("bpstudio/ui/actions/files.py", "model.training_state"),   # Model's documented optional field
    ("bpstudio/ui/session/jobs.py", "job.thread"),              # Job: the dataclass of that module
    ("bpstudio/ui/session/jobs.py", "job.worker"),
    ("bpstudio/ui/session/jobs.py", "job.result"),
    ("bpstudio/ui/session/jobs.py", "job.error"),
    ("bpstudio/ui/session/snapshot.py", "probe.grid"),          # Probe: the dataclass of that module
    ("bpstudio/ui/session/snapshot.py", "probe.extent"),
    ("bpstudio/ui/session/worker.py", "job.pace"),              # TrainJob: the dataclass of that module
}


def test_the_app_sets_no_attributes_on_other_classes_objects():
    """``row.n_in = …`` on a widget or ``image.cell_rect = …`` on a pyqtgraph item hide state where its
    owner cannot see it: a class keeps its own fields. A new write here is either a field of a class
    of the same module (add it to OWN_FIELDS) or a reach-in (give the class a field or a method)."""
    import ast

    found = set()
    for path in sorted((ROOT / "bpstudio" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) \
                            and item.value.id not in ("self", "cls"):
                        found.add((path.relative_to(ROOT).as_posix(), ast.unparse(item)))
    assert found <= OWN_FIELDS, sorted(found - OWN_FIELDS)
