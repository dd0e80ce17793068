"""Every hostile file of ``hostile.py`` through the API and the CLI: the loader's own error naming the
file, and through the command line exit status 2 with one ``error:`` line naming it — nothing run,
nothing hung (each CLI run is a subprocess with a timeout), no traceback, no Python warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.loading import DataError, load_dataset
from bpstudio.core.io.model_files import ModelFileError, load_model, save_model
from bpstudio.core.io.project import ProjectFileError, open_project

import hostile

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile.make(folder)


def _cases(kind):
    # The names are fixed by hostile.py; collected here without building the files.
    return {"data": ["fifo.csv", "fifo.npz", "zero.csv", "zero.npz", "wide_blank.csv", "bomb.npz",
                     "huge_values.csv", "bad_bytes_labels.npz"],
            "models": ["fifo.npz", "zero.json", "bomb.npz", "bomb_member.npz", "subnormal_scale.npz",
                       "epochs_1e18.npz", "nan_offset.npz", "unknown_task.npz", "complex_weights.npz"],
            "projects": ["fifo.bpproject", "nan_data.bpproject", "epochs_1e18.bpproject",
                         "options_cancel.bpproject", "options_progress.bpproject", "outside_absolute.bpproject",
                         "outside_dotdot.bpproject", "bomb_params.bpproject"]}[kind]


def test_the_list_matches_the_files(corpus):
    _, expected = corpus
    assert {kind: sorted(names) for kind, names in expected.items()} == \
           {kind: sorted(_cases(kind)) for kind in ("data", "models", "projects")}


def _load_data(path):
    return prepare(load_dataset(path))   # extreme values are refused when scaled


LOADERS = {"data": (_load_data, DataError.__mro__[1]), "models": (load_model, ModelFileError),
           "projects": (open_project, ProjectFileError)}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind, name", [(k, n) for k in LOADERS for n in _cases(k)])
def test_the_api_refuses_each_hostile_file_naming_it(corpus, kind, name):
    folder, expected = corpus
    load, error = LOADERS[kind]
    with pytest.raises(error) as info:
        load(folder / kind / name)
    message = str(info.value)
    assert name in message and "\n" not in message, message
    assert expected[kind][name] in message, message


def run_cli(*argv, timeout=60, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "bpstudio", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)


def assert_one_error_naming(result, name):
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert result.returncode == 2, result.stderr
    assert len(errors) == 1 and name in errors[0], result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def good_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "ab.npz"
    save_model(hostile._model(), path)
    return path


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind, name", [(k, n) for k in ("data", "models") for n in _cases(k)])
def test_the_cli_refuses_each_hostile_file_naming_it(corpus, good_model, tmp_path, kind, name):
    folder, _ = corpus
    path = folder / kind / name
    if kind == "data":
        runs = [("train", path, "--epochs", "1", "--quiet")]
        if name != "huge_values.csv" and name != "bad_bytes_labels.npz":   # good rows for predict otherwise
            runs.append(("predict", good_model, path, "--out", tmp_path / "p.csv"))
    else:
        runs = [("predict", path, "xor"), ("export", path, tmp_path / "out.json")]
    for argv in runs:
        assert_one_error_naming(run_cli(*argv), name)
    assert list(tmp_path.iterdir()) == []
