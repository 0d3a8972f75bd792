"""The reduction and argument checks every loss shares: PyTorch's ``reduction`` strings, the
deprecated ``size_average``/``reduce`` pair (with its warning), and the refusal of a
differentiable weight."""

from __future__ import annotations

import warnings

import numtorch._namespace as F
from numtorch._checks import check_tensor
from numtorch.autograd.grad_mode import is_recording
from numtorch.tensor import Tensor

__all__: list[str] = []


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` pair, with its warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        stacklevel=3,
    )
    return ret


def _get_reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return F.sum(loss) if reduction == "sum" else F.mean(loss)


def _check_tensors(fn: str, **named: object) -> None:
    for position, (name, value) in enumerate(named.items(), 1):
        check_tensor(value, fn, name, position)


def _constant(fn: str, name: str, value: Tensor | None) -> Tensor | None:
    """A weight argument, which PyTorch refuses to differentiate (but saves, version-checked)."""
    if value is not None and value.requires_grad and is_recording():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
            "This input cannot have requires_grad True."
        )
    return value
