"""bpstudio: build, train and understand multilayer perceptrons trained by backpropagation.

    import bpstudio
    bpstudio.save_model(model, "model.onnx")     # format by extension
    model = bpstudio.load_model("model.npz")

``save_model`` and ``load_model`` are imported on first use, so ``import bpstudio``
stays light (no NumPy, Qt or onnx until needed).
"""

__version__ = "0.1.0"

_LAZY = {"save_model": "bpstudio.core.io.model_files", "load_model": "bpstudio.core.io.model_files",
         "Model": "bpstudio.core.io.model", "ModelFileError": "bpstudio.core.io.model_files"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bpstudio' has no attribute {name!r}")
