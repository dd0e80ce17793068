"""Series: a list of numbers that grows by one every epoch, stored in fixed-size blocks.

A run's history gains one number per series each epoch for as long as the run goes on.
A contiguous array has to be re-allocated (and copied) as it grows, and in a long run
those moves leave holes in the heap between the training loop's other allocations: the
process keeps far more memory than the history uses. Blocks are allocated once and
never move, so a series costs its 8 bytes an entry and nothing more.
"""

from collections.abc import Sequence

import numpy as np

BLOCK = 4096  # entries per block (32 KiB of float64)


class Series(Sequence):
    """A growing sequence of float64 (or int64) numbers.

    Indexes, slices (giving a NumPy array), iterates, appends and compares like a list;
    ``np.asarray(series)`` gives a copy of the values as one array.
    """

    def __init__(self, values=(), dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self._blocks = []
        self._n = 0
        self.extend(values)

    def __len__(self):
        return self._n

    def append(self, value):
        i = self._n % BLOCK
        if i == 0:
            self._blocks.append(np.empty(BLOCK, self.dtype))
        self._blocks[-1][i] = value
        self._n += 1

    def extend(self, values):
        values = np.asarray(values, self.dtype).reshape(-1)
        while len(values):
            i = self._n % BLOCK
            if i == 0:
                self._blocks.append(np.empty(BLOCK, self.dtype))
            part = values[:BLOCK - i]
            self._blocks[-1][i:i + len(part)] = part
            self._n += len(part)
            values = values[len(part):]

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._n)
            return self._range(start, max(start, stop))[::step] if step > 0 else self.to_numpy()[index]
        index = int(index)
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError("series index out of range")
        return self._blocks[index // BLOCK][index % BLOCK].item()

    def _range(self, start, stop):
        """Entries start … stop − 1 as one array, touching only the blocks they are in."""
        parts = [self._blocks[b][max(start - b * BLOCK, 0):min(stop - b * BLOCK, BLOCK)]
                 for b in range(start // BLOCK, -(-stop // BLOCK))]
        return np.concatenate(parts) if parts else np.empty(0, self.dtype)

    def __iter__(self):
        for b, block in enumerate(self._blocks):
            yield from block[:min(self._n - b * BLOCK, BLOCK)].tolist()

    def to_numpy(self):
        return self._range(0, self._n)

    def __array__(self, dtype=None, copy=None):
        values = self.to_numpy()
        return values if dtype is None else values.astype(dtype)

    def tolist(self):
        return self.to_numpy().tolist()

    def copy(self):
        return Series(self.to_numpy(), self.dtype)

    def __eq__(self, other):
        """Same length and values (nan equals nan: a series without validation data equals itself)."""
        if not isinstance(other, (Series, Sequence, np.ndarray)) or isinstance(other, str):
            return NotImplemented
        other = np.asarray(other)
        return len(other) == self._n and bool(np.array_equal(self.to_numpy(), other, equal_nan=True))

    __hash__ = None

    def __repr__(self):
        return f"Series({self.tolist()!r})"
