"""Reductions and the fused softmax family. ``dim`` arrives normalised: a tuple of
non-negative axes, or None for all."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive


def _expand_back(g: np.ndarray, shape: tuple, dims: tuple | None, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the input's shape (a view, no copy)."""
    if not keepdim:
        axes = range(len(shape)) if dims is None else dims
        g = np.expand_dims(g, tuple(sorted(axes)))
    return np.broadcast_to(g, shape)


def _unreduced(a: np.ndarray, dims: tuple | None, keepdim: bool) -> np.ndarray:
    """A reduced array with its reduced axes back as size 1 (it then broadcasts against the
    input; no copy, and cheaper than ``_expand_back`` where broadcasting does the rest)."""
    return a if keepdim or dims is None else np.expand_dims(a, dims)


class Sum(Primitive):
    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, dims: tuple | None, keepdim: bool, np_dtype
    ) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        # the ufunc's own reduce: np.sum's dispatch layer costs more than a small sum itself
        return np.asarray(np.add.reduce(x, axis=dims, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class Amax(Primitive):
    """Max over ``dims``; the gradient is shared evenly between tied maxima, as in PyTorch.

    Backward reads the input and the result (PyTorch's ``AmaxBackward0``/``MaxBackward1`` keep
    both) and finds the maxima there. With ``nan_hits`` (PyTorch's full ``max()``/``min()``) a
    NaN result counts as a tie with every NaN, so the gradient goes to the NaNs; ``amax``
    leaves it NaN, as PyTorch does.
    """

    @staticmethod
    def forward(
        ctx: Primitive, x, dims: tuple | None, keepdim: bool, use_min: bool, nan_hits=False
    ):
        reduce = np.min if use_min else np.max
        out = np.asarray(reduce(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim, ctx.use_min, ctx.nan_hits = dims, keepdim, use_min, nan_hits
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out = ctx.saved_tensors
        out = _unreduced(out, ctx.dims, ctx.keepdim)
        hits = x == out
        if ctx.nan_hits and x.dtype.kind == "f":
            hits |= np.isnan(x) & np.isnan(out)
        share = hits / np.sum(hits, axis=ctx.dims, keepdims=True).astype(x.dtype)
        return _unreduced(g, ctx.dims, ctx.keepdim) * share, None, None, None, None

    def name(self) -> str:
        return self.__dict__.get("_name") or ("AminBackward0" if self.use_min else "AmaxBackward0")


class Gather(Primitive):
    """``take_along_axis``: out[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim``.

    Backward reads only ``index``, but PyTorch's ``GatherBackward0`` keeps the input too, so a
    changed input is refused here as there. Pass the index *tensor* (negative entries count
    from the end) so that a changed index is refused as well.
    """

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index, x)
        return _take_along(x, index, dim)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        index = ctx.saved_tensors[0]
        out = np.zeros(ctx.shape, dtype=g.dtype)
        _scatter_add(out, index, g, ctx.dim)
        return out, None, None


class SelectAlong(Gather):
    """The values ``max``/``min`` pick along ``dim`` at ``index`` (their indices): a gather
    whose backward keeps only the indices, as PyTorch's ``MaxBackward0`` does."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _take_along(x, index, dim)


def _take_along(x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    # the output takes index's shape: other axes of x beyond it are not read
    window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
    return np.take_along_axis(x[window], index, axis=dim)


def _scatter_add(out: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> None:
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    np.add.at(out, tuple(idx), src)


class LogSoftmax(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
        with np.errstate(invalid="ignore"):
            out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * np.sum(g, axis=ctx.dim, keepdims=True), None


class Softmax(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))
        out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (out,) = ctx.saved_tensors
        gy = g * out
        return gy - out * np.sum(gy, axis=ctx.dim, keepdims=True), None


class Logsumexp(Primitive):
    """``log(sum(exp(x)))`` over ``dims``, shifted by the finite maximum so nothing overflows.
    Backward is ``g * exp(x - out)``: it reads the input and the result (PyTorch's
    ``LogsumexpBackward0`` keeps both)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dims: tuple | None, keepdim: bool) -> np.ndarray:
        # np.max with an initial value: an empty dim gives -inf, as PyTorch's
        peak = np.max(x, axis=dims, keepdims=True, initial=-np.inf)
        peak = np.where(np.isfinite(peak), peak, 0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.sum(np.exp(x - peak), axis=dims, keepdims=True)
            out = np.log(total) + peak
        out = np.asarray(out if keepdim else np.squeeze(out, axis=dims), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            weight = np.exp(x - _unreduced(out, ctx.dims, ctx.keepdim))
        return _unreduced(g, ctx.dims, ctx.keepdim) * weight, None, None


class Var(Primitive):
    """``sum((x - mean)^2) / max(count - correction, 0)`` over ``dims``, fused.

    The backward is PyTorch's ``2 (x - mean) g / (count - correction)``: no gradient flows
    through the mean (its true contribution is 0), so an infinite element leaves its row's
    finite positions at -/+inf (NaN only at the inf) instead of an all-NaN row. PyTorch's
    ``VarBackward0`` keeps the input, so it is kept (and a change to it refused) next to the
    centred input backward reads, which saves centring it again.
    """

    @staticmethod
    def forward(
        ctx: Primitive, x: np.ndarray, dims: tuple | None, keepdim: bool, correction
    ) -> np.ndarray:
        count = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.mean(x, axis=dims, keepdims=True) if x.size else np.zeros((), x.dtype)
            centred = x - mean.astype(x.dtype, copy=False)
            total = np.sum(centred * centred, axis=dims, keepdims=keepdim)
            out = total / x.dtype.type(max(count - correction, 0))
        ctx.save_for_backward(centred, x)
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, count - correction
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        centred = ctx.saved_tensors[0]
        g = _unreduced(g, ctx.dims, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = centred.dtype.type(2.0) / centred.dtype.type(ctx.dof)
            return (scale * g * centred).astype(centred.dtype, copy=False), None, None, None


def _exclusive_prod(x: np.ndarray, axis: int) -> np.ndarray:
    """The product of every other element along ``axis``, for each element (zeros welcome)."""
    x = np.moveaxis(x, axis, -1)
    ones = np.ones(x.shape[:-1] + (1,), x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


class Prod(Primitive):
    """The product over one axis (``dim``) or all (None); PyTorch's ``ProdBackward0/1`` keep
    the input and the result. The gradient is the product of the other elements."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim, keepdim: bool, np_dtype) -> np.ndarray:
        out = np.asarray(np.prod(x, axis=dim, keepdims=keepdim, dtype=np_dtype))
        ctx.save_for_backward(x, out)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, x.shape
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x = ctx.saved_tensors[0]
        if ctx.dim is None:
            others = _exclusive_prod(x.reshape(-1), 0).reshape(x.shape)
            grad = g.reshape(()) * others if x.size else np.zeros(x.shape, g.dtype)
        else:
            g = g if ctx.keepdim else np.expand_dims(g, ctx.dim)
            grad = g * _exclusive_prod(x, ctx.dim) if x.size else np.zeros(x.shape, g.dtype)
        return grad.astype(g.dtype, copy=False), None, None, None


def _reverse_cumsum(g: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


class Cumsum(Primitive):
    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int, np_dtype) -> np.ndarray:
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return _reverse_cumsum(g, ctx.dim), None, None


class Cumprod(Primitive):
    """Running product; backward ``sum_{j>=i} g_j prod_{k<=j, k!=i} x_k``, exact with zeros.
    PyTorch's ``CumprodBackward0`` keeps the input and the result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int, np_dtype) -> np.ndarray:
        out = np.cumprod(x, axis=dim, dtype=np_dtype)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.size == 0:
            return np.zeros(x.shape, g.dtype), None, None
        if np.all(x != 0):
            return _reverse_cumsum(g * out, d) / x, None, None
        xm, gm = np.moveaxis(x, d, -1), np.moveaxis(g, d, -1)
        grad = np.empty_like(xm, dtype=g.dtype)
        for i in range(xm.shape[-1]):
            others = xm.copy()
            others[..., i] = 1
            c = np.cumprod(others, -1)
            grad[..., i] = np.sum((gm * c)[..., i:], -1)
        return np.moveaxis(grad, -1, d), None, None


class Logcumsumexp(Primitive):
    """``log(cumsum(exp(x)))`` along ``dim``, stably; PyTorch's node keeps input and result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dim: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.logaddexp.accumulate(x, axis=dim) if x.size else x.copy()
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.size == 0:
            return np.zeros(x.shape, g.dtype), None
        # grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log space (PyTorch's way): the
        # positive and negative parts of g each through a reversed logcumsumexp
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            grad = np.zeros(x.shape, g.dtype)
            for sign in (1, -1):
                part = sign * g
                logs = np.where(part > 0, np.log(np.where(part > 0, part, 1)), -np.inf) - out
                tail = np.flip(np.logaddexp.accumulate(np.flip(logs, d), axis=d), d)
                grad += sign * np.exp(x + tail)
        return grad, None


class Nansum(Primitive):
    """Sum that skips NaNs; the NaNs get no gradient. ``NansumBackward0`` keeps the input."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, dims, keepdim: bool, np_dtype) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        return np.asarray(np.nansum(x, axis=dims, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        g = _expand_back(g, x.shape, ctx.dims, ctx.keepdim)
        return np.where(np.isnan(x), 0, g).astype(g.dtype, copy=False), None, None, None


class Median(Amax):
    """The lower median of all elements (NaN when any is NaN); ties share the gradient, as in
    PyTorch's ``MedianBackward0`` (input and result kept)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        flat = np.sort(x.reshape(-1))  # NaNs sort last
        out = np.asarray(flat[-1] if np.isnan(flat[-1]) else flat[(flat.size - 1) // 2])
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim, ctx.use_min, ctx.nan_hits = None, False, False, True
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return Amax.backward(ctx, g)[:1]

    def name(self) -> str:
        return "MedianBackward0"


class VectorNorm(Primitive):
    """``linalg.vector_norm`` of any order ``p`` (inf, -inf and 0 included) over ``dims``;
    PyTorch's ``LinalgVectorNormBackward0`` keeps the input and the result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, p: float, dims, keepdim: bool) -> np.ndarray:
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
            elif p == 1:
                out = np.sum(a, axis=dims, keepdims=keepdim)
            elif p == np.inf:
                out = np.max(a, axis=dims, keepdims=keepdim, initial=0)
            elif p == -np.inf:
                out = np.min(a, axis=dims, keepdims=keepdim)
            elif p == 0:
                out = np.sum(a != 0, axis=dims, keepdims=keepdim)
            else:
                out = np.sum(a**p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, out = ctx.saved_tensors
        p = ctx.p
        g, out = _unreduced(g, ctx.dims, ctx.keepdim), _unreduced(out, ctx.dims, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if p == 0:
                grad = np.zeros(x.shape, x.dtype)
            elif p == 1:
                grad = np.sign(x) * g
            elif p == 2:
                grad = np.where(out == 0, 0, x * g / out)
            elif np.isinf(p):
                hits = np.abs(x) == out
                count = np.sum(hits, axis=ctx.dims, keepdims=True)
                grad = np.sign(x) * hits * g / count
            else:
                scale = x * np.abs(x) ** (p - 2) / out ** (p - 1)
                grad = np.where(out == 0, 0, scale * g)
        return np.broadcast_to(np.asarray(grad, dtype=x.dtype), x.shape), None, None, None

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgVectorNormBackward0"
