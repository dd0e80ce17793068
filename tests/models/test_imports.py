"""`import bpstudio` stays light: save_model/load_model load their modules (and onnx, safetensors) on first use."""

import subprocess
import sys

HEAVY = ("PySide6", "pyqtgraph", "onnx", "onnxruntime", "safetensors", "torch")


def _loaded_after(code):
    check = f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    return subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout.strip()


def test_import_bpstudio_loads_nothing_heavy():
    assert _loaded_after("import bpstudio") == "[]"
    assert _loaded_after("import bpstudio\nassert 'numpy' not in sys.modules") == "[]"


def test_save_and_load_model_import_only_what_the_format_needs(tmp_path):
    code = f"""
import numpy as np, bpstudio
from bpstudio.core import Network
from bpstudio.core.io.model import Model
model = Model(Network([2, 1], ["sigmoid"]), None, None, "classification", [], ["no", "yes"])
bpstudio.save_model(model, {str(tmp_path / 'm.npz')!r})
bpstudio.load_model({str(tmp_path / 'm.npz')!r})
"""
    assert _loaded_after(code) == "[]"
