"""Where bundled files (datasets, icons) live."""

from importlib import resources
from pathlib import Path


def resource_path(*parts):
    """Path of a file under the project's ``resources/`` folder.

    In a source checkout (or an editable install) that is ``resources/`` beside the
    package; in an installed wheel it ships inside the package as ``bpstudio.resources``.
    """
    source = Path(__file__).resolve().parent.parent / "resources"
    base = source if source.is_dir() else Path(str(resources.files("bpstudio.resources")))
    return base.joinpath(*parts)
