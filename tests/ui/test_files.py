"""File menu, CSV import dialog, drag and drop, settings, and the launcher's display check."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QPushButton

import bpstudio
from bpstudio.ui import app as launcher
from bpstudio.ui.actions.import_dialog import LEFT_OUT, ImportDialog
from uihelpers import control


@pytest.fixture
def window(shared_window):
    """One window for the module (building one per test was most of the time; tests/ui/conftest.py)."""
    return shared_window


def message(win):
    return control(win, "Message").text()


def test_export_and_import_weights_through_the_menu(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    s = window.session
    exported = s.net.params.copy()
    window.files.act_export.trigger()
    qtbot.waitUntil(lambda: "Exported" in message(window), timeout=5000)
    model = bpstudio.load_model(path)
    for W, W_file in zip(s.net.weights, model.network.weights):
        np.testing.assert_array_equal(W, W_file)
    s.net.params[...] = 0.0                                # weights change; importing brings them back
    window.files.act_import.trigger()
    qtbot.waitUntil(lambda: "Imported" in message(window), timeout=5000)
    np.testing.assert_array_equal(s.net.params, exported)
    np.testing.assert_array_equal(window.weights.weights[0], s.net.weights[0])   # the heatmaps show them


def test_importing_weights_of_another_shape_is_refused_with_a_message(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.files.act_export.trigger()
    qtbot.waitUntil(path.exists, timeout=5000)
    window.network_panel.add_layer()                      # now the network has another shape
    before = window.session.net.params.copy()
    window.files.act_import.trigger()
    qtbot.waitUntil(lambda: "does not fit" in message(window), timeout=5000)
    np.testing.assert_array_equal(window.session.net.params, before)


def write_csv(path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    label = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    rows = ["a;b;c;label"] + [f"{x[0]:.3f};{x[1]:.3f};{x[2]:.3f};{y}" for x, y in zip(X, label)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_import_dialog_loads_the_file(window, qtbot, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "points.csv")
    seen = {}

    def accept(dialog):
        seen["delimiter"] = dialog.delimiter.currentData()
        seen["columns"] = dialog.target.count()
        dialog.val_split.setValue(25)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    window.files.open_path(str(path))
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("points.csv"), timeout=5000)
    assert seen == {"delimiter": ";", "columns": 4}
    s = window.session
    assert s.dataset.n_features == 3 and s.dataset.class_names == ["no", "yes"]
    assert s.net.sizes[0] == 3 and len(s.prepared.X_val) == 30
    assert window.settings().value("recent", [], list) == [str(path)]
    assert control(window, "Dataset").currentText() == "points.csv  (file)"


def test_text_columns_become_categories_and_any_input_can_be_left_out(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "houses.csv"
    path.write_text("id,area,garden,price\n" + "".join(f"{i},{50 + i},{'yes' if i % 2 else 'no'},{1000 + 7 * i}\n"
                                                       for i in range(40)))
    seen = {}

    def accept(dialog):
        dialog.show()
        table = control(dialog, "Columns")
        seen["garden"] = table.item(2, 2).text()                         # garden holds text: two categories
        box = control(dialog, "Encoding of id")
        box.setFocus()
        qtbot.keyClicks(box, "l")                                         # and the user leaves the id out
        seen["grey"] = dialog.preview.item(0, 0).foreground().color().name()
        seen["target fixed"] = table.item(3, 2).text() == "target" and not control(dialog, "Encoding of price").isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    window.files.open_path(str(path))
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("houses.csv"), timeout=5000)
    assert seen == {"garden": "category → 2 columns", "grey": LEFT_OUT.name(), "target fixed": True}
    assert window.session.dataset.feature_names == ["area", "garden=no", "garden=yes"]
    assert window.session.net.sizes[0] == 3


def test_a_bad_csv_names_the_line(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,2,0\n3,oops,1\n4,5,0\n")
    shown = []   # Import, then Cancel in the dialog that comes back with the error

    def answer(dialog):
        shown.append(dialog.problem.text())
        return QDialog.DialogCode.Rejected if len(shown) > 1 else QDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", answer)
    window.files.open_path(str(path))
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert "line 3" in shown[1]
    assert "line 3" in message(window)
    assert window.session.dataset.source == "circles"


def test_dropping_a_file_opens_it(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "data.npz"
    rng = np.random.default_rng(1)
    np.savez(path, X=rng.normal(size=(50, 4)), y=rng.integers(0, 3, 50))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.session.dataset.source.endswith("data.npz"), timeout=5000)
    assert window.session.net.sizes[0] == 4


def test_layout_is_saved_on_close(qtbot):
    from bpstudio.ui import MainWindow
    from bpstudio.ui.mainwindow import app_settings

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.resize(1000, 700)
    win.close()
    assert app_settings().value("window/state") is not None


def test_missing_display_libraries_are_named_with_their_packages(monkeypatch, capsys):
    def cdll(name):
        if name == "libxcb-cursor.so.0":
            raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")   # a display, but not the libraries to use it
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    monkeypatch.setattr(launcher.ctypes, "CDLL", cdll)
    assert launcher.missing_display_packages() == ["libxcb-cursor0"]
    assert launcher.main(["--dataset", "xor"]) == 1
    assert "sudo apt-get install -y libxcb-cursor0" in capsys.readouterr().err


def test_bad_app_arguments_are_explained(capsys):
    import pytest

    with pytest.raises(SystemExit):
        launcher.parse_args(["--size", "big"])
    assert "1280x800" in capsys.readouterr().err


def test_a_slow_load_shows_progress_and_can_be_cancelled(window, qtbot, monkeypatch):
    from bpstudio.core.data.loading import LoadCancelled
    from bpstudio.ui.actions import files

    def slow_load(source, progress=None, cancel=None, **options):
        progress(0.25)
        while not cancel.wait(0.01):
            pass
        raise LoadCancelled()

    monkeypatch.setattr(files, "load_dataset", slow_load)
    window.files.load("/data/huge.csv")
    dialog = window.files.progress
    assert dialog is not None and "huge.csv" in dialog.labelText()
    qtbot.waitUntil(lambda: dialog.value() == 250, timeout=5000)
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in message(window), timeout=5000)
    assert window.files.progress is None and window.session.dataset.source == "circles"
