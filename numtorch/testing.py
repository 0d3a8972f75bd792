"""``numtorch.testing``: ``assert_close`` and ``make_tensor``, as in ``torch.testing``.

``assert_close`` compares tensors (and NumPy arrays), Python numbers, and sequences and mappings
of them, with PyTorch's per-dtype default tolerances, its checks (shape, dtype, device) and its
``AssertionError`` messages, word for word.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._checks import check_device
from numtorch.random import _rng
from numtorch.tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) per dtype, PyTorch's ``_DTYPE_PRECISIONS``; other dtypes compare exactly
_PRECISIONS = {
    _dtype.float16: (0.001, 1e-5),
    _dtype.float32: (1.3e-6, 1e-5),
    _dtype.float64: (1e-7, 1e-7),
}
_SCALAR_DTYPES = {bool: _dtype.bool, int: _dtype.int64, float: _dtype.float64, complex: None}


class _Mismatch(Exception):
    """A failed comparison: the exception type PyTorch raises and its message."""

    def __init__(self, type: type, msg: str, id: tuple = ()) -> None:
        super().__init__(msg)
        self.type, self.msg, self.id = type, msg, id


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close.

    Values match where ``|actual - expected| <= atol + rtol * |expected|`` (NaN only with
    ``equal_nan=True``). Without ``rtol``/``atol`` (give both or neither) the tolerances are
    PyTorch's defaults for the dtype: float16 ``(1e-3, 1e-5)``, float32 ``(1.3e-6, 1e-5)``,
    float64 ``(1e-7, 1e-7)``, exact for integers and bools; with ``check_dtype=False`` and two
    dtypes, the looser of the two, compared in the promoted dtype. ``msg`` replaces the message
    (a callable gets the default message and returns the new one).

    Example:
        >>> import numtorch as torch
        >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
        >>> torch.testing.assert_close(torch.tensor([1, 2]), torch.tensor([1, 3]))
        Traceback (most recent call last):
        ...
        AssertionError: Tensor-likes are not equal!
        <BLANKLINE>
        Mismatched elements: 1 / 2 (50.0%)
        Greatest absolute difference: 1 at index (1,)
        Greatest relative difference: 0.3333333432674408 at index (1,)
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    options = dict(
        rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype,
        check_stride=check_stride,
    )  # fmt: skip
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as m:
        text = m.msg
        if m.type is AssertionError and msg is not None:
            text = msg(text) if callable(msg) else msg
        elif m.id:
            text += "\n\nThe failure occurred for item " + "".join(f"[{k!r}]" for k in m.id)
        raise m.type(text) from None


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (Tensor, np.ndarray))


def _compare(actual: Any, expected: Any, id: tuple, options: dict) -> None:
    if actual is None and expected is None:
        return
    if _is_tensor_like(actual) and _is_tensor_like(expected):
        return _compare_tensors(actual, expected, id, **options)
    if _is_number(actual) and _is_number(expected):
        return _compare_numbers(actual, expected, id, **options)
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(
                AssertionError,
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                id,
            )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, (*id, i), options)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        keys, other = set(actual), set(expected)
        if keys != other:
            raise _Mismatch(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(other - keys)}\n"
                f"Additional keys in the actual mapping: {sorted(keys - other)}",
                id,
            )
        try:
            keys = sorted(keys)
        except TypeError:
            pass
        for k in keys:
            _compare(actual[k], expected[k], (*id, k), options)
        return
    raise _Mismatch(
        TypeError,
        f"No comparison pair was able to handle inputs of type {type(actual)} and "
        f"{type(expected)}.",
        id,
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float, complex)) or isinstance(x, np.number | np.bool_)


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _tolerances(dtypes, rtol, atol) -> tuple[float, float]:
    if rtol is not None:
        return rtol, atol
    pairs = [_PRECISIONS.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _compare_numbers(actual, expected, id, *, rtol, atol, equal_nan, check_dtype, **_) -> None:
    actual, expected = _py(actual), _py(expected)
    if isinstance(actual, bool) and isinstance(expected, bool):
        if actual is not expected:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id)
        return
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(
            AssertionError,
            f"The (d)types do not match: {type(actual)} != {type(expected)}.",
            id,
        )
    kinds = [_SCALAR_DTYPES[type(actual)], _SCALAR_DTYPES[type(expected)]]
    rtol, atol = _tolerances([k or _dtype.float64 for k in kinds], rtol, atol)
    if actual == expected or (equal_nan and _isnan(actual) and _isnan(expected)):
        return
    if abs(actual - expected) <= atol + rtol * abs(expected):
        return
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    raise _Mismatch(
        AssertionError,
        _message("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, rtol,
                 rel_diff, None, atol),
        id,
    )  # fmt: skip


def _py(x: Any) -> bool | int | float | complex:
    return x.item() if isinstance(x, np.generic) else x


def _isnan(x) -> bool:
    return isinstance(x, float | complex) and (x != x)


def _as_tensor(x: Tensor | np.ndarray) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _compare_tensors(
    actual, expected, id, *, rtol, atol, equal_nan, check_dtype, check_stride
) -> None:
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    for name, a, e in (
        (("shape", actual.shape, expected.shape),)
        + ((("dtype", actual.dtype, expected.dtype),) if check_dtype else ())
        + ((("stride()", actual.stride(), expected.stride()),) if check_stride else ())
    ):
        if a != e:
            raise _Mismatch(
                AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", id
            )
    rtol, atol = _tolerances((actual.dtype, expected.dtype), rtol, atol)
    a, e = actual.detach().numpy(), expected.detach().numpy()
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    if a.dtype == np.bool_ or a.dtype.kind in "iu":
        matches = a == e
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(
            AssertionError,
            _scalar_message(a.item(), e.item(), rtol, atol),
            id,
        )
    raise _Mismatch(AssertionError, _tensor_message(a, e, matches, rtol, atol), id)


def _scalar_message(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    extra = f"Expected {expected} but got {actual}."
    return _message("Scalars", extra, abs_diff, None, rtol, rel_diff, None, atol)


def _tensor_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol, atol) -> str:
    total, bad = matches.size, int(matches.size - matches.sum())
    extra = f"Mismatched elements: {bad} / {total} ({bad / total:.1%})"
    a, e, m = a.ravel(), e.ravel(), matches.ravel()
    if a.dtype.kind not in "fc":  # PyTorch widens integers (and bools) to int64
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[m] = 0
        # integer / integer is true division in PyTorch's default dtype, float32
        if a.dtype.kind in "fc":
            rel_diff = abs_diff / np.abs(e)
        else:
            rel_diff = abs_diff.astype(np.float32) / np.abs(e).astype(np.float32)
        rel_diff[m] = 0
    i, j = _argmax(abs_diff), _argmax(rel_diff)
    return _message(
        "Tensor-likes", extra, abs_diff[i].item(), _unravel(i, matches.shape), rtol,
        rel_diff[j].item(), _unravel(j, matches.shape), atol,
    )  # fmt: skip


def _argmax(x: np.ndarray) -> int:
    """``torch.max``'s index: a NaN wins (the first), else the first largest value."""
    nan = np.flatnonzero(np.isnan(x)) if x.dtype.kind in "fc" else ()
    return int(nan[0]) if len(nan) else int(np.argmax(x))


def _unravel(i: int, shape: tuple) -> tuple[int, ...]:
    return tuple(int(k) for k in np.unravel_index(i, shape))


def _message(identifier, extra, abs_diff, abs_idx, rtol, rel_diff, rel_idx, atol) -> str:
    equality = rtol == 0 and atol == 0

    def diff(kind: str, value, idx, tol) -> str:
        text = f"{kind.title()} difference: {value}" if idx is None else (
            f"Greatest {kind} difference: {value} at index {idx}"
        )  # fmt: skip
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    text += diff("absolute", abs_diff, abs_idx, atol) + diff("relative", rel_diff, rel_idx, rtol)
    return text.strip()


def make_tensor(
    *shape: int | Sequence[int],
    dtype: _dtype.dtype,
    device: Any = None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` filled with uniform random values in ``[low, high)``, as
    ``torch.testing.make_tensor``: floats default to ``[-9, 9)``, signed integers to
    ``[-9, 10)``, uint8 to ``[0, 10)``, bools are fair coin flips. ``exclude_zero`` replaces
    zeros (with the dtype's smallest positive step: 1 for integers, ``eps`` for floats).
    Values come from numtorch's default generator (``numtorch.manual_seed`` reproduces them).
    """
    check_device(device)
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    rng, np_dtype = _rng(None), dtype.numpy
    if dtype is _dtype.bool:
        data = rng.integers(0, 2, size=shape).astype(np.bool_)
    elif dtype.is_floating_point:
        lo, hi = (-9.0 if low is None else low), (9.0 if high is None else high)
        _check_range(lo, hi)
        data = rng.uniform(lo, hi, size=shape).astype(np_dtype)
    else:
        info = np.iinfo(np_dtype)
        lo = max(info.min, -9 if low is None else math.ceil(low))
        hi = min(info.max + 1, 10 if high is None else math.ceil(high))
        if dtype is _dtype.uint8 and low is None:
            lo = 0
        _check_range(lo, hi)
        data = rng.integers(lo, max(hi, lo + 1), size=shape).astype(np_dtype)
    if exclude_zero:
        step = np.finfo(np_dtype).tiny if dtype.is_floating_point else 1
        data[data == 0] = step if dtype is not _dtype.bool else True
    if noncontiguous and data.size > 1:
        wide = np.repeat(data[..., None], 2, axis=-1)
        data = wide[..., 0]
    out = Tensor._make(data)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _check_range(low: float, high: float) -> None:
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low > high:
        raise ValueError(f"`low` must be less than or equal to `high`, but got {low} > {high}")
