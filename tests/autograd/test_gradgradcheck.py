"""gradgradcheck: PyTorch's argument checks, and a clear refusal where numtorch cannot
differentiate twice (its autograd has no create_graph); also the ``autograd.inference_mode``
re-export and gradcheck on non-contiguous inputs (gradgradcheck's drawn grad_outputs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import numtorch
from numtorch.autograd import Function, gradcheck, gradgradcheck
from numtorch.autograd.gradcheck import GradcheckError, _random_grad_output
from tests.helpers import check_error

_NO_DOUBLE = r"gradgradcheck needs double backward \(autograd\.grad with create_graph=True\)"


def _leaf(lib: Any, *shape: int, seed: int = 0) -> Any:
    data = np.random.default_rng(seed).uniform(-1.0, 1.0, shape)
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


# Functions PyTorch differentiates twice, on one or two float64 inputs.
_FUNCS: dict[str, tuple[Callable, tuple]] = {
    "cube": (lambda lib, x: x * x * x, ((3,),)),
    "exp": (lambda lib, x: lib.exp(x), ((2, 2),)),
    "sin": (lambda lib, x: lib.sin(x), ((4,),)),
    "matmul": (lambda lib, a, b: lib.matmul(a, b), ((2, 3), (3, 2))),
    "linear": (lambda lib, x: 2 * x, ((3,),)),
}


def _case(lib: Any, name: str) -> tuple[Callable, tuple]:
    fn, shapes = _FUNCS[name]
    inputs = tuple(_leaf(lib, *s, seed=i) for i, s in enumerate(shapes))
    return (lambda *xs: fn(lib, *xs)), inputs


@pytest.mark.parametrize("name", sorted(_FUNCS))
def test_double_backward_is_not_supported(name: str) -> None:
    """The finding gradgradcheck rests on: PyTorch differentiates these twice, numtorch's
    ``autograd.grad`` refuses ``create_graph=True`` for every op."""
    f, xs = _case(torch, name)
    grads = torch.autograd.grad(f(*xs).sum(), xs, create_graph=True)
    assert any(g.requires_grad for g in grads) or name == "linear"
    f, xs = _case(numtorch, name)
    with pytest.raises(NotImplementedError, match="create_graph"):
        numtorch.autograd.grad(f(*xs).sum(), xs, create_graph=True)
    assert gradcheck(f, xs)  # the first derivative is right


@pytest.mark.parametrize("raise_exception", [True, False])
@pytest.mark.parametrize("name", sorted(_FUNCS))
def test_gradgradcheck_refuses_what_it_cannot_check(name: str, raise_exception: bool) -> None:
    f, xs = _case(torch, name)
    assert torch.autograd.gradgradcheck(f, xs, raise_exception=raise_exception)
    f, xs = _case(numtorch, name)
    with pytest.raises(NotImplementedError, match=_NO_DOUBLE) as info:
        gradgradcheck(f, xs, raise_exception=raise_exception)
    assert isinstance(info.value.__cause__, NotImplementedError)  # the engine's own refusal


def test_gradgradcheck_with_given_grad_outputs() -> None:
    gout = np.random.default_rng(3).uniform(-1.0, 1.0, (2, 2))
    for lib in (torch, numtorch):
        f, xs = _case(lib, "exp")
        grad_outputs = lib.tensor(gout, dtype=lib.float64, requires_grad=True)
        if lib is torch:
            assert torch.autograd.gradgradcheck(f, xs, grad_outputs)
            continue
        with pytest.raises(NotImplementedError, match=_NO_DOUBLE):
            gradgradcheck(f, xs, grad_outputs, gen_non_contig_grad_outputs=True)


class _OnceDifferentiable(torch.autograd.Function):
    """exp whose backward PyTorch cannot differentiate again."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (out,) = ctx.saved_tensors
        return grad * out


class _Exp(Function):
    """numtorch's counterpart."""

    @staticmethod
    def forward(ctx: Any, x: numtorch.Tensor) -> numtorch.Tensor:
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: numtorch.Tensor) -> numtorch.Tensor:
        (out,) = ctx.saved_tensors
        return grad * out


@pytest.mark.parametrize("raise_exception", [True, False])
def test_missing_double_backward_raises_as_in_pytorch(raise_exception: bool) -> None:
    """Where PyTorch has no double backward for an op it raises NotImplementedError, even
    without raise_exception; numtorch raises the same type for every function."""
    a, b = _leaf(torch, 2, 3), _leaf(torch, 2, 3, seed=1)
    with pytest.raises(NotImplementedError, match="derivative for '_cdist_backward'"):
        torch.autograd.gradgradcheck(
            lambda a, b: torch.cdist(a, b, p=1.5), (a, b), raise_exception=raise_exception
        )
    x = _leaf(numtorch, 3)
    assert gradcheck(_Exp.apply, x)
    with pytest.raises(NotImplementedError, match=_NO_DOUBLE):
        gradgradcheck(_Exp.apply, x, raise_exception=raise_exception)


def test_once_differentiable_never_passes() -> None:
    """PyTorch's once_differentiable backward records no graph: its gradgradcheck reports a
    mismatch (False without raise_exception); numtorch, whose backward never records one,
    refuses instead of reporting anything."""
    x = _leaf(torch, 3)
    with pytest.raises(TorchGradcheckError, match="Jacobian mismatch"):
        torch.autograd.gradgradcheck(_OnceDifferentiable.apply, x)
    assert (
        torch.autograd.gradgradcheck(_OnceDifferentiable.apply, x, raise_exception=False) is False
    )
    with pytest.raises(NotImplementedError, match=_NO_DOUBLE):
        gradgradcheck(_Exp.apply, _leaf(numtorch, 3), raise_exception=False)


def test_gradgradcheck_needs_an_input_requiring_grad() -> None:
    check_error(
        lambda lib: lib.autograd.gradgradcheck(
            lambda x: x * x, lib.tensor([1.0, 2.0], dtype=lib.float64)
        ),
        "^gradcheck expects at least one input tensor to require gradient, but none of them "
        "have requires_grad=True.$",
        ValueError,
    )


@pytest.mark.parametrize(
    "flags, match",
    [
        (
            {"check_fwd_over_rev": False, "check_rev_over_rev": False},
            "^Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True$",
        ),
        (
            {"check_fwd_over_rev": True, "check_rev_over_rev": False},
            "^Setting check_undefined_grad=True requires check_rev_over_rev to be True$",
        ),
        (
            {
                "check_fwd_over_rev": True,
                "check_rev_over_rev": False,
                "check_undefined_grad": False,
                "check_batched_grad": True,
            },
            "^Setting check_batched_grad=True requires check_rev_over_rev to be True$",
        ),
    ],
)
def test_gradgradcheck_flag_assertions(flags: dict, match: str) -> None:
    check_error(
        lambda lib: lib.autograd.gradgradcheck(lambda x: x.exp(), _leaf(lib, 2), **flags),
        match,
        AssertionError,
    )


@pytest.mark.parametrize(
    "flags, match",
    [({"check_fwd_over_rev": True}, "forward-mode AD"), ({"check_batched_grad": True}, "vmap")],
)
def test_gradgradcheck_modes_numtorch_lacks(flags: dict, match: str) -> None:
    with pytest.raises(NotImplementedError, match=match):
        gradgradcheck(lambda x: x.exp(), _leaf(numtorch, 2), **flags)


# ------------------------------------------------------------------- drawn grad_outputs


@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_random_grad_output(dtype: str, noncontiguous: bool) -> None:
    out = numtorch.zeros(3, 4, dtype=getattr(numtorch, dtype))
    numtorch.manual_seed(11)
    g = _random_grad_output(out, noncontiguous)
    numtorch.manual_seed(11)
    again = _random_grad_output(out, noncontiguous)
    assert g.shape == out.shape and g.requires_grad and g.is_leaf
    assert g.dtype == (out.dtype if out.dtype.is_floating_point else numtorch.float64)
    assert g.is_contiguous() is not noncontiguous
    values = g.detach().numpy()
    assert np.all(values >= -1) and np.all(values < 1) and np.unique(values).size == 12
    np.testing.assert_array_equal(values, again.detach().numpy())


def test_gradcheck_on_noncontiguous_inputs() -> None:
    """gradcheck perturbs a strided input in place, so gradgradcheck's non-contiguous
    grad_outputs (and any non-contiguous input) are checked like contiguous ones."""
    numtorch.manual_seed(0)
    x = numtorch.testing.make_tensor(3, 4, dtype=numtorch.float64, noncontiguous=True)
    x.requires_grad_(True)
    assert not x.is_contiguous()
    before = x.detach().numpy().copy()
    assert gradcheck(lambda t: (t * t).sum(1), x)
    assert gradcheck(lambda t: t.t().exp(), x)
    np.testing.assert_array_equal(x.detach().numpy(), before)  # left as it was

    class Wrong(_Exp):
        @staticmethod
        def backward(ctx: Any, grad: numtorch.Tensor) -> numtorch.Tensor:
            (out,) = ctx.saved_tensors
            return grad * out * 2

    with pytest.raises(GradcheckError):
        gradcheck(Wrong.apply, x)
    assert gradcheck(Wrong.apply, x, raise_exception=False) is False


# ------------------------------------------------------------------------ namespace


def test_autograd_exports() -> None:
    for name in ("gradgradcheck", "inference_mode"):
        assert name in numtorch.autograd.__all__ and name in torch.autograd.__all__
    assert numtorch.autograd.inference_mode is numtorch.inference_mode
    assert numtorch.autograd.gradgradcheck is gradgradcheck


def test_autograd_inference_mode() -> None:
    for lib in (torch, numtorch):
        x = lib.ones(2, requires_grad=True)
        with lib.autograd.inference_mode():
            assert not lib.is_grad_enabled() and lib.is_inference_mode_enabled()
            assert not (x * 2).requires_grad
        with lib.autograd.inference_mode(False):
            assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
        assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()

        @lib.autograd.inference_mode()
        def double(t: Any) -> Any:
            return t * 2

        assert not double(x).requires_grad


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
def test_stride_zero_input_refused(check: str) -> None:
    def run(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64).expand(2, 3).requires_grad_()
        return getattr(lib.autograd, check)(lambda one, t: t * 2, (lib.ones(1), x))

    check_error(run, r"^The 1th input has a dimension with stride 0\. gradcheck only supports ")
