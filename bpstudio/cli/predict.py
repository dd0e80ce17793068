"""``bpstudio predict MODEL DATA``: predict with a saved model and write CSV."""

import csv
import io
import sys

from bpstudio.cli.common import CliError, one_line


def add_parser(commands):
    predict = commands.add_parser("predict", help="predict with a saved model, write CSV",
                                  description="Predict with a saved model; DATA is a .csv file with the model's "
                                              "feature columns (by header name), an .npz with an array X, or a built-in name.")
    predict.add_argument("model", metavar="MODEL", help="a model file (.npz .json .safetensors .onnx)")
    predict.add_argument("data", metavar="DATA")
    predict.add_argument("--out", metavar="FILE", help="write the CSV here instead of to standard output")
    predict.set_defaults(run=run)


def run(args):
    from bpstudio.core.io.model_files import load_model

    model = load_model(args.model)
    outputs = model.predict(_feature_rows(args.data, model.feature_names))
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


def _feature_rows(source, feature_names):
    """Raw feature rows from a CSV (columns picked by header name), an .npz (array X) or a built-in name."""
    lower = source.lower()
    if lower.endswith(".csv"):
        from bpstudio.core.data.csv_reader import read_features
        return read_features(source, feature_names)
    if lower.endswith(".npz"):
        return _read_npz_features(source)
    from bpstudio.core.data.loading import load_dataset
    return load_dataset(source).X


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
