"""gradcheck must pass correct gradients and catch wrong ones; Function subclasses work."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import numtorch
from numtorch.autograd import Function, gradcheck
from numtorch.autograd.gradcheck import GradcheckError


class Cube(Function):
    """x**3 with a correct backward."""

    @staticmethod
    def forward(ctx: Any, x: numtorch.Tensor) -> numtorch.Tensor:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, grad: numtorch.Tensor) -> numtorch.Tensor:
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


class BadCube(Cube):
    """x**3 with a deliberately wrong backward (2x**2 instead of 3x**2)."""

    @staticmethod
    def backward(ctx: Any, grad: numtorch.Tensor) -> numtorch.Tensor:
        (x,) = ctx.saved_tensors
        return grad * 2 * x**2


class BadSecondInput(Function):
    """a * b whose gradient for b is wrong (it forgets the upstream gradient)."""

    @staticmethod
    def forward(ctx: Any, a: numtorch.Tensor, b: numtorch.Tensor) -> numtorch.Tensor:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad: numtorch.Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return grad * b, a


def _input(*shape: int) -> numtorch.Tensor:
    rng = np.random.default_rng(0)
    return numtorch.tensor(rng.standard_normal(shape), dtype=numtorch.float64, requires_grad=True)


def test_custom_function_forward_and_backward() -> None:
    x = _input(3)
    y = Cube.apply(x)
    assert y.grad_fn is not None and repr(y).endswith("grad_fn=<CubeBackward>)")
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2)


def test_custom_function_saved_tensors_are_version_checked_and_freed() -> None:
    h = _input(3) * 1
    y = Cube.apply(h)
    h.add_(1)  # Cube saved h: backward must refuse the changed value
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    y = Cube.apply(_input(3))
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_gradcheck_passes_a_correct_backward() -> None:
    assert gradcheck(Cube.apply, (_input(2, 3),))
    assert numtorch.autograd.gradcheck(lambda a, b: a * b + a.exp(), [_input(3), _input(3)])


@pytest.mark.parametrize(
    ("fn", "inputs"),
    [
        (BadCube.apply, lambda: (_input(4),)),
        (lambda a, b: BadSecondInput.apply(a, b * 2), lambda: (_input(3), _input(3))),
    ],
)
def test_gradcheck_catches_a_wrong_backward(fn, inputs) -> None:
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(fn, inputs())
    assert gradcheck(fn, inputs(), raise_exception=False) is False
    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_requires_float64() -> None:
    x = numtorch.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, (x,))


def test_gradcheck_multiple_outputs_and_constants() -> None:
    x = _input(2, 2)
    const = numtorch.ones(2, 2, dtype=numtorch.float64)
    assert gradcheck(lambda a, c: (a * c, a.sum(0)), (x, const))


def test_needs_input_grad_and_none_gradients() -> None:
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx: Any, a: numtorch.Tensor, b: numtorch.Tensor) -> numtorch.Tensor:
            seen.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx: Any, grad: numtorch.Tensor) -> tuple:
            return grad, None

    a, b = _input(2), numtorch.ones(2, dtype=numtorch.float64)
    Probe.apply(a, b).sum().backward()
    assert seen == [(True, False)] and a.grad.tolist() == [1.0, 1.0] and b.grad is None
    with numtorch.no_grad():
        assert Probe.apply(a, b).grad_fn is None
