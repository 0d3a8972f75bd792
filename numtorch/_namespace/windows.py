"""Window functions for spectral analysis: ``hann_window``, ``hamming_window``,
``bartlett_window``, ``blackman_window`` and ``kaiser_window``, with PyTorch's signatures.

A periodic window (the default) of length N is the symmetric window of length N + 1 without
its last value, as PyTorch (and ``scipy.signal.get_window``) define it. Values are computed in
float64 and cast to the requested floating dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._namespace._declare import op
from numtorch._namespace._factory import FactoryOptions, check_alloc
from numtorch.tensor import Tensor


def _window(
    options: FactoryOptions,
    window_length: Any,
    periodic: Any,
    symmetric: Callable[[int], np.ndarray],
) -> Tensor:
    """Every window function: the window ``symmetric(n)`` (a float64 array of length n) of
    ``window_length`` values, periodic or not, in the dtype and with the keywords of
    ``options`` (``options.fn``: the window function's name)."""
    fn = options.fn
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(
            f"{fn}(): argument 'window_length' (position 1) must be int, not "
            f"{type(window_length).__name__}"
        )
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(
            f"{fn}(): argument 'periodic' (position 2) must be bool, not {type(periodic).__name__}"
        )
    opts = options.checked()
    d = _dtype.get_default_dtype() if opts.dtype is None else _dtype.to_dtype(opts.dtype)
    if not d.is_floating_point:
        raise RuntimeError(
            f"{fn} expects floating point dtypes, got: TensorOptions(dtype={_dtype.c_type_name(d)}"
            ", device=cpu, layout=Strided (default), requires_grad=false (default), "
            "pinned_memory=false, memory_format=(nullopt))"
        )
    if window_length < 0:
        raise RuntimeError(
            f"{fn} requires non-negative window_length, got window_length={window_length}"
        )
    n = int(window_length)
    check_alloc((n,), d.numpy)
    if n <= 1:
        values = np.ones(n)
    else:
        values = symmetric(n + 1)[:-1] if periodic else symmetric(n)
    return opts.finish(values.astype(d.numpy))


def _cosine_sum(*coefficients: float) -> Callable[[int], np.ndarray]:
    """The symmetric window ``sum_k (-1)**k a_k cos(2 pi k i / (n - 1))`` (Hann, Hamming,
    Blackman)."""

    def symmetric(n: int) -> np.ndarray:
        phase = 2 * np.pi * np.arange(n) / (n - 1)
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))

    return symmetric


def _bartlett(n: int) -> np.ndarray:
    return 1 - np.abs(2 * np.arange(n) / (n - 1) - 1)


def _kaiser(beta: float) -> Callable[[int], np.ndarray]:
    def symmetric(n: int) -> np.ndarray:
        half = (n - 1) / 2
        ratio = (np.arange(n) - half) / half
        return np.i0(beta * np.sqrt(np.clip(1 - ratio**2, 0, None))) / np.i0(beta)

    return symmetric


@op()
def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi i / (N - 1))``."""
    options = FactoryOptions("hann_window", dtype, layout, device, pin_memory, requires_grad)
    return _window(options, window_length, periodic, _cosine_sum(0.5, 0.5))


@op()
def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The generalised Hamming window ``alpha - beta cos(2 pi i / (N - 1))``."""
    options = FactoryOptions("hamming_window", dtype, layout, device, pin_memory, requires_grad)
    return _window(options, window_length, periodic, _cosine_sum(alpha, beta))


@op()
def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The triangular (Bartlett) window ``1 - |2 i / (N - 1) - 1|``."""
    options = FactoryOptions("bartlett_window", dtype, layout, device, pin_memory, requires_grad)
    return _window(options, window_length, periodic, _bartlett)


@op()
def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))``."""
    options = FactoryOptions("blackman_window", dtype, layout, device, pin_memory, requires_grad)
    return _window(options, window_length, periodic, _cosine_sum(0.42, 0.5, 0.08))


@op()
def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2 i / (N - 1) - 1)^2)) / I0(beta)``."""
    options = FactoryOptions("kaiser_window", dtype, layout, device, pin_memory, requires_grad)
    return _window(options, window_length, periodic, _kaiser(float(beta)))
