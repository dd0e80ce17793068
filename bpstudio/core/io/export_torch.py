"""The .py export: a runnable PyTorch script that rebuilds the network and can keep training it.

The script defines ``model`` (a ``torch.nn.Sequential`` ending with the last
Linear layer, weights loaded from the .safetensors file written beside it),
``predict(X)`` (raw features in, outputs out: scaling, output activation and,
for a regression, the target scaling undone), ``loss(logits, y)`` (bpstudio's
cost, batch mean) and ``make_optimizer()`` (bpstudio's optimizer and
settings), so training continues in PyTorch with the same update rule.
"""

from ..train.config import TrainConfig
from .export_safetensors import TORCH_MODULES

# loss(logits, y): the output activation is folded into the loss where PyTorch fuses it.
_LOSSES = {
    "mse": "F.mse_loss(output_activation(logits), y)",
    "half_mse": "0.5 * F.mse_loss(output_activation(logits), y)",
    "sse": "F.mse_loss(output_activation(logits), y, reduction=\"sum\") / len(y)",
    "half_sse": "0.5 * F.mse_loss(output_activation(logits), y, reduction=\"sum\") / len(y)",
    "bce": "F.binary_cross_entropy_with_logits(logits, y)",
    "cross_entropy": "F.cross_entropy(logits, y)  # y: one-hot rows (class probabilities)",
}
_OUTPUTS = {
    "sigmoid": "torch.sigmoid(z)", "tanh": "torch.tanh(z)", "relu": "torch.relu(z)",
    "leaky_relu": "F.leaky_relu(z, 0.01)", "linear": "z", "softmax": "torch.softmax(z, dim=-1)",
}
_OPTIMIZERS = {
    "sgd": "torch.optim.SGD(groups, lr=LEARNING_RATE)",
    "momentum": "torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM)",
    "nesterov": "torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)",
    "rmsprop": "torch.optim.RMSprop(groups, lr=LEARNING_RATE, alpha=ALPHA, eps=EPS)",
    "adam": "torch.optim.Adam(groups, lr=LEARNING_RATE, betas=BETAS, eps=EPS)",
}

_TEMPLATE = '''"""{title}

Exported by bpstudio. Use it from Python:

    from {module} import model, predict
    outputs = predict(X)   # X: NumPy array (N, {n_in}) of raw features, in the order of FEATURES

`model` is a torch.nn.Sequential ending with the last Linear layer: it maps *scaled* features to
the logits z. predict() scales the raw features, runs `model`, applies the output activation
({output_activation}){undo_note}, and returns a NumPy array.

To keep training in PyTorch with bpstudio's settings (targets Y: {target_note}):

    data = torch.utils.data.TensorDataset(scale_inputs(X), torch.as_tensor(Y, dtype=DTYPE))
    batches = torch.utils.data.DataLoader(data, batch_size=BATCH_SIZE, shuffle=True)
    optimizer = make_optimizer()
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=LR_DECAY)
    for epoch in range(EPOCHS):
        for x, y in batches:
            optimizer.zero_grad()
            loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
"""

import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

FEATURES = {features!r}
CLASSES = {classes!r}
TARGETS = {targets!r}
X_OFFSET = np.array({x_offset!r})
X_SCALE = np.array({x_scale!r})
Y_OFFSET = {y_offset}
Y_SCALE = {y_scale}
DTYPE = torch.{dtype}

# Training settings in bpstudio{config_note}.
COST = {cost!r}
OPTIMIZER = {optimizer!r}
LEARNING_RATE = {learning_rate!r}
BATCH_MODE = {batch_mode!r}  # stochastic: 1 sample per update; full: the whole training set
BATCH_SIZE = {batch_size!r}
EPOCHS = {epochs!r}
MOMENTUM = {momentum!r}
BETAS = {betas!r}
ALPHA = {alpha!r}
EPS = {eps!r}
L2 = {l2!r}  # added as L2·W to the weights' gradients only (not the biases)
LR_DECAY = {lr_decay!r}  # learning rate × LR_DECAY after every epoch

model = torch.nn.Sequential(
{modules}
).to(DTYPE)
model.load_state_dict(load_file(pathlib.Path(__file__).with_name({weights_file!r})), strict=True)


def output_activation(z):
    return {output_expression}


def scale_inputs(X):
    """Raw features (NumPy, N × {n_in}) → the scaled tensor `model` expects."""
    return torch.as_tensor((np.asarray(X, dtype=np.float64) - X_OFFSET) / X_SCALE, dtype=DTYPE)


def predict(X):
    """Raw features (N, {n_in}) → {what} (N, {n_out}), as a NumPy array."""
    with torch.no_grad():
        a = output_activation(model(scale_inputs(X))).numpy().astype(np.float64)
    return {predict_return}


def loss(logits, y):
    """bpstudio's {cost!r} cost, averaged over the batch."""
    return {loss_expression}


def make_optimizer():
    """bpstudio's optimizer; L2 decays the weights only, as in bpstudio."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    groups = [{{"params": weights, "weight_decay": L2}}, {{"params": biases, "weight_decay": 0.0}}]
    return {optimizer_expression}


if __name__ == "__main__":
    print(model)
    print("predict(first row of zeros) =", predict(np.zeros((1, {n_in}))))
'''


def script(model, weights_file):
    """The PyTorch script for ``model`` whose weights are in ``weights_file`` (a name beside the script)."""
    net = model.network
    config = model.config or TrainConfig()
    y = model.y_scaler
    return _TEMPLATE.format(
        title=f"A bpstudio {model.task} network: {net!r}",
        module=weights_file.rsplit(".", 1)[0], n_in=net.sizes[0], n_out=net.sizes[-1],
        output_activation=net.activations[-1],
        undo_note=" and undoes the target scaling" if y else "",
        target_note=_target_note(model),
        features=model.feature_names, classes=model.class_names, targets=model.target_names,
        x_offset=model.x_scaler.offset.tolist(), x_scale=model.x_scaler.scale.tolist(),
        y_offset=f"np.array({y.offset.tolist()!r})" if y else "None",
        y_scale=f"np.array({y.scale.tolist()!r})" if y else "None",
        dtype=net.dtype.name,
        config_note="" if model.config else " (not saved with this model: bpstudio's defaults)",
        **_config_constants(config), modules=_modules(net), weights_file=weights_file,
        output_expression=_OUTPUTS[net.activations[-1]],
        what="probabilities" if model.is_classification else "values in the targets' units",
        predict_return="a * Y_SCALE + Y_OFFSET" if y else "a",
        loss_expression=_LOSSES[config.cost], optimizer_expression=_OPTIMIZERS[config.optimizer],
    )


def _target_note(model):
    if not model.is_classification:
        return "scaled, (Y - Y_OFFSET) / Y_SCALE"
    if model.network.sizes[-1] == 1:
        return "one column, 1 for CLASSES[1] and 0 for CLASSES[0]"
    return "one-hot rows, a column per class in CLASSES"


def _config_constants(config):
    return {name: getattr(config, name) for name in (
        "cost", "optimizer", "learning_rate", "batch_mode", "batch_size", "epochs",
        "momentum", "betas", "alpha", "eps", "l2", "lr_decay")}


def _modules(net):
    lines = []
    for l, (n_in, n_out) in enumerate(zip(net.sizes[:-1], net.sizes[1:])):
        lines.append(f"    torch.nn.Linear({n_in}, {n_out}),")
        if l < net.n_layers - 1:
            lines.append(f"    torch.nn.{TORCH_MODULES[net.activations[l]]},")
    return "\n".join(lines)
