"""Feature scaling, fitted on the training split only and saved with a model.

Every scaler is the affine map x′ = (x − offset) / scale, per column, so an
exported model can apply it as two graph nodes (Sub, Div).
"""

import numpy as np

SCALINGS = ("none", "standard", "minmax")


class Scaler:
    """``none``: identity; ``standard``: zero mean, unit variance; ``minmax``: each column to [0, 1].

    Constant columns get scale 1 (they become 0 instead of dividing by zero).
    """

    def __init__(self, kind="none", offset=None, scale=None):
        if kind not in SCALINGS:
            raise ValueError(f"unknown scaling {kind!r}; valid scalings: {', '.join(SCALINGS)}")
        self.kind = kind
        self.offset = None if offset is None else np.asarray(offset, dtype=np.float64)
        self.scale = None if scale is None else np.asarray(scale, dtype=np.float64)

    def fit(self, X):
        """Learn offset and scale from X (N, d); returns self."""
        X = np.asarray(X, dtype=np.float64)
        if self.kind == "standard":
            offset, scale = X.mean(axis=0), X.std(axis=0)
        elif self.kind == "minmax":
            offset, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        else:
            offset, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.offset = offset
        self.scale = np.where(scale > 0, scale, 1.0)
        return self

    @property
    def fitted(self):
        return self.offset is not None

    def transform(self, X, dtype=np.float64):
        if not self.fitted:
            raise ValueError("the scaler has not been fitted")
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-1] != self.offset.size:
            raise ValueError(f"expected {self.offset.size} columns, got {X.shape[-1]}")
        return ((X - self.offset) / self.scale).astype(dtype, copy=False)

    def inverse_transform(self, X):
        return np.asarray(X, dtype=np.float64) * self.scale + self.offset

    def to_dict(self):
        return {"kind": self.kind,
                "offset": None if self.offset is None else self.offset.tolist(),
                "scale": None if self.scale is None else self.scale.tolist()}

    @classmethod
    def from_dict(cls, data):
        return cls(data["kind"], data.get("offset"), data.get("scale"))

    def __repr__(self):
        return f"Scaler({self.kind!r}, fitted={self.fitted})"


def check_scaled(scaler, scaled, raw, names, where, dtype):
    """ValueError naming the first column whose legal but extreme values (±1e308) could not be scaled
    into finite ``dtype`` numbers — the scaler's mean or variance overflowed, or the values outgrow
    float32 — instead of a NaN found later in training, far from its cause."""
    bad = ~(np.isfinite(scaler.offset) & np.isfinite(scaler.scale))
    for part in scaled:
        bad |= ~np.isfinite(part).all(axis=0) if len(part) else False
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        largest = float(np.max(np.abs(raw[:, j])))
        raise ValueError(f"{where}: column {names[j]!r} holds values up to {largest:.3g} in magnitude, too large "
                         f"to scale into {dtype} numbers — express it in larger units (divide it by a power of "
                         "ten) so its values stay below about 1e150")
