"""bpstudio's engine: pure NumPy backpropagation, no Qt.

    from bpstudio.core import Network, TrainConfig, Trainer
    net = Network([2, 8, 1], activations=["tanh", "sigmoid"], seed=0)
    history = Trainer(net, TrainConfig(learning_rate=0.5, batch_mode="full", epochs=2000)).fit(X, Y)
"""

from .activations import ACTIVATIONS
from .config import BATCH_MODES, TrainConfig
from .costs import COSTS
from .data import load_dataset
from .dataset import DataError, Dataset
from .gradcheck import gradcheck
from .network import Network, Trace
from .optimizers import OPTIMIZERS
from .training import History, Progress, Trainer

__all__ = [
    "ACTIVATIONS", "BATCH_MODES", "COSTS", "OPTIMIZERS",
    "DataError", "Dataset", "load_dataset",
    "Network", "Trace", "TrainConfig", "Trainer", "History", "Progress", "gradcheck",
]
