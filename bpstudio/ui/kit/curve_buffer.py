"""CurveBuffer: the points a live curve draws, in bounded memory however long the run.

A growing curve lives in buffers that double when full (pyqtgraph's scrolling-plot
pattern). Past ``max_points`` every other stored point is dropped, and from then on only
every ``stride``-th new point is stored: the points kept are always points 0, stride,
2·stride, … of all that were added, evenly spread from the first. A plot is ~1000 px wide,
so this loses nothing visible; the run's History keeps every epoch. ``last`` is the newest
point added, for drawing the curve's end even when thinning skipped it.

Pure NumPy (no Qt): the views and panels hand ``x`` and ``y`` to their plot items.
"""

import numpy as np

MAX_POINTS = 1 << 12   # stored per curve (a plot is ~1000 px wide); a longer run is thinned for drawing
START = 256            # points the buffers hold before they first double


class CurveBuffer:
    """x (n,) and y (n,) — or y (n, width) for several curves sharing x — thinned past ``max_points``."""

    def __init__(self, width: int | None = None, dtype=np.float64, max_points: int = MAX_POINTS) -> None:
        self.width, self.dtype, self.max_points = width, np.dtype(dtype), max_points
        self.clear()

    def clear(self) -> None:
        """Forget every point (a new run)."""
        shape = (START,) if self.width is None else (START, self.width)
        self._x, self._y = np.empty(START, self.dtype), np.empty(shape, self.dtype)
        self.n = 0
        self.stride = 1      # points added per point stored
        self.added = 0       # points added since the last clear
        self.last = None     # (x, y) of the newest point added

    @property
    def x(self) -> np.ndarray:
        """The stored x values (a view: copy it to keep it past the next ``extend``)."""
        return self._x[:self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.n]

    def extend(self, xs, ys) -> None:
        """Add points: ``xs`` (k,), ``ys`` (k,) or (k, width)."""
        xs, ys = np.asarray(xs, self.dtype).reshape(-1), np.asarray(ys, self.dtype)
        if not len(xs):
            return
        self.last = (xs[-1], ys[-1])
        keep = (self.added + np.arange(len(xs))) % self.stride == 0
        self.added += len(xs)
        self._store(xs[keep], ys[keep])
        while self.n > self.max_points:   # keep points 0, 2·stride, 4·stride, … of all added
            self.n = (self.n + 1) // 2
            self._x[:self.n] = self._x[:2 * self.n:2]
            self._y[:self.n] = self._y[:2 * self.n:2]
            self.stride *= 2

    def _store(self, xs, ys):
        end = self.n + len(xs)
        if end > len(self._x):
            # Thinning starts past max_points: a buffer never needs more than max_points + the new points.
            capacity = max(min(2 * len(self._x), self.max_points + 1), end)
            self._x = _grown(self._x, capacity)
            self._y = _grown(self._y, capacity)
        self._x[self.n:end] = xs
        self._y[self.n:end] = ys
        self.n = end


def _grown(array, rows):
    """``array`` with room for ``rows`` rows, the stored ones kept."""
    grown = np.empty((rows, *array.shape[1:]), array.dtype)
    grown[:len(array)] = array
    return grown
