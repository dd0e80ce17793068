"""Start-up: seconds from launching Python to the main window on screen, for this checkout and others.

    python benchmarks/bench_startup.py [--rounds 10] [OTHER_CHECKOUT ...]

Each round launches a fresh interpreter per checkout (interleaved, so a busy machine slows all
of them alike) that imports the app, builds the default window, shows it and waits until it is
exposed; the parent times from the launch to the child's "shown" line (wall clock), and the child
reports the CPU seconds it used until then (``time.process_time``: what the start-up itself costs,
less disturbed by other work on a shared machine). Prints the best and the median round of both per
checkout, and the median CPU seconds of each phase: imports (Qt, pyqtgraph, NumPy, the app), building
the window, showing it. To compare with an earlier commit:

    git worktree add /tmp/before <commit> && python benchmarks/bench_startup.py /tmp/before

Runs on the offscreen Qt platform unless a display is set (xvfb-run works too); settings go to a
temporary folder, byte code to a temporary cache per checkout. Measurements: docs/performance.md
("Start-up").
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from bpstudio.ui import MainWindow
imported = time.process_time()
window = MainWindow()
built = time.process_time()
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
print("shown", time.process_time(), imported, built, flush=True)
"""


def launch(checkout, settings, pycache):
    """(wall, cpu, imports, window, show): seconds from starting the child interpreter to its window
    being shown, the CPU seconds the child used until then, and how they split: Qt and the app
    imported, the window built, shown. Byte code is cached under ``pycache`` (one folder per
    checkout) even when PYTHONDONTWRITEBYTECODE is set: an installed app has its .pyc files, and
    compiling every module on each launch would time the compiler, not the start-up."""
    env = dict(os.environ, PYTHONPATH=str(checkout), XDG_CONFIG_HOME=settings, PYTHONPYCACHEPREFIX=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=checkout,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = child.stdout.readline()
    took = time.perf_counter() - started
    child.kill()
    child.wait()
    word, *cpu = line.split()
    if word != "shown":
        raise SystemExit(f"{checkout}: the window did not come up")
    shown, imported, built = map(float, cpu)
    return took, shown, imported, built - imported, shown - built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("others", nargs="*", type=Path, help="other checkouts to time beside this one")
    args = parser.parse_args()
    checkouts = [HERE, *(p.resolve() for p in args.others)]
    times = {c: [] for c in checkouts}
    with tempfile.TemporaryDirectory() as settings, tempfile.TemporaryDirectory() as pycache:
        caches = {c: os.path.join(pycache, str(i)) for i, c in enumerate(checkouts)}
        for c in checkouts:
            launch(c, settings, caches[c])   # warm the file cache and .pyc files
        for _ in range(args.rounds):
            for c in checkouts:
                times[c].append(launch(c, settings, caches[c]))
    for c in checkouts:
        wall, cpu, *parts = np.array(times[c]).T
        print(f"{str(c):40} wall: best {wall.min():.2f} s, median {np.median(wall):.2f} s   "
              f"CPU: best {cpu.min():.2f} s, median {np.median(cpu):.2f} s "
              f"(imports {np.median(parts[0]):.2f}, window {np.median(parts[1]):.2f}, "
              f"show {np.median(parts[2]):.2f})")


if __name__ == "__main__":
    main()
