import atexit
import os
import shutil
import tempfile

import pytest

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


# --- running in parallel (pytest-xdist: `python -m pytest -n auto`, README and .ci/run) -------------
# Each worker is its own process: it imports this file, so it gets its own XDG_CONFIG_HOME above, and
# pytest gives it its own tmp_path root. Tests are handed out one by one, except the groups marked
# below, which run in one worker each (xdist's `--dist loadgroup`).


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`-n` alone distributes by groups (not in pyproject's addopts: pytest without xdist would refuse
    the option)."""
    if config.getoption("numprocesses", None) and config.getoption("dist", "no") == "no":
        config.option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: a worker per core, at most 4 (each imports Qt, NumPy and Numba; past 4 the suite's
    longest group, not the number of workers, sets its time)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(4, cores)


# The compiled path's tests build the Numba kernel (10–20 s of CPU on a clean clone, then loaded from
# Numba's disk cache); together in one worker, it is built once rather than once per worker.
_ONE_WORKER = {"tests/core/test_compiled.py": "numba", "tests/ui/test_compiled_start.py": "numba"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests that use a module-scoped fixture (a shared window, a model trained once) run in one worker
    with the rest of their module, which builds it once; every other test is handed out on its own."""
    for item in items:
        module = item.nodeid.split("::")[0]
        fixtures = getattr(item, "_fixtureinfo", None)
        shares = fixtures is not None and any(defs[-1].scope in ("class", "module")
                                              for defs in fixtures.name2fixturedefs.values())
        group = _ONE_WORKER.get(module) or (module if shares else None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
