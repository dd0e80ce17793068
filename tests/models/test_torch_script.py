"""The .py export as a way out to PyTorch and back: the script continues bpstudio's run exactly (one
process, torchrun with gloo, every optimizer's state), writes a bpstudio model file, refuses weights
that are not its own, and never runs text from the model or its file name.

Tests that run the script need PyTorch (optional: skipped without it); each script run imports
torch in a subprocess (seconds), so each test runs the script as few times as it can.
"""

import ast
import csv
import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import bpstudio
from bpstudio.cli import main as bpstudio_main
from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.dataset import Dataset, prepare
from bpstudio.core.io import training_state
from bpstudio.core.io.export_torch import literal
from bpstudio.core.io.model import Model

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is optional (pip install torch)")
HOSTILE_NAME = 'a"""+__import__("os").system("touch PWNED")+"""b.py'
TOLERANCE = 1e-9


# --- a run in bpstudio, exported, and its data as a CSV file ------------------------------------


def _dataset(kind, n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 200.0] + [0.5, 5.0, -50.0]
    if kind == "regression":
        return Dataset(X, (X[:, :1] * 3 + X[:, 1:2] - 7), "regression", ["a", "b", "c"], target_names=["price"])
    labels = (X[:, 0] > 0.5).astype(int) + (X[:, 1] > 5)
    return Dataset(X, np.eye(3)[labels], "classification", ["a", "b", "c"], ["p", "q", "r"])


class Run:
    """``epochs`` epochs of bpstudio training on every sample (no validation split), exported as
    ``folder/name`` with its run; ``train.csv`` holds the raw training rows in the run's order."""

    def __init__(self, folder, kind="classification", epochs=2, name="model.py", **settings):
        self.folder, self.kind = folder, kind
        self.dataset = ds = _dataset(kind)
        self.data = prepare(ds, "standard", val_fraction=0.0, seed=0)
        cost = "cross_entropy" if kind == "classification" else "mse"
        self.config = TrainConfig(**{"learning_rate": 0.1, "batch_mode": "full", "cost": cost,
                                     "optimizer": "sgd", "epochs": epochs, **settings})
        self.net, self.trainer = self.train(epochs)
        model = Model.from_prepared(self.net, self.data, self.config, self.trainer.history)
        model.training_state = training_state.of_trainer(self.trainer)
        self.script = folder / name
        bpstudio.save_model(model, self.script)
        self.csv = self.write_csv(folder / "train.csv")

    def train(self, epochs):
        """A fresh network trained ``epochs`` epochs (bpstudio's reference run)."""
        out = "softmax" if self.kind == "classification" else "linear"
        net = Network([3, 5, 4, self.dataset.n_outputs], ["tanh", "leaky_relu", out], seed=1)
        trainer = Trainer(net, TrainConfig(**{**self.config.to_dict(), "epochs": epochs}))
        trainer.fit(self.data.X_train, self.data.Y_train)
        return net, trainer

    def write_csv(self, path):
        ds = self.dataset
        rows = ds.split_indices([0.0, 0.0], 0)[0]   # the training rows, in prepare's order
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*ds.feature_names, "label" if ds.is_classification else "price"])
            for i in rows:
                y = ds.class_names[ds.labels[i]] if ds.is_classification else repr(float(ds.Y[i, 0]))
                writer.writerow([repr(float(x)) for x in ds.X[i]] + [y])
        return path


def _env(tmp_path):
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "OMP_NUM_THREADS": "1",
            "PYTHONPATH": os.pathsep.join(sys.path)}


_DRIVER = """
import contextlib, io, json, runpy, sys
results = []
for script, run_name, *argv in json.loads(sys.argv[1]):
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = [script, *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(script, run_name=run_name)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:
            code = f"{type(e).__name__}: {e}"
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _scripts(tmp_path, *runs):
    """Run the scripts ``(script, arguments…)`` in one process (torch is imported once); each as
    ``__main__``, or imported when its first argument is "import". [(exit status, stdout, stderr)]."""
    jobs = [[str(script), "imported"] if args == ["import"] else [str(script), "__main__", *map(str, args)]
            for script, *args in map(tuple, runs)]
    done = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(jobs)], capture_output=True, text=True,
                          timeout=600, env=_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return [tuple(result) for result in json.loads(done.stdout.splitlines()[-1])]


def _script(tmp_path, script, *args, timeout=300):
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=_env(tmp_path), cwd=tmp_path)


def _same_as_bpstudio(run, path, epochs):
    """The model file at ``path`` holds the weights and history of ``epochs`` bpstudio epochs."""
    net, trainer = run.train(epochs)
    model = bpstudio.load_model(path)
    np.testing.assert_allclose(model.network.params, net.params, rtol=0, atol=TOLERANCE)
    history = model.training_state["history"]
    np.testing.assert_allclose(history["train_cost"], list(trainer.history.train_cost), rtol=TOLERANCE)
    assert history["epoch"] == list(range(1, epochs + 1)) and model.history["epochs"] == epochs
    return model


# --- continuing exactly ---------------------------------------------------------------------------


@needs_torch
def test_three_epochs_in_the_script_after_two_in_bpstudio_are_five_in_bpstudio(tmp_path):
    run = Run(tmp_path, l2=0.01, lr_decay=0.9)
    done = _script(tmp_path, run.script, "train", run.csv, "--epochs", 3, "--out", tmp_path / "new.safetensors")
    assert done.returncode == 0, done.stderr
    assert re.findall(r"^epoch (\d+) \((\d)/3\)  cost [\d.]+", done.stdout, re.M) == [("3", "1"), ("4", "2"), ("5", "3")]
    assert "saved" in done.stderr and "Traceback" not in done.stderr
    model = _same_as_bpstudio(run, tmp_path / "new.safetensors", 5)
    assert model.config.l2 == 0.01 and model.feature_names == ["a", "b", "c"] and model.class_names == ["p", "q", "r"]
    # … and it is a bpstudio model file everywhere: the API, `bpstudio predict`, strict loading of its weights.
    X = run.dataset.X[:5]
    np.testing.assert_allclose(model.predict(X), run.train(5)[0].predict(model.x_scaler.transform(X)), atol=TOLERANCE)
    assert bpstudio_main(["predict", str(tmp_path / "new.safetensors"), str(run.csv), "--out", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p.csv").read_text().splitlines()[0] == "predicted,p(p),p(q),p(r)"


@needs_torch
def test_torchrun_with_two_processes_takes_the_same_steps(tmp_path):
    run = Run(tmp_path, kind="regression", l2=0.01, lr_decay=0.9)
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(run.script), "train", str(run.csv), "--epochs", "3", "--out", "ddp.safetensors",
                           "--device", "cpu", "--quiet"],
                          capture_output=True, text=True, timeout=300, env=_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "on cpu (2 processes, 1 thread each)" in done.stderr and done.stdout.count("epoch ") == 3   # rank 0 reports, once
    _same_as_bpstudio(run, tmp_path / "ddp.safetensors", 5)


@needs_torch
def test_the_optimizer_state_and_the_shuffling_continue_in_the_script(tmp_path):
    """Mini-batches of 16 (the last one 12), shuffled every epoch: the script must continue bpstudio's
    momentum or Adam buffers, step count and sample order to take the same steps."""
    runs = {}
    for optimizer, kind in (("momentum", "classification"), ("adam", "regression")):
        (tmp_path / optimizer).mkdir()
        runs[optimizer] = Run(tmp_path / optimizer, kind=kind, optimizer=optimizer, batch_mode="mini-batch",
                              batch_size=16, learning_rate=0.01, l2=0.001)
    results = _scripts(tmp_path, *[(run.script, "train", run.csv, "--epochs", 3, "--out",
                                    run.folder / "new.safetensors", "--device", "cpu") for run in runs.values()])
    for (code, out, err), run in zip(results, runs.values()):
        assert code == 0, err
        model = _same_as_bpstudio(run, run.folder / "new.safetensors", 5)
        assert model.training_state["optimizer"]["t"] == 5 * 4   # 4 updates an epoch
        # back in bpstudio, the run goes on exactly too
        config = TrainConfig(**{**run.config.to_dict(), "epochs": 6})
        trainer = training_state.resume(Trainer(model.network, config), model.training_state)
        trainer.fit(run.data.X_train, run.data.Y_train)
        np.testing.assert_allclose(model.network.params, run.train(6)[0].params, rtol=0, atol=TOLERANCE)


@needs_torch
def test_cuda_device(tmp_path):
    import torch
    if not torch.cuda.is_available():
        pytest.skip("no GPU here (the refusal of --device cuda is checked in test_the_scripts_guards)")
    run = Run(tmp_path)
    done = _script(tmp_path, run.script, "train", run.csv, "--epochs", 3, "--out", tmp_path / "gpu.safetensors",
                   "--device", "cuda")
    assert done.returncode == 0, done.stderr
    model = bpstudio.load_model(tmp_path / "gpu.safetensors")
    np.testing.assert_allclose(model.network.params, run.train(5)[0].params, rtol=0, atol=1e-7)


@needs_torch
def test_ctrl_c_stops_after_the_batch_and_saves(tmp_path):
    run = Run(tmp_path, batch_mode="stochastic")
    process = subprocess.Popen([sys.executable, str(run.script), "train", str(run.csv), "--epochs", "100000",
                                "--out", "new.safetensors"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env(tmp_path), cwd=tmp_path)
    try:
        assert process.stdout.readline().startswith("epoch 3 ")   # training runs
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "stopped by Ctrl-C" in err and "Traceback" not in err
    model = bpstudio.load_model(tmp_path / "new.safetensors")
    assert model.history["epochs"] >= 3 and model.history["stop_reason"] == "stopped"


def _penguins(path, n=80):
    """A CSV shaped like real data: a category column, numbers with NA / ? / empty cells, ISO and
    slashed dates (one with a time), text classes, Windows line ends."""
    rng = np.random.default_rng(2)
    islands, species = np.array(["Biscoe", "Dream", "Torgersen"]), np.array(["Adelie", "Gentoo", "Chinstrap"])
    lines = ["island,bill_mm,flipper_mm,seen,species"]
    for i in range(n):
        island = rng.integers(0, 3)
        bill = f"{35 + 10 * rng.random() + 3 * island:.1f}" if i % 9 else ["NA", "?", ""][i % 3]
        flipper = f"{180 + 30 * rng.random():.0f}"
        day = f"2009-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 5 else f"2008/{1 + i % 12}/{1 + i % 28} 10:30"
        lines.append(f"{islands[island]},{bill},{flipper},{day},{species[(island + (i % 7 == 0)) % 3]}")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@needs_torch
def test_a_model_that_encodes_categories_missing_cells_and_dates_continues_exactly(tmp_path):
    from bpstudio.core.data.loading import load_dataset

    raw = _penguins(tmp_path / "penguins.csv")
    ds = load_dataset(raw, dates="expand")
    assert ds.table is not None
    data = prepare(ds, "standard", val_fraction=0.0, seed=0)
    assert data.encoder.width == 3 + 1 + 1 + 3
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=16, cost="cross_entropy",
                         optimizer="momentum", epochs=2, l2=0.001)

    def bpstudio_run(epochs):
        net = Network([8, 6, 3], ["tanh", "softmax"], seed=3)
        trainer = Trainer(net, TrainConfig(**{**config.to_dict(), "epochs": epochs}))
        trainer.fit(data.X_train, data.Y_train)
        return net, trainer

    net, trainer = bpstudio_run(2)
    model = Model.from_prepared(net, data, config, trainer.history)
    model.training_state = training_state.of_trainer(trainer)
    bpstudio.save_model(model, tmp_path / "penguins.py")
    rows = raw.read_text(encoding="utf-8").splitlines()   # the training rows, in prepare's order
    (tmp_path / "train.csv").write_text("\n".join([rows[0]] + [rows[1 + i] for i in ds.split_indices([0.0, 0.0], 0)[0]]))
    (tmp_path / "new.csv").write_text("island,bill_mm,flipper_mm,seen\nAtlantis,40.1,NA,2010-03-01\n", encoding="utf-8")
    trained, predicted = _scripts(tmp_path, (tmp_path / "penguins.py", "train", "train.csv", "--epochs", 3,
                                             "--out", "new.safetensors"),
                                  (tmp_path / "penguins.py", "predict", "new.csv"))
    assert trained[0] == 0, trained[2]
    new = bpstudio.load_model(tmp_path / "new.safetensors")
    np.testing.assert_allclose(new.network.params, bpstudio_run(5)[0].params, rtol=0, atol=TOLERANCE)
    assert new.encoder.to_dict() == model.encoder.to_dict() and new.target_column == "species"
    # an unseen category is all zeros (and said), a missing number takes the training median: as in bpstudio
    assert predicted[0] == 0 and "category 'Atlantis' was not in the training data" in predicted[2]
    probabilities = [float(p) for p in predicted[1].splitlines()[1].split(",")[1:]]
    np.testing.assert_allclose(probabilities, model.predict([["Atlantis", 40.1, None, "2010-03-01"]],
                                                            on_unseen=lambda *a: None)[0], atol=1e-6)  # printed to 6 digits


# --- the way back into the app ----------------------------------------------------------------------


def test_a_saved_run_resumes_in_a_bpstudio_trainer_like_one_that_never_stopped(tmp_path):
    """No torch: the training state a model file carries (header and buffers) continues in bpstudio."""
    run = Run(tmp_path, optimizer="adam", batch_mode="mini-batch", batch_size=16, learning_rate=0.01)
    model = bpstudio.load_model(tmp_path / "model.safetensors")      # the .py export's weights
    assert model.training_state["optimizer"]["t"] == 8
    trainer = training_state.resume(Trainer(model.network, TrainConfig(**{**run.config.to_dict(), "epochs": 4})),
                                    model.training_state)
    trainer.fit(run.data.X_train, run.data.Y_train)
    net, reference = run.train(4)
    np.testing.assert_array_equal(model.network.params, net.params)
    assert trainer.history.train_cost == reference.history.train_cost and len(trainer.history) == 4


def test_a_plain_safetensors_export_still_loads_strictly(tmp_path):
    """Only the .py export's weights carry optimizer tensors; other .safetensors hold the state dict alone."""
    from safetensors.numpy import load_file

    run = Run(tmp_path, optimizer="adam")
    model = bpstudio.load_model(tmp_path / "model.safetensors")
    assert any(key.startswith("optimizer.exp_avg.") for key in load_file(tmp_path / "model.safetensors"))
    bpstudio.save_model(model, tmp_path / "plain.safetensors")
    assert sorted(load_file(tmp_path / "plain.safetensors")) == ["0.bias", "0.weight", "2.bias", "2.weight",
                                                                  "4.bias", "4.weight"]
    again = bpstudio.load_model(tmp_path / "plain.safetensors")
    assert again.training_state["optimizer"]["t"] == 0   # without its buffers, Adam restarts
    assert again.training_state["history"]["train_cost"] == model.training_state["history"]["train_cost"]
    assert run.config.optimizer == "adam"


# --- the script's own guards ----------------------------------------------------------------------


@needs_torch
def test_the_scripts_guards(tmp_path):
    """Weights from another export are refused (run or imported); --weights takes another model file of
    the network; --help; bad data and an unavailable device are one error line naming what and where."""
    import torch

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = Run(tmp_path / "a"), Run(tmp_path / "b", learning_rate=0.2)
    (tmp_path / "a" / "model.safetensors").write_bytes((tmp_path / "b" / "model.safetensors").read_bytes())
    bad, zebra = tmp_path / "bad.csv", tmp_path / "zebra.csv"
    bad.write_text("a,b,c,label\n1,2,3,p\n4,NA,6,q\n", encoding="utf-8")
    zebra.write_text("a,b,c,label\r\n1,2,3,p\r\n4,5,6,zebra\r\n", encoding="utf-8")
    new = tmp_path / "n.safetensors"
    (tmp_path / "folder.safetensors").mkdir()
    gaps = tmp_path / "gaps.csv"   # a blank line and a row without a target: left out, as bpstudio does
    lines = b.csv.read_text().splitlines()
    gaps.write_text("\n".join([*lines[:3], "", lines[3].rsplit(",", 1)[0] + ",NA", *lines[4:]]) + "\n")
    mismatch, imported, other, helped, missing, unknown, cuda, nowhere, folder, gap = _scripts(
        tmp_path, (a.script, "predict", a.csv), (a.script, "import"),
        (a.script, "predict", a.csv, "--weights", b.folder / "model.safetensors"), (b.script, "train", "--help"),
        (b.script, "train", bad, "--epochs", 1, "--out", new), (b.script, "train", zebra, "--epochs", 1, "--out", new),
        (b.script, "train", b.csv, "--epochs", 1, "--out", new, "--device", "cuda"),
        (b.script, "train", b.csv, "--epochs", 1, "--out", tmp_path / "no" / "n.safetensors"),
        (b.script, "train", b.csv, "--epochs", 1, "--out", tmp_path / "folder.safetensors"),
        (b.script, "train", gaps, "--epochs", 1, "--out", new, "--device", "cpu"))
    assert mismatch[:2] == (2, "") and mismatch[2].count("\n") == 1 and mismatch[2].startswith("error: ")
    assert "model.safetensors: these are not the weights this script was exported with" in mismatch[2]
    assert imported[0].startswith("Refused: ") and "not the weights this script was exported with" in imported[0]
    assert other[0] == 0, other[2]
    assert other[1].splitlines()[0] == "predicted,p(p),p(q),p(r)" and len(other[1].splitlines()) == 61
    assert helped[0] == 0 and "--device {auto,cpu,cuda}" in helped[1] and "--epochs N" in helped[1]
    assert missing == (2, "", f"error: {bad}: line 3, column 2 (b): missing (fill or remove it, or pass --drop-missing)\n")
    assert unknown[0] == 2 and unknown[2] == (f"error: {zebra}: line 3, column 4 (label): class 'zebra' is not one "
                                              f"of the model's classes (p, q, r)\n")
    if not torch.cuda.is_available():
        assert cuda == (2, "", "error: --device cuda: no CUDA device is available to PyTorch here (use --device cpu)\n")
    assert nowhere == (2, "", f"error: --out {tmp_path / 'no' / 'n.safetensors'}: cannot write in the folder "
                              f"{tmp_path / 'no'}: No such file or directory\n")
    assert folder[0] == 2 and "not a regular file" in folder[2] and (tmp_path / "folder.safetensors").is_dir()
    assert gap[0] == 0 and f"{gaps}: left out 1 row with a missing target" in gap[2]
    assert "59 samples" in gap[2] and bpstudio.load_model(new).history["epochs"] == 3


def test_the_script_names_the_package_it_misses(tmp_path):
    """No torch needed: the script is run with torch made unimportable."""
    run = Run(tmp_path)
    code = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = [sys.argv[1], '--help']; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code, str(run.script)], capture_output=True, text=True,
                          timeout=60, env=_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr == ("error: this script needs the Python package 'torch' (it uses torch, numpy and "
                           "safetensors): pip install torch numpy safetensors\n")


# --- nothing from the model or its file name becomes code ------------------------------------------

NASTY = ['"""', "'''", "\\", "\n", '"); import os; os.system("touch PWNED")  #', "\\N{bad}", "{0}", "é€"]


def test_every_exported_value_is_a_literal(tmp_path):
    """Names with quotes, backslashes and newlines land in the script as data: its constants are literals
    (no call, no name) equal to the model's values, and the rest of the script is the template's."""
    from bpstudio.core.data.preprocessing import Scaler

    X = np.random.default_rng(0).normal(size=(10, 3))
    net = Network([3, 4, 3], ["tanh", "softmax"], seed=0)
    model = Model(net, Scaler("standard").fit(X), None, "classification", NASTY[:3], NASTY[3:6])
    bpstudio.save_model(model, tmp_path / HOSTILE_NAME)
    text = (tmp_path / HOSTILE_NAME).read_text(encoding="utf-8")
    tree = ast.parse(text)
    constants = {node.targets[0].id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 and node.targets[0].id in ("WEIGHTS_FILE", "WEIGHTS_SHA256", "METADATA", "SETTINGS")}
    for value in constants.values():
        assert not [n for n in ast.walk(value) if isinstance(n, (ast.Call, ast.Name, ast.Attribute))]
    values = {name: ast.literal_eval(node) for name, node in constants.items()}
    weights = tmp_path / 'a"""+__import__("os").system("touch PWNED")+"""b.safetensors'
    assert values["WEIGHTS_FILE"] == weights.name
    assert values["WEIGHTS_SHA256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert values["METADATA"]["feature_names"] == NASTY[:3] and values["METADATA"]["class_names"] == NASTY[3:6]
    template = (tmp_path / "t.py")
    template.write_text(re.sub(r"(?ms)^WEIGHTS_FILE = .*?(?=^# ---- end)", "", text), encoding="utf-8")
    from bpstudio.core.io.export_torch import TEMPLATE
    expected = re.sub(r"(?ms)^WEIGHTS_FILE = .*?(?=^# ---- end)", "", TEMPLATE.read_text(encoding="utf-8"))
    assert template.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("value", [*NASTY, 1e-300, -0.0, 2 ** 70, (0.9, 0.999), {"k": [None, True, "x"]}])
def test_literal_round_trips(value):
    assert ast.literal_eval(literal(value)) == value


@needs_torch
def test_a_hostile_file_name_runs_nothing(tmp_path):
    run = Run(tmp_path, name=HOSTILE_NAME)
    done = _script(tmp_path, run.script, "predict", run.csv, "--out", tmp_path / "p.csv")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "PWNED").exists() and not any(p.name == "PWNED" for p in tmp_path.rglob("*"))
    assert (tmp_path / "p.csv").read_text().startswith("predicted,p(p),p(q),p(r)\n")


# --- kill -9 while saving a .py ------------------------------------------------------------------------

_SAVE_FOREVER = """
import sys
import numpy as np
import bpstudio
from bpstudio.core import Network
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.io.model import Model
X = np.random.default_rng(0).normal(size=(10, 30))
for i in range(10 ** 9):   # versions A and B in turn, until killed
    net = Network([30, 200, 3], ["tanh", "softmax"], seed=i % 2)
    bpstudio.save_model(Model(net, Scaler("standard").fit(X), None, "classification", [], ["p", "q", "r"]),
                        sys.argv[1])
    print(i, flush=True)
"""


def test_kill_9_while_saving_a_py_never_leaves_a_pair_that_runs_together_wrongly(tmp_path):
    """The script and its weights are each whole, old or new; when they come from different saves
    the script's SHA-256 no longer matches, and the script refuses them (test above)."""
    path = tmp_path / "m.py"
    rng = np.random.default_rng(0)
    seen = {"match": 0, "mismatch": 0}
    for _ in range(10):
        process = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, str(path)], stdout=subprocess.PIPE,
                                   text=True, env=_env(tmp_path))
        process.stdout.readline()   # one complete save happened
        time.sleep(rng.uniform(0, 0.2))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        text = path.read_text(encoding="utf-8")
        ast.parse(text)   # whole
        sha = re.search(r"^WEIGHTS_SHA256 = '([0-9a-f]{64})'$", text, re.M).group(1)
        weights = path.with_suffix(".safetensors").read_bytes()
        bpstudio.load_model(path.with_suffix(".safetensors"))   # whole
        seen["match" if hashlib.sha256(weights).hexdigest() == sha else "mismatch"] += 1
    assert seen["match"] >= 1, seen
