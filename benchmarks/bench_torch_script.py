"""The exported PyTorch script against bpstudio on one training epoch, and its CSV reading speed.

    python benchmarks/bench_torch_script.py [--rows 200000] [--processes 2]

Makes a classification CSV (10 numeric columns, text classes), trains one epoch in bpstudio
(Adam, batches of 256, 10 → 64 → 64 → 2, float64), exports it as a .py, then trains one more epoch
with the script in one process and under ``torchrun --nproc_per_node=PROCESSES`` (gloo). Prints
samples/s of each epoch (from the histories the model files carry) and the script's CSV reading
speed. Needs PyTorch (``pip install torch==2.13.0``; never a dependency of bpstudio).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import bpstudio
from bpstudio.core import Network, TrainConfig, Trainer
from bpstudio.core.data.dataset import Dataset, prepare
from bpstudio.core.io import training_state
from bpstudio.core.io.model import Model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_torch_script."))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 10))
    labels = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    ds = Dataset(X, np.eye(2)[labels], "classification", [f"x{i}" for i in range(10)], ["no", "yes"])
    data = prepare(ds, "standard", val_fraction=0.0)
    net = Network([10, 64, 64, 2], ["tanh", "tanh", "softmax"], seed=0)
    config = TrainConfig(learning_rate=0.003, optimizer="adam", batch_size=256, cost="cross_entropy", epochs=1)
    trainer = Trainer(net, config)
    trainer.fit(data.X_train, data.Y_train)
    model = Model.from_prepared(net, data, config, trainer.history)
    model.training_state = training_state.of_trainer(trainer)
    bpstudio.save_model(model, folder / "model.py")
    with open(folder / "data.csv", "w") as f:
        f.write(",".join(ds.feature_names) + ",label\n")
        for row, label in zip(X, labels):
            f.write(",".join(f"{v:.6f}" for v in row) + ("," + ds.class_names[label]) + "\n")
    print(f"bpstudio          {trainer.history.samples_per_s[-1]:>10,.0f} samples/s")
    runs = {"script, 1 process": [sys.executable],
            f"torchrun, {args.processes} proc.": [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                  f"--nproc_per_node={args.processes}"]}
    for name, launcher in runs.items():
        out = folder / "out.safetensors"
        subprocess.run([*launcher, str(folder / "model.py"), "train", str(folder / "data.csv"), "--epochs", "1",
                        "--out", str(out), "--quiet", "--device", "cpu"], check=True, capture_output=True)
        speed = bpstudio.load_model(out).training_state["history"]["samples_per_s"][-1]
        print(f"{name:<18}{speed:>10,.0f} samples/s")
    code = (f"import runpy, sys, time; g = runpy.run_path({str(folder / 'model.py')!r}, run_name='bench'); "
            f"t = time.perf_counter(); g['read_training_data']({str(folder / 'data.csv')!r}, None, False); "
            f"print(time.perf_counter() - t)")
    seconds = float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    print(f"CSV reading       {args.rows / seconds:>10,.0f} rows/s ({(folder / 'data.csv').stat().st_size / seconds / 1e6:.1f} MB/s)")
    print(f"(files in {folder}; measured {time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
