"""blas.gemm: C ← β C + α A @ B, by one call into NumPy's OpenBLAS or by NumPy itself."""

import numpy as np
import pytest

from bpstudio.core.nn import blas


def _operands(dtype, m=7, k=5, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in ((m, k), (k, n), (m, n))]


def _layouts(A):
    """A stored by rows and by columns (the transpose of a row-stored Aᵀ)."""
    return {"rows": np.ascontiguousarray(A), "columns": np.ascontiguousarray(A.T).T}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a_layout", ["rows", "columns"])
@pytest.mark.parametrize("b_layout", ["rows", "columns"])
@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (1.0, 1.0), (-0.3, 0.7)])
def test_gemm_equals_numpy(dtype, a_layout, b_layout, alpha, beta):
    A, B, C = _operands(dtype)
    want = beta * C + alpha * (A @ B)
    got = blas.gemm(C, _layouts(A)[a_layout], _layouts(B)[b_layout], alpha, beta)
    assert got is C and C.dtype == dtype
    np.testing.assert_allclose(C, want, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)


def test_numpys_own_openblas_is_called_directly(monkeypatch):
    """NumPy's wheels ship scipy-openblas; on them gemm must not fall back to NumPy."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas":
        pytest.skip(f"NumPy is built with {config.get('name')}, not its bundled OpenBLAS")
    assert blas.is_direct("float32") and blas.is_direct("float64")

    def no_numpy(*args, **kwargs):
        raise AssertionError("gemm fell back to np.matmul")

    monkeypatch.setattr(blas.np, "matmul", no_numpy)
    A, B, C = _operands("float32")
    blas.gemm(C, A, B, 1.0, 1.0)


@pytest.mark.parametrize("case", ["strided A", "mixed dtypes", "transposed C", "no BLAS"])
def test_gemm_falls_back_to_numpy_with_the_same_result(case, monkeypatch):
    A, B, C = _operands("float64", m=6, k=8)
    if case == "strided A":
        A = np.repeat(A, 2, axis=1)[:, ::2]
    elif case == "mixed dtypes":
        B = B.astype("float32")
    elif case == "transposed C":
        C = np.ascontiguousarray(C.T).T
    else:
        monkeypatch.setattr(blas, "_FUNCTIONS", {})
    want = 0.5 * C + 2.0 * (A @ B.astype("float64"))
    blas.gemm(C, A, B, 2.0, 0.5)
    np.testing.assert_allclose(C, want, rtol=1e-6)


@pytest.mark.parametrize("direct", [True, False])
def test_beta_zero_ignores_what_c_held(direct, monkeypatch):
    if not direct:
        monkeypatch.setattr(blas, "_FUNCTIONS", {})
    A, B, C = _operands("float64")
    C[...] = np.nan
    blas.gemm(C, A, B)
    np.testing.assert_allclose(C, A @ B, rtol=1e-12)


def test_mismatched_shapes_are_refused():
    A, B, C = _operands("float64")
    with pytest.raises(ValueError, match="does not give"):
        blas.gemm(C, A, A.T)
    with pytest.raises(ValueError, match="does not give"):
        blas.gemm(C.T.copy(), A, B)


@pytest.mark.parametrize("case", ["read-only A", "empty inner dimension", "one column"])
def test_edge_operands(case):
    A, B, C = _operands("float32")
    if case == "read-only A":
        A.flags.writeable = False
    elif case == "empty inner dimension":
        A, B = A[:, :0].copy(), B[:0].copy()
    else:
        B, C = B[:, :1].copy(), C[:, :1].copy()
    want = 0.5 * C + A @ B
    blas.gemm(C, A, B, 1.0, 0.5)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-6)
