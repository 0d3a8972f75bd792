"""``F.bilinear`` against PyTorch: values and gradients of every argument over batched,
unbatched and empty inputs, float64 gradcheck, integer inputs, ``nn.Bilinear`` built on it,
and PyTorch's errors in its order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_same

SHAPES = [
    ((5, 2), (5, 3), (4, 2, 3)),
    ((2,), (3,), (4, 2, 3)),
    ((6, 5, 2), (6, 5, 3), (1, 2, 3)),
    ((0, 2), (0, 3), (4, 2, 3)),
    ((3, 1), (3, 1), (2, 1, 1)),
]


@pytest.mark.parametrize(("s1", "s2", "sw"), SHAPES)
def test_bilinear_values_and_grads(s1, s2, sw):
    def bias(lib, a, b, w, c):
        return lib.nn.functional.bilinear(a, b, w, c)

    check_op(bias, s1, s2, sw, (sw[0],), rtol=1e-5, atol=1e-5)
    check_op(lambda lib, a, b, w: lib.nn.functional.bilinear(a, b, w), s1, s2, sw, atol=1e-5)


def test_bilinear_gradcheck():
    check_gradcheck(
        lambda lib, a, b, w, c: lib.nn.functional.bilinear(a, b, w, c),
        (3, 2),
        (3, 4),
        (5, 2, 4),
        (5,),
    )
    check_gradcheck(lambda lib, a, b, w: lib.nn.functional.bilinear(a, b, w), (2,), (3,), (2, 2, 3))


def test_bilinear_float64_and_integers():
    rng = np.random.default_rng(0)
    a, b, w = (
        rng.standard_normal((4, 2)),
        rng.standard_normal((4, 3)),
        rng.standard_normal((2, 2, 3)),
    )
    check_same(
        lambda lib: lib.nn.functional.bilinear(lib.tensor(a), lib.tensor(b), lib.tensor(w)),
        rtol=1e-12,
        atol=1e-12,
    )
    ai, bi, wi = (np.arange(np.prod(s)).reshape(s) - 3 for s in ((2, 3), (2, 2), (4, 3, 2)))
    check_same(
        lambda lib: lib.nn.functional.bilinear(
            lib.tensor(ai), lib.tensor(bi), lib.tensor(wi), lib.arange(4)
        )
    )


def test_bilinear_module_uses_functional():
    t, n = torch.nn.Bilinear(2, 3, 4), numtorch.nn.Bilinear(2, 3, 4)
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x1, x2 = numtorch.randn(5, 2), numtorch.randn(5, 3)
    expected = numtorch.nn.functional.bilinear(x1, x2, n.weight, n.bias)
    np.testing.assert_array_equal(n(x1, x2).detach().numpy(), expected.detach().numpy())


def _call(s1, s2, sw, sb=None, dtypes=("float32",) * 4):
    def run(lib):
        d = [getattr(lib, name) for name in dtypes]
        bias = None if sb is None else lib.ones(sb, dtype=d[3])
        return lib.nn.functional.bilinear(
            lib.ones(s1, dtype=d[0]), lib.ones(s2, dtype=d[1]), lib.ones(sw, dtype=d[2]), bias
        )

    return run


def test_bilinear_errors():
    check_error(_call((5, 2), (4, 3), (4, 2, 3)), "batch dimensions do not match at dim 0")
    check_error(_call((5, 2), (3,), (4, 2, 3)), "input dimensions do not match: got 2 and 1")
    check_error(_call((5, 3), (5, 3), (4, 2, 3)), "input1 size does not match weight size: got 3")
    check_error(
        _call((5, 2), (5, 4), (4, 2, 3)), "input2 size does not match weight size: got 4 but"
    )
    check_error(
        _call((5, 2), (5, 3), (4, 2, 3), (3,)),
        "bias size does not match weight size: got 3 but expected 4",
    )
    check_error(_call((5, 2), (5, 3), (4, 2)), r"Dimension out of range \(expected to be in")
    check_error(_call((), (), (4, 2, 3)), "Dimension specified as -1 but tensor has no dimensions")
    check_error(_call((5, 2), (5, 3), (4, 2, 3), ()), "Dimension specified as 0 but tensor has")
    check_error(_call((5, 2), (5, 3), (4, 2, 3, 1)), "number of dimensions must match")
    check_error(
        _call((5, 2), (5, 3), (4, 2, 3), dtypes=("float32", "float64", "float32")),
        "All tensors must have the same dtype, got input1: float, input2: double, weight: float$",
    )
    check_error(
        _call((5, 2), (5, 3), (4, 2, 3), (4,), ("float32", "float32", "float32", "float64")),
        "got input1: float, input2: float, weight: float, bias: double",
    )
    check_error(
        lambda lib: lib.nn.functional.bilinear(lib.ones(1), lib.ones(1), 3),
        r"bilinear\(\): argument 'weight' \(position 3\) must be Tensor, not int",
    )
