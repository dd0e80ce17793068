"""Loaders under a memory cap: with the address space limited (``resource.setrlimit``, in a
subprocess), files that would need more than the cap — a plausible deflated member of 256 MiB, a
CSV of 3 million rows, a network of 10¹⁰ weights — are refused before allocating, with exit
status 2 and one line saying how much memory and why; never MemoryError, never the OOM killer."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import hostile

ROOT = Path(__file__).parents[2]
HEADROOM_MB = 100   # what the capped process may allocate beyond what it has mapped after its imports

CAPPED = f"""
import resource, sys
import numpy
from bpstudio.cli import main
from bpstudio.core.limits import _mapped_bytes
resource.setrlimit(resource.RLIMIT_AS, (_mapped_bytes() + ({HEADROOM_MB} << 20), resource.RLIM_INFINITY))
sys.exit(main(sys.argv[1:]))
"""


def capped_cli(*argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-c", CAPPED, *map(str, argv)], capture_output=True, text=True,
                          timeout=120, env=env)


def _plausible_quarter_gigabyte(path):
    """A 256 kB .npz whose X honestly holds 256 MiB of zeros (deflate's ~1000× is within reason)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("X.npy", "w", force_zip64=True) as f:
            f.write(hostile.npy_header((1 << 25, 1)))
            zeros = bytes(1 << 24)
            for _ in range(16):
                f.write(zeros)
        zf.writestr("y.npy", hostile.npy_header((2,)) + bytes(16))


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("capped")
    _plausible_quarter_gigabyte(folder / "big.npz")
    with open(folder / "rows.csv", "w") as f:
        f.write("a,b,c,d,e,f,g,h,i,y\n")
        f.write("0,0,0,0,0,0,0,0,0,1\n" * 1_500_000)
    return folder


def _refused(result, name, why):
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2 and len(errors) == 1, result.stderr
    assert name in errors[0] and why in errors[0] and "MemoryError" not in result.stderr, errors[0]
    assert "of memory, but only" in errors[0], errors[0]


@pytest.mark.timeout(300)
def test_a_plausible_big_member_is_refused_under_the_cap(big_files, tmp_path):
    from bpstudio.core.io.model_files import save_model

    _refused(capped_cli("train", big_files / "big.npz", "--quiet"), "big.npz",
             "reading the array 'X' (float64 × (33554432, 1)) needs 256.0 MiB")
    save_model(hostile._model(), tmp_path / "m.npz")
    _refused(capped_cli("predict", tmp_path / "m.npz", big_files / "big.npz"), "big.npz", "needs 256.0 MiB")


@pytest.mark.timeout(300)
def test_a_csv_too_big_for_the_cap_is_refused_before_allocating(big_files):
    _refused(capped_cli("train", big_files / "rows.csv", "--quiet"), "rows.csv",
             "reading up to 1,500,002 rows × 10 columns needs 125.9 MiB")


@pytest.mark.timeout(300)
def test_huge_layers_are_refused_under_the_cap():
    _refused(capped_cli("train", "xor", "--layers", "3000,3000", "--quiet"), "--layers",
             "training a network 2 → 3000 → 3000 → 2")
