"""A session's whole state for projects: the copies a project saves, and the fresh state of File ▸ New.

``core.io.project.save_project`` writes ``project_copy``'s arguments; the copies let the worker
train on (and the user edit on) while the file is written off the UI thread.
"""

import copy
from dataclasses import replace

from bpstudio.core import Trainer
from bpstudio.core.data.dataset import prepare
from bpstudio.core.data.loading import list_datasets, load_dataset
from bpstudio.core.io.project import DataSource
from bpstudio.core.nn.spec import NetworkSpec, network_for

from .options import DEFAULT_CONFIG, DEFAULT_DATASET, DataOptions


def project_copy(session):
    """``save_project``'s arguments after the path: (network, config, data, trainer, runs, current run),
    all copies. Call while no job holds the network (``session.when_worker_idle``)."""
    s = session
    net = s.net.copy()
    trainer = Trainer(net, s.config)
    trainer.load_state_dict(copy.deepcopy(s.trainer.state_dict()))
    return (net, s.config, _data_source(s), trainer, *s.runs.saved(s.run_id))


def _data_source(s):
    """A built-in dataset by name and options; a file (or data handed in directly) as a copy of the data."""
    if s.origin and s.origin[0] in {info.name for info in list_datasets()}:
        source = dict(name=s.origin[0], options=dict(s.origin[1]))
    else:
        source = dict(dataset=s.dataset)
    return DataSource(**source, scaling=s.options.scaling, val_fraction=s.options.val_fraction,
                      test_fraction=s.options.test_fraction, split_seed=s.options.seed)


def fresh_state():
    """What the app starts with, as ``Session.restore`` takes it: (prepared data, options, network,
    trainer, origin) for the default dataset, network and settings."""
    spec, options = NetworkSpec(), DataOptions()
    dataset = load_dataset(DEFAULT_DATASET)
    prepared = prepare(dataset, options.scaling, options.val_fraction, options.test_fraction, options.seed,
                       spec.dtype)
    net = network_for(spec, dataset)
    trainer = Trainer(net, replace(DEFAULT_CONFIG, cost=spec.cost))
    return prepared, options, net, trainer, (DEFAULT_DATASET, {})
