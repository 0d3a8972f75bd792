"""Matrix products on BLAS."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.function import Function


class Matmul(Function):
    """Batched ``a @ b`` for operands of rank >= 2 with equal batch dimensions."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = np.matmul(g, np.swapaxes(b, -1, -2)) if ctx.needs_input_grad[0] else None
        gb = np.matmul(np.swapaxes(a, -1, -2), g) if ctx.needs_input_grad[1] else None
        return ga, gb


class Linear(Function):
    """``x @ W.T + b`` fused: one GEMM each way, with the bias gradient a column sum."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        # the input's gradient reads only the weight, the weight's only the input
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if need_w else None, w if need_x else None)
        out = np.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        x, w = ctx.saved_tensors
        gx = np.matmul(g, w) if ctx.needs_input_grad[0] else None
        gw = gb = None
        g2 = _rows(g)
        if ctx.needs_input_grad[1]:
            gw = np.matmul(g2.T, _rows(x))
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a matrix of its last dimension; explicit sizes, since ``reshape(-1, 0)`` is
    ambiguous when a dimension is zero."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
