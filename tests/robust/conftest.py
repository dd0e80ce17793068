import pickle

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def never_unpickle(monkeypatch):
    """Fail the test if anything unpickles or asks np.load for pickles (every test in tests/robust)."""
    def refuse(*args, **kwargs):
        raise AssertionError("something tried to unpickle a file")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    real_load = np.load

    def load(*args, allow_pickle=False, **kwargs):
        assert not allow_pickle, "np.load called with allow_pickle=True"
        return real_load(*args, allow_pickle=False, **kwargs)
    monkeypatch.setattr(np, "load", load)
