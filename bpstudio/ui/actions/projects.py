"""File ▸ New Project, Open Project…, Save Project, Save Project As…, Recent projects; the unsaved marker.

A project (``core.project``) keeps the data source, the network and its
weights, the training settings, the run's state (Start continues exactly where
it stopped; the curves show its history again) and the Runs list. Built-in
datasets are kept by name and options; data read from a file is embedded, so
the project still opens when the file has moved or changed.

Saving never touches the trainer while the worker runs it: training pauses,
the run is copied once the worker has returned, training resumes, and the copy
is written off the UI thread. Opening reads and checks the whole project off
the UI thread; only a project that can be used replaces the session, so a bad
file changes nothing. A project whose data file lies outside its folder opens only
after the user says yes to a question naming that file (``ask_outside_data``).
"""

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from bpstudio.core import Trainer
from bpstudio.core.data.loading import LoadCancelled, load_dataset
from bpstudio.core.data.dataset import Prepared, prepare
from bpstudio.core.io.project import (EXTENSION, OutsideDataError, ProjectFileError, open_project,
                                     save_project)

from .files import RecentFiles, report_problem
from ..session.session import DEFAULT_CONFIG, DEFAULT_DATASET, DataOptions, NetworkSpec, network_for
from ..session.jobs import JobRunner
from ..session.project_state import project_copy
from bpstudio.core.train.run_state import RunState

FILTER = f"bpstudio projects (*{EXTENSION});;All files (*)"


def ask_to_save(window, name):
    """Save / Discard / Cancel for unsaved changes (a modal question; tests replace this function)."""
    buttons = QMessageBox.StandardButton
    return QMessageBox.warning(window, "Unsaved changes",
                               f"Save the changes to {name}?\nTraining and edits since the last save are lost "
                               "otherwise.", buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)


@dataclass
class Opened:
    """A project read and checked off the UI thread: everything ``Session.restore`` needs."""

    path: str
    prepared: Prepared
    options: DataOptions
    project: object        # core.project.Project
    origin: tuple | None   # (name, load options) of a built-in dataset; None for embedded data


def ask_outside_data(window, error, on_yes):
    """Ask (without blocking) whether a project may read ``error.data_path``, outside its folder."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Data outside the project's folder",
                      f"{error.project.name} reads its data from a file outside its folder:\n\n{error.data_path}",
                      QMessageBox.StandardButton.Cancel, window)
    box.setInformativeText("Read it only if you trust this project: a project shared with you could name any "
                           "file you can read, and saving the project copies that file's contents into it.")
    read = box.addButton("Read this file", QMessageBox.ButtonRole.AcceptRole)
    box.setAccessibleName("Data outside the project's folder")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_yes() if button is read else None)
    box.open()
    return box


def read_project(path, allow_outside_data=False):
    """Open ``path``, load its data and split it as it was saved; any problem is a ProjectFileError
    naming the file (``OutsideDataError`` for data outside its folder, unless allowed)."""
    project = open_project(path, allow_outside_data)
    data, net = project.data, project.network
    try:
        dataset = data.load()
        prepared = prepare(dataset, data.scaling, data.val_fraction, data.test_fraction, data.split_seed,
                           net.dtype.name)
    except (ValueError, OSError) as exc:   # DataError is a ValueError: a named file may have gone
        raise ProjectFileError(f"{path}: its data: {exc}") from None
    _check_fits(path, project, prepared)
    options = DataOptions(data.scaling, data.val_fraction, data.split_seed, data.test_fraction)
    origin = (data.name, dict(data.options)) if data.dataset is None else None
    return Opened(str(path), prepared, options, project, origin)


def _check_fits(path, project, prepared):
    """The app trains one output per class or target, on the samples the saved run was trained on."""
    net, ds = project.network, prepared.dataset
    if (net.sizes[0], net.sizes[-1]) != (ds.n_features, ds.n_outputs):
        raise ProjectFileError(f"{path}: the network {' → '.join(map(str, net.sizes))} does not fit its data "
                               f"({ds.n_features} features, {ds.n_outputs} outputs)")
    order = project.trainer.state_dict()["order"]
    if order is not None and len(order) != len(prepared.X_train):
        raise ProjectFileError(f"{path}: the saved run trained on {len(order)} samples, its data now gives "
                               f"{len(prepared.X_train)} (has the data file changed?)")


class ProjectActions(QObject):
    """The project menu items of ``window`` (a MainWindow), and the title with its ``*`` marker."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.path = None              # the project's file; None until saved or opened
        self.changes = 0              # counts edits and training; saved_changes: the count at the last save
        self.saved_changes = 0
        self.restoring = False        # a whole state is being taken over: not an edit
        self.progress = None
        self.act_new = self._action("New Project", self.new_project, QKeySequence.StandardKey.New)
        self.act_open = self._action("Open Project…", self.open_project, "Ctrl+Shift+O")
        self.act_save = self._action("Save Project", self.save, QKeySequence.StandardKey.Save)
        self.act_save_as = self._action("Save Project As…", self.save_as, "Ctrl+Shift+S")
        self.recent = RecentFiles(window, "Recent projects", "recentProjects",
                                  lambda path: self.when_saved_or_discarded(partial(self.open_path, path)),
                                  "(no recent projects)")
        self.recent_menu = self.recent.menu
        self.reader = JobRunner(self)
        self.reader.done.connect(self._on_read)
        self.reader.failed.connect(lambda text: self._fail("Could not open the project", text))
        self.reader.cancelled.connect(lambda: self._finish_progress("Opening cancelled"))
        self.writer = JobRunner(self)
        self.writer.done.connect(self._on_written)
        self.writer.failed.connect(lambda text: self._fail("Could not save the project", text))
        s = self.session
        for signal in (s.datasetChanged, s.networkChanged, s.configChanged, s.runReset, s.snapshot,
                       s.runs.changed):
            signal.connect(self._on_changed)
        self._show_title()

    def _action(self, text, slot, shortcut):
        action = QAction(text, self.window)
        action.triggered.connect(lambda: slot())   # not slot(checked): the slots take other arguments
        action.setShortcut(QKeySequence(shortcut))
        return action

    @property
    def modified(self):
        return self.changes != self.saved_changes

    def shutdown(self):
        for runner in (self.reader, self.writer):
            runner.shutdown()

    # --- unsaved changes ------------------------------------------------------------------

    def _on_changed(self, *_):
        if not self.restoring:
            self.changes += 1
            if not self.window.isWindowModified():
                self.window.setWindowModified(True)

    def _show_title(self):
        self.window.setWindowTitle(f"{self.name()}[*] — bpstudio")
        self.window.setWindowModified(self.modified)

    def name(self):
        return Path(self.path).stem if self.path else "Untitled project"

    def discard_changes(self):
        """Forget that anything changed (closing without asking, e.g. after a screenshot)."""
        self.saved_changes = self.changes
        self._show_title()

    def when_saved_or_discarded(self, action):
        """Run ``action`` once unsaved changes are saved or the user discards them; Cancel drops it."""
        answer = ask_to_save(self.window, self.name()) if self.modified else QMessageBox.StandardButton.Discard
        if answer == QMessageBox.StandardButton.Save:
            self.save(then=action)
        elif answer == QMessageBox.StandardButton.Discard:
            action()

    def may_close(self):
        """For the window's closeEvent: True to close now. After "Save" it is False, and the window
        closes itself once the project is written (a failed save leaves it open, with the message)."""
        if not self.modified:
            return True
        answer = ask_to_save(self.window, self.name())
        if answer == QMessageBox.StandardButton.Save:
            self.save(then=self.window.close)
        return answer == QMessageBox.StandardButton.Discard

    # --- new and open ------------------------------------------------------------------------

    def new_project(self):
        self.when_saved_or_discarded(lambda: self._after_stop(self._start_new))

    def _after_stop(self, action):
        self.session.stop()
        self.session.when_worker_idle(action)

    def _start_new(self):
        """The state the app starts with: the default dataset, network and settings, no runs."""
        spec, options = NetworkSpec(), DataOptions()
        dataset = load_dataset(DEFAULT_DATASET)
        prepared = prepare(dataset, options.scaling, options.val_fraction, options.test_fraction, options.seed,
                           spec.dtype)
        net = network_for(spec, dataset)
        trainer = Trainer(net, replace(DEFAULT_CONFIG, cost=spec.cost))
        self._take_over(prepared, options, net, trainer, (DEFAULT_DATASET, {}), [], None, path=None)
        self.window.status.show_message("New project")

    def start_from(self, prepared, options, net, trainer, then=None):
        """A new untitled project holding a state built elsewhere (a worked example), once unsaved
        changes are saved or discarded and the worker has stopped; ``then()`` runs after it took over."""
        def take_over():
            self._take_over(prepared, options, net, trainer, None, [], None, path=None)
            if then:
                then()
        self.when_saved_or_discarded(lambda: self._after_stop(take_over))

    def open_project(self):
        self.when_saved_or_discarded(self._choose_and_open)

    def _choose_and_open(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._folder(), FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path, allow_outside_data=False):
        """Read ``path`` off the UI thread (the current state stays until it has been read and checked);
        data outside the project's folder is read after the user agrees, or with ``allow_outside_data``."""
        self._remember_folder(path)
        self._finish_progress()   # a newer open replaces one still being read
        self.progress = QProgressDialog(f"Opening {Path(path).name}…", "Cancel", 0, 0, self.window)
        self.progress.setWindowTitle("Opening project")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)   # quick opens never flash a dialog
        self.progress.canceled.connect(self.reader.cancel)
        self.reader.run(partial(_read_unless_cancelled, path, allow_outside_data), path)

    def _finish_progress(self, text=""):
        if self.progress is not None:
            self.progress.canceled.disconnect(self.reader.cancel)
            self.progress.close()
            self.progress = None
        if text:
            self.window.status.show_message(text)

    def _on_read(self, opened):
        self._finish_progress()
        if isinstance(opened, OutsideDataError):
            path = str(opened.project)
            ask_outside_data(self.window, opened, lambda: self.open_path(path, allow_outside_data=True))
            return
        self._after_stop(partial(self._restore, opened))

    def _restore(self, opened):
        p = opened.project
        try:
            self._take_over(opened.prepared, opened.options, p.network, p.trainer, opened.origin, p.runs,
                            p.current_run, path=opened.path)
        except (ValueError, RuntimeError) as exc:
            return self._fail("Could not open the project", f"{opened.path}: {exc}")
        self.recent.remember(opened.path)
        runs = f"{len(p.runs)} run{'' if len(p.runs) == 1 else 's'} kept"
        self.window.status.show_message(f"Opened {opened.path} (epoch {p.trainer.epoch:,}, {runs})")
        return None

    def _take_over(self, prepared, options, net, trainer, origin, runs, current_run, path):
        """Make this the session's whole state; what it changes is not an edit."""
        self.restoring = True
        try:
            self.session.restore(prepared, options, net, trainer, origin, runs, current_run)
        finally:
            self.restoring = False
        self.path = path
        self.discard_changes()

    # --- save ------------------------------------------------------------------------------------

    def save(self, then=None):
        """Save to the project's file (asks for one the first time); ``then`` runs once it is written."""
        if self.path is None:
            return self.save_as(then)
        return self._save_to(self.path, then)

    def save_as(self, then=None):
        suggested = self.path or str(Path(self._folder()) / f"project{EXTENSION}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", suggested, FILTER)
        if not path:
            return None
        if not Path(path).suffix:
            path += EXTENSION
        self._remember_folder(path)
        return self._save_to(path, then)

    def _save_to(self, path, then):
        """Pause a running session, copy it once the worker has returned, resume, and write the copy."""
        s = self.session
        resume = s.state == RunState.TRAINING and then is None   # saving before closing need not train on
        s.pause()
        s.when_worker_idle(lambda: self._write(path, resume, then))

    def _write(self, path, resume, then):
        snapshot = project_copy(self.session)
        changes = self.changes
        if resume and self.session.state == RunState.PAUSED:
            self.session.start()
        self.window.status.show_message(f"Saving {path}…")
        self.writer.run(lambda progress, cancel: (save_project(path, *snapshot), (path, changes, then))[1], path)

    def _on_written(self, result):
        path, changes, then = result
        self.path, self.saved_changes = path, changes
        self._show_title()
        self.recent.remember(path)
        self.window.status.show_message(f"Saved the project to {path}")
        if then is not None:
            then()

    def _fail(self, what, detail):
        self._finish_progress()
        report_problem(self.window, what, detail)

    # --- folders -----------------------------------------------------------------------------------

    def _folder(self):
        settings = self.window.settings()
        return settings.value("lastProjectFolder", settings.value("lastFolder", str(Path.home())))

    def _remember_folder(self, path):
        self.window.settings().setValue("lastProjectFolder", str(Path(path).parent))


def _read_unless_cancelled(path, allow_outside_data, progress, cancel):
    """JobRunner's task: reading cannot be interrupted, so a cancelled open drops what it read.
    Data outside the project's folder comes back as the OutsideDataError, for the question."""
    try:
        opened = read_project(path, allow_outside_data)
    except OutsideDataError as error:
        return error
    if cancel.is_set():
        raise LoadCancelled()
    return opened
