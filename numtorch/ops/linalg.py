"""Matrix products on BLAS."""

from __future__ import annotations

import math

import numpy as np

from numtorch._kernels import parallel
from numtorch.autograd.graph import Primitive
from numtorch.ops.movement import sum_to_shape

_KINDS = {(1, 1): "Dot", (2, 1): "Mv", (2, 2): "Mm", (3, 3): "Bmm"}


class Matmul(Primitive):
    """``a @ b`` for PyTorch's four products: ``dot`` (1-D @ 1-D), ``mv`` (2-D @ 1-D), ``mm``
    (2-D @ 2-D) and ``bmm`` (3-D @ 3-D with equal batches); the node takes that name.
    ``numtorch.matmul`` reduces every other shape to these, as PyTorch does."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # each gradient reads only the other operand
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.kind = _KINDS.get((a.ndim, b.ndim), "Matmul")
        return np.asarray(_mm(a, b))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if ctx.kind == "Dot":
            return (g * b if need_a else None), (g * a if need_b else None)
        if ctx.kind == "Mv":
            return (np.outer(g, b) if need_a else None), (g @ a if need_b else None)
        ga = _mm(g, np.swapaxes(b, -1, -2)) if need_a else None
        gb = _mm(np.swapaxes(a, -1, -2), g) if need_b else None
        return ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or f"{self.kind}Backward0"


class Linear(Primitive):
    """``x @ W.T + b`` fused: one GEMM each way, with the bias gradient a column sum."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        # the input's gradient reads only the weight, the weight's only the input
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if need_w else None, w if need_x else None)
        ctx.ndim, ctx.bias, ctx.flat = x.ndim, b is not None, x.flags.c_contiguous
        # one GEMM over all rows (a batched matmul would run one small GEMM per leading index)
        out = _mm(_rows(x), np.ascontiguousarray(w.T)) if x.ndim > 2 else _mm(x, w.T)
        if b is not None:
            out += b
        return out.reshape(*x.shape[:-1], w.shape[0]) if x.ndim > 2 else out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        x, w = ctx.saved_tensors
        gx = None
        if ctx.needs_input_grad[0]:
            gx = _mm(_rows(g), w).reshape(*g.shape[:-1], w.shape[1]) if g.ndim > 2 else _mm(g, w)
        gw = gb = None
        g2 = _rows(g)
        if ctx.needs_input_grad[1]:
            gw = _mm(g2.T, _rows(x))
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


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; a product of two matrices goes through :func:`parallel.gemm`, which splits a
    large one by rows over numtorch's threads (OpenBLAS itself runs on one thread, see
    ``numtorch/_threads.py``), and a batch of them (equal batches) through
    :func:`parallel.bmm`, which splits the batch: bit for bit the unsplit product whatever
    the thread count."""
    if a.ndim == 2 and b.ndim == 2:
        return parallel.gemm(a, b)
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] == b.shape[0]:
        return parallel.bmm(a, b)
    return np.matmul(a, b)


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a matrix of its last dimension; explicit sizes, since ``reshape(-1, 0)`` is
    ambiguous when a dimension is zero."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """``g`` summed down to ``shape`` (the gradient of broadcasting an operand to g's shape);
    ``g`` itself when it has that shape already."""
    return g if g.shape == tuple(shape) else sum_to_shape(g, shape)


def _product(kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The product an ``add*`` op adds: ``mm``, ``mv``, the outer product ``r``, the batched
    ``bmm``, or the batch-summed ``addbmm``."""
    if kind == "r":
        return np.multiply.outer(a, b)
    if kind == "addbmm":
        return (
            np.einsum("bij,bjk->ik", a, b)
            if a.shape[0]
            else np.zeros((a.shape[1], b.shape[2]), np.result_type(a, b))
        )
    return _mm(a, b)


def _product_grads(
    kind: str, g: np.ndarray, a: np.ndarray | None, b: np.ndarray | None, batch: int
) -> tuple:
    """The gradients of ``_product(kind, a, b)`` for an upstream gradient ``g`` (each reads
    only the other operand, so one may be None; ``batch``: ``addbmm``'s batch size)."""
    if kind == "r":
        return (g @ b if b is not None else None), (g.T @ a if a is not None else None)
    if kind == "mv":
        return (np.multiply.outer(g, b) if b is not None else None), (
            g @ a if a is not None else None
        )
    if kind == "addbmm":
        g = np.broadcast_to(g, (batch,) + g.shape)
    ga = _mm(g, np.swapaxes(b, -1, -2)) if b is not None else None
    gb = _mm(np.swapaxes(a, -1, -2), g) if a is not None else None
    return ga, gb


class AddProduct(Primitive):
    """``beta * input + alpha * (a ∘ b)`` for PyTorch's ``addmm`` (∘ = mm), ``addmv`` (mv),
    ``addr`` (outer), ``baddbmm`` (bmm) and ``addbmm`` (bmm summed over the batch); ``input``
    broadcasts to the product's shape. With ``beta == 0`` the input is ignored (its NaNs do
    not propagate), as in PyTorch."""

    @staticmethod
    def forward(
        ctx: Primitive, input: np.ndarray, a: np.ndarray, b: np.ndarray, *, kind: str, beta, alpha
    ) -> np.ndarray:
        need_a, need_b = ctx.needs_input_grad[1:]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.kind, ctx.beta, ctx.alpha, ctx.shape = kind, beta, alpha, input.shape
        ctx.batch = a.shape[0]
        prod = _product(kind, a, b)
        if alpha != 1:
            prod = prod * np.asarray(alpha, prod.dtype)
        if beta == 0:
            return np.asarray(prod + np.zeros(input.shape, prod.dtype))
        scaled = input if beta == 1 else input * np.asarray(beta, input.dtype)
        return np.asarray(prod + scaled, dtype=prod.dtype)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        need_input = ctx.needs_input_grad[0]
        gi = sum_to(g * np.asarray(ctx.beta, g.dtype), ctx.shape) if need_input else None
        ga, gb = _product_grads(ctx.kind, g * np.asarray(ctx.alpha, g.dtype), a, b, ctx.batch)
        return gi, ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or f"{_ADD_NAMES[self.kind]}Backward0"


_ADD_NAMES = {"mm": "Addmm", "mv": "Addmv", "r": "Addr", "bmm": "Baddbmm", "addbmm": "Addbmm"}


class Addcmul(Primitive):
    """``input + value * t1 * t2`` on operands already broadcast to one shape."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, t1: np.ndarray, t2: np.ndarray, *, value):
        need = ctx.needs_input_grad
        ctx.save_for_backward(t2 if need[1] else None, t1 if need[2] else None)
        ctx.value = value
        prod = t1 * t2
        return np.asarray(x + (prod if value == 1 else prod * np.asarray(value, prod.dtype)))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        t2, t1 = ctx.saved_tensors
        gv = g * np.asarray(ctx.value, g.dtype)
        return g, (gv * t2 if t2 is not None else None), (gv * t1 if t1 is not None else None)

    def name(self) -> str:
        return self.__dict__.get("_name") or "AddcmulBackward0"


class Addcdiv(Primitive):
    """``input + value * t1 / t2`` on floating operands already broadcast to one shape."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, t1: np.ndarray, t2: np.ndarray, *, value):
        need = ctx.needs_input_grad
        ctx.save_for_backward(t1 if need[2] else None, t2 if need[1] or need[2] else None)
        ctx.value = value
        quot = t1 / t2
        return np.asarray(x + (quot if value == 1 else quot * np.asarray(value, quot.dtype)))

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        gv = g * np.asarray(ctx.value, g.dtype)
        g1 = gv / t2 if need[1] else None
        g2 = -gv * t1 / (t2 * t2) if need[2] else None
        return g, g1, g2

    def name(self) -> str:
        return self.__dict__.get("_name") or "AddcdivBackward0"


def _cross(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
    return np.asarray(np.cross(a, b, axis=axis), dtype=np.result_type(a, b))


class Cross(Primitive):
    """The cross product of 3-vectors along ``axis`` (operands broadcast to one shape);
    PyTorch's ``LinalgCrossBackward0``."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray, b: np.ndarray, *, axis: int) -> np.ndarray:
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.axis = axis
        return _cross(a, b, axis)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        a, b = ctx.saved_tensors
        ga = _cross(b, g, ctx.axis) if b is not None else None
        gb = _cross(g, a, ctx.axis) if a is not None else None
        return ga, gb

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgCrossBackward0"


class Inverse(Primitive):
    """The inverse of (a batch of) square matrices; backward ``-A⁻ᵀ g A⁻ᵀ`` reads the
    result (PyTorch's ``LinalgInvExBackward0``)."""

    @staticmethod
    def forward(ctx: Primitive, a: np.ndarray) -> np.ndarray:
        out = np.linalg.inv(a).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (inv,) = ctx.saved_tensors
        inv_t = np.swapaxes(inv, -1, -2)
        return (-(inv_t @ g @ inv_t),)

    def name(self) -> str:
        return self.__dict__.get("_name") or "LinalgInvExBackward0"


class Einsum(Primitive):
    """``np.einsum`` of operands whose subscripts are already explicit: ``labels`` is one
    string of letters per operand (repeats allowed: diagonals), ``output`` the result's,
    and ``sizes`` each label's size (an operand's size-1 dimension broadcasts to it).

    The gradient of operand ``i`` is the einsum of the upstream gradient with the other
    operands onto ``i``'s distinct labels, broadcast over the labels only ``i`` has (summed
    out in forward), written onto the diagonal where ``i`` repeats a label, and summed back
    over the dimensions ``i`` broadcast."""

    @staticmethod
    def forward(ctx: Primitive, *arrays: np.ndarray, labels: tuple, output: str, sizes: dict):
        # an operand is read only by the other operands' gradients
        needs = ctx.needs_input_grad
        ctx.save_for_backward(
            *(a if any(n for i, n in enumerate(needs) if i != j) else None
              for j, a in enumerate(arrays))
        )  # fmt: skip
        ctx.labels, ctx.output, ctx.sizes = labels, output, sizes
        ctx.shapes = tuple(a.shape for a in arrays)
        full = [_broadcast_labels(a, s, sizes) for a, s in zip(arrays, labels)]
        dtype = np.result_type(*arrays)
        if any(a.size == 0 for a in full):
            return np.zeros([sizes[c] for c in output], dtype)
        equation = ",".join(labels) + "->" + output
        out = np.asarray(np.einsum(equation, *full, optimize=len(full) > 2), dtype=dtype)
        return out if out.flags.owndata else out.copy()  # one operand: einsum gives a view

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        arrays = ctx.saved_tensors
        sizes = ctx.sizes
        full = [
            None if a is None else _broadcast_labels(a, s, sizes)
            for a, s in zip(arrays, ctx.labels)
        ]
        grads = []
        for i, (shape, subs) in enumerate(zip(ctx.shapes, ctx.labels)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(f, s) for j, (f, s) in enumerate(zip(full, ctx.labels)) if j != i]
            grads.append(sum_to(_einsum_grad(g, ctx.output, others, subs, sizes), shape))
        return tuple(grads)

    def name(self) -> str:
        """The node PyTorch's einsum plan ends with: one operand is summed over the labels
        it drops (``SumBackward1``) or only permuted (``PermuteBackward0``, diagonals
        included); several are multiplied (``MulBackward0``) when the output keeps every
        label, else contracted by ``bmm`` and viewed (``ViewBackward0``)."""
        if "_name" in self.__dict__:
            return self._name
        keeps_all = set("".join(self.labels)) <= set(self.output)
        if len(self.labels) == 1:
            return "PermuteBackward0" if keeps_all else "SumBackward1"
        return "MulBackward0" if keeps_all else "ViewBackward0"


def _broadcast_labels(a: np.ndarray, subs: str, sizes: dict) -> np.ndarray:
    return np.broadcast_to(a, tuple(sizes[c] for c in subs))


def _einsum_grad(g: np.ndarray, output: str, others: list, subs: str, sizes: dict) -> np.ndarray:
    """The gradient of one operand with subscripts ``subs`` (see ``Einsum``)."""
    distinct = "".join(dict.fromkeys(subs))
    seen = set(output).union(*(s for _, s in others))
    kept = "".join(c for c in distinct if c in seen)
    shape = tuple(sizes[c] for c in distinct)
    operands = [g, *(f for f, _ in others)]
    if any(o.size == 0 for o in operands):
        part = np.zeros([sizes[c] for c in kept], g.dtype)
    else:
        equation = ",".join([output, *(s for _, s in others)]) + "->" + kept
        part = np.einsum(equation, *operands, optimize=len(operands) > 2)
    axes = [distinct.index(c) for c in kept]
    expanded = np.moveaxis(part.reshape(part.shape + (1,) * (len(distinct) - len(kept))),
                           range(len(kept)), axes)  # fmt: skip
    grad = np.broadcast_to(expanded, shape)
    if len(distinct) == len(subs):
        return np.asarray(grad, dtype=g.dtype)
    out = np.zeros(tuple(sizes[c] for c in subs), g.dtype)
    strides = [sum(out.strides[k] for k, s in enumerate(subs) if s == c) for c in distinct]
    diagonal = np.lib.stride_tricks.as_strided(out, shape, strides, writeable=True)
    diagonal[...] = grad
    return out
