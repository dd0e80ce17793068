"""Foreign formats checked with the real consumers: PyTorch, onnx and onnxruntime."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import bpstudio
from bpstudio.core import Network, TrainConfig
from bpstudio.core.io.model import Model
from bpstudio.core.train.optimizers import make_optimizer
from bpstudio.core.data.preprocessing import Scaler

from .builders import make_model, raw_features

X_NEW = raw_features(25, seed=9)
HIDDEN = [("tanh", "leaky_relu"), ("sigmoid", "relu"), ("linear", "tanh")]


def _logits(model, X):
    return model.network.forward(model.x_scaler.transform(X)).z[-1]


def test_safetensors_loads_strictly_into_the_torch_sequential(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is optional")
    from safetensors import safe_open
    from safetensors.torch import load_file

    model = make_model("multiclass", hidden=("tanh", "leaky_relu"))
    bpstudio.save_model(model, tmp_path / "m.safetensors")
    tensors = load_file(tmp_path / "m.safetensors")
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    seq = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                              torch.nn.LeakyReLU(0.01), torch.nn.Linear(4, 3)).double()
    seq.load_state_dict(tensors, strict=True)
    with torch.no_grad():
        out = seq(torch.as_tensor(model.x_scaler.transform(X_NEW))).numpy()
    np.testing.assert_allclose(out, _logits(model, X_NEW), rtol=1e-12, atol=1e-12)  # logits: no output activation
    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as f:
        meta = f.metadata()
    assert meta["output_activation"] == "softmax" and meta["task"] == "classification"
    assert json.loads(meta["class_names"]) == ["p", "q", "r"]
    assert meta["torch_sequential"] == "Sequential(Linear(3, 5), Tanh(), Linear(5, 4), LeakyReLU(0.01), Linear(4, 3))"


@pytest.mark.parametrize("kind", ["multiclass", "binary", "regression"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_onnx_runtime_equals_predict(kind, hidden, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (CI installs it)")
    import onnx

    model = make_model(kind, hidden=hidden)
    bpstudio.save_model(model, tmp_path / "m.onnx")
    proto = onnx.load(tmp_path / "m.onnx")
    onnx.checker.check_model(proto, full_check=True)
    assert proto.ir_version == 8 and proto.opset_import[0].version >= 17
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"features": X_NEW.astype(np.float32)})
    assert session.get_outputs()[0].name == ("values" if kind == "regression" else "probabilities")
    np.testing.assert_allclose(out, model.predict(X_NEW), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("output", ["tanh", "relu", "leaky_relu", "sigmoid"])
def test_onnx_supports_every_activation_on_the_output_layer(output, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (CI installs it)")
    net = Network([3, 4, 2], ["leaky_relu", output], seed=2)
    model = Model(net, Scaler("minmax").fit(X_NEW), Scaler("standard").fit(X_NEW[:, :2]), "regression", [])
    bpstudio.save_model(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"features": X_NEW.astype(np.float32)})
    np.testing.assert_allclose(out, model.predict(X_NEW), rtol=1e-5, atol=1e-5)


def test_onnx_without_scaling_has_no_scaling_nodes(tmp_path):
    import onnx

    model = make_model("binary", scaling="none")
    bpstudio.save_model(model, tmp_path / "m.onnx")
    ops = [node.op_type for node in onnx.load(tmp_path / "m.onnx").graph.node]
    assert ops == ["Gemm", "Tanh", "Gemm", "LeakyRelu", "Gemm", "Sigmoid", "Identity"]


def _random_targets(kind, n):
    rng = np.random.default_rng(3)
    if kind == "multiclass":
        return np.eye(3)[rng.integers(0, 3, n)]  # one-hot rows: cross-entropy's delta a − y needs Σy = 1
    return rng.integers(0, 2, (n, 1)).astype(float) if kind == "binary" else rng.normal(size=(n, 2))


_RUN_SCRIPTS = textwrap.dedent("""
    import importlib.util, sys
    import numpy as np
    for script, data, out in zip(*[iter(sys.argv[1:])] * 3):
        spec = importlib.util.spec_from_file_location(script.rsplit("/", 1)[-1][:-3], script)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        arrays = np.load(data)
        X, Y = arrays["X"], arrays["Y"]
        before = m.predict(X)
        optimizer = m.make_optimizer()
        value = m.loss(m.model(m.scale_inputs(X)), m.torch.as_tensor(Y, dtype=m.DTYPE))
        value.backward()
        optimizer.step()
        np.savez(out, predict=before, loss=value.item(), after=m.predict(X))
""")
CASES = {"multiclass": "adam", "binary": "nesterov", "regression": "rmsprop"}


def test_python_export_runs_under_torch_and_continues_training_like_bpstudio(tmp_path):
    pytest.importorskip("torch", reason="PyTorch is optional")
    models, argv = {}, []
    for kind, optimizer in CASES.items():  # one subprocess for all: importing torch takes seconds
        model = models[kind] = make_model(kind)
        model.config = TrainConfig(**{**model.config.to_dict(), "optimizer": optimizer, "l2": 0.01})
        bpstudio.save_model(model, tmp_path / f"{kind}.py")
        assert (tmp_path / f"{kind}.safetensors").exists()
        np.savez(tmp_path / f"{kind}-data.npz", X=X_NEW, Y=_random_targets(kind, len(X_NEW)))
        argv += [tmp_path / f"{kind}.py", tmp_path / f"{kind}-data.npz", tmp_path / f"{kind}-out.npz"]
    subprocess.run([sys.executable, "-c", _RUN_SCRIPTS, *map(str, argv)], check=True, capture_output=True, timeout=120)
    for kind, model in models.items():
        _check_against_bpstudio(model, np.load(tmp_path / f"{kind}-out.npz"), np.load(tmp_path / f"{kind}-data.npz")["Y"])


def _check_against_bpstudio(model, out, Y):
    """The script's predict, loss and one optimizer step must match bpstudio's."""
    np.testing.assert_allclose(out["predict"], model.predict(X_NEW), rtol=1e-10, atol=1e-10)
    net, cost, Xs = model.network, model.config.cost, model.x_scaler.transform(X_NEW)
    assert out["loss"] == pytest.approx(net.cost(Xs, Y, cost), rel=1e-10)
    grad_w, grad_b = net.gradients(Xs, Y, cost)
    grad = np.zeros_like(net.params)
    for view, g in zip(sum(net.layer_views(grad), []), grad_w + grad_b):
        view[...] = g
    grad[:net.n_weights] += model.config.l2 * net.params[:net.n_weights]
    make_optimizer(model.config, net.params).step(net.params, grad)
    np.testing.assert_allclose(out["after"], model.predict(X_NEW), rtol=1e-8, atol=1e-10)
