"""CurveBuffer: the one thinning buffer behind every live curve (cost, accuracy, gradient norms, health)."""

import numpy as np
import pytest

from bpstudio.ui.kit.curve_buffer import CurveBuffer


@pytest.mark.parametrize("batch", [1, 7, 1000, 5000])
def test_a_long_curve_keeps_evenly_spaced_real_points_in_bounded_memory(batch):
    points = CurveBuffer(max_points=1000)
    for start in range(1, 100_001, batch):   # as snapshots deliver them: a few epochs at a time
        xs = np.arange(start, min(start + batch, 100_001))
        points.extend(xs, 1.0 / xs)
    assert 500 <= points.n <= 1000 and len(points._x) <= 1000 + batch   # max_points + one batch at most
    assert points.x[0] == 1 and np.all(np.diff(points.x) == points.stride)   # evenly thinned from the first
    assert np.allclose(points.y, 1.0 / points.x)                              # each one a real point
    assert points.last == (100_000, pytest.approx(1e-5))                      # the newest, for the curve's end


def test_the_points_kept_do_not_depend_on_how_they_arrived():
    one_by_one, in_batches = CurveBuffer(max_points=100), CurveBuffer(max_points=100)
    xs = np.arange(10_000, dtype=float)
    for x in xs:
        one_by_one.extend([x], [2 * x])
    for part in np.array_split(xs, 37):
        in_batches.extend(part, 2 * part)
    np.testing.assert_array_equal(one_by_one.x, in_batches.x)
    np.testing.assert_array_equal(one_by_one.y, in_batches.y)


def test_several_curves_share_x_and_a_short_run_keeps_every_point():
    points = CurveBuffer(3, max_points=1000)
    points.extend(np.arange(300), np.tile([1.0, 2.0, 3.0], (300, 1)))
    assert points.stride == 1 and points.x.tolist() == list(range(300)) and points.y.shape == (300, 3)
    assert np.all(points.y == [1.0, 2.0, 3.0])
    points.clear()
    assert points.n == 0 and points.stride == 1 and points.last is None and points.y.shape == (0, 3)
    points.extend([], np.empty((0, 3)))
    assert points.n == 0
