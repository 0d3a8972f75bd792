"""``Linear`` (the affine layer), ``LazyLinear`` (its lazy form), ``Bilinear`` and
``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numtorch._namespace import creation as _creation
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn import functional as F
from numtorch.nn import init
from numtorch.nn.modules.lazy import LazyModuleMixin
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter, UninitializedParameter
from numtorch.tensor import Tensor

__all__ = ["Bilinear", "Identity", "LazyLinear", "Linear"]


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


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is inferred from the first input's last dimension.

    ``weight`` and ``bias`` start as ``UninitializedParameter``; the first call materialises
    them (drawn as ``Linear``'s) and the module becomes a ``Linear``.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.LazyLinear(3)
        >>> m
        LazyLinear(in_features=0, out_features=3, bias=True)
        >>> m(torch.ones(2, 5)).shape, m
        (torch.Size([2, 3]), Linear(in_features=5, out_features=3, bias=True))
    """

    cls_to_become = Linear

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Draw the parameters as ``Linear`` does, once they have a shape."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """``in_features`` from ``input.shape[-1]``; materialise and draw the parameters."""
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                    f"in_features from self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]


class Bilinear(Module):
    """Applies ``y = x1^T A x2 + b``, one ``A`` per output feature.

    Weight ``(out_features, in1_features, in2_features)`` and bias start as PyTorch's:
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)), from numtorch's default generator.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.Bilinear(20, 30, 40)
        >>> m(torch.randn(128, 20), torch.randn(128, 30)).shape
        torch.Size([128, 40])
    """

    in1_features: int
    in2_features: int
    out_features: int
    weight: Parameter

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        make = {"device": device, "dtype": dtype}
        self.weight = Parameter(_creation.empty((out_features, in1_features, in2_features), **make))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, **make))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        if self.in1_features <= 0:
            raise ValueError(
                f"in1_features must be > 0, but got (in1_features={self.in1_features})"
            )
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
