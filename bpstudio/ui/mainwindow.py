"""The main window: setup panels on the left, live views in docks, run controls in the toolbar.

The window wires the session's signals to the views and panels. Snapshots
arrive at most 20 times a second; the curves keep every one (they carry the
new epochs), and ``frames.FrameScheduler`` decides when each view redraws.
"""

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMenu, QScrollArea, QStyle, QToolBar,
                               QVBoxLayout, QWidget)

from bpstudio.core.data.loading import load_dataset
from bpstudio.core.train.run_state import RunState

from .actions.examples import ExampleActions
from .actions.files import FileActions
from .actions.help import math_html, shortcuts_html, show_about, show_text
from .actions.projects import ProjectActions
from .kit.theme import apply_plot_theme
from .kit.wheel import install_wheel_guard, scrolled
from .panels.data_panel import DataPanel
from .panels.inspection_docks import InspectionDocks
from .panels.network_panel import NetworkPanel
from .panels.animator import StepAnimator
from .views.neurons import NeuronsView
from .kit.widgets import combo
from .panels.training_panel import TrainingPanel
from .session.session import DEFAULT_CONFIG, DEFAULT_DATASET, SPEEDS, Session
from .views.boundary import BoundaryView
from .views.diagram import DiagramView
from .views.frames import FrameScheduler
from .views.heatmaps import WeightsView
from .views.plots import CurvesView, GradientNormsView
from .views.status import RunStatusBar


def app_settings():
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "bpstudio", "bpstudio")


class MainWindow(QMainWindow):
    """``MainWindow()`` opens the default: a generated 2-D dataset and a small network, ready to train."""

    def __init__(self, dataset=None, parent=None):
        super().__init__(parent)
        install_wheel_guard()   # before any control exists: the wheel scrolls panels, not settings
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
        self._build_actions()
        self._build_menus()
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
        self.size_docks()
        self._default_state = self.saveState()
        self._restore_settings()

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
        setup = QWidget()
        column = QVBoxLayout(setup)
        for panel in (self.data_panel, self.network_panel, self.training_panel):
            column.addWidget(panel)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(setup)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks = {}
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        for title, widget, area in (("Setup", scroll, left), ("Decision boundary", self.boundary, right),
                                    ("Neurons", self.neurons, bottom),
                                    ("Network diagram", scrolled(self.diagram), right), ("Gradient norms", self.grad_norms, right),
                                    ("Weights", scrolled(self.weights), bottom)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock {title}")   # saveState() needs object names
            dock.setWidget(widget)
            dock.visibilityChanged.connect(self._on_dock_shown)
            self.addDockWidget(area, dock)
            self.docks[title] = dock
        self.tabifyDockWidget(self.docks["Network diagram"], self.docks["Gradient norms"])
        self.tabifyDockWidget(self.docks["Weights"], self.docks["Neurons"])
        self.inspection = InspectionDocks(self)   # Inspector, Health, Runs, Evaluation: tabs beside Weights
        self.animator = StepAnimator(self, self.inspection)
        self.docks["Network diagram"].raise_()


    def size_docks(self):
        """Default proportions: setup column ~330 px, views share the rest."""
        width, height = self.width(), self.height()
        d = self.docks
        self.resizeDocks([d["Setup"], d["Decision boundary"]], [330, int(0.3 * width)], Qt.Orientation.Horizontal)
        self.resizeDocks([d["Weights"], d["Decision boundary"]], [int(0.34 * height), int(0.45 * height)],
                         Qt.Orientation.Vertical)

    def _action(self, text, slot, shortcut=None, tip="", icon=None):
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip or text} ({shortcut})" if shortcut else tip or text)
        return action

    def _build_actions(self):
        s = self.session
        icons = QStyle.StandardPixmap
        self.act_start = self._action("Start", s.start, "F5", "Start or resume training", icons.SP_MediaPlay)
        self.act_pause = self._action("Pause", s.pause, "F6", "Pause training", icons.SP_MediaPause)
        self.act_step = self._action("Step", s.step, "F10", "Train one batch, then pause", icons.SP_MediaSeekForward)
        self.act_stop = self._action("Stop", s.stop, "Shift+F5", "Stop the run; the network and data unlock",
                                     icons.SP_MediaStop)
        self.act_reset = self._action("Reset", s.reset, "Ctrl+R", "Redraw the initial weights from the seed",
                                      icons.SP_BrowserReload)
        self.files.act_open.setIcon(self.style().standardIcon(icons.SP_DialogOpenButton))
        self.act_toggle = self._action("Start / Pause", self.toggle_training, "Space")
        self.act_toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.act_log = self._action("Log-scale cost", self.curves.log_y.toggle, "Ctrl+L")
        toolbar = QToolBar("Run")
        toolbar.setObjectName("toolbar Run")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.files.act_open)
        toolbar.addSeparator()
        for action in (self.act_start, self.act_pause, self.act_step, self.act_stop, self.act_reset):
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            button.setAccessibleName(action.text())
            button.setObjectName(action.text())
        toolbar.addSeparator()
        self._add_speed(toolbar)
        self.addToolBar(toolbar)
        self.addAction(self.act_toggle)

    def _add_speed(self, toolbar):
        """The "Speed" choice: slow enough to narrate every update, or full speed."""
        caption = QLabel(" Speed ")
        self.speed = combo(((text, rate) for text, rate in SPEEDS.items()), None)
        self.speed.setCurrentIndex(len(SPEEDS) - 1)   # full speed
        self.speed.setAccessibleName("Speed")
        self.speed.setObjectName("Speed")
        self.speed.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.speed.setToolTip("Weight updates per second while training; Step always trains one update")
        caption.setBuddy(self.speed)
        self.speed.currentIndexChanged.connect(lambda _: self._on_speed_chosen())
        toolbar.addWidget(caption)
        toolbar.addWidget(self.speed)

    def _on_speed_chosen(self):
        self.session.set_speed(self.speed.currentData())
        self._on_state_changed(self.session.state)

    def _build_menus(self):
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        p = self.projects
        for action in (p.act_new, p.act_open, p.recent_menu, p.act_save, p.act_save_as, None,
                       self.files.act_open, self.files.recent_menu):
            if action is None:
                file_menu.addSeparator()
            elif isinstance(action, QMenu):
                file_menu.addMenu(action)
            else:
                file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.files.act_export)
        file_menu.addAction(self.files.act_import)
        file_menu.addSeparator()
        file_menu.addAction(self._action("Quit", self.close, "Ctrl+Q"))
        train = bar.addMenu("&Train")
        for action in (self.act_toggle, self.act_start, self.act_pause, self.act_step, self.act_stop, self.act_reset):
            train.addAction(action)
        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self.act_log)
        view.addAction(self._action("Reset layout", self.reset_layout))
        bar.addMenu(self.examples.menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("Keyboard shortcuts", lambda: show_text(
            self, "Keyboard shortcuts", shortcuts_html(), "Keyboard shortcuts"), "F1"))
        help_menu.addAction(self._action("The math", lambda: show_text(self, "The math", math_html(), "The math")))
        help_menu.addAction(self._action("About bpstudio", lambda: show_about(self)))

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
        self.network_panel.validityChanged.connect(self._on_validity_changed)
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
        self.diagram.set_network(sizes, ds.feature_names, ds.class_names or ds.target_names)
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
        # Slowed down, every update is drawn in every view at once (the frames would lag behind).
        self.frames.submit(snap, training=self.session.state == RunState.TRAINING and not self.session.slow)

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

    def showEvent(self, event):
        super().showEvent(event)
        # With the window as context: a window closed and deleted before the timer fires cancels it.
        QTimer.singleShot(0, self, self.frames.draw_visible)

    def _on_state_changed(self, state):
        self.status.show_state(state)
        can_run = state in (RunState.IDLE, RunState.PAUSED)
        self.act_start.setEnabled(can_run and self.network_panel.valid)
        self.act_pause.setEnabled(state == RunState.TRAINING)
        self.act_step.setEnabled(can_run)
        self.act_stop.setEnabled(state in (RunState.TRAINING, RunState.PAUSED))
        self.files.set_idle(state.editable)
        self.weights.set_outlines(state != RunState.TRAINING or self.session.slow)

    def _on_validity_changed(self, valid):
        can_run = self.session.state in (RunState.IDLE, RunState.PAUSED)
        self.act_start.setEnabled(valid and can_run)
        self.act_step.setEnabled(valid and can_run)

    def use_dataset(self, dataset, origin=None):
        """Train on ``dataset`` from now on (split with the data panel's options); ``origin``: the
        (name or path, load options) it was read with."""
        try:
            if self.session.set_dataset(dataset, self.data_panel.options(), origin):
                self.files.remember(dataset.source)
        except ValueError as exc:
            self.status.show_message(f"Could not use {dataset.source}: {exc}", is_error=True)

    # --- commands ------------------------------------------------------------------------

    def toggle_training(self):
        if self.session.state == RunState.TRAINING:
            self.session.pause()
        elif self.act_start.isEnabled():
            self.session.start()

    def show_all_views(self):
        """Every view visible at once (no tabs), e.g. to measure the cost of all live views."""
        self.reset_layout()
        self.splitDockWidget(self.docks["Network diagram"], self.docks["Gradient norms"], Qt.Orientation.Horizontal)
        self.splitDockWidget(self.docks["Weights"], self.docks["Neurons"], Qt.Orientation.Horizontal)

    def reset_layout(self):
        self.restoreState(self._default_state)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)   # not in the state
        for dock in self.docks.values():
            dock.show()
        self.size_docks()

    def settings(self):
        return app_settings()

    def _restore_settings(self):
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event):
        if not self.projects.may_close():   # unsaved changes: Cancel, or Save first (it closes the window after)
            event.ignore()
            return
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        self.files.shutdown()
        self.projects.shutdown()
        self.inspection.shutdown()
        self.session.shutdown()
        super().closeEvent(event)

    # --- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event):
        if self.files.droppable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        path = self.files.droppable(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.files.open_path(path)
