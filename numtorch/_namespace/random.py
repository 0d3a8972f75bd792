"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, their ``_like`` forms and the
in-place fills, each drawing from a ``numtorch.Generator``."""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.creation import (
    _finish,
    _float_dtype,
    _like_dtype,
    check_alloc,
    parse_size,
    size_arg,
)
from numtorch._namespace.inplace import check_leaf_inplace, inplace, replace_with
from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor, check_cpu


@op()
def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Samples from U[0, 1), drawn from ``generator`` (the default generator when None)."""
    check_cpu(device)
    shape = parse_size(size_arg(size, kwargs, "rand"), "rand")
    check_alloc(shape, _float_dtype(dtype, "check_uniform_bounds"))
    out = (
        _rng(generator)
        .random(shape, dtype=np.float64)
        .astype(_float_dtype(dtype, "check_uniform_bounds"))
    )
    return _finish(Tensor._make(out), requires_grad)


@op()
def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Samples from the standard normal distribution."""
    check_cpu(device)
    shape = parse_size(size_arg(size, kwargs, "randn"), "randn")
    d = _float_dtype(dtype, "normal_kernel_cpu")
    check_alloc(shape, d)
    out = _rng(generator).standard_normal(
        shape, dtype=d if d in (np.float32, np.float64) else np.float64
    )
    return _finish(Tensor._make(out.astype(d, copy=False)), requires_grad)


@op()
def randint(
    *args: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers from ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    check_cpu(device)
    args = list(args)
    if size is None and args and isinstance(args[-1], (list, tuple)):
        size = args.pop()
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() takes (high, size) or (low, high, size)")
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    shape = parse_size((size,), "randint")
    d = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    check_alloc(shape, d.numpy)
    return _finish(
        Tensor._make(_rng(generator).integers(low, high, shape).astype(d.numpy)), requires_grad
    )


@op()
def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    check_alloc((n,), np.int64)
    return Tensor._make(_rng(generator).permutation(n).astype(d.numpy))


@op()
def rand_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    dtype = _like_dtype(input, dtype, "rand_like")
    return rand(
        input.shape,
        generator=generator,
        dtype=dtype,
        requires_grad=requires_grad,
    )


@op()
def randn_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    dtype = _like_dtype(input, dtype, "randn_like")
    return randn(
        input.shape,
        generator=generator,
        dtype=dtype,
        requires_grad=requires_grad,
    )


@op()
def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
) -> Tensor:
    dtype = _like_dtype(input, dtype, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator, dtype=dtype)


def _random_fill(input: Tensor, draw, name: str) -> Tensor:
    """Write ``draw(rng)`` into ``input``; in a graph the node (zero gradient) takes PyTorch's
    ``name``."""
    check_leaf_inplace(input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"random fill is not implemented for {input.dtype}")
    return named(inplace(input, replace_with, draw(_rng).astype(input._data.dtype)), name)


@op(function=False, method=True)
def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from U(a, b), drawn from ``generator`` (the default one when None)."""
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    return _random_fill(
        input, lambda r: _rng(generator).uniform(a, b, input.shape), "UniformBackward0"
    )


@op(function=False, method=True)
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _random_fill(
        input, lambda r: _rng(generator).normal(mean, std, input.shape), "NormalBackward0"
    )


@op(function=False, method=True)
def bernoulli_(input: Tensor, p: float = 0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples that are 1 with probability ``p``."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _random_fill(
        input, lambda r: _rng(generator).random(input.shape) < p, "BernoulliBackward2"
    )
