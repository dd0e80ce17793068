"""File ▸ New Project, Open Project…, Save Project, Save Project As…, Recent projects; the unsaved marker.

A project (``core.project``) keeps the data source, the network and its
weights, the training settings, the run's state (Start continues exactly where
it stopped; the curves show its history again) and the Runs list. Built-in
datasets are kept by name and options; data read from a file is embedded, so
the project still opens when the file has moved or changed.

Saving never touches the trainer while the worker runs it: training pauses,
the run is copied once the worker has returned, training resumes, and the copy
is written off the UI thread (what is copied: ``session/project_state.py``).
Opening reads and checks the whole project off the UI thread, asking first about
data outside the project's folder (``project_reading.py``).
"""

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from bpstudio.core.io.project import EXTENSION, OutsideDataError, save_project
from bpstudio.core.train.run_state import RunState

from .files import RecentFiles, report_problem
from .project_reading import ask_outside_data, opening_progress, read_unless_cancelled
from ..session.jobs import JobRunner
from ..session.project_state import fresh_state, project_copy

FILTER = f"bpstudio projects (*{EXTENSION});;All files (*)"


def ask_to_save(window, name):
    """Save / Discard / Cancel for unsaved changes (a modal question; tests replace this function)."""
    buttons = QMessageBox.StandardButton
    return QMessageBox.warning(window, "Unsaved changes",
                               f"Save the changes to {name}?\nTraining and edits since the last save are lost "
                               "otherwise.", buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)


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
        self._take_over(*fresh_state(), [], None, path=None)
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
        self.progress = opening_progress(self.window, path)
        self.progress.canceled.connect(self.reader.cancel)
        self.reader.run(partial(read_unless_cancelled, path, allow_outside_data), path)

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
