"""Tabular data as people have it: categories, missing cells, dates, duplicate headers, stratified splits,
and a model that applies the encoding learned on the training split to raw rows."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from bpstudio.core import DataError, Network, TrainConfig, Trainer
from bpstudio.core.data.columns import plan_columns
from bpstudio.core.data.csv_layout import sniff
from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.encoding import Encoder, UnseenCategoryWarning
from bpstudio.core.data.loading import inspect_csv, load_dataset
from bpstudio.core.data.table import Table
from bpstudio.core.io.model import Model
from bpstudio.core.io.model_files import load_model, save_model
from bpstudio.core.train.evaluation import evaluate, evaluate_split

TABULAR = Path(__file__).parents[1] / "data" / "tabular"
PENGUINS, WEATHER = TABULAR / "penguins.csv", TABULAR / "seattle-weather.csv"


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def train(dataset, epochs=60, val=0.2, seed=0, **prepare_options):
    data = prepare(dataset, "standard", val, seed=seed, **prepare_options)
    ds = data.dataset
    net = Network([ds.n_features, 16, ds.n_outputs], ["tanh", "softmax" if ds.is_classification else "linear"],
                  seed=seed)
    cost = "cross_entropy" if ds.is_classification else "mse"
    trainer = Trainer(net, TrainConfig(learning_rate=0.01, epochs=epochs, optimizer="adam", cost=cost, seed=seed))
    trainer.fit(data.X_train, data.Y_train, data.X_val, data.Y_val)
    return Model.from_prepared(net, data, trainer.config, trainer.history), data


def test_penguins_plan_categories_numbers_and_their_widths():
    plan = {c.name: c for c in plan_columns(sniff(PENGUINS), target=0)}
    assert [plan[n].kind for n in ("species", "island", "bill_length_mm", "sex", "year")] == \
        ["target", "category", "number", "category", "number"]
    assert plan["island"].describe() == "category → 3 columns" and plan["sex"].describe() == "category → 2 columns"


def test_ids_and_free_text_are_left_out_with_a_notice_and_dates_on_request(tmp_path):
    rows = [f"id{i},2013-{1 + i % 12:02d}-{1 + i % 28:02d},note {i} about it,{'ab'[i % 2]},{i * 0.5},{i % 2}"
            for i in range(40)]
    path = write(tmp_path, "id,day,comment,kind,x,y\n" + "\n".join(rows) + "\n")
    ds = load_dataset(path)
    assert ds.feature_names == ["kind=a", "kind=b", "x"]
    assert any("'id'" in note and "an ID or free text" in note for note in ds.notes)
    assert any("'day'" in note and "dates" in note for note in ds.notes)
    expanded = load_dataset(path, dates="expand", kinds={"kind": "ignore"})
    assert expanded.feature_names == ["day.year", "day.doy_sin", "day.doy_cos", "x"]
    np.testing.assert_allclose(expanded.X[0, :3], [2013, 0.0, 1.0])      # 1 January: angle 0


def test_slash_dates_are_dates_and_a_bad_date_is_named(tmp_path):
    path = write(tmp_path, "when,x,y\n2012/01/01,1,a\n2012/7/2,2,b\n2012/12/31,3,a\n2013/02/30,4,b\n")
    with pytest.raises(DataError, match=r"line 5, column 'when': '2013/02/30' is not a date"):
        load_dataset(path, dates="expand")
    ok = load_dataset(write(tmp_path, "when,x,y\n2012/01/01,1,a\n2012/7/2,2,b\n2012/12/31,3,a\n", "ok.csv"),
                      dates="expand")
    assert ok.X[2, 2] == pytest.approx(np.cos(2 * np.pi * 365 / 366))   # 2012 is a leap year


def test_every_missing_spelling_is_filled_or_dropped_with_one_notice(tmp_path):
    spellings = ["NA", "NaN", "", "?", "null", "N/A", "None", "n/a", "nan"]
    rows = [f"{spellings[i] if i < len(spellings) else i},{'red' if i % 3 else 'blue'},{i % 2}" for i in range(60)]
    rows[20] = "20,NA,0"
    path = write(tmp_path, "size,colour,y\n" + "\n".join(rows) + "\n")
    ds = load_dataset(path)
    assert ds.n_samples == 60 and ds.notes == [
        "filled with the training split's median (numbers) or most frequent value (categories) in 10 rows with "
        "missing inputs (missing cells: 'size' 9, 'colour' 1)"]
    data = prepare(ds, "none", 0.5, seed=3)
    train = ds.split_indices([0.5, 0.0], 3)[0]
    assert data.encoder.columns[0]["fill"] == np.nanmedian(ds.table.columns[0][train])
    assert data.encoder.columns[1]["fill"] == "red"
    assert not np.isnan(data.X_train).any() and not np.isnan(data.X_val).any()
    dropped = load_dataset(path, drop_missing=True)
    assert dropped.n_samples == 50 and dropped.notes[0].startswith("left out 10 rows with missing inputs")


def test_the_encoder_is_fitted_on_the_training_split():
    ds = load_dataset(PENGUINS, target="species")
    data = prepare(ds, "standard", 0.2, seed=0)
    train_rows = ds.split_indices([0.2, 0.0], 0)[0]
    expected = np.nanmedian(ds.table.columns[1][train_rows])
    assert data.encoder.columns[1] == {"name": "bill_length_mm", "kind": "number", "fill": expected}
    assert data.dataset.feature_names[:3] == ["island=Biscoe", "island=Dream", "island=Torgersen"]


def test_a_category_seen_only_outside_training_is_not_a_column(tmp_path):
    rows = [f"{'rare' if i == 0 else 'ab'[i % 2]},{i},{i % 2}" for i in range(20)]
    ds = load_dataset(write(tmp_path, "c,x,y\n" + "\n".join(rows) + "\n"), kinds={"c": "category"})
    assert "c=rare" in ds.feature_names                     # fitted on every row at load
    for seed in range(20):
        data = prepare(ds, "none", 0.3, seed=seed)
        in_train = 0 not in ds.split_indices([0.3, 0.0], seed)[1]
        assert ("c=rare" in data.dataset.feature_names) == in_train


def test_duplicate_header_names_are_refused_naming_them(tmp_path):
    path = write(tmp_path, "x,x,label\n1,2,a\n3,4,b\n")
    with pytest.raises(DataError, match=r"data.csv: the header names columns alike: 'x' \(columns 1, 2\)"):
        load_dataset(path)
    with pytest.raises(DataError, match="columns alike"):
        inspect_csv(path)


def test_rows_without_a_target_are_left_out_and_said(tmp_path):
    ds = load_dataset(write(tmp_path, "a,y\n1,x\n2,NA\n3,y\n4,\n5,x\n"))
    assert ds.n_samples == 3 and ds.notes == ["left out 2 rows with no value in the target column 'y'"]


def test_stratified_validation_split_keeps_every_class():
    ds = load_dataset(WEATHER, target="weather")
    counts = ds.Y.sum(axis=0)
    for seed in range(5):
        val = prepare(ds, "standard", 0.2, seed=seed).Y_val.sum(axis=0)
        np.testing.assert_allclose(val, np.round(0.2 * counts), atol=1)


def test_penguins_train_to_95_percent_and_the_model_predicts_raw_rows(tmp_path):
    model, data = train(load_dataset(PENGUINS, target="species"), epochs=80)
    assert evaluate_split(model.network, data, "validation").accuracy >= 0.95
    rows = [["Biscoe", 47.5, 14.8, 217, 5200, "male", 2008], ["Dream", 49.0, 18.5, 196, 3800, "female", 2008],
            ["Torgersen", 38.0, 18.2, 188, 3500, "NA", 2009], ["Biscoe", None, float("nan"), "?", "", None, 2009]]
    assert [model.class_names[k] for k in model.predict_classes(rows)[:3]] == ["Gentoo", "Chinstrap", "Adelie"]
    by_name = {name: [row[j] for row in rows] for j, name in enumerate(model.input_names)}
    np.testing.assert_allclose(model.predict(by_name), model.predict(rows))
    ev = model.evaluate(rows[:3], ["Gentoo", "Chinstrap", "Adelie"])
    assert ev.accuracy == 1.0 and ev.confusion.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    for ext in (".npz", ".json", ".safetensors", ".onnx"):
        save_model(model, tmp_path / f"p{ext}")
        again = load_model(tmp_path / f"p{ext}")
        assert again.encoder.to_dict() == model.encoder.to_dict() and again.target_column == "species"
        np.testing.assert_allclose(again.predict(rows), model.predict(rows), rtol=1e-4, atol=1e-6)


def test_an_unseen_category_warns_once_naming_row_column_and_value():
    model, _ = train(load_dataset(PENGUINS, target="species"), epochs=5)
    rows = [["Atlantis", 40, 18, 190, 3700, "female", 2008]] * 2 + [["Biscoe", 40, 18, 190, 3700, "x", 2008]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(rows)
    messages = [str(w.message) for w in caught if issubclass(w.category, UnseenCategoryWarning)]
    assert messages == ["row 1, column 'island': category 'Atlantis' was not in the training data — encoded as "
                        "all zeros (2 rows)",
                        "row 3, column 'sex': category 'x' was not in the training data — encoded as all zeros"]
    X = model.encode(rows, on_unseen=lambda *report: None)
    assert X[0, :3].tolist() == [0, 0, 0] and X[2, 7:9].tolist() == [0, 0]


def test_onnx_takes_the_named_one_hot_columns_and_fills_nan_like_predict(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model, _ = train(load_dataset(PENGUINS, target="species"), epochs=20)
    save_model(model, tmp_path / "p.onnx")
    session = ort.InferenceSession(str(tmp_path / "p.onnx"), providers=["CPUExecutionProvider"])
    rows = [["Biscoe", 47.5, 14.8, 217, 5200, "male", 2008], ["Dream", None, 18.5, None, 3800, None, 2008]]
    encoded = model.encode([rows[0], ["Dream", 0, 18.5, 0, 3800, "male", 2008]])
    encoded[1, [3, 5]] = np.nan                               # missing numbers
    encoded[1, 7:9] = np.nan                                  # a missing category: all its columns
    inputs = session.get_inputs()[0]
    assert inputs.name == "features" and "island=Biscoe" in session._model_meta.custom_metadata_map["bpstudio"]
    (out,) = session.run(None, {"features": encoded.astype(np.float32)})
    np.testing.assert_allclose(out, model.predict(rows), rtol=1e-4, atol=1e-5)


def test_seattle_weather_regression_reports_r2_rmse_mae_in_degrees():
    model, data = train(load_dataset(WEATHER, target="temp_max", dates="expand"), epochs=60)
    ev = evaluate_split(model.network, data, "validation")
    assert ev.r2[0] > 0.85 and 0.5 < ev.rmse[0] < 3.5 and ev.mae[0] < ev.rmse[0]
    assert ev.headline().startswith("temp_max: R² 0.")
    predicted = model.predict(data.dataset.table.subset(np.arange(5)))
    assert predicted.shape == (5, 1) and 0 < predicted.mean() < 30      # °C, not standardized


def test_evaluate_by_hand():
    ev = evaluate([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], [[1, 0], [0, 1], [0, 1], [0, 1]],
                  "classification", ["no", "yes"])
    assert ev.accuracy == 0.75 and ev.confusion.tolist() == [[1, 0], [1, 2]]
    np.testing.assert_allclose(ev.precision, [0.5, 1.0]) and np.testing.assert_allclose(ev.recall, [1.0, 2 / 3])
    reg = evaluate([[1.0], [2.0], [4.0]], [[1.0], [3.0], [5.0]], "regression", target_names=["t"])
    np.testing.assert_allclose([reg.rmse[0], reg.mae[0], reg.r2[0]], [np.sqrt(2 / 3), 2 / 3, 1 - 2 / 8])


def test_encoder_round_trips_and_tables_from_python_values():
    table = Table.from_rows([["a", 1.0, "2020-03-01"], [None, "NA", "2020/3/2"], ["b", 3, None]],
                            ["c", "n", "d"], ["category", "number", "date"])
    enc = Encoder.fit(table)
    assert enc.to_dict()["columns"][0] == {"name": "c", "kind": "category", "categories": ["a", "b"], "fill": "a"}
    assert Encoder.from_dict(enc.to_dict()).transform(table).tolist() == enc.transform(table).tolist()
    assert enc.transform(table)[1, :3].tolist() == [1.0, 0.0, 2.0]          # category and median filled
    with pytest.raises(ValueError, match=r"row 1, column 'n': 'x' is not a number"):
        Table.from_rows([["a", "x", None]], ["c", "n", "d"], ["category", "number", "date"])


def test_a_project_on_a_csv_file_reopens_with_the_same_encoding(tmp_path):
    from bpstudio.core.io.project import DataSource, open_project, save_project

    source = DataSource(str(PENGUINS), {"target": "species", "kinds": {"year": "category"}}, val_fraction=0.25,
                        split_seed=2)
    prepared = source.prepare()
    net = Network([prepared.dataset.n_features, 4, 3], ["tanh", "softmax"], seed=0)
    config = TrainConfig(learning_rate=0.01, epochs=3, optimizer="adam", cost="cross_entropy")
    trainer = Trainer(net, config)
    trainer.fit(prepared.X_train, prepared.Y_train, prepared.X_val, prepared.Y_val)
    save_project(tmp_path / "p.bpproject", net, config, source, trainer)
    project = open_project(tmp_path / "p.bpproject")
    again = project.data.prepare()
    assert again.encoder.to_dict() == prepared.encoder.to_dict() and "year=2009" in again.dataset.feature_names
    rows = [["Dream", 49.0, 18.5, 196, 3800, "female", 2008]]
    np.testing.assert_array_equal(Model.from_prepared(project.network, again).predict(rows),
                                  Model.from_prepared(net, prepared).predict(rows))
