"""Reductions and the fused softmax family. ``dim`` arrives normalised: a tuple of
non-negative axes, or None for all."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function


def _expand_back(g: np.ndarray, shape: tuple, dims: tuple | None, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the input's shape (a view, no copy)."""
    if not keepdim:
        axes = range(len(shape)) if dims is None else dims
        g = np.expand_dims(g, tuple(sorted(axes)))
    return np.broadcast_to(g, shape)


class Sum(Function):
    @staticmethod
    def forward(
        ctx: Function, x: np.ndarray, dims: tuple | None, keepdim: bool, np_dtype
    ) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class Amax(Function):
    """Max over ``dims``; the gradient is shared evenly between tied maxima, as in PyTorch.

    With ``nan_hits`` (PyTorch's full ``max()``/``min()``) a NaN result counts as a tie with
    every NaN, so the gradient goes to the NaNs; ``amax`` leaves it NaN, as PyTorch does.
    """

    @staticmethod
    def forward(ctx: Function, x, dims: tuple | None, keepdim: bool, use_min: bool, nan_hits=False):
        reduce = np.min if use_min else np.max
        out = np.asarray(reduce(x, axis=dims, keepdims=True))
        hits = x == out
        if nan_hits and x.dtype.kind == "f":
            hits |= np.isnan(x) & np.isnan(out)
        ctx.save_for_backward(hits / np.sum(hits, axis=dims, keepdims=True).astype(x.dtype))
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else np.asarray(np.squeeze(out, axis=dims))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (share,) = ctx.saved_tensors
        g = _expand_back(g, share.shape, ctx.dims, ctx.keepdim)
        return g * share, None, None, None, None


class Gather(Function):
    """``take_along_axis``: out[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim``."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        # the output takes index's shape: other axes of x beyond it are not read
        window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(x[window], index, axis=dim)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=g.dtype)
        _scatter_add(out, index, g, ctx.dim)
        return out, None, None


def _scatter_add(out: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> None:
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    np.add.at(out, tuple(idx), src)


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
        with np.errstate(invalid="ignore"):
            out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * np.sum(g, axis=ctx.dim, keepdims=True), None


class Softmax(Function):
    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))
        out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (out,) = ctx.saved_tensors
        gy = g * out
        return gy - out * np.sum(gy, axis=ctx.dim, keepdims=True), None


class Var(Function):
    """``sum((x - mean)^2) / max(count - correction, 0)`` over ``dims``, fused.

    The backward is PyTorch's ``2 (x - mean) g / (count - correction)``: no gradient flows
    through the mean (its true contribution is 0), so an infinite element leaves its row's
    finite positions at -/+inf (NaN only at the inf) instead of an all-NaN row.
    """

    @staticmethod
    def forward(
        ctx: Function, x: np.ndarray, dims: tuple | None, keepdim: bool, correction
    ) -> np.ndarray:
        count = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.mean(x, axis=dims, keepdims=True) if x.size else np.zeros((), x.dtype)
            centred = x - mean.astype(x.dtype, copy=False)
            total = np.sum(centred * centred, axis=dims, keepdims=keepdim)
            out = total / x.dtype.type(max(count - correction, 0))
        ctx.save_for_backward(centred)
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, count - correction
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        (centred,) = ctx.saved_tensors
        g = _expand_back(g, centred.shape, ctx.dims, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = centred.dtype.type(2.0) / centred.dtype.type(ctx.dof)
            return (scale * g * centred).astype(centred.dtype, copy=False), None, None, None
