"""Comparison, logical and bitwise ops beyond the core: the aliases (``greater``...), the
in-place comparisons (``eq_``...), the bitwise ops and operators (``^``, ``<<``, ``>>``, their
reflected and in-place forms), ``isin``, ``isposinf``/``isneginf``, ``isreal``, ``signbit``
and the ``is_*`` queries, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_same

import numtorch

_A = [[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]]
_B = [[0.5, 1.5, -2.0], [1.0, 2.0, -0.25]]
_I = [[3, 5, -6], [1, 0, 7]]
_J = [[1, 2, 3], [4, 63, 64]]


@pytest.mark.parametrize(
    "name", ["greater", "greater_equal", "less", "less_equal", "not_equal", "eq", "ne", "gt"]
)
@pytest.mark.parametrize("other", ["tensor", "row", "number", "int_tensor"])
def test_comparison_aliases(name: str, other: str) -> None:
    def call(lib):
        others = {
            "tensor": lib.tensor(_B),
            "row": lib.tensor([0.5, -1.5, 3.0]),
            "number": 1.0,
            "int_tensor": lib.tensor(_I),
        }
        x = lib.tensor(_A)
        return getattr(lib, name)(x, others[other]), getattr(x, name)(others[other])

    check_same(call)


@pytest.mark.parametrize(
    "name",
    ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal"]
    + ["not_equal"],
)
@pytest.mark.parametrize("other", ["tensor", "number"])
def test_inplace_comparison_values_and_zero_gradient(name: str, other: str) -> None:
    """``y.eq_(z)`` writes 1/0 in y's dtype; PyTorch records ``EqBackward1`` (``...0`` for a
    number), which sends a zero gradient to what came before."""
    found = []
    for lib in (torch, numtorch):
        x = lib.tensor([0.75, 1.25, 1.9], requires_grad=True)
        y = x * 1
        arg = lib.tensor([0.75, 2.0, 1.0]) if other == "tensor" else 1.25
        assert getattr(y, name + "_")(arg) is y
        node = y.grad_fn.name()
        y.backward(lib.tensor([1.0, -2.0, 0.5]))
        found.append((y.detach(), x.grad + 0, node))
    (ty, tg, tn), (ny, ng, nn) = found
    assert_close(ny, ty, 0, 0, "values")
    assert_close(ng, tg, 0, 0, "gradient")
    assert nn == tn


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64"])
def test_inplace_comparison_keeps_the_dtype(dtype: str) -> None:
    def call(lib):
        y = lib.tensor([0, 1, 2]).to(getattr(lib, dtype))
        z = y.clone()
        return y.lt_(1.5), z.ge_(lib.tensor([1, 1, 1]))

    check_same(call)


def test_inplace_comparison_errors() -> None:
    check_error(
        lambda lib: lib.tensor([1, 2]).eq_(lib.tensor([[1, 2], [1, 2]])),
        r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]",
    )
    check_error(
        lambda lib: lib.ones(2, requires_grad=True).gt_(0),
        "a leaf Variable that requires grad is being used in an in-place operation",
    )


@pytest.mark.parametrize("name", ["logical_and_", "logical_or_", "logical_xor_"])
def test_inplace_logical_on_other_dtypes(name: str) -> None:
    def call(lib):
        y = lib.tensor([1, 0, 2])
        b = lib.tensor([True, False, False])
        return getattr(y, name)(lib.tensor([0.5, 0.0, 3.0])), getattr(b, name)(
            lib.tensor([1, 1, 0])
        )

    check_same(call)


def test_logical_ops_accept_floats_and_refuse_numbers() -> None:
    check_same(lambda lib: lib.logical_xor(lib.tensor(_A), lib.tensor(_B)))
    check_same(lambda lib: lib.tensor([0.0, 2.0]).logical_not_())
    check_error(lambda lib: lib.logical_and(lib.tensor(_A), 1), "must be Tensor, not int")


# ---------------------------------------------------------------- bitwise
_BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]
_SHIFTS = ["bitwise_left_shift", "bitwise_right_shift"]


@pytest.mark.parametrize("name", _BITWISE + _SHIFTS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_bitwise_values(name: str, dtype: str) -> None:
    def call(lib):
        d = getattr(lib, dtype)
        x = lib.tensor(np.abs(_I) if dtype == "uint8" else _I).to(d)
        counts = lib.tensor(_J).to(d)
        fn = getattr(lib, name)
        return fn(x, counts), fn(x, 3), fn(2, counts), getattr(x, name)(counts[0])

    check_same(call)


def test_shift_counts_out_of_range_follow_pytorch() -> None:
    def call(lib):
        x = lib.tensor([-8, 5, 1, -1])
        counts = lib.tensor([-1, 64, 70, 63])
        small = lib.tensor([-8, 5], dtype=lib.int8)
        return x << counts, x >> counts, small << 7, small >> lib.tensor([9, -2], dtype=lib.int8)

    check_same(call)


def test_bool_bitwise_ops() -> None:
    def call(lib):
        a, b = lib.tensor([True, False, True]), lib.tensor([True, True, False])
        return a & b, a | b, a ^ b, ~a, True & a, False | a, True ^ a, a ^ 1

    check_same(call)


def test_bitwise_operators_and_reflected_forms() -> None:
    def call(lib):
        x, y = lib.tensor(_I), lib.tensor(_J)
        return (x ^ y, x << 2, x >> 1, 3 ^ x, 1 << y % 8, 100 >> y % 8, 6 & x, 6 | x, x & y[0])

    check_same(call)


def test_bitwise_inplace_operators_write_into_the_tensor() -> None:
    def call(lib):
        y = lib.tensor([1, 2, 12])
        z = y
        y ^= 3
        y <<= 2
        y >>= 1
        y &= 6
        y |= lib.tensor([8, 0, 1])
        assert y is z
        w = lib.tensor([1, 2], dtype=lib.int8)
        w.bitwise_left_shift_(lib.tensor([1, 2]))
        v = lib.tensor([5, 6])
        v.bitwise_xor_(1).bitwise_and_(6).bitwise_or_(1).bitwise_right_shift_(1)
        u = lib.tensor([5, 6])
        u.bitwise_not_()
        return y, w, v, u

    check_same(call)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.bitwise_xor(lib.ones(2), 1), '"bitwise_xor_cpu" not implemented for'),
        (lambda lib: lib.ones(2) ^ lib.ones(2), '"bitwise_xor_cpu" not implemented for'),
        (lambda lib: lib.ones(2) << 1, "\"lshift_cpu\" not implemented for 'Float'"),
        (lambda lib: lib.tensor([1]) >> 1.5, "\"rshift_cpu\" not implemented for 'Float'"),
        (lambda lib: lib.tensor([True]) << lib.tensor([True]), "not implemented for 'Bool'"),
        (lambda lib: lib.bitwise_and(lib.ones(2), 1), '"bitwise_and_cpu" not implemented'),
        (lambda lib: lib.bitwise_not(lib.ones(2)), '"bitwise_not_cpu" not implemented'),
        (lambda lib: ~lib.ones(2), r"only implemented on integer and Boolean-type tensors"),
        (lambda lib: lib.tensor([1, 2]).bitwise_and_(1.5), "result type Float can't be cast"),
        (lambda lib: lib.tensor([1, 2]).__ixor__(1.5), "result type Float can't be cast"),
        (
            lambda lib: lib.tensor([True]).bitwise_or_(lib.tensor([1])),
            "result type Long can't be cast to the desired output type Bool",
        ),
        (lambda lib: lib.ones(2).bitwise_and_(lib.tensor([1, 2])), "not implemented for 'Float'"),
        (
            lambda lib: lib.tensor([1, 2]).bitwise_left_shift_(lib.tensor([[1, 2]])),
            r"output with shape \[2\] doesn't match the broadcast shape \[1, 2\]",
        ),
        (
            lambda lib: lib.bitwise_xor(lib.tensor([1, 2]), lib.tensor([1, 2, 3])),
            r"The size of tensor a \(2\) must match the size of tensor b \(3\)",
        ),
    ],
)
def test_bitwise_errors(call, match: str) -> None:
    check_error(call, match)


# ---------------------------------------------------------------- isin and the predicates
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.isin(lib.tensor(_I), lib.tensor([5, 7, 0])),
        lambda lib: lib.isin(lib.tensor(_I), lib.tensor([[5], [1]]), invert=True),
        lambda lib: lib.isin(lib.tensor(_I), lib.tensor([5, 7]), assume_unique=True),
        lambda lib: lib.isin(lib.tensor([1.0, float("nan"), 2.5]), lib.tensor([float("nan"), 1])),
        lambda lib: lib.isin(lib.tensor([1.5, 2.0]), 2),
        lambda lib: lib.isin(lib.tensor([1, 2]), 2.0),
        lambda lib: lib.isin(lib.tensor([1, 2]), lib.tensor(2.5)),
        lambda lib: lib.isin(2, lib.tensor(_I)),
        lambda lib: lib.isin(lib.tensor([1, 2], dtype=lib.uint8), lib.tensor([2, 300])),
        lambda lib: lib.isin(lib.tensor([], dtype=lib.int64), lib.tensor([1])),
    ],
)
def test_isin(make) -> None:
    check_same(make)


def test_isin_errors() -> None:
    check_error(
        lambda lib: lib.isin(lib.tensor([True]), lib.tensor([True])),
        "Unsupported input type encountered for isin\\(\\): Bool",
    )
    check_error(
        lambda lib: lib.isin(lib.tensor([1.0]), lib.tensor([True])),
        "Unsupported input type encountered for isin\\(\\): Bool",
    )
    check_error(lambda lib: lib.isin(1, 2), r"isin\(\) received an invalid combination")
    check_error(lambda lib: lib.isin(lib.tensor([1]), [1]), r"got \(Tensor, list\)")


_SPECIAL = [[float("inf"), -float("inf"), -0.0], [float("nan"), -2.0, 0.0]]


@pytest.mark.parametrize("name", ["isposinf", "isneginf", "isreal", "signbit"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8", "bool"])
def test_float_predicates(name: str, dtype: str) -> None:
    def call(lib):
        x = lib.tensor(_SPECIAL if dtype.startswith("float") else [[0, 1, 2], [3, 0, 1]])
        x = x.to(getattr(lib, dtype))
        return getattr(lib, name)(x), getattr(x, name)()

    check_same(call)


def test_signbit_of_negative_integers_and_without_grad() -> None:
    check_same(lambda lib: lib.signbit(lib.tensor([-3, 0, 4])))
    check_same(lambda lib: lib.signbit(lib.tensor([-1.0, 2.0], requires_grad=True)))


@pytest.mark.parametrize("name", ["isposinf", "isneginf", "isreal", "signbit", "is_nonzero"])
def test_predicates_refuse_a_number(name: str) -> None:
    check_error(lambda lib: getattr(lib, name)(1), "argument 'input' \\(position 1\\) must be")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.is_nonzero(lib.tensor([0.0])),
        lambda lib: lib.is_nonzero(lib.tensor(3)),
        lambda lib: lib.tensor([[0.5]]).is_nonzero(),
        lambda lib: lib.tensor([False]).is_nonzero(),
        lambda lib: lib.is_same_size(lib.ones(2), lib.ones(2, 1)),
        lambda lib: lib.ones(2, 3).is_same_size(lib.zeros(2, 3, dtype=lib.int64)),
        lambda lib: [lib.is_signed(lib.ones(1, dtype=getattr(lib, d))) for d in _DTYPES],
        lambda lib: [lib.ones(1, dtype=getattr(lib, d)).is_signed() for d in _DTYPES],
    ],
)
def test_queries(make) -> None:
    check_same(make)


_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_query_errors() -> None:
    check_error(
        lambda lib: lib.is_nonzero(lib.tensor([1, 2])),
        "Boolean value of Tensor with more than one value is ambiguous",
    )
    check_error(
        lambda lib: lib.tensor([]).is_nonzero(),
        "Boolean value of Tensor with no values is ambiguous",
    )
    check_error(
        lambda lib: lib.is_same_size(lib.ones(1), 1),
        r"is_same_size\(\): argument 'other' \(position 2\) must be Tensor, not int",
    )
    check_error(lambda lib: lib.is_signed(1), r"is_signed\(\): argument 'input' \(position 1\)")
