"""Training throughput of bpstudio's engine on three reference networks, against PyTorch eager and FANN.

    python benchmarks/bench_core.py [--seconds 1] [--rounds 10] [--cases medium ...]

Runs in float32. With PyTorch installed (``pip install torch==2.13.0``, CPU; never a
dependency of bpstudio) each case is also run in PyTorch in the same process,
interleaved round by round. With libfann installed (Debian: ``apt-get install libfann-dev``)
a small C driver (``fann_driver.c``) is built with the system compiler and FANN's per-sample
training is measured in the same rounds (FANN has no softmax: its networks end in sigmoids;
its figure is per-sample whatever the case's batch mode). Prints each side's best and median
round in samples/second, the ratios, and each case's share of this machine's float32
matrix-multiply peak — probed in every round (``gemm_gflops``) under the same load as the round's
training, the best round set against the highest probe and each round against its own.

bpstudio and FANN are compared in samples per second of wall time and, because a shared machine
slows both by whatever else runs, also per second of CPU time (the training thread's for
bpstudio, the driver process's for FANN; tiny case only, where both train on one thread: the
other cases call multi-threaded BLAS, which one thread's clock does not see). Both train the tiny case the
same way: 2-8-8-1, tanh-shaped hidden layers and a sigmoid output (one exp per neuron), plain
MSE, SGD at η = 0.01 one sample at a time, reshuffled 2,000-sample epochs, one timed window
after a warm-up.

The compiled per-sample path (tiny case) is built before the first round, so no round pays
for compiling it.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("BPSTUDIO_COMPILED", "wait")   # build the compiled path before timing

from bpstudio.core import Network, TrainConfig, Trainer  # noqa: E402
from bpstudio.core.train import compiled  # noqa: E402

CASES = {
    # name: sizes, hidden activation, output activation, cost, batch mode, batch size, samples
    "tiny": ([2, 8, 8, 1], "tanh", "sigmoid", "mse", "stochastic", 1, 2000),
    "small": ([64, 32, 10], "sigmoid", "softmax", "cross_entropy", "mini-batch", 32, 4000),
    "medium": ([784, 256, 128, 10], "relu", "softmax", "cross_entropy", "mini-batch", 128, 8192),
}
BARS = {"tiny": 5.0, "small": 4.0, "medium": 1.5}


def make_data(sizes, output, n):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, sizes[0])).astype(np.float32)
    if output == "softmax":
        Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
    else:
        Y = (rng.random((n, sizes[-1])) > 0.5).astype(np.float32)
    return X, Y


def run_bpstudio(case, seconds, clock=time.perf_counter, cpu_rates=None):
    """Samples per second of ``clock`` (wall time; ``time.process_time``: per CPU-second) for ``seconds``;
    with ``cpu_rates`` (a list), also appends samples per second of this thread's CPU time."""
    sizes, hidden, output, cost, mode, batch, n = CASES[case]
    X, Y = make_data(sizes, output, n)
    net = Network(sizes, [hidden] * (len(sizes) - 2) + [output], dtype="float32", seed=0)
    trainer = Trainer(net, TrainConfig(learning_rate=0.01, batch_mode=mode, batch_size=batch,
                                       epochs=10**6, cost=cost))
    trainer.step(X, Y)  # warm-up: binds data and allocates buffers
    stop = _Deadline(seconds)
    started, cpu_started, seen = clock(), time.thread_time(), trainer.samples_seen
    trainer.fit(X, Y, stop=stop)
    samples = trainer.samples_seen - seen
    if cpu_rates is not None:
        cpu_rates.append(samples / (time.thread_time() - cpu_started))
    return samples / (clock() - started)


def run_torch(case, seconds, clock=time.perf_counter):
    import torch

    sizes, hidden, output, cost, mode, batch, n = CASES[case]
    X, Y = (torch.from_numpy(a) for a in make_data(sizes, output, n))
    acts = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(acts[hidden]())
    if output == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    if cost == "mse":
        loss_fn, target = torch.nn.MSELoss(), Y
    else:  # softmax + cross-entropy, fused on logits as in bpstudio
        loss_fn, target = torch.nn.CrossEntropyLoss(), Y.argmax(dim=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    seen, started = 0, clock()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        order = torch.randperm(n)
        Xs, Ts = X[order], target[order]
        for i in range(0, n, batch):
            opt.zero_grad()
            loss = loss_fn(model(Xs[i:i + batch]), Ts[i:i + batch])
            loss.backward()
            opt.step()
            seen += len(Xs[i:i + batch])
            if time.perf_counter() > deadline:
                break
    return seen / (clock() - started)


def build_fann_driver():
    """Path of the compiled FANN driver, or None (with the reason printed) when it cannot be built."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler or not Path("/usr/include/fann.h").exists():
        print("FANN not measured: needs libfann and a C compiler (Debian: apt-get install libfann-dev)")
        return None
    out = Path(tempfile.mkdtemp()) / "fann_driver"
    source = Path(__file__).with_name("fann_driver.c")
    built = subprocess.run([compiler, "-O2", "-o", str(out), str(source), "-lfann", "-lm"],
                           capture_output=True, text=True)
    if built.returncode:
        print(f"FANN not measured: building the driver failed: {built.stderr.strip()[:200]}")
        return None
    return out


def run_fann(driver, case, seconds, cpu_rates):
    """FANN's samples/s of wall time; appends its samples/s of CPU time to ``cpu_rates``."""
    sizes, hidden, _, _, _, _, n = CASES[case]
    hidden = "tanh" if hidden == "tanh" else "sigmoid"   # FANN 2.2 has no ReLU: sigmoid stands in
    args = [str(driver), str(seconds), str(n), hidden, *map(str, sizes)]
    wall, cpu = map(float, subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())
    cpu_rates.append(cpu)
    return wall


PEAK_SIZES = (512, 768, 1024, 1536)   # square float32 GEMMs the peak probe tries; the fastest counts


def gemm_gflops(clock=time.perf_counter, seconds=0.4, thread_counts=(None,)):
    """This machine's float32 matrix-multiply ceiling right now, in GFLOP/s of ``clock``.

    A single timing of one 1024² product said 129 GFLOP/s one day and 275 the day before on the
    same idle machine: one size, one shot without warm-up, at the mercy of one scheduler tick. Here
    every size in PEAK_SIZES is multiplied into a preallocated result (no allocation timed) after
    a warm-up call, repeated for ``seconds`` / len(PEAK_SIZES) each, and the fastest call of the
    fastest size counts. ``thread_counts``: the OpenBLAS thread counts to probe (None: the one in
    force); the highest counts. With another job on one of two cores a two-thread GEMM runs at the
    busy core's pace, below one thread's, so bench_core probes both: the peak is what the machine's
    BLAS reaches at that moment, whichever way.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    best = 0.0
    for n in PEAK_SIZES:
        a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
        c = np.empty_like(a)
        for threads in thread_counts:
            with threadpool_limits(limits=threads, user_api="blas"):
                best = max(best, _fastest_product(a, b, c, clock, seconds / len(PEAK_SIZES) / len(thread_counts)))
    return best


def _fastest_product(a, b, c, clock, seconds):
    """GFLOP/s of the fastest of repeated c = a @ b (n × n) for about ``seconds``, after a warm-up."""
    np.matmul(a, b, out=c)   # warm-up: OpenBLAS's buffers and threads, the pages of c
    deadline, best, flops = time.perf_counter() + seconds, np.inf, 2 * len(a) ** 3
    for calls in range(1, 1000):   # at least 3 calls even when each overruns the deadline
        started = clock()
        np.matmul(a, b, out=c)
        best = min(best, clock() - started)
        if calls >= 3 and time.perf_counter() > deadline:
            break
    return flops / max(best, 1e-9) / 1e9


def training_flops_per_sample(sizes):
    """Multiply-adds ×2 of forward (a Wᵀ), ∇W = δᵀ a, and δ W for every layer but the first."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return 2 * (2 * sum(i * o for i, o in pairs) + sum(i * o for i, o in pairs[1:]))


class _Deadline:
    """A stop 'event' that becomes set after a number of seconds."""

    def __init__(self, seconds):
        self.deadline = time.perf_counter() + seconds

    def is_set(self):
        return time.perf_counter() > self.deadline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per case per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES), help="cases to run (default: all)")
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
        print("PyTorch not installed: measuring bpstudio only (pip install torch==2.13.0 for the comparison)")
    if compiled.available() and compiled.ready() is not None:
        print("compiled per-sample path: on (tiny case)")
    else:
        print(f"compiled per-sample path: off ({compiled.failure or 'Numba missing or BPSTUDIO_COMPILED=0'})")
    driver = build_fann_driver()
    cases = [c for c in CASES if c in args.cases]
    ours, theirs, fann, ours_cpu, fann_cpu = ({c: [] for c in cases} for _ in range(5))
    peaks = []   # the GEMM peak probed in every round, under the same load as that round's training
    for _ in range(args.rounds):
        peaks.append(gemm_gflops(thread_counts=(None, 1)))
        for case in cases:
            ours[case].append(run_bpstudio(case, args.seconds, cpu_rates=ours_cpu[case] if case == "tiny" else None))
            if torch:
                theirs[case].append(run_torch(case, args.seconds))
            if driver and case != "medium":   # FANN per-sample on the medium case: ~3k samples/s, minutes a round
                fann[case].append(run_fann(driver, case, args.seconds, fann_cpu[case]))
    # A shared machine only ever slows a round down: the best round is each side's speed when the
    # machine was quiet; the median is what a user typically gets. Both are printed.
    print(f"{'case':8} {'bpstudio samples/s':>24} {'torch samples/s':>22} {'ratio':>13} {'bar':>5}")
    print(f"{'':8} {'best':>11} {'median':>12} {'best':>10} {'median':>11} {'best':>6} {'median':>6}")
    for case in cases:
        (ob, om), (tb, tm) = _best_median(ours[case]), _best_median(theirs[case])
        print(f"{case:8} {ob:11,.0f} {om:12,.0f} {tb:10,.0f} {tm:11,.0f} {ob / tb:6.2f} {om / tm:6.2f} {BARS[case]:5.1f}")
    if any(fann.values()):
        _print_fann(cases, ours, fann, "wall time")
        if fann_cpu.get("tiny"):
            _print_fann(["tiny"], ours_cpu, fann_cpu, "CPU time (one thread each)")
    _print_peak_shares(cases, ours, peaks)


def _print_peak_shares(cases, ours, peaks):
    """Each case's training GFLOP/s as a share of the float32 GEMM peak: the best round against the
    highest peak of the run, and the median over rounds of each round against its own probe."""
    peak = max(peaks)
    print(f"\nfloat32 GEMM peak ({len(PEAK_SIZES)} sizes {PEAK_SIZES[0]}–{PEAK_SIZES[-1]}², all and 1 BLAS threads, "
          f"probed every round): "
          f"highest {peak:.1f} GFLOP/s, median {np.median(peaks):.1f}, lowest {min(peaks):.1f}")
    print(f"{'case':8} {'GFLOP/s best':>12} {'share of the highest peak':>26} {'median share (same round)':>26}")
    for case in cases:
        flops = training_flops_per_sample(CASES[case][0]) / 1e9
        rounds = np.array(ours[case]) * flops
        same_round = np.median(rounds / np.array(peaks[:len(rounds)]))
        print(f"{case:8} {rounds.max():12.2f} {rounds.max() / peak:26.1%} {same_round:26.1%}")


def _print_fann(cases, ours, fann, clock):
    print(f"\nsamples per second of {clock}")
    print(f"{'case':8} {'FANN per-sample best':>21} {'median':>10} {'bpstudio best':>14} {'median':>10}"
          f" {'bpstudio/FANN best':>19} {'median':>7}")
    for case in cases:
        if fann[case]:
            (fb, fm), (ob, om) = _best_median(fann[case]), _best_median(ours[case])
            print(f"{case:8} {fb:21,.0f} {fm:10,.0f} {ob:14,.0f} {om:10,.0f} {ob / fb:19.2f} {om / fm:7.2f}")


def _best_median(values):
    """(best, median) of a list of samples/s; (nan, nan) when nothing was measured."""
    return (max(values), float(np.median(values))) if values else (float("nan"), float("nan"))


if __name__ == "__main__":
    main()
