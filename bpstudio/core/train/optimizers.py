"""Optimizers: how a gradient g becomes a parameter update.

Each follows ``torch.optim``'s update rule and defaults exactly (no dampening,
no weight decay here: L2 is added to the gradient by the trainer). They work
on the network's flat parameter vector θ and flat gradient g in place, with
one scratch buffer, so a step is a few whole-array operations.
"""

import math

import numpy as np


class Optimizer:
    name = ""
    buffer_names = ()  # per-parameter state, each a flat array like θ

    def __init__(self, params, lr):
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"invalid learning rate: {lr} (must be a finite number > 0)")
        self.lr = float(lr)
        self.t = 0  # number of steps taken
        self._scratch = np.zeros_like(params)
        for name in self.buffer_names:
            setattr(self, name, np.zeros_like(params))

    def step(self, params, grad):
        """Update ``params`` in place from ``grad``."""
        self.t += 1
        self._update(params, grad, self._scratch)

    def _update(self, params, grad, s):
        """Compute the step into ``s`` and apply θ ← θ − s."""
        raise NotImplementedError

    @property
    def last_update(self):
        """The step the last ``step`` subtracted from θ."""
        return self._scratch

    def state_dict(self):
        """Everything needed to resume: step count, learning rate and buffers (copies)."""
        state = {"name": self.name, "t": self.t, "lr": self.lr}
        state.update({name: getattr(self, name).copy() for name in self.buffer_names})
        return state

    def load_state_dict(self, state):
        if state.get("name") != self.name:
            raise ValueError(f"optimizer state is for {state.get('name')!r}, not {self.name!r}")
        for name in self.buffer_names:
            buffer = getattr(self, name)
            if np.shape(state[name]) != buffer.shape:
                raise ValueError(f"optimizer buffer {name!r}: expected shape {buffer.shape}, got {np.shape(state[name])}")
            buffer[...] = state[name]
        self.t = int(state["t"])
        self.lr = float(state["lr"])


class SGD(Optimizer):
    """θ ← θ − η g

    In training, plain SGD without L2 takes this same step inside backprop
    (``train.fused_step.FusedSGDStep``, which counts it in ``t`` as ``step`` does).
    """

    name = "sgd"

    def _update(self, params, grad, s):
        np.multiply(grad, self.lr, out=s)
        params -= s


class Momentum(Optimizer):
    """b ← μ b + g;  θ ← θ − η b   (torch SGD with momentum=μ, default μ = 0.9)"""

    name = "momentum"
    buffer_names = ("velocity",)

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = float(momentum)

    def _update(self, params, grad, s):
        self.velocity *= self.momentum
        self.velocity += grad
        np.multiply(self.velocity, self.lr, out=s)
        params -= s


class Nesterov(Momentum):
    """b ← μ b + g;  θ ← θ − η (g + μ b)   (torch SGD with nesterov=True)"""

    name = "nesterov"

    def _update(self, params, grad, s):
        self.velocity *= self.momentum
        self.velocity += grad
        np.multiply(self.velocity, self.momentum, out=s)
        s += grad
        s *= self.lr
        params -= s


class RMSprop(Optimizer):
    """v ← α v + (1 − α) g²;  θ ← θ − η g / (√v + ε)   (torch defaults α = 0.99, ε = 1e-8)"""

    name = "rmsprop"
    buffer_names = ("square_avg",)

    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = float(alpha), float(eps)

    def _update(self, params, grad, s):
        v = self.square_avg
        v *= self.alpha
        np.multiply(grad, grad, out=s)
        s *= 1 - self.alpha
        v += s
        np.sqrt(v, out=s)
        s += self.eps
        np.divide(grad, s, out=s)
        s *= self.lr
        params -= s


class Adam(Optimizer):
    """m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    (torch defaults β = (0.9, 0.999), ε = 1e-8)"""

    name = "adam"
    buffer_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)

    def _update(self, params, grad, s):
        m, v = self.exp_avg, self.exp_avg_sq
        m *= self.beta1
        np.multiply(grad, 1 - self.beta1, out=s)
        m += s
        v *= self.beta2
        np.multiply(grad, grad, out=s)
        s *= 1 - self.beta2
        v += s
        np.sqrt(v, out=s)
        s *= 1 / math.sqrt(1 - self.beta2 ** self.t)
        s += self.eps
        np.divide(m, s, out=s)
        s *= self.lr / (1 - self.beta1 ** self.t)
        params -= s


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, RMSprop, Adam)}


def make_optimizer(config, params):
    """Build the optimizer a ``TrainConfig`` names, for this flat parameter vector."""
    cls = OPTIMIZERS[config.optimizer]
    if cls is Adam:
        return Adam(params, config.learning_rate, betas=config.betas, eps=config.eps)
    if cls is RMSprop:
        return RMSprop(params, config.learning_rate, alpha=config.alpha, eps=config.eps)
    if issubclass(cls, Momentum):
        return cls(params, config.learning_rate, momentum=config.momentum)
    return SGD(params, config.learning_rate)
