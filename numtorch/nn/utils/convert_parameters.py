"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector
(for second-order methods, evolution strategies, or copying weights in one go)."""

from __future__ import annotations

from collections.abc import Iterable

from numtorch._namespace.shape import cat
from numtorch.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _typename(obj: object) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated, in order, into one 1-D tensor (a copy that
    autograd connects back to each parameter)."""
    return cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data the next ``numel()`` elements of ``vec`` (views of it, as
    PyTorch's ``param.data = ...`` does)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer : pointer + num_param].view_as(param).data
        pointer += num_param
