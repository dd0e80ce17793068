"""Which column of a table is the target, guessed as a person would; the app and the CLI share this rule.

1. A column named like a target: ``target``, ``label``, ``class``, ``y``, ``species``, ``outcome`` …
   (the earliest name of ``TARGET_NAMES`` that a column has, case and spaces ignored).
2. Otherwise the last column that is not an identifier or a time stamp: columns named ``id``,
   ``…_id``, ``index``, ``year``, ``…_date``, ``time`` …, columns of dates (``2015-01-31``), and columns of
   distinct integers counting up (a row number) are never offered as a target.
3. Otherwise (every column looks like an identifier) the last column.

The task for a target column comes from ``targets.guess_task`` over the sampled rows.
"""

import re

import numpy as np

from .csv_layout import is_missing, is_number
from .targets import guess_task

TARGET_NAMES = ("target", "label", "labels", "class", "y", "species", "outcome", "diagnosis", "survived",
                "category", "quality")
ID_NAMES = re.compile(r"^(id|index|idx|row|key|uuid|unnamed: ?\d+|.*[ _]id)$")
TIME_NAMES = re.compile(r"^(.*[ _])?(year|month|day|date|time|datetime|timestamp|week|hour|minute|second)s?$")
DATE_CELL = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T].*)?$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}([ T].*)?$")


def guess_target(columns, rows):
    """0-based index of the likely target among ``columns`` (names), judged on the sample ``rows``."""
    names = [_plain(name) for name in columns]
    for wanted in TARGET_NAMES:
        if wanted in names:
            return names.index(wanted)
    for j in reversed(range(len(columns))):
        if not _is_identifier_or_time(names[j], _cells(rows, j)):
            return j
    return len(columns) - 1


def column_task(rows, column):
    """"classification" or "regression" for ``column`` as a target, guessed from the sample ``rows``;
    None when the sample holds no value in that column."""
    cells = _cells(rows, column)
    if not cells:
        return None
    values = np.array([float(c) for c in cells]) if all(map(is_number, cells)) else np.array(cells)
    return guess_task(values)


def _plain(name):
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _cells(rows, column):
    return [row[column].strip() for row in rows if column < len(row) and not is_missing(row[column])]


def _is_identifier_or_time(name, cells):
    if ID_NAMES.match(name) or TIME_NAMES.match(name):
        return True
    if cells and all(DATE_CELL.match(cell) for cell in cells):
        return True
    return _counts_rows(cells)


def _counts_rows(cells):
    """Distinct integers, each one more than the last: a row number, not something to predict."""
    if len(cells) < 3 or not all(re.fullmatch(r"[+-]?\d+", cell) for cell in cells):
        return False
    steps = np.diff(np.array([int(cell) for cell in cells]))
    return bool(np.all(steps == 1))
