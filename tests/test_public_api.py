"""The public API is fully annotated: every name the README and docs/scripting.md document
(``bpstudio.core``, ``bpstudio.load_model`` / ``save_model`` / ``Model``, ``bpstudio.ui.MainWindow``),
and every public method and property of its classes, gives a type for each parameter and its result,
and the types resolve (``typing.get_type_hints``)."""

import enum
import inspect
import typing

import pytest

import bpstudio
import bpstudio.core

UNTYPED = {"self", "cls"}


def _functions(owner, name):
    """(qualified name, function) of ``owner`` (a function, or a class and its public methods and properties)."""
    if not inspect.isclass(owner):
        yield name, owner
        return
    for attr, member in vars(owner).items():
        if attr.startswith("_") and attr != "__init__":
            continue
        function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        if inspect.isfunction(function):
            yield f"{name}.{attr}", function


def _public_api():
    names = [(getattr(bpstudio.core, name), f"bpstudio.core.{name}") for name in bpstudio.core.__all__]
    names += [(getattr(bpstudio, name), f"bpstudio.{name}") for name in ("load_model", "save_model", "Model")]
    pytest.importorskip("PySide6")
    from bpstudio.ui import MainWindow
    names.append((MainWindow, "bpstudio.ui.MainWindow"))
    owners = [(owner, name) for owner, name in names
              if inspect.isfunction(owner) or inspect.isclass(owner) and not issubclass(owner, enum.Enum)]
    return [pair for owner, name in owners for pair in _functions(owner, name)]


def _missing(function):
    signature = inspect.signature(function)
    missing = [p.name for p in signature.parameters.values()
               if p.name not in UNTYPED and p.annotation is inspect.Parameter.empty]
    if function.__name__ != "__init__" and signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_the_public_api_is_large_enough_to_mean_something():
    names = [name for name, _ in _public_api()]
    for expected in ("bpstudio.core.Network.forward", "bpstudio.core.Trainer.fit", "bpstudio.core.gradcheck",
                     "bpstudio.core.load_dataset", "bpstudio.load_model", "bpstudio.Model.predict",
                     "bpstudio.core.TrainConfig.batch_size_for", "bpstudio.ui.MainWindow.use_dataset"):
        assert expected in names


def test_every_public_function_annotates_its_parameters_and_result():
    unannotated = {name: _missing(function) for name, function in _public_api() if _missing(function)}
    assert not unannotated, f"add type hints: {unannotated}"


def test_every_public_annotation_resolves():
    for name, function in _public_api():
        try:
            typing.get_type_hints(function)
        except Exception as exc:   # a name that does not exist, or a typo in a string annotation
            pytest.fail(f"{name}: {exc!r}")
