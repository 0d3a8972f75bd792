"""Matrix products on BLAS."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.function import Function

_KINDS = {(1, 1): "Dot", (2, 1): "Mv", (2, 2): "Mm", (3, 3): "Bmm"}


class Matmul(Function):
    """``a @ b`` for PyTorch's four products: ``dot`` (1-D @ 1-D), ``mv`` (2-D @ 1-D), ``mm``
    (2-D @ 2-D) and ``bmm`` (3-D @ 3-D with equal batches); the node takes that name.
    ``numtorch.matmul`` reduces every other shape to these, as PyTorch does."""

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.kind = _KINDS.get((a.ndim, b.ndim), "Matmul")
        return np.asarray(np.matmul(a, b))

    @staticmethod
    def backward(ctx: Function, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if ctx.kind == "Dot":
            return (g * b if need_a else None), (g * a if need_b else None)
        if ctx.kind == "Mv":
            return (np.outer(g, b) if need_a else None), (g @ a if need_b else None)
        ga = np.matmul(g, np.swapaxes(b, -1, -2)) if need_a else None
        gb = np.matmul(np.swapaxes(a, -1, -2), g) if need_b else None
        return ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or f"{self.kind}Backward0"


class Linear(Function):
    """``x @ W.T + b`` fused: one GEMM each way, with the bias gradient a column sum."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        # the input's gradient reads only the weight, the weight's only the input
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if need_w else None, w if need_x else None)
        ctx.ndim, ctx.bias, ctx.flat = x.ndim, b is not None, x.flags.c_contiguous
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

    def name(self) -> str:
        """The root of PyTorch's ``linear``: ``addmm`` (``mm`` without bias) of a matrix, else a
        view of the flattened product, or ``matmul``'s own result plus the bias."""
        if "_name" in self.__dict__:
            return self._name
        if self.ndim == 2:
            return "AddmmBackward0" if self.bias else "MmBackward0"
        if self.bias:
            return "ViewBackward0" if self.flat else "AddBackward0"
        return "SqueezeBackward4" if self.ndim == 1 else "UnsafeViewBackward0"


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a matrix of its last dimension; explicit sizes, since ``reshape(-1, 0)`` is
    ambiguous when a dimension is zero."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
