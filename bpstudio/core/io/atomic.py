"""Atomic file writes: a failed or interrupted save never destroys the previous file.

The new content goes to a temporary file in the same folder (so the final
``os.replace`` is a rename on one file system, which is atomic); only when
it is completely written and flushed does it take the target's name.

Only regular files are replaced. ``-`` (standard output), a device (``/dev/null``) or a
FIFO is written *through* (``special_files``). A symbolic link is never replaced and its
target never overwritten behind the user's back: the save is refused, naming the target.

Permissions: a new file gets the mode the umask allows (0666 & ~umask, like any program's
new file); a replaced file keeps its mode (and, for root, its owner).
"""

import errno
import glob
import io
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .special_files import open_through, symlink_target, writes_through

STALE_SECONDS = 600  # a temporary file untouched this long belongs to a save that was killed


@contextmanager
def atomic_write(path, mode="wb", encoding=None, newline=None):
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    if writes_through(path):
        with _text_or_binary(open_through(path), mode, encoding, newline) as f:
            yield f
        return
    path = Path(path)
    _refuse_symlink(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _give_final_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _remove_abandoned_temporaries(path)


def _text_or_binary(binary, mode, encoding, newline):
    return binary if "b" in mode else io.TextIOWrapper(binary, encoding=encoding or "utf-8", newline=newline)


def _refuse_symlink(path):
    target = symlink_target(path)
    if target is not None:
        raise OSError(errno.EEXIST, f"it is a symbolic link to {target}, which was left as it was — save to "
                                    f"{target} itself, or remove the link first", str(path))


def _give_final_mode(tmp, path):
    """mkstemp makes the file private (0600): give it the replaced file's mode, or the umask's."""
    try:
        old = path.stat()
    except FileNotFoundError:
        os.chmod(tmp, 0o666 & ~current_umask())
        return
    os.chmod(tmp, old.st_mode & 0o7777)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
        os.chown(tmp, old.st_uid, old.st_gid)   # root saving a user's file leaves it theirs


def current_umask():
    """The process's umask, read without changing it (os.umask would, for a moment, in every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)   # no /proc (macOS, old kernels): the classic read-and-restore
    os.umask(mask)
    return mask


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
