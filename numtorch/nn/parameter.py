"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from collections.abc import Iterable
from multiprocessing import reduction
from typing import Any

from numtorch._checks import check_tensor
from numtorch._namespace.creation import empty
from numtorch._namespace.sharing import reduce_tensor
from numtorch.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a ``Module`` attribute registers it.

    It shares ``data``'s storage (and version counter) and is always a leaf; by default it
    requires grad.

    Args:
        data: the tensor to wrap (an empty float tensor when None).
        requires_grad: whether autograd records operations on it. Default: ``True``.

    Example:
        >>> import numtorch as torch
        >>> p = torch.nn.Parameter(torch.ones(2))
        >>> p
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        >>> p.is_leaf, p.requires_grad
        (True, True)
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = empty(0)
        check_tensor(data, "_make_subclass", "data", 2)
        self._init(data._data, None)
        self._version = data._version
        if requires_grad:
            if not data.dtype.is_floating_point:
                raise RuntimeError(
                    "Only Tensors of floating point and complex dtype can require gradients"
                )
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return _rebuild_parameter, (type(self), self._data, self.requires_grad)


def _rebuild_parameter(cls: type, array: Any, requires_grad: bool) -> Parameter:
    """Unpickle a ``Parameter`` (module-level so pickle can find it)."""
    return cls(Tensor._make(array), requires_grad)


def _zero_grad(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset each tensor's ``.grad``, for ``Module.zero_grad`` and ``Optimizer.zero_grad``:
    drop it (None), or detach it from any graph and fill it with zeros in place."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_()
            p.grad.zero_()


# A Parameter sent to another process shares its values, as a Tensor does (torch.multiprocessing)
reduction.ForkingPickler.register(Parameter, reduce_tensor)
