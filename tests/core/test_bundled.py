"""Bundled real datasets: shapes, classes, values matching their published descriptions."""

import numpy as np
import pytest

from bpstudio.core.data.bundled import BUNDLED
from bpstudio.core.data.loading import DataError, list_datasets, load_dataset
from bpstudio.paths import resource_path


@pytest.mark.parametrize("name, shape, classes", [
    ("iris", (150, 4), ["setosa", "versicolor", "virginica"]),
    ("wine", (178, 13), ["class_0", "class_1", "class_2"]),
    ("breast_cancer", (569, 30), ["benign", "malignant"]),
    ("digits", (1797, 64), [str(d) for d in range(10)]),
])
def test_classification_sets_have_their_published_shape(name, shape, classes):
    ds = load_dataset(name)
    assert ds.X.shape == shape and ds.task == "classification" and ds.class_names == classes
    assert ds.Y.shape == (shape[0], len(classes)) and (ds.Y.sum(axis=1) == 1).all()
    assert ds.source == name and ds.description == BUNDLED[name].description


def test_known_values():
    iris = load_dataset("iris")
    np.testing.assert_allclose(iris.X[0], [5.1, 3.5, 1.4, 0.2])
    assert np.bincount(iris.labels).tolist() == [50, 50, 50]
    digits = load_dataset("digits")
    assert digits.X.min() == 0 and digits.X.max() == 16
    assert np.bincount(digits.labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    cancer = load_dataset("breast_cancer")
    assert np.bincount(cancer.labels).tolist() == [357, 212]     # benign, malignant
    assert cancer.feature_names[0] == "mean radius" and cancer.feature_names[-1] == "worst fractal dimension"


def test_diabetes_is_a_regression_on_the_raw_variables():
    ds = load_dataset("diabetes")
    assert ds.task == "regression" and ds.X.shape == (442, 10) and ds.Y.shape == (442, 1)
    assert ds.feature_names == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    assert ds.target_names == ["progression"] and ds.Y[0, 0] == 151 and 25 <= ds.Y.min() < ds.Y.max() <= 346


def test_every_bundled_file_is_listed_with_its_licence():
    readme = resource_path("datasets", "README.md").read_text()
    infos = {i.name: i for i in list_datasets() if i.kind == "bundled"}
    assert set(infos) == set(BUNDLED) == {"iris", "wine", "breast_cancer", "digits", "diabetes"}
    for name, info in infos.items():
        assert BUNDLED[name].file in readme
        ds = load_dataset(name)
        assert (info.task, info.n_features, info.n_outputs) == (ds.task, ds.n_features, ds.n_outputs)
    assert "BSD-3-Clause" in readme and "Fisher" in readme


def test_real_data_takes_no_generator_parameters():
    with pytest.raises(DataError, match="real data; n_samples and noise only apply to generated"):
        load_dataset("iris", n_samples=10)


def test_iris_trains_to_high_accuracy_through_prepare():
    from bpstudio.core import Network, TrainConfig, Trainer
    from bpstudio.core.data.dataset import prepare
    data = prepare(load_dataset("iris"), scaling="standard", val_fraction=0.3, seed=0)
    assert np.bincount(data.Y_val.argmax(axis=1)).tolist() == [15, 15, 15]     # stratified
    net = Network([4, 8, 3], activations=["tanh", "softmax"], seed=0)
    config = TrainConfig(learning_rate=0.05, batch_mode="mini-batch", batch_size=16, epochs=100,
                         cost="cross_entropy", optimizer="adam")
    history = Trainer(net, config).fit(data.X_train, data.Y_train, data.X_val, data.Y_val)
    assert history.val_accuracy[-1] >= 0.9


def test_data_error_is_a_value_error_exported_from_core():
    import bpstudio.core as core
    assert issubclass(core.DataError, ValueError) and core.load_dataset is load_dataset
