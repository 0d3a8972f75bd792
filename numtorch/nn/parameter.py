"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

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
            from numtorch._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"_make_subclass(): argument 'data' (position 2) must be Tensor, "
                f"not {type(data).__name__}"
            )
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
