"""The command line on real-shaped CSV files: no preprocessing, scores in the target's units, predict that
reads files as training did and scores them when the target column is there."""

import re
from pathlib import Path

import pytest

from bpstudio.cli import main

TABULAR = Path(__file__).parent / "data" / "tabular"
PENGUINS, WEATHER = TABULAR / "penguins.csv", TABULAR / "seattle-weather.csv"


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def percent(text, label):
    return float(re.search(rf"{label}\s+accuracy ([\d.]+) %", text).group(1))


@pytest.fixture(scope="module")
def penguins_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("penguins")
    assert main(["train", str(PENGUINS), "--target", "species", "--quiet", "--export", str(folder / "p.npz"),
                 "--export", str(folder / "p.onnx")]) == 0
    return folder


def test_penguins_train_without_preprocessing_to_95_percent(capsys):
    status, out, err = run(capsys, "train", PENGUINS, "--target", "species", "--quiet")
    assert status == 0 and percent(out, "validation") >= 95 and percent(out, "train") >= 95
    assert "note: filled with the training split's median" in err and "'sex' 11" in err
    assert "10 features, 3 classes" in err                 # island → 3, sex → 2, five numbers
    assert re.search(r"Chinstrap\s+[\d.]+ %\s+[\d.]+ %\s+\d+", out) and "confusion matrix" in out


def test_predict_reports_accuracy_when_the_file_has_the_target(capsys, penguins_model, tmp_path):
    for model in ("p.npz", "p.onnx"):
        status, out, err = run(capsys, "predict", penguins_model / model, PENGUINS, "--out", tmp_path / "pred.csv")
        assert status == 0 and out == ""
        assert "scores on the 344 rows with a target:" in err and float(
            re.search(r"accuracy ([\d.]+) %", err).group(1)) >= 95
        lines = (tmp_path / "pred.csv").read_text().splitlines()
        assert lines[0] == "predicted,p(Adelie),p(Chinstrap),p(Gentoo)" and len(lines) == 345


def test_predict_warns_on_unseen_categories_and_handles_missing_cells(capsys, penguins_model, tmp_path):
    new = tmp_path / "new.csv"
    new.write_text("year,sex,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\r\n"
                   "2008,female,Atlantis,39,18,190,3700\r\n2008,NA,Biscoe,?,NA,,5000\r\n")
    status, out, err = run(capsys, "predict", penguins_model / "p.npz", new)
    assert status == 0 and len(out.splitlines()) == 3 and "scores" not in err
    assert "warning: new.csv, line 2, column 'island': category 'Atlantis' was not in the training data — encoded as all " \
           "zeros" in err and "note: filled with the values learned in training in 1 rows" in err
    status, out, err = run(capsys, "predict", penguins_model / "p.npz", new, "--drop-missing")
    assert status == 0 and len(out.splitlines()) == 2 and "note: left out 1 rows with missing inputs" in err


def test_predict_without_a_column_names_it(capsys, penguins_model, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("island,bill_length_mm\nBiscoe,40\n")
    status, _, err = run(capsys, "predict", penguins_model / "p.npz", bad)
    assert status == 2 and "bad.csv, line 1: no column named 'bill_depth_mm' — the model reads the columns island" in err


@pytest.mark.parametrize("target, expect", [("weather", r"validation\s+accuracy"),
                                            ("temp_max", r"validation\s+temp_max: R² 0\.\d+, RMSE [\d.]+, MAE")])
def test_seattle_weather_trains_for_a_class_and_a_temperature(capsys, target, expect):
    status, out, err = run(capsys, "train", WEATHER, "--target", target, "--quiet", "--dates", "expand",
                           "--test-split", "0.1", "--patience", "15", "--epochs", "150", "--l2", "1e-4",
                           "--lr-decay", "0.999", "--init", "xavier", "--betas", "0.9,0.99")
    assert status == 0 and re.search(expect, out) and "test " in out, out
    if target == "temp_max":
        r2 = float(re.search(r"validation\s+temp_max: R² ([\d.]+)", out).group(1))
        rmse = float(re.search(r"validation\s+temp_max: R² [\d.]+, RMSE ([\d.]+)", out).group(1))
        assert r2 > 0.85 and rmse < 3.0 and "target's own units" in out
    else:
        assert percent(out, "validation") > 75


def test_dates_are_left_out_with_a_notice_by_default(capsys):
    status, _, err = run(capsys, "train", WEATHER, "--epochs", "2", "--quiet", "--momentum", "0.5",
                         "--optimizer", "momentum")
    assert status == 0 and "note: left out column 'date': dates" in err and "4 features, 5 classes" in err
