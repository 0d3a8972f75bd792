"""Pairwise p-norm distances: ``cdist`` (between the rows of two sets) and ``pdist`` (between
the rows of one set), with PyTorch's gradients (zero where a distance is zero)."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive
from numtorch.ops.linalg import sum_to


def _norms(diff: np.ndarray, p: float) -> np.ndarray:
    """The ``p``-norm of ``diff`` over its last axis (``p`` = 0 counts the nonzero entries)."""
    a = np.abs(diff)
    if p == 0:
        out = np.sum(a != 0, axis=-1)
    elif p == 1:
        out = np.sum(a, axis=-1)
    elif p == 2:
        out = np.sqrt(np.sum(a * a, axis=-1))
    elif np.isinf(p):
        out = np.max(a, axis=-1, initial=0)
    else:
        out = np.sum(a**p, axis=-1) ** (1.0 / p)
    return np.asarray(out, dtype=diff.dtype)


def _scale(diff: np.ndarray, dist: np.ndarray, g: np.ndarray, p: float) -> np.ndarray:
    """The gradient of each distance with respect to ``diff`` (its last axis), times ``g``;
    PyTorch's ``_cdist_backward``/``_pdist_backward`` (zero where the distance is zero)."""
    dist, g = dist[..., None], g[..., None]
    if p == 0:
        return np.zeros_like(diff)
    if p == 1:
        return np.sign(diff) * g
    if np.isinf(p):
        return np.sign(diff) * (np.abs(diff) == dist) * g
    if p == 2:
        out = diff * g / dist
    elif p < 2:
        out = np.sign(diff) * np.abs(diff) ** (p - 1) * g / dist ** (p - 1)
        if p < 1:
            out = np.where(diff == 0, 0, out)
    else:
        out = diff * np.abs(diff) ** (p - 2) * g / dist ** (p - 1)
    return np.where(dist == 0, 0, out).astype(diff.dtype, copy=False)


class Cdist(Primitive):
    """Distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M), batches
    already broadcast: (..., P, R). With ``mm`` (p = 2 only) the squares expand through one
    matrix product, as PyTorch's ``_euclidean_dist`` computes them (same rounding), and the
    node is PyTorch's ``EuclideanDistBackward0``."""

    @staticmethod
    def forward(ctx: Primitive, x1: np.ndarray, x2: np.ndarray, *, p: float, mm: bool):
        ctx.p, ctx.mm = p, mm
        if mm:
            out = _euclidean(x1, x2)
        else:
            out = _norms(x1[..., :, None, :] - x2[..., None, :, :], p)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x1, x2, dist = ctx.saved_tensors
        if ctx.mm:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(dist == 0, 0, g / dist).astype(g.dtype, copy=False)
            g1 = x1 * ratio.sum(-1, keepdims=True) - ratio @ x2
            g2 = x2 * ratio.sum(-2)[..., None] - np.swapaxes(ratio, -1, -2) @ x1
            return g1, g2
        diff = x1[..., :, None, :] - x2[..., None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = _scale(diff, dist, g, ctx.p)
        return scaled.sum(-2), -scaled.sum(-3)

    def name(self) -> str:
        default = "EuclideanDistBackward0" if self.mm else "CdistBackward0"
        return self.__dict__.get("_name") or default


def _euclidean(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """``sqrt(clamp_min(|x1|² - 2 x1·x2 + |x2|², 0))`` as PyTorch's one padded product."""
    n1 = np.sum(x1 * x1, axis=-1, keepdims=True)
    n2 = np.sum(x2 * x2, axis=-1, keepdims=True)
    left = np.concatenate([x1 * np.asarray(-2, x1.dtype), n1, np.ones_like(n1)], axis=-1)
    right = np.concatenate([x2, np.ones_like(n2), n2], axis=-1)
    return np.sqrt(np.maximum(left @ np.swapaxes(right, -1, -2), 0)).astype(x1.dtype, copy=False)


class Pdist(Primitive):
    """Distances between every pair of rows ``i < j`` of ``x`` (N, M), in row-major order of
    the upper triangle: N (N - 1) / 2 values (PyTorch's ``PdistBackward0``)."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, *, p: float) -> np.ndarray:
        i, j = np.triu_indices(x.shape[0], 1)
        out = _norms(x[i] - x[j], p)
        ctx.save_for_backward(x, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, dist = ctx.saved_tensors
        i, j = np.triu_indices(x.shape[0], 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = _scale(x[i] - x[j], dist, g, ctx.p)
        grad = np.zeros_like(x)
        np.add.at(grad, i, scaled)
        np.add.at(grad, j, -scaled)
        return (grad,)

    def name(self) -> str:
        return self.__dict__.get("_name") or "PdistBackward0"


class Dist(Primitive):
    """The ``p``-norm of ``a - b`` over all elements (``a`` and ``b`` broadcast against each
    other); PyTorch's ``DistBackward0``, which keeps both operands and the result."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, *, p: float) -> np.ndarray:
        out = _norms((a - b).reshape(1, -1), p).reshape(())
        ctx.save_for_backward(a, b, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_tensors
        diff = a - b
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = _norm_grad(diff, out, g, ctx.p)
        return sum_to(grad, a.shape), sum_to(-grad, b.shape)

    def name(self) -> str:
        return self.__dict__.get("_name") or "DistBackward0"


def _norm_grad(x: np.ndarray, norm: np.ndarray, g: np.ndarray, p: float) -> np.ndarray:
    """PyTorch's ``norm_backward`` over all of ``x`` (ties of the inf-norm share the
    gradient; zero where the norm is zero)."""
    if p == 0:
        return np.zeros_like(x)
    if p == 1:
        return np.sign(x) * g
    if np.isinf(p):
        hits = np.abs(x) == norm
        return (np.sign(x) * hits * g / np.sum(hits)).astype(x.dtype, copy=False)
    if p == 2:
        grad = x * g / norm
    else:
        grad = x * np.abs(x) ** (p - 2) * g / norm ** (p - 1)
    return np.where(norm == 0, 0, grad).astype(x.dtype, copy=False)
