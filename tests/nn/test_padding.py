"""``F.pad`` in every mode and the padding layers against PyTorch: values, gradients, float64
gradcheck, reprs and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_saved_versions

F_CASES = [
    ((2, 3, 5), (1, 2), "constant", {"value": 1.5}),
    ((2, 3, 5), (-1, 2), "constant", {}),
    ((2, 3, 5), (1, -2, 0, 1), "constant", {}),
    ((4,), (2, 1), "constant", {}),
    ((2, 3, 4, 5, 2, 3), (1, 1, 0, 2), "constant", {}),
    ((2, 3, 5), (-1, -2), "constant", {}),
    ((2, 3, 5), (2, 4), "reflect", {}),
    ((3, 5), (1, 0), "reflect", {}),
    ((2, 3, 5), (-1, 3), "reflect", {}),
    ((2, 3, 4, 5), (1, 2, 3, 0), "reflect", {}),
    ((3, 4, 5), (4, 4, 3, 3), "reflect", {}),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 2, 0), "reflect", {}),
    ((2, 3, 4, 5), (1, 2, 3, 0, 1, 1), "reflect", {}),
    ((2, 3, 5), (3, 6), "replicate", {}),
    ((2, 3, 5), (2, -2), "replicate", {}),
    ((2, 3, 5), (1, 50), "replicate", {}),  # one edge read 51 times: the bincount adjoint
    ((2, 3, 4, 5), (1, 2, 3, 0), "replicate", {}),
    ((2, 2, 3, 4, 5), (2, 2, 2, 1, 0, 3), "replicate", {"value": 0.0}),
    ((2, 3, 5), (5, 2), "circular", {}),
    ((3, 5), (-1, 2), "circular", {}),
    ((3, 5), (2, -1), "circular", {}),
    ((2, 3, 4, 5), (1, 2, 3, 0), "circular", {}),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 3, 0), "circular", {}),
    ((2, 3, 4, 5), (1, 2, -1, 0), "circular", {}),
]


@pytest.mark.parametrize("shape, pad, mode, kw", F_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pad_matches_torch(shape, pad, mode, kw, dtype):
    fn = lambda lib, x: lib.nn.functional.pad(x, pad, mode, **kw)  # noqa: E731
    check_op(fn, shape, dtype=dtype)


@pytest.mark.parametrize("shape, pad, mode, kw", F_CASES[::3])
def test_pad_gradcheck(shape, pad, mode, kw):
    check_gradcheck(lambda lib, x: lib.nn.functional.pad(x, pad, mode, **kw), shape)


def test_pad_integer_bool_and_empty_batch():
    ints = np.arange(12).reshape(3, 4)
    for mode, kw in (("constant", {"value": 2.5}), ("reflect", {}), ("circular", {})):
        ours = numtorch.nn.functional.pad(numtorch.tensor(ints), (2, 1), mode, **kw)
        theirs = torch.nn.functional.pad(torch.tensor(ints), (2, 1), mode, **kw)
        assert ours.dtype == numtorch.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    b = numtorch.nn.functional.pad(numtorch.tensor([True, False]), (1, 1), value=1)
    assert b.tolist() == [True, True, False, True]
    check_op(
        lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), "replicate"), (0, 3, 2, 2, 2)
    )


def test_pad_node_names():
    x = numtorch.randn(2, 3, 4, requires_grad=True)
    assert numtorch.nn.functional.pad(x, (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"
    out = numtorch.nn.functional.pad(x, (1, 1), "reflect")
    assert out.grad_fn.name() == "ReflectionPad1DBackward0"
    out = numtorch.nn.functional.pad(x, (1, 1, 1, 1), "replicate")
    assert out.grad_fn.name() == "ReplicationPad2DBackward0"


PAD_ERRORS = [
    (lambda x: (x, (1,)), {}, "Padding length must be divisible by 2"),
    (lambda x: (x, (1, 1) * 4), {}, "Padding length should be less than or equal to two times"),
    (lambda x: (x, (4, 0), "reflect"), {}, r"Argument #4: Padding size should be less than"),
    (lambda x: (x, (1, 1), "reflect", 1.0), {}, "doesn't take in value argument"),
    (lambda x: (x, (1, 1), "foo"), {}, "Unrecognised padding mode foo"),
    (lambda x: (x[0, 0], (1, 1), "reflect"), {}, r"Padding size 2 is not supported for 1D"),
    (lambda x: (x, (1, 1) * 3, "reflect"), {}, r"Padding size 6 is not supported for 3D"),
    (lambda x: (x, (5, 0), "circular"), {}, "wrapping around more than once"),
    (lambda x: (x, (-5, 0), "circular"), {}, "resulting in an empty dimension"),
    (lambda x: (x, (-5, 0)), {}, r"narrow\(\): length must be non-negative"),
    (lambda x: (x, (-3, -2)), {}, r"narrow\(\): length must be non-negative"),
    (lambda x: (x[:, :0], (1, 1), "reflect"), {}, r"Expected 2D or 3D \(batch mode\) tensor"),
    (lambda x: (x, (-3, -2), "replicate"), {}, r"input \(W: 4\) is too small"),
    (lambda x: (x, (1.5, 1)), {}, r"must be tuple of ints, but found element of type float"),
    (lambda x: (x, 1), {}, r"must be tuple of ints, not int"),
    (lambda x: (x, (1, 1), 3), {}, r"argument 'mode' \(position 3\) must be str, not int"),
    (lambda x: (x, (1, 1), "constant", "a"), {}, r"'value' \(position 4\) must be float"),
    (lambda x: (x[None], (0, 0, 3, 4), "reflect"), {}, r"Argument #6: .* at dimension 2"),
    (lambda x: (x[None], (-3, -3, -3, -3), "reflect"), {}, r"input \(H: 3, W: 4\) is too small"),
    (lambda x: (x[None], (-3, -3, -3, -3), "replicate"), {}, r"input \(H: 3, W: 4 \) is too"),
    (
        lambda x: (x[None], (1, 1, -6, 0), "replicate"),
        {},
        r"negative dimension -3: \[1, 2, -3, 6\]",
    ),
    (
        lambda x: (x[None, None], (1, 1, 1, 1, 2, 2), "reflect"),
        {},
        r"Argument #8: .* padding \(2, 2\) at dimension 2 of input \[1, 1, 2, 3, 4\]",
    ),
    (
        lambda x: (x[None], (-3,) * 6, "replicate"),
        {},
        r"input \(D: 2 H: 3, W: 4\) is too small. Calculated output D: -4 H: -3 W: -2",
    ),
]


@pytest.mark.parametrize("args, kw, match", PAD_ERRORS)
def test_pad_errors_match_torch(args, kw, match):
    data = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    check_error(lambda lib: lib.nn.functional.pad(*args(lib.tensor(data)), **kw), match)


MODULES = [
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)),
    ("ConstantPad2d", ((1, 0, 2, -1), -1.0), (2, 3, 4)),
    ("ConstantPad3d", (1, 0.0), (1, 2, 3, 4)),
    ("ZeroPad1d", ((1, 2),), (2, 3, 4)),
    ("ZeroPad2d", (2,), (2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 3, 4)),
    ("ReflectionPad1d", (2,), (2, 3, 4)),
    ("ReflectionPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (2, 3, 4)),
    ("ReplicationPad3d", ((1, 2, 0, 1, 2, 0),), (1, 1, 2, 3, 4)),
    ("CircularPad1d", (2,), (2, 3, 4)),
    ("CircularPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 4)),
]


@pytest.mark.parametrize("name, args, shape", MODULES)
def test_padding_module_matches_torch(name, args, shape):
    ours, theirs = getattr(numtorch.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    check_op(lambda lib, x: getattr(lib.nn, name)(*args)(x), shape)


def test_circular_module_checks_rank():
    x = np.zeros((2, 3, 4, 5, 6), np.float32)
    check_error(lambda lib: lib.nn.CircularPad2d(1)(lib.tensor(x)), r"expected 3D or 4D input")


def test_zero_pad_is_a_constant_pad():
    for d in (1, 2, 3):
        layer = getattr(numtorch.nn, f"ZeroPad{d}d")(1)
        assert isinstance(layer, getattr(numtorch.nn, f"ConstantPad{d}d"))
        assert layer.value == 0.0 and layer.padding == (1,) * 2 * d


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_in_place_changes_like_torch(mode):
    check_saved_versions(lambda lib, x: lib.nn.functional.pad(x, (1, 2), mode), (2, 3, 4))
