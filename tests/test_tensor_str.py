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
    "2-d float64 requires_grad": lambda lib: (
        lib.arange(20, dtype=lib.float64).reshape(4, 5).requires_grad_()
    ),
    "2-d grad_fn wraps": lambda lib: lib.arange(40.0, requires_grad=True).reshape(4, 10) * 1.5,
    "summarised grad_fn": lambda lib: lib.ones(2000, requires_grad=True) * 2,
    "summarised float64": lambda lib: lib.arange(1500, dtype=lib.float64).reshape(30, 50),
    "big ints": lambda lib: lib.tensor([10**12, -5]),
    "summarised bool": lambda lib: lib.arange(1200) % 3 == 0,
    "4-d": lambda lib: lib.arange(16.0).reshape(2, 2, 2, 2) / 4,
    "one element 2-d": lambda lib: lib.tensor([[7.25]]),
    "empty 3-d int": lambda lib: lib.zeros(2, 0, 3, dtype=lib.int64),
    "empty requires_grad": lambda lib: lib.zeros(0, requires_grad=True),
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


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else numtorch


GRAD_FNS = {
    "add": lambda x: x + 1,
    "sub": lambda x: x - x,
    "mul": lambda x: x * 2,
    "div": lambda x: x / 2,
    "neg": lambda x: -x,
    "pow": lambda x: x**2,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "abs": lambda x: x.abs(),
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "softmax": lambda x: x.softmax(1),
    "log_softmax": lambda x: x.log_softmax(1),
    "sum": lambda x: x.sum(),
    "sum dim": lambda x: x.sum(1),
    "mean": lambda x: x.mean(),
    "mean dim": lambda x: x.mean(0),
    "max": lambda x: x.max(),
    "max dim": lambda x: x.max(1).values,
    "min dim": lambda x: x.min(0).values,
    "amax": lambda x: x.amax(1),
    "var": lambda x: x.var(),
    "std": lambda x: x.std(),
    "logsumexp": lambda x: x.logsumexp(1),
    "view": lambda x: x.view(6),
    "reshape": lambda x: x.reshape(3, 2),
    "reshape copy": lambda x: x.t().reshape(6),
    "flatten": lambda x: x.flatten(),
    "permute": lambda x: x.permute(1, 0),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x[None].squeeze(),
    "squeeze dim": lambda x: x[None].squeeze(0),
    "expand": lambda x: x[:1].expand(3, 3),
    "select": lambda x: x[0],
    "slice": lambda x: x[1:],
    "None": lambda x: x[None],
    "index": lambda x: x[[0, 1, 1]],
    "mask": lambda x: x[x > 1],
    "cat": lambda x: _lib(x).cat([x, x]),
    "stack": lambda x: _lib(x).stack([x, x]),
    "matmul": lambda x: x @ x.t(),
    "clone": lambda x: x.clone(),
    "to": lambda x: x.double(),
    "where": lambda x: _lib(x).where(x > 1, x, x * 2),
    "masked_fill": lambda x: x.masked_fill(x > 1, 0.0),
    "gather": lambda x: x.gather(1, _lib(x).tensor([[0], [1]])),
}


@pytest.mark.parametrize("name", list(GRAD_FNS))
def test_grad_fn_names(name: str) -> None:
    def make(lib):
        return GRAD_FNS[name](lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True))

    t_out, n_out = make(torch), make(numtorch)
    assert n_out.grad_fn.name() == type(t_out.grad_fn).__name__
    assert repr(n_out) == repr(t_out)


# ---------------------------------------------------------------- set_printoptions

_PRINT_ARRAYS = [
    np.random.default_rng(0).standard_normal((7, 9)) * 10,
    np.arange(2000.0).reshape(40, 50),
    np.random.default_rng(1).standard_normal(30) * 1e-5,
    np.arange(12).reshape(3, 4),
    np.array([1.0, 2.0, 3e9]),
]


@pytest.fixture
def _restore_printoptions():
    yield
    numtorch.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.usefixtures("_restore_printoptions")
@pytest.mark.parametrize(
    "opts",
    [
        dict(precision=2),
        dict(threshold=5),
        dict(edgeitems=1, threshold=10),
        dict(edgeitems=0, threshold=10),
        dict(linewidth=30),
        dict(profile="short"),
        dict(profile="full"),
        dict(sci_mode=True),
        dict(sci_mode=False),
        dict(precision=6, sci_mode=True),
    ],
)
def test_set_printoptions_matches_torch(opts: dict) -> None:
    numtorch.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert numtorch._tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    for a in _PRINT_ARRAYS:
        assert repr(numtorch.tensor(a)) == repr(torch.tensor(a))


@pytest.mark.usefixtures("_restore_printoptions")
def test_set_printoptions_default_profile_restores() -> None:
    numtorch.set_printoptions(precision=1, threshold=3)
    numtorch.set_printoptions(profile="default")
    assert repr(numtorch.tensor([1.12345])) == "tensor([1.1235])"
    assert repr(numtorch.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
