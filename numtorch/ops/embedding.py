"""Embedding lookups as primitives: ``Embedding`` (rows of a table by index) and
``EmbeddingBag`` (per-bag sums, means or maxima of rows, without materialising the rows'
gradients per element). Both backwards scatter-add into a dense gradient of the table
(PyTorch's ``sparse=True`` sparse gradients have no numtorch counterpart)."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["Embedding", "EmbeddingBag", "MODES"]

MODES = ("sum", "mean", "max")


def _row_scale(flat: np.ndarray, num_rows: int, padding_idx: int, by_freq: bool) -> np.ndarray:
    """Per-row factor of the weight gradient: 0 for the padding row, and ``1 / count`` of the
    row's occurrences when ``scale_grad_by_freq``."""
    scale = np.ones(num_rows)
    if by_freq:
        counts = np.bincount(flat, minlength=num_rows)
        scale[counts > 0] = 1.0 / counts[counts > 0]
    if padding_idx >= 0:
        scale[padding_idx] = 0.0
    return scale


class Embedding(Primitive):
    """``weight[indices]``: shape ``indices.shape + (embedding_dim,)``."""

    @staticmethod
    def forward(ctx: Primitive, weight, indices=None, padding_idx=-1, by_freq=False) -> np.ndarray:
        ctx.num_rows, ctx.padding_idx, ctx.by_freq = weight.shape[0], padding_idx, by_freq
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (indices,) = ctx.saved_tensors
        flat = indices.reshape(-1)
        grad = np.zeros((ctx.num_rows, g.shape[-1]), g.dtype)
        np.add.at(grad, flat, g.reshape(flat.size, -1))
        if ctx.padding_idx >= 0 or ctx.by_freq:
            grad *= _row_scale(flat, ctx.num_rows, ctx.padding_idx, ctx.by_freq)[:, None].astype(
                g.dtype
            )
        return (grad,)

    def name(self) -> str:
        return "EmbeddingBackward0"


def bag_of_each(offsets: np.ndarray, n: int) -> np.ndarray:
    """The bag number of each of ``n`` indices, bags starting at ``offsets`` (ascending)."""
    return np.searchsorted(offsets, np.arange(n), side="right") - 1


class EmbeddingBag(Primitive):
    """Reduce ``weight[indices]`` per bag (``offsets`` are the bags' starts) by ``mode``;
    ``per_sample_weights`` (sum mode) scales each row first; the padding row is left out."""

    @staticmethod
    def forward(
        ctx: Primitive,
        weight,
        per_sample_weights=None,
        indices=None,
        offsets=None,
        mode="mean",
        padding_idx=-1,
        by_freq=False,
    ) -> np.ndarray:
        bags = bag_of_each(offsets, indices.size)
        keep = indices != padding_idx if padding_idx >= 0 else np.ones(indices.size, bool)
        rows = weight[indices]
        if per_sample_weights is not None:
            rows = rows * per_sample_weights[:, None]
        out = np.zeros((offsets.size, weight.shape[1]), weight.dtype)
        counts = np.bincount(bags[keep], minlength=offsets.size)
        first = None
        if mode == "max":
            out[...] = -np.inf
            np.maximum.at(out, bags[keep], rows[keep])
            out[counts == 0] = 0
            first = _first_max(rows, out, bags, keep)
        else:
            np.add.at(out, bags[keep], rows[keep])
            if mode == "mean":
                out /= np.maximum(counts, 1)[:, None].astype(out.dtype)
        ctx.mode, ctx.num_rows, ctx.padding_idx, ctx.by_freq = (
            mode,
            weight.shape[0],
            padding_idx,
            by_freq,
        )
        ctx.save_for_backward(weight, per_sample_weights, indices, bags, keep, counts, first)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        weight, psw, indices, bags, keep, counts, first = ctx.saved_tensors
        grad_w = grad_psw = None
        if ctx.needs_input_grad[0]:
            grad_w = np.zeros((ctx.num_rows, g.shape[1]), g.dtype)
            if ctx.mode == "max":
                has = first < indices.size
                cols = np.broadcast_to(np.arange(g.shape[1]), first.shape)
                np.add.at(grad_w, (indices[first[has]], cols[has]), g[has])
            else:
                per_index = g[bags[keep]]
                if psw is not None:
                    per_index = per_index * psw[keep][:, None]
                if ctx.mode == "mean":
                    per_index = per_index / counts[bags[keep]][:, None].astype(g.dtype)
                np.add.at(grad_w, indices[keep], per_index)
            if ctx.by_freq:
                grad_w *= _row_scale(indices, ctx.num_rows, -1, True)[:, None].astype(g.dtype)
        if ctx.needs_input_grad[1]:
            grad_psw = np.where(keep, (g[bags] * weight[indices]).sum(axis=1), 0).astype(g.dtype)
        return grad_w, grad_psw

    def name(self) -> str:
        return "EmbeddingBagBackward0"


def _first_max(rows: np.ndarray, out: np.ndarray, bags: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """For each bag and column, the position of the first row holding the bag's maximum
    (``len(rows)`` for an empty bag): the row that receives that column's gradient."""
    n = rows.shape[0]
    position = np.where(rows == out[bags], np.arange(n)[:, None], n)
    position[~keep] = n
    first = np.full(out.shape, n, np.int64)
    np.minimum.at(first, bags, position)
    return first
