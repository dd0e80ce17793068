"""What each column of a CSV file becomes: the one rule shared by the loader, the CLI and the import dialog.

    plan = plan_columns(layout, target="species")
    [(c.name, c.kind, c.describe()) for c in plan]
    # [('species', 'target', 'target'), ('island', 'category', 'category → 3 columns'),
    #  ('bill_length_mm', 'number', 'number'), ('date', 'ignore', 'left out: a date …'), …]

Kinds of input column, guessed from the first rows of the file (``Layout.rows``):

- ``number``: the cells are numbers (missing ones aside). A numeric column with a stray word stays a
  number, so that loading names the bad cell instead of hiding the column.
- ``category``: text with a modest number of distinct values (at most MAX_CATEGORIES, and values that
  repeat); it becomes one 0/1 input per category seen in the training split.
- ``date``: ISO (2012-01-31, with or without a time) or 2012/01/31 dates. Left out unless
  ``dates="expand"``, which turns each into year, sin and cos of the day of the year.
- ``ignore``: left out — asked for, or text with too many distinct values (an ID, free text), whose
  one-hot encoding would need a column per row.

Any column's kind can be set by the caller with ``kinds={"name": kind}``.
"""

import re
from dataclasses import dataclass

import numpy as np

from .csv_layout import MISSING, is_missing, is_number
from .dataset import DataError

KINDS = ("number", "category", "date", "ignore")
DATE_HANDLING = ("ignore", "expand")
MAX_CATEGORIES = 30
DATE = re.compile(r"^\s*\d{4}([-/])\d{1,2}\1\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*$")
DATE_WIDTH = 3     # year, sin and cos of the day of the year


@dataclass(frozen=True)
class ColumnPlan:
    index: int
    name: str
    kind: str             # one of KINDS, or "target"
    note: str = ""        # why a column is left out
    n_categories: int = 0  # distinct values in the first rows: the one-hot width if read as categories

    def describe(self):
        """How the column is encoded, as the import dialog shows it."""
        if self.kind == "category":
            return f"category → {self.n_categories} columns"
        if self.kind == "date":
            return f"date → {DATE_WIDTH} columns"
        if self.kind == "ignore":
            return "left out" + (f" ({self.note})" if self.note else "")
        return self.kind


def is_date(cell):
    return bool(DATE.match(cell))


def _cells(layout, j):
    return [cell for cell in (row[j].strip() for row in layout.rows if j < len(row)) if not is_missing(cell)]


def _all_cells(layout):
    """_cells of every column, found for the whole sample at once when its rows are all full."""
    width = len(layout.columns)
    if not layout.rows or any(len(row) != width for row in layout.rows):
        return [_cells(layout, j) for j in range(width)]
    cells = np.char.strip(np.array(layout.rows, dtype=str))
    present = ~np.isin(np.char.lower(cells), list(MISSING))
    return [cells[present[:, j], j].tolist() for j in range(width)]


def _all_numbers(cells):
    try:
        np.asarray(cells, dtype=np.float64)    # one call for a whole numeric column: files can be wide
    except ValueError:
        return False
    return True


def guess_kind(layout, j, dates="ignore", cells=None):
    """(kind, note) of column ``j`` from the sampled rows (its non-missing ``cells``, if already found);
    see the module docstring."""
    cells = _cells(layout, j) if cells is None else cells
    if not cells:
        return "ignore", f"no values in the first {len(layout.rows)} rows"
    if _all_numbers(cells):
        return "number", ""
    text = [cell for cell in cells if not is_number(cell)]
    if 2 * len(text) <= len(cells):
        return "number", ""
    if all(map(is_date, text)):
        if dates == "expand":
            return "date", ""
        return "ignore", "dates — expand them into year and day of the year on request"
    distinct = len(set(cells))
    if distinct <= MAX_CATEGORIES and distinct <= max(2, len(cells) // 2):
        return "category", ""
    return "ignore", f"text with {distinct} distinct values in {len(cells)} rows — an ID or free text"


def plan_columns(layout, target, ignore=(), kinds=None, dates="ignore"):
    """A ColumnPlan per column of ``layout``; ``target`` and ``ignore`` are 0-based indices,
    ``kinds`` maps column names to a kind from KINDS and overrides the guess."""
    if dates not in DATE_HANDLING:
        raise DataError(f"dates must be one of {', '.join(DATE_HANDLING)}, got {dates!r}")
    kinds = _check_kinds(layout, kinds or {})
    plan = []
    for j, (name, cells) in enumerate(zip(layout.columns, _all_cells(layout))):
        if j == target:
            plan.append(ColumnPlan(j, name, "target", n_categories=len(set(cells))))
            continue
        kind, note = guess_kind(layout, j, dates, cells)
        if j in ignore:
            kind, note = "ignore", "asked for"
        elif name in kinds:
            kind, note = kinds[name], ("asked for" if kinds[name] == "ignore" else "")
        plan.append(ColumnPlan(j, name, kind, note, len(set(cells))))
    return plan


def _check_kinds(layout, kinds):
    if not isinstance(kinds, dict):
        raise DataError(f"kinds must map column names to one of {', '.join(KINDS)}, got {kinds!r}")
    for name, kind in kinds.items():
        if name not in layout.columns:
            raise DataError(f"{layout.where()}: kinds names column {name!r}, which is not in the file; "
                            f"columns: {', '.join(layout.columns)}")
        if kind not in KINDS:
            raise DataError(f"{layout.where()}: column {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    return kinds


def left_out_notes(plan):
    """One notice per input column left out by the guess (not the ones the caller left out)."""
    return [f"left out column {c.name!r}: {c.note}" for c in plan if c.kind == "ignore" and c.note != "asked for"]
