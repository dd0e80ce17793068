"""What a project saves of a session: copies of its state, taken while no job trains.

``core.io.project.save_project`` writes these arguments; the copies let the worker train on
(and the user edit on) while the file is written off the UI thread.
"""

import copy

from bpstudio.core import Trainer
from bpstudio.core.data.loading import list_datasets
from bpstudio.core.io.project import DataSource


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
