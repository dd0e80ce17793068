"""bpstudio: build, train and understand multilayer perceptrons trained by backpropagation."""

__version__ = "0.1.0"
