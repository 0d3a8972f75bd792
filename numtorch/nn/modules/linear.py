"""``Linear`` (the affine layer) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numtorch._namespace import creation as _creation
from numtorch.nn import functional as F
from numtorch.nn import init
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Tensor

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored.

    Useful as a placeholder, e.g. to drop a model's head without changing its code.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


def _check_features(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"Linear(): argument '{name}' must be int, not {type(value).__name__} ({value!r})"
        )
    return int(value)


class Linear(Module):
    """Applies ``y = x W^T + b``.

    Weight and bias start as PyTorch's: ``kaiming_uniform_(a=sqrt(5))`` on the weight, i.e.
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and the same bound for the bias; both
    drawn from numtorch's default generator.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias. Default: ``True``.
        device: only ``'cpu'`` (or None).
        dtype: the parameters' floating-point dtype (the default dtype when None).

    Shape:
        - Input: ``(*, in_features)``; Output: ``(*, out_features)``.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.Linear(20, 30)
        >>> m(torch.randn(128, 20)).shape
        torch.Size([128, 30])
        >>> m
        Linear(in_features=20, out_features=30, bias=True)
    """

    in_features: int
    out_features: int
    weight: Parameter

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = _check_features("in_features", in_features)
        self.out_features = _check_features("out_features", out_features)
        self.weight = Parameter(
            _creation.empty((out_features, in_features), dtype=dtype, device=device)
        )
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name ``MultiheadAttention.out_proj`` has in PyTorch (a marker for
    PyTorch's quantisation tools; numtorch has none, so it is plain ``Linear``)."""
