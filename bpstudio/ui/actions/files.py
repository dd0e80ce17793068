"""File ▸ Open data…, Recent data, Export weights…, Import weights…, and dropped files.

Reading and writing happen off the UI thread (``JobRunner``) — even the import
dialog's first look at a CSV (``inspect_csv``), since any read can be slow or, on a
network drive, stall; a file being read shows a progress dialog with Cancel.
Failures become a message in the window naming the file and the problem.
"""

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QProgressDialog

import bpstudio
from bpstudio.core.data.loading import inspect_csv, load_dataset
from bpstudio.core.train.trainer import Trainer

from ..session.jobs import JobRunner

# Model files, their formats and the import dialog are imported where first used: the window
# comes up without them (~20 modules, tens of ms of start-up).

DATA_SUFFIXES = (".csv", ".npz")
MAX_RECENT = 8


def report_problem(window, what, detail):
    """A file problem: a line in the status bar and a (non-blocking) message box with the details."""
    window.status.show_message(f"{what}: {detail}", True)
    box = QMessageBox(QMessageBox.Icon.Warning, what, f"{what}.", QMessageBox.StandardButton.Ok, window)
    box.setInformativeText(detail)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class RecentFiles:
    """A File ▸ Recent … menu of the files kept under ``key`` in the settings (newest first)."""

    def __init__(self, window, title, key, open_path, empty_text):
        self.window, self.key, self.open_path, self.empty_text = window, key, open_path, empty_text
        self.menu = QMenu(title, window)
        self.menu.aboutToShow.connect(self._fill)

    def remember(self, path):
        settings = self.window.settings()
        recent = [p for p in settings.value(self.key, [], list) if p != path]
        settings.setValue(self.key, [path, *recent][:MAX_RECENT])

    def _fill(self):
        self.menu.clear()
        recent = self.window.settings().value(self.key, [], list)
        for path in recent:
            self.menu.addAction(path, partial(self.open_path, path))
        if not recent:
            self.menu.addAction(self.empty_text).setEnabled(False)


class FileActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.act_open = self._action("Open data…", self.open_data, QKeySequence.StandardKey.Open)
        self.act_export = self._action("Export weights…", self.export_weights, "Ctrl+E")
        self.act_import = self._action("Import weights…", self.import_weights, "Ctrl+I")
        self.recent = RecentFiles(window, "Recent data", "recent", self.open_path, "(no recent files)")
        self.recent_menu = self.recent.menu
        self.progress = None
        self.request = None   # (source, load options) of the newest load
        self.import_choices = None   # (path, ImportDialog.choices()) of the CSV being loaded
        self.loader = JobRunner(self)
        self.loader.progressed.connect(self._on_progress)
        self.loader.done.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(lambda: self._finish_progress("Loading cancelled"))
        self.saver = JobRunner(self)
        self.saver.done.connect(lambda path: self._say(f"Exported the model to {path}"))
        self.saver.failed.connect(lambda text: self._fail("Export failed", text))
        self.inspector = JobRunner(self)   # the import dialog's preview of a CSV
        self.inspector.done.connect(self._on_inspected)
        self.inspector.failed.connect(lambda text: self._fail("Could not read the file", text))
        self.importer = JobRunner(self)
        self.importer.done.connect(self._on_model_read)
        self.importer.failed.connect(lambda text: self._fail("Import failed", text))

    def _action(self, text, slot, shortcut):
        action = QAction(text, self.window)
        action.triggered.connect(slot)
        action.setShortcut(QKeySequence(shortcut))
        return action

    def _say(self, text, is_error=False):
        self.window.status.show_message(text, is_error)

    def _fail(self, what, detail):
        report_problem(self.window, what, detail)

    def set_idle(self, idle):
        """Data and weights can be replaced only when no run is in progress."""
        for action in (self.act_open, self.act_import):
            action.setEnabled(idle)
        self.recent_menu.setEnabled(idle)

    # --- data ---------------------------------------------------------------------------

    def open_data(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Open data", self._folder(),
                                              "Data files (*.csv *.npz);;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path, choices=None, problem=""):
        """Open a CSV through the import dialog (``choices`` and ``problem``: reopened after a failed load,
        as it was, the error on top) once its preview is read off the UI thread; other files load directly."""
        self._remember_folder(path)
        if Path(path).suffix.lower() == ".csv":
            return self.inspector.run(lambda progress, cancel: (path, _preview(path), choices, problem), path)
        return self.load(path)

    def _on_inspected(self, result):
        from .import_dialog import ImportDialog
        path, preview, choices, problem = result
        dialog = ImportDialog(path, preview, self.window.data_panel.options(), self.window, choices, problem)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        self.window.data_panel.set_options(dialog.data_options())
        self.import_choices = (path, dialog.choices())
        return self.load(path, **dialog.load_options())

    def load(self, source, **options):
        """Read ``source`` (built-in name or file) off the UI thread; files show progress with Cancel."""
        if Path(str(source)).suffix.lower() in DATA_SUFFIXES:
            self._show_progress(f"Reading {Path(source).name}…")
        self.request = (str(source), dict(options))   # only the newest load reports, so this is its origin
        self.loader.run(partial(load_dataset, source, **options), str(source))

    def _show_progress(self, text):
        self.progress = QProgressDialog(text, "Cancel", 0, 1000, self.window)
        self.progress.setWindowTitle("Loading data")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)   # quick loads never flash a dialog
        self.progress.canceled.connect(self.loader.cancel)

    def _on_progress(self, fraction):
        if self.progress is not None:
            self.progress.setValue(round(1000 * fraction))

    def _finish_progress(self, text=""):
        if self.progress is not None:
            self.progress.canceled.disconnect(self.loader.cancel)
            self.progress.close()
            self.progress = None
        if text:
            self._say(text)

    def _on_loaded(self, dataset):
        self._finish_progress()
        self.import_choices = None
        self.window.use_dataset(dataset, origin=self.request)
        if dataset.notes and self.window.session.dataset.source == dataset.source:   # what was left out or filled
            self._say(f"{Path(dataset.source).name}: " + "; ".join(dataset.notes))

    def _on_load_failed(self, text):
        self._finish_progress()
        path, choices = self.import_choices or (None, None)
        self.import_choices = None
        if self.request and path == self.request[0]:   # the import dialog comes back as it was, the error on top
            self._say(f"Could not load data: {text}", is_error=True)
            return QTimer.singleShot(0, self.window, lambda: self.open_path(path, choices, text))
        return self._fail("Could not load data", text)

    # --- recent and folders ----------------------------------------------------------------

    def remember(self, source):
        """Put a file at the top of File ▸ Recent data (built-in names are not files)."""
        if Path(source).suffix.lower() in DATA_SUFFIXES:
            self.recent.remember(source)

    def _folder(self):
        return self.window.settings().value("lastFolder", str(Path.home()))

    def _remember_folder(self, path):
        self.window.settings().setValue("lastFolder", str(Path(path).parent))

    def droppable(self, mime):
        """The path of a dropped data file, or None."""
        for url in mime.urls() if mime.hasUrls() else ():
            path = url.toLocalFile()
            if Path(path).suffix.lower() in DATA_SUFFIXES:
                return path
        return None

    # --- weights ------------------------------------------------------------------------------

    def export_weights(self):
        from bpstudio.core.io.model_files import EXPORT_FORMATS
        filters = ";;".join(f"{desc} (*{ext})" for ext, desc in EXPORT_FORMATS.items())
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export weights",
                                                   str(Path(self._folder()) / "model.npz"), filters)
        if not path:
            return
        if not Path(path).suffix:
            path += next(ext for ext, desc in EXPORT_FORMATS.items() if chosen.startswith(desc))
        self._remember_folder(path)
        model = self._model_for_export()
        self.saver.run(lambda progress, cancel: (bpstudio.save_model(model, path), path)[1], path)

    def _model_for_export(self):
        """A Model of the weights on screen: the latest snapshot is a consistent copy even mid-run."""
        from bpstudio.core.io import training_state
        from bpstudio.core.io.model import Model
        s = self.session
        net = s.net.copy()
        net.params[...] = s.latest.params
        model = Model.from_prepared(net, s.prepared, s.config, s.history)
        if not s.busy:   # the run's state, so a .py export continues it exactly (read while the worker is idle)
            model.training_state = training_state.of_trainer(s.trainer)
        return model

    def import_weights(self):
        from bpstudio.core.io.model_files import LOAD_FORMATS
        filters = "Model files (" + " ".join(f"*{ext}" for ext in LOAD_FORMATS) + ");;All files (*)"
        path, _ = QFileDialog.getOpenFileName(self.window, "Import weights", self._folder(), filters)
        if path:
            self._remember_folder(path)
            self.importer.run(lambda progress, cancel: bpstudio.load_model(path), path)

    def _on_model_read(self, model):
        net = model.network
        try:
            self.session.set_weights(net.weights, net.biases)
        except (ValueError, RuntimeError) as exc:
            return self._fail("Import failed", f"the file's network {tuple(net.sizes)} does not fit this one "
                                               f"{tuple(self.session.net.sizes)}: {exc}")
        epochs = self._continue_run(model.training_state) if model.training_state else 0
        self._say(f"Imported weights {' → '.join(map(str, net.sizes))}"
                  + (f" and their run of {epochs} epochs" if epochs else ""))
        return None

    def _continue_run(self, state):
        """The file's run goes on here (e.g. trained on in PyTorch): its cost curve, epoch count, shuffling
        and, for the same optimizer, its state. Returns the epochs it holds (0 if it cannot be used)."""
        from bpstudio.core.io import training_state
        s = self.session
        try:
            trainer = training_state.resume(Trainer(s.net, s.config), state)
            s.restore(s.prepared, s.options, s.net, trainer, s.origin)
        except (ValueError, KeyError, TypeError, RuntimeError):
            return 0   # a damaged or foreign run: the weights alone are imported
        return len(trainer.history)


def _preview(path):
    """The import dialog's ``inspect_csv``, run off the UI thread; its error worded for the app."""
    try:
        return inspect_csv(path)
    except (ValueError, OSError) as exc:
        text = _told_to_app(exc)
        raise ValueError(text if str(path) in text else f"{path}: {text}") from None


def _told_to_app(error):
    """A data error's remedy as the app says it (which box to tick), any other error as it is."""
    return error.told_to("app") if hasattr(error, "told_to") else str(error)
