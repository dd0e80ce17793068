"""The command line end to end: train, predict, export, datasets, and one clear line for each bad input."""

import csv
import subprocess
import sys
import types

import numpy as np
import pytest

import bpstudio
from bpstudio.cli import main


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A gaussians (3 classes) model exported as .npz, trained once for the whole module."""
    folder = tmp_path_factory.mktemp("cli")
    assert main(["train", "gaussians", "--epochs", "5", "--layers", "8", "--seed", "1", "--quiet",
                 "--export", str(folder / "g.npz")]) == 0
    return folder / "g.npz"


def test_train_prints_progress_and_summary_and_exports(capsys, tmp_path):
    status, out, err = run(capsys, "train", "moons", "--epochs", "4", "--layers", "6,4", "--batch-size", "16",
                           "--export", tmp_path / "m.onnx", "--export", tmp_path / "m.json")
    assert status == 0
    assert "epoch 4/4" in err and "cost " in err                      # the progress bar, on stderr
    assert "epochs       4 (completed)" in out
    assert "train        accuracy" in out and "samples/s" in out and "validation" in out
    onnx_model, json_model = bpstudio.load_model(tmp_path / "m.onnx"), bpstudio.load_model(tmp_path / "m.json")
    X = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_allclose(onnx_model.predict(X), json_model.predict(X), rtol=1e-5, atol=1e-6)
    assert json_model.network.sizes == (2, 6, 4, 2)   # two classes: softmax over two outputs, as in the app


@pytest.mark.parametrize("data, output, cost, n_out", [
    ("moons", "softmax", "cross_entropy", 2), ("gaussians", "softmax", "cross_entropy", 3), ("sine", "linear", "mse", 1)])
def test_output_activation_and_cost_default_from_the_task(capsys, tmp_path, data, output, cost, n_out):
    status, _, _ = run(capsys, "train", data, "--epochs", "1", "--quiet", "--export", tmp_path / "m.npz")
    model = bpstudio.load_model(tmp_path / "m.npz")
    assert status == 0
    assert (model.network.activations[-1], model.config.cost, model.network.sizes[-1]) == (output, cost, n_out)


def test_options_reach_the_network_and_config(capsys, tmp_path):
    status, _, _ = run(capsys, "train", "xor", "--layers", "5", "--activation", "relu", "--optimizer", "momentum",
                       "--lr", "0.2", "--batch-mode", "full", "--epochs", "2", "--scale", "minmax", "--quiet",
                       "--output-activation", "softmax", "--export", tmp_path / "m.json")
    model = bpstudio.load_model(tmp_path / "m.json")
    assert status == 0
    assert model.network.activations == ("relu", "softmax") and model.network.sizes == (2, 5, 2)
    c = model.config
    assert (c.optimizer, c.learning_rate, c.batch_mode, c.epochs, c.cost) == ("momentum", 0.2, "full", 2, "cross_entropy")
    assert model.x_scaler.kind == "minmax" and model.history["epochs"] == 2


def test_predict_writes_a_csv_of_classes_and_probabilities(capsys, tmp_path, trained):
    model = bpstudio.load_model(trained)
    X = np.random.default_rng(1).normal(size=(6, 2))
    with open(tmp_path / "points.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["note", *reversed(model.feature_names)])  # columns are matched by name, not position
        writer.writerows([["r", x[1], x[0]] for x in X])
    status, _, err = run(capsys, "predict", trained, tmp_path / "points.csv", "--out", tmp_path / "pred.csv")
    assert status == 0 and "wrote 6 predictions" in err
    rows = list(csv.reader((tmp_path / "pred.csv").read_text().splitlines()))
    assert rows[0] == ["predicted"] + [f"p({c})" for c in model.class_names]
    assert [r[0] for r in rows[1:]] == [model.class_names[i] for i in model.predict_classes(X)]
    np.testing.assert_allclose(np.array(rows[1:])[:, 1:].astype(float), model.predict(X), rtol=1e-5)


def test_predict_regression_to_stdout(capsys, tmp_path):
    run(capsys, "train", "sine", "--epochs", "2", "--quiet", "--export", tmp_path / "s.safetensors")
    np.savez(tmp_path / "x.npz", X=np.array([[0.0], [1.5]]))
    status, out, _ = run(capsys, "predict", tmp_path / "s.safetensors", tmp_path / "x.npz")
    model = bpstudio.load_model(tmp_path / "s.safetensors")
    lines = out.splitlines()
    assert status == 0 and lines[0] == model.target_names[0] and len(lines) == 3
    np.testing.assert_allclose([float(v) for v in lines[1:]], model.predict([[0.0], [1.5]])[:, 0], rtol=1e-6)


def test_export_converts_between_formats(capsys, tmp_path, trained):
    status, _, err = run(capsys, "export", trained, tmp_path / "g.onnx")
    assert status == 0 and "saved" in err
    X = np.random.default_rng(2).normal(size=(5, 2))
    np.testing.assert_allclose(bpstudio.load_model(tmp_path / "g.onnx").predict(X),
                               bpstudio.load_model(trained).predict(X), rtol=1e-5, atol=1e-6)


def test_datasets_lists_the_built_ins_with_descriptions(capsys):
    status, out, _ = run(capsys, "datasets")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert status == 0 and {"xor", "moons", "spirals", "sine"} <= set(lines)
    assert "classification" in lines["moons"] and len(lines["moons"].split()) > 5


def _bad_files(tmp_path):
    (tmp_path / "garbage.onnx").write_bytes(b"\x00not an onnx model")
    (tmp_path / "bad.csv").write_text("x1,x2\n0.5,1\n0.1,zz\n")
    (tmp_path / "short.csv").write_text("x1\n0.5\n")
    (tmp_path / "houses.csv").write_text("rooms,price\n3,100\nmany,110\n5,120\n")
    return tmp_path


@pytest.mark.parametrize("argv, message", [
    (["predict", "{tmp}/garbage.onnx", "{tmp}/bad.csv"], "garbage.onnx: not a readable .onnx model file"),
    (["predict", "{model}", "{tmp}/bad.csv"], "bad.csv, line 3, column 'x2' (column 2): 'zz' is not a number"),
    (["predict", "{model}", "{tmp}/short.csv"], "short.csv, line 1: no column named 'x2' — the model reads the columns x1, x2"),
    (["predict", "{tmp}/missing.npz", "moons"], "missing.npz: no such file"),
    (["export", "{model}", "{tmp}/out.txt"], "cannot save .txt; supported: .npz"),
    (["train", "moonz"], "unknown dataset 'moonz'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["train", "moons", "--lr", "-0.1"], "argument --lr: must be a finite number > 0, got '-0.1'"),
    (["train", "moons", "--lr", "nan"], "argument --lr: must be a finite number > 0, got 'nan'"),
    (["train", "moons", "--epochs", "0"], "argument --epochs: must be a whole number ≥ 1, got '0'"),
    (["train", "moons", "--batch-size", "0"], "argument --batch-size: must be a whole number ≥ 1, got '0'"),
    (["train", "moons", "--layers", "16,,x"], "argument --layers: '16,,x' is not a comma-separated list"),
    (["train", "moons", "--layers", "16,0"], "argument --layers: '16,0' is not a comma-separated list"),
    (["train", "moons", "--cost", "bce", "--output-activation", "softmax"], "cost 'bce' needs a sigmoid output"),
    (["train", "moons", "--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
    (["train", "moons", "--export", "{tmp}/m.h5"], "argument --export: {tmp}/m.h5: cannot save .h5"),
    (["train", "moons", "--export", "{tmp}/no/such/m.npz"], "the folder {tmp}/no/such does not exist"),
    (["train", "{tmp}/houses.csv", "--target", "price"], "houses.csv, line 3, column 'rooms'"),
    (["train", "{tmp}/houses.csv", "--target", "prize"], "prize"),
    (["train", "{tmp}/houses.csv", "--samples", "10"], "houses.csv: n_samples and noise only apply to generated"),
    (["train", "{tmp}/houses.csv", "--impute", "--drop-missing"], "not allowed with argument --impute"),
    (["train", "moons", "--betas", "0.9"], "argument --betas: must be two numbers in [0, 1)"),
    (["train", "moons", "--lr-decay", "0"], "argument --lr-decay: must be a number in (0, 1]"),
    (["train", "moons", "--val-split", "0", "--patience", "5"], "early stopping needs a validation split"),
    (["train", "moons", "--init", "zeros"], "argument --init: invalid choice: 'zeros'"),
])
def test_bad_input_gives_one_error_line_and_status_2(capsys, tmp_path, trained, argv, message):
    folder = _bad_files(tmp_path)
    argv = [a.format(tmp=folder, model=trained) for a in argv]
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message.format(tmp=folder) in err, err


def test_training_that_diverges_exits_with_status_1_and_says_why(capsys):
    status, out, _ = run(capsys, "train", "sine", "--lr", "1000", "--optimizer", "sgd", "--quiet")
    assert status == 1 and "diverged at epoch" in out and "learning rate is probably too high" in out


def test_train_and_predict_on_a_csv_file(capsys, tmp_path):
    rng = np.random.default_rng(4)
    X = rng.uniform(0, 10, size=(60, 2))
    price = 3 * X[:, 0] - X[:, 1] + 50
    lines = ["rooms,age,price"] + [f"{a:.3f},{b:.3f},{p:.3f}" for (a, b), p in zip(X, price)]
    (tmp_path / "houses.csv").write_text("\n".join(lines) + "\n")
    status, out, _ = run(capsys, "train", tmp_path / "houses.csv", "--target", "price", "--epochs", "30",
                         "--lr", "0.05", "--quiet", "--export", tmp_path / "houses.json")
    assert status == 0 and "accuracy" not in out
    model = bpstudio.load_model(tmp_path / "houses.json")
    assert model.task == "regression" and model.feature_names == ["rooms", "age"] and model.target_names == ["price"]
    status, out, _ = run(capsys, "predict", tmp_path / "houses.json", tmp_path / "houses.csv")
    predicted = np.array([float(v) for v in out.splitlines()[1:]])
    assert status == 0 and len(predicted) == 60
    assert np.mean(np.abs(predicted - price)) < 0.3 * np.std(price)  # it learned something, in dollars not z-scores


def test_predict_on_a_built_in_dataset(capsys, trained):
    status, out, _ = run(capsys, "predict", trained, "gaussians")
    assert status == 0 and out.startswith("predicted,p(") and len(out.splitlines()) > 100


def test_the_installed_entry_point_never_shows_a_traceback(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "bpstudio", "train", "moons", "--lr", "nan"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    version = subprocess.run([sys.executable, "-m", "bpstudio", "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"bpstudio {bpstudio.__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["predict", "--help"], ["export", "--help"],
                                  ["datasets", "--help"]])
def test_help_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0 and "usage: bpstudio" in capsys.readouterr().out


def test_no_command_opens_the_app_with_the_app_flags(monkeypatch):
    seen = []
    fake_app = types.ModuleType("bpstudio.ui.app")
    fake_app.main = lambda argv=None: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "bpstudio.ui.app", fake_app)
    assert main([]) == 0 and main(["--screenshot", "shot.png", "--size", "800x600"]) == 0
    assert seen == [[], ["--screenshot", "shot.png", "--size", "800x600"]]


def test_app_that_cannot_load_gives_one_error_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "bpstudio.ui.app", None)
    status, _, err = run(capsys, "--dataset", "moons")
    assert status == 2 and err.startswith("error: the desktop app cannot start") and err.count("\n") == 1


def test_data_options_reach_the_loader(capsys, tmp_path):
    status, _, err = run(capsys, "train", "moons", "--samples", "80", "--noise", "0.3", "--epochs", "1", "--quiet")
    assert status == 0 and "moons: 80 samples" in err
    (tmp_path / "h.csv").write_text("id,rooms,age,price\na,3,1,100\nb,4,2,110\nc,5,,120\nd,6,3,125\ne,2,2,90\n")
    status, _, err = run(capsys, "train", tmp_path / "h.csv", "--target", "price", "--ignore", "id", "--drop-missing",
                         "--task", "regression", "--epochs", "1", "--quiet")
    assert status == 0 and "4 samples, 2 features, 1 target(s)" in err


def test_ctrl_c_stops_training_and_still_exports(tmp_path):
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "bpstudio", "train", "digits", "--epochs", "100000", "--export", str(tmp_path / "d.npz")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while "epoch 1/" not in seen:  # wait until training has started
            chunk = process.stderr.read(20)
            assert chunk, "training ended before it could be interrupted"
            seen += chunk
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "(stopped)" in out and "saved" in err
    assert bpstudio.load_model(tmp_path / "d.npz").history["stop_reason"] == "stopped"
