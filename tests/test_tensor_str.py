"""``repr(tensor)`` must be character-for-character PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch

_BIG = np.arange(2000, dtype=np.float32).reshape(40, 50) / 7

CASES = {
    "ints": lambda lib: lib.tensor([1, 2, 3]),
    "negative ints": lambda lib: lib.tensor([-10, 2, 300]),
    "floats with decimals": lambda lib: lib.tensor([1.5, -2.25, 3.125]),
    "integral floats": lambda lib: lib.tensor([1.0, 2.0, -3.0]),
    "float zeros": lambda lib: lib.zeros(3),
    "sci notation (wide range)": lambda lib: lib.tensor([1e-5, 1.0, 1000.0]),
    "sci notation (huge)": lambda lib: lib.tensor([1e9, 2e9]),
    "sci integral": lambda lib: lib.tensor([1.0, 1e6]),
    "nan and inf": lambda lib: lib.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan and inf integral": lambda lib: lib.tensor([float("nan"), 2.0]),
    "bool": lambda lib: lib.tensor([True, False, True]),
    "0-d float": lambda lib: lib.tensor(3.5),
    "0-d int": lambda lib: lib.tensor(7),
    "0-d bool": lambda lib: lib.tensor(True),
    "0-d integral float": lambda lib: lib.tensor(2.0),
    "0-d nan": lambda lib: lib.tensor(float("nan")),
    "empty 1-d": lambda lib: lib.tensor([]),
    "empty int": lambda lib: lib.zeros(0, dtype=lib.int64),
    "empty 2-d": lambda lib: lib.zeros(2, 0),
    "empty 2-d float64": lambda lib: lib.zeros(0, 3, dtype=lib.float64),
    "empty bool": lambda lib: lib.zeros(0, dtype=lib.bool),
    "2-d": lambda lib: lib.tensor([[1.5, 2.0], [3.0, -4.25]]),
    "3-d": lambda lib: lib.arange(24).reshape(2, 3, 4),
    "3-d floats": lambda lib: lib.arange(12, dtype=lib.float32).reshape(2, 3, 2) / 3,
    "requires_grad": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn add": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) + 1,
    "grad_fn mul": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn sum": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).sum(),
    "grad_fn exp": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).exp(),
    "float64": lambda lib: lib.tensor([1.5, 2.5], dtype=lib.float64),
    "float64 requires_grad": lambda lib: lib.ones(2, dtype=lib.float64, requires_grad=True),
    "int32": lambda lib: lib.tensor([1, 2], dtype=lib.int32),
    "uint8": lambda lib: lib.tensor([1, 200], dtype=lib.uint8),
    "float16": lambda lib: lib.tensor([1.5, 2.5], dtype=lib.float16),
    "summarised 1-d int": lambda lib: lib.arange(1001),
    "summarised 1-d float": lambda lib: lib.arange(5000) / 3,
    "summarised 2-d": lambda lib: lib.tensor(_BIG),
    "summarised 3-d": lambda lib: lib.arange(3000).reshape(10, 10, 30),
    "exactly 1000 elements": lambda lib: lib.arange(1000).reshape(10, 100),
    "line wrapping": lambda lib: lib.arange(30, dtype=lib.float32) * 1.5,
    "long suffix wraps": lambda lib: lib.arange(17, dtype=lib.float64) / 3,
    "negative zero": lambda lib: lib.tensor([-0.0, 1.0]),
    "mixed sign decimals": lambda lib: lib.tensor([[-0.1234567, 100.5], [3.0, 0.001]]),
    "tiny values": lambda lib: lib.tensor([1e-10, 2e-10]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name: str) -> None:
    make = CASES[name]
    assert repr(make(numtorch)) == repr(make(torch))


def test_str_is_repr() -> None:
    t = numtorch.tensor([1.0, 2.0])
    assert str(t) == repr(t) == "tensor([1., 2.])"


def test_default_dtype_float64_shows_float32_suffix() -> None:
    numtorch.set_default_dtype(numtorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for make in (
            lambda lib: lib.tensor([1.5, 2.0]),
            lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float32),
            lambda lib: lib.zeros(0, dtype=lib.float32),
        ):
            assert repr(make(numtorch)) == repr(make(torch))
    finally:
        numtorch.set_default_dtype(numtorch.float32)
        torch.set_default_dtype(torch.float32)


def test_size_repr() -> None:
    assert repr(numtorch.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape) == "torch.Size([2, 3])"
    assert repr(numtorch.tensor(1.0).shape) == "torch.Size([])"
