"""What each neuron computes: its activation over a plane of inputs, as an image.

For 2-D data the plane is the input plane itself; for wider data it is spanned by two
chosen features, every other feature held at its mean. One forward pass over all grid
points gives every neuron's image at once (the output neurons' images are the decision
boundary).
"""

import numpy as np

GRID = 48     # points per side
PAD = 0.08    # margin around the data, as a share of its range


def feature_plane(X, i, j, n=GRID, pad=PAD):
    """Grid points in the data's own units: features ``i`` (x) and ``j`` (y) vary over their range,
    the others sit at their means. Returns (points (n·n, d), extent (x_min, x_max, y_min, y_max));
    row r of the image is y = the r-th grid value (y slowest)."""
    X = np.asarray(X, np.float64)
    if X.ndim != 2 or X.shape[1] < 2 or len(X) == 0:
        raise ValueError(f"a feature plane needs 2-D data with at least 2 features, got shape {X.shape}")
    for name, f in (("i", i), ("j", j)):
        if not 0 <= f < X.shape[1]:
            raise ValueError(f"feature {name}={f} out of range: the data has {X.shape[1]} features")
    lo, hi = X[:, [i, j]].min(axis=0), X[:, [i, j]].max(axis=0)
    margin = pad * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - margin, hi + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
    points = np.repeat(X.mean(axis=0)[None, :], n * n, axis=0)
    points[:, i], points[:, j] = gx.ravel(), gy.ravel()
    return points, (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def activation_images(net, grid, n=GRID):
    """Per weight layer, an (n_units, n, n) array: each neuron's activation over the grid
    (``grid``: n·n inputs as the network sees them, e.g. scaled)."""
    trace = net.forward(grid)
    return [a.T.reshape(a.shape[1], n, n) for a in trace.a[1:]]
