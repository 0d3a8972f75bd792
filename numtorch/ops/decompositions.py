"""Inverses, determinants and solvers on LAPACK (through ``np.linalg``), with PyTorch's
gradients (``tools/autograd/derivatives.yaml``); the spectral factorizations (SVD, eigh, QR,
LU) are in ``ops/factorizations.py``.

Every primitive works on batches ``(..., n, n)``; the public functions in ``numtorch.linalg``
check shapes and dtypes and give the node PyTorch's name.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = [
    "LinAlgError",
    "mT",
    "tri_solve",
    "Inv",
    "Det",
    "Slogdet",
    "Solve",
    "SolveTriangular",
    "Cholesky",
    "CholeskyInverse",
    "CholeskySolve",
    "cholesky_array",
    "cholesky_info",
    "MatrixExp",
    "Pinv",
    "Lstsq",
    "pinv_array",
    "pinv_backward",
    "matrix_exp_array",
]


class LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a factorization or inversion failed (a singular
    matrix, a matrix that is not positive-definite). A ``RuntimeError``, as in PyTorch."""


LinAlgError.__module__ = "numtorch.linalg"


def mT(a: np.ndarray) -> np.ndarray:
    """The transpose of the last two dimensions (a view)."""
    return np.swapaxes(a, -1, -2)


def tri_solve(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool = False) -> np.ndarray:
    """``a^{-1} b`` reading only ``a``'s upper (or lower) triangle; a unit diagonal if ``unit``.
    (LAPACK's ``trtrs`` through ``np.linalg.solve`` on the masked matrix.)"""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t.copy()
        idx = np.arange(t.shape[-1])
        t[..., idx, idx] = 1
    return _solve_or_nan(t, b)


def _solve_or_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^{-1} b``; a singular matrix gives inf/nan (PyTorch's unchecked solve) not an error."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        out = np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], b.dtype)
        a_b = np.broadcast_to(a, out.shape[:-2] + a.shape[-2:])
        b_b = np.broadcast_to(b, out.shape)
        for i in np.ndindex(out.shape[:-2]):
            try:
                out[i] = np.linalg.solve(a_b[i], b_b[i])
            except np.linalg.LinAlgError:
                out[i] = np.nan
        return out


def _inv_t(a: np.ndarray) -> np.ndarray:
    return mT(np.linalg.inv(a))


class Inv(Primitive):
    """``A^{-1}``; gradient ``-A^{-T} g A^{-T}`` (PyTorch's ``LinalgInvExBackward0``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> np.ndarray:
        out = _inv_or_nan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (inv,) = ctx.saved_tensors
        inv_t = mT(inv)
        return -(inv_t @ g @ inv_t)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgInvExBackward0"


def _inv_or_nan(a: np.ndarray) -> np.ndarray:
    """``np.linalg.inv``, with nan for a singular matrix in a batch (callers check first)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return _solve_or_nan(a, eye)


class Det(Primitive):
    """``det(A)``; gradient ``g det(A) A^{-T}``, through the SVD for a singular matrix (where
    the cofactor matrix is still defined)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> np.ndarray:
        out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        a, det = ctx.saved_tensors
        return np.asarray(g)[..., None, None] * _cofactor(a, det)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgDetBackward0"


def _cofactor(a: np.ndarray, det: np.ndarray) -> np.ndarray:
    """``d det(A) / dA``: ``det(A) A^{-T}``, or ``U diag(prod_{j != i} s_j) V^T sign`` from the
    SVD where ``A`` is singular."""
    if a.shape[-1] == 0:
        return np.zeros_like(a)
    singular = det == 0
    out = np.empty_like(a)
    if not np.all(singular):
        ok = ~singular
        out[ok] = det[ok][..., None, None] * _inv_t(a[ok])
    if np.any(singular):
        u, s, vh = np.linalg.svd(a[singular])
        n = s.shape[-1]
        others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1)
        sign = np.linalg.det(u) * np.linalg.det(vh)
        out[singular] = sign[..., None, None] * (u * others[..., None, :]) @ vh
    return out


class Slogdet(Primitive):
    """``(sign, log|det A|)``; the sign's gradient is zero, the log's is ``g A^{-T}``."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> tuple:
        sign, logabs = np.linalg.slogdet(a)
        sign, logabs = np.asarray(sign, a.dtype), np.asarray(logabs, a.dtype)
        ctx.save_for_backward(a)
        return sign, logabs  # the sign is an output of the node (its gradient is zero)

    @staticmethod
    def backward(ctx: Primitive, g_sign: np.ndarray, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_tensors
        return g[..., None, None] * _inv_t(a)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgSlogdetBackward0"


class Solve(Primitive):
    """``X = A^{-1} B`` (``left``) or ``B A^{-1}``, batches already broadcast; ``B`` a batch of
    matrices, or of vectors when ``vector``. Gradients: ``gB = A^{-T} g``, ``gA = -gB X^T``
    (mirrored when not ``left``)."""

    @staticmethod
    def forward(ctx: Primitive, a, b, left: bool = True, vector: bool = False) -> np.ndarray:
        b2 = b[..., None] if vector else b
        x = _solve_or_nan(a, b2) if left else mT(_solve_or_nan(mT(a), mT(b2)))
        x = x[..., 0] if vector else x
        ctx.left, ctx.vector = left, vector
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, x = ctx.saved_tensors
        if ctx.vector:
            g, x = g[..., None], x[..., None]
        if ctx.left:
            gb = _solve_or_nan(mT(a), g)
            ga = -(gb @ mT(x))
        else:
            gb = mT(_solve_or_nan(a, mT(g)))
            ga = -(mT(x) @ gb)
        return ga, (gb[..., 0] if ctx.vector else gb)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgSolveExBackward0"


class SolveTriangular(Primitive):
    """``X = A^{-1} B`` (or ``B A^{-1}``) reading one triangle of ``A``; ``A``'s gradient is
    kept to that triangle (without the diagonal when ``unitriangular``)."""

    @staticmethod
    def forward(ctx: Primitive, a, b, upper: bool, left: bool = True, unit: bool = False):
        if left:
            x = tri_solve(a, b, upper, unit)
        else:
            x = mT(tri_solve(mT(a), mT(b), not upper, unit))
        ctx.upper, ctx.left, ctx.unit = upper, left, unit
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, x = ctx.saved_tensors
        upper, unit = ctx.upper, ctx.unit
        if ctx.left:
            gb = tri_solve(mT(a), g, not upper, unit)
            ga = -(gb @ mT(x))
        else:
            gb = mT(tri_solve(a, mT(g), upper, unit))
            ga = -(mT(x) @ gb)
        k = 1 if unit else 0
        ga = np.triu(ga, k) if upper else np.tril(ga, -k)
        return (ga if ctx.needs_input_grad[0] else None), gb

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgSolveTriangularBackward0"


def cholesky_array(a: np.ndarray) -> np.ndarray:
    """``np.linalg.cholesky`` with nan for a batch element that is not positive-definite
    (callers find which with ``cholesky_info``)."""
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        out = np.full(a.shape, np.nan, a.dtype)
        for i in np.ndindex(a.shape[:-2]):
            try:
                out[i] = np.linalg.cholesky(a[i])
            except np.linalg.LinAlgError:
                pass
        return out


def cholesky_info(a: np.ndarray) -> np.ndarray:
    """LAPACK's ``potrf`` info per batch element: the order of the first leading minor that is
    not positive-definite, 0 when the whole matrix is."""
    n = a.shape[-1]
    flat = a.reshape((-1, n, n)).astype(np.float64)
    info = np.zeros(flat.shape[0], np.int32)
    l = np.zeros_like(flat)
    for j in range(n):
        d = flat[:, j, j] - (l[:, j, :j] ** 2).sum(-1)
        bad = ~(d > 0) & (info == 0)
        info[bad] = j + 1
        root = np.sqrt(np.where(d > 0, d, 1))
        l[:, j, j] = root
        dot = np.einsum("bik,bk->bi", l[:, j + 1 :, :j], l[:, j, :j])
        l[:, j + 1 :, j] = (flat[:, j + 1 :, j] - dot) / root[:, None]
    return info.reshape(a.shape[:-2])


def cholesky_backward(l: np.ndarray, gl: np.ndarray) -> np.ndarray:
    """PyTorch's ``cholesky_backward`` for ``A = L L^T``: ``L^{-T} Φ(L^T gL) L^{-1}`` with
    ``Φ`` the lower triangle, diagonal halved, made symmetric."""
    ga = np.tril(mT(l) @ gl)
    ga = 0.5 * (ga + mT(np.tril(ga, -1)))
    ga = tri_solve(mT(l), ga, upper=True)
    return mT(tri_solve(mT(l), mT(ga), upper=True))  # ... L^{-1}: solve X L = ga


class Cholesky(Primitive):
    """The lower factor ``L`` of ``A = L L^T`` (``upper``: ``L^T``); reads the lower triangle."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, upper: bool = False) -> np.ndarray:
        l = cholesky_array(a)
        ctx.upper = upper
        out = np.ascontiguousarray(mT(l)) if upper else l
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        if ctx.upper:
            return cholesky_backward(mT(out), mT(g))
        return cholesky_backward(out, g)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgCholeskyExBackward0"


class CholeskyInverse(Primitive):
    """``(L L^T)^{-1}`` from the factor ``L`` (``upper``: from ``U = L^T``)."""

    @staticmethod
    def forward(ctx: Primitive, l: np.ndarray, upper: bool = False) -> np.ndarray:
        lower = mT(l) if upper else l
        eye = np.broadcast_to(np.eye(l.shape[-1], dtype=l.dtype), l.shape)
        inv_l = tri_solve(lower, eye, upper=False)
        out = mT(inv_l) @ inv_l
        ctx.upper = upper
        ctx.save_for_backward(l, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        l, out = ctx.saved_tensors
        # d(out) = -out dA out with A = L L^T: gA = -out gsym out, gL = (gA + gA^T) L
        common = -(out @ (g + mT(g)) @ out)
        return l @ common if ctx.upper else common @ l

    def name(self) -> str:
        return self.__dict__.get("_name") or "CholeskyInverseBackward0"


class CholeskySolve(Primitive):
    """``X = (L L^T)^{-1} B`` from the factor ``L`` (``upper``: ``U = L^T``)."""

    @staticmethod
    def forward(ctx: Primitive, b: np.ndarray, l: np.ndarray, upper: bool = False) -> np.ndarray:
        lower = mT(l) if upper else l
        x = tri_solve(mT(lower), tri_solve(lower, b, upper=False), upper=True)
        ctx.upper = upper
        ctx.save_for_backward(b, l, x)  # b unread, but kept as PyTorch's node keeps it
        return x

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        _, l, x = ctx.saved_tensors
        lower = mT(l) if ctx.upper else l
        gb = tri_solve(mT(lower), tri_solve(lower, g, upper=False), upper=True)
        common = -(gb @ mT(x))
        common = common + mT(common)  # through A = L L^T: gA = -gB X^T, gL = (gA + gA^T) L
        return gb, (l @ common if ctx.upper else common @ l)

    def name(self) -> str:
        return self.__dict__.get("_name") or "CholeskySolveBackward0"


_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
    129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
    40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def matrix_exp_array(a: np.ndarray) -> np.ndarray:
    """``exp(A)`` by scaling and squaring with the [13/13] Padé approximant (Higham 2005),
    computed in float64 for every batch element with its own number of squarings."""
    x = a.astype(np.float64)
    n = x.shape[-1]
    if x.size == 0:
        return np.zeros_like(a)
    norm1 = np.abs(x).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.maximum(norm1, 1e-300) / _THETA13))).astype(int)
    x = x / (2.0**s)[..., None, None]
    b = _PADE13
    eye = np.eye(n)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)  # fmt: skip
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for i in range(int(s.max(initial=0))):
        r = np.where((s > i)[..., None, None], r @ r, r)
    return r.astype(a.dtype)


class MatrixExp(Primitive):
    """``exp(A)``; gradient: the upper-right block of ``exp([[A^T, g], [0, A^T]])`` (PyTorch's
    ``differential_analytic_matrix_function``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return matrix_exp_array(a)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        block = np.zeros(a.shape[:-2] + (2 * n, 2 * n), a.dtype)
        block[..., :n, :n] = block[..., n:, n:] = mT(a)
        block[..., :n, n:] = g
        return matrix_exp_array(block)[..., :n, n:]

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgMatrixExpBackward0"


def pinv_array(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    """The pseudo-inverse: singular values ``<= max(atol, rtol * s_max)`` count as zero
    (``atol``/``rtol``: arrays broadcasting against the batch)."""
    if hermitian:
        w, v = np.linalg.eigh(a)
        s, left, right = np.abs(w), v, mT(v) * np.sign(w)[..., :, None]
    else:
        left, s, right = np.linalg.svd(a, full_matrices=False)
    smax = s.max(axis=-1, initial=0) if s.shape[-1] else np.zeros(s.shape[:-1], a.dtype)
    tol = np.maximum(atol, rtol * smax)[..., None]
    keep = s > tol
    inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
    return np.asarray(mT(right) @ (inv_s[..., :, None] * mT(left)), a.dtype)


def pinv_backward(g: np.ndarray, pinv: np.ndarray, a: np.ndarray) -> np.ndarray:
    """PyTorch's ``pinv_backward`` (Golub & Pereyra), multiplied in the cheaper order."""
    m, n = a.shape[-2:]
    pinv_t, g_t = mT(pinv), mT(g)
    if m <= n:
        k = g_t @ pinv
        k_pinv_t = k @ pinv_t
        return (-mT(pinv @ k) + k_pinv_t - (a @ pinv) @ k_pinv_t
                + (pinv_t @ pinv) @ (g_t - k @ a))  # fmt: skip
    k = pinv @ g_t
    pinv_t_k = pinv_t @ k
    return -mT(k @ pinv) + (g_t - a @ k) @ pinv @ pinv_t + pinv_t_k - pinv_t_k @ pinv @ a


class Pinv(Primitive):
    """The Moore-Penrose pseudo-inverse (``atol``/``rtol``: the cut-off, as arrays)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
        out = pinv_array(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        a, out = ctx.saved_tensors
        return pinv_backward(g, out, a)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgPinvBackward0"


class Lstsq(Primitive):
    """The minimum-norm least-squares solution ``X = pinv(A) B`` (batches broadcast, ``B`` a
    batch of matrices), and its residuals ``||A X - B||^2`` per column when ``residuals``.
    Gradients as PyTorch's ``linalg_lstsq_backward``: through ``pinv(A)``."""

    @staticmethod
    def forward(ctx: Primitive, a, b, rcond: float, residuals: bool) -> tuple:
        rtol = np.asarray(rcond, a.dtype)
        pinv = pinv_array(a, np.zeros((), a.dtype), rtol, False)
        x = pinv @ b
        ctx.residuals = residuals
        res = ((a @ x - b) ** 2).sum(axis=-2) if residuals else np.zeros((0,), a.dtype)
        ctx.save_for_backward(a, b, pinv, x)  # x as PyTorch's node keeps it (version checks)
        return x, res.astype(a.dtype)

    @staticmethod
    def backward(ctx: Primitive, gx: np.ndarray, g_res: np.ndarray) -> tuple:
        a, b, pinv, x = ctx.saved_tensors
        ga = pinv_backward(gx @ mT(b), pinv, a) if ctx.needs_input_grad[0] else None
        gb = mT(pinv) @ gx if ctx.needs_input_grad[1] else None
        if ctx.residuals:
            # r = |A X - B|^2 per column, X optimal: only the explicit A and B terms remain
            weighted = 2 * (a @ x - b) * g_res[..., None, :]
            ga = None if ga is None else ga + weighted @ mT(x)
            gb = None if gb is None else gb - weighted
        return ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgLstsqBackward0"


class VectorNorm(Primitive):
    """``sum(|x|^ord) ^ (1/ord)`` over ``axes`` (``inf``/``-inf``: the largest/smallest
    ``|x|``; 0: the count of non-zeros), with PyTorch's ``norm_backward``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, ord: float, axes, keepdim: bool) -> np.ndarray:
        ax = np.abs(x)
        if ord == np.inf:
            out = ax.max(axis=axes, keepdims=True, initial=0)
        elif ord == -np.inf:
            out = ax.min(axis=axes, keepdims=True)
        elif ord == 0:
            out = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        elif ord == 1:
            out = ax.sum(axis=axes, keepdims=True)
        elif ord == 2:
            out = np.sqrt((ax * ax).sum(axis=axes, keepdims=True))
        else:
            out = (ax**ord).sum(axis=axes, keepdims=True) ** (1.0 / ord)
        out = np.asarray(out, x.dtype)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        result = out if keepdim else np.squeeze(out, axis=axes)
        ctx.save_for_backward(x, result)  # the result itself: its in-place change is caught
        return result

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        x, norm = ctx.saved_tensors
        ord = ctx.ord
        if not ctx.keepdim:
            g, norm = np.expand_dims(g, ctx.axes), np.expand_dims(norm, ctx.axes)
        if ord == 0:
            return np.zeros_like(x)
        if ord == 1:
            return np.sign(x) * g
        if ord in (np.inf, -np.inf):
            mask = np.abs(x) == norm
            return np.sign(x) * mask * g / mask.sum(axis=ctx.axes, keepdims=True)
        safe = np.where(norm == 0, 1, norm)
        if ord == 2:
            return np.where(norm == 0, 0, x * (g / safe))
        scale = np.abs(x) ** (ord - 2) if ord >= 1 else np.where(x == 0, 0, np.abs(x) ** (ord - 2))
        return np.where(norm == 0, 0, x * scale * g / safe ** (ord - 1))

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgVectorNormBackward0"


class Diagonal(Primitive):
    """The diagonal ``offset`` of the planes ``(dim1, dim2)``, as the last dimension."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return np.diagonal(x, offset, dim1, dim2).copy()

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        offset, dim1, dim2 = ctx.args
        out = np.zeros(ctx.shape, g.dtype)
        planes = np.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writes land in ``out``
        i = np.arange(g.shape[-1])
        planes[..., i + max(-offset, 0), i + max(offset, 0)] = g
        return out

    def name(self) -> str:
        return self.__dict__.get("_name") or "DiagonalBackward0"
