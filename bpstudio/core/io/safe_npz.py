"""Reading .npz archives whatever their bytes: never unpickling, never returning a non-array,
never allocating more than the file can plausibly hold or the machine has.

``np.load`` guesses the format from the first bytes: a zip is an .npz archive, ``\\x93NUMPY``
a single .npy array, and anything else is taken for a pickle — refused with
``allow_pickle=False``, but with a message that advises unpickling "if you trust the file".
A zip member that is not an .npy file comes back as raw ``bytes``. Both are checked here,
so the loaders of datasets, model files and project files give a reason a user can act on.

Zip bombs: an .npy header declares its array's shape, and NumPy allocates that much before
reading a byte of it. ``NpzArchive`` reads each member's header first and refuses a shape ×
itemsize that the member's compressed bytes cannot hold (deflate expands at most ~1032×) or
that the memory available cannot (``core.limits``) — and it reads only the members asked for.
"""

import io
import math
import zipfile

import numpy as np

from ..limits import check_memory, gib
from .special_files import open_regular

ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip
NPY_HEAD = b"\x93NUMPY"
MAX_EXPANSION = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: 1032}   # output bytes per input byte, at most
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


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


def read_file(path):
    """The bytes of the regular file at ``path``, after checking they fit in memory."""
    with open_regular(path) as f:
        size = f.seek(0, io.SEEK_END)
        check_memory(size, f"reading {path} ({gib(size)})")
        f.seek(0)
        return f.read()


class NpzArchive:
    """The .npz archive in the bytes ``raw``; ``archive["W1"]`` reads one member, checked first.

    ``files`` lists the member names (without ``.npy``). A missing name raises KeyError.
    """

    def __init__(self, raw):
        check_head(raw[:len(NPY_HEAD)])
        self._size = len(raw)
        self._zip = zipfile.ZipFile(io.BytesIO(raw))
        self._members = {info.filename.removesuffix(".npy"): info for info in self._zip.infolist()}
        self.files = list(self._members)
        self._read = 0   # bytes of the arrays read so far

    def __contains__(self, name):
        return name in self._members

    def __getitem__(self, name):
        info = self._members[name]
        with self._zip.open(info) as f:
            if f.read(len(NPY_HEAD)) != NPY_HEAD:
                raise ValueError(f"{name!r} in the archive is not a NumPy array (.npy)")
            f.seek(0)
            version = np.lib.format.read_magic(f)
            if version not in _HEADER_READERS:
                raise ValueError(f"{name!r} in the archive is an .npy file of version {version}, which is not read")
            shape, fortran, dtype = _HEADER_READERS[version](f)
            self._check_size(name, info, shape, dtype)
            f.seek(0)
            return np.lib.format.read_array(f, allow_pickle=False)

    def _check_size(self, name, info, shape, dtype):
        if dtype.hasobject:
            raise ValueError(f"{name!r} holds Python objects, which are refused (reading them would unpickle "
                             "code from the file) — save plain numeric or string arrays")
        nbytes = math.prod(shape) * dtype.itemsize   # Python ints: a hostile shape cannot overflow
        plausible = min(info.file_size, info.compress_size * MAX_EXPANSION.get(info.compress_type, info.file_size))
        if nbytes > plausible or info.compress_size > self._size:
            raise ValueError(f"{name!r} declares {gib(nbytes)} of data ({dtype} × {shape}) in {gib(info.compress_size)}"
                             " of the archive, more than those bytes can hold — the file is truncated, corrupt "
                             "or a zip bomb")
        self._read += nbytes
        check_memory(self._read, f"reading the array {name!r} ({dtype} × {shape})")

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def load_arrays(raw, names=None):
    """{name: ndarray} of the .npz archive in the bytes ``raw`` — every member, or those in ``names``
    that it holds. Raises ValueError for a file that is not an archive, a member that is not an
    array or that declares more than it can hold; a damaged archive raises whatever zipfile/numpy
    raise (callers turn it into their error)."""
    with NpzArchive(raw) as archive:
        wanted = archive.files if names is None else [name for name in names if name in archive]
        return {name: archive[name] for name in wanted}
