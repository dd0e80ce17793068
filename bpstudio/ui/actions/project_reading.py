"""Opening a project: reading and checking it off the UI thread, and asking before data outside its folder is read.

``read_project`` does all the work a thread can do (open, load the data, split it as it was
saved, check the network fits); only a project that can be used reaches the session, so a bad
file changes nothing. A project whose data file lies outside its folder is read only after the
user says yes to a question naming that file (``ask_outside_data``).
"""

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from bpstudio.core.data.dataset import Prepared, prepare
from bpstudio.core.data.loading import LoadCancelled
from bpstudio.core.nn.heads import outputs_fit
from bpstudio.core.io.project import OutsideDataError, ProjectFileError, open_project

from ..session.options import DataOptions


@dataclass
class Opened:
    """A project read and checked off the UI thread: everything ``Session.restore`` needs."""

    path: str
    prepared: Prepared
    options: DataOptions
    project: object        # core.project.Project
    origin: tuple | None   # (name, load options) of a built-in dataset; None for embedded data


def opening_progress(window, path):
    """A Cancel-able "Opening …" box, shown only if opening takes longer than 0.3 s."""
    progress = QProgressDialog(f"Opening {Path(path).name}…", "Cancel", 0, 0, window)
    progress.setWindowTitle("Opening project")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)   # quick opens never flash a dialog
    return progress


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
    """The network's outputs fit the data (``heads.outputs_fit``), and the saved run trained on these samples."""
    net, ds = project.network, prepared.dataset
    if net.sizes[0] != ds.n_features or not outputs_fit(ds, net.activations[-1], net.sizes[-1]):
        raise ProjectFileError(f"{path}: the network {' → '.join(map(str, net.sizes))} does not fit its data "
                               f"({ds.n_features} features, {ds.n_outputs} outputs)")
    order = project.trainer.state_dict()["order"]
    if order is not None and len(order) != len(prepared.X_train):
        raise ProjectFileError(f"{path}: the saved run trained on {len(order)} samples, its data now gives "
                               f"{len(prepared.X_train)} (has the data file changed?)")


def read_unless_cancelled(path, allow_outside_data, progress, cancel):
    """JobRunner's task: reading cannot be interrupted, so a cancelled open drops what it read.
    Data outside the project's folder comes back as the OutsideDataError, for the question."""
    try:
        opened = read_project(path, allow_outside_data)
    except OutsideDataError as error:
        return error
    if cancel.is_set():
        raise LoadCancelled()
    return opened
