"""The raw input columns of a table, before encoding: what ``Encoder`` fits on and transforms.

    table = Table.from_rows([["Biscoe", 39.1], ["Dream", None]], ["island", "bill_length_mm"],
                            ["category", "number"])

Number columns are float64 arrays with NaN where a cell is missing; category and date columns are
arrays of stripped strings with "" where a cell is missing. ``lines`` holds each row's 1-based line
in its file (or its 1-based row number for rows given in Python), for messages.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .csv_layout import is_missing

INPUT_KINDS = ("number", "category", "date")


@dataclass
class Table:
    names: list
    kinds: list           # one of INPUT_KINDS per column
    columns: list         # one array (N,) per column
    lines: np.ndarray = field(default=None)
    where: str = "row"    # "data.csv, line" for rows read from a file: what comes before a row's number

    def __post_init__(self):
        n = len(self.columns[0]) if self.columns else 0
        if self.lines is None:
            self.lines = np.arange(1, n + 1)

    def __len__(self):
        return len(self.lines)

    def subset(self, rows):
        return Table(self.names, self.kinds, [c[rows] for c in self.columns], self.lines[rows], self.where)

    def missing(self):
        """(N, k) bool: which cells are missing."""
        if not self.columns:
            return np.zeros((len(self), 0), dtype=bool)
        return np.column_stack([np.isnan(c) if k == "number" else (c == "")
                                for c, k in zip(self.columns, self.kinds)])

    @classmethod
    def from_rows(cls, rows, names, kinds):
        """A table from raw rows (sequences in the order of ``names``) holding numbers, strings,
        None or NaN; a missing cell is None, NaN or one of the usual spellings ("NA", "?", "")."""
        rows = [list(row) for row in rows]
        for i, row in enumerate(rows):
            if len(row) != len(names):
                raise ValueError(f"row {i + 1} has {len(row)} values; expected {len(names)} "
                                 f"({', '.join(names)})")
        cells = [[row[j] for row in rows] for j in range(len(names))]
        return cls.from_columns(dict(zip(names, cells)), names, kinds)

    @classmethod
    def from_columns(cls, mapping, names, kinds):
        """A table from a mapping of column name → values (a dict of lists, a pandas DataFrame …)."""
        absent = [name for name in names if name not in mapping]
        if absent:
            raise ValueError(f"no column {absent[0]!r}; the model reads the columns {', '.join(names)}")
        columns = [_column(list(mapping[name]), name, kind) for name, kind in zip(names, kinds)]
        return cls(list(names), list(kinds), columns)


def _absent(cell):
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or (isinstance(cell, str) and is_missing(cell))


def _column(cells, name, kind):
    if kind != "number":
        return np.array(["" if _absent(c) else str(c).strip() for c in cells], dtype=str).reshape(len(cells))
    values = np.empty(len(cells))
    for i, cell in enumerate(cells):
        try:
            values[i] = math.nan if _absent(cell) else float(cell)
        except (TypeError, ValueError):
            raise ValueError(f"row {i + 1}, column {name!r}: {cell!r} is not a number") from None
        if math.isinf(values[i]):
            raise ValueError(f"row {i + 1}, column {name!r}: {cell!r} is infinite — expected a finite number")
    return values
