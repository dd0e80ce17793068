"""Launching the app: ``python -m bpstudio.ui [--dataset NAME | --project PATH] [--screenshot PATH --size WxH
--train-seconds S]``.

Before Qt starts, the launcher checks that there is a display and that the
libraries Qt's X11 display plugin needs are installed; if not, it says what to
do (the Debian/Ubuntu packages to install) instead of Qt's abort message.

Python's warnings (an overflow inside NumPy while a run diverges) never reach the terminal: the
window says what matters in its own words ("Training diverged"), and the warnings go to the
``py.warnings`` logger, where nothing shows them unless logging is set up to.
"""

import argparse
import ctypes
import logging
import os
import shutil
import sys
import tempfile

# Libraries Qt's xcb platform plugin loads, and the Debian/Ubuntu packages that ship them.
QT_DISPLAY_LIBRARIES = (
    ("libEGL.so.1", "libegl1"), ("libGL.so.1", "libgl1"), ("libfontconfig.so.1", "libfontconfig1"),
    ("libxkbcommon.so.0", "libxkbcommon0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libdbus-1.so.3", "libdbus-1-3"), ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-shape.so.0", "libxcb-shape0"), ("libxcb-xinerama.so.0", "libxcb-xinerama0"),
    ("libxcb-image.so.0", "libxcb-image0"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bpstudio", description="The bpstudio desktop app.")
    parser.add_argument("--dataset", metavar="NAME", help="built-in dataset or .csv/.npz file to open")
    parser.add_argument("--project", metavar="PATH", help="project file (.bpproject) to open")
    parser.add_argument("--allow-outside-data", action="store_true",
                        help="let the --project read a data file outside its folder without asking")
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window and exit")
    parser.add_argument("--size", metavar="WxH", type=_size, help="window size, e.g. 1280x800")
    parser.add_argument("--train-seconds", metavar="S", type=float, default=0.0,
                        help="train this long before the screenshot")
    return parser.parse_args(argv)


def _size(text):
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, got {text!r}") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"size must be at least 200x200, got {text!r}")
    return width, height


def missing_display_packages():
    """Debian/Ubuntu packages missing for Qt's X11 plugin ([] when it will load, or when X11 is not used)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb"):
        return []
    missing = []
    for library, package in QT_DISPLAY_LIBRARIES:
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing


def no_display_help():
    """What to do when there is no display to open a window on (None when there is one, or when
    Qt is told to use another platform, e.g. QT_QPA_PLATFORM=offscreen)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb"):
        return None
    if os.environ.get("DISPLAY") or (platform == "" and os.environ.get("WAYLAND_DISPLAY")):
        return None
    return ("bpstudio cannot open a window: there is no display (the DISPLAY and WAYLAND_DISPLAY environment "
            "variables are not set).\nStart it from a desktop session, over SSH with `ssh -X`, or on a virtual "
            "display:\n\n    xvfb-run bpstudio\n\n"
            "Without a display, bpstudio train|predict|export work headless (see: bpstudio --help).")


def display_help(missing):
    return ("bpstudio cannot open a window: Qt's display plugin needs system libraries that are not "
            f"installed.\nInstall them with:\n\n    sudo apt-get install -y {' '.join(missing)}\n\n"
            "(On other systems install the same libraries: xcb-cursor, xkbcommon-x11, EGL …)\n"
            "Without a display, bpstudio train|predict|export work headless.")


def main(argv=None):
    """Open the main window; returns the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Checked before Qt starts: without a display (or its libraries) Qt aborts with a misleading message.
    no_display = no_display_help()
    if no_display:
        print(no_display, file=sys.stderr)
        return 1
    missing = missing_display_packages()
    if missing:
        print(display_help(missing), file=sys.stderr)
        return 1
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    _log_warnings()
    # A screenshot run reads and writes its settings (layout, recent files, folders) in a folder of its
    # own, deleted at the end: it neither depends on nor changes the user's.
    throwaway = _throwaway_settings() if args.screenshot else None
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("bpstudio")
    app.setOrganizationName("bpstudio")
    app.setStyle("Fusion")
    from .mainwindow import MainWindow
    from .kit.theme import apply_theme, app_icon

    apply_theme(app)
    app.setWindowIcon(app_icon())
    window = MainWindow()
    if args.size:
        window.resize(*args.size)
    if args.screenshot:
        window.reset_layout()   # a screenshot shows the default layout
    window.show()
    if args.size and not _has_size(app, window, args.size):
        if args.screenshot:
            window.projects.discard_changes()
            window.close()
            shutil.rmtree(throwaway, ignore_errors=True)
            return 2
    if args.dataset:
        window.files.load(args.dataset)
    if args.project:
        window.projects.open_path(args.project, allow_outside_data=args.allow_outside_data)
    if args.screenshot:
        _schedule_screenshot(window, args)
    code = app.exec()
    # Delete the window while Qt is still up: left to interpreter teardown, pyqtgraph's
    # items are sometimes destroyed after the QApplication and the process segfaults.
    window.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if throwaway:
        shutil.rmtree(throwaway, ignore_errors=True)
    from .session import jobs

    return jobs.leave(code)   # a job still running after the close's bounded wait never holds up the exit


def _log_warnings():
    """Python warnings, from every thread, to the ``py.warnings`` logger for the app's lifetime (the app
    is the process); a handler that drops them keeps logging's last resort from printing them to stderr.
    A program that sets up logging (``logging.basicConfig``) still gets them."""
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(logging.NullHandler())


def _throwaway_settings():
    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="bpstudio-screenshot-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    return folder


def _has_size(app, window, size):
    """True when the window took ``size``; otherwise says on stderr what the smallest size is."""
    app.processEvents()
    window.resize(*size)   # again: showing a window first lays it out at its own preferred size
    window.size_docks()
    app.processEvents()
    if (window.width(), window.height()) == tuple(size):
        return True
    smallest = window.minimumSizeHint().expandedTo(window.minimumSize())
    print(f"error: --size {size[0]}x{size[1]}: the window is {window.width()}x{window.height()} instead; "
          f"its docks need at least {smallest.width()}x{smallest.height()}"
          + (" (larger than the screen?)" if window.width() < size[0] or window.height() < size[1] else ""),
          file=sys.stderr)
    return False


def _schedule_screenshot(window, args):
    """Optionally train for ``--train-seconds`` once the data is in, then save the window and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def shoot():
        window.grab().save(args.screenshot)
        print(f"saved {args.screenshot}")
        window.projects.discard_changes()   # a screenshot run never asks to save
        window.close()
        QApplication.instance().quit()

    def train():
        if window.files.loader.busy or window.projects.reader.busy:
            return QTimer.singleShot(100, train)
        window.session.start()
        return QTimer.singleShot(int(1000 * args.train_seconds) + 200, shoot)

    QTimer.singleShot(500, train if args.train_seconds > 0 else shoot)
