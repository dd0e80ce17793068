"""CSV import: layout detection, column roles, target/task guessing, and a clear DataError for bad files."""

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st, example

from bpstudio.core import DataError
from bpstudio.core.data.loading import LoadCancelled, inspect_csv, load_dataset
from bpstudio.core.data import csv_reader


def write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


GOOD = "a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(tmp_path, delimiter):
    ds = load_dataset(write(tmp_path, GOOD.replace(",", delimiter)))
    assert ds.feature_names == ["a", "b"] and ds.class_names == ["cat", "dog"]
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(ds.labels, [0, 1, 0, 1])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_encodings_with_and_without_bom_and_latin1(tmp_path, encoding):
    path = tmp_path / "data.csv"
    path.write_bytes("größe,höhe,sorte\n1,2,süß\n3,4,sauer\n5,6,süß\n".encode(encoding))
    ds = load_dataset(path)
    assert ds.feature_names == ["größe", "höhe"] and ds.class_names == ["sauer", "süß"]


def test_quoted_fields_and_a_multiline_quoted_target(tmp_path):
    ds = load_dataset(write(tmp_path, 'x,"y, too",kind\n"1.5",2,"a, b"\n3,4,"c\nd"\n5,6,"a, b"\n'))
    assert ds.feature_names == ["x", "y, too"] and ds.class_names == ["a, b", "c\nd"]
    np.testing.assert_array_equal(ds.X[:, 0], [1.5, 3, 5])


def test_no_header_gives_numbered_column_names(tmp_path):
    ds = load_dataset(write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert ds.feature_names == ["column 1", "column 2"] and ds.class_names == ["0", "1"] and len(ds.X) == 4
    preview = inspect_csv(write(tmp_path, "1,2,0\n3,4,1\n", "p.csv"))
    assert not preview.has_header and preview.columns == ["column 1", "column 2", "column 3"]


def test_target_by_name_or_index_and_ignored_columns(tmp_path):
    path = write(tmp_path, "id,price,rooms,city\n1,100.5,3,Oslo\n2,220.25,5,Rome\n3,150.75,4,Oslo\n4,90.5,2,Rome\n")
    ds = load_dataset(path, target="price", ignore=["id", "city"])
    assert ds.task == "regression" and ds.feature_names == ["rooms"] and ds.target_names == ["price"]
    np.testing.assert_array_equal(ds.Y[:, 0], [100.5, 220.25, 150.75, 90.5])
    by_index = load_dataset(path, target=1, ignore=[0, -1])
    np.testing.assert_array_equal(by_index.Y, ds.Y)
    assert load_dataset(path, target="PRICE", ignore=["id", "city"]).target_names == ["price"]
    assert load_dataset(path, target="price", ignore="city").feature_names == ["id", "rooms"]


def test_task_guess_and_override(tmp_path):
    rows = "".join(f"{i},{i % 3}\n" for i in range(30))
    path = write(tmp_path, "x,y\n" + rows)
    assert load_dataset(path).task == "classification"                 # few distinct integers
    regression = load_dataset(path, task="regression")
    assert regression.task == "regression" and regression.Y.shape == (30, 1)
    many = write(tmp_path, "x,y\n" + "".join(f"{i},{i * 7}\n" for i in range(30)), "many.csv")
    assert load_dataset(many).task == "regression"                     # many distinct integers
    assert load_dataset(many, task="classification").n_outputs == 30
    assert inspect_csv(path).suggested_task == "classification" and inspect_csv(many).suggested_task == "regression"


def test_inspect_csv_shows_the_layout_and_first_rows(tmp_path):
    preview = inspect_csv(write(tmp_path, GOOD.replace(",", ";")), n_rows=2)
    assert preview.delimiter == ";" and preview.has_header and preview.columns == ["a", "b", "label"]
    assert preview.rows == [["1", "2", "cat"], ["3", "4", "dog"]]
    assert preview.suggested_target == "label" and preview.suggested_task == "classification"


def test_inspect_csv_finds_the_text_columns_but_not_a_typo(tmp_path):
    """A category column cannot be an input; a numeric column with one stray word is an error to show."""
    rows = [f"{i},{'yes' if i % 2 else 'no'},{'oops' if i == 3 else i * 0.5},{i % 2}" for i in range(10)]
    path = write(tmp_path, "id,garden,size,y\n" + "\n".join(rows) + "\n")
    assert inspect_csv(path).text_columns == [1]
    assert load_dataset(path, ignore=[1, 2]).feature_names == ["id"]


def test_drop_missing_drops_rows_with_missing_values(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n,3,1\n4,NA,0\n5,?,1\n6,7,\n8,9,1\n10,11,0\n")
    ds = load_dataset(path, drop_missing=True)
    np.testing.assert_array_equal(ds.X, [[1, 2], [8, 9], [10, 11]])
    assert ds.notes == ["left out 1 rows with no value in the target column 'y'",
                        "left out 3 rows with missing inputs (missing cells: 'a' 1, 'b' 2)"]


def test_blank_lines_and_crlf_are_fine(tmp_path):
    ds = load_dataset(write(tmp_path, b"a,b,y\r\n1,2,0\r\n\r\n3,4,1\r\n5,6,0\r\n7,8,1\r\n"))
    assert ds.X.shape == (4, 2) and ds.class_names == ["0", "1"]


def test_chunked_reading_reports_progress_and_cancels(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "CHUNK_CHARS", 200)
    rng = np.random.default_rng(0)
    table = np.column_stack([rng.normal(size=(500, 3)).round(4), np.arange(500) % 2])
    path = tmp_path / "big.csv"
    np.savetxt(path, table, delimiter=",", header="a,b,c,y", comments="", fmt="%g")
    fractions = []
    ds = load_dataset(path, progress=fractions.append)
    np.testing.assert_allclose(ds.X, table[:, :3]) and np.testing.assert_array_equal(ds.labels, table[:, 3])
    assert len(fractions) > 10 and fractions == sorted(fractions) and fractions[-1] == 1.0
    cancel = threading.Event()
    with pytest.raises(LoadCancelled):
        load_dataset(path, cancel=cancel, progress=lambda f: cancel.set())


def test_an_error_in_a_later_chunk_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "CHUNK_CHARS", 100)
    lines = [f"{i},{i + 1},{i % 2}" for i in range(200)]
    lines[150] = "150,oops,0"
    path = write(tmp_path, "a,b,y\n" + "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"data.csv, line 152, column 'b' \(column 2\): 'oops' is not a number"):
        load_dataset(path)


@pytest.mark.parametrize("content, message", [
    ("", r"data.csv: the file is empty"),
    ("  \n\n", r"data.csv: the file is empty"),
    ("a,b,y\n", r"data.csv: no data rows — expected rows of numbers below the header"),
    ("a,b,y\n1,2,0\n", r"data.csv: only one data row — a dataset needs at least 2 rows"),
    ("a,b,y\n1,2,0\n3,4\n5,6,1\n", r"data.csv, line 3: 2 fields, but the header has 3 — every row needs 3 fields "
                                  r"separated by commas"),
    ("a,b,y\n1,2,0\n3,4,1,9\n5,6,1\n", r"data.csv, line 3: 4 fields, but the header has 3"),
    ("a,b,y\n1,2,0\n3,x,1\n", r"data.csv, line 3, column 'b' \(column 2\): 'x' is not a number"),
    ("a,b,y\n1,2,0\n3,-inf,1\n", r"line 3, column 'b' \(column 2\): infinite value '-inf' — every number must be "
                                r"finite"),
    ("a,b,y\n1,2,0\n3,4,\n", r"data.csv: only one data row"),          # the row without a target is left out
    ("a,b,y\n1,2,cat\n3,4,NA\n", r"data.csv: only one data row"),
    ("a,a,y\n1,2,0\n3,4,1\n", r"data.csv: the header names columns alike: 'a' \(columns 1, 2\) — rename them"),
    ("a,b,a,b,y\n1,2,3,4,0\n", r"'a' \(columns 1, 3\); 'b' \(columns 2, 4\)"),
    ("a,b,y\n1,2,cat\n3,4,cat\n", r"data.csv: target column 'y' has a single class \('cat'\) — classification needs "
                                  r"at least two"),
    ("a,b,y\n1,2,cat\n3,4,dog\n", None),
    ("justonecolumn\n1\n2\n", r"data.csv: found a single column"),
    ("a,b,y\n1,2,\"unbalanced\n3,4,1\n", r"data.csv, line \d+:"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", r"data.csv: binary or non-text content — expected a text CSV"),
])
def test_bad_files_give_a_clear_data_error(tmp_path, content, message):
    path = write(tmp_path, content)
    if message is None:
        assert load_dataset(path).n_samples == 2
        return
    with pytest.raises(DataError, match=message):
        load_dataset(path)


@pytest.mark.parametrize("kwargs, message", [
    ({"target": "price"}, r"data.csv: target column 'price' not found; columns: a, b, label"),
    ({"target": 7}, r"target column index 7 is out of range — the file has 3 columns"),
    ({"ignore": ["zz"]}, r"ignored column 'zz' not found"),
    ({"target": "label", "ignore": ["a", "b"]}, r"no feature columns left besides the target 'label'"),
    ({"task": "regression"}, r"line 2, column 'label' \(column 3\): 'cat' is not a number, so this column cannot be a "
                             r"regression target"),
    ({"delimiter": "|"}, r"delimiter must be one of comma, semicolon, tab"),
    ({"colour": True}, r"data.csv: unknown option\(s\) colour; options allowed: delimiter, header, ignore"),
])
def test_bad_options_give_a_clear_data_error(tmp_path, kwargs, message):
    with pytest.raises(DataError, match=message):
        load_dataset(write(tmp_path, GOOD), **kwargs)


def test_missing_file_and_unsupported_extension(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_dataset(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"data.xlsx: unsupported file type '.xlsx' — use .csv"):
        load_dataset(write(tmp_path, GOOD, "data.xlsx"))


def test_a_non_utf8_byte_after_the_sniffed_head_falls_back_to_latin1(tmp_path, monkeypatch):
    monkeypatch.setattr("bpstudio.core.data.csv_layout.SNIFF_BYTES", 64)
    body = "".join(f"{i},{i % 2},yes\n" for i in range(20)) + "1,2,no\n3,4,caf\xe9\n"
    ds = load_dataset(write(tmp_path, "a,b,y\n".encode() + body.encode("latin-1")))
    assert ds.class_names == ["café", "no", "yes"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(["1", "2.5", "-3", "", "NA", "x", "inf", ",", ";", "\t", '"', "\n", "\r\n", "é", " "]),
             max_size=60).map(lambda parts: "".join(parts).encode("utf-8"))))
@example(content=b"y\t")   # a column named like a target before an unnamed last one
def test_any_bytes_give_a_dataset_or_a_data_error(tmp_path, content):
    path = write(tmp_path, content, "fuzz.csv")
    try:
        preview = inspect_csv(path)
        assert preview.suggested_target in preview.columns   # a column named like a target, else the last
    except DataError:
        pass
    try:
        ds = load_dataset(path)
    except DataError:
        return
    assert ds.n_samples >= 2 and np.isfinite(ds.X).all()


def test_a_column_named_like_a_target_is_suggested_even_before_an_unnamed_one(tmp_path):
    # Hypothesis found b'y\t': columns 'y' and an unnamed 'column 2'; the suggestion is the one named y.
    assert inspect_csv(write(tmp_path, b"y\t", "fuzz.csv")).suggested_target == "y"


def test_text_late_in_a_numeric_target_and_an_oversized_field_name_their_line(tmp_path, monkeypatch):
    monkeypatch.setattr("bpstudio.core.data.csv_layout.SAMPLE_ROWS", 5)
    rows = "".join(f"{i},{i % 2}\n" for i in range(10))
    with pytest.raises(DataError, match=r"line 12, column 'y' \(column 2\): 'cat' is not a number .*target "
                                        r"column's first rows are numbers"):
        load_dataset(write(tmp_path, "x,y\n" + rows + "5,cat\n"))
    with pytest.raises(DataError, match=r"big.csv, line 3: field larger than field limit"):
        load_dataset(write(tmp_path, "a,b,y\n1,2,0\n" + "1" * 200_000 + ",2,0\n3,4,1\n", "big.csv"))


def test_a_decimal_comma_gets_a_hint(tmp_path):
    with pytest.raises(DataError, match=r"line 3, column 'a' \(column 1\): '2,5' is not a number \(write decimals "
                                        r"with a point: 1.5, not 1,5\)"):
        load_dataset(write(tmp_path, 'a;b;y\n1.5;2;0\n"2,5";3;1\n4;5;0\n'))
