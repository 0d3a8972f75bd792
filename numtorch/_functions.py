"""The tensor operations of the ``numtorch`` namespace (``torch.add``, ``torch.cat``, ...).

Each validates its arguments at the boundary with PyTorch's exception types and messages,
prepares operands (dtype promotion, broadcasting through ``Expand``) and calls one primitive
from ``numtorch.ops``. ``Tensor``'s methods are one-line calls into this module.
"""

from __future__ import annotations

import builtins
import warnings
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._tensor_str import get_printoptions, set_printoptions
from numtorch.autograd.grad_mode import is_grad_enabled, no_grad
from numtorch.ops import elementwise as ew
from numtorch.ops import linalg, movement, reduce
from numtorch.tensor import Tensor

__all__ = [
    "abs",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "bernoulli_",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bmm",
    "broadcast_shapes",
    "broadcast_to",
    "cat",
    "ceil",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "concat",
    "concatenate",
    "contiguous",
    "copy_",
    "count_nonzero",
    "div",
    "eq",
    "equal",
    "exp",
    "expand",
    "fill_",
    "flatten",
    "flip",
    "floor",
    "fix",
    "frac",
    "gather",
    "ge",
    "get_printoptions",
    "gt",
    "index",
    "index_put_",
    "inplace",
    "is_floating_point",
    "is_tensor",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "log",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "lt",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "mul",
    "narrow",
    "ne",
    "neg",
    "normal_",
    "normalize_dim",
    "numel",
    "permute",
    "pow",
    "relu",
    "remainder",
    "reshape",
    "round",
    "rsqrt",
    "sigmoid",
    "set_printoptions",
    "sign",
    "trunc",
    "softmax",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "swapaxes",
    "t",
    "tanh",
    "to",
    "transpose",
    "true_divide",
    "unbind",
    "unflatten",
    "uniform_",
    "unsqueeze",
    "var",
    "view",
    "where",
]

Number = int | float | bool
return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])

# ---------------------------------------------------------------- operand preparation


def _check_tensor(x: object, name: str = "input", fn: str = "") -> Tensor:
    if not isinstance(x, Tensor):
        where = f"{fn}(): " if fn else ""
        raise TypeError(f"{where}argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _operand(x: object, dt: _dtype.dtype) -> Tensor | np.ndarray:
    """A tensor cast to ``dt`` (recorded, so gradients flow), or a constant as a 0-d array."""
    if isinstance(x, Tensor):
        return x if x.dtype is dt else x.to(dt)
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return np.asarray(x, dtype=dt.numpy)
    raise TypeError(
        f"unsupported operand type: expected a Tensor or a number, but got {type(x).__name__}"
    )


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    """The broadcast of ``shapes``, with PyTorch's error naming the first mismatch."""
    ndim = builtins.max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != out[i] and n != 1 and out[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({out[i]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {i}"
                )
            out[i] = n if out[i] == 1 else out[i]
    return tuple(out)


def _expand_if_needed(x: Tensor | np.ndarray, shape: tuple) -> Tensor | np.ndarray:
    if isinstance(x, Tensor) and x.requires_grad and is_grad_enabled() and x.shape != shape:
        return movement.Expand.apply(x, shape)
    return x


def _elementwise(op: type, *args: object, dt: _dtype.dtype | None = None, **kw: object) -> Tensor:
    dt = dt or _dtype.result_type(*args)
    ops = [_operand(a, dt) for a in args]
    shape = broadcast_shapes(*(np.shape(o._data if isinstance(o, Tensor) else o) for o in ops))
    return op.apply(*(_expand_if_needed(o, shape) for o in ops), **kw)


def _float_type(*args: object) -> _dtype.dtype:
    dt = _dtype.result_type(*args)
    return dt if dt.is_floating_point else _dtype.get_default_dtype()


def _unary_float(op: type, x: Tensor, name: str) -> Tensor:
    _check_tensor(x, fn=name)
    return op.apply(x if x.dtype.is_floating_point else x.to(_dtype.get_default_dtype()))


def _named(out: Tensor, name: str) -> Tensor:
    """Give ``out``'s fresh graph node PyTorch's name for the op (what ``repr`` shows)."""
    if out.grad_fn is not None:
        out.grad_fn._name = name
    return out


def normalize_dim(dim: int, ndim: int) -> int:
    """A non-negative axis for ``dim``, or PyTorch's IndexError."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, but got {type(dim).__name__}")
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % builtins.max(ndim, 1)


def _normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    axes = tuple(normalize_dim(d, ndim) for d in dims)
    if not ndim:
        return ()
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return axes


# ---------------------------------------------------------------- arithmetic


def add(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    return _elementwise(ew.Add, input, other)


def sub(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """``input - alpha * other``."""
    if _dtype.result_type(input, other) is _dtype.bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if alpha != 1:
        other = mul(other, alpha)
    return _elementwise(ew.Sub, input, other)


def mul(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Element-wise product."""
    return _elementwise(ew.Mul, input, other)


def div(
    input: Tensor | Number, other: Tensor | Number, *, rounding_mode: str | None = None
) -> Tensor:
    """True division (integers give floats), or ``'trunc'``/``'floor'`` rounding (whose
    gradient is zero, as in PyTorch)."""
    if rounding_mode is None:
        return _elementwise(ew.Div, input, other, dt=_float_type(input, other))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point and np.any(np.asarray(getattr(other, "_data", other)) == 0):
        raise RuntimeError("ZeroDivisionError")
    return _elementwise(ew.RoundedDiv, input, other, dt=dt, mode=rounding_mode)


def true_divide(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    return div(input, other)


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    _check_tensor(input, fn="neg")
    if input.dtype is _dtype.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return ew.Neg.apply(input)


def pow(input: Tensor | Number, exponent: Tensor | Number) -> Tensor:
    """``input ** exponent``, element-wise."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if not input.dtype.is_floating_point and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _elementwise(ew.Pow, input, exponent)


def square(input: Tensor) -> Tensor:
    return mul(input, input)


def exp(input: Tensor) -> Tensor:
    return _unary_float(ew.Exp, input, "exp")


def log(input: Tensor) -> Tensor:
    return _unary_float(ew.Log, input, "log")


def sqrt(input: Tensor) -> Tensor:
    return _unary_float(ew.Sqrt, input, "sqrt")


def rsqrt(input: Tensor) -> Tensor:
    return div(1.0, sqrt(input))


def abs(input: Tensor) -> Tensor:
    return ew.Abs.apply(_check_tensor(input, fn="abs"))


def sigmoid(input: Tensor) -> Tensor:
    return _unary_float(ew.Sigmoid, input, "sigmoid")


def tanh(input: Tensor) -> Tensor:
    return _unary_float(ew.Tanh, input, "tanh")


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at exactly 0 is 0, as in PyTorch."""
    _check_tensor(input, fn="relu")
    if input.dtype is _dtype.bool:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return ew.Relu.apply(input)


def clamp(input: Tensor, min: Number | None = None, max: Number | None = None) -> Tensor:
    """Limit values to ``[min, max]``; either bound may be None, but not both."""
    _check_tensor(input, fn="clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = input if min is None else maximum(input, _as_like(min, input))
        return lo if max is None else minimum(lo, _as_like(max, input))
    dt = _dtype.result_type(input, *(b for b in (min, max) if b is not None))
    x = input if input.dtype is dt else input.to(dt)
    return ew.Clamp.apply(x, min, max)


clip = clamp


def _as_like(value: object, like: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._make(np.asarray(value, like._data.dtype))


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise maximum of two tensors (gradient split evenly on ties)."""
    _check_tensor(input, fn="maximum")
    _check_tensor(other, "other", fn="maximum")
    return _elementwise(ew.Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    _check_tensor(input, fn="minimum")
    _check_tensor(other, "other", fn="minimum")
    return _elementwise(ew.Minimum, input, other)


def where(condition: Tensor, input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Pick from ``input`` where ``condition`` holds, else from ``other``."""
    _check_tensor(condition, "condition", fn="where")
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {_type_name(condition.dtype)}"
        )
    dt = _dtype.result_type(input, other)
    ops = [_operand(v, dt) for v in (input, other)]
    shape = broadcast_shapes(condition.shape, *(np.shape(getattr(o, "_data", o)) for o in ops))
    cond = np.broadcast_to(condition._data, shape)
    return ew.Where.apply(cond, *(_expand_if_needed(o, shape) for o in ops))


# ---------------------------------------------------------------- reductions


def _sum_dtype(x: Tensor, dtype: object) -> np.dtype | None:
    if dtype is not None:
        return _dtype.to_dtype(dtype).numpy
    return None if x.dtype.is_floating_point else np.dtype(np.int64)


def sum(
    input: Tensor,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """Sum over ``dim`` (all elements when None); bools and integers sum as int64."""
    _check_tensor(input, fn="sum")
    dims = _normalize_dims(dim, input.ndim)
    out = reduce.Sum.apply(input, dims, keepdim, _sum_dtype(input, dtype))
    return out if dim is None else _named(out, "SumBackward1")


def mean(
    input: Tensor,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype=None,
) -> Tensor:
    """Arithmetic mean over ``dim``; floating point only, as in PyTorch."""
    _check_tensor(input, fn="mean")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_type_name(input.dtype)}"
        )
    dims = _normalize_dims(dim, input.ndim)
    count = input.numel() if dims is None else int(np.prod([input.shape[d] for d in dims]))
    total = reduce.Sum.apply(input, dims, keepdim, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = div(total, count) if count else div(total, float("nan"))
    return _named(out, "MeanBackward0" if dim is None else "MeanBackward1")


def var(
    input: Tensor,
    dim=None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Number | None = None,
) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return _named(_var(input, dim, unbiased, keepdim, correction, "var"), "VarBackward0")


def std(
    input: Tensor,
    dim=None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Number | None = None,
) -> Tensor:
    """Standard deviation: the square root of ``var`` with the same arguments."""
    out = ew.StdSqrt.apply(_var(input, dim, unbiased, keepdim, correction, "std"))
    return _named(out, "StdBackward0")


def _var(input: Tensor, dim, unbiased, keepdim: bool, correction, name: str) -> Tensor:
    _check_tensor(input, fn=name)
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = _normalize_dims(dim, input.ndim)
    count = input.numel() if dims is None else int(np.prod([input.shape[d] for d in dims]))
    if count - correction <= 0 or input.numel() == 0:  # PyTorch's factor is 0 when empty
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return reduce.Var.apply(input, dims, keepdim, correction)


def _extreme(input: Tensor, dim, keepdim: bool, use_min: bool, name: str):
    _check_tensor(input, fn=name)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        out = reduce.Amax.apply(input, None, False, use_min, True)
        return _named(out, f"{name.capitalize()}Backward1")
    if isinstance(dim, Tensor):
        return (minimum if use_min else maximum)(input, dim)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    arr = input._data if input.ndim else input._data.reshape(1)
    idx = np.expand_dims((np.argmin if use_min else np.argmax)(arr, axis=axis), axis)
    values = reduce.Gather.apply(input if input.ndim else input.reshape(1), idx, axis)
    if not input.ndim:  # a 0-d input gives 0-d results, keepdim or not
        values, idx = values.reshape(()), idx.reshape(())
    elif not keepdim:
        values, idx = squeeze(values, axis), np.squeeze(idx, axis)
    kind = return_types_min if use_min else return_types_max
    values = _named(values, f"{name.capitalize()}Backward0")
    return kind(values, Tensor._make(idx.astype(np.int64)))


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False):
    """The largest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``."""
    return _extreme(input, dim, keepdim, False, "max")


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False):
    """The smallest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``minimum``."""
    return _extreme(input, dim, keepdim, True, "min")


def _check_amax(input: Tensor, dims: tuple | None, name: str) -> None:
    if input.numel():
        return
    if dims is None:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def amax(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dims when empty); ties share the gradient."""
    _check_tensor(input, fn="amax")
    dims = _normalize_dims(dim, input.ndim)
    _check_amax(input, dims, "amax")
    return reduce.Amax.apply(input, dims, keepdim, False)


def amin(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dims when empty); ties share the gradient."""
    _check_tensor(input, fn="amin")
    dims = _normalize_dims(dim, input.ndim)
    _check_amax(input, dims, "amin")
    return reduce.Amax.apply(input, dims, keepdim, True)


def _arg_extreme(input: Tensor, dim, keepdim: bool, use_min: bool) -> Tensor:
    name = "argmin" if use_min else "argmax"
    _check_tensor(input, fn=name)
    pick = np.argmin if use_min else np.argmax
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        out = np.asarray(pick(input._data))
        return Tensor._make(out.reshape((1,) * input.ndim if keepdim else ()).astype(np.int64))
    axis = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    arr = input._data if input.ndim else input._data.reshape(1)
    out = pick(arr, axis=axis)
    if keepdim and input.ndim:
        out = np.expand_dims(out, axis)
    return Tensor._make(np.asarray(out, dtype=np.int64).reshape(out.shape if input.ndim else ()))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, False)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _arg_extreme(input, dim, keepdim, True)


def _softmax_input(input: Tensor, dim: int | None, dtype, name: str) -> tuple[Tensor, int]:
    _check_tensor(input, fn=name)
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim'")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        last = input.ndim <= 1 or normalize_dim(dim, input.ndim) == input.ndim - 1
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(input.dtype)}'")
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.reshape(1), -1
    return input, axis


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    x, axis = _softmax_input(input, dim, dtype, "softmax")
    out = reduce.Softmax.apply(x, axis)
    return out if input.ndim else out.reshape(())


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: one fused, stable primitive."""
    x, axis = _softmax_input(input, dim, dtype, "log_softmax")
    out = reduce.LogSoftmax.apply(x, axis)
    return out if input.ndim else out.reshape(())


def logsumexp(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``dim`` without overflow."""
    dims = _normalize_dims(dim, input.ndim)
    with no_grad():  # np.max with an initial value: an empty dim gives -inf, as PyTorch's
        peak = np.max(input._data, axis=dims, keepdims=True, initial=-np.inf)
        peak = Tensor._make(np.where(np.isfinite(peak), peak, 0).astype(input._data.dtype))
    total = sum(exp(sub(input, peak)), dims, keepdim=True)
    out = add(log(total), peak)
    out = out if keepdim else (squeeze(out, dims) if dims else out.reshape(()))
    return _named(out, "LogsumexpBackward0")


# ---------------------------------------------------------------- products


def _matmul_error(a: Tensor, b: Tensor) -> RuntimeError:
    """PyTorch's message for mismatched inner sizes, which depends on the operands' ranks."""
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.ndim == 2 and b.ndim == 1:
        return RuntimeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
            f"vec ({b.shape[0]})"
        )
    if a.ndim <= 2 and b.ndim <= 2:
        sa = "x".join(str(n) for n in (a.shape if a.ndim > 1 else (1, a.shape[0])))
        sb = "x".join(str(n) for n in b.shape)
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    batch = int(np.prod(broadcast_shapes(a.shape[:-2], b.shape[:-2])))
    k = a.shape[-1]
    got = b.shape[-2] if b.ndim > 1 else b.shape[0]
    return RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but "
        f"got: [{batch}, {got}]."
    )


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy/PyTorch broadcasting of batch dimensions and 1-D promotion."""
    _check_tensor(input, fn="matmul")
    _check_tensor(other, "other", fn="matmul")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{input.ndim}D and {other.ndim}D"
        )
    batch = broadcast_shapes(input.shape[:-2], other.shape[:-2])
    if input.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
        raise _matmul_error(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_type_name(input.dtype).lower()} != {_type_name(other.dtype).lower()}"
        )
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    a = _expand_if_needed(a, batch + a.shape[-2:])
    b = _expand_if_needed(b, batch + b.shape[-2:])
    out = linalg.Matmul.apply(a, b)
    if input.ndim == 1:
        out = out.squeeze(-2)
    if other.ndim == 1:
        out = out.squeeze(-1)
    return _named(out, "MmBackward0") if input.ndim == 2 and other.ndim == 2 else out


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting)."""
    _check_tensor(input, fn="mm")
    _check_tensor(mat2, "mat2", fn="mm")
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("self must be a matrix" if input.ndim != 2 else "mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of two 3-D tensors with equal batch sizes (no broadcasting)."""
    _check_tensor(input, fn="bmm")
    _check_tensor(mat2, "mat2", fn="bmm")
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(
            "batch1 must be a 3D tensor" if input.ndim != 3 else "batch2 must be a 3D tensor"
        )
    if mat2.shape[:2] != (input.shape[0], input.shape[2]):
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return matmul(input, mat2)


# ---------------------------------------------------------------- shape


def _parse_shape(shape: tuple, name: str = "shape", fn: str = "view") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument '{name}' must be tuple of ints, but found element of type "
                f"{type(s).__name__} at pos {i}"
            )
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = int(np.prod([s for s in shape if s != -1]))
    if unknown:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1 :]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input: Tensor, *shape: int) -> Tensor:
    """The same data in a new shape (a view when possible, else a copy); ``-1`` is inferred."""
    target = _infer_shape(_parse_shape(shape, fn="reshape"), input.numel())
    out = movement.Reshape.apply(input, target, False)
    return _named(out, "ViewBackward0" if out._base is not None else "UnsafeViewBackward0")


def view(input: Tensor, *shape: int) -> Tensor:
    """Like ``reshape`` but never copies: a layout that needs a copy raises PyTorch's error."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported by numtorch")
    target = _infer_shape(_parse_shape(shape), input.numel())
    try:
        return _named(movement.Reshape.apply(input, target, True), "ViewBackward0")
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    if input.ndim == 0:  # dims are checked against [-1, 0], as in PyTorch
        normalize_dim(start_dim, 0), normalize_dim(end_dim, 0)
        return reshape(input, 1)
    start, end = (
        normalize_dim(start_dim, input.ndim),
        normalize_dim(end_dim, input.ndim),
    )
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape[:start] + (-1,) + input.shape[end + 1 :]
    if input.numel() == 0:
        shape = (
            input.shape[:start]
            + (int(np.prod(input.shape[start : end + 1])),)
            + input.shape[end + 1 :]
        )
    return reshape(input, shape)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    axis = normalize_dim(dim, input.ndim)
    inner = _infer_shape(tuple(sizes), input.shape[axis])
    return reshape(input, input.shape[:axis] + inner + input.shape[axis + 1 :])


def permute(input: Tensor, *dims: int) -> Tensor:
    """Reorder dimensions (a view)."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _parse_shape(dims, "dims", "permute")
    if len(dims) != input.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is "
            f"not equal to len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, input.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return movement.Permute.apply(input, axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    if input.ndim == 0:
        normalize_dim(dim0, 0), normalize_dim(dim1, 0)
        return input
    axes = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return _named(movement.Permute.apply(input, tuple(axes)), "TransposeBackward0")


swapaxes = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-D and 1-D tensors come back as they are."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return input if input.ndim < 2 else _named(transpose(input, 0, 1), "TBackward0")


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    axis = normalize_dim(dim, input.ndim + 1)
    out = reshape(input, input.shape[:axis] + (1,) + input.shape[axis:])
    return _named(out, "UnsqueezeBackward0")


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dimensions (only those in ``dim`` when given)."""
    if input.ndim == 0:
        return input
    dims = range(input.ndim) if dim is None else _normalize_dims(dim, input.ndim) or ()
    drop = {d for d in dims if input.shape[d] == 1}
    out = reshape(input, tuple(n for i, n in enumerate(input.shape) if i not in drop))
    return _named(out, "SqueezeBackward0" if dim is None else "SqueezeBackward1")


def expand(input: Tensor, *sizes: int) -> Tensor:
    """Broadcast to ``sizes`` without copying; ``-1`` keeps a dimension."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _parse_shape(sizes, "size", "expand")
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{_type_name(input.dtype)}Tensor{{{list(input.shape)}}}, "
            f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    target = list(sizes)
    for i, n in enumerate(input.shape):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = n
        elif n != 1 and n != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({n}) at "
                f"non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
    if builtins.any(s < 0 for s in target):
        raise RuntimeError(
            "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"
        )
    return movement.Expand.apply(input, tuple(target))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    return expand(input, tuple(size))


def contiguous(input: Tensor) -> Tensor:
    """A C-contiguous tensor with the same values (``input`` itself when it already is one)."""
    _check_materialise(input)
    return movement.Contiguous.apply(input)


def _check_materialise(input: Tensor) -> None:
    """An expanded view copied out may need far more memory than it holds: check first."""
    from numtorch._creation import check_alloc

    check_alloc(input.shape, input._data.dtype)


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    return movement.Flip.apply(input, _normalize_dims(dims, input.ndim) or ())


def _check_same_dtype_list(tensors: Sequence, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    if not tensors and name == "cat":
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{name}(): expected Tensor as element {i} in argument 0, but got {type(x).__name__}"
            )
    return list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = _check_same_dtype_list(tensors, "cat")
    dt = _dtype.result_type(*(x if x.ndim else x.reshape(1) for x in tensors))
    ref = next((x for x in tensors if x.shape != (0,)), tensors[0])
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ref.ndim)
    parts = []
    for i, x in enumerate(tensors):
        if x.shape == (0,) and ref.ndim != 1:
            continue
        if x.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}"
            )
        for d in range(ref.ndim):
            if d != axis and x.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref.shape[d]} but got size {x.shape[d]} for tensor number {i} in the list."
                )
        parts.append(x if x.dtype is dt else x.to(dt))
    return movement.Cat.apply(*parts, dim=axis)


concat = cat
concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    tensors = _check_same_dtype_list(tensors, "stack")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(x.shape)} at entry {i}"
            )
    axis = normalize_dim(dim, tensors[0].ndim + 1)
    return _named(cat([unsqueeze(x, axis) for x in tensors], axis), "StackBackward0")


def split(input: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    axis = normalize_dim(dim, input.ndim)
    n = input.shape[axis]
    if isinstance(split_size_or_sections, int) and n == 0 and split_size_or_sections >= 0:
        sizes = [0]  # an empty dimension splits into one empty piece
    elif isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {axis}), but got split_sizes={sizes}"
            )
    out, start = [], 0
    for s in sizes:
        key = (slice(None),) * axis + (slice(start, start + s),)
        out.append(input[key])
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of equal size (the last may be smaller, or fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[normalize_dim(dim, input.ndim)]
    if n == 0:  # PyTorch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, builtins.max(1, -(-n // chunks)), dim)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    axis = normalize_dim(dim, input.ndim)
    n = input.shape[axis]
    start = start + n if start < 0 else start
    if not 0 <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


def unbind(input: Tensor, dim: int = 0) -> tuple:
    axis = normalize_dim(dim, input.ndim)
    return tuple(input[(slice(None),) * axis + (i,)] for i in range(input.shape[axis]))


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` along ``dim`` (like ``take_along_axis``)."""
    _check_tensor(input, fn="gather")
    _check_tensor(index, "index", fn="gather")
    axis = normalize_dim(dim, input.ndim)
    if index.dtype.is_floating_point or index.dtype is _dtype.bool:
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (m, k) in enumerate(zip(index.shape, input.shape)):
        if d != axis and m > k:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(input.shape)} apart from dimension {axis}"
            )
    n = input.shape[axis]
    if index.numel() and (index._data.min() < -n or index._data.max() >= n):
        bad = int(index._data.max() if index._data.max() >= n else index._data.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    return reduce.Gather.apply(input, index._data % builtins.max(n, 1), axis)


# ---------------------------------------------------------------- comparisons (no gradient)


def _compare(np_op, input: object, other: object) -> Tensor:
    dt = _dtype.result_type(input, other)
    a = np.asarray(getattr(input, "_data", input), dtype=dt.numpy)
    b = np.asarray(getattr(other, "_data", other), dtype=dt.numpy)
    broadcast_shapes(a.shape, b.shape)
    return Tensor._make(np.asarray(np_op(a, b)))


def eq(input, other) -> Tensor:
    return _compare(np.equal, input, other)


def ne(input, other) -> Tensor:
    return _compare(np.not_equal, input, other)


def lt(input, other) -> Tensor:
    return _compare(np.less, input, other)


def le(input, other) -> Tensor:
    return _compare(np.less_equal, input, other)


def gt(input, other) -> Tensor:
    return _compare(np.greater, input, other)


def ge(input, other) -> Tensor:
    return _compare(np.greater_equal, input, other)


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> Tensor:
    broadcast_shapes(input.shape, getattr(other, "shape", ()))
    return Tensor._make(
        np.isclose(
            input._data,
            getattr(other, "_data", other),
            rtol=rtol,
            atol=atol,
            equal_nan=equal_nan,
        )
    )


def isnan(input: Tensor) -> Tensor:
    return Tensor._make(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._make(np.isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(input._data))


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input._data))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    return Tensor._make(np.logical_and(input._data, getattr(other, "_data", other)))


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    return Tensor._make(np.logical_or(input._data, getattr(other, "_data", other)))


def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)))


def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)))


def _step(input: Tensor, kind: str, decimals: int = 0) -> Tensor:
    _check_tensor(input, fn=kind.lower())
    if input.dtype is _dtype.bool and kind != "Sign":
        raise NotImplementedError(f"\"{kind.lower()}_vml_cpu\" not implemented for 'Bool'")
    return ew.Step.apply(input, kind, decimals)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN); zero gradient, as PyTorch's."""
    return _step(input, "Sign")


def floor(input: Tensor) -> Tensor:
    """Round down; zero gradient, as PyTorch's."""
    return _step(input, "Floor")


def ceil(input: Tensor) -> Tensor:
    """Round up; zero gradient, as PyTorch's."""
    return _step(input, "Ceil")


def trunc(input: Tensor) -> Tensor:
    """Round toward zero; zero gradient, as PyTorch's."""
    return _step(input, "Trunc")


def fix(input: Tensor) -> Tensor:
    """Alias of ``trunc``."""
    return trunc(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (at ``decimals`` places); zero gradient, as PyTorch's."""
    return _step(input, "Round", decimals)


def frac(input: Tensor) -> Tensor:
    """``input - trunc(input)`` (floating point only); the gradient passes through."""
    _check_tensor(input, fn="frac")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_type_name(input.dtype)}'")
    return ew.Frac.apply(input)


def count_nonzero(input: Tensor, dim: int | None = None) -> Tensor:
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64))


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


# ---------------------------------------------------------------- conversion and copies


def clone(input: Tensor) -> Tensor:
    """A copy with its own storage; gradients flow back to ``input``."""
    _check_materialise(_check_tensor(input, fn="clone"))
    return ew.Clone.apply(input)


def _parse_to(args: tuple, kwargs: dict) -> tuple[_dtype.dtype | None, bool]:
    target = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    device_arg = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, str) or type(a).__name__ == "device":
            device_arg = a
        elif a is not None:
            target = _dtype.to_dtype(a)
    if device_arg is not None and str(device_arg) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"numtorch only supports the 'cpu' device, but got {str(device_arg)!r}")
    return (None if target is None else _dtype.to_dtype(target)), copy


def to(input: Tensor, *args: object, **kwargs: object) -> Tensor:
    """Convert to a dtype; returns ``input`` itself when nothing changes (unless ``copy=True``)."""
    target, copy = _parse_to(args, dict(kwargs))
    if target is None or target is input.dtype:
        return clone(input) if copy else input
    if not target.is_floating_point:
        with np.errstate(invalid="ignore"):  # nan/inf to an integer: unspecified, as in C
            return Tensor._make(input._data.astype(target.numpy))
    return ew.Cast.apply(input, target.numpy)


# ---------------------------------------------------------------- indexing


def _index_part(k: object, size: int | None) -> object:
    if isinstance(k, Tensor):
        if k.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._data
    if isinstance(k, slice) and k.step is not None and k.step <= 0:
        raise ValueError("step must be greater than zero")
    if isinstance(k, list):
        arr = np.asarray(k)
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(k, (float, np.floating)):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got float)"
        )
    if not isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis), np.ndarray)):
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    return k


def _index_key(key: object) -> object:
    if isinstance(key, tuple):
        return tuple(_index_part(k, None) for k in key)
    return _index_part(key, None)


def _reraise_index(err: IndexError) -> IndexError:
    msg = str(err).replace("axis", "dimension")
    return IndexError(msg)


def _is_mask(part: object) -> bool:
    return isinstance(part, np.ndarray) and part.dtype == np.bool_


def _check_index(shape: tuple, key: object) -> None:
    """PyTorch's errors for too many indices and for boolean masks of the wrong shape."""
    parts = key if isinstance(key, tuple) else (key,)
    width = [p.ndim if _is_mask(p) else 0 if p is None or p is Ellipsis else 1 for p in parts]
    used = builtins.sum(width)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    pos = 0
    for p, w in zip(parts, width):
        if p is Ellipsis:
            pos += len(shape) - used
        elif _is_mask(p):
            for j, (got, want) in enumerate(zip(p.shape, shape[pos : pos + w])):
                if got != want:
                    raise IndexError(
                        f"The shape of the mask {list(p.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {pos + j}"
                    )
        pos += w


def index(input: Tensor, key: object) -> Tensor:
    """``input[key]``: basic slicing gives a view; integer and boolean arrays gather a copy."""
    k = _index_key(key)
    _check_index(input.shape, k)
    try:
        return _named(movement.Index.apply(input, k), _index_name(k))
    except IndexError as err:
        raise _reraise_index(err) from None


def _index_name(key: object) -> str:
    """PyTorch's node name: the last of select/slice/unsqueeze applied, or an advanced index."""
    parts = key if isinstance(key, tuple) else (key,)
    if builtins.any(isinstance(p, (np.ndarray, list)) for p in parts):
        return "IndexBackward0"
    name = "SliceBackward0"
    for p in parts:
        if p is None:
            name = "UnsqueezeBackward0"
        elif isinstance(p, slice) and p != slice(None):
            name = "SliceBackward0"
        elif isinstance(p, (int, np.integer)):
            name = "SelectBackward0"
    return name


def index_put_(input: Tensor, key: object, value: object) -> Tensor:
    """``input[key] = value`` in place; recorded for autograd when a gradient is needed."""
    k = _index_key(key)
    _check_index(input.shape, k)
    val = (
        value
        if isinstance(value, Tensor)
        else Tensor._make(np.asarray(value, dtype=input._data.dtype))
    )
    if val.dtype is not input.dtype:
        val = val.to(input.dtype)
    try:
        return inplace(input, _put, k, val)
    except IndexError as err:
        raise _reraise_index(err) from None
    except ValueError:  # NumPy could not broadcast the value into the indexed slots
        expand(val, input._data[k].shape)
        raise


def _put(x: Tensor, key: object, value: Tensor) -> Tensor:
    if is_grad_enabled() and (x.requires_grad or value.requires_grad):
        return movement.IndexPut.apply(x, key, value)
    x._data[key] = value._data
    return x


# ---------------------------------------------------------------- in-place machinery


def _alias(t: Tensor, op) -> Tensor:
    """A handle on ``t``'s history for recording ``op``.

    It shares t's storage when op's backward never reads t's old value; otherwise it holds a
    copy, since the write into ``t`` would change what backward reads (PyTorch saves the
    original ``self`` of an in-place op the same way).
    """
    data = t._data if op in _READS_NOTHING_SAVED else t._data.copy()
    return Tensor._make(data, t.grad_fn)


def _check_leaf_inplace(target: Tensor) -> None:
    if is_grad_enabled() and target.requires_grad and target.is_leaf:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def inplace(target: Tensor, op, *args: object, **kwargs: object) -> Tensor:
    """Run ``op(target, ...)`` and write the result into ``target``'s storage.

    When autograd is recording, the op is recorded on an alias of ``target`` and ``target``
    takes over the result's history, so backward still sees the value from before the write.
    """
    _check_leaf_inplace(target)
    tracking = is_grad_enabled()
    out = op(_alias(target, op) if tracking and target.requires_grad else target, *args, **kwargs)
    if out is target:
        target._version[0] += 1
        return target
    _write_into(
        target, out if out.dtype is target.dtype or not out.requires_grad else out.to(target.dtype)
    )
    return target


def _write_into(target: Tensor, out: Tensor) -> None:
    if broadcast_shapes(out.shape, target.shape) != target.shape:
        raise RuntimeError(
            f"output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(out.shape, target.shape))}"
        )
    if not np.can_cast(out._data.dtype, target._data.dtype, casting="same_kind"):
        raise RuntimeError(
            f"result type {_type_name(out.dtype)} can't be cast to the desired output type "
            f"{_type_name(target.dtype)}"
        )
    if not target._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    np.copyto(target._data, out._data, casting="unsafe")
    target._version[0] += 1
    if out.grad_fn is not None:
        if target._base is not None:
            raise RuntimeError(
                "numtorch does not record in-place operations on views of tensors that require "
                "grad; use the out-of-place form (e.g. x = x + y) instead."
            )
        target.grad_fn = (
            out.grad_fn if out.shape == target.shape else expand(out, target.shape).grad_fn
        )
        target._requires_grad = True


def _type_name(d: _dtype.dtype) -> str:
    return _dtype.scalar_type_name(d)


def _replace_with(x: Tensor, values: Tensor | np.ndarray) -> Tensor:
    """``values`` broadcast to ``x``'s shape, recorded so x's old value gets zero gradient."""
    if (
        isinstance(x, Tensor)
        and x.requires_grad
        or isinstance(values, Tensor)
        and values.requires_grad
    ):
        never = np.zeros(x.shape, dtype=bool)
        v = _expand_if_needed(values, x.shape) if isinstance(values, Tensor) else values
        return ew.Where.apply(never, x, v)
    return Tensor._make(np.broadcast_to(getattr(values, "_data", values), x.shape))


def fill_(input: Tensor, value: object) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    v = value if isinstance(value, Tensor) else np.asarray(value).astype(input._data.dtype)
    if isinstance(v, Tensor) and v.dtype is not input.dtype:
        v = v.to(input.dtype)
    return inplace(input, _replace_with, v)


def copy_(input: Tensor, src: Tensor) -> Tensor:
    """Copy ``src`` (broadcast and cast as needed) into ``input``'s storage."""
    _check_tensor(src, "src", fn="copy_")
    broadcast_shapes(src.shape, input.shape)
    if broadcast_shapes(src.shape, input.shape) != input.shape:
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(broadcast_shapes(src.shape, input.shape))}"
        )
    v = (
        src
        if src.dtype is input.dtype
        else to(src, input.dtype)
        if src.dtype.is_floating_point and input.dtype.is_floating_point
        else Tensor._make(src._data.astype(input._data.dtype))
    )
    return inplace(input, _replace_with, v)


def _random_fill(input: Tensor, draw) -> Tensor:
    from numtorch.random import _rng

    _check_leaf_inplace(input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"random fill is not implemented for {input.dtype}")
    return inplace(input, _replace_with, draw(_rng).astype(input._data.dtype))


def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from U(a, b), drawn from ``generator`` (the default one when None)."""
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    from numtorch.random import _rng

    return _random_fill(input, lambda r: _rng(generator).uniform(a, b, input.shape))


def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    from numtorch.random import _rng

    return _random_fill(input, lambda r: _rng(generator).normal(mean, std, input.shape))


def bernoulli_(input: Tensor, p: float = 0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples that are 1 with probability ``p``."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    from numtorch.random import _rng

    return _random_fill(input, lambda r: _rng(generator).random(input.shape) < p)


def masked_fill(input: Tensor, mask: Tensor, value: object) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere."""
    _check_tensor(mask, "mask", fn="masked_fill")
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {_type_name(mask.dtype).lower()}"
        )
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    v = value.to(input.dtype) if isinstance(value, Tensor) else np.asarray(value, input._data.dtype)
    out = where(mask, v, input) if isinstance(v, Tensor) else _masked(input, mask, v)
    return _named(out, "MaskedFillBackward0")


def _masked(input: Tensor, mask: Tensor, v: np.ndarray) -> Tensor:
    shape = broadcast_shapes(input.shape, mask.shape)
    cond = np.broadcast_to(mask._data, shape)
    return ew.Where.apply(cond, v, _expand_if_needed(input, shape))


# ---------------------------------------------------------------- integer and bit ops


def remainder(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Python-style modulus (sign of the divisor); differentiable for floats."""
    dt = _dtype.result_type(input, other)
    if dt.is_floating_point:
        return sub(input, mul(div(input, other, rounding_mode="floor"), other))
    a, b = (np.asarray(getattr(v, "_data", v), dtype=dt.numpy) for v in (input, other))
    if np.any(b == 0):
        raise RuntimeError("ZeroDivisionError")
    return Tensor._make(np.asarray(np.mod(a, b)))


def bitwise_not(input: Tensor) -> Tensor:
    if input.dtype.is_floating_point:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return Tensor._make(np.invert(input._data))


def _check_bitwise(input: Tensor, other: object, name: str) -> None:
    """PyTorch has no bitwise kernels for floating point: refuse float operands like it."""
    d = _dtype.result_type(input, other)
    if d.is_floating_point:
        raise NotImplementedError(
            f"\"{name}_cpu\" not implemented for '{_dtype.scalar_type_name(d)}'"
        )


def bitwise_and(input: Tensor, other: object) -> Tensor:
    _check_bitwise(input, other, "bitwise_and")
    return Tensor._make(np.bitwise_and(input._data, getattr(other, "_data", other)))


def bitwise_or(input: Tensor, other: object) -> Tensor:
    _check_bitwise(input, other, "bitwise_or")
    return Tensor._make(np.bitwise_or(input._data, getattr(other, "_data", other)))


def logical_xor(input: Tensor, other: object) -> Tensor:
    if input.dtype is not _dtype.bool or getattr(other, "dtype", _dtype.bool) is not _dtype.bool:
        _check_bitwise(input, other, "bitwise_xor")  # reached through ``^``
    return Tensor._make(np.logical_xor(input._data, getattr(other, "_data", other)))


# in-place ops whose recorded backward never reads the target's value from before the write
_READS_NOTHING_SAVED = frozenset({add, sub, neg, clamp, relu, masked_fill, _replace_with, _put})
