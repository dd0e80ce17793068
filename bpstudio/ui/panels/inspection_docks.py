"""Wires the inspection panels (Inspector, Health, Runs, Evaluation) into the main window.

The panels read a private copy of the network (``view_net``), refreshed from the
session's snapshots, so they never read weights the worker is changing. What the
inspector changes (Step, a hand edit, a rewind) is copied back into the session's
network only while the worker is idle, and then shown everywhere through a fresh
snapshot. Redraws are throttled and skipped for hidden docks.
"""

from dataclasses import replace

import numpy as np

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

from bpstudio.core.train.run_state import RunState

from ..kit.lazy import LazyPanel
from ..kit.wheel import scrolled
from ..views.frames import on_screen
from .evaluation import EvaluationPanel
from .health import HealthPanel, flagged_units
from .inspector import InspectorPanel
from .landscape import LossSurfacePanel, RunsRequest, SurfaceRequest, check_comparable
from .runs import Experiment, RunsPanel

# While training, the inspector, health and evaluation redraw at most once a second: numbers that
# change faster cannot be read, and redrawing them would take GUI time from the live views.
TRAINING_REFRESH_MS = 1000
INSPECTING_SHARE = 0.6   # of the window's height, for the bottom area while an inspection dock is raised


class InspectionDocks(QObject):
    """Adds the four docks to ``window`` (a MainWindow) and keeps them in step with ``window.session``."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.inspector, self.health = InspectorPanel(), HealthPanel()
        self.inspector.refresh_when_shown()   # a tab behind Weights: it computes when first raised
        # Runs and Evaluation are made when first seen (~0.1 s of start-up): Runs draws the session's run
        # book and gets the current experiment; Evaluation computes from the latest weights when shown.
        self.experiment = None   # what Compare and the sweep start from (``_on_config_changed``)
        self._runs = LazyPanel(lambda: RunsPanel(self.session.runs), self._on_runs_made)
        self._evaluation = LazyPanel(EvaluationPanel, lambda panel: self._schedule())
        self.surface = LossSurfacePanel()
        self.surface.set_source(self._surface_request)
        self.view_net, self.latest, self.last_epoch, self.marked = None, None, -1, None
        self.before_inspecting = None   # (Weights height, right docks' undo), while an inspection dock is raised
        self.raised = set()   # the inspection docks on screen (a tab behind another still says isVisible())
        self.refresh_timer = QTimer(self, singleShot=True, timeout=self._refresh_views)
        self.docks = {}
        for title, panel in (("Inspector", self.inspector), ("Health", self.health), ("Runs", self._runs),
                             ("Evaluation", self._evaluation), ("Loss surface", self.surface)):
            dock = QDockWidget(title, window)
            dock.setObjectName(f"dock {title}")   # saveState() needs object names
            dock.setWidget(scrolled(panel))
            dock.visibilityChanged.connect(lambda visible: visible and self._schedule())
            dock.visibilityChanged.connect(lambda visible, dock=dock: self._on_raised(dock, visible))
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            window.tabifyDockWidget(window.docks["Weights"], dock)
            self.docks[title] = window.docks[title] = dock   # window.docks: listed in the View menu
        window.docks["Weights"].raise_()
        self._connect()
        self._on_network_changed()
        self._on_dataset_changed()

    runs = property(lambda self: self._runs.panel, doc="The Runs panel (made on first use).")
    evaluation = property(lambda self: self._evaluation.panel, doc="The Evaluation panel (made on first use).")

    def _on_runs_made(self, runs):
        runs.learningRateChosen.connect(self._use_learning_rate)
        runs.surfacesRequested.connect(self._compare_surfaces)
        runs.set_experiment(self.experiment)

    def _on_raised(self, dock, visible):
        (self.raised.add if visible else self.raised.discard)(dock)
        QTimer.singleShot(0, self, self._make_room)

    def _make_room(self):
        """Inspection work gets the room it needs: while Inspector, Health, Runs or Evaluation is the
        raised tab of the bottom area, that area reaches under the right-hand docks and takes about
        60 % of the height, and the right-hand docks share one tabbed column (stacked in the ~40 % left
        above, each was squeezed unreadable); raising Weights again gives back the layout it had."""
        w = self.window
        shown = [d for d in self.raised if not d.isFloating()
                 and w.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        inspecting = bool(shown)
        if inspecting == (self.before_inspecting is not None):
            return
        if inspecting:
            height = w.docks["Weights"].height()
            self._relayout(Qt.DockWidgetArea.BottomDockWidgetArea, shown[0], int(INSPECTING_SHARE * w.height()))
            self.before_inspecting = (height, self._stack_right_docks())
        else:
            (height, stacked), self.before_inspecting = self.before_inspecting, None
            self._relayout(Qt.DockWidgetArea.RightDockWidgetArea, w.docks["Weights"], height)   # the default corner
            if stacked:
                self._unstack_right_docks(*stacked)

    def _right_docks(self):
        """Decision boundary, Network diagram, Gradient norms — if all are docked on the right."""
        w = self.window
        docks = [w.docks[t] for t in ("Decision boundary", "Network diagram", "Gradient norms")]
        on_right = all(not d.isFloating() and d.isVisible()
                       and w.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea for d in docks)
        return docks if on_right else None

    def _stack_right_docks(self):
        """Tab the right-hand docks together (Decision boundary in front); returns what undoes it: the
        two heights and which of the lower pair was in front, or None when the user has moved them."""
        docks = self._right_docks()
        if docks is None or docks[0] in self.window.tabifiedDockWidgets(docks[1]):
            return None
        boundary, diagram, norms = docks
        front = diagram if norms.visibleRegion().isEmpty() else norms   # the tab in front of the pair
        undo = (boundary.height(), diagram.height(), front)
        for dock in (diagram, norms):
            self.window.tabifyDockWidget(boundary, dock)
        boundary.raise_()
        return undo

    def _unstack_right_docks(self, boundary_height, lower_height, front):
        docks = self._right_docks()
        if docks is None:
            return
        boundary, diagram, norms = docks
        w = self.window
        # splitDockWidget would only add a tab to a tabbed dock: take the pair out and put it back below
        for dock in (diagram, norms):
            w.removeDockWidget(dock)
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, diagram, Qt.Orientation.Vertical)
        w.tabifyDockWidget(diagram, norms)
        for dock in (diagram, norms):
            dock.show()
        front.raise_()
        w.resizeDocks([boundary, diagram], [boundary_height, lower_height], Qt.Orientation.Vertical)
        QTimer.singleShot(0, w, lambda: w.resizeDocks([boundary, diagram], [boundary_height, lower_height],
                                                      Qt.Orientation.Vertical))

    def _relayout(self, corner_area, dock, height):
        """The bottom-right corner to ``corner_area``, then ``dock`` ``height`` tall (sizes asked for
        before the new corner is laid out would be lost)."""
        w = self.window
        w.setCorner(Qt.Corner.BottomRightCorner, corner_area)
        w.layout().invalidate()
        w.layout().activate()
        w.resizeDocks([dock], [height], Qt.Orientation.Vertical)
        for delay in (0, 50):   # again after tab switches (and the right docks' regrouping) are laid out
            QTimer.singleShot(delay, w, lambda: w.resizeDocks([dock], [height], Qt.Orientation.Vertical))

    def _connect(self):
        s = self.session
        s.datasetChanged.connect(self._on_dataset_changed)
        s.networkChanged.connect(self._on_network_changed)
        s.configChanged.connect(self._on_config_changed)
        s.runReset.connect(self._on_run_reset)
        s.snapshot.connect(self._on_snapshot)
        s.stateChanged.connect(self._on_state_changed)
        self.inspector.parametersEdited.connect(self._push_weights)
        self.health.rewindRequested.connect(self._rewind)
        self.window.weights.weightClicked.connect(self._select_weight)
        self.window.diagram.connectionClicked.connect(self._select_weight)

    # --- session → panels ----------------------------------------------------------

    def _on_network_changed(self):
        s = self.session
        self.view_net = s.net.copy()   # networks are built while idle, so this copy is consistent
        self.inspector.set_network(self.view_net, s.spec.cost)
        self._on_config_changed()
        self._on_run_reset()

    def _on_dataset_changed(self):
        p = self.session.prepared
        if self.view_net is not None and p.X_train.shape[1] == self.view_net.sizes[0]:
            self.inspector.set_data(p.X_train, p.Y_train)
        self._on_config_changed()

    def _on_config_changed(self):
        s = self.session
        self.inspector.set_learning_rate(s.config.learning_rate)
        initial = self.view_net.copy()
        initial.reset()   # comparisons start from the seed's initial weights
        p = s.prepared
        self.experiment = Experiment(initial, s.config, p.X_train, p.Y_train, p.X_val, p.Y_val,
                                     setup=s.setup_of(initial))
        if self._runs.made:
            self.runs.set_experiment(self.experiment)

    def _on_run_reset(self):
        self.health.reset(self.view_net.n_layers)
        self.health.set_n_train(len(self.session.prepared.X_train))
        self.last_epoch, self.marked = -1, None

    def _on_state_changed(self, state):
        editable = state in (RunState.IDLE, RunState.PAUSED)
        self.inspector.set_editable(editable)
        self.health.set_rewind_enabled(editable)

    def _on_snapshot(self, snap):
        if snap is None or snap.run_id != self.session.run_id:
            return
        self.latest = snap
        if snap.updates is not None:
            self.health.add_rows(snap.updates)   # the engine's per-update record
        if snap.progress.epoch > self.last_epoch:
            self.last_epoch = snap.progress.epoch
            self.health.add_snapshot(snap.progress.epoch, snap.params)
        self._schedule()

    def _schedule(self):
        if not self.refresh_timer.isActive():
            self.refresh_timer.start(TRAINING_REFRESH_MS if self.session.state == RunState.TRAINING else 0)

    def _refresh_views(self):
        """Copy the latest snapshot's weights into view_net and redraw the visible panels (while training,
        only those on screen: a tab behind another still says isVisible(); the next refresh, within a
        second, draws a tab brought to the front)."""
        snap = self.latest
        if snap is None or snap.params.shape != self.view_net.params.shape:
            return
        seen = on_screen if self.session.state == RunState.TRAINING else QWidget.isVisible
        self.view_net.params[...] = snap.params
        if snap.saturation is not None:
            self._mark_stuck_units(flagged_units(snap.saturation))
        if seen(self.health):
            self.health.refresh()
            if snap.saturation is not None:
                self.health.set_saturation(snap.saturation, self.view_net.activations)
        if seen(self.inspector):
            self.inspector.refresh()
        if self._evaluation.made and seen(self.evaluation):
            self._evaluate()

    def _mark_stuck_units(self, flags):
        """Outline stuck units in the diagram, only when that changes (re-styling nodes costs a repaint)."""
        key = tuple(tuple(f) for f in flags)
        if key != self.marked:
            self.marked = key
            self.window.diagram.mark_units(flags)

    def _evaluate(self):
        p, ds = self.session.prepared, self.session.dataset
        X, Y, split = (p.X_val, p.Y_val, "validation") if len(p.X_val) else (p.X_train, p.Y_train, "training")
        if ds.is_classification:
            self.evaluation.set_classification(self.view_net, X, Y, ds.class_names, split)
        else:
            self.evaluation.set_regression(self.view_net, X, Y, ds.target_names, p.y_scaler, split)

    def _select_weight(self, layer, j, k):
        """A weight clicked in the Weights heatmaps or the diagram: show its chain rule in the inspector."""
        self.docks["Inspector"].raise_()
        self._refresh_views()
        self.inspector.select_weight(layer + 1, j, k)

    def _surface_request(self):
        """A copy of the current weights, the training data and the run's path, for the loss surface."""
        s, snap = self.session, self.latest
        if snap is None or snap.params.shape != self.view_net.params.shape:
            raise ValueError("no weights to show yet")
        net = self.view_net.copy()
        net.params[...] = snap.params
        path = np.vstack([s.path.array(), snap.params])
        return SurfaceRequest(net, s.prepared.X_train, s.prepared.Y_train, s.config.cost, path[0], path)

    def _compare_surfaces(self, runs):
        """Two runs selected in Runs: their loss surfaces side by side, if they can share a picture."""
        s = self.session
        try:
            check_comparable(runs, s.setup_of(s.net), s.net.n_parameters)
        except ValueError as exc:
            self.runs.status.setText(f"Cannot compare their loss surfaces: {exc}.")
            return
        self.docks["Loss surface"].raise_()
        p = s.prepared
        self.surface.compare_runs(RunsRequest(s.net.copy(), p.X_train, p.Y_train, runs[0].config.cost, runs))

    # --- panels → session -------------------------------------------------------------

    def _push_weights(self, note=""):
        """The inspector changed view_net: ask the session to take its weights (worker idle only)."""
        return self.session.edit_weights(self.view_net.params, note)

    def _rewind(self, epoch, params):
        if params.shape != self.view_net.params.shape:
            return
        self.view_net.params[...] = params
        self._push_weights(f"Weights rewound to epoch {epoch}")

    def _use_learning_rate(self, rate):
        if self.session.set_config(replace(self.session.config, learning_rate=float(rate))):
            self.session.message.emit(f"Learning rate set to {rate:g} from the sweep")

