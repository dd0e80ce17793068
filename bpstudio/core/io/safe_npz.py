"""Reading .npz archives whatever their bytes: never unpickling, never returning a non-array.

``np.load`` guesses the format from the first bytes: a zip is an .npz archive, ``\\x93NUMPY``
a single .npy array, and anything else is taken for a pickle — refused with
``allow_pickle=False``, but with a message that advises unpickling "if you trust the file".
A zip member that is not an .npy file comes back as raw ``bytes``. Both are checked here,
so the loaders of datasets, model files and project files give a reason a user can act on.
"""

import io

import numpy as np

ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip
NPY_HEAD = b"\x93NUMPY"


def check_head(head):
    """ValueError unless ``head`` (the file's first bytes) starts a zip archive."""
    if head.startswith(NPY_HEAD):
        raise ValueError("holds a single .npy array, not an .npz archive")
    if not head.startswith(ZIP_HEADS):
        raise ValueError("not an .npz archive (a zip file of .npy arrays, as numpy.savez writes)")


def check_array(value, key):
    """``value`` if it is an ndarray; ValueError naming ``key`` if the member was not an .npy file."""
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{key!r} in the archive is not a NumPy array (.npy)")
    return value


def load_arrays(raw):
    """{name: ndarray} of the .npz archive in the bytes ``raw``, read with ``allow_pickle=False``.

    Raises ValueError for a file that is not an archive or a member that is not an array;
    a damaged archive raises whatever zipfile/numpy raise (callers turn it into their error).
    """
    check_head(raw[:len(NPY_HEAD)])
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        return {name: check_array(archive[name], name) for name in archive.files}
