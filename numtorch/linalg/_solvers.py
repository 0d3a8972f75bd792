"""``numtorch.linalg``'s inverses, determinants and linear solvers: ``inv``, ``inv_ex``,
``det``, ``slogdet``, ``solve``, ``solve_ex``, ``solve_triangular``, ``cholesky``,
``cholesky_ex``, ``lstsq``, ``pinv``, ``matrix_exp`` and ``matrix_power``."""

from __future__ import annotations

import numpy as np

from numtorch._checks import check_tensor, type_name
from numtorch._namespace._operands import named
from numtorch._namespace.linalg import matmul
from numtorch._namespace.pointwise import where
from numtorch._namespace.shape import squeeze, unsqueeze
from numtorch.autograd.grad_mode import is_recording
from numtorch.linalg._common import (
    LinAlgError,
    broadcast_batch,
    broadcast_shapes,
    check_float,
    check_matrix,
    check_same_dtype,
    check_square,
    constant,
    expand_to,
    raise_for_info,
    result,
)
from numtorch.ops import decompositions as dec
from numtorch.ops import elementwise as ew
from numtorch.ops.factorizations import lu_packed
from numtorch.tensor import Tensor

__all__ = [
    "inv",
    "inv_ex",
    "det",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "cholesky",
    "cholesky_ex",
    "lstsq",
    "pinv",
    "matrix_exp",
    "matrix_power",
    "LinAlgError",
]

_SINGULAR_INV = (
    "The diagonal element {} is zero, the inversion could not be completed because the input "
    "matrix is singular."
)
_NOT_PD = (
    "The factorization could not be completed because the input is not positive-definite "
    "(the leading minor of order {} is not positive-definite)."
)


def _lu_info(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``getrf``'s info for each matrix of ``a``; computed only when ``out`` (the solve's
    result) shows a failure, since a LAPACK solve fails exactly on a zero pivot."""
    if np.isfinite(out).all() or a.shape[-1] == 0:
        return np.zeros(a.shape[:-2], np.int32)
    return lu_packed(a)[2]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple:
    """``(inverse, info)``: ``info`` is the 1-based index of the zero pivot that makes a matrix
    singular (0 when invertible); raises only when ``check_errors``."""
    check_square(A, "linalg.inv")
    out = dec.Inv.apply(A)
    info = _lu_info(A._data, out._data)
    if check_errors:
        raise_for_info(info, "linalg.inv", _SINGULAR_INV)
    return result("linalg_inv_ex", out, constant(info))


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of ``A`` (``(..., n, n)``); a singular one raises
    ``LinAlgError`` with PyTorch's message.

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.inv(torch.tensor([[4.0, 1.0], [2.0, 3.0]]))
        tensor([[ 0.3000, -0.1000],
                [-0.2000,  0.4000]])
    """
    return inv_ex(A, check_errors=True).inverse


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of ``A``, differentiable also where singular.

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.det(torch.tensor([[4.0, 1.0], [2.0, 3.0]]))
        tensor(10.)
    """
    check_square(A, "linalg.det", kernel="lu_cpu")
    return dec.Det.apply(A)


def slogdet(A: Tensor) -> tuple:
    """``(sign, logabsdet)`` of each determinant: ``det = sign * exp(logabsdet)``."""
    check_square(A, "linalg.slogdet", kernel="lu_cpu")
    return result("linalg_slogdet", *dec.Slogdet.apply(A))


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    """PyTorch's ``linalg_solve_is_vector_rhs``: ``B`` is a (batch of) vector(s)."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


def _solve_operands(A: Tensor, B: Tensor, left: bool, fn: str) -> tuple[Tensor, Tensor, bool]:
    """Checked, batch-broadcast ``(A, B, vector case)`` with PyTorch's errors."""
    check_square(A, fn, kernel="lu_cpu")
    check_tensor(B, fn.replace(".", "_"), "B", 2)
    if B.ndim < 1:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    check_float(B, fn)
    check_same_dtype(A, B, fn)
    vector = _is_vector_rhs(A, B)
    if vector and not left:
        raise RuntimeError(
            f"{fn}: Vector broadcasting of the left hand side is not supported for left=False. "
            "In this case linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    rows, cols = (B.shape[-1], 1) if vector else tuple(B.shape[-2:])
    n = A.shape[-1]
    if (rows if left else cols) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {rows}x{cols})"
        )
    if vector:
        batch = broadcast_shapes(tuple(B.shape[:-1]), tuple(A.shape[:-2]))
        return expand_to(A, batch + (n, n)), expand_to(B, batch + (n,)), True
    a, b = broadcast_batch(A, B)
    return a, b, False


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> tuple:
    """``(result, info)`` of ``solve``; raises for a singular ``A`` only when ``check_errors``."""
    a, b, vector = _solve_operands(A, B, left, "linalg.solve")
    x = dec.Solve.apply(a, b, left, vector)
    info = _lu_info(a._data, x._data)
    if check_errors:
        raise_for_info(
            info, "torch.linalg.solve", "The solver failed because the input matrix is singular."
        )
    return result("linalg_solve_ex", x, constant(info))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``); ``B`` a batch of matrices, or of
    vectors (``B.shape == A.shape[:-1]``, or 1-D); batch dimensions broadcast.

    Example:
        >>> import numtorch as torch
        >>> A = torch.tensor([[4.0, 1.0], [2.0, 3.0]])
        >>> torch.linalg.solve(A, torch.tensor([1.0, 2.0]))
        tensor([0.1000, 0.6000])
    """
    return solve_ex(A, B, left=left, check_errors=True).result


def solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """``X`` with ``A X = B`` (or ``X A = B``) for triangular ``A``: only its ``upper`` (or
    lower) triangle is read, and its diagonal is taken as ones when ``unitriangular``."""
    fn = "linalg.solve_triangular"
    check_square(A, fn)
    check_matrix(B, fn, "B", 2)
    check_float(B, fn)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"{fn}: Expected A and B to have the same dtype, but found A of type "
            f"{type_name(A.dtype)} and B of type {type_name(B.dtype)} instead"
        )
    a, b = broadcast_batch(A, B)
    return dec.SolveTriangular.apply(a, b, bool(upper), bool(left), bool(unitriangular))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    """``(L, info)``: ``info`` the order of the first leading minor that is not
    positive-definite (0 when ``A`` is); raises only when ``check_errors``."""
    check_square(A, "linalg.cholesky", kernel="cholesky_cpu")
    out = dec.Cholesky.apply(A, bool(upper))
    if np.isfinite(out._data).all() or not A.numel():
        info = np.zeros(A.shape[:-2], np.int32)
    else:
        info = dec.cholesky_info(A._data)
    if check_errors:
        raise_for_info(info, "linalg.cholesky", _NOT_PD)
    return result("linalg_cholesky_ex", out, constant(info))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` (``A = L L^T``; ``upper``: ``U = L^T``) of each symmetric
    positive-definite matrix, reading ``A``'s lower triangle.

    Example:
        >>> import numtorch as torch
        >>> torch.linalg.cholesky(torch.tensor([[4.0, 2.0], [2.0, 3.0]]))
        tensor([[2.0000, 0.0000],
                [1.0000, 1.4142]])
    """
    return cholesky_ex(A, upper=upper, check_errors=True).L


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of each square matrix of ``A``."""
    check_square(A, "linalg.matrix_exp", half=True)
    return dec.MatrixExp.apply(A)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` to the integer power ``n`` by repeated squaring (``n < 0``: of ``inv(A)``), with
    PyTorch's order of products."""
    check_square(A, "linalg.matrix_power", half=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(
            f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}"
        )
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), tuple(A.shape))
        if not (A.requires_grad and is_recording()):
            return constant(eye.copy())
        # PyTorch copies the identity into a clone of A: a zero gradient, node CopyBackwards
        copied = ew.Where.apply(np.zeros(tuple(A.shape), bool), A, eye)
        return named(copied, "torch::autograd::CopyBackwards")
    a = inv(A) if n < 0 else A
    n = abs(int(n))
    if n == 1:
        return a.clone()
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = out = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            out = z if out is None else matmul(out, z)
    return out


def _tolerances(A: Tensor, atol, rtol, rcond=None) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's cut-offs for ``pinv``/``matrix_rank``: with neither ``atol`` nor ``rtol``,
    ``rtol = eps * max(m, n)``; with ``atol`` alone (positive), ``rtol = 0``."""
    dt = A._data.dtype
    if rcond is not None:
        return np.zeros((), dt), _value(rcond, dt)
    if atol is None and rtol is None:
        return np.zeros((), dt), np.asarray(np.finfo(dt).eps * max(A.shape[-2:]), dt)
    a = np.zeros((), dt) if atol is None else _value(atol, dt)
    if rtol is None:
        r = np.asarray(np.finfo(dt).eps * max(A.shape[-2:]), dt)
        r = np.where(a > 0, np.zeros((), dt), r)
    else:
        r = _value(rtol, dt)
    return a, r


def _value(x: object, dt: np.dtype) -> np.ndarray:
    return np.asarray(x._data if isinstance(x, Tensor) else x, dt)


def pinv(
    A: Tensor, rcond=None, hermitian: bool = False, *, atol=None, rtol=None
) -> Tensor:  # fmt: skip
    """The Moore-Penrose pseudo-inverse of each matrix of ``A``; singular values at or below
    ``max(atol, rtol * s_max)`` count as zero (``hermitian``: through ``eigh``)."""
    check_tensor(A, "linalg_pinv", "A", 1)
    if A.ndim < 2 or not A.dtype.is_floating_point or A._data.dtype.itemsize < 4:
        raise RuntimeError(
            f"linalg.pinv({type_name(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 or "
            "more dimensions of float, double, cfloat or cdouble types"
        )
    a_tol, r_tol = _tolerances(A, atol, rtol, rcond)
    return dec.Pinv.apply(A, a_tol, r_tol, bool(hermitian))


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """The least-squares solution of ``A X = B`` (minimum-norm where ``A`` is rank-deficient)
    as PyTorch's ``(solution, residuals, rank, singular_values)``; which of the last three are
    computed follows the ``driver`` ('gelsy' by default, as on PyTorch's CPU).

    Example:
        >>> import numtorch as torch
        >>> A = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> torch.linalg.lstsq(A, torch.tensor([1.0, 2.0, 3.0])).solution
        tensor([1., 2.])
    """
    fn = "torch.linalg.lstsq"
    check_tensor(A, "linalg_lstsq", "self", 1)
    check_tensor(B, "linalg_lstsq", "b", 2)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{fn}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if B.ndim > A.ndim or A.ndim - B.ndim > 1:
        raise RuntimeError(
            f"{fn}: input.dim() must be greater or equal to other.dim() and "
            "(input.dim() - other.dim()) <= 1"
        )
    check_float(A, "linalg.lstsq")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"{fn}: Expected input and other to have the same dtype, but got input's dtype "
            f"{type_name(A.dtype)} and other's dtype {type_name(B.dtype)}"
        )
    vector = _is_vector_rhs(A, B)
    b = unsqueeze(B, -1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{fn}: input.size(-2) should match other.size(-2)")
    a, b = broadcast_batch(A, b)
    m, n = A.shape[-2:]
    dt = A._data.dtype
    rc = float(np.finfo(dt).eps * max(m, n)) if rcond is None or rcond < 0 else float(rcond)
    s = np.linalg.svd(a._data, compute_uv=False)
    smax = s.max(axis=-1, initial=0)[..., None]
    rank = (s > rc * smax).sum(-1).astype(np.int64)
    full = bool(np.all(rank == min(m, n)))
    want_res = driver != "gelsy" and m > n and (driver == "gels" or full)
    x, res = dec.Lstsq.apply(a, b, rc, want_res)
    if vector:
        x = squeeze(x, -1)  # the residuals keep their column dimension, as in PyTorch
    rank_t = constant(rank if driver != "gels" else np.zeros((0,), np.int64))
    sv = constant(s.astype(dt) if driver in ("gelsd", "gelss") else np.zeros((0,), dt))
    _name_root(x, "LinalgLstsqBackward0")
    return result("linalg_lstsq", x, res, rank_t, sv)


def _name_root(x: Tensor, name: str) -> None:
    if x.grad_fn is not None:
        x.grad_fn._name = name


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: nan where the determinant is negative, -inf where it is zero (PyTorch's
    ``where`` over ``slogdet``)."""
    check_square(input, "linalg.slogdet", kernel="lu_cpu")
    sign, logabs = slogdet(input)
    nan = constant(np.full((), np.nan, input._data.dtype))
    return where(sign == -1, nan, logabs)
