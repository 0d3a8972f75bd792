"""``grid_sample`` (bilinear / nearest / bicubic; zeros / border / reflection padding) and its
gradients with respect to the input and the grid, on (N, C, [D,] H, W) arrays.

Each output point reads a product of 1-D taps, one set per spatial axis: a tap is an input
index, a weight and the weight's derivative with respect to the grid coordinate. The rules
follow ATen's ``GridSampler.h``: the grid is unnormalised to pixel coordinates
(``((g+1)/2)*(n-1)`` with ``align_corners``, else ``((g+1)*n-1)/2``); bilinear and nearest
pad the continuous coordinate (clip, or reflect then clip, carrying the derivative), while
bicubic pads each integer tap. Taps outside the input read zero. Forward gathers every tap at
once; backward scatters the input gradient with ``np.bincount`` and sums the grid gradient.
"""

from __future__ import annotations

import itertools

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["AffineGrid", "GridSample", "base_grid"]

_A = -0.75  # the cubic convolution's parameter, as in PyTorch


def _clip(c: np.ndarray, n: int) -> tuple:
    """``clip_coordinates`` and its derivative (0 where clamped)."""
    out = np.clip(c, 0, n - 1)
    return out, ((c > 0) & (c < n - 1)).astype(c.dtype)


def _reflect(c: np.ndarray, twice_low: int, twice_high: int) -> tuple:
    """``reflect_coordinates`` and its derivative (+1 or -1)."""
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    sign = np.where(c < low, -1.0, 1.0).astype(c.dtype)
    dist = np.abs(c - low)
    extra = np.fmod(dist, span)
    flips = np.floor(dist / span)
    even = np.fmod(flips, 2) == 0
    out = np.where(even, extra + low, span - extra + low).astype(c.dtype)
    return out, np.where(even, sign, -sign).astype(c.dtype)


def _pad_coordinate(c: np.ndarray, n: int, padding: str, align: bool) -> tuple:
    """``compute_coordinates`` with its derivative."""
    if padding == "border":
        return _clip(c, n)
    if padding == "reflection":
        c, d1 = _reflect(c, 0, 2 * (n - 1)) if align else _reflect(c, -1, 2 * n - 1)
        c, d2 = _clip(c, n)
        return c, d1 * d2
    return c, np.ones_like(c)


def _safe(c: np.ndarray) -> np.ndarray:
    """``safe_downgrade_to_int_range``: NaN, infinities and huge values read as -100."""
    ok = np.isfinite(c) & (np.abs(c) < 2.0**62)
    return np.where(ok, c, -100.0).astype(c.dtype)


def _cubic(t: np.ndarray) -> tuple:
    """Keys' weights of the taps at -1, 0, 1, 2 for offset ``t``, and their derivatives."""
    a = _A
    x0, x1, x2, x3 = t + 1, t, 1 - t, 2 - t
    w = [
        ((a * x0 - 5 * a) * x0 + 8 * a) * x0 - 4 * a,
        ((a + 2) * x1 - (a + 3)) * x1 * x1 + 1,
        ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
        ((a * x3 - 5 * a) * x3 + 8 * a) * x3 - 4 * a,
    ]
    d = [
        (3 * a * x0 - 10 * a) * x0 + 8 * a,
        (3 * (a + 2) * x1 - 2 * (a + 3)) * x1,
        -(3 * (a + 2) * x2 - 2 * (a + 3)) * x2,
        -((3 * a * x3 - 10 * a) * x3 + 8 * a),
    ]
    return [v.astype(t.dtype) for v in w], [v.astype(t.dtype) for v in d]


def _axis_taps(g: np.ndarray, n: int, mode: str, padding: str, align: bool) -> list:
    """One axis' taps for grid coordinates ``g``: [(index, weight, d weight / d g)], with
    weight and derivative zero where the index falls outside [0, n)."""
    scale = (n - 1) / 2 if align else n / 2
    c = (((g + 1) / 2) * (n - 1)) if align else (((g + 1) * n - 1) / 2)
    c = c.astype(g.dtype)
    if mode == "bicubic":
        i0 = np.floor(c)
        t = (c - i0).astype(g.dtype)
        ws, ds = _cubic(t)
        taps = []
        for k in range(4):
            pos, _ = _pad_coordinate(i0 + (k - 1), n, padding, align)
            taps.append((pos, ws[k], ds[k] * scale))
    else:
        c, mult = _pad_coordinate(c, n, padding, align)
        c, mult = _safe(c), mult * scale
        if mode == "nearest":
            taps = [(np.rint(c), np.ones_like(c), np.zeros_like(c))]
        else:
            i0 = np.floor(c)
            taps = [(i0, (i0 + 1) - c, -mult), (i0 + 1, c - i0, mult)]
    out = []
    for pos, w, d in taps:
        valid = (pos >= 0) & (pos <= n - 1)
        idx = np.where(valid, pos, 0).astype(np.int64)
        out.append(
            (idx, np.where(valid, w, 0).astype(g.dtype), np.where(valid, d, 0).astype(g.dtype))
        )
    return out


def _taps(x: np.ndarray, grid: np.ndarray, mode: str, padding: str, align: bool) -> tuple:
    """Every combined tap as (flat index (N, P), weight (N, P), [d weight / d grid_d])."""
    spatial = x.shape[2:]
    nd = len(spatial)
    coords = grid.reshape(grid.shape[0], int(np.prod(grid.shape[1:-1], dtype=np.int64)), nd)
    # grid's last axis lists x (width) first: axis d of the grid is spatial axis nd-1-d
    per_axis = [
        _axis_taps(coords[..., d], spatial[nd - 1 - d], mode, padding, align) for d in range(nd)
    ]
    strides = [int(np.prod(spatial[nd - d :], dtype=np.int64)) for d in range(nd)]
    combined = []
    for choice in itertools.product(*per_axis):
        flat = sum(tap[0] * s for tap, s in zip(choice, strides))
        weight = np.prod([tap[1] for tap in choice], axis=0)
        grads = []
        for d in range(nd):
            others = [choice[e][1] for e in range(nd) if e != d]
            grads.append(choice[d][2] * np.prod(others, axis=0) if others else choice[d][2])
        combined.append((flat, weight, grads))
    return combined


def _gather(x3: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """x3 (N, C, S) read at ``flat`` (N, P): (N, C, P)."""
    return np.take_along_axis(x3, flat[:, None, :], axis=2)


class GridSample(Primitive):
    """``grid_sample``: input (N, C, *spatial), grid (N, *out, nd) -> (N, C, *out)."""

    def name(self) -> str:
        return (
            "GridSampler3DBackward0" if self.__dict__.get("nd") == 3 else "GridSampler2DBackward0"
        )

    @staticmethod
    def forward(ctx: Primitive, x, grid, mode: str, padding: str, align: bool) -> np.ndarray:
        ctx.nd = x.ndim - 2
        ctx.opts = (mode, padding, bool(align))
        ctx.save_for_backward(x, grid)
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, int(np.prod(x.shape[2:], dtype=np.int64)))
        out = np.zeros((n, c, int(np.prod(grid.shape[1:-1], dtype=np.int64))), dtype=x.dtype)
        for flat, weight, _ in _taps(x, grid, *ctx.opts):
            out += _gather(x3, flat) * weight[:, None, :]
        return out.reshape((n, c) + grid.shape[1:-1])

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, grid = ctx.saved_tensors
        need_x, need_grid = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        n, c = x.shape[:2]
        size = int(np.prod(x.shape[2:], dtype=np.int64))
        x3 = x.reshape(n, c, size)
        g3 = g.reshape(n, c, int(np.prod(g.shape[2:], dtype=np.int64)))
        gx = np.zeros(n * c * size) if need_x else None
        ggrid = (
            np.zeros(grid.shape[:1] + (g3.shape[2], ctx.nd), dtype=g.dtype) if need_grid else None
        )
        base = (np.arange(n * c, dtype=np.int64) * size).reshape(n, c, 1)
        for flat, weight, grads in _taps(x, grid, *ctx.opts):
            if need_x:
                vals = (g3 * weight[:, None, :]).astype(np.float64)
                gx += np.bincount((base + flat[:, None, :]).ravel(), vals.ravel(), n * c * size)
            if need_grid and ctx.opts[0] != "nearest":
                dot = np.sum(g3 * _gather(x3, flat), axis=1)  # (N, P)
                for d in range(ctx.nd):
                    ggrid[..., d] += dot * grads[d]
        gx = None if gx is None else gx.astype(x.dtype).reshape(x.shape)
        ggrid = None if ggrid is None else ggrid.reshape(grid.shape)
        return gx, ggrid, None, None, None


def _linspace(steps: int, align: bool, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``linspace_from_neg_one`` in ``dtype``: its linspace (from both ends), then
    scaled by (steps-1)/steps without ``align_corners``."""
    ft = np.dtype(dtype).type
    if steps <= 1:
        return np.zeros(steps, dtype)
    step = ft(2) / ft(steps - 1)
    i = np.arange(steps)
    front = ft(-1) + step * i.astype(dtype)
    back = ft(1) - step * (steps - i - 1).astype(dtype)
    out = np.where(i < steps // 2, front, back).astype(dtype)
    if not align:
        out = ((out * ft(steps - 1)) / ft(steps)).astype(dtype)
    return out


def base_grid(spatial: tuple, align: bool, dtype: np.dtype) -> np.ndarray:
    """(prod(spatial), nd+1) rows ``[x, y, (z,) 1]``, x along the last spatial axis."""
    axes = [_linspace(n, align, dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    cols = [m.ravel() for m in reversed(mesh)]
    cols.append(np.ones(cols[0].shape, dtype))
    return np.stack(cols, axis=-1).astype(dtype)


class AffineGrid(Primitive):
    """``affine_grid``: theta (N, nd, nd+1) -> grid (N, *spatial, nd) = base @ theta^T."""

    def name(self) -> str:
        return "AffineGridGeneratorBackward0"

    @staticmethod
    def forward(ctx: Primitive, theta: np.ndarray, spatial: tuple, align: bool) -> np.ndarray:
        base = base_grid(tuple(spatial), bool(align), theta.dtype)
        ctx.save_for_backward(base)
        out = np.matmul(base[None], np.swapaxes(theta, 1, 2))
        return out.reshape((theta.shape[0],) + tuple(spatial) + (theta.shape[1],))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (base,) = ctx.saved_tensors
        g2 = g.reshape(g.shape[0], -1, g.shape[-1])
        return np.matmul(np.swapaxes(g2, 1, 2), base[None]), None, None
