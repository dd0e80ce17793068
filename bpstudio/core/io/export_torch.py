"""The .py export: a PyTorch script that predicts with the network and keeps training it.

The script is ``torch_script_template.py`` (read it: it is the script) with its block of exported
constants filled in — the weights file's name and SHA-256, the model's metadata and its training
settings. Every value is written as a Python literal (``repr``, laid out by ``pprint``) and read
back to check it, so no text from the model or the file name can become code. The script loads
only the weights whose SHA-256 it names: a script and weights from two exports never run together.
See docs/pytorch.md.
"""

import ast
import hashlib
import pprint
import re
from pathlib import Path

from ..train.config import TrainConfig

TEMPLATE = Path(__file__).with_name("torch_script_template.py")
_CONSTANTS = re.compile(r"(^# ---- bpstudio: exported constants.*?\n)(.*?)(^# ---- end of exported constants ----$)",
                        re.MULTILINE | re.DOTALL)


def script(model, weights_file, weights_bytes):
    """The script's text for ``model`` whose weights file (named ``weights_file``, beside the script)
    holds ``weights_bytes``."""
    constants = {
        "WEIGHTS_FILE": weights_file,
        "WEIGHTS_SHA256": hashlib.sha256(weights_bytes).hexdigest(),
        "METADATA": model.metadata(),
        "SETTINGS": (model.config or TrainConfig()).to_dict(),
    }
    block = "".join(f"{name} = {literal(value)}\n" for name, value in constants.items())
    template = TEMPLATE.read_text(encoding="utf-8")
    text, count = _CONSTANTS.subn(lambda m: m.group(1) + block + m.group(3), template, count=1)
    if count != 1:
        raise RuntimeError(f"{TEMPLATE.name}: the block of exported constants is missing")
    return text


def literal(value):
    """``value`` (str, numbers, None, and lists, tuples and dicts of them) as Python source that
    evaluates to it — checked by evaluating it back as a literal (``ast.literal_eval`` runs nothing)."""
    text = pprint.pformat(value, width=110, sort_dicts=False)
    if ast.literal_eval(text) != value:
        raise ValueError(f"cannot write {type(value).__name__} {value!r:.60} as a Python literal")
    return text
