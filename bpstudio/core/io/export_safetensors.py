"""The .safetensors format: tensors named as PyTorch names them, everything else in the header.

The tensors are exactly the state dict of

    torch.nn.Sequential(Linear(n0, n1), act, Linear(n1, n2), act, …, Linear(n_{L-1}, n_L))

so weight layer l (0-based) is Sequential index 2·l ("0.weight", "0.bias",
"2.weight", …): the hidden activations take the odd indices. The Sequential
ends with the last Linear and outputs the logits zᴸ, as PyTorch's losses
(``BCEWithLogitsLoss``, ``CrossEntropyLoss``) expect; the output activation
is in the metadata as ``output_activation``.

    model.load_state_dict(safetensors.torch.load_file(path), strict=True)

Header metadata must be strings: text fields are stored as they are, the rest as JSON.

A model that carries its run's ``training_state`` (optimizer, shuffling, history: see
``training_state``) adds the header field ``training_state``. The weights of a .py export, and the
files its script writes, also hold the optimizer's buffers as tensors ``optimizer.<buffer>.<parameter>``;
load such a file's weights into the Sequential with

    tensors = safetensors.torch.load_file(path)
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("optimizer.")})
"""

import json

import numpy as np

from .model import n_layers

TORCH_MODULES = {"sigmoid": "Sigmoid()", "tanh": "Tanh()", "relu": "ReLU()",
                 "leaky_relu": "LeakyReLU(0.01)", "linear": "Identity()"}
_TEXT_FIELDS = ("target_column", "format", "dtype", "init", "task")
# Written for people and rebuilt from the rest on load; training_state is read on its own (see read).
_NOTES = ("output_activation", "torch_sequential", "training_state")


def tensor_name(layer, kind):
    """State-dict key of weight layer ``layer`` (0-based): kind is "weight" or "bias"."""
    return f"{2 * layer}.{kind}"


def state_dict(network):
    """{"0.weight": W1, "0.bias": b1, "2.weight": W2, …} as contiguous NumPy arrays."""
    tensors = {}
    for l, (W, b) in enumerate(zip(network.weights, network.biases)):
        tensors[tensor_name(l, "weight")] = np.ascontiguousarray(W)
        tensors[tensor_name(l, "bias")] = np.ascontiguousarray(b)
    return tensors


def sequential_text(network):
    """The Sequential these tensors fit, as PyTorch code (without the output activation)."""
    parts = []
    for l, (n_in, n_out) in enumerate(zip(network.sizes[:-1], network.sizes[1:])):
        parts.append(f"Linear({n_in}, {n_out})")
        if l < network.n_layers - 1:
            parts.append(TORCH_MODULES[network.activations[l]])
    return f"Sequential({', '.join(parts)})"


def to_bytes(model, optimizer_buffers=False):
    """The file's bytes; the run's ``training_state`` goes in the header, and its optimizer buffers as
    tensors only when ``optimizer_buffers`` (the .py export's weights: a plain export loads strictly)."""
    from safetensors.numpy import save

    meta = {key: value if isinstance(value, str) else json.dumps(value, allow_nan=False)
            for key, value in model.metadata().items()}
    meta["output_activation"] = model.network.activations[-1]
    meta["torch_sequential"] = sequential_text(model.network)
    tensors = state_dict(model.network)
    if model.training_state:
        from . import training_state
        header, buffers = training_state.to_file(model.training_state, model.network, optimizer_buffers)
        meta["training_state"] = json.dumps(header, allow_nan=False)
        tensors.update(buffers)
    return save(tensors, metadata=meta)


def read(path):
    """(metadata dict, weights, biases) from a .safetensors file."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        header = f.metadata() or {}
        tensors = {key: f.get_tensor(key) for key in f.keys()}
    meta = {key: value if key in _TEXT_FIELDS else json.loads(value)
            for key, value in header.items() if key not in _NOTES}
    n = n_layers(meta)
    if "training_state" in header:
        from . import training_state
        meta["training_state"] = training_state.from_file(json.loads(header["training_state"]), tensors, meta["sizes"])
    weights = [tensors[tensor_name(l, "weight")] for l in range(n)]
    biases = [tensors[tensor_name(l, "bias")] for l in range(n)]
    return meta, weights, biases
