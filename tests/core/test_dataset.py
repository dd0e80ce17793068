"""Dataset splits (stratified, seeded) and scaling fitted on the training split only."""

import numpy as np
import pytest

from bpstudio.core.data.dataset import Dataset, prepare
from bpstudio.core.data.preprocessing import Scaler


def _classes(counts):
    labels = np.repeat(np.arange(len(counts)), counts)
    X = np.column_stack([labels * 10.0, np.arange(len(labels), dtype=float)])
    return Dataset(X, np.eye(len(counts))[labels], "classification", ["a", "b"], [f"c{i}" for i in range(len(counts))])


def test_split_is_stratified_disjoint_and_seeded():
    ds = _classes([50, 30, 20])
    train, val, test = ds.split_indices([0.2, 0.1], seed=3)
    assert sorted(np.concatenate([train, val, test])) == list(range(100))
    assert np.bincount(ds.labels[val], minlength=3).tolist() == [10, 6, 4]
    assert np.bincount(ds.labels[test], minlength=3).tolist() == [5, 3, 2]
    again = ds.split_indices([0.2, 0.1], seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again))


def test_scaling_is_fitted_on_the_training_split_only():
    ds = _classes([40, 40])
    data = prepare(ds, scaling="standard", val_fraction=0.25, seed=0)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-12)
    assert abs(data.X_val[:, 1].mean()) > 1e-6   # validation is scaled with the training statistics
    assert data.y_scaler is None
    assert len(data.X_train) == 60 and len(data.X_val) == 20 and len(data.X_test) == 0


def test_regression_targets_are_standardized_and_invertible():
    X = np.arange(20, dtype=float)[:, None]
    ds = Dataset(X, 300 + 50 * X, "regression", ["x"], target_names=["y"])
    data = prepare(ds, scaling="minmax", val_fraction=0.0)
    assert data.X_train.min() == 0 and data.X_train.max() == 1
    np.testing.assert_allclose(data.Y_train.std(), 1)
    np.testing.assert_allclose(np.sort(data.y_scaler.inverse_transform(data.Y_train)[:, 0]), np.sort(ds.Y[:, 0]))


def test_scaler_handles_constant_columns_and_round_trips():
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    s = Scaler("minmax").fit(X)
    np.testing.assert_allclose(s.transform(X), [[0, 0], [1, 0]])
    again = Scaler.from_dict(s.to_dict())
    np.testing.assert_allclose(again.transform(X), s.transform(X))
    with pytest.raises(ValueError, match="valid scalings: none, standard, minmax"):
        Scaler("robust")


def test_prepare_rejects_bad_fractions():
    with pytest.raises(ValueError, match="val_fraction must be in"):
        prepare(_classes([5, 5]), val_fraction=1.5)
