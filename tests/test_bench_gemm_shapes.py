"""benchmarks/bench_gemm_shapes.py runs end to end (its bound GEMMs once segfaulted when the
arrays behind their addresses were freed): one round, a few calls, in a child process."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gemm_shapes.py"


def test_bench_gemm_shapes_runs_and_reports_every_product():
    done = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--calls", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in ("z¹ = x W¹ᵀ", "W¹ᵀ −= xᵀ δ¹", "δ¹ = δ² W²", "all five"):
        assert done.stdout.count(name) == 2, done.stdout   # once per thread count
