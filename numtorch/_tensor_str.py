"""``repr`` of a tensor in PyTorch's layout (a port of ``torch/_tensor_str.py``): 4 decimals,
integral floats as ``1.``, scientific notation for wide ranges, summaries with ``...`` past
1000 elements, 80-column wrapping, and dtype / grad suffixes."""

from __future__ import annotations

import math

import numpy as np

from numtorch import _dtype

__all__ = ["tensor_repr"]

_PRECISION = 4
_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 80


class _Formatter:
    """Chooses one layout (int, fixed, scientific) and one width for every element shown."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max([1] + [len(f"{v}") for v in flat.tolist()])
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        magnitude = np.abs(finite).astype(np.float64)
        lo, hi = magnitude.min(), magnitude.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        if self.sci_mode:
            widths = [len(f"{v:.{_PRECISION}e}") for v in finite.tolist()]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in finite.tolist()]
        else:
            widths = [len(f"{v:.{_PRECISION}f}") for v in finite.tolist()]
        self.max_width = max(widths)

    def format(self, value: float | int | bool) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{_PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{_PRECISION}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(arr: np.ndarray) -> np.ndarray:
    """Only the elements a summarised print shows (the first and last ``edgeitems`` per dim)."""
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * _EDGEITEMS:
            return np.concatenate((arr[:_EDGEITEMS], arr[-_EDGEITEMS:]))
        return arr
    rows = list(arr)
    if arr.shape[0] > 2 * _EDGEITEMS:
        rows = rows[:_EDGEITEMS] + rows[-_EDGEITEMS:]
    return np.stack([_summarized(r) for r in rows])


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((_LINEWIDTH - indent) / (fmt.max_width + 2)))
    if summarize and arr.shape[0] > 2 * _EDGEITEMS:
        data = (
            [fmt.format(v) for v in arr[:_EDGEITEMS].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in arr[-_EDGEITEMS:].tolist()]
        )
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        rows = list(range(_EDGEITEMS)) + [None] + list(range(n - _EDGEITEMS, n))
    else:
        rows = list(range(n))
    slices = ["..." if i is None else _tensor_str(arr[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix: str = "tensor(") -> str:
    """The string PyTorch prints for tensor ``t`` (``prefix`` as in ``_str_intern``)."""
    arr = t._data
    indent = len(prefix)
    default = _dtype.get_default_dtype()
    suffixes = []
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype is not default:
            suffixes.append(f"dtype={t.dtype!r}")
        body = "[]"
    else:
        if t.dtype not in (default, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={t.dtype!r}")
        summarize = arr.size > _THRESHOLD
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _tensor_str(arr, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
