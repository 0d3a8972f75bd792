"""``torch.autograd.functional``: Jacobians, vector-Jacobian and Jacobian-vector products equal
to PyTorch's, nested as PyTorch nests them, with its errors; second derivatives raise."""

from __future__ import annotations

import warnings

import pytest
from helpers import check_error, parity

import numtorch

_CASES = {
    "jacobian": lambda F, t: F.jacobian(lambda a: (a.reshape(2, 1) * a).exp(), t([0.5, -1.0])),
    "jacobian of a tuple": lambda F, t: F.jacobian(
        lambda a, b: (a * b, a.sum()), (t([1.0, 1.0]), t([0.0, 1.0]))
    ),
    "jacobian, unused input": lambda F, t: F.jacobian(
        lambda a, b: a * 2, (t([1.0, 1.0]), t([1.0, 1.0]))
    ),
    "jacobian of a scalar input": lambda F, t: F.jacobian(lambda a: a * t([1.0, 2.0]), t(2.0)),
    "vjp": lambda F, t: F.vjp(lambda a: a**2, t([1.0, 2.0]), t([1.0, 1.0])),
    "vjp of a scalar": lambda F, t: F.vjp(lambda a: a.sum(), t([1.0, 2.0])),
    "jvp": lambda F, t: F.jvp(lambda a: a**2, t([1.0, 2.0]), t([1.0, 0.0])),
    "jvp of tuples": lambda F, t: F.jvp(
        lambda a, b: (a * b, a + b), (t([1.0, 2.0]), t([3.0, 4.0])), (t([1.0, 0.0]), t([0.0, 1.0]))
    ),
}


@pytest.mark.parametrize("name", _CASES)
def test_matches_pytorch(name) -> None:
    def run(lib):
        result = _CASES[name](lib.autograd.functional, lib.tensor)
        flat = result if isinstance(result, tuple) else (result,)
        return result, [t.requires_grad for t in _leaves(flat)]

    parity(run)


def _leaves(value) -> list:
    if isinstance(value, tuple):
        return [x for v in value for x in _leaves(v)]
    return [value]


def test_errors_as_pytorch() -> None:
    F = lambda lib: lib.autograd.functional  # noqa: E731
    check_error(
        lambda lib: F(lib).vjp(lambda a: a**2, lib.tensor([1.0, 2.0])),
        "The vector v can only be None if the user-provided function returns a single Tensor",
    )
    check_error(
        lambda lib: F(lib).jacobian(lambda a, b: a * 2, (lib.ones(2), lib.ones(2)), strict=True),
        "Output 0 of the user-provided function is independent of input 1",
    )
    check_error(
        lambda lib: F(lib).jacobian(lambda a: 3, lib.ones(2)),
        "must be either a Tensor or a tuple of Tensors but the given outputs",
        TypeError,
    )


def test_second_derivatives_raise() -> None:
    F = numtorch.autograd.functional
    for fn in (F.hessian, F.hvp, F.vhp):
        with pytest.raises(NotImplementedError, match="higher-order gradients"):
            fn(lambda a: (a**3).sum(), numtorch.ones(2))
    with pytest.raises(NotImplementedError, match="higher-order gradients"):
        F.jacobian(lambda a: a * 2, numtorch.ones(2), create_graph=True)


def test_jvp_runs_the_function_once_in_the_output_dtype() -> None:
    def run(lib):
        F = lib.autograd.functional
        noise = lib.tensor([0.5, -1.0, 2.0])
        calls = []

        def f(a):
            calls.append(1)
            return (a * noise).float()

        out, product = F.jvp(f, lib.ones(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64))
        return out, product, len(calls)

    assert parity(run)[2] == 1


@pytest.mark.parametrize(
    ("call", "match", "exc"),
    [
        (
            lambda F, lib: F.jvp(lambda a: a * 2, lib.ones(2, 2), lib.ones(4)),
            r"v has invalid size: should be torch.Size\(\[2, 2\]\) but got torch.Size\(\[4\]\)",
            RuntimeError,
        ),
        (
            lambda F, lib: F.vjp(lambda a: a * 2, lib.ones(2), (lib.ones(2), lib.ones(2))),
            "The given v should contain a single Tensor.",
            RuntimeError,
        ),
        (
            lambda F, lib: F.vjp(
                lambda a, b: a * 2, (lib.ones(2), lib.ones(2)), lib.ones(2), strict=True
            ),
            "The output of the user-provided function is independent of input 1",
            RuntimeError,
        ),
        (
            lambda F, lib: F.jacobian(lambda a: lib.ones(2), lib.ones(2), strict=True),
            "Output 0 of the user-provided function does not require gradients",
            RuntimeError,
        ),
        (
            lambda F, lib: F.jacobian(lambda a: a, lib.ones(2), strict=True, vectorize=True),
            "`strict=True` and `vectorized=True` are not supported together",
            RuntimeError,
        ),
        (
            lambda F, lib: F.jacobian(lambda a: a, lib.ones(2), strategy="forward-mode"),
            "only implemented for `vectorize=True`",
            NotImplementedError,
        ),
        (
            lambda F, lib: F.jacobian(lambda a: a, lib.ones(2), strategy="sideways"),
            "Expected strategy to be either",
            AssertionError,
        ),
    ],
    ids=[
        "jvp v size",
        "vjp v count",
        "vjp strict",
        "jacobian strict",
        "strict vectorize",
        "forward-mode",
        "strategy",
    ],
)
def test_more_errors_as_pytorch(call, match, exc) -> None:
    check_error(lambda lib: call(lib.autograd.functional, lib), match, exc)


def test_a_forward_mode_jacobian_is_the_same_jacobian() -> None:
    def run(lib):
        with warnings.catch_warnings():  # PyTorch's vectorised path scripts a helper
            warnings.simplefilter("ignore", DeprecationWarning)
            return lib.autograd.functional.jacobian(
                lambda a: a.exp() * a.sum(),
                lib.tensor([0.5, -1.0]),
                vectorize=True,
                strategy="forward-mode",
            )

    parity(run)
