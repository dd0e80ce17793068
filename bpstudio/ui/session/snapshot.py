"""What the live views draw: a copy of a run's state at one moment (no Qt here).

The training thread builds a ``Snapshot`` at most every ``SNAPSHOT_INTERVAL``
seconds and hands it to the GUI thread. Everything in it is a copy, so the
views never read weights the optimizer is changing in place.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from bpstudio.core.explain import health

# Seconds: at most 10 snapshots a second. The frames redraw one view every 50–250 ms, so a faster
# rate was mostly built (~0.6 ms of the training thread each) and delivered, then dropped unseen.
SNAPSHOT_INTERVAL = 0.1
HISTORY_KEYS = ("epoch", "train_cost", "val_cost", "train_accuracy", "val_accuracy", "time")
GRID_SIZE = 120              # the decision plane is sampled on GRID_SIZE × GRID_SIZE points
PROBE_SAMPLES = 256          # training samples the gradient norms are measured on


@dataclass
class Probe:
    """Fixed inputs the views need evaluated: a grid over the data's plane and a gradient sample.

    ``grid`` holds scaled inputs (what the network sees); ``extent`` is
    (x_min, x_max, y_min, y_max) in the data's own units, for the axes.
    """

    X_grad: np.ndarray
    Y_grad: np.ndarray
    grid: np.ndarray | None = None    # 2-D data: GRID_SIZE² points, row-major with y slowest; 1-D data: a line
    extent: tuple | None = None       # (x_min, x_max) or (x_min, x_max, y_min, y_max)


@dataclass
class Snapshot:
    """One moment of a run. ``history`` holds the epochs from ``history_start`` on (new since the last snapshot)."""

    run_id: int
    params: np.ndarray
    progress: object               # bpstudio.core.Progress
    history_start: int
    history: dict
    grad_norms: np.ndarray         # ‖∇Wˡ‖ per layer on the probe sample
    plane: np.ndarray | None       # network outputs on probe.grid, (n_grid, n_out)
    finished: str = ""             # the stop reason once fit/step returned
    update_ratios: np.ndarray | None = None   # ‖ΔWˡ‖/‖Wˡ‖ of the last update (None before the first)
    saturation: list | None = None            # per layer, share of probe samples with σ′ ≈ 0, per unit
    last_change: np.ndarray | None = None     # ΔW of the last update, flat like params (None before the first)
    updates: dict | None = None               # UpdateLog.rows new since the last snapshot (per-update health)
    made_at: float = field(default_factory=time.perf_counter)


def make_probe(prepared, seed=0):
    """The probe for a ``Prepared`` dataset: a seeded training sample, and a grid for 1-D or 2-D data."""
    X, Y = prepared.X_train, prepared.Y_train
    rows = np.random.default_rng(seed).permutation(len(X))[:PROBE_SAMPLES]
    probe = Probe(X_grad=X[rows], Y_grad=Y[rows])
    raw = prepared.dataset.X
    if raw.shape[1] > 2:
        return probe
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    pad = 0.08 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    axes = [np.linspace(a, b, GRID_SIZE if raw.shape[1] == 2 else 4 * GRID_SIZE) for a, b in zip(lo, hi)]
    if raw.shape[1] == 2:
        gx, gy = np.meshgrid(*axes)   # row i is y = axes[1][i]
        points = np.column_stack([gx.ravel(), gy.ravel()])
    else:
        points = axes[0][:, None]
    probe.grid = prepared.x_scaler.transform(points, X.dtype)
    probe.extent = tuple(float(v) for pair in zip(lo, hi) for v in pair)
    return probe


def make_snapshot(run_id, trainer, probe, history_start, finished="", log=None, log_start=0):
    """Copy what the views need from ``trainer`` (call on the thread that trains); ``log``: the run's
    UpdateLog, whose rows from ``log_start`` on go along."""
    net, h = trainer.net, trainer.history
    history = {key: list(getattr(h, key)[history_start:]) for key in HISTORY_KEYS}
    plane = None
    if probe.grid is not None:
        plane = net.predict(probe.grid)
    return Snapshot(
        run_id=run_id, params=net.params.copy(), progress=trainer.progress(),
        history_start=history_start, history=history,
        grad_norms=gradient_norms(net, probe, trainer.config.cost),
        plane=plane, finished=finished, **_health(trainer, probe),
        last_change=None if trainer.last_update is None else -trainer.last_update.copy(),
        updates=None if log is None else log.rows(log_start),
    )


def _health(trainer, probe):
    """Update ratios of the last step and per-unit saturation on the probe sample (for the Health view)."""
    net = trainer.net
    with np.errstate(all="ignore"):   # a diverging run is reported by the trainer, not as a warning here
        ratios = None if trainer.last_update is None else health.update_ratios(net, trainer.last_update)
        return {"update_ratios": ratios, "saturation": health.saturation(net, probe.X_grad)}


def gradient_norms(net, probe, cost):
    """Frobenius norm of ∂C/∂Wˡ per layer on the probe sample (small values: vanishing gradients)."""
    with np.errstate(all="ignore"):
        grad_w, _ = net.gradients(probe.X_grad, probe.Y_grad, cost)
    return np.array([np.linalg.norm(g) for g in grad_w], dtype=np.float64)
