"""The head rules (output activation and cost for a task) and reading a model's inputs from a CSV."""

import re

import numpy as np
import pytest

from bpstudio.core.data.csv_reader import read_for_model
from bpstudio.core.data.dataset import DataError
from bpstudio.core.data.loading import load_dataset
from bpstudio.core.nn.costs import COSTS
from bpstudio.core.nn.heads import check_pair, complete_head, cost_for_output, default_head, output_size

OUTPUTS = ("softmax", "sigmoid", "linear", "tanh", "relu", "leaky_relu")


@pytest.mark.parametrize("name, head", [
    ("moons", ("softmax", "cross_entropy")), ("gaussians", ("softmax", "cross_entropy")),
    ("breast_cancer", ("softmax", "cross_entropy")), ("sine", ("linear", "mse"))])
def test_default_head_follows_the_task(name, head):
    assert default_head(load_dataset(name)) == head


def test_a_single_0_1_column_gets_a_sigmoid_and_bce():
    one_column = load_dataset("moons")
    one_column = type(one_column)(one_column.X, one_column.Y[:, 1:], "classification", one_column.feature_names,
                                  ["yes"], ["yes"])
    assert default_head(one_column) == ("sigmoid", "bce")


@pytest.mark.parametrize("output, cost, expected", [
    (None, None, ("softmax", "cross_entropy")),
    ("sigmoid", None, ("sigmoid", "bce")), ("linear", None, ("linear", "mse")),
    (None, "bce", ("sigmoid", "bce")), (None, "mse", ("sigmoid", "mse")), ("tanh", "sse", ("tanh", "sse"))])
def test_complete_head_fills_in_what_was_not_given(output, cost, expected):
    assert complete_head(load_dataset("moons"), output, cost) == expected


def test_complete_head_on_regression():
    sine = load_dataset("sine")
    assert complete_head(sine, output="sigmoid") == ("sigmoid", "mse")
    assert complete_head(sine, cost="half_mse") == ("linear", "half_mse")


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("current", list(COSTS))
@pytest.mark.parametrize("is_classification", [True, False])
def test_the_cost_chosen_for_an_output_always_fits_it(output, current, is_classification):
    check_pair(cost_for_output(output, is_classification, current), output)


def test_a_fitting_cost_stays_when_the_output_changes():
    assert cost_for_output("tanh", True, current="half_mse") == "half_mse"
    assert cost_for_output("linear", False, current="cross_entropy") == "mse"


def test_two_classes_on_a_sigmoid_need_one_output():
    moons = load_dataset("moons")
    assert output_size(moons, "sigmoid") == 1 and output_size(moons, "softmax") == 2
    assert output_size(load_dataset("gaussians"), "sigmoid") == 3


@pytest.mark.parametrize("cost, output, message", [
    ("bce", "softmax", "needs a sigmoid output"), ("mse", "softmax", "needs the 'cross_entropy' cost"),
    ("hinge", "linear", "unknown cost 'hinge'")])
def test_check_pair_says_why(cost, output, message):
    with pytest.raises(ValueError, match=message):
        check_pair(cost, output)


# --- a model's inputs from a CSV file, through core's reader --------------------------------------


def read_features(path, names):
    table, _ = read_for_model(path, names, ["number"] * len(names))
    return np.column_stack(table.columns)


def test_read_features_picks_columns_by_name_in_the_model_order(tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("id;b;species;a\r\n1;2.5;cat;1\r\n2;3;dog;-1e-3\r\n", encoding="utf-8-sig")   # a BOM, semicolons, Windows line ends
    np.testing.assert_array_equal(read_features(path, ["a", "b"]), [[1, 2.5], [-1e-3, 3]])


def test_read_features_tolerates_an_empty_target_but_not_a_short_row(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,\n\n5,6,1\n")
    np.testing.assert_array_equal(read_features(path, ["a", "b"]), [[1, 2], [3, 4], [5, 6]])
    path.write_text("a,b,y\n1,2,0\n3,4\n\n5,6,1\n")   # as in training: a short row may have lost any cell
    with pytest.raises(DataError, match=re.escape("ragged.csv, line 3: 2 fields, but the header has 3")):
        read_features(path, ["a", "b"])


@pytest.mark.parametrize("text, message", [
    ("a,b\n1,2\n3,x\n", "line 3, column 'b' (column 2): 'x' is not a number"),
    ("a,c\n1,2\n", "no column named 'b' — the model reads the columns a, b; the file has a, c"),
    ("a,b\n", "no data rows")])
def test_read_features_names_the_bad_cell(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=re.escape(message)) as info:
        read_features(path, ["a", "b"])
    assert str(info.value).startswith("bad.csv")


def test_a_missing_cell_is_nan_for_the_model_to_fill_or_refuse(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,2,0\n3,NA,1\n4,,\n")
    assert np.isnan(read_features(path, ["a", "b"])[1:, 1]).all()


def test_prepared_targets_follow_the_output_size():
    from bpstudio.core.data.dataset import prepare
    from bpstudio.core.nn.heads import outputs_fit

    moons = load_dataset("moons")
    prepared = prepare(moons)
    one = prepared.for_outputs(output_size(moons, "sigmoid"))
    assert one.Y_train.shape == (len(prepared.Y_train), 1) and one.Y_val.shape[1] == 1
    assert (one.Y_train[:, 0] == prepared.Y_train[:, 1]).all()     # P(second class)
    assert prepared.for_outputs(2).Y_train is prepared.Y_train       # softmax: the one-hot pair as it is
    assert outputs_fit(moons, "sigmoid", 1) and outputs_fit(moons, "sigmoid", 2) and not outputs_fit(moons, "sigmoid", 3)
