"""From raw columns (numbers, categories, dates, missing cells) to the network's input matrix.

    encoder = Encoder.fit(table.subset(train_rows))   # learned on the training split only
    X = encoder.transform(table, on_unseen=print)     # (N, encoder.width) float64, no NaN
    encoder.feature_names   # ["island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm", …]

Per input column, in file order:

- number: one input; a missing cell gets the training split's median.
- category: one 0/1 input per category seen in the training split (sorted); a missing cell gets the
  most frequent category; a category never seen in training becomes all zeros and is reported through
  ``on_unseen(line, column, value)`` (scikit-learn's ``handle_unknown="ignore"``).
- date: three inputs — the year, and sin and cos of 2π·(day of year − 1)/(days in that year), so
  31 December sits next to 1 January; a missing date gets the training split's median date.

Saved with a model as ``Encoder.to_dict()`` (the ``"encoder"`` field of a model's metadata):

    {"columns": [{"name": "island", "kind": "category", "categories": ["Biscoe", "Dream", "Torgersen"],
                  "fill": "Biscoe"},
                 {"name": "bill_length_mm", "kind": "number", "fill": 44.45},
                 {"name": "date", "kind": "date", "fill": "2013-12-31"}]}

``feature_names`` lists the network's inputs in order; a missing cell (None, NaN, "", "NA", "?" …) is
replaced by ``fill`` before encoding; category cells are compared as stripped strings.
"""

import datetime
import math

import numpy as np

from .dataset import DataError
from .table import Table

DATE_PARTS = ("year", "doy_sin", "doy_cos")


class Encoder:
    def __init__(self, columns):
        self.columns = [dict(c) for c in columns]
        for c in self.columns:
            if c["kind"] not in ("number", "category", "date"):
                raise ValueError(f"encoder column {c['name']!r}: unknown kind {c['kind']!r}")
            if c["kind"] == "category":
                c["categories"] = [str(v) for v in c["categories"]]

    @classmethod
    def fit(cls, table):
        """Learn each column's fill value (and categories) from ``table`` (the training rows)."""
        return cls([_fit_column(name, kind, values, table)
                    for name, kind, values in zip(table.names, table.kinds, table.columns)])

    @property
    def input_names(self):
        """The raw columns read, in order."""
        return [c["name"] for c in self.columns]

    @property
    def input_kinds(self):
        return [c["kind"] for c in self.columns]

    @property
    def feature_names(self):
        """The network's inputs, in order."""
        names = []
        for c in self.columns:
            if c["kind"] == "number":
                names.append(c["name"])
            elif c["kind"] == "category":
                names += [f"{c['name']}={v}" for v in c["categories"]]
            else:
                names += [f"{c['name']}.{part}" for part in DATE_PARTS]
        return names

    @property
    def width(self):
        return len(self.feature_names)

    def fill_row(self):
        """(width,) the encoded value of an all-missing row: what each input becomes when its cell is missing."""
        blocks = []
        for c in self.columns:
            if c["kind"] == "number":
                blocks.append([c["fill"]])
            elif c["kind"] == "category":
                blocks.append([float(v == c["fill"]) for v in c["categories"]])
            else:
                blocks.append(_date_features(np.array([c["fill"]]), c["name"], np.array([0]), "row")[0])
        return np.concatenate([np.asarray(b, dtype=np.float64) for b in blocks]) if blocks else np.zeros(0)

    def transform(self, table, on_unseen=None):
        """X (N, width) float64 for ``table`` (a Table with at least this encoder's columns)."""
        table = _select(table, self.input_names)
        blocks = [_encode(c, values, table, on_unseen) for c, values in zip(self.columns, table.columns)]
        return np.column_stack(blocks) if blocks else np.zeros((len(table), 0))

    def table_from(self, rows):
        """A Table of this encoder's columns from raw rows (sequences in ``input_names`` order) or
        from a mapping of column name → values (a dict of lists, a pandas DataFrame)."""
        if hasattr(rows, "keys"):
            return Table.from_columns(rows, self.input_names, self.input_kinds)
        return Table.from_rows(rows, self.input_names, self.input_kinds)

    def to_dict(self):
        return {"columns": [dict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, data):
        return cls(data["columns"])

    def __repr__(self):
        return f"Encoder({len(self.columns)} columns → {self.width} inputs)"


def _select(table, names):
    if table.names == names:
        return table
    missing = [n for n in names if n not in table.names]
    if missing:
        raise DataError(f"no column {missing[0]!r}; the model reads the columns {', '.join(names)}")
    order = [table.names.index(n) for n in names]
    return Table(names, [table.kinds[j] for j in order], [table.columns[j] for j in order], table.lines, table.where)


def _fit_column(name, kind, values, table):
    present = values[~np.isnan(values)] if kind == "number" else values[values != ""]
    if kind == "number":
        return {"name": name, "kind": kind, "fill": float(np.median(present)) if len(present) else 0.0}
    if kind == "date":
        dates = sorted(_parse_dates(present, name, table.lines[values != ""], table.where))
        fill = dates[len(dates) // 2].isoformat() if dates else "2000-01-01"
        return {"name": name, "kind": kind, "fill": fill}
    categories, counts = np.unique(present, return_counts=True)
    fill = str(categories[np.argmax(counts)]) if len(categories) else ""
    return {"name": name, "kind": kind, "categories": categories.tolist(), "fill": fill}


def _encode(column, values, table, on_unseen):
    kind, fill = column["kind"], column["fill"]
    if kind == "number":
        return np.where(np.isnan(values), fill, values)[:, None]
    values = np.where(values == "", fill, values)
    if kind == "date":
        return _date_features(values, column["name"], table.lines, table.where)
    categories = np.asarray(column["categories"], dtype=str)
    onehot = (values[:, None] == categories[None, :]).astype(np.float64)
    if on_unseen is not None:
        for i in np.flatnonzero(onehot.sum(axis=1) == 0):
            on_unseen(int(table.lines[i]), column["name"], str(values[i]))
    return onehot.reshape(len(values), len(categories))


def _parse_date(text):
    """datetime.date of '2012-01-31', '2012/1/31' or '2012-01-31 08:00'; ValueError otherwise."""
    day = text.strip().replace("T", " ").split(" ")[0].replace("/", "-")
    year, month, day = (int(part) for part in day.split("-"))
    return datetime.date(year, month, day)


def _parse_dates(values, name, lines, where):
    """A datetime.date per date string (N,); a bad one is a DataError naming its line and column."""
    parsed = {}
    for i, text in enumerate(values):
        if text not in parsed:
            try:
                parsed[text] = _parse_date(text)
            except ValueError:
                raise DataError(f"{where} {int(lines[i])}, column {name!r}: {str(text)!r} is not a date — expected "
                                "2012-01-31 or 2012/01/31") from None
    return [parsed[text] for text in values]


def _date_features(values, name, lines, where):
    """(N, 3): year, sin and cos of the day of the year, for date strings (N,)."""
    out = np.empty((len(values), 3))
    for i, d in enumerate(_parse_dates(values, name, lines, where)):
        days = 366 if datetime.date(d.year, 12, 31).timetuple().tm_yday == 366 else 365
        angle = 2 * math.pi * (d.timetuple().tm_yday - 1) / days
        out[i] = d.year, math.sin(angle), math.cos(angle)
    return out


class UnseenCategoryWarning(UserWarning):
    """A category cell holds a value the model never saw in training; it was encoded as all zeros."""


class UnseenCategories:
    """Collects ``on_unseen(line, column, value)`` reports; ``messages`` gives one line per column and value."""

    def __init__(self):
        self.seen = {}     # (column, value) → [first line, count]

    def __call__(self, line, column, value):
        entry = self.seen.setdefault((column, value), [line, 0])
        entry[1] += 1

    def messages(self, where="line"):
        return [f"{where} {line}, column {column!r}: category {value!r} was not in the training data — encoded as "
                f"all zeros" + (f" ({count} rows)" if count > 1 else "")
                for (column, value), (line, count) in self.seen.items()]
