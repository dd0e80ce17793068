"""Start-up: seconds from launching Python to the main window on screen, for this checkout and others.

    python benchmarks/bench_startup.py [--rounds 10] [OTHER_CHECKOUT ...]

Each round launches a fresh interpreter per checkout (interleaved, so a busy machine slows all
of them alike) that imports the app, builds the default window, shows it and waits until it is
exposed; the parent times from the launch to the child's "shown" line (wall clock), and the child
reports the CPU seconds it used until then (``time.process_time``: what the start-up itself costs,
less disturbed by other work on a shared machine). Prints the best and the median round of both per
checkout. To compare with an earlier commit:

    git worktree add /tmp/before <commit> && python benchmarks/bench_startup.py /tmp/before

Runs on the offscreen Qt platform unless a display is set (xvfb-run works too); settings go to a
temporary folder.
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
window = MainWindow()
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
print("shown", time.process_time(), flush=True)
"""


def launch(checkout, settings, pycache):
    """(wall, cpu): seconds from starting the child interpreter to its window being shown, and the
    CPU seconds the child used until then. Byte code is cached under ``pycache`` (one folder per
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
    word, _, cpu = line.partition(" ")
    if word != "shown":
        raise SystemExit(f"{checkout}: the window did not come up")
    return took, float(cpu)


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
        wall, cpu = np.array(times[c]).T
        print(f"{str(c):40} wall: best {wall.min():.2f} s, median {np.median(wall):.2f} s   "
              f"CPU: best {cpu.min():.2f} s, median {np.median(cpu):.2f} s")


if __name__ == "__main__":
    main()
