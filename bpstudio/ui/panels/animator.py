"""Plays weight updates in the network diagram, and sends clicks on its numbers to the Inspector.

An update is played on demand ("Play step" after a Step), and after every update while
"Animate updates" is ticked and training is slow enough to follow (a Step, or at most 1
update/s). Forward and backward are shown on the Inspector's sample, so clicking a neuron
or a connection opens the very number the diagram shows, with its formula.
"""

import numpy as np
from PySide6.QtCore import QObject

from bpstudio.core import RunState
from bpstudio.core.explain.animation import update_frames

from ..views.diagram import FRAME_MS

SLOWEST_ANIMATED = 1.0   # updates per second: faster training is not animated
SHARE_OF_UPDATE = 0.85   # an animation at 1 update/s takes this share of the second


class StepAnimator(QObject):
    """Connects ``window.diagram`` to the session and to ``inspection`` (InspectionDocks)."""

    def __init__(self, window, inspection):
        super().__init__(window)
        self.window, self.session, self.inspection = window, window.session, inspection
        self.diagram = window.diagram
        self.last_played = -1
        self.diagram.playRequested.connect(lambda: self.play(FRAME_MS))
        self.diagram.neuronClicked.connect(self._show_neuron)
        self.session.snapshot.connect(self._on_snapshot)
        self.session.runReset.connect(self.diagram.stop_animation)

    def _on_snapshot(self, snap):
        s = self.session
        if not self.diagram.animate.isChecked() or snap.last_change is None:
            return
        if snap.progress.updates == self.last_played or not self.diagram.isVisible():
            return
        training = s.state == RunState.TRAINING
        if training and not (s.speed and s.speed <= SLOWEST_ANIMATED):
            return
        period_ms = 1000.0 / s.speed if training else None
        self.play(FRAME_MS, period_ms)

    def play(self, frame_ms, period_ms=None):
        """Play the latest update; ``period_ms``: time until the next update, which the animation must fit."""
        snap, s = self.session.latest, self.session
        if snap is None or snap.last_change is None or snap.params.shape != s.net.params.shape:
            self.diagram.caption.setText("Train a step first (Step), then play it.")
            return
        x, y = self._sample()
        after = snap.params.astype(np.float64)
        with np.errstate(all="ignore"):
            frames = update_frames(s.net, after - snap.last_change, after, x, y, s.config.cost)
        if period_ms is not None:
            frame_ms = min(frame_ms, SHARE_OF_UPDATE * period_ms / len(frames))
        self.last_played = snap.progress.updates
        self.diagram.play(frames, frame_ms)

    def _sample(self):
        """The Inspector's first inspected sample (the first training sample if it has none)."""
        inspector = self.inspection.inspector
        if getattr(inspector, "X", None) is not None and len(inspector.X):
            X, Y = inspector.inspected()
            if len(X):
                return X[:1], Y[:1]
        p = self.session.prepared
        return p.X_train[:1], p.Y_train[:1]

    def _show_neuron(self, layer, j, quantity):
        """A neuron clicked: open the Inspector on its activation (or δ, while δ flows back)."""
        inspection = self.inspection
        inspection.docks["Inspector"].raise_()
        inspection._refresh_views()
        rows = getattr(inspection.inspector, "rows", [])
        key, row = ("a_prev", 0) if layer == 0 else (quantity, layer - 1)
        if row < len(rows):
            rows[row].views[key].select_cell(j, 0)
            rows[row].views[key].setFocus()
