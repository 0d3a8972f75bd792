"""Matrix products on BLAS."""

from __future__ import annotations

import math

import numpy as np

from numtorch.autograd.function import Function


class Matmul(Function):
    """Batched ``a @ b`` for operands of rank >= 2 with equal batch dimensions."""

    saves_inputs = True

    def saved_input_indices(self) -> tuple:
        return tuple(i for i, other in ((1, 0), (0, 1)) if self.needs_input_grad[other])

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g: np.ndarray) -> tuple:
        ga = np.matmul(g, np.swapaxes(self.b, -1, -2)) if self.needs_input_grad[0] else None
        gb = np.matmul(np.swapaxes(self.a, -1, -2), g) if self.needs_input_grad[1] else None
        return ga, gb


class Linear(Function):
    """``x @ W.T + b`` fused: one GEMM each way, with the bias gradient a column sum."""

    saves_inputs = True

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        self.x, self.w = x, w
        out = np.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    def backward(self, g: np.ndarray) -> tuple:
        gx = np.matmul(g, self.w) if self.needs_input_grad[0] else None
        gw = gb = None
        g2 = _rows(g)
        if self.needs_input_grad[1]:
            gw = np.matmul(g2.T, _rows(self.x))
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a matrix of its last dimension; explicit sizes, since ``reshape(-1, 0)`` is
    ambiguous when a dimension is zero."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
