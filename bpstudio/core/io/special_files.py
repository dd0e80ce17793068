"""Files that are not regular files: refused for reading, written through for writing.

Reading a FIFO blocks until some program writes to it (forever, if none does), and a device such
as ``/dev/zero`` never ends. So every loader opens its file with ``open_regular``, which never
blocks (``O_NONBLOCK``) and refuses anything ``fstat`` does not call a regular file — checked on
the opened file, so a file swapped for a FIFO after a check cannot slip through.

Writing is the opposite: ``-`` (standard output), ``/dev/null``, a terminal or a FIFO another
program reads are where the user wants the bytes to go, so ``atomic`` writes *through* them
instead of replacing them with a regular file.
"""

import errno
import os
import re
import stat
import time
from pathlib import Path

FIFO_WAIT_SECONDS = 10.0   # how long a write waits for a program to open a FIFO for reading
STDOUT = "-"
_DESCRIPTOR_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


class NotRegularFile(ValueError):
    """A file to read is a FIFO, a device, a socket or a folder; the message names it and what it is."""


def kind(mode):
    """What a file of ``st_mode`` is, in words ("a FIFO (named pipe)", "a character device", …)."""
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path):
    """``path`` opened for binary reading; ``NotRegularFile`` unless it is a regular file (never blocks).

    FileNotFoundError, PermissionError, … pass through for the caller to word.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{path}: is {kind(mode)}, not a regular file — bpstudio reads data, models "
                                 "and projects only from regular files (copy the contents into one)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def descriptor(path):
    """The file descriptor a path stands for (``-`` and ``/dev/stdout`` → 1, ``/dev/fd/5`` → 5), or None."""
    text = str(path)
    if text == STDOUT:
        return 1
    if text in _STANDARD_STREAMS:
        return _STANDARD_STREAMS[text]
    match = _DESCRIPTOR_PATH.match(text)
    return int(match.group(1)) if match else None


def writes_through(path):
    """True when a save to ``path`` goes into the existing file instead of replacing it: ``-``, a
    descriptor path, or anything that exists and is not a regular file (a device, a FIFO)."""
    if descriptor(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode      # follows symbolic links: /dev/stdout → /proc/self/fd/1 → …
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def open_through(path):
    """A binary file object writing into ``path`` itself (see ``writes_through``); closing it leaves
    standard output open. A FIFO nobody reads is waited for up to FIFO_WAIT_SECONDS, then refused."""
    fd = descriptor(path)
    if fd is not None:
        return os.fdopen(os.dup(fd), "wb")
    if stat.S_ISFIFO(os.stat(path).st_mode):
        return os.fdopen(_open_fifo(path), "wb")
    return open(path, "wb")


def _open_fifo(path):
    """Opening a FIFO for writing blocks until a reader comes: wait for one, but not forever."""
    deadline = time.monotonic() + FIFO_WAIT_SECONDS
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            if e.errno != errno.ENXIO:     # ENXIO: no program has the FIFO open for reading yet
                raise
            if time.monotonic() > deadline:
                raise OSError(errno.ENXIO, f"no program read the FIFO within {FIFO_WAIT_SECONDS:g} s",
                              str(path)) from None
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        return fd


def symlink_target(path):
    """Where the symbolic link ``path`` points (resolved), or None if ``path`` is not a link."""
    path = Path(path)
    return path.resolve() if path.is_symlink() else None
