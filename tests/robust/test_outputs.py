"""Where a save goes: regular files are replaced atomically with the umask's mode (or the replaced
file's); devices, FIFOs and ``-`` are written through; a symbolic link is never replaced and its
target never overwritten. A closed stdout loses nothing, and a run whose cost exploded keeps the
previous export. Python's warnings never reach the terminal."""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core.io import special_files
from bpstudio.core.io.atomic import write_bytes, write_text
from bpstudio.core.io.model_files import ModelFileError, load_model, save_model

import hostile

ROOT = Path(__file__).parents[2]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default", "OPENBLAS_NUM_THREADS": "1"}


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- modes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask, expected", [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        save_model(hostile._model(), tmp_path / "m.npz")
        write_text(tmp_path / "p.csv", "a\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "m.npz") == expected and _mode(tmp_path / "p.csv") == expected


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "m.npz"
    save_model(hostile._model(1.0), path)
    os.chmod(path, 0o640)
    old = os.umask(0o000)
    try:
        save_model(hostile._model(2.0), path)
    finally:
        os.umask(old)
    assert _mode(path) == 0o640 and load_model(path).network.params[0] == 2.0


# --- special files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout", "/dev/stderr"])
def test_predict_writes_through_a_device_and_leaves_it_a_device(tmp_path, device):
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    before = os.stat(device, follow_symlinks=False)
    result = subprocess.run([sys.executable, "-m", "bpstudio", "predict", str(model), "xor", "--out", device],
                            capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == 0, result.stderr
    after = os.stat(device, follow_symlinks=False)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)   # still the same node
    if device == "/dev/stdout":
        assert result.stdout.startswith("predicted,p(no),p(yes)\n")


@pytest.mark.parametrize("command", ["train", "export"])
def test_a_model_exported_onto_dev_null_leaves_it_a_device(tmp_path, command):
    """/dev/null has no extension to pick a format by: the native .npz goes through it (as root too)."""
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    argv = (["train", "xor", "--epochs", "2", "--quiet", "--export", "/dev/null"] if command == "train"
            else ["export", str(model), "/dev/null"])
    before = os.stat("/dev/null")
    result = subprocess.run([sys.executable, "-m", "bpstudio", *argv], capture_output=True, text=True, timeout=120,
                            env=_env())
    assert result.returncode == 0, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert "saved /dev/null" in result.stderr


@pytest.mark.parametrize("argv, loads_as", [(["train", "xor", "--epochs", "2", "--quiet", "--export", "-"], ".npz"),
                                            (["export", "{model}", "-"], ".npz"),
                                            (["export", "{model}", "-", "--format", "onnx"], ".onnx"),
                                            (["export", "{model}", "/dev/stdout", "--format", "json"], ".json")])
def test_a_model_exported_to_standard_output_is_the_only_thing_there(tmp_path, argv, loads_as):
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    result = subprocess.run([sys.executable, "-m", "bpstudio", *[a.format(model=model) for a in argv]],
                            capture_output=True, timeout=120, env=_env())
    assert result.returncode == 0, result.stderr
    copy = tmp_path / f"copy{loads_as}"
    copy.write_bytes(result.stdout)               # the summary went to stderr, not into the model's bytes
    assert load_model(copy).network.sizes[0] == 2
    assert b"saved to standard output" in result.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", [None, "onnx"])
def test_a_fifo_without_an_extension_gets_the_model(tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=_read_fifo, args=(fifo, received))
    reader.start()
    save_model(hostile._model(), tmp_path / "m.npz")
    assert main(["export", str(tmp_path / "m.npz"), str(fifo)] + (["--format", fmt] if fmt else [])) == 0
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received
    copy = tmp_path / f"copy.{fmt or 'npz'}"
    copy.write_bytes(received[0])
    assert load_model(copy).network.params[0] == 0.5


@pytest.mark.parametrize("argv, message", [
    (["export", "{model}", "/dev/null", "--format", "py"],
     "/dev/null: a .py export is two files (a script and its weights beside it), which cannot go to a character "
     "device — save it into a folder"),
    (["export", "{model}", "{tmp}/out.npz", "--format", "onnx"],
     "out.npz: the name says .npz, but the format asked for is onnx"),
    (["export", "{model}", "{tmp}/out", "--format", "pickle"], "out: cannot save the format 'pickle'"),
    (["export", "{model}", "{tmp}/out"], "out: cannot save files without an extension"),
    (["train", "xor", "--export", "-", "--export", "/dev/stdout"], "standard output can take one model, not several"),
    (["train", "xor", "--export", "-", "--format", "py"], "-: a .py export is two files"),
])
def test_a_format_that_cannot_be_written_is_refused_before_any_work(capsys, tmp_path, argv, message):
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    assert main([a.format(model=model, tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_a_full_device_is_one_error_line(tmp_path):
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    result = subprocess.run([sys.executable, "-m", "bpstudio", "predict", str(model), "xor", "--out", "/dev/full"],
                            capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == 2
    assert result.stderr == "error: /dev/full: cannot write the file: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dash_is_standard_output(capsys, tmp_path):
    model = tmp_path / "m.npz"
    save_model(hostile._model(), model)
    assert main(["predict", str(model), "xor", "--out", "-"]) == 0
    assert not (tmp_path / "-").exists() and not Path("-").exists()


def _read_fifo(path, into):
    with open(path, "rb") as f:
        into.append(f.read())


@pytest.mark.timeout(30)
def test_a_fifo_with_a_reader_gets_the_bytes_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=_read_fifo, args=(fifo, received))
    reader.start()
    save_model(hostile._model(3.0), fifo)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received and received[0].startswith(b"PK")
    copy = tmp_path / "copy.npz"
    copy.write_bytes(received[0])
    assert load_model(copy).network.params[0] == 3.0


@pytest.mark.timeout(30)
def test_a_fifo_nobody_reads_is_waited_for_a_bounded_time(tmp_path, monkeypatch):
    monkeypatch.setattr(special_files, "FIFO_WAIT_SECONDS", 0.3)
    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"m.npz: cannot write the file: no program read the FIFO within 0.3 s"):
        save_model(hostile._model(), fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.timeout(60)
def test_training_on_a_fifo_is_refused_at_once(tmp_path):
    """The FIFO case with a timeout: nobody writes to the FIFO, and nothing waits for a writer."""
    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-m", "bpstudio", "train", str(fifo), "--quiet"],
                            capture_output=True, text=True, timeout=30, env=_env())
    assert result.returncode == 2
    assert result.stderr == f"error: {fifo}: is a FIFO (named pipe), not a regular file — bpstudio reads data, " \
                            "models and projects only from regular files (copy the contents into one)\n"


@pytest.mark.parametrize("save", ["model", "text"])
def test_a_symlink_is_never_replaced_nor_its_target_overwritten(tmp_path, save):
    target = tmp_path / "elsewhere" / "real.npz"
    target.parent.mkdir()
    target.write_bytes(b"the user's file")
    link = tmp_path / "m.npz"
    link.symlink_to(target)
    with pytest.raises((ModelFileError, OSError)) as info:
        if save == "model":
            save_model(hostile._model(), link)
        else:
            write_bytes(link, b"new")
    assert f"it is a symbolic link to {target}, which was left as it was" in str(info.value)
    assert link.is_symlink() and os.readlink(link) == str(target) and target.read_bytes() == b"the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "m.npz"]


def test_the_cli_refuses_an_export_onto_a_symlink_with_one_line(capsys, tmp_path):
    target = tmp_path / "real.npz"
    target.write_bytes(b"keep")
    (tmp_path / "link.npz").symlink_to(target)
    assert main(["train", "xor", "--epochs", "1", "--quiet", "--export", str(tmp_path / "link.npz")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"error: {tmp_path / 'link.npz'}: cannot write the file: it is a symbolic link to")
    assert target.read_bytes() == b"keep"


# --- a closed stdout ---------------------------------------------------------------------------------

def _with_closed_stdout(*argv):
    """Run the CLI with a stdout pipe whose reader has already gone (like `bpstudio … | true`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "bpstudio", *map(str, argv)], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120, env=_env())
    finally:
        os.close(write)


def test_a_closed_stdout_loses_no_model_and_is_not_an_error(tmp_path):
    result = _with_closed_stdout("train", "moons", "--epochs", "30", "--quiet", "--export", tmp_path / "m.npz")
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr and "Broken pipe" not in result.stderr and "Exception" not in result.stderr
    assert load_model(tmp_path / "m.npz").network.sizes == (2, 16, 8, 2)


def test_predict_into_a_closed_stdout_is_not_an_error(tmp_path):
    save_model(hostile._model(), tmp_path / "m.npz")
    result = _with_closed_stdout("predict", tmp_path / "m.npz", "moons")
    assert result.returncode == 0 and result.stderr == "", result.stderr


# --- a cost that exploded ----------------------------------------------------------------------------

EXPLODING = ["train", "moons", "--optimizer", "adam", "--lr", "1e6", "--epochs", "20", "--quiet"]


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_a_run_whose_cost_exploded_keeps_the_previous_export(capsys, tmp_path, optimizer):
    path = tmp_path / "m.npz"
    save_model(hostile._model(), path)
    before = path.read_bytes()
    argv = [*EXPLODING, "--optimizer", optimizer, "--export", str(path)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"not saved {path}: the cost exploded: it ended at " in err and "pass --export-anyway" in err
    assert path.read_bytes() == before
    assert main([*argv, "--export-anyway"]) == 0
    assert path.read_bytes() != before and load_model(path).network.sizes == (2, 16, 8, 2)


def test_no_python_warning_reaches_the_terminal(tmp_path):
    """An exploding run overflows inside NumPy; the CLI says what matters in its own words only."""
    result = subprocess.run([sys.executable, "-m", "bpstudio", *EXPLODING, "--activation", "sigmoid"],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode in (0, 1)
    assert "Warning" not in result.stderr and "warn" not in result.stderr, result.stderr


def test_huge_layers_are_refused_before_allocating(capsys):
    assert main(["train", "moons", "--layers", "100000,100000", "--quiet"]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: argument --layers: training a network 2 → 100000 → 100000 → 2 "
                          "(10,000,600,002 weights and biases) needs ")
    assert "of memory, but only" in err and err.endswith("— use fewer or smaller hidden layers")


def test_predict_refuses_outputs_that_are_not_finite(capsys, tmp_path):
    """Finite weights and scales whose outputs overflow: an error naming the row, never inf in a CSV."""
    from bpstudio.core import Network
    from bpstudio.core.io.model import Model
    from bpstudio.core.data.preprocessing import Scaler

    net = Network([2, 3, 1], ["tanh", "linear"], seed=0)
    net.params[:] = 1e300
    y_scaler = Scaler("standard", offset=[0.0], scale=[1e300])
    save_model(Model(net, Scaler("none").fit(np.zeros((1, 2))), y_scaler, "regression", ["a", "b"]),
               tmp_path / "m.npz")
    assert main(["predict", str(tmp_path / "m.npz"), "xor"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'm.npz'}: the model's outputs for row 1 of xor are not finite")


def test_predict_refuses_a_row_longer_than_the_header(capsys, tmp_path):
    save_model(hostile._model(), tmp_path / "m.npz")
    (tmp_path / "rows.csv").write_text("a,b,y\n1,2,no\n3,4,yes,5\n")
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "rows.csv")]) == 2
    assert "rows.csv, line 3: 4 fields, but the header has 3" in capsys.readouterr().err


@pytest.mark.parametrize("rows", ["a,b,y\n1,2,no\n3,4\n5,6,yes\n",      # lacks its target cell only
                                  "a,b,y\n1,2,no\n3\n5,6,yes\n",        # lacks an input too
                                  "y,a,b\nno,1,2\nyes,3\n"])            # lacks an input, the target first
def test_predict_refuses_a_short_row_as_train_does(capsys, tmp_path, rows):
    (tmp_path / "rows.csv").write_text(rows)
    save_model(hostile._model(), tmp_path / "m.npz")
    errors = []
    for argv in (["train", tmp_path / "rows.csv", "--target", "y", "--epochs", "1", "--quiet"],
                 ["predict", tmp_path / "m.npz", tmp_path / "rows.csv", "--out", tmp_path / "p.csv"]):
        assert main([str(a) for a in argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        errors.append(err)
    assert errors[0] == errors[1], errors         # the same line, the same words
    assert "rows.csv, line 3: " in errors[1] and "but the header has 3" in errors[1]
    assert not (tmp_path / "p.csv").exists()
