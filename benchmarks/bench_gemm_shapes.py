"""The medium case's five matrix products, alone: NumPy's OpenBLAS against PyTorch's MKL.

    python benchmarks/bench_gemm_shapes.py [--rounds 8] [--calls 200]

About four fifths of a medium training step (784-256-128-10, mini-batches of 128, float32) is
these five GEMMs, so how fast the BLAS runs exactly these shapes bounds how far bpstudio can get
ahead of PyTorch, whatever the code around them does. Each product is timed as bpstudio calls it
(``nn.blas.bound_gemm``, the SGD step inside the GEMM with β = 1) and as PyTorch eager calls it
(``mm``/``addmm_``), at 2 threads and at 1, interleaved round by round; the fastest call and the
median call of each round count, and the table shows the best and the median over rounds.
PyTorch is optional (``pip install torch==2.13.0``); without it only OpenBLAS is timed.

Each side runs in a process of its own, one after the other in every round: two thread pools in
one process on two cores (OpenBLAS's and PyTorch's OpenMP team, each spinning while it waits for
work) slowed products tens of times when calls alternated between them.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bpstudio.core.nn import blas

BATCH = 128
# name: (rows, inner, columns) of C = A @ B, and β (1: the SGD step added into Wᵀ)
SHAPES = {
    "z¹ = x W¹ᵀ": (BATCH, 784, 256, 0.0),
    "W¹ᵀ −= xᵀ δ¹": (784, BATCH, 256, 1.0),
    "z² = a¹ W²ᵀ": (BATCH, 256, 128, 0.0),
    "W²ᵀ −= a¹ᵀ δ²": (256, BATCH, 128, 1.0),
    "δ¹ = δ² W²": (BATCH, 128, 256, 0.0),
}


def operands(rows, inner, columns, rng):
    """A, B and C laid out as the engine has them: a transposed A where the step reads aᵀ."""
    a = rng.standard_normal((rows, inner), dtype=np.float32)
    b = rng.standard_normal((inner, columns), dtype=np.float32)
    c = np.zeros((rows, columns), np.float32)
    return a, b, c


def timed(call, calls):
    """(fastest, median) seconds of ``calls`` calls, after a warm-up."""
    for _ in range(20):
        call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def product(name, side, rng):
    """(flops, a call doing the product named ``name`` as ``side`` does it)."""
    rows, inner, columns, beta = SHAPES[name]
    a, b, c = operands(rows, inner, columns, rng)
    alpha = -1e-6 if beta else 1.0   # a tiny step: the weights stay finite over thousands of calls
    flops = 2.0 * rows * inner * columns
    if side == "OpenBLAS":
        bound = blas.bound_gemm(c, a, b, alpha, beta)
        if bound is None:
            return flops, lambda: blas.gemm(c, a, b, alpha, beta)

        def call(keep=(a, b, c)):   # the bound call holds addresses only: keep the arrays alive
            bound()
        return flops, call
    import torch
    ta, tb, tc = (torch.from_numpy(m) for m in (a, b, c))
    if beta:
        return flops, lambda: tc.addmm_(ta, tb, alpha=alpha)
    return flops, lambda: torch.mm(ta, tb, out=tc)


def child(side, calls):
    """One round of one side, in this process: {threads: {name: (fastest, median)}} as JSON."""
    timings = {}
    for threads in (2, 1):
        if side == "PyTorch":
            import torch
            torch.set_num_threads(threads)
        with threadpool_limits(limits=threads, user_api="blas"):
            rng = np.random.default_rng(0)
            timings[threads] = {name: timed(product(name, side, rng)[1], calls) for name in SHAPES}
    print(json.dumps(timings))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--child", choices=("OpenBLAS", "PyTorch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.calls)
    try:
        import torch  # noqa: F401
        sides = ("OpenBLAS", "PyTorch")
    except ImportError:
        sides = ("OpenBLAS",)
    results = {}   # (side, threads, name) → [(fastest, median) per round]
    for _ in range(args.rounds):
        for side in sides:
            out = subprocess.run([sys.executable, __file__, "--child", side, "--calls", str(args.calls)],
                                 capture_output=True, text=True, check=True).stdout
            for threads, by_name in json.loads(out.splitlines()[-1]).items():
                for name, timing in by_name.items():
                    results.setdefault((side, int(threads), name), []).append(timing)
    flops = {name: 2.0 * r * i * c for name, (r, i, c, _) in SHAPES.items()}
    report(flops, results, sides)


def report(flops_of, results, sides):
    for threads in (2, 1):
        print(f"\n{threads} thread{'s' * (threads > 1)}: µs per call, best / median over rounds (GFLOP/s at the best)")
        totals = {side: [0.0, 0.0] for side in sides}
        for name, flops in flops_of.items():
            cells = []
            for side in sides:
                rounds = results[(side, threads, name)]
                best = min(r[0] for r in rounds)
                median = statistics.median(r[1] for r in rounds)
                totals[side][0] += best
                totals[side][1] += median
                cells.append(f"{side} {best * 1e6:7.1f} / {median * 1e6:7.1f} ({flops / best / 1e9:5.0f})")
            print(f"  {name:14s} " + "   ".join(cells))
        line = "   ".join(f"{side} {t[0] * 1e6:7.1f} / {t[1] * 1e6:7.1f}" for side, t in totals.items())
        print(f"  {'all five':14s} {line}")
        if "PyTorch" in sides:
            print(f"  OpenBLAS ÷ PyTorch time: best {totals['OpenBLAS'][0] / totals['PyTorch'][0]:.2f}×, "
                  f"median {totals['OpenBLAS'][1] / totals['PyTorch'][1]:.2f}×")


if __name__ == "__main__":
    main()
