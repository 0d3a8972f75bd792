"""Statistics primitives: quantiles (``quantile``/``nanquantile``), ``renorm`` and the full
``nanmedian``, on ndarrays, and ``NoDerivative``, the node of the counting ops PyTorch records
without a derivative. The value-selecting ones with indices (``mode``, ``nanmedian`` along a
dim) reuse ``reduce.SelectAlong``."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.reduce import Amax, _scatter_add

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def lerp(start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """PyTorch's ``lerp``: from ``start`` for small weights and from ``end`` for large ones,
    so a weight of 0 or 1 gives an end point exactly."""
    small = np.abs(weight) < 0.5
    return np.where(small, start + weight * (end - start), end - (end - start) * (1 - weight))


def _ranks(sorted_rows: np.ndarray, q: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """Fractional positions of the quantiles ``q`` in each sorted row, shape ``rows + (Q,)``:
    among the non-NaN values for ``nanquantile``; the last (a NaN) for ``quantile`` of a row
    with a NaN (PyTorch's rule)."""
    dt = sorted_rows.dtype.type
    n = sorted_rows.shape[-1]
    nan = np.isnan(sorted_rows)
    if ignore_nan:
        count = np.sum(~nan, axis=-1, keepdims=True) - 1
        ranks = q * count.astype(sorted_rows.dtype)
        return np.where(ranks < 0, dt(0), ranks)
    ranks = np.broadcast_to(q * dt(n - 1), sorted_rows.shape[:-1] + q.shape)
    return np.where(np.any(nan, axis=-1, keepdims=True), dt(n - 1), ranks)


class Quantile(Primitive):
    """The quantiles ``q`` (0-d or 1-d) of ``x`` over ``dim`` (all elements when None).

    Like PyTorch: sort each row (NaNs last), turn ``q`` into fractional ranks, round them for
    ``lower``/``higher``/``nearest``, and ``lerp`` between the values below and above. The
    gradient goes to the two elements read, weighted as in the ``lerp``; ``q`` gets
    ``(above - below) * (count - 1)`` for ``linear``. The positions and weights are private
    arrays, so nothing of the caller's is kept.
    """

    @staticmethod
    def forward(ctx, x, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool, order):
        rows = x.reshape(-1) if dim is None else np.moveaxis(x, dim, -1)
        sorted_rows = np.take_along_axis(rows, order, -1)
        qv = np.asarray(q, x.dtype).reshape(-1)
        ranks = _ranks(sorted_rows, qv, ignore_nan)
        if interpolation == "lower":
            ranks = np.floor(ranks)
        elif interpolation == "higher":
            ranks = np.ceil(ranks)
        elif interpolation == "nearest":
            ranks = np.round(ranks)  # half to even, as PyTorch's round
        below = ranks.astype(np.int64)
        if interpolation in ("linear", "midpoint"):
            full = np.full(ranks.shape, 0.5, x.dtype)
            weights = full if interpolation == "midpoint" else (ranks - below).astype(x.dtype)
            above = np.ceil(ranks).astype(np.int64)
        else:
            weights, above = np.zeros(ranks.shape, x.dtype), below
        low = np.take_along_axis(sorted_rows, below, -1)
        high = np.take_along_axis(sorted_rows, above, -1)
        out = np.asarray(lerp(low, high, weights), x.dtype)
        slope = None
        if interpolation == "linear" and _needs_q(ctx):
            scale = _rank_slope(sorted_rows, ignore_nan)
            slope = ((high - low) * scale).astype(x.dtype)
        ctx.save_for_backward(
            np.take_along_axis(order, below, -1), np.take_along_axis(order, above, -1),
            weights, slope,
        )  # fmt: skip
        ctx.x_shape, ctx.dim, ctx.q_shape = x.shape, dim, np.shape(q)
        ctx.rows_shape = rows.shape
        out = np.moveaxis(out, -1, 0) if np.ndim(q) else out[..., 0]
        ctx.out_shape = out.shape
        if keepdim:
            out = _keep(out, x.ndim, dim, np.ndim(q))
        return out

    @staticmethod
    def backward(ctx, g: np.ndarray) -> tuple:
        pos_below, pos_above, weights, slope = ctx.saved_tensors
        g = g.reshape(ctx.out_shape)
        g = np.moveaxis(g, 0, -1) if len(ctx.q_shape) else g[..., None]
        grad = np.zeros(ctx.rows_shape, g.dtype)
        last = grad.ndim - 1
        _scatter_add(grad, pos_below, g * (1 - weights), last)
        _scatter_add(grad, pos_above, g * weights, last)
        grad = grad.reshape(ctx.x_shape) if ctx.dim is None else np.moveaxis(grad, -1, ctx.dim)
        grad_q = None
        if slope is not None:
            grad_q = np.sum((g * slope).reshape(-1, g.shape[-1]), axis=0).reshape(ctx.q_shape)
        return grad, grad_q, None, None, None, None, None


def _needs_q(ctx: Primitive) -> bool:
    """Whether ``q`` (the second input) needs a gradient."""
    needs = getattr(ctx, "needs_input_grad", ())
    return len(needs) > 1 and bool(needs[1])


def _rank_slope(sorted_rows: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """d rank / d q for each row: ``count - 1`` (0 where PyTorch overwrites the rank)."""
    nan = np.isnan(sorted_rows)
    n = sorted_rows.shape[-1]
    if ignore_nan:
        count = np.sum(~nan, axis=-1, keepdims=True) - 1
        return np.where(count < 0, 0, count).astype(sorted_rows.dtype)
    return np.where(np.any(nan, axis=-1, keepdims=True), 0, n - 1).astype(sorted_rows.dtype)


def _keep(out: np.ndarray, ndim: int, dim, q_ndim: int) -> np.ndarray:
    """``keepdim``: the reduced axes back as size 1 (after the leading quantile axis)."""
    if dim is None:
        return out.reshape(out.shape[:q_ndim] + (1,) * ndim)
    return np.expand_dims(out, dim + q_ndim) if ndim else out


class Renorm(Primitive):
    """Each slice along ``dim`` scaled down to ``p``-norm ``maxnorm`` where it is larger
    (``maxnorm / (norm + 1e-7)``, PyTorch's factor). ``RenormBackward0`` keeps the input;
    backward is PyTorch's ``renorm_backward``."""

    @staticmethod
    def forward(ctx, x: np.ndarray, p: float, dim: int, maxnorm: float) -> np.ndarray:
        axes = tuple(d for d in range(x.ndim) if d != dim)
        norm = _vector_norm(x, p, axes)
        factor = np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0).astype(x.dtype)
        ctx.save_for_backward(x)
        ctx.p, ctx.axes, ctx.maxnorm = p, axes, maxnorm
        return (x * factor).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        p, axes, maxnorm = ctx.p, ctx.axes, ctx.maxnorm
        norm = _vector_norm(x, p, axes)
        along = np.sum(x * g, axis=axes, keepdims=True)
        nb = _norm_backward(along, x, p, norm, axes)
        inv = 1.0 / (norm + 1e-7)
        grad = np.where(norm > maxnorm, inv * maxnorm * g - (maxnorm * inv * inv) * nb, g)
        return grad.astype(x.dtype, copy=False), None, None, None


def _vector_norm(x: np.ndarray, p: float, axes: tuple) -> np.ndarray:
    a = np.abs(x)
    if p == np.inf:
        return np.max(a, axis=axes, keepdims=True, initial=0)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
    if p == 1:
        return np.sum(a, axis=axes, keepdims=True)
    return np.sum(a**p, axis=axes, keepdims=True) ** (1.0 / p)


def _norm_backward(g, x: np.ndarray, p: float, norm: np.ndarray, axes: tuple) -> np.ndarray:
    """PyTorch's ``norm_backward`` for ``p > 0`` (``g`` and ``norm`` kept over ``axes``)."""
    if p == 1:
        return np.sign(x) * g
    if p == 2:
        return np.where(norm == 0, 0, x * g / np.where(norm == 0, 1, norm))
    if p == np.inf:
        hits = np.abs(x) == norm
        return np.sign(x) * hits * g / np.sum(hits, axis=axes, keepdims=True)
    scale = x * np.abs(x) ** (p - 2) / np.where(norm == 0, 1, norm) ** (p - 1)
    return np.where(norm == 0, 0, scale * g)


class Nanmedian(Amax):
    """The lower median of the non-NaN elements (NaN when all are); the gradient is shared
    by the elements equal to it (the NaNs when it is NaN), as PyTorch's
    ``NanmedianBackward0`` (input and result kept)."""

    @staticmethod
    def forward(ctx, x: np.ndarray) -> np.ndarray:
        flat = np.sort(x.reshape(-1))  # NaNs sort last
        valid = int(np.sum(~np.isnan(flat)))
        out = np.asarray(flat[(valid - 1) // 2] if valid else flat[0])
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim, ctx.use_min, ctx.nan_hits = None, False, False, True
        return out

    @staticmethod
    def backward(ctx, g: np.ndarray) -> tuple:
        return Amax.backward(ctx, g)[:1]

    def name(self) -> str:
        return "NanmedianBackward0"


class NoDerivative(Primitive):
    """The node PyTorch records for an op with no derivative when an input requires grad
    (``unique``'s ``Unique2Backward0``, ``histogram``'s ``NotImplemented``): the results are
    computed already (``values``); backward raises PyTorch's error."""

    @staticmethod
    def forward(ctx, *inputs, values: tuple, error: type, message: str, node: str):
        ctx.error, ctx.message, ctx._name = error, message, node
        return values if len(values) > 1 else values[0]

    @staticmethod
    def backward(ctx, *grads):
        raise ctx.error(ctx.message)
