"""Text the way other programs write it: UTF-16 and UTF-32 CSVs (spreadsheets' "Unicode text", with
a byte-order mark) read like UTF-8, for training and for prediction; bytes labels in an .npz are text."""

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core.data.loading import DataError, load_dataset
from bpstudio.core.io.model_files import save_model

import hostile

TEXT = "a,b,animal\n1.5,2,cat\n3,4.25,dog\n5,6,cät\n7,8,dog\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                      "utf-32-le", "utf-32-be"])
def test_a_csv_with_a_byte_order_mark_reads_like_utf8(tmp_path, encoding):
    path = tmp_path / "animals.csv"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00",
           "utf-32-be": b"\x00\x00\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + TEXT.encode(encoding))
    ds = load_dataset(path)
    assert ds.feature_names == ["a", "b"] and ds.class_names == ["cat", "cät", "dog"]
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4.25], [5, 6], [7, 8]])


def test_utf16_without_a_mark_is_still_called_binary(tmp_path):
    path = tmp_path / "nomark.csv"
    path.write_bytes(TEXT.encode("utf-16-le"))
    with pytest.raises(DataError, match="nomark.csv: binary or non-text content .* UTF-16 and UTF-32 need a byte"):
        load_dataset(path)


def test_predict_reads_a_utf16_csv(capsys, tmp_path):
    save_model(hostile._model(), tmp_path / "m.npz")
    (tmp_path / "rows.csv").write_bytes(TEXT.encode("utf-16"))
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "rows.csv")]) == 0
    assert capsys.readouterr().out.count("\n") == 5


def test_bytes_labels_in_an_npz_are_text(tmp_path):
    np.savez(tmp_path / "b.npz", X=np.arange(8.0).reshape(4, 2), y=np.array([b"cat", b"dog", b"cat", b"dog"]))
    assert load_dataset(tmp_path / "b.npz").class_names == ["cat", "dog"]
