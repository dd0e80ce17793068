"""The main window: setup panels on the left, live views in docks, run controls in the toolbar.

The window wires the session's signals to the views and panels. Snapshots
arrive at most 20 times a second; the curves keep every one (they carry the
new epochs), and ``frames.FrameScheduler`` decides when each view redraws.
"""

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from bpstudio.core.data.dataset import Dataset
from bpstudio.core.data.loading import load_dataset
from bpstudio.core.train.run_state import RunState

from .actions.examples import ExampleActions
from .actions.files import FileActions
from .actions.menus import build_menus
from .actions.projects import ProjectActions
from .actions.run_controls import RunControls
from .kit.theme import apply_plot_theme
from .kit.wheel import guard_everywhere, install_wheel_guard, scrolled
from .panels.data_panel import DataPanel
from .panels.inspection_docks import InspectionDocks
from .panels.main_docks import MainDocks
from .panels.network_panel import NetworkPanel
from .panels.animator import StepAnimator
from .views.neurons import NeuronsView
from .panels.training_panel import TrainingPanel
from .session.jobs import shutdown_all
from .session.options import DEFAULT_CONFIG, DEFAULT_DATASET
from .session.session import Session
from .views.boundary import BoundaryView
from .views.diagram import DiagramView
from .views.frames import FrameScheduler
from .views.heatmaps import WeightsView
from .views.plots import CurvesView, GradientNormsView
from .views.status import RunStatusBar


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "bpstudio", "bpstudio")


class MainWindow(QMainWindow):
    """``MainWindow()`` opens the default: a generated 2-D dataset and a small network, ready to train."""

    def __init__(self, dataset: Dataset | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        apply_plot_theme()
        origin = None if dataset else (DEFAULT_DATASET, {})
        self.session = Session(dataset or load_dataset(DEFAULT_DATASET), config=DEFAULT_CONFIG, origin=origin,
                               parent=self)
        self._build_views()
        self._build_docks()
        self.files = FileActions(self)
        self.projects = ProjectActions(self)   # sets the title: "Untitled project — bpstudio"
        self.examples = ExampleActions(self)
        self.controls = RunControls(self)
        self.addToolBar(self.controls.toolbar)
        build_menus(self)
        painters = {   # name -> (widget, draw(snapshot)), in the order frames take turns
            "curves": (self.curves, lambda snap: self.curves.refresh()),
            "weights": (self.weights, self._paint_weights),
            "diagram": (self.diagram, self._paint_parameters(self.diagram)),
            "boundary": (self.boundary, lambda snap: self.boundary.set_outputs(snap.plane)),
            "neurons": (self.neurons, lambda snap: self.neurons.set_parameters(snap.params)),
            "grad_norms": (self.grad_norms, lambda snap: self.grad_norms.refresh()),
        }
        self.frames = FrameScheduler(painters, lambda snap: self.status.show_progress(snap.progress), self)
        self._connect()
        self._show_everything()
        self.resize(1440, 900)
        self.dock_layout.size()
        self.dock_layout.remember_default()
        self.dock_layout.restore(app_settings())

    # --- construction ------------------------------------------------------------------

    def _build_views(self):
        self.curves = CurvesView()
        self.boundary = BoundaryView()
        self.weights = WeightsView()
        self.diagram = DiagramView()
        self.grad_norms = GradientNormsView()
        self.neurons = NeuronsView()
        self.data_panel = DataPanel(self.session)
        self.network_panel = NetworkPanel(self.session)
        self.training_panel = TrainingPanel(self.session)
        self.status = RunStatusBar()
        self.setStatusBar(self.status)
        self.setCentralWidget(scrolled(self.curves))   # a small window scrolls the plots, not grows past --size

    def _build_docks(self):
        self.dock_layout = MainDocks(self, self._on_dock_shown)
        self.docks = self.dock_layout.docks   # listed in the View menu; the inspection docks join them
        self.inspection = InspectionDocks(self)   # Inspector, Health, Runs, Evaluation: tabs beside Weights
        self.animator = StepAnimator(self, self.inspection)
        self.docks["Network diagram"].raise_()
        self.dock_layout.watch_tab_bars()

    def _connect(self):
        s = self.session
        s.datasetChanged.connect(self._on_dataset_changed)
        s.configChanged.connect(self._on_config_changed)
        s.networkChanged.connect(self._on_network_changed)
        s.runReset.connect(self._on_run_reset)
        s.snapshot.connect(self._on_snapshot)
        s.stateChanged.connect(self._on_state_changed)
        s.message.connect(self.status.show_message)
        s.error.connect(lambda text: self.status.show_message(text, is_error=True))
        self.network_panel.validityChanged.connect(lambda _: self._on_state_changed(s.state))
        self.controls.speed.currentIndexChanged.connect(lambda _: self._on_state_changed(s.state))   # outlines
        self.data_panel.requested.connect(lambda source, options: self.files.load(source, **options))
        self.data_panel.openFileRequested.connect(self.files.open_data)
        self.data_panel.fileRequested.connect(self.files.open_path)

    def _show_everything(self):
        """Bring every view up to date with the session (its first signals fired before we connected)."""
        self._on_dataset_changed()
        self._on_network_changed()
        self._on_run_reset()
        self._on_state_changed(self.session.state)
        self._on_snapshot(self.session.latest)

    # --- session → views ----------------------------------------------------------------

    def _on_dataset_changed(self):
        s = self.session
        self.boundary.set_data(s.prepared)
        self.neurons.set_data(s.prepared)
        self.boundary.set_extent(s.probe.extent)
        self.curves.set_classification(s.dataset.is_classification)
        self._on_config_changed()

    def _on_config_changed(self):
        n_train = len(self.session.prepared.X_train)
        self.curves.set_run_shape(n_train, self.session.config.batch_size_for(n_train))

    def _on_network_changed(self):
        s = self.session
        sizes = s.net.sizes
        self.weights.set_network(sizes)
        ds = s.dataset
        outputs = ds.class_names or ds.target_names
        if sizes[-1] == 1 and len(ds.class_names) == 2:   # one sigmoid output for two classes
            outputs = [f"P({ds.class_names[1]})"]
        self.diagram.set_network(sizes, ds.feature_names, outputs)
        self.grad_norms.set_layers(sizes)
        self.neurons.set_network(s.net)

    def _on_run_reset(self):
        self.curves.clear()
        self.grad_norms.clear()
        self.weights.reset_levels()
        self.diagram.reset_levels()

    def _on_snapshot(self, snap):
        self.curves.add_snapshot(snap)      # every snapshot carries new epochs: keep them all
        self.grad_norms.add_snapshot(snap)
        # Slowed down, every update is drawn in every view at once (the frames would lag behind); so is a
        # run's last snapshot, tabs behind others too (while training, frames draw only what is on screen).
        live = self.session.state == RunState.TRAINING and not self.session.slow and not snap.finished
        self.frames.submit(snap, training=live)

    def _paint_parameters(self, view):
        def paint(snap):
            view.set_parameters(*self.session.net.layer_views(snap.params))
        return paint

    def _paint_weights(self, snap):
        net = self.session.net
        change = None if snap.last_change is None else net.layer_views(snap.last_change)
        self.weights.set_parameters(*net.layer_views(snap.params), change=change)

    def _on_dock_shown(self, visible):
        if visible:
            self.frames.view_shown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The wheel scrolls panels, not settings. Installed now, once every control built so far is
        # polished (it guards those itself and later ones as they are polished): every Qt event passes
        # its filter, ~22k of them (~0.09 s) while the window is built, before a wheel can reach it.
        install_wheel_guard()
        # With the window as context: a window closed and deleted before the timer fires cancels it.
        QTimer.singleShot(0, self, self.frames.draw_visible)

    def _on_state_changed(self, state):
        self.status.show_state(state)
        self.controls.show_state(state, self.network_panel.valid)
        self.files.set_idle(state.editable)
        self.weights.set_outlines(state != RunState.TRAINING or self.session.slow)
        guard_everywhere(state != RunState.TRAINING, window=self)   # training: the wheel guard leaves the GIL to it

    def use_dataset(self, dataset: Dataset, origin: tuple[str, dict] | None = None) -> None:
        """Train on ``dataset`` from now on (split with the data panel's options); ``origin``: the
        (name or path, load options) it was read with."""
        try:
            if self.session.set_dataset(dataset, self.data_panel.options(), origin):
                self.files.remember(dataset.source)
        except ValueError as exc:
            self.status.show_message(f"Could not use {dataset.source}: {exc}", is_error=True)

    # --- commands ------------------------------------------------------------------------

    def size_docks(self) -> None:
        self.dock_layout.size()

    def show_all_views(self) -> None:
        self.dock_layout.show_all()

    def reset_layout(self) -> None:
        self.dock_layout.reset()

    def settings(self) -> QSettings:
        return app_settings()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.projects.may_close():   # unsaved changes: Cancel, or Save first (it closes the window after)
            event.ignore()
            return
        self.dock_layout.save(app_settings())
        shutdown_all(self)   # training, loading, saving, experiments, surfaces: one bound for all
        guard_everywhere(True)
        super().closeEvent(event)

    # --- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.files.droppable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self.files.droppable(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.files.open_path(path)
