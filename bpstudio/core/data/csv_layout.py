"""What a CSV file looks like, from its first 256 KB: encoding, delimiter, header, column names.

    layout = sniff("data.csv")      # Layout(encoding="utf-8-sig", delimiter=",", has_header=True, ...)

Encoding: a byte-order mark names it (UTF-8, UTF-16 or UTF-32, as spreadsheets write "Unicode
text"); without one UTF-8, else Latin-1, which can decode any byte. Only regular files are read
(a FIFO or a device would block or never end: ``special_files.open_regular``). Delimiter: the one of
``,`` ``;`` tab that splits the first rows into the same, largest number of fields. Header: the
first row is a header when it holds a word where the rows below hold numbers.
"""

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .dataset import DataError
from ..io.special_files import NotRegularFile, open_regular

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})   # compared lower-cased, stripped
SNIFF_BYTES = 1 << 18
SAMPLE_ROWS = 1000
# UTF-32's marks first: UTF-32-LE's begins with UTF-16-LE's. Python's "utf-16"/"utf-32" codecs read the mark.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Layout:
    path: Path
    encoding: str
    delimiter: str
    has_header: bool
    header_lines: int     # lines to skip before the data: the header's line number (0 without one)
    columns: list         # names; "column 1", "column 2", … when there is no header
    rows: list            # the first data rows (lists of str), at most SAMPLE_ROWS
    row_lines: list       # 1-based line number of each of those rows

    def where(self, line=None, column=None):
        """'data.csv, line 7, column 'age' (column 3)' — the place to name in a message."""
        text = self.path.name
        if line is not None:
            text += f", line {line}"
        if column is not None:
            text += f", column {self.columns[column]!r} (column {column + 1})"
        return text


def is_missing(cell):
    return cell.strip().lower() in MISSING


def is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def first_text_cell(layout, column):
    """(line, cell) of the first sample cell in ``column`` that is neither a number nor missing; None if none."""
    for line, row in zip(layout.row_lines, layout.rows):
        if column < len(row) and not is_number(row[column]) and not is_missing(row[column]):
            return line, row[column]
    return None


def is_text_column(layout, column):
    """True when most of the column's sample cells (missing ones aside) are text: a category or a
    comment — not a numeric column with a stray word, which is an error to report, not to hide."""
    cells = [row[column] for row in layout.rows if column < len(row) and not is_missing(row[column])]
    return 2 * sum(not is_number(cell) for cell in cells) > len(cells)


def _head(path):
    try:
        with open_regular(path) as f:
            return f.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except NotRegularFile as e:
        raise DataError(str(e)) from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None


def _decode(raw, truncated):
    """(encoding, text); a truncated head may end inside a character, which is not an error."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return encoding, codecs.getincrementaldecoder(encoding)().decode(raw, final=not truncated)
            except UnicodeDecodeError:
                break    # a mark followed by something else: judged as bytes below
    try:
        return "utf-8-sig", codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=not truncated)
    except UnicodeDecodeError:
        return "latin-1", raw.decode("latin-1")


def _looks_binary(text):
    # Text holds no NUL characters and few control characters besides tab, newline, carriage return.
    controls = sum(text.count(chr(c)) for c in range(32) if c not in (9, 10, 12, 13))
    return "\x00" in text or controls > len(text) // 100


def _detect_delimiter(lines):
    """The candidate giving every sample row the same, largest number of fields; comma by default."""
    sample = [line for line in lines[:50] if line.strip()]
    best, best_score = ",", (False, 1)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(sample, delimiter=delimiter, strict=True) if row]
        except csv.Error:     # quotes that do not fit this delimiter
            continue
        score = (min(counts) == max(counts), counts[0]) if counts else (False, 0)
        if score[1] > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def numbered_rows(lines, delimiter, where, first_line=1):
    """(line number, row) for each non-blank row; csv errors become DataError."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)
    line = first_line
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield line, row
            line = first_line + reader.line_num
    except csv.Error as e:     # named at the line where the bad row starts
        raise DataError(f"{where}, line {line}: {e} — expected delimited text with balanced double quotes, "
                        "fields under 128 KB") from None


def _has_header(rows):
    """True when the first row holds a word above numbers, or holds no number at all."""
    first, rest = rows[0], rows[1:]
    if not any(is_number(cell) for cell in first):
        return True
    for j, cell in enumerate(first):
        below = [row[j] for row in rest if j < len(row) and not is_missing(row[j])]
        if not is_number(cell) and not is_missing(cell) and below and all(map(is_number, below)):
            return True
    return False


def sniff(path, delimiter=None, header=None):
    """Layout of the CSV file at ``path``; ``delimiter`` and ``header`` (bool) override the guesses."""
    path = Path(path)
    raw = _head(path)
    truncated = len(raw) == SNIFF_BYTES
    encoding, text = _decode(raw, truncated)
    if _looks_binary(text):
        raise DataError(f"{path.name}: binary or non-text content — expected a text CSV file "
                        "(numbers separated by commas, semicolons or tabs; UTF-16 and UTF-32 need a byte-order mark)")
    lines = io.StringIO(text, newline=None).readlines()    # the same line breaks as open() sees
    lines = lines[:-1] if truncated and len(lines) > 1 else lines   # the last line may be cut short
    if not text.strip():
        raise DataError(f"{path.name}: the file is empty — expected a header line and rows of numbers")
    if delimiter is not None and delimiter not in DELIMITERS:
        raise DataError(f"delimiter must be one of comma, semicolon, tab; got {delimiter!r}")
    delimiter = delimiter or _detect_delimiter(lines)
    numbered = _sample(lines, delimiter, path.name, truncated)
    has_header = _has_header([row for _, row in numbered]) if header is None else bool(header)
    if has_header:
        header_line, names = numbered.pop(0)
        columns = [name.strip() or f"column {j + 1}" for j, name in enumerate(names)]
    else:
        header_line, columns = 0, [f"column {j + 1}" for j in range(len(numbered[0][1]))]
    return Layout(path, encoding, delimiter, has_header, header_line, columns,
                  [row for _, row in numbered], [line for line, _ in numbered])


def _sample(lines, delimiter, where, truncated):
    """The first SAMPLE_ROWS + 1 (line, row) pairs: a header and SAMPLE_ROWS data rows at most."""
    numbered = []
    try:
        for item in numbered_rows(lines, delimiter, where):
            numbered.append(item)
            if len(numbered) > SAMPLE_ROWS:
                break
    except DataError:
        if not (truncated and numbered):    # else: a quoted field goes on past the sniffed head
            raise
    if not numbered:
        raise DataError(f"{where}: the file has no values, only blank cells — expected a header line "
                        "and rows of numbers")
    return numbered
