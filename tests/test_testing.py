"""``numtorch.testing`` against ``torch.testing``: the same verdicts, exception types and
messages, word for word."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch

nan, inf = float("nan"), float("inf")


def both(make):
    """``make(module)`` built with numtorch and with PyTorch."""
    return make(numtorch), make(torch)


CASES = [
    (lambda m: (m.tensor([1.0, 2, 3]), m.tensor([1.0, 2.5, 3])), {}),
    (lambda m: (m.tensor([1.0, 2, 3]), m.tensor([1.0, 2 + 1e-6, 3])), {}),
    (lambda m: (m.tensor([[1.0, 2], [3, 4]]), m.tensor([[1.0, 2], [3, 5]])), {}),
    (lambda m: (m.tensor([1, 2, 3]), m.tensor([1, 2, 4])), {}),
    (lambda m: (m.tensor([1, 2, 3]), m.tensor([1, 2, 3])), {}),
    (lambda m: (m.tensor([1, 2]), m.tensor([1, 3])), {}),
    (lambda m: (m.tensor([1, 2], dtype=m.uint8), m.tensor([3, 0], dtype=m.uint8)), {}),
    (lambda m: (m.tensor([True]), m.tensor([False])), {}),
    (lambda m: (m.tensor(1.0), m.tensor(2.0)), {}),
    (lambda m: (m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)), {}),
    (lambda m: (m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)), {"check_dtype": False}),
    (lambda m: (m.tensor([1, 2]), m.tensor([1.0, 2.0])), {"check_dtype": False}),
    (lambda m: (m.tensor([1.0]), m.tensor([1.0 + 1e-6], dtype=m.float64)), {"check_dtype": False}),
    (lambda m: (m.tensor([1.0]), m.tensor([1.0, 2])), {}),
    (lambda m: (m.tensor([nan, 1.0]), m.tensor([nan, 1.0])), {}),
    (lambda m: (m.tensor([nan, 1.0]), m.tensor([nan, 1.0])), {"equal_nan": True}),
    (lambda m: (m.tensor([inf]), m.tensor([inf])), {}),
    (lambda m: (m.tensor([inf]), m.tensor([-inf])), {}),
    (lambda m: (m.tensor([0.0]), m.tensor([1e-6])), {}),
    (lambda m: (m.tensor([0.0, 1.0]), m.tensor([1.0, 0.0])), {}),
    (lambda m: (m.tensor([1.0], dtype=m.float16), m.tensor([1.0009], dtype=m.float16)), {}),
    (lambda m: (m.tensor([1.0], dtype=m.float16), m.tensor([1.003], dtype=m.float16)), {}),
    (lambda m: (m.tensor([1.0]), m.tensor([2.0])), {"rtol": 1, "atol": 0}),
    (lambda m: (m.tensor([1.0]), m.tensor([1.5])), {"rtol": 0.1, "atol": 0.1}),
    (lambda m: (m.tensor([1.0]), m.tensor([2.0])), {"rtol": 1}),
    (lambda m: (m.tensor([1.0]), m.tensor([2.0])), {"atol": 1}),
    (lambda m: (m.tensor([1.0]), m.tensor([2.0])), {"msg": "custom"}),
    (lambda m: (m.tensor([1.0]), m.tensor([2.0])), {"msg": lambda s: "X" + s}),
    (lambda m: (m.tensor([1.0], requires_grad=True), m.tensor([1.0])), {}),
    (lambda m: (m.ones(2, 3).t(), m.ones(3, 2)), {}),
    (lambda m: (1.0, 1.0 + 1e-9), {}),
    (lambda m: (1.0, 2.0), {}),
    (lambda m: (1, 2), {}),
    (lambda m: (1, 1.0), {}),
    (lambda m: (1, 1.0), {"check_dtype": False}),
    (lambda m: (True, False), {}),
    (lambda m: (nan, nan), {}),
    (lambda m: (nan, nan), {"equal_nan": True}),
    (lambda m: ([1.0, 2.0], [1.0, 3.0]), {}),
    (lambda m: ([1.0, 2.0], [1.0]), {}),
    (lambda m: (m.tensor([1.0]), [1.0]), {}),
    (lambda m: (m.tensor([1.0]), 1.0), {}),
    (lambda m: ({"a": m.tensor([1.0])}, {"a": m.tensor([2.0])}), {}),
    (lambda m: ({"a": m.tensor([1.0])}, {"b": m.tensor([1.0])}), {}),
    (lambda m: ((m.tensor([1.0]), [m.tensor(1)]), (m.tensor([1.0]), [m.tensor(2)])), {}),
    (lambda m: (np.array([1.0, 2.0]), np.array([1.0, 2.5])), {}),
    (lambda m: (None, None), {}),
    (lambda m: (m.arange(12.0).reshape(3, 4), m.arange(12.0).reshape(3, 4) * 1.01), {}),
]


@pytest.mark.parametrize("make,kwargs", CASES)
def test_assert_close_matches_pytorch(make, kwargs) -> None:
    (a, e), (ta, te) = both(make)
    try:
        torch.testing.assert_close(ta, te, **kwargs)
    except Exception as theirs:
        with pytest.raises(type(theirs)) as ours:
            numtorch.testing.assert_close(a, e, **kwargs)
        assert str(ours.value).replace("numtorch.tensor.", "torch.") == str(theirs)
    else:
        numtorch.testing.assert_close(a, e, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "int32", "bool"])
def test_make_tensor_shape_dtype_and_range(dtype) -> None:
    numtorch.manual_seed(0)
    d = getattr(numtorch, dtype)
    x = numtorch.testing.make_tensor(4, 5, dtype=d)
    y = numtorch.testing.make_tensor((4, 5), dtype=d, low=0, high=3, exclude_zero=True)
    assert x.shape == y.shape == (4, 5) and x.dtype is y.dtype is d
    ref = torch.testing.make_tensor(4, 5, dtype=getattr(torch, dtype), device="cpu")
    if dtype != "bool":
        lo, hi = float(ref.min()), float(ref.max())
        assert -9 <= float(x.min()) and float(x.max()) <= 10 and -9 <= lo and hi <= 10
        assert (y.numpy() != 0).all() and float(y.min()) >= 0 and float(y.max()) <= 3
    numtorch.manual_seed(0)
    assert numtorch.testing.make_tensor(4, 5, dtype=d).equal(x)  # reproducible from the seed
    if dtype.startswith("float"):
        z = numtorch.testing.make_tensor(3, dtype=d, requires_grad=True)
        assert z.requires_grad and z.is_leaf
        nc = numtorch.testing.make_tensor(3, 4, dtype=d, noncontiguous=True)
        assert not nc.is_contiguous() and nc.shape == (3, 4)
