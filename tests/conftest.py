import atexit
import os
import shutil
import tempfile

# Qt tests run headless; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The whole suite, and every process it starts, keeps its settings (window layout, recent files) in a
# folder of its own: Qt's QSettings and QStandardPaths read XDG_CONFIG_HOME, so no test writes the
# user's ~/.config. Set at import, before Qt starts and before any subprocess inherits the environment.
_config_home = tempfile.mkdtemp(prefix="bpstudio-tests-config-")
os.environ["XDG_CONFIG_HOME"] = _config_home
atexit.register(shutil.rmtree, _config_home, ignore_errors=True)

# One training path for the whole suite: the compiled per-sample path (core/train/compiled.py) would
# otherwise be built in the background and switched to mid-run, at a moment that depends on the
# machine. tests/core/test_compiled.py switches it on and holds it to the NumPy path's numbers.
os.environ.setdefault("BPSTUDIO_COMPILED", "0")
