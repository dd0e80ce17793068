"""``bpstudio predict MODEL DATA``: predict with a saved model and write CSV."""

import csv
import io
import math
import sys

from bpstudio.cli.common import CliError, one_line


def add_parser(commands):
    predict = commands.add_parser("predict", help="predict with a saved model, write CSV",
                                  description="Predict with a saved model; DATA is a .csv file with the model's "
                                              "input columns (by header name), an .npz with an array X, or a "
                                              "built-in name. When a CSV file also has the target column, the "
                                              "scores (accuracy, precision/recall, confusion matrix; or R², RMSE, "
                                              "MAE) go to standard error.")
    predict.add_argument("model", metavar="MODEL", help="a model file (.npz .json .safetensors .onnx)")
    predict.add_argument("data", metavar="DATA")
    predict.add_argument("--out", metavar="FILE", help="write the CSV here instead of to standard output")
    predict.add_argument("--target", metavar="COL",
                         help="the CSV column holding the true targets (default: the model's target column)")
    missing = predict.add_mutually_exclusive_group()
    missing.add_argument("--impute", dest="drop_missing", action="store_false",
                         help="fill missing input cells with the values learned in training (default)")
    missing.add_argument("--drop-missing", dest="drop_missing", action="store_true",
                         help="leave out rows with a missing input cell (no prediction for them)")
    predict.set_defaults(run=run, drop_missing=False)


def run(args):
    from bpstudio.core.io.model_files import load_model

    model = load_model(args.model)
    if args.data.lower().endswith((".csv", ".tsv", ".txt")):
        outputs = _predict_csv(model, args)
    else:
        outputs = model.predict(_feature_rows(args.data))
    text = prediction_csv(model, outputs)
    if args.out:
        from bpstudio.core.io.atomic import write_text
        try:
            write_text(args.out, text)
        except OSError as e:  # its file name would be the temporary file's
            raise CliError(f"{args.out}: cannot write the file: {e.strerror or e}") from None
        print(f"wrote {len(outputs)} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def prediction_csv(model, outputs):
    """CSV text: for a classifier the predicted class and one probability column per class;
    for a regression one column per target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if model.is_classification:
        from bpstudio.core.train.metrics import predicted_classes
        probabilities = outputs if outputs.shape[1] > 1 else [[1 - p, p] for (p,) in outputs]
        writer.writerow(["predicted"] + [f"p({name})" for name in model.class_names])
        for label, row in zip(predicted_classes(outputs), probabilities):
            writer.writerow([model.class_names[label]] + [f"{p:.6g}" for p in row])
    else:
        writer.writerow(model.target_names)
        writer.writerows([[f"{v:.8g}" for v in row] for row in outputs])
    return buffer.getvalue()


def _feature_rows(source):
    """Raw feature rows from an .npz (array X) or a built-in name."""
    if source.lower().endswith(".npz"):
        return _read_npz_features(source)
    from bpstudio.core.data.loading import load_dataset
    return load_dataset(source).X


def _predict_csv(model, args):
    """Outputs for the rows of a CSV file, read as in training; notices and scores go to stderr."""
    from bpstudio.core.data.csv_reader import read_for_model
    from bpstudio.core.data.encoding import UnseenCategories

    kinds = model.encoder.input_kinds if model.encoder else ["number"] * len(model.input_names)
    table, y = read_for_model(args.data, model.input_names, kinds, args.target or model.target_column)
    if args.target and y is None:
        raise CliError(f"{args.data}: argument --target: no column named {args.target!r}")
    incomplete = table.missing().any(axis=1)
    if incomplete.any() and (args.drop_missing or model.encoder):
        what = "left out" if args.drop_missing else "filled with the values learned in training in"
        print(f"note: {what} {int(incomplete.sum())} rows with missing inputs", file=sys.stderr)
    if args.drop_missing:
        table, y = table.subset(~incomplete), (None if y is None else y[~incomplete])
    unseen = UnseenCategories()
    outputs = model.predict(table, on_unseen=unseen)
    for message in unseen.messages(table.where):
        print(f"warning: {message}", file=sys.stderr)
    if y is not None:
        _print_scores(model, outputs, y, table.lines)
    return outputs


def _print_scores(model, outputs, y, lines):
    """Scores on the rows whose target cell is filled; a class the model does not know is named."""
    from bpstudio.core.data.csv_layout import is_missing
    from bpstudio.core.train.evaluation import evaluate

    known = set(model.class_names)
    has = [not is_missing(cell) for cell in y]
    if model.is_classification:
        strange = [(line, cell) for line, cell, ok in zip(lines, y, has) if ok and cell not in known]
        if strange:
            print(f"note: line {strange[0][0]}: class {strange[0][1]!r} is not one the model knows; "
                  f"{len(strange)} such rows are not scored", file=sys.stderr)
        has = [ok and cell in known for cell, ok in zip(y, has)]
    else:
        has = [ok and _is_float(cell) for cell, ok in zip(y, has)]
    rows = [i for i, ok in enumerate(has) if ok]
    if not rows:
        return
    scored = evaluate(outputs[rows], model.targets([y[i] for i in rows]), model.task, model.class_names,
                      model.target_names)
    print(f"scores on the {len(rows)} rows with a target:", file=sys.stderr)
    for line in scored.lines():
        print(line, file=sys.stderr)


def _is_float(cell):
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def _read_npz_features(path):
    """The array X of an .npz archive: numeric, one row per sample, every value finite."""
    import numpy as np

    from bpstudio.core.io.safe_npz import load_arrays

    with open(path, "rb") as f:
        raw = f.read()
    try:
        arrays = load_arrays(raw)
    except Exception as e:  # noqa: BLE001 — zip and npy readers raise anything on corrupt bytes
        raise CliError(f"{path}: not a readable .npz archive ({one_line(e)})") from None
    if "X" not in arrays:
        raise CliError(f"{path}: no array named X (found: {', '.join(arrays) or 'none'})")
    X = arrays["X"]
    if X.dtype.kind not in "biuf" or X.ndim < 2 or not np.isfinite(X).all():
        raise CliError(f"{path}: X must hold finite numbers, one row per sample; got dtype {X.dtype}, shape {X.shape}")
    return X.reshape(len(X), -1)
