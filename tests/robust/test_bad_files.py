"""Every file of the bad-input corpus (tests/data/bad, made by make_bad_files.py) gives a clear error:
through the API (DataError / ModelFileError / ProjectFileError naming the file) and through the CLI
(exit status 2 and one ``error:`` line naming the file — never a traceback, never "internal error").
Nothing is ever unpickled on the way (conftest.never_unpickle)."""

from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core import Network
from bpstudio.core.data.loading import DataError, load_dataset
from bpstudio.core.io.model import Model
from bpstudio.core.io.model_files import ModelFileError, load_model, save_model
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.io.project import ProjectFileError, open_project

BAD = Path(__file__).parents[1] / "data" / "bad"

DATA = {  # file → what the DataError must say (after the file name)
    "empty.csv": "the file is empty",
    "header_only.csv": "no data rows",
    "one_row.csv": "only one data row",
    "ragged.csv": "line 3: 2 fields, but the header has 3",
    "non_numeric.csv": "line 3, column 'b' (column 2): 'x' is not a number",
    "inf.csv": "line 4, column 'b' (column 2): infinite value 'inf'",
    "single_class.csv": "target column 'y' has a single class ('cat')",
    "single_column.csv": "found a single column",
    "unbalanced_quote.csv": "line 2: unexpected end of data",
    "binary_junk.csv": "binary or non-text content",
    "nul_bytes.csv": "binary or non-text content",
    "wrong_extension.xlsx": "unsupported file type '.xlsx'",
    "no_extension": "unknown dataset",
    "object_array.npz": "array 'y' holds Python objects, which are refused",
    "pickle_renamed.npz": "not an .npz archive",
    "missing_y.npz": "no array 'y' for the targets",
    "missing_x.npz": "no array 'X' for the features",
    "mismatched_lengths.npz": "'X' has 20 samples but 'y' has shape (15,)",
    "text_features.npz": "'X' has dtype <U1",
    "nan_features.npz": "sample 0 (0-based) holds NaN or infinity",
    "single_class.npz": "target column 'y' has a single class ('0')",
    "truncated.npz": "not a readable .npz archive",
    "corrupt_zip.npz": "not a readable .npz archive",
    "zip_of_text.npz": "'X' in the archive is not a NumPy array",
    "huge_header.npz": "'X' declares 32,768.0 GiB of data (float64 × (1099511627776, 4)) in 145 bytes",
    "empty.npz": "not an .npz archive",
    "single_array.npz": "holds a single .npy array, not an .npz archive",
}

MODELS = {  # file → what the ModelFileError must say
    **{f"truncated{ext}": "not a readable" for ext in (".npz", ".json", ".safetensors", ".onnx")},
    **{f"empty{ext}": "not a readable" for ext in (".npz", ".json", ".safetensors", ".onnx")},
    **{f"binary_junk{ext}": "not a readable" for ext in (".npz", ".json", ".safetensors", ".onnx")},
    "corrupt_zip.npz": "not a readable .npz model file (BadZipFile",
    "corrupt_header.safetensors": "invalid JSON in header",
    "corrupt_proto.onnx": "not a readable .onnx model file (DecodeError",
    "foreign.npz": 'no "metadata" array (found: arr_0)',
    "foreign.json": "not a bpstudio model",
    "foreign.safetensors": "not a bpstudio model",
    "foreign.onnx": "no bpstudio metadata",
    "dataset_not_model.npz": 'no "metadata" array (found: X, y)',
    "object_metadata.npz": "'metadata' holds Python objects, which are refused",
    "pickle_renamed.npz": "not an .npz archive",
    "missing_layer.npz": "missing field 'W2'",
    "wrong_shape.npz": "layer 1 weights: expected shape (3, 2), got (4, 2)",
    "nan_weights.json": "weights or biases contain NaN or infinite values",
    "missing_field.json": "field metadata: 'x_scaler' is a required property",
    "future_version.json": "model format version 99 is not supported",
    "unknown_activation.json": "unknown activation 'swish'",
    "bad_sizes.json": '"sizes" must list at least two layer sizes',
    "class_names_mismatch.json": "1 class names for 2 output(s)",
    "zero_scale.json": "the input scaler has non-finite offsets or zero, subnormal or non-finite scales",
    "huge_sizes.json": "layer 1 weights: expected shape (20000, 2), got (3, 2)",
    "weights_not_numbers.json": "layer 1 weights: expected real numbers, found <U",
    "not_utf8.json": "can't decode byte 0xe9",
    "missing_tensor.safetensors": "missing field '2.weight'",
    "model.h5": "cannot load .h5; supported: .npz, .json, .safetensors, .onnx",
    "model.pt": "cannot load .pt; supported",
}

PROJECTS = {  # file → what the ProjectFileError must say
    "empty.bpproject": "not an .npz archive",
    "binary_junk.bpproject": "not an .npz archive",
    "pickle_renamed.bpproject": "not an .npz archive",
    "truncated.bpproject": "not a readable project file (BadZipFile",
    "corrupt_zip.bpproject": "not a readable project file (BadZipFile",
    "model_file.bpproject": "not a readable project file (KeyError: 'project')",
    "object_array.bpproject": "'params' holds Python objects, which are refused",
    "bad_json.bpproject": "not a readable project file (JSONDecodeError",
    "future_version.bpproject": "project file version 99: this bpstudio reads versions 1 to 2",
    "missing_network.bpproject": "field project: 'network' is a required property",
    "missing_params.bpproject": "missing field 'params'",
    "wrong_param_count.bpproject": "expected 17 parameters, found 5",
    "huge_sizes.bpproject": "expected 400080000 parameters, found 17",
    "nan_params.bpproject": "weights or biases contain NaN or infinite values",
    "bad_config.bpproject": "field config.learning_rate: -1 is less than or equal to the minimum of 0",
    "bad_trainer_state.bpproject": "field trainer.epoch: 'three' is not of type 'integer'",
}

# Files with a missing cell are not bad: the cell is filled when training (issue 16), and named when a
# model without fill values is asked to predict on it.
FILLED = {"nan.csv": "nan.csv, line 3, column 'b': missing value", "missing_cell.csv": "missing_cell.csv, line 3, "
          "column 'b': missing value"}

# Files that are bad training data but hold good feature rows for `bpstudio predict`, which reads
# only the model's feature columns (a, b) and the array X (an object array under y is never read).
# A ragged row and unbalanced quotes are refused by predict as by train (one CSV rule).
PREDICTABLE = {"one_row.csv", "single_class.csv", "single_class.npz", "missing_y.npz",
               "mismatched_lengths.npz", "object_array.npz"}


def test_the_corpus_and_the_expectations_list_the_same_files():
    for folder, expected in [("data", DATA | FILLED), ("models", MODELS), ("projects", PROJECTS)]:
        on_disk = {p.name for p in (BAD / folder).iterdir()}
        assert on_disk == set(expected), f"{folder}: regenerate with make_bad_files.py or update this test"


@pytest.fixture(autouse=True)
def no_huge_networks(monkeypatch):
    """A file's declared sizes are checked against its arrays before a Network is allocated:
    a damaged "sizes" field must not make a 1 kB file allocate gigabytes."""
    real_init = Network.__init__

    def guarded(self, sizes, *args, **kwargs):
        sizes = [int(n) for n in sizes]
        assert sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) < 10**6, f"allocating a network {sizes}"
        real_init(self, sizes, *args, **kwargs)
    monkeypatch.setattr(Network, "__init__", guarded)


def _assert_names_the_file(message, path):
    assert path.name in message and "\n" not in message, message


LOADERS = {"data": (load_dataset, DataError, DATA), "models": (load_model, ModelFileError, MODELS),
           "projects": (open_project, ProjectFileError, PROJECTS)}


@pytest.mark.parametrize("folder, name", [(folder, name) for folder, (_, _, expected) in LOADERS.items()
                                          for name in sorted(expected)])
def test_bad_file_gives_its_loaders_error_naming_the_file(folder, name):
    load, error, expected = LOADERS[folder]
    path = BAD / folder / name
    with pytest.raises(error) as info:
        load(path)
    _assert_names_the_file(str(info.value), path)
    assert expected[name] in str(info.value)


# --- the same files through the command line ------------------------------------------------


def cli_error(capsys, *argv):
    """stderr of a CLI run that must fail with bad input: status 2, one `error:` line, no traceback."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return err.rstrip("\n")


@pytest.fixture(scope="module")
def ab_model(tmp_path_factory):
    """A model whose features are named a, b — the corpus CSVs' feature columns."""
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=0)
    scaler = Scaler("standard").fit(np.array([[0.0, 0.0], [1.0, 2.0]]))
    path = tmp_path_factory.mktemp("cli") / "ab.npz"
    save_model(Model(net, scaler, None, "classification", ["a", "b"], ["no", "yes"]), path)
    return path


@pytest.mark.parametrize("name", sorted(DATA))
def test_cli_train_on_a_bad_data_file(capsys, name):
    path = BAD / "data" / name
    err = cli_error(capsys, "train", path, "--epochs", "1", "--quiet")
    _assert_names_the_file(err, path)
    assert DATA[name] in err


@pytest.mark.parametrize("name", sorted(set(DATA) - PREDICTABLE))
def test_cli_predict_on_a_bad_data_file(capsys, ab_model, tmp_path, name):
    path = BAD / "data" / name
    _assert_names_the_file(cli_error(capsys, "predict", ab_model, path, "--out", tmp_path / "p.csv"), path)
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("name", sorted(FILLED))
def test_a_missing_cell_is_filled_in_training_and_named_at_predict_without_fill_values(capsys, ab_model, name):
    dataset = load_dataset(BAD / "data" / name)
    assert "filled" in dataset.notes[0] and not np.isnan(dataset.X).any()
    assert FILLED[name] in cli_error(capsys, "predict", ab_model, BAD / "data" / name)


@pytest.mark.parametrize("name", sorted(PREDICTABLE))
def test_cli_predict_on_good_rows_in_a_bad_training_file(capsys, ab_model, name):
    assert main(["predict", str(ab_model), str(BAD / "data" / name)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("predicted,p(no),p(yes)\n") and "nan" not in out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_cli_predict_and_export_with_a_bad_model_file(capsys, tmp_path, name):
    path = BAD / "models" / name
    for argv in (["predict", path, "xor"], ["export", path, tmp_path / "out.json"]):
        err = cli_error(capsys, *argv)
        _assert_names_the_file(err, path)
        assert MODELS[name] in err
    assert not (tmp_path / "out.json").exists()
