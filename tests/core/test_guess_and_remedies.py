"""The target guessed as a person would (the app's import dialog and the CLI share the rule), and each
surface naming its own remedy for a missing value."""

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core.data.guess import column_task, guess_target
from bpstudio.core.data.loading import inspect_csv, load_dataset
from bpstudio.core.data.dataset import DataError

PENGUINS = ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]
WEATHER = ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]


def penguin_rows(n=30, na=()):
    return [["Adelie Gentoo Chinstrap".split()[i % 3], "Biscoe", "NA" if i in na else f"{39 + i % 7}.1", "18.7", "181",
             "3750", "male", str(2007 + i % 3)] for i in range(n)]


@pytest.mark.parametrize("columns, rows, expected", [
    (PENGUINS, penguin_rows(), "species"),                                   # named, though first
    (WEATHER, [["2012-01-01", "0.0", "12.8", "5.0", "4.7", "drizzle"]] * 5, "weather"),
    (["id", "area", "price"], [[str(i), str(50 + i), str(900 + i)] for i in range(9)], "price"),
    (["area", "rooms", "sold_year"], [["50", "2", "2001"]] * 4, "rooms"),    # a time stamp is no target
    (["x1", "x2", "Label "], [["1", "2", "a"]] * 3, "Label "),
    (["a", "b", "row"], [[str(i), "1", str(i)] for i in range(5)], "b"),     # a row number is no target
    (["a", "b", "when"], [["1", "2", "3/4/2020"]] * 3, "b"),                # nor a date
    (["a", "year"], [["1", "2000"]] * 3, "a"),
])
def test_the_target_is_the_column_a_person_would_pick(columns, rows, expected):
    assert columns[guess_target(columns, rows)] == expected


def test_column_tasks_follow_the_values():
    rows = [["2012-01-01", "0.0", f"{10 + i * 0.7:.1f}", "5", "4.7", "rain"] for i in range(40)]
    assert [column_task(rows, j) for j in range(6)] == ["classification", "classification", "regression",
                                                       "classification", "regression", "classification"]
    assert column_task([["", "NA"]], 1) is None


def _write(path, columns, rows):
    path.write_text("\n".join(",".join(r) for r in [columns, *rows]) + "\n")
    return path


def test_the_cli_and_the_import_dialog_guess_the_same_target(tmp_path, capsys):
    path = _write(tmp_path / "penguins.csv", [c for c in PENGUINS if c not in ("island", "sex")],
                  [r[:1] + r[2:6] + r[7:] for r in penguin_rows()])
    assert inspect_csv(path).suggested_target == "species"
    ds = load_dataset(path)
    assert "species" not in ds.feature_names and ds.class_names == ["Adelie", "Chinstrap", "Gentoo"]
    assert main(["train", str(path), "--epochs", "1"]) == 0
    assert "error" not in capsys.readouterr().err


def test_each_surface_names_its_own_remedy_for_a_stray_word(tmp_path, capsys):
    rows = [[r[0], r[2], r[7]] for r in penguin_rows()]
    rows[4][1] = "oops"                                    # line 6 of the file
    path = _write(tmp_path / "penguins.csv", ["species", "bill_length_mm", "year"], rows)
    with pytest.raises(DataError) as caught:
        load_dataset(path)
    error = caught.value
    assert "line 6" in str(error) and "kinds={'bill_length_mm': 'category'}" in str(error)   # Python
    assert "--category 'bill_length_mm'" in error.told_to("cli") and "kinds=" not in error.told_to("cli")
    assert "Encoding of 'bill_length_mm'" in error.told_to("app") and "kinds=" not in error.told_to("app")
    assert main(["train", str(path), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: penguins.csv, line 6") and "--category 'bill_length_mm'" in err
    assert "kinds=" not in err and "Python" not in err


def test_each_surface_names_its_own_remedy_for_a_missing_value(tmp_path, capsys):
    path = tmp_path / "points.npz"
    X = np.arange(20.0).reshape(10, 2)
    X[3, 1] = np.nan
    np.savez(path, X=X, y=np.arange(10) % 2)
    with pytest.raises(DataError) as caught:
        load_dataset(path)
    error = caught.value
    assert "drop_missing=True" in str(error)
    assert "--drop-missing" in error.told_to("cli") and "drop_missing" not in error.told_to("cli")
    assert "drop_missing" not in error.told_to("app") and "--drop-missing" not in error.told_to("app")
    assert main(["train", str(path), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "--drop-missing" in err and "drop_missing=" not in err
    assert main(["train", str(path), "--epochs", "1", "--drop-missing"]) == 0
