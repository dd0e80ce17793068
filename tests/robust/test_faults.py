"""Faults while saving and training: a save interrupted at any point (an exception at each write
call, a full disk, SIGKILL mid-write) leaves the previous file intact and loadable; an unwritable
folder or a full disk is one clear message in the API and the CLI; a diverging run stops with a
message and finite weights, and the CLI exports nothing from it."""

import ast
import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.loading import load_dataset
from bpstudio.core.io.atomic import write_bytes
from bpstudio.core.data.dataset import prepare
from bpstudio.core.io.model import Model
from bpstudio.core.io.model_files import ModelFileError, load_model, save_model
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.io.project import DataSource, ProjectFileError, open_project, save_project

FORMATS = [".npz", ".json", ".safetensors", ".onnx", ".py", ".bpproject"]
ROOT = Path(__file__).parents[2]


def _network(marker):
    net = Network([3, 6, 2], ["tanh", "softmax"], seed=0)
    net.params[0] = marker  # tells the versions of a file apart
    return net


def _save(path, marker):
    """Version ``marker`` of a model file (or a project file) at ``path``."""
    net = _network(marker)
    if path.suffix == ".bpproject":
        return save_project(path, net, TrainConfig(cost="cross_entropy"), DataSource("xor"))
    scaler = Scaler("standard").fit(np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]))
    save_model(Model(net, scaler, None, "classification", ["a", "b", "c"], ["no", "yes"]), path)


def _marker(path):
    """The version of the file at ``path`` (it must load)."""
    if path.suffix == ".bpproject":
        return open_project(path).network.params[0]
    if path.suffix == ".py":
        path = path.with_suffix(".safetensors")  # the script's weights
        from safetensors.numpy import load_file
        return load_file(str(path))["0.weight"][0, 0]
    return load_model(path).network.params[0]


def _files(folder):
    return sorted(os.listdir(folder))


class _Interrupted(Exception):
    """Stands for anything that can stop a save: a bug, Ctrl-C, a closed window."""


class _FailingFile:
    """A file whose ``write`` number ``fail_at`` writes half its data, then raises ``error``."""

    calls = 0

    def __init__(self, f, fail_at, error):
        self._f, self._fail_at, self._error = f, fail_at, error

    def write(self, data):
        _FailingFile.calls += 1
        if _FailingFile.calls == self._fail_at:
            self._f.write(data[: len(data) // 2])
            self._f.flush()
            raise self._error
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def _fail_writes(monkeypatch, fail_at, error):
    real_fdopen = os.fdopen
    _FailingFile.calls = 0
    monkeypatch.setattr("bpstudio.core.io.atomic.os.fdopen",
                        lambda *args, **kwargs: _FailingFile(real_fdopen(*args, **kwargs), fail_at, error))


def _write_calls(path, monkeypatch):
    """How many write calls one save of ``path``'s format makes."""
    with monkeypatch.context() as m:
        _fail_writes(m, fail_at=0, error=None)
        _save(path.with_name("count" + path.suffix), 3.0)
    for leftover in path.parent.glob("count*"):
        leftover.unlink()
    return _FailingFile.calls


@pytest.mark.parametrize("ext", FORMATS)
def test_a_save_interrupted_at_each_write_keeps_the_previous_file(tmp_path, monkeypatch, ext):
    path = tmp_path / f"m{ext}"
    _save(path, 1.0)
    before, files = {p: p.read_bytes() for p in tmp_path.iterdir()}, _files(tmp_path)
    n_calls = _write_calls(path, monkeypatch)
    assert n_calls >= 1
    for fail_at in range(1, n_calls + 1):
        for error in (OSError(errno.ENOSPC, "No space left on device"), _Interrupted("stopped mid-write")):
            with monkeypatch.context() as m:
                _fail_writes(m, fail_at, error)
                expected = (ModelFileError, ProjectFileError) if isinstance(error, OSError) else _Interrupted
                with pytest.raises(expected):
                    _save(path, 2.0)
            assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before, (fail_at, error)
            assert _files(tmp_path) == files and _marker(path) == 1.0
    _save(path, 2.0)  # and the next save works
    assert _marker(path) == 2.0 and _files(tmp_path) == files


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("step", ["os.fsync", "os.chmod", "os.replace"])
def test_a_save_interrupted_after_writing_keeps_the_previous_file(tmp_path, monkeypatch, ext, step):
    path = tmp_path / f"m{ext}"
    _save(path, 1.0)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    with monkeypatch.context() as m:
        def fail(*args, **kwargs):
            raise OSError(errno.EIO, "Input/output error")
        m.setattr(f"bpstudio.core.io.atomic.{step}", fail)
        with pytest.raises((ModelFileError, ProjectFileError), match=rf"m{ext}: cannot write the file: Input/output"):
            _save(path, 2.0)
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before and _marker(path) == 1.0


# --- SIGKILL while a large file is being written ---------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from bpstudio.core import Network, TrainConfig
    from bpstudio.core.io.atomic import write_text
    from bpstudio.core.io.model import Model
    from bpstudio.core.io.model_files import save_model
    from bpstudio.core.data.preprocessing import Scaler
    from bpstudio.core.io.project import DataSource, save_project

    path, width = sys.argv[1], int(sys.argv[2])
    net = Network([100, width, width, 10], ["tanh", "tanh", "softmax"], seed=0)
    scaler = Scaler("none").fit(np.zeros((1, 100)))
    for version in range(1, 1000):
        net.params[0] = version
        if path.endswith(".bpproject"):
            save_project(path, net, TrainConfig(cost="cross_entropy"), DataSource("xor"))
        elif path.endswith(".csv"):     # what `bpstudio predict --out` writes
            write_text(path, f"version\\n{version}\\n" + "0.123456,0.876544\\n" * 200 * width)
        else:
            save_model(Model(net, scaler, None, "classification", (), [str(k) for k in range(10)]), path)
        print(version, flush=True)
""")

# Every save path; the text formats with a smaller network, so that a save takes about as long.
KILL_WIDTHS = {".npz": 1000, ".safetensors": 1000, ".onnx": 1000, ".bpproject": 1000, ".json": 250, ".py": 500,
               ".csv": 1000}


def _version(path):
    if path.suffix == ".csv":
        return int(path.read_text().splitlines()[1])
    return _marker(path)


@pytest.mark.parametrize("ext", sorted(KILL_WIDTHS))
def test_sigkill_mid_save_leaves_a_complete_file(tmp_path, ext):
    path = tmp_path / f"big{ext}"
    rng = np.random.default_rng(0)
    for attempt in range(3):
        last = _kill_mid_save(path, KILL_WIDTHS[ext], rng)
        # The file holds the last version reported saved — or the next, if the kill came between its
        # rename and its report; the version being written when killed is lost, never half-written.
        assert _version(path) in (last, last + 1), (attempt, last, _version(path))
    # A killed writer cannot delete its temporary file; at most one per kill (and per file) is left, hidden.
    leftovers = [name for name in _files(tmp_path) if name not in (path.name, path.with_suffix(".safetensors").name)]
    assert len(leftovers) <= 6 and all(name.startswith(".big.") for name in leftovers), leftovers


def _kill_mid_save(path, width, rng):
    """Start a writer saving versions 1, 2, … of ``path`` and SIGKILL it at a random moment of a save;
    returns the last version it reported saved."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(width)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        saved = [int(writer.stdout.readline())]
        started = time.monotonic()
        saved.append(int(writer.stdout.readline()))
        time.sleep(rng.uniform(0, time.monotonic() - started))   # spreads the kills; not a timing assert
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    return (saved + [int(line) for line in writer.stdout.read().split()])[-1]


def _exported_constants(script_text):
    """WEIGHTS_FILE, WEIGHTS_SHA256, METADATA of a .py export, read as literals (nothing runs)."""
    wanted = ("WEIGHTS_FILE", "WEIGHTS_SHA256", "METADATA")
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(script_text).body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in wanted}


def _run_pair(folder, script_text, weights_bytes):
    """Run a .py export's own ``predict`` with this script and these weights side by side."""
    folder.mkdir()
    constants = _exported_constants(script_text)
    (folder / "big.py").write_text(script_text)
    (folder / constants["WEIGHTS_FILE"]).write_bytes(weights_bytes)
    features = constants["METADATA"]["feature_names"]
    (folder / "rows.csv").write_text(",".join(features) + "\n" + ",".join("0.5" for _ in features) + "\n")
    return subprocess.run([sys.executable, "big.py", "predict", "rows.csv"], cwd=folder, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": ""})


@pytest.mark.timeout(900)
def test_sigkill_mid_py_export_leaves_a_pair_its_script_runs_or_refuses(tmp_path):
    """A .py export is two files, replaced one after the other: a kill between the two renames leaves
    the new weights beside the old script. Each file is always whole (the weights a complete model
    file), and the script itself checks the pairing: it predicts with its own weights and refuses any
    other, with one clear line — proved by running it on every surviving pair and on pairs of a
    script and the weights another kill left."""
    pytest.importorskip("torch")
    path, rng, survivors = tmp_path / "big.py", np.random.default_rng(1), []
    for attempt in range(3):
        last = _kill_mid_save(path, KILL_WIDTHS[".py"], rng)
        weights = path.with_suffix(".safetensors")
        assert load_model(weights).network.params[0] in (last, last + 1)   # whole, and the old or the new
        survivors.append((path.read_text(), weights.read_bytes()))
    pairs = [(i, i) for i in range(3)] + [(i, i - 1) for i in range(1, 3)]
    for i, j in pairs:
        script_text, weights_bytes = survivors[i][0], survivors[j][1]
        run = _run_pair(tmp_path / f"pair{i}{j}", script_text, weights_bytes)
        if hashlib.sha256(weights_bytes).hexdigest() == _exported_constants(script_text)["WEIGHTS_SHA256"]:
            assert run.returncode == 0 and run.stdout.startswith("predicted,"), (i, j, run.stderr)
        else:
            assert run.returncode == 2 and run.stdout == "", (i, j, run.stderr)
            assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
            assert "these are not the weights this script was exported with" in run.stderr
    assert any(survivors[i][1] != survivors[j][1] for i, j in pairs if i != j)   # a mismatch was really tried


def test_the_next_save_removes_temporaries_that_killed_saves_left(tmp_path):
    path = tmp_path / "m[1].npz"   # glob characters in the name must not matter
    stale, fresh, other = (tmp_path / f".{path.name}.k1ll3d.tmp", tmp_path / f".{path.name}.wr1t1ng.tmp",
                           tmp_path / ".other.npz.k1ll3d.tmp")
    for tmp in (stale, fresh, other):
        tmp.write_bytes(b"half a file")
    hour_ago = time.time() - 3600
    for tmp in (stale, other):
        os.utime(tmp, (hour_ago, hour_ago))
    write_bytes(path, b"complete")
    assert path.read_bytes() == b"complete"
    assert not stale.exists()                  # abandoned by a killed save of this file
    assert fresh.exists() and other.exists()   # maybe a save in progress; another file's


# --- unwritable folder, full disk: the API and the CLI ------------------------------------------------

def _unwritable(monkeypatch):
    """As if the folder were read-only (the tests run as root, which ignores permissions)."""
    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, ".tmpXYZ"))
    monkeypatch.setattr("bpstudio.core.io.atomic.tempfile.mkstemp", refuse)


@pytest.mark.parametrize("ext", FORMATS)
def test_an_unwritable_folder_is_reported_naming_the_file(tmp_path, monkeypatch, ext):
    _unwritable(monkeypatch)
    with pytest.raises((ModelFileError, ProjectFileError), match=rf"m{ext}: cannot write the file: Permission denied$"):
        _save(tmp_path / f"m{ext}", 1.0)
    assert _files(tmp_path) == []


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "xor.npz"
    assert main(["train", "xor", "--epochs", "2", "--quiet", "--export", str(path)]) == 0
    return path


def _cli_error(capsys, *argv):
    """The error line of a CLI run that must fail with status 2 (train prints progress lines before it)."""
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert status == 2 and err.count("error: ") == 1 and "Traceback" not in err and "internal error" not in err, err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("fault", ["unwritable", "disk full"])
def test_the_cli_reports_an_unwritable_folder_or_a_full_disk(capsys, tmp_path, monkeypatch, trained, fault):
    if fault == "unwritable":
        _unwritable(monkeypatch)
        reason = "Permission denied"
    else:
        _fail_writes(monkeypatch, 1, OSError(errno.ENOSPC, "No space left on device"))
        reason = "No space left on device"
    out = tmp_path / "out"
    out.mkdir()
    for argv, target in [(["train", "xor", "--epochs", "1", "--quiet", "--export", out / "m.onnx"], "m.onnx"),
                         (["export", trained, out / "m.json"], "m.json"),
                         (["predict", trained, "xor", "--out", out / "p.csv"], "p.csv")]:
        _FailingFile.calls = 0
        err = _cli_error(capsys, *argv)
        assert err.startswith(f"error: {out / target}: cannot write the file: {reason}") or (
            fault == "unwritable" and err == f"error: argument --export: {out / target}: cannot write in the folder "
                                             f"{out}: {reason}"), err
    assert _files(out) == []


def test_train_refuses_an_unwritable_export_folder_before_training(capsys, tmp_path, monkeypatch):
    _unwritable(monkeypatch)
    assert main(["train", "xor", "--epochs", "1", "--export", str(tmp_path / "m.npz")]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: argument --export: {tmp_path / 'm.npz'}: cannot write in the folder {tmp_path}: " \
                  "Permission denied\n"
    assert out == ""  # it never trained


# --- diverging runs --------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_learning_rate_100_stops_or_warns_with_a_message_and_finite_weights(optimizer):
    """Overflow stops the run; a cost that explodes but stays finite (Adam's bounded steps) is warned about."""
    data = prepare(load_dataset("sine", n_samples=200), val_fraction=0.2)
    net = Network([1, 16, 1], ["tanh", "linear"], seed=0)
    trainer = Trainer(net, TrainConfig(learning_rate=100.0, optimizer=optimizer, epochs=30, cost="mse"))
    history = trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val)
    assert np.isfinite(net.params).all()
    assert len(history) == len(history.train_cost) and np.isfinite(history.train_cost).all()
    if history.diverged:
        assert "learning rate is probably too high" in history.stop_reason
    else:
        assert history.stop_reason == "completed"
        assert "over 100× its" in trainer.warning and "learning rate is probably too high" in trainer.warning


def test_an_exploding_cost_is_warned_about_once_and_the_run_may_recover():
    """relu + Adam at lr 100 spikes ~10⁹× and then fits better than it started: a warning, not a stop."""
    data = prepare(load_dataset("sine"), val_fraction=0.2)
    net = Network([1, 16, 1], ["relu", "linear"], seed=0)
    before = net.cost(data.X_train, data.Y_train, "mse")
    trainer = Trainer(net, TrainConfig(learning_rate=100.0, optimizer="adam", epochs=100, cost="mse"))
    history = trainer.fit(data.X_train, data.Y_train)
    assert history.stop_reason == "completed" and history.train_cost[-1] < before
    assert trainer.warning.startswith("epoch 1: the cost rose to ") and f"its {before:.3g} before" in trainer.warning
    assert trainer.progress().warning == trainer.warning


def test_a_sane_run_gets_no_warning():
    data = prepare(load_dataset("moons"), val_fraction=0.2)
    trainer = Trainer(Network([2, 8, 2], ["tanh", "softmax"]), TrainConfig(learning_rate=0.5, epochs=50,
                                                                          cost="cross_entropy"))
    trainer.fit(data.X_train, data.Y_train)
    assert trainer.warning == "" and trainer.history.stop_reason == "completed"


def test_the_cli_prints_the_warning(capsys):
    assert main(["train", "sine", "--layers", "16", "--lr", "100", "--optimizer", "adam", "--epochs", "30",
                 "--quiet"]) == 0
    assert "warning      epoch 1: the cost rose to" in capsys.readouterr().out


def test_the_cli_exports_nothing_from_a_diverged_run(capsys, tmp_path):
    status = main(["train", "sine", "--lr", "100", "--optimizer", "sgd", "--quiet",
                   "--export", str(tmp_path / "m.npz"), "--export", str(tmp_path / "m.onnx")])
    out, err = capsys.readouterr()
    assert status == 1 and "diverged at epoch" in out and "learning rate is probably too high" in out
    assert f"not saved {tmp_path / 'm.npz'}: training diverged" in err and "Traceback" not in err
    assert _files(tmp_path) == []


def test_weights_beyond_float32_are_not_written_to_onnx(tmp_path):
    """What a diverged run can leave: finite float64 weights that would be inf in float32."""
    net = _network(1e100)
    scaler = Scaler("none").fit(np.zeros((1, 3)))
    model = Model(net, scaler, None, "classification", ["a", "b", "c"], ["no", "yes"])
    with pytest.raises(ModelFileError, match=r"m.onnx: values up to 1e\+100 do not fit the float32 tensors"):
        save_model(model, tmp_path / "m.onnx")
    save_model(model, tmp_path / "m.npz")   # float64 formats keep them exactly
    assert _files(tmp_path) == ["m.npz"] and load_model(tmp_path / "m.npz").network.params[0] == 1e100
