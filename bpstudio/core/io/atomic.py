"""Atomic file writes: a failed or interrupted save never destroys the previous file.

The new content goes to a temporary file in the same folder (so the final
``os.replace`` is a rename on one file system, which is atomic); only when
it is completely written and flushed does it take the target's name.
"""

import glob
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

STALE_SECONDS = 600  # a temporary file untouched this long belongs to a save that was killed


@contextmanager
def atomic_write(path, mode="wb", encoding=None, newline=None):
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions a normal save would.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _remove_abandoned_temporaries(path)


def _remove_abandoned_temporaries(path):
    """Delete what killed saves of ``path`` left behind (a killed process cannot clean up itself)."""
    limit = time.time() - STALE_SECONDS
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if tmp.stat().st_mtime < limit:
                tmp.unlink()
        except OSError:
            pass   # already gone, or not ours to delete: the save itself succeeded


def write_bytes(path, data):
    """Atomically replace ``path`` with ``data`` (bytes)."""
    with atomic_write(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    """Atomically replace ``path`` with ``text`` (UTF-8)."""
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def check_writable(folder):
    """Raise OSError if a file cannot be created in ``folder`` (read-only, no permission) — asked
    before long work whose result goes there. Creates and removes a temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".bpstudio-check.", dir=folder)
    os.close(fd)
    os.unlink(tmp)
