"""CSV loading speed and memory: load_dataset vs numpy.loadtxt on an MNIST-shaped file.

    python benchmarks/bench_load.py            # 60 000 × 785 (about 100 MB), a few minutes
    python benchmarks/bench_load.py --rows 6000

Writes a numeric CSV (label first, then 784 pixels 0–255, mostly 0 as in MNIST) to a temporary
folder, then times each loader in a fresh subprocess (best of --repeat) and measures its peak
memory in one more run under tracemalloc (which sees NumPy's array buffers).
Bars (issue 3): time ≤ 1.5 × numpy.loadtxt; peak memory ≤ 3 × the final float32 array.
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BLOCK_ROWS = 6000     # distinct rows, repeated to fill the file (parsing cost is the same)

CHILD = """
import json, sys, time, tracemalloc
import numpy as np
sys.path.insert(0, {root!r})
from bpstudio.core.data.loading import load_dataset
if {trace}:
    tracemalloc.start()     # NumPy reports its array buffers to tracemalloc
start = time.perf_counter()
if {loader!r} == "loadtxt":
    X = np.loadtxt({path!r}, delimiter=",", skiprows=1)
else:
    X = load_dataset({path!r}, target=0).X
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if {trace} else None
print(json.dumps({{"seconds": seconds, "peak_bytes": peak, "shape": list(X.shape)}}))
"""


def write_csv(path, rows, seed=0):
    rng = np.random.default_rng(seed)
    block = rng.integers(1, 256, size=(BLOCK_ROWS, 785)) * (rng.random((BLOCK_ROWS, 785)) < 0.12)
    block[:, 0] = rng.integers(0, 10, size=BLOCK_ROWS)
    text = io.StringIO()
    np.savetxt(text, block, fmt="%d", delimiter=",")
    text = text.getvalue()
    with open(path, "w") as f:
        f.write("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        for _ in range(rows // BLOCK_ROWS):
            f.write(text)
        f.write("".join(text.splitlines(keepends=True)[: rows % BLOCK_ROWS]))


def run(loader, path, trace=False):
    code = CHILD.format(root=str(ROOT), loader=loader, path=str(path), trace=trace)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mnist_like.csv"
        write_csv(path, args.rows)
        path.read_bytes()     # into the page cache, so neither loader pays for the disk
        print(f"file: {args.rows} × 785, {path.stat().st_size / 1e6:.1f} MB")
        results = {}
        for loader in ("loadtxt", "load_dataset"):
            runs = [run(loader, path) for _ in range(args.repeat)]    # timed without tracing
            results[loader] = min(runs, key=lambda r: r["seconds"])
            peak = results[loader]["peak_bytes"] = run(loader, path, trace=True)["peak_bytes"]
            print(f"{loader:>12}: {results[loader]['seconds']:.2f} s, peak memory {peak / 1e6:.0f} MB, "
                  f"array {tuple(results[loader]['shape'])}")
    float32_bytes = args.rows * 784 * 4
    time_ratio = results["load_dataset"]["seconds"] / results["loadtxt"]["seconds"]
    memory_ratio = results["load_dataset"]["peak_bytes"] / float32_bytes
    print(f"time: load_dataset / loadtxt = {time_ratio:.2f} (bar ≤ 1.5)")
    print(f"memory: load_dataset peak / final float32 array ({float32_bytes / 1e6:.0f} MB) = "
          f"{memory_ratio:.2f} (bar ≤ 3)")


if __name__ == "__main__":
    main()
