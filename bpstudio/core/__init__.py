"""bpstudio's engine: pure NumPy backpropagation, no Qt.

    from bpstudio.core import Network, TrainConfig, Trainer
    net = Network([2, 8, 1], activations=["tanh", "sigmoid"], seed=0)
    history = Trainer(net, TrainConfig(learning_rate=0.5, batch_mode="full", epochs=2000)).fit(X, Y)
"""

from .nn.activations import ACTIVATIONS
from .train.config import BATCH_MODES, TrainConfig
from .nn.costs import COSTS
from .data.loading import load_dataset
from .data.dataset import DataError, Dataset
from .explain.gradcheck import gradcheck
from .nn.network import Network, Trace
from .train.optimizers import OPTIMIZERS
from .train.history import History, Progress
from .train.run_state import RunState
from .train.trainer import Trainer

__all__ = [
    "ACTIVATIONS", "BATCH_MODES", "COSTS", "OPTIMIZERS",
    "DataError", "Dataset", "load_dataset",
    "Network", "Trace", "TrainConfig", "Trainer", "History", "Progress", "RunState", "gradcheck",
]
