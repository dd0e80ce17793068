"""What a model file's metadata and a project file's description may hold, checked when opened.

A file is data from anywhere: before any of it reaches a Network, a Trainer or a widget, every
field is checked here against a JSON Schema (type, range, allowed keys), so a damaged or
hostile file fails on opening with the field named — never later as a traceback in a panel
("Cannot set range [nan, nan]"), an OverflowError in a spin box (epochs 10¹⁸) or a load option
that is really an argument of the loader (``{"cancel": true}``).

    check(description, PROJECT, "project")   # ValueError: "field data.options: 'cancel' is not allowed …"
"""

import functools
import math

MAX_EPOCHS = 10_000_000        # the app's Epochs box goes this far
MAX_SEED = 2**31 - 1           # the app's seed boxes go this far
MAX_UNITS = 10_000_000         # neurons in one layer; the memory a network needs is checked apart
MAX_INT = 2**63 - 1

FINITE = {"type": "number", "finite": True}
POSITIVE = {**FINITE, "exclusiveMinimum": 0}
COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
NAMES = {"type": "array", "items": {"type": "string"}}
SERIES = {"type": "array", "items": {"type": "number"}}       # NaN is allowed: "no value that epoch"

SCALER = {"type": "object", "required": ["kind"], "additionalProperties": False, "properties": {
    "kind": {"enum": ["none", "standard", "minmax"]},
    "offset": {"type": ["array", "null"], "items": FINITE},
    "scale": {"type": ["array", "null"], "items": FINITE},   # zero and subnormal: Model's own check
}}

CONFIG = {"type": "object", "additionalProperties": False, "properties": {
    "learning_rate": POSITIVE, "batch_mode": {"type": "string"},
    "batch_size": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    "epochs": {"type": "integer", "minimum": 1, "maximum": MAX_EPOCHS},
    "cost": {"type": "string"}, "optimizer": {"type": "string"},
    "momentum": FINITE, "betas": {"type": "array", "items": FINITE, "minItems": 2, "maxItems": 2},
    "alpha": FINITE, "eps": POSITIVE, "l2": FINITE, "shuffle": {"type": "boolean"},
    "seed": {"type": "integer", "minimum": 0, "maximum": MAX_SEED},
    "patience": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_EPOCHS},
    "lr_decay": FINITE,
}}

NETWORK = {
    "sizes": {"type": "array", "minItems": 2, "maxItems": 1000,
              "items": {"type": "integer", "minimum": 1, "maximum": MAX_UNITS}},
    "activations": NAMES, "dtype": {"enum": ["float32", "float64"]}, "init": {"type": "string"},
}

MODEL = {"type": "object", "required": ["format", "version", "sizes", "activations", "task", "feature_names",
                                        "x_scaler"], "properties": {
    **NETWORK, "seed": COUNT,
    "task": {"enum": ["classification", "regression"]},
    "feature_names": NAMES, "class_names": NAMES, "target_names": NAMES,
    "x_scaler": SCALER, "y_scaler": {"anyOf": [{"type": "null"}, SCALER]},
    "config": {"anyOf": [{"type": "null"}, {**CONFIG, "properties": {**CONFIG["properties"], "seed": COUNT}}]},
    "history": {"type": ["object", "null"]},
}}

# What a project may pass to load_dataset: its options, never its progress or cancel arguments.
LOAD_OPTIONS = {"type": "object", "additionalProperties": False, "properties": {
    "target": {"type": ["string", "integer"]}, "task": {"enum": ["classification", "regression"]},
    "n_samples": {"type": "integer", "minimum": 2, "maximum": 10_000_000}, "noise": {**FINITE, "minimum": 0},
    "seed": {"type": "integer", "minimum": 0, "maximum": MAX_INT}, "drop_missing": {"type": "boolean"},
    "delimiter": {"enum": [",", ";", "\t"]}, "header": {"type": "boolean"},
    "ignore": {"type": "array", "items": {"type": ["string", "integer"]}},
    "x_key": {"type": "string"}, "y_key": {"type": "string"}, "centers": {"type": "integer"},
    "kinds": {"type": "object", "additionalProperties": {"enum": ["number", "category", "date", "ignore"]}},
    "dates": {"enum": ["ignore", "expand"]},
}}

ARRAY_REF = {"type": "object", "required": ["__array__"], "additionalProperties": False,
             "properties": {"__array__": {"type": "string"}}}

HISTORY = {"type": "object", "required": ["stop_reason"], "properties": {
    "epoch": {"type": "array", "items": COUNT}, "stop_reason": {"type": "string"},
    **{name: SERIES for name in ("train_cost", "val_cost", "train_accuracy", "val_accuracy", "time",
                                 "samples_per_s")},
}}

TRAINER = {"type": "object", "properties": {
    "epoch": {"type": "integer", "minimum": 0, "maximum": MAX_EPOCHS},
    "updates": COUNT, "samples_seen": COUNT, "elapsed": {**FINITE, "minimum": 0},
    "epoch_elapsed": {**FINITE, "minimum": 0}, "pos": COUNT,
    "history": HISTORY, "best_cost": {"type": "number"}, "best_epoch": COUNT,
    "optimizer": {"type": "object", "properties": {"name": {"type": "string"}, "t": COUNT, "lr": POSITIVE}},
}}

PROJECT = {"type": "object", "required": ["format", "version", "network", "config", "data"], "properties": {
    "network": {"type": "object", "required": ["sizes", "activations", "dtype", "init", "seed"],
                "additionalProperties": False,
                "properties": {**NETWORK, "seed": {"type": "integer", "minimum": 0, "maximum": MAX_SEED}}},
    "config": CONFIG,
    "data": {"type": "object", "additionalProperties": False,
             "required": ["name", "options", "scaling", "val_fraction", "test_fraction", "split_seed"],
             "properties": {
                 "name": {"type": "string"}, "options": LOAD_OPTIONS,
                 "scaling": {"enum": ["none", "standard", "minmax"]},
                 "val_fraction": FINITE, "test_fraction": FINITE,
                 "split_seed": {"type": "integer", "minimum": 0, "maximum": MAX_SEED},
                 "embedded": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
                     "task": {"enum": ["classification", "regression"]}, "feature_names": NAMES,
                     "class_names": NAMES, "target_names": NAMES, "source": {"type": "string"},
                     "description": {"type": "string"}}}]}}},
    "trainer": {"anyOf": [{"type": "null"}, TRAINER]},
    "runs": {"type": "array", "items": {"type": "object", "required": ["name", "config", "history", "params"],
                                        "properties": {"name": {"type": "string"}, "config": CONFIG,
                                                       "history": HISTORY, "params": ARRAY_REF,
                                                       "initial": ARRAY_REF, "path": ARRAY_REF,
                                                       "current": {"type": "boolean"}}}},
}}


@functools.cache
def _validator():
    """Draft 2020-12 plus "finite". jsonschema is imported on the first check, not at start-up
    (importing it takes ~80 ms, and the app imports this module to start)."""
    import jsonschema

    def finite(validator, wanted, instance, schema):
        if wanted and isinstance(instance, float) and not math.isfinite(instance):
            yield jsonschema.ValidationError(f"{instance!r} is not a finite number")

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"finite": finite})


def check(document, schema, what):
    """ValueError naming the first field of ``document`` that ``schema`` does not allow."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator()(schema).iter_errors(document))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or what
        raise ValueError(f"field {where}: {_reason(error)}")


def _reason(error):
    """jsonschema's message, made short: the offending value is cut to 60 characters."""
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "not allowed here")
    text = error.message
    return text if len(text) <= 120 else text[:117] + "…"
