"""Padding (``F.pad`` in every mode), validated in PyTorch's order with its messages.

Constant padding works on any rank and crops for a negative amount. Reflect, replicate and
circular pad the last 1, 2 or 3 axes of an input with one or two more axes (batch and
channels, or channels only). The gathers live in ``numtorch.ops.resample``: reflect and
replicate pad first and then crop a negative side; circular crops first and then wraps
around the cropped extent, as PyTorch's kernels do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numtorch._checks import check_tensor
from numtorch.ops import resample as _ops
from numtorch.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_NP_MODES = {"reflect": "reflect", "replicate": "edge"}
_COMBOS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)
_NODE = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0"}


def _parse_pad(pad: object) -> tuple:
    """``pad`` as a tuple of ints, or the TypeError PyTorch's argument parser raises."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}"
        )
    for i, v in enumerate(pad):
        if not isinstance(v, (int, np.integer)):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element "
                f"of type {type(v).__name__} at pos {i}"
            )
    return tuple(int(v) for v in pad)


def _parse_args(input: object, pad: object, mode: object, value: object) -> tuple:
    check_tensor(input, "pad")
    pads = _parse_pad(pad)
    if not isinstance(mode, str):
        raise TypeError(
            f"pad(): argument 'mode' (position 3) must be str, not {type(mode).__name__}"
        )
    if value is not None and (
        isinstance(value, (str, bytes)) or not isinstance(value, (int, float, np.number))
    ):
        raise TypeError(
            f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}"
        )
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) > 2 * input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pads)} and input of dimension {input.ndim}"
        )
    return pads


def pad(
    input: Tensor,
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad ``input``: ``pad`` lists (before, after) amounts from the last axis backwards,
    ``(left, right)``, ``(left, right, top, bottom)``, ... ``mode`` is ``'constant'`` (fill
    with ``value``, default 0; a negative amount crops), ``'reflect'`` (mirror without the
    edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).

    Example:
        >>> import numtorch as torch
        >>> x = torch.arange(3.0).reshape(1, 3)
        >>> torch.nn.functional.pad(x, (2, 1), mode="reflect").tolist()
        [[2.0, 1.0, 0.0, 1.0, 2.0, 1.0]]
    """
    pads = _parse_args(input, pad, mode, value)
    if mode == "constant":
        return _constant(input, pads, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    nd = len(pads) // 2
    if not (nd in (1, 2, 3) and input.ndim in (nd + 1, nd + 2)):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {input.ndim}D input tensor.\n{_COMBOS}"
        )
    per_axis = [(pads[2 * i], pads[2 * i + 1]) for i in range(nd)][::-1]  # first padded axis first
    if mode == "circular":
        return _circular(input, per_axis)
    return _edge(input, per_axis, mode)


def _constant(input: Tensor, pads: tuple, value: object) -> Tensor:
    """PyTorch's ``constant_pad_nd``: crops by narrowing (its error for too much), then pads."""
    nd = len(pads) // 2
    per_axis = [(0, 0)] * (input.ndim - nd) + [(pads[2 * i], pads[2 * i + 1]) for i in range(nd)][
        ::-1
    ]
    for n, (b, a) in zip(input.shape, per_axis):
        kept = n - max(-b, 0)
        if kept < 0 or kept - max(-a, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return _ops.ConstantPad.apply(input, tuple(per_axis), value)


def _check_nonempty(input: Tensor, nd: int) -> None:
    """PyTorch's ``check_valid_input``: only a batch axis may be empty."""
    batched = input.ndim == nd + 2
    if 0 in input.shape[1 if batched else 0 :]:
        raise RuntimeError(
            f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(input.shape)}"
        )


def _check_out_sizes(input: Tensor, per_axis: list, mode: str) -> None:
    """The "too small" check (every padded axis below 1), then a negative size."""
    nd = len(per_axis)
    sizes = input.shape[input.ndim - nd :]
    out = [n + b + a for n, (b, a) in zip(sizes, per_axis)]
    if max(out) < 1 or (nd == 1 and out[0] < 1):
        names = "DHW"[3 - nd :]
        if nd == 1:
            shown, got = f"W: {sizes[0]}", f"W: {out[0]}"
        else:
            shown = " ".join(f"{c}: {n}" for c, n in zip(names[:-1], sizes[:-1]))
            shown = f"{shown}, W: {sizes[-1]}" + (" " if mode == "replicate" and nd == 2 else "")
            got = " ".join(f"{c}: {n}" for c, n in zip(names, out))
        raise RuntimeError(f"input ({shown}) is too small. Calculated output {got}")
    if min(out) < 0:
        shape = list(input.shape[: input.ndim - nd]) + out
        first_negative = next(v for v in out if v < 0)
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {first_negative}: {shape}"
        )


def _edge(input: Tensor, per_axis: list, mode: str) -> Tensor:
    """Reflect or replicate padding, with PyTorch's checks in its order."""
    nd = len(per_axis)
    _check_nonempty(input, nd)
    first = input.ndim - nd
    if mode == "reflect":
        for i in reversed(range(nd)):  # width (argument #4) first
            b, a = per_axis[i]
            n = input.shape[first + i]
            if b >= n or a >= n:
                raise RuntimeError(
                    f"Argument #{4 + 2 * (nd - 1 - i)}: Padding size should be less than the "
                    f"corresponding input dimension, but got: padding ({b}, {a}) at dimension "
                    f"{first + i} of input {list(input.shape)}"
                )
    _check_out_sizes(input, per_axis, mode)
    plans = []
    for i, (b, a) in enumerate(per_axis):
        n = input.shape[first + i]
        src = np.pad(np.arange(n), (max(b, 0), max(a, 0)), mode=_NP_MODES[mode])
        src = src[max(-b, 0) : len(src) - max(-a, 0)]
        plans.append((first + i, src[None].astype(np.int64), None, n))
    return _ops.Resample.apply(input, tuple(plans), _NODE[mode].format(nd), None, True)


def _circular(input: Tensor, per_axis: list) -> Tensor:
    """Circular padding: crop a negative side, then wrap around what is left."""
    first = input.ndim - len(per_axis)
    plans = []
    for i, (b, a) in enumerate(per_axis):
        n = input.shape[first + i]
        if b > n or a > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + b + a < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        kept = np.arange(max(-b, 0), n - max(-a, 0))
        positions = np.arange(-max(b, 0), len(kept) + max(a, 0))
        src = kept[positions % max(len(kept), 1)] if len(kept) else np.zeros(len(positions), int)
        plans.append((first + i, src[None].astype(np.int64), None, n))
    return _ops.Resample.apply(input, tuple(plans), "CopySlices")
