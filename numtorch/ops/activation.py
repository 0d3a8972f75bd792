"""Activation primitives not in ``elementwise.py``: leaky ReLU, the ELU family, GELU, SiLU,
softplus and hardtanh.

Each saves what PyTorch saves, so the version check refuses exactly where PyTorch's does:
the input (``self``), or for the in-place forms of leaky ReLU and the ELU family the result
(``result=True``: the derivative is recovered from the output, as in PyTorch's ``elu_`` and
``leaky_relu_``). Backward recomputes the local derivative from that one array. Those
in-place forms, and in-place hardtanh, compute straight into the input
(:mod:`numtorch.ops.destination`); in-place hardtanh keeps a bool mask where PyTorch keeps a
copy of the original input (the version check then refuses nothing there either).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from numtorch._kernels import parallel
from numtorch._kernels import special as _kspecial
from numtorch.autograd.grad_mode import is_recording
from numtorch.autograd.graph import Primitive
from numtorch.ops import _where, destination
from numtorch.ops.elementwise import stable_sigmoid

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_NEGATIVE_SLOPE_INPLACE = (
    "In-place {op} backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, "
    "please call out-of-place version instead.{tail}"
)
_LEAKY_TAIL = (
    " File an issue at https://github.com/pytorch/pytorch if you do require supporting "
    "in-place leakRelu backward calculation with negative slope"
)


def _grads(ctx: Primitive, gx: np.ndarray) -> tuple:
    return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)


class LeakyRelu(Primitive):
    """``x`` where positive, ``slope * x`` elsewhere; ``result=True`` saves the output (the
    in-place form), whose sign is the input's when ``slope >= 0``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, slope: float, result: bool = False) -> np.ndarray:
        into = destination.take(x) if x.dtype.kind == "f" else None  # leaky_relu_: x itself
        if into is not None:
            out = _in_place(_leaky_relu_into, into, x.dtype.type(slope))
        elif _blocked(x):
            out = _out_of_place(_leaky_relu_into, x, x.dtype.type(slope))
        else:
            out = np.where(x > 0, x, x * x.dtype.type(slope))
        ctx.slope, ctx.result = slope, result
        ctx.save_for_backward(out if result else x)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        if ctx.result and ctx.slope < 0:
            raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format(op="leakyReLu", tail=_LEAKY_TAIL))
        slope = g.dtype.type(ctx.slope)
        gx = blocked_gradient(_leaky_relu_grad, g, saved, slope)
        return _grads(ctx, np.where(saved > 0, g, g * slope) if gx is None else gx)

    def name(self) -> str:
        return "LeakyReluBackward1" if self.result else "LeakyReluBackward0"


class Elu(Primitive):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))``: ELU, SELU, CELU.

    PyTorch's ``elu_backward``: from the input, ``scale * alpha * input_scale *
    exp(x * input_scale)`` where ``x <= 0`` (NaN takes the positive slope); from the result
    (``result=True``), ``input_scale * (out + scale * alpha)`` where ``out <= 0``. The in-place
    forms, offered the input's memory (:mod:`numtorch.ops.destination`), compute straight
    into it.
    ``celu`` names the node ``CeluBackward``, as PyTorch does.
    """

    @staticmethod
    def forward(
        ctx: Primitive,
        x: np.ndarray,
        alpha: float,
        scale: float,
        input_scale: float,
        result: bool = False,
        celu: bool = False,
    ) -> np.ndarray:
        t = x.dtype.type
        into = destination.take(x) if x.dtype.kind == "f" else None  # elu_ etc.: x itself
        factors = (t(scale * alpha), t(input_scale), t(scale))
        if into is not None:
            out = _in_place(_elu_into, into, *factors)
        elif _blocked(x):
            out = _out_of_place(_elu_into, x, *factors)
        else:
            negative = t(scale * alpha) * np.expm1(x * t(input_scale))  # (overflow: not picked)
            out = np.where(x > 0, x * t(scale), negative)
        ctx.coefficients, ctx.result, ctx.celu = (alpha, scale, input_scale), result, celu
        ctx.save_for_backward(out if result else x)
        return out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefficients
        t = g.dtype.type
        if ctx.result:
            if alpha < 0:
                raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format(op="elu", tail=""))
            factors = (t(input_scale), t(scale * alpha), t(scale))
            gx = blocked_gradient(_elu_result_grad, g, saved, *factors)
            if gx is not None:
                return _grads(ctx, gx)
            slope = t(input_scale) * (saved + t(scale * alpha))
        else:
            slope = t(scale * alpha * input_scale) * np.exp(np.minimum(saved, 0) * t(input_scale))
        return _grads(ctx, g * _where.where(saved <= 0, slope, t(scale)))

    def name(self) -> str:
        return f"{'Celu' if self.celu else 'Elu'}Backward{1 if self.result else 0}"


def _gelu_derivative(x: np.ndarray, approximate: str) -> np.ndarray:
    t = x.dtype.type
    if approximate == "tanh":
        th = np.tanh(t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x)))
        d_inner = t(_SQRT_2_OVER_PI) * (1 + t(3 * 0.044715) * x * x)
        return t(0.5) * (1 + th) + t(0.5) * x * (1 - th * th) * d_inner
    return _kspecial.gelu_derivative_numpy(x)


class Gelu(Primitive):
    """``x * Phi(x)`` with Phi the normal CDF, exact or with the tanh approximation.
    Activation-sized float arrays are split over numtorch's threads (``parallel.pointwise``),
    bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, approximate: str) -> np.ndarray:
        t = x.dtype.type
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if x.dtype.kind == "f" and parallel.splits(x):
            return parallel.pointwise(_gelu_tanh if approximate == "tanh" else _gelu_erf, x)
        if approximate == "tanh":
            inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x))
            return t(0.5) * x * (1 + np.tanh(inner))
        return _kspecial.gelu(x)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        tanh = ctx.approximate == "tanh"
        if parallel.splits(g, x):
            return parallel.pointwise(_gelu_grad_tanh if tanh else _gelu_grad_erf, g, x), None
        if tanh:
            return g * _gelu_derivative(x, "tanh"), None
        return _kspecial.gelu_grad(g, x), None


def _gelu_tanh(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gelu's tanh approximation of a float array into ``out`` (``Gelu.forward``'s
    expression)."""
    t = x.dtype.type
    inner = t(_SQRT_2_OVER_PI) * (x + t(0.044715) * (x * x * x))
    return np.multiply(t(0.5) * x, 1 + np.tanh(inner), out=out)


def _gelu_erf(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Exact Gelu of a float array into ``out`` (:func:`numtorch._kernels.special.gelu`: on the
    NumPy path ``Gelu.forward``'s expression, copied, as ``np.multiply(x, tmp, out=out)`` would
    not run as NumPy's ``tmp *= x``: a NaN's sign)."""
    return _kspecial.gelu(x, out=out)


def _gelu_grad_tanh(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gelu's (tanh approximation) gradient into ``out``, copied (see :func:`_gelu_erf`)."""
    np.copyto(out, g * _gelu_derivative(x, "tanh"))
    return out


def _gelu_grad_erf(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Exact Gelu's gradient into ``out`` (:func:`numtorch._kernels.special.gelu_grad`;
    see :func:`_gelu_erf`)."""
    return _kspecial.gelu_grad(g, x, out=out)


class Silu(Primitive):
    """``x * sigmoid(x)`` (a.k.a. swish). Activation-sized float arrays are split over
    numtorch's threads (``parallel.pointwise``), bit for bit the one-call result."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        if x.dtype.kind == "f" and parallel.splits(x):
            return parallel.pointwise(_silu, x)
        out = _kspecial.silu(x)
        return x * stable_sigmoid(x) if out is None else out

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        if parallel.splits(g, x):
            return parallel.pointwise(_silu_grad, g, x)
        gx = _kspecial.silu_grad(g, x)
        if gx is not None:
            return gx
        s = stable_sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


def _silu(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x * sigmoid(x)`` of a float array into ``out``: the numba kernel where it serves,
    else NumPy's, copied (see :func:`_gelu_erf`)."""
    if _kspecial.silu(x, out=out) is None:
        np.copyto(out, x * stable_sigmoid(x))
    return out


def _silu_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Silu's gradient ``g * (s * (1 + x * (1 - s)))``, ``s = sigmoid(x)``, into ``out``,
    copied (see :func:`_gelu_erf`); the numba kernel where it serves."""
    if _kspecial.silu_grad(g, x, out=out) is not None:
        return out
    s = stable_sigmoid(x)
    np.copyto(out, g * (s * (1 + x * (1 - s))))
    return out


class Softplus(Primitive):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        t = x.dtype.type
        bx = x * t(beta)
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / t(beta)
        return _where.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (x,) = ctx.saved_tensors
        bx = x * x.dtype.type(ctx.beta)
        slope = _where.where(bx > ctx.threshold, 1, stable_sigmoid(bx)).astype(g.dtype)
        return g * slope, None, None


class Hardtanh(Primitive):
    """Clamp to ``[lo, hi]``; unlike ``clamp`` the gradient is 0 at the ends, as in PyTorch.

    The in-place form (``hardtanh_``, offered the input's memory: see
    :mod:`numtorch.ops.destination`) clamps straight into the input and keeps only the mask
    ``lo < x < hi`` (a bool array, what backward reads of the input): PyTorch's in-place form
    saves a copy of the original input, so, as there, a later in-place change of the result
    does not fail backward.
    """

    @staticmethod
    def forward(ctx: Primitive, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        ctx.bounds = (lo, hi)
        # an integer tensor keeps the copying route: clip's float result cannot be cast into it
        into = destination.take(x) if x.dtype.kind == "f" else None
        if into is not None and not _records(ctx):  # inference: no mask to keep
            return np.clip(into, lo, hi, out=into)
        if into is not None:
            inside = np.empty(x.shape, bool)
            scratch = Scratch(x)
            each_block(lambda block, m: _hardtanh_into(block, m, scratch, lo, hi), into, inside)
            ctx.save_for_backward(inside)
            return into
        ctx.save_for_backward(x)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        (saved,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        # NaN gets 0, as in PyTorch's vectorised kernel (its scalar tail passes the gradient)
        if saved.dtype == bool:  # the in-place form's mask
            gx = blocked_gradient(masked_grad, g, saved, True)
            if gx is not None:
                return gx, None, None
        inside = saved if saved.dtype == bool else (saved > lo) & (saved < hi)
        return _where.where(inside, g, 0).astype(g.dtype, copy=False), None, None


def _records(ctx: Primitive) -> bool:
    """Whether ``ctx`` will be kept for backward (an input needs a gradient, with grad mode
    on): the in-place forms skip the mask they would keep for it otherwise."""
    return True in ctx.needs_input_grad and is_recording()


def _in_place(kernel: Callable, x: np.ndarray, *scalars: np.generic) -> np.ndarray:
    """``kernel(block, scratch, *scalars)`` over blocks of ``x`` (:func:`each_block`), writing
    into ``x`` itself; an activation-sized contiguous array is split over numtorch's threads
    first (``parallel.pointwise``: element-wise, so bit for bit the one call)."""

    def run(piece: np.ndarray, out: np.ndarray) -> np.ndarray:
        scratch = Scratch(out)
        with np.errstate(all="ignore"):  # (on a worker thread too) as Primitive.apply
            each_block(lambda block: kernel(block, scratch, *scalars), out)
        return out

    if parallel.splits(x):
        return parallel.pointwise(run, x, out=x)
    return run(x, x)


def _blocked(x: np.ndarray) -> bool:
    """Whether an out-of-place activation of ``x`` runs :func:`_out_of_place`'s blocks (a
    C-contiguous float array of at least ``_BLOCKED_MIN`` elements) rather than one
    ``np.where``, which branches on every element: 19 ms for leaky_relu on 4M random float32,
    against about 2 ms in blocks."""
    return x.dtype.kind == "f" and x.size >= _BLOCKED_MIN and x.flags.c_contiguous


_BLOCKED_MIN = 1 << 14


def _out_of_place(kernel: Callable, x: np.ndarray, *scalars: np.generic) -> np.ndarray:
    """A new array: each block of C-contiguous ``x`` copied into it, then
    ``kernel(block, scratch, *scalars)`` run on that block in place (the kernels of the
    in-place forms, so the same bits); split over numtorch's threads when activation-sized."""
    result = np.empty_like(x)

    def run(piece: np.ndarray, out: np.ndarray) -> np.ndarray:
        scratch, block = Scratch(out), _block(out)
        src, flat = piece.reshape(-1), out.reshape(-1)
        with np.errstate(all="ignore"):  # (on a worker thread too) as Primitive.apply
            for i in range(0, flat.size, block):
                part = flat[i : i + block]
                np.copyto(part, src[i : i + block])
                kernel(part, scratch, *scalars)
        return out

    if parallel.splits(x):
        return parallel.pointwise(run, x, out=result)
    return run(x, result)


# Bytes of one block of an in-place activation (:func:`each_block`): the block and its
# temporaries stay in the core's cache, and NumPy's per-call cost is spread over enough
# elements.
_BLOCK_BYTES = 1 << 18


def _block(x: np.ndarray) -> int:
    return max(_BLOCK_BYTES // x.itemsize, 1)


class Scratch:
    """Block-sized temporaries for :func:`each_block`'s kernels on ``x`` (one set per
    thread), made when first asked for: ``values``, of ``x``'s dtype, and ``bits``, integers
    of its width (:meth:`keep`)."""

    def __init__(self, x: np.ndarray) -> None:
        self.dtype, self.size = x.dtype, min(_block(x), x.size)
        self._values = self._bits = None

    def values(self, n: int) -> np.ndarray:
        if self._values is None:
            self._values = np.empty(self.size, self.dtype)
        return self._values[:n]

    def bits(self, n: int) -> np.ndarray:
        if self._bits is None:
            self._bits = np.empty(self.size, f"i{self.dtype.itemsize}")
        return self._bits[:n]

    def keep(self, compare: Callable, x: np.ndarray, bound: object) -> np.ndarray:
        """``compare(x, bound)`` as integers: -1 (every bit set) where true, else 0."""
        bits = self.bits(x.size)
        compare(x, bound, out=bits)
        return np.negative(bits, out=bits)


def each_block(fn: Callable, x: np.ndarray, *masks: np.ndarray) -> None:
    """``fn(block, *mask_blocks)`` over 1-D blocks of at most ``_BLOCK_BYTES`` that cover
    ``x`` (a contiguous array's flat slices; otherwise NumPy's buffered iterator, which writes
    each block back) and the matching blocks of the same-shaped, writable ``masks`` (which
    ``fn`` may fill)."""
    block = _block(x)
    if x.flags.c_contiguous and all(m.flags.c_contiguous for m in masks):
        flat, flat_masks = x.reshape(-1), [m.reshape(-1) for m in masks]
        for i in range(0, flat.size, block):
            fn(flat[i : i + block], *[m[i : i + block] for m in flat_masks])
        return
    flags = ["external_loop", "buffered", "zerosize_ok"]
    ops = [["readwrite"]] * (1 + len(masks))
    with np.nditer([x, *masks], flags, ops, buffersize=block) as it:
        for blocks in it:
            fn(*blocks) if masks else fn(blocks)


def blend_into(x: np.ndarray, other: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``x`` where ``keep`` (integers of ``x``'s width) has every bit set, ``other`` where it
    is 0, written into ``x``: a bitwise blend, the very bits ``np.where`` picks, without its
    branch on every element (slow for a mask of random signs)."""
    xi = x.view(keep.dtype)
    _where.blend_bits(xi, np.asarray(other).view(keep.dtype), keep, out=xi, diff=xi)
    return x


def _leaky_relu_into(x: np.ndarray, scratch: Scratch, slope: np.generic) -> None:
    """``LeakyRelu.forward``'s ``where(x > 0, x, x * slope)`` computed into the block ``x``
    as ``x * where(x > 0, 1, slope)``: ``x * 1`` is ``x`` bit for bit, and NaN takes
    ``x * slope``, as there."""
    np.multiply(x, _slope_factor(scratch.keep(np.greater, x, 0), slope), out=x)


def _slope_factor(keep: np.ndarray, slope: np.generic) -> np.ndarray:
    """``where(keep, 1, slope)`` in ``slope``'s dtype, a bitwise blend written over ``keep``
    (integers of that width, all ones or 0)."""
    one, s = (np.asarray(v, slope.dtype).view(keep.dtype) for v in (1, slope))
    factor = np.bitwise_and(keep, one ^ s, out=keep)
    np.bitwise_xor(factor, s, out=factor)
    return factor.view(slope.dtype)


def _elu_into(
    x: np.ndarray,
    scratch: Scratch,
    negative_scale: np.generic,
    input_scale: np.generic,
    scale: np.generic,
) -> None:
    """``Elu.forward``'s ``where(x > 0, x * scale, negative_scale * expm1(x * input_scale))``
    computed into the block ``x``: the same operations on every element, so the same bits (a
    factor of exactly 1, which changes nothing, skipped)."""
    negative = scratch.values(x.size)
    if input_scale != 1:
        np.multiply(x, input_scale, out=negative)
        np.expm1(negative, out=negative)
    else:
        np.expm1(x, out=negative)
    np.multiply(negative, negative_scale, out=negative)
    keep = scratch.keep(np.greater, x, 0)
    if scale != 1:
        np.multiply(x, scale, out=x)
    blend_into(x, negative, keep)


def _hardtanh_into(
    x: np.ndarray, inside: np.ndarray, scratch: Scratch, lo: float, hi: float
) -> None:
    """``Hardtanh.forward``'s ``clip(x, lo, hi)`` computed into the block ``x`` (the same
    ufunc, so the same bits), and its gradient's mask ``lo < x < hi`` into ``inside``."""
    np.greater(x, lo, out=inside)
    below_hi = scratch.bits(x.size).view(np.int8)[: x.size].view(bool)
    np.logical_and(inside, np.less(x, hi, out=below_hi), out=inside)
    np.clip(x, lo, hi, out=x)


def blocked_gradient(
    kernel: Callable, g: np.ndarray, saved: np.ndarray, *scalars: object
) -> np.ndarray | None:
    """``kernel(out, g, saved, scratch, *scalars)`` over blocks of a new gradient array (split
    over numtorch's threads when it is activation-sized and ``saved`` is of ``g``'s dtype), or
    None where ``g`` and ``saved`` are not contiguous float arrays of one shape (the caller
    then computes it in one NumPy expression, the same bits)."""
    if not (
        g.dtype.kind == "f"
        and g.shape == saved.shape
        and g.flags.c_contiguous
        and saved.flags.c_contiguous
        and saved.dtype in (g.dtype, np.dtype(bool))
    ):
        return None

    def run(gp: np.ndarray, sp: np.ndarray, out: np.ndarray) -> np.ndarray:
        scratch, block = Scratch(out), _block(out)
        flat, flat_g, flat_s = out.reshape(-1), gp.reshape(-1), sp.reshape(-1)
        with np.errstate(all="ignore"):  # (on a worker thread too) as Primitive.apply
            for i in range(0, flat.size, block):
                j = i + block
                kernel(flat[i:j], flat_g[i:j], flat_s[i:j], scratch, *scalars)
        return out

    if saved.dtype == g.dtype and parallel.splits(g, saved):
        return parallel.pointwise(run, g, saved)
    return run(g, saved, np.empty_like(g))


def _leaky_relu_grad(
    out: np.ndarray, g: np.ndarray, saved: np.ndarray, scratch: Scratch, slope: np.generic
) -> None:
    """``where(saved > 0, g, g * slope)`` into ``out`` as ``g * where(saved > 0, 1, slope)``
    (``g * 1`` is ``g``: the same bits)."""
    np.multiply(g, _slope_factor(scratch.keep(np.greater, saved, 0), slope), out=out)


def _elu_result_grad(
    out: np.ndarray,
    g: np.ndarray,
    saved: np.ndarray,
    scratch: Scratch,
    input_scale: np.generic,
    negative_scale: np.generic,
    scale: np.generic,
) -> None:
    """``g * where(saved <= 0, input_scale * (saved + negative_scale), scale)`` into
    ``out``, the same operations on every element (the picked factor is never NaN, so the
    product's operand order does not show)."""
    slope = scratch.values(g.size)
    np.add(saved, negative_scale, out=slope)
    np.multiply(slope, input_scale, out=slope)
    keep = scratch.bits(g.size)
    np.less_equal(saved, 0, out=keep)
    np.subtract(keep, 1, out=keep)  # all ones where not saved <= 0 (NaN too), else 0
    np.copyto(out, scale)
    blend_into(out, slope, keep)
    np.multiply(g, out, out=out)


def masked_grad(
    out: np.ndarray, g: np.ndarray, mask: np.ndarray, scratch: Scratch, passes: bool
) -> None:
    """``where(mask == passes, g, 0)`` into ``out``: ``g``'s bits and-ed with all ones where
    the gradient passes, with 0 (``+0.0``) elsewhere."""
    keep = scratch.bits(g.size)
    if passes:
        np.negative(mask, out=keep, dtype=keep.dtype)
    else:
        np.subtract(mask, 1, out=keep, dtype=keep.dtype)
    np.bitwise_and(g.view(keep.dtype), keep, out=out.view(keep.dtype))
