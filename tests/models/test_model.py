"""Model: raw features in, probabilities or values in original units out."""

import math

import numpy as np
import pytest

from bpstudio.core import Network
from bpstudio.core.io.model import Model, summarize_history
from bpstudio.core.data.preprocessing import Scaler
from bpstudio.core.train.trainer import History

from .builders import make_model, raw_features


def test_predict_scales_inputs_and_keeps_probabilities():
    model = make_model("multiclass")
    X = raw_features(10, seed=5)
    expected = model.network.predict(model.x_scaler.transform(X))
    np.testing.assert_array_equal(model.predict(X), expected)
    np.testing.assert_allclose(model.predict(X).sum(axis=1), 1.0)


def test_regression_predictions_are_in_the_targets_units():
    model = make_model("regression")
    X = raw_features(10, seed=5)
    scaled_out = model.network.predict(model.x_scaler.transform(X))
    np.testing.assert_allclose(model.predict(X), scaled_out * model.y_scaler.scale + model.y_scaler.offset)
    assert abs(model.predict(X)[:, 0].mean() - 100) < 20  # the first target is ≈ 3·a + 100


def test_binary_model_has_one_output_for_two_classes():
    model = make_model("binary")
    X = raw_features(10, seed=5)
    p_yes = model.predict(X)[:, 0]
    assert model.class_names == ["no", "yes"]
    np.testing.assert_array_equal(model.predict_classes(X), (p_yes > 0.5).astype(int))


def test_wrong_number_of_features_names_the_expected_columns():
    with pytest.raises(ValueError, match=r"3 features \(a, b, c\), got shape \(4, 2\)"):
        make_model("multiclass").predict(np.zeros((4, 2)))


def test_inconsistent_names_are_rejected():
    net = Network([2, 3])
    scaler = Scaler("none").fit(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="2 class names for 3 output"):
        Model(net, scaler, None, "classification", ["u", "v"], ["a", "b"])
    with pytest.raises(ValueError, match="3 feature names for 2 columns"):
        Model(net, scaler, None, "classification", ["u", "v", "w"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="input scaler must be fitted on 2 columns"):
        Model(net, Scaler("none").fit(np.zeros((1, 5))), None, "classification", [], ["a", "b", "c"])


def test_missing_names_get_numbered_defaults():
    net = Network([2, 1], ["linear"])
    model = Model(net, None, None, "regression", [], target_names=[])
    assert (model.feature_names, model.target_names) == (["x1", "x2"], ["y1"])


def test_history_summary_is_the_last_epoch_with_nan_as_none():
    history = History(epoch=[1, 2], train_cost=[0.5, 0.25], val_cost=[math.nan, math.nan],
                      train_accuracy=[0.5, 0.75], val_accuracy=[math.nan, math.nan],
                      time=[0.1, 0.2], samples_per_s=[100.0, 120.0], stop_reason="completed")
    summary = summarize_history(history)
    assert summary == {"epochs": 2, "train_cost": 0.25, "val_cost": None, "train_accuracy": 0.75,
                       "val_accuracy": None, "time": 0.2, "samples_per_s": 120.0, "stop_reason": "completed"}
