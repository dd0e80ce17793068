"""Series: the history's growing sequences behave like lists and never move what they store."""

import numpy as np
import pytest

from bpstudio.core.train.series import BLOCK, Series


def test_a_series_across_blocks_indexes_slices_and_iterates_like_a_list():
    values = [float(i) / 7 for i in range(2 * BLOCK + 123)]
    series = Series()
    for v in values:
        series.append(v)
    assert len(series) == len(values) and list(series) == values and series.tolist() == values
    for i in (0, BLOCK - 1, BLOCK, 2 * BLOCK + 122, -1, -BLOCK - 1):
        assert series[i] == values[i]
    for s in (slice(BLOCK - 5, BLOCK + 5), slice(10, None), slice(None, None, 3), slice(-7, None),
              slice(None, None, -2), slice(5, 5), slice(BLOCK + 2, 3)):
        np.testing.assert_array_equal(series[s], values[s])
    np.testing.assert_array_equal(np.asarray(series), values)
    with pytest.raises(IndexError):
        series[len(values)]
    assert series and not Series()


def test_appending_never_moves_stored_values():
    series = Series(range(10))
    first_block = series._blocks[0]
    address = first_block.__array_interface__["data"][0]
    series.extend(np.arange(5 * BLOCK))
    assert series._blocks[0] is first_block and first_block.__array_interface__["data"][0] == address
    assert len(series._blocks) == -(-(5 * BLOCK + 10) // BLOCK)   # full blocks, no spare ones


def test_equality_copy_and_integer_series():
    a = Series([1.0, float("nan"), 3.0])
    assert a == Series([1.0, float("nan"), 3.0]) and a == [1.0, float("nan"), 3.0]
    assert a != Series([1.0, 2.0, 3.0]) and a != Series([1.0, float("nan")])
    b = a.copy()
    b.append(4.0)
    assert len(a) == 3 and len(b) == 4
    epochs = Series([1, 2, 3], np.int64)
    assert epochs[-1] == 3 and isinstance(epochs[-1], int) and epochs == [1, 2, 3]
