"""Every wait at exit is bounded: a background job or a compiled-kernel build that never ends does not
hang the exit of the app, of the command line or of a program using bpstudio. Each case runs in a
subprocess whose hang is made on purpose (the blocking function is replaced); the subprocess timeout,
not a timing assert, is what fails on a hang."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
HANG = "import threading\nforever = threading.Event()   # never set: whatever waits on it hangs\n"


def _run(script, tmp_path, timeout=120, **env):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
                   "XDG_CONFIG_HOME": str(tmp_path / "config"), **env}
    return subprocess.run([sys.executable, "-c", HANG + script], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def test_a_job_that_never_stops_does_not_hang_the_interpreters_exit(tmp_path):
    run = _run("""
import sys
from PySide6.QtCore import QCoreApplication
from bpstudio.ui.session import jobs
app = QCoreApplication([])
runner, started = jobs.JobRunner(), threading.Event()
def stalled_read(progress, cancel):   # ignores cancel, like a read stuck in the kernel
    started.set()
    forever.wait()
runner.run(stalled_read, what="reading a file")
assert started.wait(10)
jobs.EXIT_WAIT_MS = 300
print("detached", runner.shutdown(timeout_ms=100) is False, flush=True)
sys.exit(0)
""", tmp_path)
    assert "detached True" in run.stdout
    # Ended at once after the bounded wait, saying so — not Qt's abort on a destroyed running QThread.
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "reading a file did not stop within 0.3 s" in run.stderr
    assert "QThread: Destroyed" not in run.stderr


def test_closing_the_app_while_training_never_stops_does_not_hang_it(tmp_path):
    # The training job ignores Stop (a batch that never ends): the window closes after its bounded
    # wait, and the app exits with its own status after at most EXIT_WAIT_MS more.
    run = _run(f"""
import sys
from bpstudio.ui.session import worker
def never_ending_batch(self, progress, cancel):
    forever.wait()
worker.TrainJob.run = never_ending_batch
from bpstudio.cli import main
sys.exit(main(["--dataset", "xor", "--train-seconds", "0.5", "--screenshot", {str(tmp_path / "shot.png")!r}]))
""", tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "shot.png").exists()
    assert "did not stop within" in run.stderr and "QThread: Destroyed" not in run.stderr


def test_a_compiled_build_that_never_ends_does_not_hang_the_command_line(tmp_path):
    run = _run("""
import sys
from bpstudio.core.train import compiled
compiled._build = lambda: forever.wait()    # a build that hangs
compiled.BUILD_EXIT_WAIT = 0.5
from bpstudio.cli import main
status = main(["train", "xor", "--batch-mode", "stochastic", "--epochs", "3", "--quiet"])
print("building", compiled.is_building(), flush=True)
sys.exit(status)
""", tmp_path, BPSTUDIO_COMPILED="background")
    assert "building True" in run.stdout      # the run used the NumPy path while the build "went on"
    assert run.returncode == 0, run.stderr
