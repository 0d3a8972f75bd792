"""``torch.as_strided_scatter`` and ``Tensor.as_strided_scatter``: values (with the result's
strides and storage offset), gradients and errors, against PyTorch.

``src``'s gradient is compared with PyTorch's. ``input``'s is checked against the true
gradient (the output's gradient where ``src`` did not write) and by gradcheck: PyTorch 2.13's
``AsStridedScatterBackward0`` gives ``input`` the overwritten part instead (its own gradcheck
fails), which numtorch does not copy (see the op's docstring).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_gradcheck, check_same

import numtorch


def _x(lib):
    return lib.arange(12.0).reshape(3, 4)


def _src(lib, *shape):
    return lib.full(shape, -1.0)


def _offset_view(lib):
    return lib.arange(20.0)[4:16].view(3, 4)  # storage offset 4


# (id, fn(lib) -> result)
VALUES = [
    (
        "default offset",
        lambda lib: lib.as_strided_scatter(_x(lib), _src(lib, 2, 2), (2, 2), (1, 2)),
    ),
    ("offset 3", lambda lib: lib.as_strided_scatter(_x(lib), _src(lib, 2, 2), (2, 2), (1, 2), 3)),
    (
        "method, keyword offset",
        lambda lib: _x(lib).as_strided_scatter(_src(lib, 2, 2), [2, 2], [1, 2], storage_offset=3),
    ),
    ("rows", lambda lib: lib.as_strided_scatter(_x(lib), _src(lib, 2, 3), (2, 3), (4, 1), 2)),
    ("1-d column", lambda lib: lib.as_strided_scatter(_x(lib), _src(lib, 3), (3,), (4,))),
    ("0-d", lambda lib: lib.as_strided_scatter(_x(lib), lib.tensor(7.0), (), (), 5)),
    ("empty", lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(0, 2), (0, 2), (1, 2))),
    (
        "input with a storage offset",
        lambda lib: lib.as_strided_scatter(_offset_view(lib), _src(lib, 2, 2), (2, 2), (1, 2)),
    ),
    (
        "input with a storage offset, offset 0",
        lambda lib: lib.as_strided_scatter(_offset_view(lib), _src(lib, 2, 2), (2, 2), (1, 2), 0),
    ),
    (
        "transposed input",
        lambda lib: lib.as_strided_scatter(_x(lib).t(), _src(lib, 2, 2), (2, 2), (1, 2)),
    ),
    (
        "column slice of input",
        lambda lib: lib.as_strided_scatter(lib.zeros(3, 4)[:, 1:3], lib.ones(2), (2,), (1,)),
    ),
    (
        "expanded input",
        lambda lib: lib.as_strided_scatter(
            lib.zeros(1, 4).expand(3, 4), lib.ones(2, 2), (2, 2), (1, 2), 5
        ),
    ),
    (
        "overlapping layout: the last write wins",
        lambda lib: lib.as_strided_scatter(
            lib.zeros(6), lib.arange(1.0, 5.0).reshape(2, 2), (2, 2), (1, 1)
        ),
    ),
    (
        "double src into float input",
        lambda lib: lib.as_strided_scatter(_x(lib), _src(lib, 2, 2).double(), (2, 2), (1, 2)),
    ),
    (
        "float src into long input",
        lambda lib: lib.as_strided_scatter(_x(lib).long(), _src(lib, 2, 2), (2, 2), (1, 2)),
    ),
    (
        "expanded src",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(1).expand(2, 2), (2, 2), (1, 2)),
    ),
]


@pytest.mark.parametrize("fn", [c[1] for c in VALUES], ids=[c[0] for c in VALUES])
def test_values_match_pytorch(fn) -> None:
    check_same(fn)


@pytest.mark.parametrize("fn", [c[1] for c in VALUES], ids=[c[0] for c in VALUES])
def test_layout_matches_pytorch(fn) -> None:
    """The result keeps ``input``'s strides and storage offset (a contiguous clone of an
    expanded input), as PyTorch's does."""
    mine, theirs = fn(numtorch), fn(torch)
    assert mine.stride() == theirs.stride()
    assert mine.storage_offset() == theirs.storage_offset()


def test_input_is_unchanged() -> None:
    x = numtorch.arange(12.0).reshape(3, 4)
    numtorch.as_strided_scatter(x, numtorch.zeros(2, 2), (2, 2), (1, 2))
    assert x.tolist() == numtorch.arange(12.0).reshape(3, 4).tolist()


# (size, stride, storage_offset) with a (3, 4) input
LAYOUTS = [
    ((2, 2), (1, 2), None),
    ((2, 2), (1, 2), 1),
    ((2, 3), (4, 1), 2),
    ((3,), (4,), None),
    ((2, 2), (5, 1), 3),
]


def _true_input_grad(g: np.ndarray, size: tuple, stride: tuple, offset: int | None) -> np.ndarray:
    """The output's gradient with the elements ``src`` wrote zeroed (a contiguous input)."""
    flat = g.reshape(-1).copy()
    idx = np.full(size, offset or 0, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n) * s).reshape(shape)
    flat[idx.reshape(-1)] = 0
    return flat.reshape(g.shape)


@pytest.mark.parametrize("size, stride, offset", LAYOUTS)
def test_gradients(size: tuple, stride: tuple, offset: int | None) -> None:
    """``src``'s gradient is PyTorch's; ``input``'s is the true one."""
    rng = np.random.default_rng(0)
    xa, sa = rng.standard_normal((3, 4)), rng.standard_normal(size)
    up = rng.standard_normal((3, 4))
    grads = {}
    for lib in (torch, numtorch):
        x = lib.tensor(xa, requires_grad=True)
        s = lib.tensor(sa, requires_grad=True)
        lib.as_strided_scatter(x, s, size, stride, offset).backward(lib.tensor(up))
        grads[lib] = (x.grad, s.grad)
    assert_close(grads[numtorch][1], grads[torch][1], 1e-12, 1e-12, "grad of src")
    expected = _true_input_grad(up, size, stride, offset)
    np.testing.assert_allclose(grads[numtorch][0].numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size, stride, offset", LAYOUTS)
def test_gradcheck(size: tuple, stride: tuple, offset: int | None) -> None:
    check_gradcheck(
        lambda lib, x, s: lib.as_strided_scatter(x, s, size, stride, offset), (3, 4), size
    )


def test_gradcheck_strided_input() -> None:
    """A transposed or offset input (PyTorch refuses to differentiate these)."""
    check_gradcheck(
        lambda lib, x, s: lib.as_strided_scatter(x.t(), s, (2, 2), (1, 2), 1), (3, 4), (2, 2)
    )
    check_gradcheck(lambda lib, x, s: lib.as_strided_scatter(x[1:], s, (3,), (2,), 5), (3, 4), (3,))


def test_gradient_dtypes_and_node() -> None:
    """A double ``src`` into a float input gets a double gradient; the node is named and
    linked as PyTorch's."""
    for lib in (torch, numtorch):
        x = lib.zeros(4, requires_grad=True)
        s = lib.tensor([1.5, 2.5], dtype=lib.float64, requires_grad=True)
        out = lib.as_strided_scatter(x, s, (2,), (2,))
        assert out.dtype == lib.float32
        assert out.grad_fn.name() == "AsStridedScatterBackward0"
        assert len(out.grad_fn.next_functions) == 2
        out.sum().backward()
        assert s.grad.dtype == lib.float64
        assert s.grad.tolist() == [1.0, 1.0]


def test_no_graph_without_grad() -> None:
    x, s = numtorch.zeros(3, 4), numtorch.ones(2, 2, requires_grad=True)
    with numtorch.no_grad():
        out = numtorch.as_strided_scatter(x, s, (2, 2), (1, 2))
    assert out.grad_fn is None and not out.requires_grad


ERRORS = [
    (
        "src size",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(3), (2, 2), (1, 2)),
        r"expected src to have a size equal to the slice of self\. src size = \[3\], "
        r"slice size = \[2, 2\]",
    ),
    (
        "src size, one element",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(1), (2, 2), (1, 2)),
        r"src size = \[1\], slice size = \[2, 2\]",
    ),
    (
        "stride length",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(2, 2), (2, 2), (1, 2, 3)),
        "mismatch in length of strides and shape",
    ),
    (
        "out of bounds",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(2, 2), (2, 2), (10, 20)),
        r"setStorage: sizes \[2, 2\], strides \[10, 20\], storage offset 0, and itemsize 4 "
        r"requiring a storage size of 124 are out of bounds for storage of size 48",
    ),
    (
        "negative stride",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(2, 2), (2, 2), (-1, 2)),
        r"as_strided: Negative strides are not supported at the moment, got strides: \[-1, 2\]",
    ),
    (
        "negative offset",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(2, 2), (2, 2), (1, 2), -1),
        "Tensor: invalid storage offset -1",
    ),
    (
        "repeated element",
        lambda lib: lib.as_strided_scatter(_x(lib), lib.ones(2, 2), (2, 2), (0, 1)),
        "more than one element of the written-to tensor refers to a single memory location",
    ),
    (
        "src not a tensor",
        lambda lib: lib.as_strided_scatter(_x(lib), 1.0, (2, 2), (1, 2)),
        r"as_strided_scatter\(\): argument 'src' \(position 2\) must be Tensor, not float",
    ),
    (
        "input not a tensor",
        lambda lib: lib.as_strided_scatter(1.0, lib.ones(2, 2), (2, 2), (1, 2)),
        r"as_strided_scatter\(\): argument 'input' \(position 1\) must be Tensor, not float",
    ),
]


@pytest.mark.parametrize("fn, match", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_match_pytorch(fn, match: str) -> None:
    check_error(fn, match)
