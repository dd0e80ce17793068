"""A bpstudio network as a PyTorch script: predict with it, and keep training it where bpstudio left
off — in one process, on a GPU, or across processes and machines with torchrun.

    python THIS.py --help
    python THIS.py predict DATA.csv [--out PREDICTIONS.csv]
    python THIS.py train DATA.csv --epochs N --out NEW.safetensors [--device auto|cpu|cuda]
                         [--batch-size B] [--lr LR] [--val VALIDATION.csv] [--weights FILE]
    torchrun --nproc_per_node=K THIS.py train DATA.csv --epochs N --out NEW.safetensors

It needs torch, numpy and safetensors — not bpstudio. Its weights are the file WEIGHTS_FILE beside
it, and it runs only with the weights it was exported with (their SHA-256 is WEIGHTS_SHA256): a
script and weights from two different exports are refused, never run together.

Training continues exactly as bpstudio trains: the same input scaling and target encoding, the cost
averaged over each batch, the optimizer with its settings and state, the batch size, the sample order
(bpstudio's shuffling generator continues), L2 on the weights only and the learning-rate decay.
Under torchrun every process takes its share of each global batch and DistributedDataParallel
averages the gradients, so K processes take the same steps as one.

NEW.safetensors is a complete bpstudio model file — open it in bpstudio (Import weights, `bpstudio
predict`, `bpstudio.load_model`) and its cost curve continues — or go on with `--weights NEW.safetensors`.

From Python, when the file name is a valid module name (say iris_model.py):

    import iris_model as m
    m.predict(X)            # features (N, len(m.FEATURES)) → probabilities, or values in the targets' units
                            # (a model with an encoder takes them encoded: m.read_features reads a CSV's rows)
    m.model                 # torch.nn.Sequential: scaled features → logits z (the output activation is in loss)
    m.loss(m.model(m.scale_inputs(X)), Y)    # bpstudio's cost, averaged over the batch; Y as m.encode_targets makes it
    m.make_optimizer()      # bpstudio's optimizer and settings (L2 on the weights only)
"""

import argparse
import calendar
import csv
import datetime
import hashlib
import io
import itertools
import json
import math
import os
import signal
import stat
import sys
import tempfile
import time
import warnings
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load as load_safetensors
    from safetensors.torch import save as save_safetensors
except ImportError as error:
    _NEEDED = (f"this script needs the Python package {(error.name or 'torch').split('.')[0]!r} "
               "(it uses torch, numpy and safetensors): pip install torch numpy safetensors")
    if __name__ == "__main__":
        print(f"error: {_NEEDED}", file=sys.stderr)
        sys.exit(2)
    raise ImportError(_NEEDED) from None

# ---- bpstudio: exported constants (every value is written with repr) ----
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_SHA256 = ""
METADATA = {}
SETTINGS = {}
# ---- end of exported constants ----

FEATURES = METADATA.get("feature_names", [])
CLASSES = METADATA.get("class_names", [])
TARGETS = METADATA.get("target_names", [])
SIZES = METADATA.get("sizes", [])
ACTIVATIONS = METADATA.get("activations", [])
DTYPE = {"float64": torch.float64, "float32": torch.float32}[METADATA.get("dtype", "float64")]
X_OFFSET = np.array(METADATA.get("x_scaler", {}).get("offset") or [0.0] * len(FEATURES))
X_SCALE = np.array(METADATA.get("x_scaler", {}).get("scale") or [1.0] * len(FEATURES))
Y_SCALER = METADATA.get("y_scaler")   # a regression's target scaling, undone by predict
ENCODER = METADATA.get("encoder")     # raw columns → inputs: categories, missing cells, dates (encode_column)
INPUT_COLUMNS = [column["name"] for column in ENCODER["columns"]] if ENCODER else FEATURES
IS_CLASSIFIER = METADATA.get("task") == "classification"
EXIT_BAD_INPUT = 2


class Refused(ValueError):
    """Bad input: shown as one ``error:`` line, exit status 2."""


# --- the network ---------------------------------------------------------------------------------

_HIDDEN = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
           "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "linear": torch.nn.Identity}
_OUTPUT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "linear": lambda z: z,
           "softmax": lambda z: torch.softmax(z, dim=-1)}


def build_model():
    """Linear, activation, Linear, …, Linear: scaled features → logits z (state dict keys 0.weight, 0.bias, 2.weight …)."""
    layers = []
    for l, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=DTYPE))
        if l < len(SIZES) - 2:
            layers.append(_HIDDEN[ACTIVATIONS[l]]())
    return torch.nn.Sequential(*layers)


def output_activation(z):
    return _OUTPUT[ACTIVATIONS[-1]](z)


def sample_costs(z, y, cost=None):
    """bpstudio's cost of every sample (a vector) from the logits z and the targets y.

    sse Σⱼ(aⱼ − yⱼ)² (half_sse halved), mse and half_mse its mean over the outputs (half_mse halved), bce the mean binary
    cross-entropy of the outputs, cross_entropy −Σⱼ yⱼ log softmax(z)ⱼ; the log costs work from z."""
    cost = cost or SETTINGS["cost"]
    if cost == "bce":
        return F.binary_cross_entropy_with_logits(z, y, reduction="none").mean(dim=1)
    if cost == "cross_entropy":
        return -(y * torch.log_softmax(z, dim=1)).sum(dim=1)
    squared = (output_activation(z) - y) ** 2
    return {"sse": squared.sum(dim=1), "half_sse": 0.5 * squared.sum(dim=1), "mse": squared.mean(dim=1),
            "half_mse": 0.5 * squared.mean(dim=1)}[cost]


def loss(z, y):
    """bpstudio's cost averaged over the batch, as its gradient is."""
    return sample_costs(z, y).mean()


def make_optimizer(net=None, settings=None, lr=None):
    """bpstudio's optimizer with its settings; L2 (weight decay, added to the gradient) on the weights only."""
    net, s = net or model, settings or SETTINGS
    named = list(net.named_parameters())
    groups = [{"params": [p for name, p in named if name.endswith("weight")], "weight_decay": s["l2"]},
              {"params": [p for name, p in named if name.endswith("bias")], "weight_decay": 0.0}]
    lr = s["learning_rate"] if lr is None else lr
    if s["optimizer"] in ("momentum", "nesterov"):
        return torch.optim.SGD(groups, lr=lr, momentum=s["momentum"], nesterov=s["optimizer"] == "nesterov")
    if s["optimizer"] == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, alpha=s["alpha"], eps=s["eps"])
    if s["optimizer"] == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=tuple(s["betas"]), eps=s["eps"])
    return torch.optim.SGD(groups, lr=lr)


# Per-parameter optimizer state, stored in model files as tensors "optimizer.<buffer>.<parameter>".
_BUFFERS = {"sgd": (), "momentum": ("momentum_buffer",), "nesterov": ("momentum_buffer",),
            "rmsprop": ("square_avg",), "adam": ("exp_avg", "exp_avg_sq")}


def has_optimizer_state(tensors, net, name):
    return all(f"optimizer.{buffer}.{key}" in tensors for key, _ in net.named_parameters() for buffer in _BUFFERS[name])


def restore_optimizer_state(optimizer, net, tensors, steps, name):
    """Give the optimizer bpstudio's buffers and step count (Adam's bias correction needs the count)."""
    for key, p in net.named_parameters():
        state = {buffer: tensors[f"optimizer.{buffer}.{key}"].to(p.device, p.dtype).clone()
                 for buffer in _BUFFERS[name]}
        if name in ("adam", "rmsprop"):
            state["step"] = torch.tensor(float(steps))
        optimizer.state[p] = state


def optimizer_tensors(optimizer, net, name):
    """The optimizer's buffers as model-file tensors (zeros before its first step, as in bpstudio)."""
    tensors = {}
    for key, p in net.named_parameters():
        for buffer in _BUFFERS[name]:
            value = optimizer.state.get(p, {}).get(buffer)
            tensors[f"optimizer.{buffer}.{key}"] = torch.zeros_like(p) if value is None else value.detach()
    return tensors


# --- model files ---------------------------------------------------------------------------------


def read_model_file(path, sha256=None):
    """(tensors, header) of a .safetensors model file; with ``sha256`` its content must have that hash."""
    data = read_regular_file(path)
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise Refused(f"{path}: these are not the weights this script was exported with (their SHA-256 differs) — "
                      f"the script and its weights come from different exports; export the model from bpstudio "
                      f"again, or start from another model file of this network with --weights FILE")
    try:
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")]).get("__metadata__") or {}
        return load_safetensors(data), header
    except Exception as e:  # noqa: BLE001 — a damaged file can make the parser raise anything
        raise Refused(f"{path}: not a readable .safetensors model file ({type(e).__name__}: {e})") from None


def read_regular_file(path):
    """The bytes of a regular file (a FIFO or a device would block or never end)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise Refused(f"{path}: not a regular file")
        return Path(path).read_bytes()
    except OSError as e:
        raise Refused(f"{path}: cannot read the file: {e.strerror or e}") from None


_CONTRACT = ("sizes", "activations", "dtype", "task", "feature_names", "class_names", "target_names",
             "encoder", "x_scaler", "y_scaler")
_SAME_RULES = ("cost", "optimizer", "momentum", "betas", "alpha", "eps", "l2", "lr_decay", "shuffle", "seed")


def check_same_model(path, header):
    """A file given with --weights must hold this network, with the same data encoding and training rules."""
    meta, mine = decode_header(header), as_json(METADATA)
    for key in _CONTRACT:
        if meta.get(key) != mine.get(key):
            raise Refused(f"{path}: not a model of this network: its {key!r} differs from the script's "
                          f"(export that model as its own script from bpstudio)")
    config, settings = meta.get("config") or {}, as_json(SETTINGS)
    for key in _SAME_RULES:
        if key in config and config[key] != settings[key]:
            raise Refused(f"{path}: trained with a different {key} ({config[key]!r}, the script has "
                          f"{SETTINGS[key]!r}); export that model as its own script from bpstudio")


def as_json(value):
    """``value`` as it reads back from JSON (tuples become lists), to compare with a file's header."""
    return json.loads(json.dumps(value))


_TEXT_FIELDS = ("target_column", "format", "dtype", "init", "task")   # plain text; every other field is JSON


def decode_header(header):
    return {key: value if key in _TEXT_FIELDS else json.loads(value) for key, value in header.items()
            if key not in ("output_activation", "torch_sequential")}


def load_weights(net, tensors, path):
    params = {key: value for key, value in tensors.items() if not key.startswith("optimizer.")}
    try:
        net.load_state_dict({key: value.to(DTYPE) for key, value in params.items()}, strict=True)
    except RuntimeError as e:
        raise Refused(f"{path}: the weights do not fit this network: {' '.join(str(e).split())}") from None


def model_file_bytes(net, header, updates):
    """A bpstudio .safetensors model file: the header of the file we started from, with ``updates``
    (JSON-encoded) — so fields this script does not know pass through unchanged."""
    tensors = {key: value.detach().to("cpu").contiguous() for key, value in net.state_dict().items()}
    tensors.update({key: value.to("cpu").contiguous() for key, value in updates.pop("tensors").items()})
    header = dict(header)
    header.update({key: json.dumps(value, allow_nan=False) for key, value in updates.items()})
    return save_safetensors(tensors, metadata=header)


def check_output(out):
    """Refuse before training an --out that could not be written: its folder must take a new file, and
    an existing --out must be a regular file (a link, a device or a FIFO is never replaced)."""
    path = Path(out)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise Refused(f"--out {out}: not a regular file (a link, a device or a folder); name a new .safetensors file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise Refused(f"--out {out}: cannot write in the folder {path.parent}: {e.strerror or e}") from None


def write_atomically(path, data):
    """Replace ``path`` only once the new content is complete on disk; a new file gets the umask's mode."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- data ------------------------------------------------------------------------------------------

MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}


def read_text(path):
    """(text, delimiter) of a CSV file: UTF-8, or UTF-16/32 with a byte-order mark; the delimiter , ; tab
    or | that the header line uses most."""
    raw = read_regular_file(path)
    boms = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
            (b"\xfe\xff", "utf-16"))
    encoding = next((name for bom, name in boms if raw.startswith(bom)), "utf-8-sig")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise Refused(f"{path}: not a text file in {encoding} (byte {e.start + 1})") from None
    first = text.split("\n", 1)[0]
    return text, max(",;\t|", key=first.count) if any(d in first for d in ",;\t|") else ","


def read_header(text, delimiter):
    return [name.strip() for name in next(csv.reader(text.splitlines()[:1], delimiter=delimiter), [])]


def read_csv(path, text, delimiter):
    """(header, rows, line numbers) of a CSV file's text, cell by cell (blank lines skipped)."""
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    rows, lines = [], []
    for row in reader:
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                raise Refused(f"{path}: line {reader.line_num}: {len(row)} cells, the header has {len(header)}")
            rows.append(row)
            lines.append(reader.line_num)
    if not rows:
        raise Refused(f"{path}: no data rows below the header line")
    return header, rows, lines


def fast_columns(text, delimiter, columns, dtype):
    """``columns`` of a CSV file's text read by numpy.loadtxt (C speed, 8 bytes a number), or None when a
    cell needs a closer look (missing, not a number, a ragged row): then the cell-by-cell path names it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # loadtxt's note that it skips blank lines
            values = np.loadtxt(io.StringIO(text), delimiter=delimiter, skiprows=1, usecols=columns, dtype=dtype,
                                ndmin=2, comments=None, quotechar='"')
    except (ValueError, IndexError):
        return None
    if dtype is str:
        return np.char.strip(values)
    return values if np.isfinite(values).all() and len(values) else None


def column_index(path, header, name):
    if name not in header:
        raise Refused(f"{path}: line 1: no column named {name!r} (the columns are: {', '.join(header)})")
    return header.index(name)


def numbers(path, header, rows, lines, columns):
    """The cells of ``columns`` as a float64 matrix; a cell that is not a finite number is named."""
    cells = [[row[j].strip() for j in columns] for row in rows]
    try:
        values = np.array(cells, dtype=np.float64).reshape(len(rows), len(columns))
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    for cell_row, line in zip(cells, lines):   # find the first bad cell, to name it
        for cell, j in zip(cell_row, columns):
            if not math.isfinite(_float_or_nan(cell)):
                what = "missing" if cell.lower() in MISSING else f"{cell!r} is not a finite number"
                raise Refused(f"{path}: line {line}, column {j + 1} ({header[j]}): {what} "
                              f"(fill or remove it, or pass --drop-missing)")
    raise AssertionError("unreachable: a bad cell was detected but not found")


def _float_or_nan(cell):
    try:
        return float(cell)
    except ValueError:
        return math.nan


def drop_rows(rows, lines, columns):
    """The rows (and their line numbers) without a missing cell in ``columns``."""
    keep = [i for i, row in enumerate(rows) if not any(row[j].strip().lower() in MISSING for j in columns)]
    return [rows[i] for i in keep], [lines[i] for i in keep]


def read_features(path, header, rows, lines):
    """The network's inputs before scaling: the feature columns as numbers, or the encoder's raw columns
    encoded as bpstudio encodes them (see encode_column)."""
    if not ENCODER:
        return numbers(path, header, rows, lines, [column_index(path, header, name) for name in FEATURES])
    unseen = {}
    blocks = [encode_column(path, header, rows, lines, column, unseen) for column in ENCODER["columns"]]
    for (name, value), (line, count) in unseen.items():
        print(f"warning: {path}: line {line}, column {name!r}: category {value!r} was not in the training data "
              f"— encoded as all zeros" + (f" ({count} rows)" if count > 1 else ""), file=sys.stderr)
    return np.column_stack(blocks) if blocks else np.zeros((len(rows), 0))


def encode_column(path, header, rows, lines, column, unseen):
    """One raw column as bpstudio's encoder makes it. A missing cell takes the training split's fill
    value; a number is one input; a category one 0/1 input per category seen in training (a category
    never seen is all zeros, and reported through ``unseen``); a date three (see date_inputs)."""
    j = column_index(path, header, column["name"])
    cells = [row[j].strip() for row in rows]
    present = [None if cell.lower() in MISSING else cell for cell in cells]
    if column["kind"] == "number":
        values = np.array([column["fill"] if cell is None else _float_or_nan(cell) for cell in present])
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise Refused(f"{path}: line {lines[bad[0]]}, column {j + 1} ({header[j]}): {cells[bad[0]]!r} is not a number")
        return values.reshape(len(rows), 1)
    texts = np.array([column["fill"] if cell is None else cell for cell in present], dtype=str).reshape(len(rows))
    if column["kind"] == "date":
        return date_inputs(path, header, j, texts, lines)
    categories = np.asarray(column["categories"], dtype=str)
    onehot = (texts[:, None] == categories[None, :]).astype(np.float64)
    for i in np.flatnonzero(onehot.sum(axis=1) == 0):
        unseen.setdefault((column["name"], str(texts[i])), [lines[i], 0])[1] += 1
    return onehot.reshape(len(rows), len(categories))


def date_inputs(path, header, j, texts, lines):
    """(N, 3) per date: the year, and sin and cos of 2π·(day of the year − 1)/(days in that year), so that
    31 December sits next to 1 January. Dates read as 2012-01-31 or 2012/1/31 (a time after it is ignored)."""
    out, known = np.empty((len(texts), 3)), {}
    for i, text in enumerate(texts):
        if text not in known:
            try:
                year, month, day = (int(part) for part in text.replace("T", " ").split(" ")[0].replace("/", "-").split("-"))
                date = datetime.date(year, month, day)
            except ValueError:
                raise Refused(f"{path}: line {lines[i]}, column {j + 1} ({header[j]}): {str(text)!r} is not a date — "
                              f"expected 2012-01-31 or 2012/01/31") from None
            angle = 2 * math.pi * (date.timetuple().tm_yday - 1) / (366 if calendar.isleap(year) else 365)
            known[text] = (year, math.sin(angle), math.cos(angle))
        out[i] = known[text]
    return out


def class_name(cell):
    """A class cell as bpstudio names classes: text as it is; whole numbers without a decimal point."""
    value = _float_or_nan(cell)
    if not math.isfinite(value):
        return cell
    return str(int(value)) if value.is_integer() else repr(value)


def target_columns(path, header, target):
    """The target column(s): --target, else the model's target column (bpstudio's default: the last
    column that is not an input)."""
    if target:
        return [column_index(path, header, target)]
    if METADATA.get("target_column"):
        return [column_index(path, header, METADATA["target_column"])]
    if not IS_CLASSIFIER:
        return [column_index(path, header, name) for name in TARGETS]
    others = [j for j, name in enumerate(header) if name not in INPUT_COLUMNS]
    if not others:
        raise Refused(f"{path}: no target column besides the inputs; name it with --target COLUMN")
    return others[-1:]


def encode_targets(path, header, rows, lines, columns):
    """Targets as the network's outputs: one-hot rows of CLASSES (one column for a single sigmoid output,
    1 for CLASSES[1]); or a regression's values, scaled as bpstudio scaled them."""
    if not IS_CLASSIFIER:
        Y = numbers(path, header, rows, lines, columns)
        return (Y - np.array(Y_SCALER["offset"])) / np.array(Y_SCALER["scale"]) if Y_SCALER else Y
    j, index = columns[0], {name: k for k, name in enumerate(CLASSES)}
    names = [class_name(row[j].strip()) for row in rows]
    unknown = [i for i, name in enumerate(names) if name not in index]
    if unknown:
        i = unknown[0]
        raise Refused(f"{path}: line {lines[i]}, column {j + 1} ({header[j]}): class {names[i]!r} is not one of "
                      f"the model's classes ({', '.join(CLASSES)})")
    Y = np.eye(len(CLASSES))[[index[name] for name in names]].reshape(len(rows), len(CLASSES))
    return Y[:, 1:] if SIZES[-1] == 1 else Y


def read_training_data(path, target, drop):
    """(scaled inputs, targets) of a CSV file. Rows without a target are left out, as bpstudio leaves
    them out; with ``drop`` (--drop-missing) so are rows with a missing input."""
    text, delimiter = read_text(path)
    header = read_header(text, delimiter)
    targets = target_columns(path, header, target)
    fast = None if ENCODER else fast_training_data(path, text, delimiter, header, targets)
    if fast is not None:
        return fast
    header, rows, lines = read_csv(path, text, delimiter)
    n = len(rows)
    rows, lines = drop_rows(rows, lines, targets)
    if drop:
        rows, lines = drop_rows(rows, lines, [column_index(path, header, name) for name in INPUT_COLUMNS])
    _say_left_out(path, n - len(rows), "cell" if drop else "target")
    if not rows:
        raise Refused(f"{path}: no rows left to train on")
    return scale_inputs(read_features(path, header, rows, lines)), \
        torch.as_tensor(encode_targets(path, header, rows, lines, targets), dtype=DTYPE)


def fast_training_data(path, text, delimiter, header, targets):
    """read_training_data for a clean file of number features, vectorized; None if it is not that simple."""
    X = fast_columns(text, delimiter, [column_index(path, header, name) for name in FEATURES], np.float64)
    if X is None:
        return None
    if not IS_CLASSIFIER:
        Y = fast_columns(text, delimiter, targets, np.float64)
        if Y is None or len(Y) != len(X):
            return None
        Y = (Y - np.array(Y_SCALER["offset"])) / np.array(Y_SCALER["scale"]) if Y_SCALER else Y
        return scale_inputs(X), torch.as_tensor(Y, dtype=DTYPE)
    cells = fast_columns(text, delimiter, targets, str)
    if cells is None or len(cells) != len(X):
        return None
    present = ~np.isin(np.char.lower(cells[:, 0]), list(MISSING))
    names, inverse = np.unique(cells[present, 0], return_inverse=True)
    index = {name: k for k, name in enumerate(CLASSES)}
    classes = [index.get(class_name(str(name))) for name in names]
    if None in classes or not present.any():
        return None   # the cell-by-cell path names the unknown class's line
    _say_left_out(path, int((~present).sum()), "target")
    Y = np.eye(len(CLASSES))[np.array(classes)[inverse.reshape(-1)]]
    return scale_inputs(X[present]), torch.as_tensor(Y[:, 1:] if SIZES[-1] == 1 else Y, dtype=DTYPE)


def _say_left_out(path, count, what):
    if count:
        print(f"{path}: left out {count} row{'s' if count > 1 else ''} with a missing {what}", file=sys.stderr)


def scale_inputs(X):
    """Features (NumPy, N × len(FEATURES), encoded when the model has an encoder) → the scaled tensor `model` expects."""
    return torch.as_tensor((np.asarray(X, dtype=np.float64) - X_OFFSET) / X_SCALE, dtype=DTYPE)


def predict(X, net=None):
    """Features (N, len(FEATURES)), unscaled → probabilities, or values in the targets' units (NumPy)."""
    net = net or model
    with torch.no_grad():
        x = scale_inputs(X).to(next(net.parameters()).device)
        a = output_activation(net(x)).cpu().numpy().astype(np.float64)
    return a * np.array(Y_SCALER["scale"]) + np.array(Y_SCALER["offset"]) if Y_SCALER else a


# --- training --------------------------------------------------------------------------------------


class Processes:
    """This process's place among torchrun's processes (WORLD_SIZE, RANK and LOCAL_RANK come from torchrun),
    or a single process; the device and the process group (gloo on CPU, nccl on CUDA)."""

    def __init__(self, device, threads=None):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "cuda" and not torch.cuda.is_available():
            raise Refused("--device cuda: no CUDA device is available to PyTorch here (use --device cpu)")
        cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
        self.device = torch.device(f"cuda:{local % torch.cuda.device_count()}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            torch.distributed.init_process_group("nccl" if cuda else "gloo")
        self.is_main = self.rank == 0
        self.threads = choose_threads(threads)

    def __str__(self):
        return (f"on {self.device} ({self.world} process{'es' if self.world > 1 else ''}, "
                f"{self.threads} thread{'s' if self.threads > 1 else ''} each)")

    def total(self, value):
        """The sum of ``value`` (a tensor) over every process."""
        if self.world > 1:
            torch.distributed.all_reduce(value)
        return value

    def any(self, flag):
        """True on every process when ``flag`` is true on any (all processes stop at the same batch)."""
        if self.world == 1:
            return flag
        return bool(self.total(torch.tensor([float(flag)], device=self.device)).item())

    def close(self):
        if self.world > 1:
            torch.distributed.destroy_process_group()


def choose_threads(requested):
    """CPU threads per process: --threads, else OMP_NUM_THREADS (torchrun sets 1), else 1 for small layers
    (under 65,536 weights: PyTorch's threads cost more than they save there — measured 8× slower with
    2 threads on a 10 → 64 → 64 → 2 network), else PyTorch's default."""
    if requested:
        torch.set_num_threads(requested)
    elif "OMP_NUM_THREADS" not in os.environ and max(a * b for a, b in itertools.pairwise(SIZES)) < 65536:
        torch.set_num_threads(1)
    return torch.get_num_threads()


class StopRequest:
    """Ctrl-C (SIGINT) or SIGTERM asks training to stop after the current batch; a second Ctrl-C stops at once."""

    def __init__(self):
        self.requested = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request)

    def _request(self, signum, frame):
        self.requested = True
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)


def batch_shards(order, batch_size, processes):
    """This process's share of every batch, in bpstudio's order: process r takes the samples r, r + K, …
    of each batch of ``batch_size`` (K processes), with the batch's size (the mean is over the whole batch)."""
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        yield torch.as_tensor(batch[processes.rank::processes.world]), len(batch)


def correct_count(z, y):
    """Rows whose predicted class is the target's (argmax, or a > 0.5 for one output)."""
    if y.shape[1] == 1:
        return ((output_activation(z) > 0.5) == (y > 0.5)).sum()
    return (z.argmax(dim=1) == y.argmax(dim=1)).sum()


def run_epoch(step_net, optimizer, X, Y, order, batch_size, processes, stop, show):
    """One epoch: (batches done, mean cost, accuracy) of the samples as the network saw them; the cost
    is None when a stop was requested (every process stops at the same batch).

    Each process's loss is its samples' cost sum × K / (batch size): DistributedDataParallel averages
    the K gradients, so every step is bpstudio's gradient of the batch mean."""
    cost_sum = torch.zeros((), dtype=torch.float64, device=X.device)
    correct = torch.zeros((), dtype=torch.float64, device=X.device)
    n_batches = -(-len(order) // batch_size)
    for b, (rows, n_batch) in enumerate(batch_shards(order, batch_size, processes)):
        if processes.any(stop.requested):
            return b, None, None
        rows = rows.to(X.device)
        x, y = X[rows], Y[rows]
        z = step_net(x)
        costs = sample_costs(z, y)
        optimizer.zero_grad()
        (costs.sum() * (processes.world / n_batch)).backward()
        optimizer.step()
        cost_sum += costs.detach().sum()
        correct += correct_count(z.detach(), y)
        show(b + 1, n_batches)
    totals = processes.total(torch.stack([cost_sum, correct])).tolist()
    return n_batches, totals[0] / len(order), totals[1] / len(order)


def evaluate(net, X, Y):
    """(cost, accuracy) over a whole data set, in chunks."""
    cost_sum, correct = 0.0, 0.0
    with torch.no_grad():
        for start in range(0, len(X), 4096):
            z = net(X[start:start + 4096])
            cost_sum += sample_costs(z, Y[start:start + 4096]).sum().item()
            correct += correct_count(z, Y[start:start + 4096]).item()
    return cost_sum / len(X), correct / len(X)


def batch_size_for(settings, n_samples):
    mode = settings["batch_mode"]
    return 1 if mode == "stochastic" else n_samples if mode == "full" else min(settings["batch_size"], n_samples)


def shuffling(settings, saved):
    """bpstudio's shuffling generator: continued from the saved state, or fresh from the seed."""
    rng = np.random.default_rng(settings["seed"])
    if saved:
        rng.bit_generator.state = saved
    return rng


def accuracy_counts(Y):
    """Accuracy is kept when outputs are probabilities of classes, as in bpstudio."""
    return IS_CLASSIFIER and ACTIVATIONS[-1] in ("sigmoid", "softmax")


class History:
    """bpstudio's per-epoch history (continued) and its last-epoch summary."""

    SERIES = ("epoch", "train_cost", "val_cost", "train_accuracy", "val_accuracy", "time", "samples_per_s")

    def __init__(self, saved, summary):
        saved = saved or {}
        self.series = {name: list(saved.get(name, [])) for name in self.SERIES}
        self.epochs = len(self.series["epoch"]) or int((summary or {}).get("epochs") or 0)
        self.time = self.series["time"][-1] if self.series["time"] else float((summary or {}).get("time") or 0.0)
        self.stop_reason = "completed"

    def add(self, train_cost, val_cost, train_accuracy, val_accuracy, seconds, samples_per_s):
        self.epochs += 1
        self.time += seconds
        for name, value in zip(self.SERIES, (self.epochs, train_cost, val_cost, train_accuracy, val_accuracy,
                                             self.time, samples_per_s)):
            self.series[name].append(value if value is None or math.isfinite(value) else None)

    def summary(self):
        last = {name: values[-1] if values else None for name, values in self.series.items()}
        return {"epochs": self.epochs, "train_cost": last["train_cost"], "val_cost": last["val_cost"],
                "train_accuracy": last["train_accuracy"], "val_accuracy": last["val_accuracy"],
                "time": self.time, "samples_per_s": last["samples_per_s"], "stop_reason": self.stop_reason}

    def saved(self):
        return {**self.series, "stop_reason": self.stop_reason}


class Progress:
    """A progress line on stderr (redrawn ≤ 10×/s on a terminal, a plain line every 5 s in a log)."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.live = enabled and sys.stderr.isatty()
        self.last = 0.0
        self.epoch = (0, 0)

    def __call__(self, batch, batches):
        now = time.monotonic()
        if not self.enabled or now - self.last < (0.1 if self.live else 5.0):
            return
        self.last = now
        done, total = self.epoch
        filled = int(24 * (done + batch / batches) / total)
        line = f"[{'#' * filled}{'.' * (24 - filled)}] epoch {done + 1}/{total}, batch {batch}/{batches}"
        sys.stderr.write(f"\r{line}" if self.live else f"{line}\n")
        sys.stderr.flush()

    def clear(self):
        if self.live:
            sys.stderr.write("\r" + " " * 72 + "\r")


class Start:
    """The model file a run starts from: WEIGHTS_FILE beside the script (refused unless its SHA-256 is
    WEIGHTS_SHA256), or a file given with --weights (refused unless it is a model of this network)."""

    def __init__(self, weights=None):
        self.path = Path(weights) if weights else Path(__file__).with_name(WEIGHTS_FILE)
        self.tensors, self.header = read_model_file(self.path, None if weights else WEIGHTS_SHA256)
        if weights:
            check_same_model(self.path, self.header)
        meta = decode_header(self.header)
        self.settings = {**SETTINGS, **(meta.get("config") or {})}
        self.state = meta.get("training_state") or {}   # optimizer, shuffling, history (see Run)
        self.summary = meta.get("history")


class Run:
    """A training run continued from a ``Start``: the network on this process's device, the optimizer
    with bpstudio's state, the shuffling generator and the history. ``epoch`` trains one more epoch."""

    def __init__(self, start, settings, lr, processes):
        self.start, self.settings, self.processes = start, settings, processes
        self.net = build_model()
        load_weights(self.net, start.tensors, start.path)
        self.net.to(processes.device)
        self.history = History(start.state.get("history"), start.summary)
        self.optimizer = make_optimizer(self.net, settings, lr or self._saved_lr())
        self.steps = self._restore_optimizer()
        self.rng = shuffling(settings, start.state.get("rng"))
        self.step_net = self.net   # under torchrun, the same network wrapped to average the gradients
        if processes.world > 1:
            cuda = processes.device.type == "cuda"
            self.step_net = torch.nn.parallel.DistributedDataParallel(self.net, [processes.device] if cuda else None)

    def _saved(self):
        """The saved optimizer state, if it is this optimizer's."""
        saved = self.start.state.get("optimizer") or {}
        return saved if saved.get("name") == self.settings["optimizer"] else {}

    def _saved_lr(self):
        """The learning rate the run had reached: saved with its optimizer, or decayed once per epoch done."""
        if "lr" in self._saved():
            return float(self._saved()["lr"])
        lr = self.settings["learning_rate"]
        for _ in range(self.history.epochs):
            lr *= self.settings["lr_decay"]
        return lr

    def _restore_optimizer(self):
        """The step count the optimizer continues from (0: it starts afresh, as bpstudio's would)."""
        name, tensors = self.settings["optimizer"], self.start.tensors
        steps = int(self._saved().get("t", 0))
        if not (steps and has_optimizer_state(tensors, self.net, name)):
            return 0
        restore_optimizer_state(self.optimizer, self.net, tensors, steps, name)
        return steps

    def epoch(self, X, Y, val, stop, show):
        """Train one epoch and record it (True), or stop inside it (False); a stop or a diverged cost sets
        ``history.stop_reason``."""
        settings, started = self.settings, time.perf_counter()
        order = self.rng.permutation(len(X)) if settings["shuffle"] else np.arange(len(X))
        batch_size = batch_size_for(settings, len(X))
        batches, train_cost, train_accuracy = run_epoch(self.step_net, self.optimizer, X, Y, order, batch_size,
                                                        self.processes, stop, show)
        self.steps += batches
        if train_cost is None:
            self.history.stop_reason = "stopped"
            return False
        seconds = time.perf_counter() - started
        val_cost, val_accuracy = evaluate(self.net, *val) if val else (math.nan, math.nan)
        if not accuracy_counts(Y):
            train_accuracy = val_accuracy = math.nan
        self.history.add(train_cost, val_cost, train_accuracy, val_accuracy, seconds, len(X) / max(seconds, 1e-9))
        if not math.isfinite(train_cost):
            self.history.stop_reason = f"diverged at epoch {self.history.epochs}: the cost became {train_cost}"
        for group in self.optimizer.param_groups:
            group["lr"] *= settings["lr_decay"]
        return True

    def save(self, out):
        """Write the run as a bpstudio model file (the header we started from, brought up to date)."""
        name = self.settings["optimizer"]
        state = {"optimizer": {"name": name, "t": self.steps, "lr": self.optimizer.param_groups[0]["lr"]},
                 "rng": self.rng.bit_generator.state, "history": self.history.saved()}
        write_atomically(out, model_file_bytes(self.net, self.start.header, {
            "tensors": optimizer_tensors(self.optimizer, self.net, name), "config": self.settings,
            "history": self.history.summary(), "training_state": state}))


def train_command(args):
    processes = Processes(args.device, args.threads)
    try:
        return _train(args, processes)
    finally:
        processes.close()


def _train(args, processes):
    check_output(args.out)
    start = Start(args.weights)
    settings = dict(start.settings)
    if args.batch_size:
        settings.update(batch_mode="mini-batch", batch_size=args.batch_size)
    data = [read_training_data(path, args.target, args.drop_missing) for path in (args.data, args.val) if path]
    (X, Y), *val = [tuple(t.to(processes.device) for t in pair) for pair in data]
    run = Run(start, settings, args.lr, processes)
    stop, show = StopRequest(), Progress(processes.is_main and not args.quiet)
    say = print if processes.is_main else lambda *a, **k: None
    lr, batch_size = run.optimizer.param_groups[0]["lr"], batch_size_for(settings, len(X))
    say(f"{args.data}: {len(X)} samples; {settings['optimizer']}, learning rate {lr:.6g}, batches of {batch_size}; "
        f"{processes}", file=sys.stderr)
    for epoch in range(args.epochs):
        show.epoch = (epoch, args.epochs)
        recorded = run.epoch(X, Y, val[0] if val else None, stop, show)
        show.clear()
        if recorded:
            say(_epoch_line(run.history, epoch + 1, args.epochs), flush=True)
        if run.history.stop_reason != "completed":
            break
    reason = run.history.stop_reason
    if reason.startswith("diverged"):
        say(f"error: {reason} — not saved {args.out}; lower the learning rate (--lr)", file=sys.stderr)
        return 1
    if processes.is_main:
        run.save(args.out)
    why = " (stopped by Ctrl-C)" if reason == "stopped" else ""
    say(f"saved {args.out}: {run.history.epochs} epochs in all{why}", file=sys.stderr)
    return 0


def _epoch_line(history, epoch, epochs):
    last = {name: values[-1] for name, values in history.series.items()}
    line = f"epoch {history.epochs} ({epoch}/{epochs})  cost {last['train_cost']:.6g}"
    if last["val_cost"] is not None:
        line += f"  validation {last['val_cost']:.6g}"
    if last["train_accuracy"] is not None:
        line += f"  accuracy {100 * last['train_accuracy']:.1f} %"
    return line


# --- predict ---------------------------------------------------------------------------------------


def predict_command(args):
    start = Start(args.weights)
    load_weights(model, start.tensors, start.path)
    text, delimiter = read_text(args.data)
    columns = None if ENCODER else [column_index(args.data, read_header(text, delimiter), name) for name in FEATURES]
    X = None if ENCODER else fast_columns(text, delimiter, columns, np.float64)
    if X is None:
        X = read_features(args.data, *read_csv(args.data, text, delimiter))
    text = prediction_csv(predict(X))
    if args.out:
        write_atomically(args.out, text.encode("utf-8"))
        print(f"wrote {len(X)} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def prediction_csv(outputs):
    """As `bpstudio predict` writes it: the predicted class and a probability per class, or the values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if IS_CLASSIFIER:
        probabilities = np.hstack([1 - outputs, outputs]) if outputs.shape[1] == 1 else outputs
        writer.writerow(["predicted"] + [f"p({name})" for name in CLASSES])
        for row in probabilities:
            writer.writerow([CLASSES[int(row.argmax())]] + [f"{p:.6g}" for p in row])
    else:
        writer.writerow(TARGETS)
        writer.writerows([[f"{v:.8g}" for v in row] for row in outputs])
    return buffer.getvalue()


# --- command line ----------------------------------------------------------------------------------


def parse_args(argv):
    me = Path(__file__).name
    parser = argparse.ArgumentParser(prog=me, description=(
        f"A bpstudio network ({' → '.join(map(str, SIZES))}, {', '.join(ACTIVATIONS)}) in PyTorch: predict, "
        f"or keep training it as bpstudio would. Weights: {WEIGHTS_FILE} beside this script."),
        epilog=f"Several processes: torchrun --nproc_per_node=K {me} train DATA.csv --epochs N --out NEW.safetensors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser("train", help="continue training on a CSV file, write a bpstudio model file")
    train.add_argument("data", metavar="DATA.csv", help=f"columns {', '.join(INPUT_COLUMNS)} and the target (by header name)")
    train.add_argument("--epochs", type=_whole, default=SETTINGS.get("epochs", 100), metavar="N")
    train.add_argument("--out", required=True, metavar="NEW.safetensors", help="the trained model (a bpstudio file)")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="default auto: CUDA if available")
    train.add_argument("--batch-size", type=_whole, metavar="B", help="samples per update (default: the exported settings)")
    train.add_argument("--lr", type=_positive, metavar="LR", help="learning rate from now on (default: where bpstudio left it)")
    train.add_argument("--val", metavar="VALIDATION.csv", help="report the validation cost after every epoch")
    train.add_argument("--target", metavar="COLUMN", help="target column (default: " + (METADATA.get("target_column")
                       or ", ".join(TARGETS) or "the last column that is not an input") + ")")
    train.add_argument("--drop-missing", action="store_true", help="drop rows with missing cells instead of failing")
    train.add_argument("--weights", metavar="FILE", help="start from this bpstudio .safetensors of the same network")
    train.add_argument("--threads", type=_whole, metavar="N", help="CPU threads per process (default: 1 for small "
                       "layers, where more are slower; else PyTorch's choice)")
    train.add_argument("--quiet", action="store_true", help="no progress line")
    train.set_defaults(run=train_command)
    predict_parser = commands.add_parser("predict", help="write predictions for a CSV file as CSV")
    predict_parser.add_argument("data", metavar="DATA.csv", help=f"columns {', '.join(INPUT_COLUMNS)} (by header name)")
    predict_parser.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    predict_parser.add_argument("--weights", metavar="FILE", help="a bpstudio .safetensors of the same network")
    predict_parser.set_defaults(run=predict_command)
    args = parser.parse_args(argv)
    if args.command == "train" and Path(args.out).suffix != ".safetensors":
        parser.error(f"--out {args.out}: the trained model is a .safetensors file")
    return args


def _whole(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return int(text)


def _positive(text):
    value = _float_or_nan(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except Refused as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"error: {e.filename or 'output'}: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nerror: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — a bug or a PyTorch failure (out of GPU memory …): one line
        print(f"error: {type(e).__name__}: {' '.join(str(e).split())[:500]}", file=sys.stderr)
        return 3


model = build_model()

if __name__ == "__main__":
    sys.exit(main())
else:   # imported: the exported weights, checked
    load_weights(model, read_model_file(Path(__file__).with_name(WEIGHTS_FILE), WEIGHTS_SHA256)[0], WEIGHTS_FILE)
