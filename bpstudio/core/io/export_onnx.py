"""The .onnx format: one graph from raw features to probabilities (or values).

    features ─ [Where(IsNaN, x_fill)] ─ Sub(x_offset) ─ Div(x_scale) ─ Gemm(W1, b1) ─ act ─ …
             ─ Gemm(WL, bL) ─ output act ─ [regression: Mul(y_scale) ─ Add(y_offset)] ─ probabilities | values

A model with an encoder (categories, dates, missing cells; ``core.data.encoding``) takes the
*encoded* float input — a documented float input with named one-hot columns, not ONNX-ML string
operators: ``features`` has one column per name in ``model.feature_names`` (and in the metadata's
"feature_names"), e.g. ``island=Biscoe`` is 1.0 for a Biscoe row and 0.0 otherwise, a date is
``date.year, date.doy_sin, date.doy_cos``. A missing cell may be sent as NaN (all of a category's
columns NaN for a missing category): the graph fills it with the value the encoder learned, as
``Model.predict`` does. ``Encoder.transform`` (or ``model.encode(rows)``) makes this input from raw rows;
the input's doc string lists the column names.

Gemm with transB=1 computes z = a @ Wᵀ + b, so W keeps bpstudio's (n_out, n_in)
layout. Tensors are float32, the type every ONNX runtime supports for every
operator used here. ``ir_version`` is set explicitly so older runtimes accept
the file. The model's metadata (JSON) sits in ``metadata_props["bpstudio"]``,
which is how ``load_model`` reads an .onnx file back.
"""

import json

import numpy as np

from bpstudio import __version__
from ..nn.activations import LEAKY_SLOPE
from .model import n_layers

OPSET = 17
IR_VERSION = 8
INPUT_NAME = "features"
ONNX_ACTIVATIONS = {  # bpstudio name → (ONNX operator, attributes); linear needs no node
    "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}), "softmax": ("Softmax", {"axis": -1}),
}


def output_name(model):
    return "probabilities" if model.is_classification else "values"


class _GraphBuilder:
    """Collects nodes and float32 initializers while the chain is built left to right."""

    def __init__(self, helper, numpy_helper):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.initializers = [], []

    def constant(self, name, array):
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def node(self, op, inputs, output, **attributes):
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=output, **attributes))
        return output


def to_bytes(model):
    _check_fits_float32(model)
    from onnx import TensorProto, checker, helper, numpy_helper

    g = _GraphBuilder(helper, numpy_helper)
    x = INPUT_NAME
    if model.encoder is not None:   # a NaN input gets the training split's median / most frequent value
        missing = g.node("IsNaN", [x], "x_missing")
        x = g.node("Where", [missing, g.constant("x_fill", model.encoder.fill_row()), x], "x_filled")
    if model.x_scaler.kind != "none":
        x = g.node("Sub", [x, g.constant("x_offset", model.x_scaler.offset)], "x_centered")
        x = g.node("Div", [x, g.constant("x_scale", model.x_scaler.scale)], "x_scaled")
    net = model.network
    for l, (W, b, act) in enumerate(zip(net.weights, net.biases, net.activations), start=1):
        inputs = [x, g.constant(f"layer{l}.weight", W), g.constant(f"layer{l}.bias", b)]
        x = g.node("Gemm", inputs, f"z{l}", transB=1)
        if act in ONNX_ACTIVATIONS:
            op, attributes = ONNX_ACTIVATIONS[act]
            x = g.node(op, [x], f"a{l}", **attributes)
    if model.y_scaler:
        x = g.node("Mul", [x, g.constant("y_scale", model.y_scaler.scale)], "y_scaled")
        x = g.node("Add", [x, g.constant("y_offset", model.y_scaler.offset)], "y_restored")
    g.node("Identity", [x], output_name(model))
    features = helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", net.sizes[0]])
    features.doc_string = "columns: " + ", ".join(model.feature_names)
    graph = helper.make_graph(
        g.nodes, "bpstudio_mlp", [features],
        [helper.make_tensor_value_info(output_name(model), TensorProto.FLOAT, ["N", net.sizes[-1]])],
        g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="bpstudio", producer_version=__version__)
    proto.ir_version = IR_VERSION
    helper.set_model_props(proto, {"bpstudio": json.dumps(model.metadata(), allow_nan=False)})
    checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def read(path):
    """(metadata dict, weights, biases) from an .onnx file written by ``to_bytes``."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load_model_from_string(path.read_bytes())
    props = {p.key: p.value for p in proto.metadata_props}
    if "bpstudio" not in props:
        raise ValueError("no bpstudio metadata: only .onnx files exported by bpstudio can be loaded")
    meta = json.loads(props["bpstudio"])
    tensors = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    n = n_layers(meta)
    weights = [tensors[f"layer{l}.weight"] for l in range(1, n + 1)]
    biases = [tensors[f"layer{l}.bias"] for l in range(1, n + 1)]
    return meta, weights, biases


def _check_fits_float32(model):
    """Weights or scalings beyond float32's range (what a diverged run can leave) would become inf."""
    arrays = [model.network.params, model.x_scaler.offset, model.x_scaler.scale]
    if model.y_scaler:
        arrays += [model.y_scaler.offset, model.y_scaler.scale]
    largest = max(float(np.abs(a).max()) for a in arrays)
    if largest > float(np.finfo(np.float32).max):
        raise ValueError(f"values up to {largest:.3g} do not fit the float32 tensors of an .onnx file "
                         "(the run probably diverged); save as .npz, .json or .safetensors instead")
