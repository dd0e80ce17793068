"""The medium case against PyTorch per CPU-second: a comparison that survives a busy machine.

    python benchmarks/bench_medium_cpu.py [--rounds 20] [--seconds 0.5]

bench_core.py times wall-clock samples/s with every core; on a machine shared with other jobs
that mostly measures the other jobs (a threaded GEMM waits for a helper thread the scheduler has
parked: 5–10× slower under heavy load, for PyTorch and bpstudio alike). Here both sides train
bench_core's medium case (784-256-128-10, relu, softmax + cross-entropy, mini-batches of 128,
float32, SGD) on one thread each (OpenBLAS and PyTorch's intra-op pool), interleaved round by
round, timed by ``time.process_time``: samples per CPU-second, which other jobs hardly change.
Also prints the share of a one-core float32 GEMM peak, measured the same way (probed every round;
the highest probe counts).
"""

import argparse
import time

import numpy as np
from bench_core import CASES, gemm_gflops, run_bpstudio, run_torch, training_flops_per_sample
from threadpoolctl import threadpool_limits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=0.5, help="seconds per side per round")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    cpu = time.process_time
    ours, theirs, peaks = [], [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(args.rounds):
            peaks.append(gemm_gflops(clock=cpu, seconds=0.2))
            ours.append(run_bpstudio("medium", args.seconds, clock=cpu))
            theirs.append(run_torch("medium", args.seconds, clock=cpu))
    peak = max(peaks)
    ours, theirs = np.array(ours), np.array(theirs)
    print("medium case, one thread each, samples per CPU-second")
    print(f"bpstudio: best {ours.max():,.0f}  median {np.median(ours):,.0f}")
    print(f"PyTorch:  best {theirs.max():,.0f}  median {np.median(theirs):,.0f}")
    print(f"ratio: best {ours.max() / theirs.max():.2f}  median of rounds {np.median(ours / theirs):.2f}")
    achieved = ours.max() * training_flops_per_sample(CASES["medium"][0]) / 1e9
    print(f"one-core float32 GEMM peak {peak:.1f} GFLOP/s; bpstudio {achieved:.1f} GFLOP/s = {achieved / peak:.1%} of it")


if __name__ == "__main__":
    main()
