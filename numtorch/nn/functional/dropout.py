"""The dropout family as functions: ``dropout``, ``dropout1d``, ``dropout2d``, ``dropout3d``,
``alpha_dropout`` and ``feature_alpha_dropout``.

All six are one mechanism, ``_dropout``, parameterised by the mask's shape: element-wise
dropout draws one keep decision per element, the feature variants one per (sample, channel),
broadcast over the spatial dimensions. The alpha variants add SELU's affine correction.

Where numtorch differs from PyTorch, on purpose:
    * ``p`` must be a real number in [0, 1]; NaN raises ``ValueError`` (PyTorch lets NaN through
      to a ``RuntimeError``) and a tensor ``p`` raises ``TypeError`` (PyTorch accepts one).
    * A dropped element is exactly 0 (``c`` for the alpha variants) even where the input held
      NaN or inf; PyTorch multiplies by 0 and leaves NaN there.
    * ``dropout2d`` reads 3-D input as unbatched ``(C, H, W)``, the behaviour PyTorch documents
      and announces (its code still reads it as ``(N, C, L)``, with a warning). 2-D input
      warns with PyTorch's words and is dropped element-wise, as PyTorch does; another rank
      other than 3-D/4-D raises, as PyTorch's warning says a future release will. Likewise
      ``dropout3d`` for ranks other than 4-D/5-D.
    * ``generator=`` (keyword-only) draws the mask from a given ``numtorch.Generator``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._namespace._operands import named
from numtorch._namespace.inplace import inplace as _inplace
from numtorch.ops import dropout as ops
from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor

__all__ = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]

_SHAPES = {
    1: "(N, C, L) or (C, L)",
    2: "(N, C, H, W) or (C, H, W)",
    3: "(N, C, D, H, W) or (C, D, H, W)",
}

_DROPOUT2D_2D = (
    "dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in an "
    "error in a future release. To retain the behavior and silence this warning, please use "
    "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with "
    "2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
    "inputs)."
)


class _ShapeError(ValueError, RuntimeError):
    """A wrong input rank. A ``ValueError``, and also the ``RuntimeError`` PyTorch's
    ``dropout1d`` raises, so code catching either works (as NumPy's ``AxisError`` is both a
    ``ValueError`` and an ``IndexError``)."""


def _check_p(p: object) -> None:
    """PyTorch's range check, made strict: NaN and non-numbers are refused too."""
    if not isinstance(p, numbers.Real):
        raise TypeError(f"dropout probability must be a real number, but got {type(p).__name__}")
    if not 0 <= p <= 1:  # also False for NaN
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask_dims(input: Tensor, kind: str) -> int:
    """How many leading dimensions the keep-mask covers.

    ``kind`` is ``"element"`` (all of them), ``"feature"`` (N and C, any rank >= 2, as PyTorch's
    feature_alpha_dropout) or ``"1d"``/``"2d"``/``"3d"`` (N and C, or C alone when unbatched).
    """
    n = input.ndim
    if kind == "element":
        return n
    if kind == "feature":
        if n < 2:
            raise _ShapeError("Feature dropout requires at least 2 dimensions in the input")
        return 2
    spatial = int(kind[0])
    if spatial == 2 and n == 2:
        # PyTorch warns and runs its feature dropout, which for (N, C) input is one draw per
        # element (pytorch/examples' MNIST did this for years)
        warnings.warn(_DROPOUT2D_2D, UserWarning, stacklevel=4)
        return 2
    if n not in (spatial + 1, spatial + 2):
        name, dims = f"dropout{spatial}d", "dimension" if spatial == 1 else "dimensions"
        hint = f"; a batched {n}D input belongs to dropout{n - 2}d" if 1 <= n - 2 <= 3 else ""
        raise _ShapeError(
            f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a {n}D "
            f"input. Note that {name} exists to provide channel-wise dropout on inputs with "
            f"{spatial} spatial {dims}, a channel dimension, and an optional batch dimension "
            f"(i.e. {spatial + 1}D or {spatial + 2}D inputs): {_SHAPES[spatial]}{hint}."
        )
    return n - spatial


def _dropout(
    input: Tensor,
    p: float,
    training: bool,
    inplace: bool,
    kind: str,
    alpha: bool = False,
    generator: Generator | None = None,
) -> tuple[Tensor, np.ndarray | None]:
    """The one mechanism behind the family: returns the result and the keep-mask.

    The mask has shape ``input.shape[:k]`` (``k`` from ``_mask_dims``); it is None in eval mode.
    An element-wise mask (``k`` = the input's rank) comes packed, one bit per element
    (``ops.unpack_mask`` gives the bool array).
    Eval mode, ``p == 0`` and empty input return ``input`` itself and draw nothing; ``p == 1``
    draws nothing either and gives zeros.
    """
    if not isinstance(input, Tensor):
        names = {"element": "alpha_dropout" if alpha else "dropout"}
        fn = names.get(kind, "feature_alpha_dropout" if kind == "feature" else f"dropout{kind}")
        check_tensor(input, fn)
    _check_p(p)
    if kind == "feature" and input.ndim < 2 and (not training or p == 0 or not input.numel()):
        # PyTorch's C++ feature_alpha_dropout returns before its rank check (the Python-level
        # dropout1d/2d/3d check the rank first, so only this one shortcuts)
        return input, (np.broadcast_to(True, input.shape) if training else None)
    k = _mask_dims(input, kind)
    if not training:
        return input, None
    shape = input._data.shape[:k]  # the array's: slicing a Size costs microseconds
    if p == 0 or input.numel() == 0:
        return input, np.broadcast_to(True, shape)
    packed = k == input.ndim  # element-wise: one bit per element (1/32 of a float32 input)
    if p == 1:
        keep = np.broadcast_to(False, shape)
    else:
        _check_floating(input)
        keep = ops.bernoulli_mask(_rng(generator), shape, 1 - p, packed=packed)
    # plain float and bool: PyTorch's double p, and one cache entry per value whatever its type
    a, b, c = ops.affine(float(p), bool(alpha), input._data.dtype)
    kb = keep if keep.dtype == np.uint8 else keep.reshape(shape + (1,) * (input.ndim - k))

    def apply(t: Tensor) -> Tensor:
        out = ops.Dropout.apply(t, keep=kb, a=a, b=b, c=c, inplace=inplace)
        # PyTorch's root node: ``input * mask`` (alpha: ``input * a * mask + b'``)
        named(out, "AddBackward0" if alpha and p != 1 else "MulBackward0")
        return t if inplace and out.grad_fn is None else out  # t's storage holds the result

    return (_inplace(input, apply) if inplace else apply(input)), keep


def _check_floating(input: Tensor) -> None:
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"dropout expects a floating-point input, but got {input.dtype}: result type Float "
            f"can't be cast to the desired output type {_type_name(input.dtype)}"
        )


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero each element independently with probability ``p``; scale the rest by ``1/(1-p)``.

    See ``numtorch.nn.Dropout``. ``generator`` (a numtorch extension) draws the mask.
    """
    return _dropout(input, p, training, inplace, "element", generator=generator)[0]


def dropout1d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input. See ``numtorch.nn.Dropout1d``."""
    return _dropout(input, p, training, inplace, "1d", generator=generator)[0]


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole feature maps of ``(N, C, H, W)`` or ``(C, H, W)`` input.

    See ``numtorch.nn.Dropout2d`` (3-D input is unbatched ``(C, H, W)``, unlike PyTorch's code).
    """
    return _dropout(input, p, training, inplace, "2d", generator=generator)[0]


def dropout3d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole volumes of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    See ``numtorch.nn.Dropout3d``.
    """
    return _dropout(input, p, training, inplace, "3d", generator=generator)[0]


def alpha_dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Alpha dropout, element-wise: keeps SELU's zero mean and unit variance.

    ``training`` defaults to False, as in PyTorch. See ``numtorch.nn.AlphaDropout``.
    """
    return _dropout(input, p, training, inplace, "element", True, generator)[0]


def feature_alpha_dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Alpha dropout of whole channels: one decision per (N, C) pair of an input of rank >= 2.

    ``training`` defaults to False, as in PyTorch. See ``numtorch.nn.FeatureAlphaDropout``.
    """
    return _dropout(input, p, training, inplace, "feature", True, generator)[0]
