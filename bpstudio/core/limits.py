"""How much memory a load or a network may take, asked before allocating it.

A damaged or hostile file can declare a huge array (a zip bomb, a header of 10,000 columns
over a million blank lines), and a typo can ask for a network of 10¹⁰ weights. NumPy would
try, and end in MemoryError or in the kernel's OOM killer. Instead every loader estimates
what it will allocate and ``check_memory`` refuses what does not fit, saying how much and why.
"""

import os

try:
    import resource
except ImportError:      # Windows: no rlimits
    resource = None

HEADROOM = 0.8    # use at most this share of the memory still available


class MemoryLimitError(ValueError):
    """An allocation would not fit in the memory available; the message says how much and why."""


def gib(nbytes):
    """'4.2 GiB', '310 MiB' — a size a person can read."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:,.1f} {unit}"
    return f"{int(nbytes)} bytes"


def available_memory():
    """Bytes this process can still allocate: the system's available memory, and no more than its
    address-space limit (``ulimit -v``) leaves free."""
    free = _meminfo_available()
    limit = _address_space_left()
    candidates = [n for n in (free, limit) if n is not None]
    return min(candidates) if candidates else 1 << 62


def check_memory(nbytes, what):
    """MemoryLimitError unless ``nbytes`` fit in HEADROOM of the memory available; ``what`` says what
    would take them, e.g. "reading data.csv (1,000,000 rows × 10,000 columns of float64)"."""
    available = int(HEADROOM * available_memory())
    if nbytes > available:
        raise MemoryLimitError(f"{what} needs {gib(nbytes)} of memory, but only {gib(available)} is available")


def training_bytes(sizes, batch_size, n_samples, itemsize=8):
    """About how much training a network of ``sizes`` takes: the parameters ~6 times over (weights,
    gradient, optimizer buffers, best and snapshot copies) and the activations of a batch and of
    the whole training set (the epoch's cost), a few times over."""
    parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    activations = sum(sizes) * (4 * min(batch_size, n_samples) + 2 * n_samples)
    return itemsize * (6 * parameters + activations)


def _meminfo_available():
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _address_space_left():
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(soft - _mapped_bytes(), 0)


def _mapped_bytes():
    """The process's virtual size (what RLIMIT_AS counts)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
