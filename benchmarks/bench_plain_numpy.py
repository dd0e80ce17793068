"""How close is the engine to the fastest plain NumPy loop on bench_core's medium case?

    python benchmarks/bench_plain_numpy.py [--rounds 20] [--seconds 0.3]

The loop below trains 784-256-128-10 (relu, softmax + cross-entropy, mini-batches of 128,
float32, SGD) with every trick the engine uses — transposed weights, so both big products
are untransposed GEMMs; bias and SGD step inside the big layers' GEMMs (β = 1, through
``bpstudio.core.blas``); a gather without a bounds-check buffer; in-place activations; ReLU
against an array of zeros; bias gradients as ones @ δ; η folded into δᴸ — and none of its
bookkeeping (no epoch cost, no progress, no divergence checks). It runs interleaved with
bpstudio's Trainer and, when installed, PyTorch eager, in short rounds; each side's best and
median round are printed. The plain loop is the ceiling for a NumPy engine on this machine:
the gap to it is what the engine's bookkeeping costs.
"""

import argparse
import time

import numpy as np
from bench_core import CASES, _Deadline, make_data, run_bpstudio, run_torch

from bpstudio.core.nn.blas import gemm

SIZES, BATCH, N_SAMPLES, LR = CASES["medium"][0], 128, CASES["medium"][6], 0.01


class PlainLoop:
    """Mini-batch SGD for the medium network, written out layer by layer."""

    def __init__(self, X, Y):
        rng = np.random.default_rng(0)
        f = np.float32
        self.X, self.Y, self.rng = X, Y, rng
        pairs = list(zip(SIZES[:-1], SIZES[1:]))
        self.Wt = [(rng.normal(size=(i, o)) * np.sqrt(2 / i)).astype(f) for i, o in pairs]   # Wᵀ, (n_in, n_out)
        self.b = [np.zeros(o, f) for o in SIZES[1:]]
        self.grad_Wt = [np.empty_like(W) for W in self.Wt]
        self.grad_b = [np.empty_like(b) for b in self.b]
        self.a = [np.empty((BATCH, o), f) for o in SIZES[1:]]
        self.delta = [np.empty((BATCH, o), f) for o in SIZES[1:]]
        self.mask = [np.empty((BATCH, o), f) for o in SIZES[1:]]
        self.zeros = [np.zeros((BATCH, o), f) for o in SIZES[1:]]
        self.x, self.y = np.empty((BATCH, SIZES[0]), f), np.empty((BATCH, SIZES[-1]), f)
        self.ones, self.row = np.ones(BATCH, f), np.empty((BATCH, 1), f)
        self.ones_out = np.ones((SIZES[-1], 1), f)
        self.scale = f(LR / BATCH)

    def batch(self, idx):
        Wt, b, a, d, mask = self.Wt, self.b, self.a, self.delta, self.mask
        x = np.take(self.X, idx, axis=0, out=self.x, mode="clip")
        y = np.take(self.Y, idx, axis=0, out=self.y, mode="clip")
        for l in (0, 1):   # hidden layers: z = a Wᵀ + b by one GEMM, relu in place
            np.copyto(a[l], b[l])
            gemm(a[l], x if l == 0 else a[0], Wt[l], 1.0, 1.0)
            np.maximum(a[l], self.zeros[l], out=a[l])
        z = a[2]
        np.matmul(a[1], Wt[2], out=z)
        z += b[2]
        self.row[:, 0] = z.T.copy().max(axis=0)
        z -= self.row
        np.exp(z, out=z)
        np.matmul(z, self.ones_out, out=self.row)
        z /= self.row
        np.subtract(z, y, out=d[2])   # δᴸ = a − y, times η/N
        d[2] *= self.scale
        for l in (2, 1, 0):
            a_prev = x if l == 0 else a[l - 1]
            np.matmul(self.ones, d[l], out=self.grad_b[l])
            if l:   # δˡ⁻¹ from Wˡ before its step
                np.matmul(d[l], Wt[l].T, out=d[l - 1])
                np.greater(a[l - 1], 0, out=mask[l - 1])
                d[l - 1] *= mask[l - 1]
            if l == 2:
                np.matmul(a_prev.T, d[l], out=self.grad_Wt[l])
                Wt[l] -= self.grad_Wt[l]
            else:
                gemm(Wt[l], a_prev.T, d[l], -1.0, 1.0)
        for p, g in zip(b, self.grad_b):
            p -= g

    def run(self, seconds):
        stop, seen, started = _Deadline(seconds), 0, time.perf_counter()
        while not stop.is_set():
            order = self.rng.permutation(N_SAMPLES)
            for start in range(0, N_SAMPLES - BATCH + 1, BATCH):
                self.batch(order[start:start + BATCH])
                seen += BATCH
                if stop.is_set():
                    break
        return seen / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=0.3, help="seconds per side per round")
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    plain = PlainLoop(*make_data(SIZES, "softmax", N_SAMPLES))
    results = {"plain NumPy loop": [], "bpstudio": [], "PyTorch": []}
    for _ in range(args.rounds):
        results["plain NumPy loop"].append(plain.run(args.seconds))
        results["bpstudio"].append(run_bpstudio("medium", args.seconds))
        if torch:
            results["PyTorch"].append(run_torch("medium", args.seconds))
    reference = results["PyTorch"] or results["plain NumPy loop"]
    name = "PyTorch" if results["PyTorch"] else "plain loop"
    print(f"medium 784-256-128-10, {args.rounds} interleaved rounds of {args.seconds} s")
    for side, values in results.items():
        if values:
            print(f"{side:17} best {max(values):9,.0f} median {np.median(values):9,.0f} samples/s   "
                  f"÷ {name}: best {max(values) / max(reference):.2f}× median "
                  f"{np.median(values) / np.median(reference):.2f}×")


if __name__ == "__main__":
    main()
