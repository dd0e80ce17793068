"""Reading a CSV file into a Dataset, in chunks, with progress and cancel.

    read_csv("houses.csv", target="price", task="regression", drop_missing=True,
             progress=lambda f: print(f"{f:.0%}"), cancel=threading.Event())

Column roles: the target (by name or 0-based index, default ``guess.guess_target``), features (every
other column) and ``ignore`` (columns left out). Feature columns must be numeric: a text cell in
one is refused with its line and column, never guessed at. The target may hold text (class names).

Speed: each chunk of lines is parsed by ``numpy.loadtxt``; only a chunk that fails (a bad cell, a
ragged row, a missing value) is parsed again line by line with the csv module, to name the line
and column or to drop the row. X is allocated once, from an upper bound on the number of rows.
"""

from dataclasses import dataclass
import os

import numpy as np

from .csv_layout import DELIMITER_NAMES, MISSING, first_text_cell, is_missing, is_number, numbered_rows, sniff
from .dataset import Dataset, DataError, LoadCancelled
from .guess import guess_target
from .remedies import Remedy
from .targets import encode_targets

CHUNK_CHARS = 2 << 20     # characters per chunk: a few MB of temporaries, next to X itself


@dataclass
class Roles:
    features: list        # column indices, in file order
    target: int
    target_is_text: bool
    ignored: list

    @property
    def numeric(self):    # columns parsed as numbers: the features, then a numeric target
        return self.features + ([] if self.target_is_text else [self.target])

    @property
    def text(self):       # columns kept as strings: a text target, then the ignored columns
        return ([self.target] if self.target_is_text else []) + self.ignored


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


def _roles(layout, target, ignore, task):
    """Which columns are features, the target and ignored; text in a feature column is refused."""
    if len(layout.columns) < 2:
        raise DataError(f"{layout.where()}: found a single column (delimiter "
                        f"{DELIMITER_NAMES[layout.delimiter]}) — expected feature columns and a target "
                        "column separated by commas, semicolons or tabs")
    t = guess_target(layout.columns, layout.rows) if target is None else _column_index(layout, target, "target")
    ignore = [ignore] if isinstance(ignore, (str, int)) else ignore
    ignored = sorted({_column_index(layout, key, "ignored") for key in ignore} - {t})
    features = [j for j in range(len(layout.columns)) if j != t and j not in ignored]
    if not features:
        raise DataError(f"{layout.where()}: no feature columns left besides the target {layout.columns[t]!r}")
    for j in features:
        found = first_text_cell(layout, j)
        if found:
            raise DataError(f"{layout.where(found[0], j)}: {found[1]!r} is not a number"
                            f"{_decimal_comma_hint(found[1])}. Feature columns must be numeric (only the target "
                            "column may hold text, as class names) — encode categories as numbers (e.g. one 0/1 "
                            "column per category)", Remedy("ignore_column", layout.columns[j]))
    target_is_text = first_text_cell(layout, t) is not None
    if target_is_text and task == "regression":
        line, cell = first_text_cell(layout, t)
        raise DataError(f"{layout.where(line, t)}: {cell!r} is not a number, so this column cannot be a "
                        "regression target", Remedy("classification_task"))
    return Roles(features, t, target_is_text, ignored)


def _count_lines(path):
    """An upper bound on the number of rows: every line ends in \\n, \\r, \\r\\n or the end of the file."""
    count = 1
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    return count


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


def _fast_parse(lines, layout, roles):
    """(numbers (r, len(roles.numeric)), strings (r, len(roles.text))) by numpy.loadtxt.

    Raises ValueError when any cell is off (not a number, missing, infinite) or a row is ragged.
    """
    lines = [text for text in lines if not text.isspace()]
    options = dict(delimiter=layout.delimiter, quotechar='"', comments=None, ndmin=2)
    if not lines:
        return np.empty((0, len(roles.numeric))), np.empty((0, len(roles.text)), dtype=str)
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
    if not np.isfinite(numeric).all():
        raise ValueError("missing or infinite values")
    if roles.target_is_text and np.isin(np.char.lower(text[:, 0]), list(MISSING)).any():
        raise ValueError("missing class names")
    return numeric, text


def _decimal_comma_hint(cell):
    if "," in cell and is_number(cell.replace(",", ".")):
        return " (write decimals with a point: 1.5, not 1,5)"
    return ""


def _number(layout, line, column, cell, is_target):
    if is_missing(cell):
        return float("nan")
    try:
        return float(cell)
    except ValueError:
        allowed = ("the target column's first rows are numbers, so every row needs a number there"
                   if is_target else "text is allowed in the target only")
        raise DataError(f"{layout.where(line, column)}: {cell.strip()!r} is not a number"
                        f"{_decimal_comma_hint(cell)} — cells must be numbers like 3, -0.5 or 1e-3 "
                        f"({allowed})") from None


def _careful_parse(lines, first_line, layout, roles, drop_missing):
    """Like _fast_parse, row by row with the csv module, naming the line and column of a bad cell."""
    numeric, text, width = [], [], len(layout.columns)
    for line, row in numbered_rows(lines, layout.delimiter, layout.path.name, first_line):
        if len(row) != width:
            reference = "the header has" if layout.has_header else "the first row has"
            raise DataError(f"{layout.where(line)}: {len(row)} fields, but {reference} {width} — every row needs "
                            f"{width} fields separated by {DELIMITER_NAMES[layout.delimiter]}s")
        values = [_number(layout, line, j, row[j], j == roles.target) for j in roles.numeric]
        bad = next((j for j, v in zip(roles.numeric, values) if not np.isfinite(v)), None)
        if bad is None and roles.target_is_text and is_missing(row[roles.target]):
            bad = roles.target
        if bad is not None and drop_missing:
            continue
        if bad is not None:
            what = "infinite" if is_number(row[bad]) and not is_missing(row[bad]) else "missing"
            raise DataError(f"{layout.where(line, bad)}: {what} value {row[bad].strip()!r} — every cell must hold "
                            "a finite number", Remedy("drop_missing"))
        numeric.append(values)
        text.append([row[j].strip() for j in roles.text])
    return (np.array(numeric, dtype=np.float64).reshape(len(numeric), len(roles.numeric)),
            np.array(text, dtype=str).reshape(len(text), len(roles.text)))


def _read_rows(layout, encoding, roles, drop_missing, progress, cancel):
    """X (N, d) float64 and the target values (N,), numbers or strings, of every data row."""
    capacity, n_features = _count_lines(layout.path), len(roles.features)
    X = np.empty((capacity, n_features))
    y_numbers, y_text, n = np.empty(capacity), [], 0
    size = max(os.path.getsize(layout.path), 1)
    with open(layout.path, encoding=encoding) as f:
        for _ in range(layout.header_lines):
            f.readline()
        for first_line, lines in _chunks(f, layout.header_lines + 1, size, progress, cancel):
            try:
                numeric, text = _fast_parse(lines, layout, roles)
            except ValueError:
                numeric, text = _careful_parse(lines, first_line, layout, roles, drop_missing)
            X[n:n + len(numeric)] = numeric[:, :n_features]
            if roles.target_is_text:
                y_text.append(text[:, 0])
            else:
                y_numbers[n:n + len(numeric)] = numeric[:, -1]
            n += len(numeric)
    return X[:n], (np.concatenate(y_text) if roles.target_is_text else y_numbers[:n])


def _check_rows(layout, n, drop_missing):
    if n == 0 and drop_missing:
        raise DataError(f"{layout.where()}: no data rows left after dropping the rows with missing values")
    if n == 0:
        raise DataError(f"{layout.where()}: no data rows — expected rows of numbers below the header line")
    if n == 1:
        raise DataError(f"{layout.where()}: only one data row — a dataset needs at least 2 rows "
                        "(some to train on, some to validate)")


def read_csv(path, target=None, task=None, drop_missing=False, progress=None, cancel=None,
             delimiter=None, header=None, ignore=()):
    """Dataset from a CSV file; see the module docstring for the column roles.

    ``delimiter`` ("," ";" or "\\t") and ``header`` (True/False) override the guesses.
    """
    layout = sniff(path, delimiter, header)
    roles = _roles(layout, target, ignore, task)
    try:
        X, y = _read_rows(layout, layout.encoding, roles, drop_missing, progress, cancel)
    except UnicodeDecodeError:     # a byte that is not UTF-8 beyond the sniffed head: read again as Latin-1
        X, y = _read_rows(layout, "latin-1", roles, drop_missing, progress, cancel)
    _check_rows(layout, len(X), drop_missing)
    Y, class_names, target_names, task = encode_targets(y, task, layout.columns[roles.target], layout.where())
    if progress is not None:
        progress(1.0)
    return Dataset(X, Y, task, [layout.columns[j] for j in roles.features], class_names, target_names,
                   source=str(path), description=f"{layout.path.name}: {len(X)} rows of a CSV file")



def read_features(path, feature_names):
    """X (N, d): the columns named ``feature_names``, in that order, of a CSV file that may hold
    other columns too (a target, an id) — a saved model's inputs. Delimiter, header and encoding
    are sniffed as by ``read_csv``; only the named columns must hold numbers (a row may lack a
    target), and a bad or missing cell is named by its line and column."""
    layout = sniff(path)
    features = [_column_index(layout, name, "feature") for name in feature_names]
    try:
        return _feature_rows(layout, layout.encoding, features)
    except UnicodeDecodeError:     # as in read_csv: bytes that are not UTF-8 past the sniffed head
        return _feature_rows(layout, "latin-1", features)


def _feature_rows(layout, encoding, features):
    rows = []
    with open(layout.path, encoding=encoding) as f:     # universal newlines, as _read_rows reads
        lines = f.readlines()[layout.header_lines:]
    for line, row in numbered_rows(lines, layout.delimiter, layout.path.name, layout.header_lines + 1):
        values = [_number(layout, line, j, row[j] if j < len(row) else "", False) for j in features]
        bad = next((j for j, v in zip(features, values) if not np.isfinite(v)), None)
        if bad is not None:
            cell = row[bad].strip() if bad < len(row) else ""
            raise DataError(f"{layout.where(line, bad)}: missing or infinite value {cell!r} — the model needs a "
                            "finite number in every one of its input columns")
        rows.append(values)
    if not rows:
        raise DataError(f"{layout.where()}: no data rows below the header line")
    return np.array(rows, dtype=np.float64)
