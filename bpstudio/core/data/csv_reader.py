"""Reading a CSV file into a Dataset, in chunks, with progress and cancel.

    read_csv("penguins.csv", target="species", drop_missing=False, dates="ignore",
             kinds={"year": "category"}, progress=lambda f: print(f"{f:.0%}"), cancel=threading.Event())

Column roles: the target (by name or 0-based index, default ``guess.guess_target``) and the inputs, each a
number, a category or a date column, or left out (``ignore``, ``kinds``; the rule is in ``columns``).
A header naming two columns alike is refused. The target may hold text (class names).

Missing cells (empty, NA, NaN, ?, null, N/A, None): rows without a target are always left out; rows
with a missing input are kept and filled when the model is trained (``Encoder``), or left out with
``drop_missing=True``. Each is said once in ``Dataset.notes``, with counts.

Speed: each chunk of lines is parsed by ``numpy.loadtxt``; only a chunk that fails (a bad cell, a
ragged row, a missing value) is parsed again line by line with the csv module, to name the line
and column of a bad cell.

Memory: before reading, the rows a file can hold (its lines, and no more than its bytes allow:
a row of n columns takes at least n bytes) are checked against the memory available
(``core.limits``). Only regular files are read (``special_files.open_regular``).
"""

from dataclasses import dataclass
import io
import os

import numpy as np

from .csv_layout import DELIMITER_NAMES, MISSING, first_text_cell, is_missing, is_number, numbered_rows, sniff
from .columns import ColumnPlan, left_out_notes, plan_columns
from .dataset import Dataset, DataError, LoadCancelled
from .encoding import Encoder
from .guess import guess_target
from .remedies import Remedy
from .table import Table
from .targets import encode_targets
from ..io.special_files import open_regular
from ..limits import MemoryLimitError, check_memory

CHUNK_CHARS = 2 << 20     # characters per chunk: a few MB of temporaries, next to X itself


@dataclass
class Roles:
    plan: list            # a ColumnPlan per column read (see columns.plan_columns)
    target: int | None    # None when a file for prediction has no target column
    target_is_text: bool
    training: bool = True  # False when reading a file for a trained model, whose column kinds are fixed

    def __post_init__(self):   # computed once: a wide file asks for these for every row and column
        self.input_columns = self.inputs(("number", "category", "date"))   # every input column, in file order
        numeric_target = [] if self.target_is_text or self.target is None else [self.target]
        # Parsed as numbers: the number inputs, then a numeric target. Kept as strings: a text target,
        # then the category and date inputs.
        self.numeric = self.inputs(("number",)) + numeric_target
        self.text = ([self.target] if self.target_is_text else []) + self.inputs(("category", "date"))

    def inputs(self, kinds):
        return [c.index for c in self.plan if c.kind in kinds]


def _column_index(layout, key, what):
    """Index of the column named ``key`` (or at 0-based index ``key``, negative from the end)."""
    n = len(layout.columns)
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if -n <= key < n:
            return int(key) % n
        raise DataError(f"{layout.where()}: {what} column index {key} is out of range — "
                        f"the file has {n} columns (indices 0 to {n - 1}, or negative from the end)")
    names = [name.lower() for name in layout.columns]
    if str(key) in layout.columns:
        return layout.columns.index(str(key))
    if str(key).strip().lower() in names:
        return names.index(str(key).strip().lower())
    raise DataError(f"{layout.where()}: {what} column {key!r} not found; columns: {', '.join(layout.columns)}")


def check_unique_names(layout):
    """Refuse a header naming two columns alike: which one would a model read at predict time?"""
    seen = {}
    for j, name in enumerate(layout.columns):
        seen.setdefault(name, []).append(j + 1)
    twice = {name: js for name, js in seen.items() if len(js) > 1}
    if twice:
        listed = "; ".join(f"{name!r} (columns {', '.join(map(str, js))})" for name, js in twice.items())
        raise DataError(f"{layout.where()}: the header names columns alike: {listed} — rename them so that "
                        "every column has its own name")


def column_roles(layout, target=None, ignore=(), kinds=None, dates="ignore", task=None):
    """Roles of every column: the target (by name or index, default the last) and a ColumnPlan each."""
    if len(layout.columns) < 2:
        raise DataError(f"{layout.where()}: found a single column (delimiter "
                        f"{DELIMITER_NAMES[layout.delimiter]}) — expected feature columns and a target "
                        "column separated by commas, semicolons or tabs")
    check_unique_names(layout)
    if not layout.rows:
        _check_rows(layout, 0, False)
    t = guess_target(layout.columns, layout.rows) if target is None else _column_index(layout, target, "target")
    ignore = [ignore] if isinstance(ignore, (str, int)) else ignore
    ignored = {_column_index(layout, key, "ignored") for key in ignore} - {t}
    plan = plan_columns(layout, t, ignored, kinds, dates)
    if not any(c.kind in ("number", "category", "date") for c in plan):
        raise DataError(f"{layout.where()}: no feature columns left besides the target {layout.columns[t]!r}")
    target_is_text = first_text_cell(layout, t) is not None
    if target_is_text and task == "regression":
        line, cell = first_text_cell(layout, t)
        raise DataError(f"{layout.where(line, t)}: {cell!r} is not a number, so this column cannot be a "
                        "regression target", Remedy("classification_task"))
    return Roles(plan, t, target_is_text)


def _chunks(f, first_line, size, progress, cancel):
    """(first line number, lines) of about CHUNK_CHARS characters, never splitting a quoted field."""
    line = first_line
    while True:
        if cancel is not None and cancel.is_set():
            raise LoadCancelled(f"loading was cancelled at line {line}")
        lines = f.readlines(CHUNK_CHARS)
        if not lines:
            return
        quotes = sum(text.count('"') for text in lines)
        while quotes % 2 and (more := f.readline()):     # a quoted field goes on past the chunk
            lines.append(more)
            quotes += more.count('"')
        yield line, lines
        line += len(lines)
        if progress is not None:
            progress(min(f.buffer.tell() / size, 1.0))


def _fast_parse(lines, first_line, layout, roles):
    """(numbers (r, len(roles.numeric)), strings (r, len(roles.text)), line numbers (r,)) by numpy.loadtxt.

    Raises ValueError when any cell is off (not a number, missing, infinite), a row is ragged, or a
    quoted field spans lines (the line numbers would be off): the careful parse handles those.
    """
    kept = [i for i, text in enumerate(lines) if not text.isspace()]
    lines, numbers = [lines[i] for i in kept], first_line + np.asarray(kept, dtype=np.int64)
    options = dict(delimiter=layout.delimiter, quotechar='"', comments=None, ndmin=2)
    if not lines:
        return np.empty((0, len(roles.numeric))), np.empty((0, len(roles.text)), dtype=str), numbers
    if roles.text and not any('"' in line for line in lines):
        # Without quotes a row's width is its delimiter count, so each column type is parsed alone:
        # converting every cell to a string first is four times slower.
        widths = {line.count(layout.delimiter) + 1 for line in lines}
        if widths != {len(layout.columns)}:
            raise ValueError("ragged rows")
        numeric = np.loadtxt(lines, dtype=np.float64, usecols=roles.numeric, **options)
        text = np.char.strip(np.loadtxt(lines, dtype=str, usecols=roles.text, **options))
    else:
        cells = np.loadtxt(lines, dtype=str if roles.text else np.float64, **options)
        if cells.shape[1] != len(layout.columns):
            raise ValueError("ragged rows")
        numeric = cells[:, roles.numeric].astype(np.float64, copy=False)
        text = np.char.strip(cells[:, roles.text]) if roles.text else np.empty((len(cells), 0), dtype=str)
    if len(numeric) != len(lines) or not np.isfinite(numeric).all():
        raise ValueError("missing or infinite values, or a quoted field over several lines")
    if text.size and np.isin(np.char.lower(text), list(MISSING)).any():
        raise ValueError("missing text cells")
    return numeric.reshape(len(lines), -1), text.reshape(len(lines), -1), numbers


def _decimal_comma_hint(cell):
    if "," in cell and is_number(cell.replace(",", ".")):
        return " (write decimals with a point: 1.5, not 1,5)"
    return ""


def _number(layout, line, column, cell, roles):
    if is_missing(cell):
        return float("nan")
    try:
        value = float(cell)
    except ValueError:
        remedy = None
        if column == roles.target:
            allowed = "the target column's first rows are numbers, so every row needs a number there"
        elif not roles.training:
            allowed = "the model reads this column as numbers"
        else:
            allowed = "the column's first rows are numbers"
            remedy = Remedy("category_column", layout.columns[column])
        raise DataError(f"{layout.where(line, column)}: {cell.strip()!r} is not a number"
                        f"{_decimal_comma_hint(cell)} — cells must be numbers like 3, -0.5 or 1e-3 "
                        f"({allowed})", remedy) from None
    if np.isinf(value):
        raise DataError(f"{layout.where(line, column)}: infinite value {cell.strip()!r} — every number must be "
                        "finite; fix the cell, or leave it empty to have it filled")
    return value


def _careful_parse(lines, first_line, layout, roles):
    """Like _fast_parse, row by row with the csv module, naming the line and column of a bad cell;
    a missing number becomes NaN and a missing text cell ""."""
    numeric, text, numbers, width = [], [], [], len(layout.columns)
    for line, row in numbered_rows(lines, layout.delimiter, layout.path.name, first_line):
        # One rule for training and prediction: a short row may have lost any cell, not only its last.
        if len(row) != width:
            reference = "the header has" if layout.has_header else "the first row has"
            raise DataError(f"{layout.where(line)}: {len(row)} fields, but {reference} {width} — every row needs "
                            f"{width} fields separated by {DELIMITER_NAMES[layout.delimiter]}s")
        numeric.append([_number(layout, line, j, row[j], roles) for j in roles.numeric])
        text.append(["" if is_missing(row[j]) else row[j].strip() for j in roles.text])
        numbers.append(line)
    return (np.array(numeric, dtype=np.float64).reshape(len(numeric), len(roles.numeric)),
            np.array(text, dtype=str).reshape(len(text), len(roles.text)), np.array(numbers, dtype=np.int64))


def _count_lines(path):
    """An upper bound on the number of rows: every line ends in \\n, \\r, \\r\\n or the end of the file."""
    count = 1
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    return count


def _read_rows(layout, encoding, roles, progress, cancel):
    """(numbers (N, len(roles.numeric)) with NaN where missing, strings (N, len(roles.text)) with "" where
    missing, line numbers (N,)) of every data row. The numbers are allocated once, from an upper bound
    on the number of rows: an MNIST-sized file must not need twice its size in memory."""
    capacity = _row_capacity(layout, len(roles.numeric) + 1)
    numeric, numbers, text, n = np.empty((capacity, len(roles.numeric))), np.empty(capacity, np.int64), [], 0
    size = max(os.path.getsize(layout.path), 1)
    with io.TextIOWrapper(open_regular(layout.path), encoding=encoding) as f:
        for _ in range(layout.header_lines):
            f.readline()
        for first_line, lines in _chunks(f, layout.header_lines + 1, size, progress, cancel):
            try:
                chunk, strings, lines_of = _fast_parse(lines, first_line, layout, roles)
            except ValueError:
                chunk, strings, lines_of = _careful_parse(lines, first_line, layout, roles)
            numeric[n:n + len(chunk)], numbers[n:n + len(chunk)] = chunk, lines_of
            text.append(strings)
            n += len(chunk)
    text = np.concatenate(text) if text else np.empty((0, len(roles.text)), dtype=str)
    return numeric[:n], text, numbers[:n]


def _count_lines(path):
    """An upper bound on the number of rows: every line ends in \\n, \\r, \\r\\n or the end of the file."""
    count = 1
    with open_regular(path) as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    return count


def _row_capacity(layout, values_per_row):
    """An upper bound on the data rows, checked against the memory available: at most one row a line,
    and at most one per n bytes (a row of n columns has n − 1 delimiters and a line end) — so blank
    lines under a wide header cost nothing."""
    n_columns = len(layout.columns)
    rows = min(_count_lines(layout.path), os.path.getsize(layout.path) // max(n_columns, 1) + 1)
    try:
        check_memory(8 * rows * values_per_row, f"reading up to {rows:,} rows × {n_columns:,} columns")
    except MemoryLimitError as e:
        raise DataError(f"{layout.where()}: {e}") from None
    return rows


def read_columns(layout, roles, progress=None, cancel=None):
    """``_read_rows``, read again as Latin-1 when a byte past the sniffed head is not UTF-8."""
    try:
        return _read_rows(layout, layout.encoding, roles, progress, cancel)
    except UnicodeDecodeError:
        return _read_rows(layout, "latin-1", roles, progress, cancel)


def input_table(layout, roles, numeric, text, lines):
    """The raw input columns (a Table, in file order) from what ``read_columns`` returned."""
    at = {j: ("n", k) for k, j in enumerate(roles.numeric)} | {j: ("t", k) for k, j in enumerate(roles.text)}
    columns = []
    for c in roles.plan:
        if c.kind in ("number", "category", "date"):
            block, k = at[c.index]
            columns.append((c.name, c.kind, numeric[:, k] if block == "n" else text[:, k]))
    return Table([n for n, _, _ in columns], [k for _, k, _ in columns], [v for _, _, v in columns], lines,
                 f"{layout.path.name}, line")


def _check_rows(layout, n, dropped):
    if n == 0 and dropped:
        raise DataError(f"{layout.where()}: no data rows left after leaving out the rows with missing values")
    if n == 0:
        raise DataError(f"{layout.where()}: no data rows — expected rows of numbers below the header line")
    if n == 1:
        raise DataError(f"{layout.where()}: only one data row — a dataset needs at least 2 rows "
                        "(some to train on, some to validate)")


def _input_missing(roles, numeric, text):
    """(N, inputs) bool, in the order of ``input_table``'s columns: which input cells are missing.
    Found per block of columns, not per column: a wide file has hundreds of columns."""
    numbers, texts = roles.inputs(("number",)), roles.inputs(("category", "date"))
    if not texts:
        return np.isnan(numeric[:, :len(numbers)])
    missing = np.empty((len(numeric), len(numbers) + len(texts)), dtype=bool)
    place = {j: k for k, j in enumerate(roles.input_columns)}
    missing[:, [place[j] for j in numbers]] = np.isnan(numeric[:, :len(numbers)])
    missing[:, [place[j] for j in texts]] = text[:, len(roles.text) - len(texts):] == ""
    return missing


def _rows_to_keep(layout, roles, table, target_values, drop_missing, missing):
    """(rows kept, notices): rows without a target always go; rows with a missing input go on request."""
    target_missing = (target_values == "") if roles.target_is_text else np.isnan(target_values)
    incomplete = missing.any(axis=1) & ~target_missing
    keep = ~target_missing & ~incomplete if drop_missing else ~target_missing
    notes = []
    if target_missing.any():
        notes.append(f"left out {int(target_missing.sum())} rows with no value in the target column "
                     f"{layout.columns[roles.target]!r}")
    if incomplete.any():
        columns = ", ".join(f"{name!r} {int(n)}" for name, n in zip(table.names, missing[incomplete].sum(axis=0)) if n)
        what = ("left out" if drop_missing else
                "filled with the training split's median (numbers) or most frequent value (categories) in")
        notes.append(f"{what} {int(incomplete.sum())} rows with missing inputs (missing cells: {columns})")
    return keep, notes


def read_csv(path, target=None, task=None, drop_missing=False, progress=None, cancel=None,
             delimiter=None, header=None, ignore=(), kinds=None, dates="ignore"):
    """Dataset from a CSV file; see the module docstring for the column roles.

    ``delimiter`` ("," ";" or "\\t") and ``header`` (True/False) override the guesses; ``kinds`` and
    ``dates`` choose how columns are encoded (see ``columns``).
    """
    layout = sniff(path, delimiter, header)
    roles = column_roles(layout, target, ignore, kinds, dates, task)
    numeric, text, lines = read_columns(layout, roles, progress, cancel)
    table = input_table(layout, roles, numeric, text, lines)
    y = text[:, 0] if roles.target_is_text else numeric[:, -1]
    missing = _input_missing(roles, numeric, text)
    keep, notes = _rows_to_keep(layout, roles, table, y, drop_missing, missing)
    _check_rows(layout, int(keep.sum()), not keep.all())
    if not keep.all():
        table, y, numeric, missing = table.subset(keep), y[keep], numeric[keep], missing[keep]
    Y, class_names, target_names, task = encode_targets(y, task, layout.columns[roles.target], layout.where())
    if progress is not None:
        progress(1.0)
    needs_encoder = any(k != "number" for k in table.kinds) or missing.any()
    encoder = Encoder.fit(table) if needs_encoder else None
    # Numbers only: X is a view of the parsed numbers (the number inputs come first), not a copy.
    X = encoder.transform(table) if encoder else numeric[:, :len(table.names)]
    return Dataset(X, Y, task, encoder.feature_names if encoder else table.names, class_names, target_names,
                   source=str(path), description=f"{layout.path.name}: {len(X)} rows of a CSV file",
                   table=table if encoder else None, notes=left_out_notes(roles.plan) + notes,
                   target_column=layout.columns[roles.target])


def _named_column(layout, name, needed_by):
    """Index of the column called ``name`` (exactly, else ignoring case and spaces)."""
    if name in layout.columns:
        return layout.columns.index(name)
    folded = [c.strip().lower() for c in layout.columns]
    if name.strip().lower() in folded:
        return folded.index(name.strip().lower())
    raise DataError(f"{layout.where(layout.header_lines)}: no column named {name!r} — the model reads the columns "
                    f"{needed_by}; the file has {', '.join(layout.columns)}")


def read_for_model(path, names, kinds, target=None, progress=None, cancel=None):
    """(Table of the columns ``names`` read as ``kinds``, the target column's cells as text (or None when
    the file has no column ``target``)) from a CSV file with a header, for a trained model."""
    layout = sniff(path, header=True)
    check_unique_names(layout)
    if not layout.rows:
        _check_rows(layout, 0, False)
    columns = [_named_column(layout, name, ", ".join(names)) for name in names]
    t = None
    if target is not None and target.strip().lower() in [c.strip().lower() for c in layout.columns]:
        t = _named_column(layout, target, "")
    plan = [ColumnPlan(j, layout.columns[j], kind) for j, kind in zip(columns, kinds)]
    roles = Roles(plan, t, t is not None, training=False)
    numeric, text, lines = read_columns(layout, roles, progress, cancel)
    table = input_table(layout, roles, numeric, text, lines)   # in the order of ``names``
    return Table(list(names), table.kinds, table.columns, lines, table.where), (text[:, 0] if t is not None else None)

