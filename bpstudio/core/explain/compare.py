"""Controlled experiments: train copies of one network that differ in a single setting.

Every copy starts from the same initial weights and, because each config keeps the same
shuffling seed, sees the data in the same order — so the curves differ only by the setting
under study. Runs are plain data (config, history, weights), kept by the GUI per session.
"""

from dataclasses import dataclass, field, fields, replace

import numpy as np

from ..nn.costs import COSTS
from ..nn.heads import check_pair
from ..train.config import LR_LADDER
from ..train.trainer import Trainer
from .landscape import WeightPath

PATH_POINTS = 256   # weights a compared run keeps for its loss surface's path


@dataclass
class Run:
    name: str
    config: object        # TrainConfig
    history: object       # History
    params: np.ndarray    # final flat parameters
    setup: dict = field(default_factory=dict)   # the data and network it trained ({setting: text}, see ``setup_of``)
    initial: np.ndarray | None = None   # flat parameters it started from (for its loss surface)
    path: np.ndarray | None = None      # (T, n_params) weights it passed through, thinned (``landscape.WeightPath``)

    @property
    def final_cost(self):
        """Last validation cost if there was validation data, else the last training cost."""
        h = self.history
        if not len(h):
            return float("nan")
        return h.val_cost[-1] if np.isfinite(h.val_cost[-1]) else h.train_cost[-1]


def setup_of(net, data, scaling=None, val_fraction=None):
    """{setting: text} of what a run trains besides its TrainConfig: the data (a name) and the network."""
    hidden = ", ".join(f"{n} {act}" for n, act in zip(net.sizes[1:-1], net.activations[:-1])) or "none"
    setup = {"data": str(data), "hidden": hidden, "output": net.activations[-1], "init": net.init,
             "weight_seed": str(net.seed), "dtype": net.dtype.name}
    if scaling is not None:
        setup["scaling"] = scaling
    if val_fraction is not None:
        setup["validation"] = f"{val_fraction:.0%}"
    return setup


def changes(run, base):
    """['data=spirals', 'hidden=8 relu, 8 relu', 'learning_rate=0.3']: where ``run`` differs from ``base``
    — its data and network (when both runs know them), then its training settings."""
    known = run.setup.keys() & base.setup.keys()
    changed = [f"{key}={run.setup[key]}" for key in run.setup if key in known and run.setup[key] != base.setup[key]]
    return changed + _config_changes(run.config, base.config)


def differences(config, base):
    """'learning_rate=0.3, batch_mode=full': the settings where config differs from base."""
    return ", ".join(_config_changes(config, base)) or "same settings"


def _config_changes(config, base):
    changed = [f.name for f in fields(config) if getattr(config, f.name) != getattr(base, f.name)]
    return [f"{name}={getattr(config, name)}" for name in changed]


def variations(config, setting, values):
    """{label: config} with ``setting`` set to each value (labels name the value)."""
    return {f"{setting}={value}": replace(config, **{setting: value}) for value in values}


def valid_costs(output_activation):
    """The costs this output activation can be trained with."""
    valid = []
    for name in COSTS:
        try:
            check_pair(name, output_activation)
        except ValueError:
            continue
        valid.append(name)
    return valid


def compare(net, configs, X, Y, X_val=None, Y_val=None, on_run=None, stop=None):
    """Train a copy of ``net`` per ``{name: TrainConfig}``; returns a list of ``Run``.

    ``on_run(index, Progress)`` reports progress; ``stop`` (a threading.Event) ends the
    current run and skips the rest.
    """
    runs = []
    for index, (name, config) in enumerate(configs.items()):
        if stop is not None and stop.is_set():
            break
        copy = net.copy()
        path = WeightPath(max_points=PATH_POINTS)
        path.add(copy.params)
        history = Trainer(copy, config).fit(X, Y, X_val, Y_val, on_progress=_reporter(index, on_run, path, copy),
                                            stop=stop)
        path.add(copy.params)
        runs.append(Run(name, config, history, copy.params.copy(), initial=net.params.copy(), path=path.array()))
    return runs


def _reporter(index, on_run, path, net):
    """on_progress for run ``index``: passes progress on, keeps the weights at every epoch's end."""
    def report(progress):
        if progress.epoch_ended:
            path.add(net.params)
        if on_run:
            on_run(index, progress)
    return report


def lr_sweep(net, config, X, Y, X_val=None, Y_val=None, rates=LR_LADDER, epochs=20, on_run=None, stop=None):
    """Short runs at each learning rate; returns [(rate, final cost)] (inf where the run diverged)."""
    configs = {f"lr={rate:g}": replace(config, learning_rate=rate, epochs=epochs, patience=None) for rate in rates}
    runs = compare(net, configs, X, Y, X_val, Y_val, on_run, stop)
    return [(cfg.learning_rate, np.inf if run.history.diverged else run.final_cost)
            for cfg, run in zip(configs.values(), runs)]
