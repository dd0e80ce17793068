import os

# Qt tests run headless; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# One training path for the whole suite: the compiled per-sample path (core/train/compiled.py) would
# otherwise be built in the background and switched to mid-run, at a moment that depends on the
# machine. tests/core/test_compiled.py switches it on and holds it to the NumPy path's numbers.
os.environ.setdefault("BPSTUDIO_COMPILED", "0")
