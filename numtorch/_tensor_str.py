"""``repr`` of a tensor in PyTorch's layout (a port of ``torch/_tensor_str.py``): 4 decimals,
integral floats as ``1.``, scientific notation for wide ranges, summaries with ``...`` past
1000 elements, 80-column wrapping, and dtype / grad suffixes."""

from __future__ import annotations

import math

import numpy as np

from numtorch import _dtype

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions"]


class _PrintOptions:
    """The options ``set_printoptions`` changes (PyTorch's ``PRINT_OPTS``)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions`` does.

    Args:
        precision: digits after the point for floating values (default 4).
        threshold: element count above which a tensor is summarised with ``...`` (1000).
        edgeitems: items shown at each end of a summarised dimension (3).
        linewidth: characters per line before wrapping (80).
        profile: ``'default'``, ``'short'`` or ``'full'``; the other arguments override it.
        sci_mode: force (True) or forbid (False) scientific notation; None chooses per tensor.
            Like PyTorch, every call resets it to the value given (None when omitted).

    Example:
        >>> import numtorch as torch
        >>> torch.set_printoptions(precision=2)
        >>> torch.tensor([1.12345])
        tensor([1.12])
        >>> torch.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile in _PROFILES:
            values = _PROFILES[profile]
            names = ("precision", "threshold", "edgeitems", "linewidth")
            for name, value in zip(names, values):
                setattr(PRINT_OPTS, name, value)
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict (``torch.get_printoptions``)."""
    return {
        name: getattr(PRINT_OPTS, name)
        for name in ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")
    }


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
        auto = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        self.sci_mode = auto if PRINT_OPTS.sci_mode is None else bool(PRINT_OPTS.sci_mode)
        p = PRINT_OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in finite.tolist()]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in finite.tolist()]
        else:
            widths = [len(f"{v:.{p}f}") for v in finite.tolist()]
        self.max_width = max(widths)

    def format(self, value: float | int | bool) -> str:
        p = PRINT_OPTS.precision
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{p}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{p}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(arr: np.ndarray) -> np.ndarray:
    """Only the elements a summarised print shows (the first and last ``edgeitems`` per dim)."""
    k = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * k:
            return np.concatenate((arr[:k], arr[arr.shape[0] - k :]))
        return arr
    rows = list(arr)
    if arr.shape[0] > 2 * k:
        rows = rows[:k] + rows[len(rows) - k :]
    if not rows:
        return arr.reshape(-1)[:0]
    return np.concatenate([_summarized(r).reshape(-1) for r in rows])


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    k = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2)))
    if summarize and not k:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * k:
        data = (
            [fmt.format(v) for v in arr[:k].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in arr[arr.shape[0] - k :].tolist()]
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
    n, k = arr.shape[0], PRINT_OPTS.edgeitems
    if summarize and n > 2 * k:
        rows = list(range(k)) + [None] + list(range(n - k, n))
    else:
        rows = list(range(n))
    slices = ["..." if i is None else _tensor_str(arr[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
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
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype not in (default, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={t.dtype!r}")
        summarize = arr.size > PRINT_OPTS.threshold
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _tensor_str(arr, indent, summarize, fmt)
    if t.grad_fn is not None:
        # PyTorch prints the node's class name: CopySlices for ``torch::autograd::CopySlices``
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
