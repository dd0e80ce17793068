"""The one BLAS call NumPy does not expose: C ← β C + α A B, adding into C.

Plain gradient descent wants Wᵀ ← Wᵀ − (aˡ⁻¹)ᵀ δˡ (η already folded into δ).
NumPy can only write the product into a buffer and subtract it afterwards:
two more passes over the largest array in the network (0.8 MB for a 784×256
float32 layer, about 40 µs a batch). GEMM's β does it in the same pass.

NumPy's wheels ship OpenBLAS (the "scipy-openblas" build, 64-bit integers),
so this module loads that same library (its thread pool is NumPy's; a second
BLAS such as SciPy's would fight it for the two cores) and calls its GEMM.
With any other NumPy build ``gemm`` multiplies and adds with NumPy instead:
the same numbers, a little slower.
"""

import ctypes
import functools
import glob
import os

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
# Folders where NumPy's wheels keep their bundled libraries (Linux, Windows; macOS).
_LIBRARY_GLOBS = ("../numpy.libs/*openblas*", ".dylibs/*openblas*")
# cblas entry points of the 64-bit-integer OpenBLAS builds NumPy ships (other ABIs are not guessed at).
_SYMBOLS = {np.float32: ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            np.float64: ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}


def _bind(function, scalar):
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64,
                         scalar, ptr, i64, ptr, i64, scalar, ptr, i64]
    function.restype = None
    return function


def _load_functions():
    """{dtype: cblas ?gemm} from NumPy's bundled OpenBLAS; empty when there is none."""
    folder = os.path.dirname(np.__file__)
    for pattern in _LIBRARY_GLOBS:
        for path in sorted(glob.glob(os.path.join(folder, pattern))):
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            found = {}
            for dtype, scalar in ((np.float32, ctypes.c_float), (np.float64, ctypes.c_double)):
                name = next((s for s in _SYMBOLS[dtype] if hasattr(library, s)), None)
                if name:
                    found[np.dtype(dtype)] = _bind(getattr(library, name), scalar)
            if len(found) == 2:
                return found
    return {}


_FUNCTIONS = _load_functions()


def is_direct(dtype):
    """True when ``gemm`` on arrays of ``dtype`` is one call into NumPy's own BLAS."""
    return np.dtype(dtype) in _FUNCTIONS


def address(rows):
    """Address of an array's first element (3× quicker than ``.ctypes.data`` when C-contiguous)."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(rows))
    except (TypeError, ValueError):   # read-only or empty
        return rows.ctypes.data


def _operand(x):
    """(transpose flag, leading dimension, address) of a matrix stored by rows or by columns; None if neither."""
    if x.flags.c_contiguous:
        return NO_TRANS, max(x.shape[1], 1), address(x)
    if x.flags.f_contiguous:
        return TRANS, max(x.shape[0], 1), address(x.T)
    return None


def gemm(C, A, B, alpha=1.0, beta=0.0):
    """C ← β C + α A @ B, in place in C; A and B may be transposed views.

    One BLAS call when NumPy's BLAS is reachable, all three share C's dtype and C is
    C-contiguous; otherwise the same result with NumPy (and a temporary).
    """
    call = bound_gemm(C, A, B, alpha, beta)
    if call is not None:
        call()
        return C
    product = np.matmul(A, B)
    product *= alpha
    if beta == 0:   # as in BLAS, C's old values (even NaN) do not matter
        C[...] = product
    else:
        C *= beta
        C += product
    return C


def bound_gemm(C, A, B, alpha=1.0, beta=0.0):
    """``gemm(C, A, B, alpha, beta)`` as a call with no arguments, every one of them worked out
    now — for a product repeated on the same buffers (1 µs a call instead of ~4); None when it
    would not be one BLAS call. The call holds addresses, not arrays: keep A, B and C alive."""
    (m, k), n = A.shape, B.shape[1]
    if B.shape[0] != k or C.shape != (m, n):
        raise ValueError(f"gemm: {A.shape} @ {B.shape} does not give {C.shape}")
    function = _FUNCTIONS.get(C.dtype)
    direct = (function is not None and A.dtype == C.dtype and B.dtype == C.dtype
              and C.flags.c_contiguous and C.flags.writeable and m and n)
    a, b = (_operand(A), _operand(B)) if direct else (None, None)
    if not (a and b):
        return None
    arguments = (ROW_MAJOR, a[0], b[0], m, n, k, alpha, a[2], a[1], b[2], b[1], beta, address(C), n)
    # As ctypes values already: converting 14 Python numbers on every call is half of its cost.
    return functools.partial(function, *(kind(value) for kind, value in zip(function.argtypes, arguments)))
