"""A run's state in a model file, so training can continue elsewhere exactly where it stopped.

    model.training_state = training_state.of_trainer(trainer)   # before saving .safetensors or .py
    trainer = training_state.resume(Trainer(net, config), model.training_state)   # after loading

The state is the optimizer's (name, step count t, current learning rate and its per-parameter
buffers), the shuffling generator's and the whole per-epoch history. A ``.safetensors`` file (and
the weights of a ``.py`` export) keeps it as

- a header field ``training_state``: JSON ``{"optimizer": {"name", "t", "lr"}, "rng": …, "history": …}``
  (NaN in the history written as null);
- tensors ``optimizer.<buffer>.<parameter>`` named as ``torch.optim`` names the buffers
  (``momentum_buffer``, ``square_avg``, ``exp_avg``, ``exp_avg_sq``) and as the state dict names the
  parameters (``0.weight``, ``0.bias``, …), so they load into a PyTorch optimizer as they are.

The PyTorch script continues from it and writes it back; the other formats leave it out.
"""

import itertools
import math

import numpy as np

from ..train.trainer import History
from .export_safetensors import tensor_name

BUFFER_PREFIX = "optimizer."
_TORCH_NAMES = {"velocity": "momentum_buffer"}   # bpstudio's buffer name → torch.optim's (others agree)


def of_trainer(trainer):
    """The state of ``trainer``'s run to save with its model (at an epoch boundary it continues exactly)."""
    state = trainer.state_dict()
    return {"optimizer": state["optimizer"], "rng": state["rng"], "history": state["history"]}


def resume(trainer, state):
    """``trainer`` (new, on the model's network) continuing the saved run: its epochs, history and
    shuffling, and the optimizer's state when the trainer uses the same optimizer (else a fresh one)."""
    history = History.from_dict(state["history"])
    saved = state["optimizer"]
    optimizer = trainer.optimizer.state_dict()
    if saved.get("name") == optimizer["name"]:   # buffers not saved: the optimizer restarts (its t is 0)
        optimizer.update({"t": saved["t"], "lr": saved["lr"]} if saved["t"] == 0 else saved)
    trainer.load_state_dict({
        "epoch": len(history), "updates": int(saved["t"]),
        "samples_seen": 0, "elapsed": history.time[-1] if len(history) else 0.0,
        "epoch_elapsed": 0.0, "pos": 0, "epoch_started": False, "order": None, "z_epoch": None,
        "rng": state["rng"], "optimizer": optimizer, "history": state["history"],
        "best_cost": math.inf, "best_epoch": 0, "best_params": None,
    })
    return trainer


def to_file(state, network, with_buffers=True):
    """(the header field's JSON-ready value, the buffer tensors) for ``network``'s model file. Without
    its buffers the optimizer is saved as restarting (step count 0) at the run's learning rate."""
    optimizer = state["optimizer"]
    buffers = {name: value for name, value in optimizer.items() if isinstance(value, np.ndarray)}
    steps = int(optimizer["t"]) if with_buffers or not buffers else 0
    tensors = {}
    for name, flat in buffers.items():
        weights, biases = network.layer_views(np.asarray(flat, dtype=network.dtype))
        for l, (W, b) in enumerate(zip(weights, biases)):
            for kind, array in (("weight", W), ("bias", b)):
                tensors[f"{BUFFER_PREFIX}{_TORCH_NAMES.get(name, name)}.{tensor_name(l, kind)}"] = \
                    np.ascontiguousarray(array)
    header = {"optimizer": {"name": optimizer["name"], "t": steps, "lr": float(optimizer["lr"])},
              "rng": state["rng"], "history": _json_history(state["history"])}
    return header, tensors if with_buffers else {}


def from_file(header, tensors, sizes):
    """The state from a file's header field and tensors (buffers flat, laid out like ``Network.params``)."""
    optimizer = dict(header["optimizer"])
    from_torch = {torch: ours for ours, torch in _TORCH_NAMES.items()}
    names = {key[len(BUFFER_PREFIX):].split(".")[0] for key in tensors if key.startswith(BUFFER_PREFIX)}
    for torch_name in sorted(names):
        optimizer[from_torch.get(torch_name, torch_name)] = _flat(tensors, torch_name, sizes)
    return {"optimizer": optimizer, "rng": header["rng"], "history": header["history"]}


def _flat(tensors, torch_name, sizes):
    """One buffer's per-layer tensors as one flat array: every W (column by column), then every b."""
    pairs = list(itertools.pairwise(sizes))

    def key(l, kind):
        return f"{BUFFER_PREFIX}{torch_name}.{tensor_name(l, kind)}"

    parts = [np.asarray(tensors[key(l, "weight")], dtype=np.float64).reshape(n_out, n_in).ravel(order="F")
             for l, (n_in, n_out) in enumerate(pairs)]
    parts += [np.asarray(tensors[key(l, "bias")], dtype=np.float64).reshape(n_out) for l, (_, n_out) in enumerate(pairs)]
    return np.concatenate(parts)


def _json_history(history):
    return {name: [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]
            if isinstance(values, list) else values for name, values in history.items()}
