"""Neuron images: one forward pass over a plane of inputs gives every neuron's activation."""

import numpy as np
import pytest

from bpstudio.core import Network
from bpstudio.core.explain.neurons import activation_images, feature_plane


def test_images_hold_each_neurons_activation_at_each_grid_point():
    net = Network([2, 3, 2], ["tanh", "softmax"], seed=4)
    X = np.random.default_rng(0).standard_normal((50, 2))
    points, extent = feature_plane(X, 0, 1, n=5)
    images = activation_images(net, points, n=5)
    assert [im.shape for im in images] == [(3, 5, 5), (2, 5, 5)]
    r, c = 3, 1   # image row r is the r-th y value, column c the c-th x value
    x = np.array([[np.linspace(extent[0], extent[1], 5)[c], np.linspace(extent[2], extent[3], 5)[r]]])
    hidden = np.tanh(x @ net.weights[0].T + net.biases[0])
    np.testing.assert_allclose(images[0][:, r, c], hidden[0])
    np.testing.assert_allclose(images[1][:, r, c], net.predict(x)[0])   # the output image: the decision boundary


def test_wider_data_varies_two_features_and_holds_the_rest_at_their_means():
    X = np.random.default_rng(1).uniform(0, 10, (40, 4))
    points, extent = feature_plane(X, 2, 0, n=6)
    assert points.shape == (36, 4)
    np.testing.assert_allclose(points[:, 1], X[:, 1].mean())
    np.testing.assert_allclose(points[:, 3], X[:, 3].mean())
    assert points[:, 2].min() == pytest.approx(extent[0]) and points[:, 0].max() == pytest.approx(extent[3])
    assert extent[0] < X[:, 2].min() and extent[1] > X[:, 2].max()   # a margin around the data


def test_a_feature_out_of_range_is_named():
    with pytest.raises(ValueError, match="feature j=5 out of range: the data has 3 features"):
        feature_plane(np.zeros((4, 3)), 0, 5)
