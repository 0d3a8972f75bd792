"""dtype objects and PyTorch's type promotion (tensor, 0-d tensor and Python scalar rules)."""

from __future__ import annotations

import pickle

import pytest
import torch
from helpers import check_error, check_same

import numtorch

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _operands(lib) -> dict:
    ops = {}
    for name in NAMES:
        d = getattr(lib, name)
        ops[f"{name}[2]"] = lib.ones(2, dtype=d)
        ops[f"{name}[]"] = lib.ones((), dtype=d)
    ops.update({"True": True, "3": 3, "2.5": 2.5})
    return ops


@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "eq", "where"])
def test_promotion_matrix(op: str) -> None:
    """Every pair of operands gives torch's result dtype (or torch's error type)."""
    calls = {
        "add": lambda lib, a, b: a + b,
        "mul": lambda lib, a, b: b * a,
        "div": lambda lib, a, b: a / b,
        "maximum": lambda lib, a, b: lib.maximum(a, b),
        "eq": lambda lib, a, b: a == b,
        "where": lambda lib, a, b: lib.where(lib.ones(2, dtype=lib.bool), a, b),
    }
    call = calls[op]
    t_ops, n_ops = _operands(torch), _operands(numtorch)
    mismatches = []
    for ka in t_ops:
        for kb in t_ops:
            if op == "maximum" and not isinstance(t_ops[kb], torch.Tensor):
                continue
            if not isinstance(t_ops[ka], torch.Tensor):
                continue
            try:
                expected = str(call(torch, t_ops[ka], t_ops[kb]).dtype)
            except Exception as err:  # noqa: BLE001 - compare the error type instead
                expected = type(err).__name__
            try:
                got = str(call(numtorch, n_ops[ka], n_ops[kb]).dtype)
            except Exception as err:  # noqa: BLE001
                got = type(err).__name__
            if got != expected:
                mismatches.append(f"{ka} {op} {kb}: {got} != torch's {expected}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1, 2]) + 2.5,
        lambda lib: 2.5 * lib.tensor([1, 2]),
        lambda lib: lib.tensor([1.0]) + lib.tensor([1.0], dtype=lib.float64),
        lambda lib: lib.tensor([1, 2]) + lib.tensor([True, False]),
        lambda lib: lib.tensor([True]) + True,
        lambda lib: lib.tensor([1.0]) + lib.tensor(2.0, dtype=lib.float64),
        lambda lib: lib.tensor([1]) + lib.tensor(2.0, dtype=lib.float64),
        lambda lib: lib.tensor([1], dtype=lib.int32) + lib.tensor(2),
        lambda lib: lib.tensor(1, dtype=lib.int32) + lib.tensor(2),
        lambda lib: lib.tensor([7, 8]) / lib.tensor([2, 4]),
        lambda lib: lib.tensor([7, 8]) / 2,
        lambda lib: 3 / lib.tensor([2]),
        lambda lib: lib.tensor([7, -8]) // 3,
        lambda lib: lib.tensor([7.5, -8.0]) // 2,
        lambda lib: lib.tensor([7, -8]) % 3,
        lambda lib: lib.tensor([1, 2]) ** 2,
        lambda lib: lib.tensor([1, 2]) ** 0.5,
        lambda lib: 2 ** lib.tensor([1, 2]),
        lambda lib: lib.tensor([1, 2], dtype=lib.uint8) + lib.tensor([1], dtype=lib.int8),
        lambda lib: lib.tensor([1.0], dtype=lib.float16) + lib.tensor([1]),
        lambda lib: lib.tensor([3, 4]).sum(),
        lambda lib: lib.tensor([True, True]).sum(),
        lambda lib: lib.tensor([1, 2]).exp(),
        lambda lib: lib.tensor([1, 4]).sqrt(),
        lambda lib: lib.tensor([-1, 2]).abs(),
        lambda lib: lib.tensor([-1, 2]).relu(),
        lambda lib: lib.tensor([1, 2]).clamp(min=1.5),
        lambda lib: lib.tensor([1, 2]).clamp(max=1),
    ],
)
def test_promotion_values(make) -> None:
    check_same(make)


def test_result_and_promote_types() -> None:
    pairs = [("uint8", "int8"), ("bool", "float16"), ("float16", "int64"), ("int32", "int64")]
    for a, b in pairs:
        expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
        got = numtorch.promote_types(getattr(numtorch, a), getattr(numtorch, b))
        assert repr(got) == repr(expected)
    assert repr(numtorch.result_type(numtorch.tensor([1]), 2.5)) == "torch.float32"


def test_dtype_attributes() -> None:
    for name in NAMES:
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert repr(n) == repr(t)
        assert n.is_floating_point == t.is_floating_point and n.is_signed == t.is_signed
        assert n.itemsize == t.itemsize
        assert pickle.loads(pickle.dumps(n)) is n
    aliases = ["float", "double", "half", "long", "int"]
    for alias in aliases:
        assert repr(getattr(numtorch, alias)) == repr(getattr(torch, alias))


def test_default_dtype() -> None:
    assert numtorch.get_default_dtype() is numtorch.float32
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.tensor([1.5]).dtype is numtorch.float64
        assert numtorch.zeros(2).dtype is numtorch.float64
        assert (numtorch.tensor([1]) * 0.5).dtype is numtorch.float64
    finally:
        numtorch.set_default_dtype(numtorch.float32)
    check_error(lambda lib: lib.set_default_dtype(lib.int64), "only floating-point types")


def test_bad_dtype_argument() -> None:
    check_error(lambda lib: lib.zeros(2, dtype=5), "dtype")
