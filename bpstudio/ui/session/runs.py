"""The runs kept for comparison: the session's list of finished runs (what a project saves).

A run is a ``core.explain.compare.Run`` (name, config, history, final weights, setup).
The session's own training runs are *keyed* by the session's ``run_id``: a run that is
paused and resumed is reported again under the same key and replaces its entry, keeping
the name the user gave it. Runs from comparisons have no key. A run without a name is
called "Run N", numbered on from the runs in the list.

The Runs panel draws this list and sends its gestures here (rename, remove); ``changed``
tells every view (and the unsaved-changes marker) that the list is different.
"""

import re
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from bpstudio.core.explain.compare import Run


class RunBook(QObject):
    """An ordered list of runs; every change emits ``changed`` once."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[Run] = []
        self._keys: list[int | None] = []   # the session's run_id for its own runs, None for the others

    @property
    def runs(self) -> tuple[Run, ...]:
        return tuple(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def __getitem__(self, index: int) -> Run:
        return self._runs[index]

    def __iter__(self):
        return iter(tuple(self._runs))

    def index_of(self, key: int) -> int | None:
        """Where the session's run ``key`` is in the list (None when it is not there)."""
        return self._keys.index(key) if key in self._keys else None

    # --- changes -----------------------------------------------------------------------

    def record(self, run: Run, key: int) -> None:
        """Keep the session's run ``key``: replaces the entry with that key (its name stays), else appends."""
        index = self.index_of(key)
        if index is None:
            self._append(run, key)
        else:
            self._runs[index] = replace(run, name=self._runs[index].name)
        self.changed.emit()

    def add(self, runs: list[Run]) -> None:
        """Append runs that no session run will replace (a comparison's)."""
        for run in runs:
            self._append(run, None)
        self.changed.emit()

    def rename(self, index: int, name: str) -> None:
        if name != self._runs[index].name:
            self._runs[index] = replace(self._runs[index], name=name)
            self.changed.emit()

    def remove(self, indices) -> None:
        """Remove the runs at ``indices`` (any order, repeats ignored)."""
        doomed = set(indices)
        if doomed:
            kept = [i for i in range(len(self._runs)) if i not in doomed]
            self._runs, self._keys = [self._runs[i] for i in kept], [self._keys[i] for i in kept]
            self.changed.emit()

    def replace_all(self, runs: list[Run], current: int | None = None, key: int | None = None) -> None:
        """The whole list at once (an opened project, File ▸ New); ``runs[current]`` is the session's run ``key``."""
        self._runs = list(runs)
        self._keys = [key if i == current else None for i in range(len(self._runs))]
        self.changed.emit()

    def saved(self, key: int) -> tuple[list[Run], int | None]:
        """Copies of the runs for a project, and the index of the session's run ``key`` (None if not kept)."""
        return [replace(run, setup=dict(run.setup)) for run in self._runs], self.index_of(key)

    def _append(self, run: Run, key: int | None) -> None:
        self._runs.append(run if run.name else replace(run, name=f"Run {self._next_number()}"))
        self._keys.append(key)

    def _next_number(self) -> int:
        numbers = [int(m.group(1)) for run in self._runs if (m := re.fullmatch(r"Run (\d+)", run.name))]
        return max(numbers, default=0) + 1
