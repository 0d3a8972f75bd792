"""F.conv2d / F.conv1d and nn.Conv2d / nn.Conv1d against PyTorch: values, gradients, init,
repr, state_dict and every validation message."""

from __future__ import annotations

import contextlib
import gc
import math
import os
import pathlib
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from numtorch.ops import conv as conv_ops
from tests.helpers import check_gradcheck, check_op, snippet_outcome


def _raises_like_torch(fn, exc: type, match: str) -> None:
    """``fn(lib)`` raises ``exc`` matching ``match`` in numtorch, and in PyTorch too."""
    for lib in (numtorch, torch):
        with pytest.raises(exc, match=match):
            fn(lib)


# ------------------------------------------------------------------ F.conv2d parity

GRID = [
    # x shape, w shape, kwargs
    ((2, 3, 5, 5), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 3), {"stride": 2}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": (2, 1), "padding": (1, 2)}),
    ((1, 3, 8, 8), (2, 3, 3, 3), {"dilation": 2, "padding": 2}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 6, 6), (4, 1, 3, 3), {"groups": 4, "padding": 1, "stride": 2}),  # depthwise
    ((2, 3, 5, 5), (4, 3, 1, 1), {}),
    ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "same"}),
    ((2, 3, 6, 5), (4, 3, 3, 5), {"padding": "same", "dilation": (2, 1)}),
    ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "valid"}),
    ((2, 3, 5, 5), (4, 3, 5, 5), {}),  # kernel equals input: 1x1 output
    ((1, 1, 1, 1), (1, 1, 1, 1), {}),
    ((2, 3, 9, 9), (5, 3, 4, 2), {"stride": 3, "padding": 1, "dilation": (1, 2)}),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", GRID)
def test_conv2d_matches_torch(xs, ws, kw, bias):
    specs = (xs, ws, (ws[0],)) if bias else (xs, ws)
    check_op(lambda lib, x, w, *b: lib.nn.functional.conv2d(x, w, *b, **kw), *specs, rtol=1e-4)


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns that it pads a copy
@pytest.mark.parametrize("ks, dil", [((2, 2), 1), ((4, 3), (1, 3)), ((2, 4), (3, 1))])
def test_conv2d_same_asymmetric_padding_matches_torch(ks, dil):
    fn = lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding="same", dilation=dil)  # noqa: E731
    check_op(fn, (2, 3, 7, 8), (4, 3, *ks), rtol=1e-4)


def test_conv2d_unbatched_float64_and_non_contiguous():
    check_op(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), (3, 5, 6), (4, 3, 3, 3))
    f64 = lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride=2, groups=3)  # noqa: E731
    check_op(f64, (2, 3, 7, 7), (6, 1, 3, 3), (6,), dtype=np.float64, rtol=1e-10, atol=1e-12)
    nc = lambda lib, x, w: lib.nn.functional.conv2d(x.transpose(2, 3), w, padding=1)  # noqa: E731
    check_op(nc, (2, 3, 6, 5), (4, 3, 3, 3), rtol=1e-4)
    sliced = lambda lib, x, w: lib.nn.functional.conv2d(x[:, ::2, 1:], w)  # noqa: E731
    check_op(sliced, (2, 6, 6, 5), (4, 3, 2, 2), rtol=1e-4)


def test_conv2d_empty_batch_and_zero_channels():
    check_op(lambda lib, x, w: lib.nn.functional.conv2d(x, w), (0, 3, 5, 5), (4, 3, 3, 3))
    out = numtorch.nn.functional.conv2d(numtorch.zeros(2, 0, 5, 5), numtorch.ones(4, 0, 3, 3))
    assert out.shape == (2, 4, 3, 3) and not out.numpy().any()


def test_conv2d_integer_input_like_torch():
    x, w = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4), np.ones((2, 3, 2, 2), dtype=np.int64)
    ours = numtorch.nn.functional.conv2d(numtorch.tensor(x), numtorch.tensor(w))
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w))
    assert ours.dtype == numtorch.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_conv2d_in_chunks_of_one_sample(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 0)  # one sample per chunk
    fn = lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, 2, 1, 1, 2)  # noqa: E731
    check_op(fn, (2, 4, 6, 6), (4, 2, 3, 3), (4,), rtol=1e-4)


# 3x3, stride 1, >= 8 input channels: Winograd F(2x2, 3x3) on numba, im2col on NumPy; both
# as accurate as PyTorch's direct convolution (see the numerics tests below).
WINOGRAD = [
    ((2, 8, 6, 7), (5, 8, 3, 3), {"padding": 1}),
    ((3, 9, 5, 5), (4, 9, 3, 3), {}),  # no padding, odd output
    ((1, 8, 4, 9), (3, 8, 3, 3), {"padding": (2, 0)}),
    ((2, 8, 7, 6), (2, 8, 3, 3), {"padding": "same"}),
    ((1, 8, 3, 3), (2, 8, 3, 3), {"padding": 1}),  # a single 2x2 tile, half of it cut
    ((2, 8, 9, 10), (3, 8, 3, 3), {"padding": 1}),  # the last tiles cut
    ((1, 12, 10, 12), (2, 12, 3, 3), {}),
    ((2, 8, 8, 9), (4, 8, 3, 3), {"padding": (2, 1)}),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", WINOGRAD)
def test_conv2d_3x3_stride_1_matches_torch(xs, ws, kw, bias):
    specs = (xs, ws, (ws[0],)) if bias else (xs, ws)
    fn = lambda lib, x, w, *b: lib.nn.functional.conv2d(x, w, *b, **kw)  # noqa: E731
    check_op(fn, *specs, rtol=1e-4, atol=1e-5)


def test_conv2d_3x3_stride_1_float64_non_contiguous_and_gradcheck():
    fn = lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1)  # noqa: E731
    for shape in ((2, 8, 5, 6), (2, 8, 9, 8)):
        check_op(fn, shape, (3, 8, 3, 3), (3,), dtype=np.float64, rtol=1e-10, atol=1e-12)
    nc = lambda lib, x, w: lib.nn.functional.conv2d(x.transpose(2, 3), w, padding=1)  # noqa: E731
    check_op(nc, (2, 8, 6, 5), (4, 8, 3, 3), rtol=1e-4, atol=1e-5)
    check_op(nc, (2, 8, 10, 9), (4, 8, 3, 3), rtol=1e-4, atol=1e-5)
    check_gradcheck(fn, (1, 8, 3, 4), (2, 8, 3, 3), (2,))
    check_gradcheck(fn, (1, 8, 8, 8), (1, 8, 3, 3), (1,))


def test_conv2d_3x3_stride_1_takes_winograd_on_the_numba_path_only():
    from numtorch._kernels import kernel_path

    for size in (4, 9):
        x = numtorch.randn(1, 8, size, size, requires_grad=True)
        out = numtorch.nn.functional.conv2d(x, numtorch.randn(2, 8, 3, 3), padding=1)
        assert out.grad_fn.winograd == (kernel_path() == "numba")
    strided = numtorch.nn.functional.conv2d(x, numtorch.randn(2, 8, 3, 3), stride=2)
    assert not strided.grad_fn.winograd
    w3 = numtorch.randn(2, 3, 3, 3, requires_grad=True)
    rgb = numtorch.nn.functional.conv2d(numtorch.randn(1, 3, 9, 9), w3)
    assert not rgb.grad_fn.winograd


def test_conv2d_3x3_first_layer_skips_the_input_gradient():
    x, w = numtorch.randn(2, 8, 5, 5), numtorch.randn(4, 8, 3, 3, requires_grad=True)
    numtorch.nn.functional.conv2d(x, w, padding=1).square().sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x.numpy()), tw, padding=1).square().sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv2d_3x3_backward_reads_the_weight_as_it_is_then():
    """A write the version counter cannot see (through a NumPy view) reaches the input's
    gradient as in PyTorch, whose backward reads the weight's memory: Winograd transforms the
    weight again in backward rather than keeping the forward's transform."""
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((2, 9, 7, 5)).astype(np.float32)
    wn = rng.standard_normal((3, 9, 3, 3)).astype(np.float32)
    grads = []
    for lib in (numtorch, torch):
        x, w = lib.tensor(xn, requires_grad=True), lib.tensor(wn, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, padding=1)
        w.detach().numpy()[...] += 1
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-4)


def test_conv2d_3x3_in_chunks_of_one_sample(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 0)
    fn = lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1)  # noqa: E731
    check_op(fn, (3, 8, 5, 4), (2, 8, 3, 3), (2,), rtol=1e-4, atol=1e-5)
    check_op(fn, (3, 8, 9, 8), (2, 8, 3, 3), (2,), rtol=1e-4, atol=1e-5)


def test_conv2d_computes_only_the_gradients_asked_for():
    x, w = numtorch.randn(2, 3, 5, 5), numtorch.randn(4, 3, 3, 3, requires_grad=True)
    numtorch.nn.functional.conv2d(x, w).sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x.numpy()), tw).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_conv2d_input_modified_in_place_after_use_raises():
    x = numtorch.randn(1, 2, 4, 4)
    w = numtorch.randn(2, 2, 3, 3, requires_grad=True)
    out = numtorch.nn.functional.conv2d(x, w)
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        ((1, 2, 4, 5), (2, 2, 2, 3), {"stride": (2, 1), "padding": (1, 0)}),
        ((2, 2, 5, 4), (2, 1, 2, 2), {"groups": 2, "dilation": 2, "padding": 1}),
        ((1, 2, 4, 4), (3, 2, 2, 2), {"padding": "same"}),
    ],
)
def test_conv2d_gradcheck(xs, ws, kw):
    fn = lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw)  # noqa: E731
    check_gradcheck(fn, xs, ws, (ws[0],))


# ------------------------------------------------------------------ F.conv1d


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        ((2, 3, 9), (4, 3, 3), {}),
        ((2, 4, 10), (6, 2, 3), {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}),
        ((3, 8), (4, 3, 3), {"padding": "same"}),
    ],
)
def test_conv1d_matches_torch(xs, ws, kw):
    check_op(lambda lib, x, w: lib.nn.functional.conv1d(x, w, **kw), xs, ws, rtol=1e-4)


def test_conv1d_gradcheck():
    fn = lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, stride=2, padding=1)  # noqa: E731
    check_gradcheck(fn, (2, 2, 5), (3, 2, 2), (3,))


# ------------------------------------------------------------------ F.conv2d errors

F_ERRORS = [
    ((2, 64, 8, 8), (64, 3, 3, 3), {}, "Given groups=1, weight of size \\[64, 3, 3, 3\\], "
     "expected input\\[2, 64, 8, 8\\] to have 3 channels, but got 64 channels instead"),
    ((64, 8, 8), (4, 3, 3, 3), {}, "expected input\\[1, 64, 8, 8\\] to have 3 channels"),
    ((2, 3, 2, 2), (4, 3, 3, 3), {}, "Calculated padded input size per channel: \\(2 x 2\\). "
     "Kernel size: \\(3 x 3\\). Kernel size can't be greater than actual input size"),
    ((3, 4, 4), (4, 3, 3, 3), {"dilation": 2}, "Kernel size: \\(5 x 5\\)"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 0}, "non-positive stride is not supported"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": (1, -1)}, "non-positive stride is not supported"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": -1}, "negative padding is not supported"),
    # (PyTorch's oneDNN path, for float32 batches of 2 or more, words it "non-positive
    # dilation is not supported"; numtorch keeps its native kernels' words)
    ((1, 3, 5, 5), (4, 3, 3, 3), {"dilation": 0},
     "dilation should be greater than zero, but got \\[0, 0\\]"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"dilation": -1}, "dilation should be greater than zero"),
    ((2, 4, 5, 5), (4, 2, 3, 3), {"groups": 0}, "non-positive groups is not supported"),
    ((2, 4, 5, 5), (4, 2, 3, 3), {"groups": 3}, "expected weight to be divisible by 3 at "
     "dimension 0, but got weight of size \\[\\[4, 2, 3, 3\\]\\] instead"),
    ((2, 3, 5, 5), (0, 3, 3, 3), {}, "expected weight to be at least 1 at dimension 0"),
    ((2, 3, 5, 5, 5), (4, 3, 3, 3), {}, "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input "
     "to conv2d, but got input of size: \\[2, 3, 5, 5, 5\\]"),
    ((5, 5), (4, 3, 3, 3), {}, "Expected 3D \\(unbatched\\) or 4D"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 2, "padding": "same"},
     "padding='same' is not supported for strided convolutions"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": "foo"}, "Invalid padding string: 'foo'"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": (1, 1, 1)}, "expected padding to be a single "
     "integer value or a list of 2 values to match the convolution dimensions, but got "
     "padding=\\[1, 1, 1\\]"),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": []}, "expected stride to be a single integer"),
]  # fmt: skip


@pytest.mark.parametrize("xs, ws, kw, match", F_ERRORS)
def test_conv2d_errors_like_torch(xs, ws, kw, match):
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv2d(lib.zeros(xs), lib.zeros(ws), **kw),
        RuntimeError,
        match,
    )


def test_conv2d_bias_and_dtype_errors_like_torch():
    x, w = (2, 3, 5, 5), (4, 3, 3, 3)
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv2d(lib.zeros(x), lib.zeros(w), lib.zeros(5)),
        RuntimeError,
        "Given weight of size \\[4, 3, 3, 3\\], expected bias to be 1-dimensional with 4 "
        "elements, but got bias of size \\[5\\] instead",
    )
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv2d(lib.zeros(x), lib.zeros(w).double()),
        RuntimeError,
        "Input type \\(torch.FloatTensor\\) and weight type \\(torch.DoubleTensor\\) should be "
        "the same",
    )
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv2d(lib.zeros(x), lib.zeros(w), lib.zeros(4).double()),
        RuntimeError,
        "Input type \\(float\\) and bias type \\(double\\) should be the same",
    )


def test_conv2d_type_errors():
    x, w = numtorch.zeros(1, 3, 5, 5), numtorch.zeros(4, 3, 3, 3)
    with pytest.raises(
        TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not list"
    ):
        numtorch.nn.functional.conv2d([1.0], w)
    with pytest.raises(TypeError, match="argument 'stride' must be tuple of ints"):
        numtorch.nn.functional.conv2d(x, w, stride=1.5)
    with pytest.raises(TypeError, match="argument 'groups' must be int, not float"):
        numtorch.nn.functional.conv2d(x, w, groups=1.5)
    for w_shape, match in [
        ((4, 3, 3), "expected stride to be a single integer value or a list of 1 values"),
        ((4, 3, 3, 3, 3), "a list of 3 values to match the convolution dimensions, but got "
         "stride=\\[1, 1\\]"),
        ((4,), "weight should have at least three dimensions"),
    ]:  # fmt: skip
        _raises_like_torch(
            lambda lib, s=w_shape: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5), lib.zeros(s)),
            RuntimeError,
            match,
        )
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv1d(lib.zeros(2, 3, 5), lib.zeros(4, 3, 3, 3)),
        RuntimeError,
        "Expected 4-dimensional input for 4-dimensional weight \\[4, 3, 3, 3\\], but got "
        "3-dimensional input of size \\[2, 3, 5\\] instead",
    )
    with pytest.raises(RuntimeError, match="Input type \\(torch.DoubleTensor\\) and weight type"):
        numtorch.nn.functional.conv2d(x.double(), w)  # PyTorch: "expected scalar type Double"


def test_conv1d_errors_like_torch():
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv1d(lib.zeros(1, 4, 3, 3), lib.zeros(2, 4, 3)),
        RuntimeError,
        "Expected 2D \\(unbatched\\) or 3D \\(batched\\) input to conv1d",
    )
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv1d(lib.zeros(1, 4, 3), lib.zeros(2, 4, 5)),
        RuntimeError,
        "Calculated padded input size per channel: \\(3\\). Kernel size: \\(5\\).",
    )
    _raises_like_torch(
        lambda lib: lib.nn.functional.conv1d(lib.zeros(1, 4, 3), lib.zeros(2, 4, 3), stride=(1, 1)),
        RuntimeError,
        "a list of 1 values",
    )


# ------------------------------------------------------------------ degenerate geometry
# Each snippet runs on both libraries (``torch``, ``F`` and ``nn`` name either): the same
# exception type with the very same message, or results of the same shape. PyTorch's order
# of checks is kept too: where two arguments are wrong, the same one is named.

DEGENERATE = [
    # zero-size kernels (numtorch returned a bias-only result)
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 0, 0), torch.randn(8))",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 0, 3))",
    "F.conv2d(torch.randn(3, 9, 9), torch.randn(8, 3, 3, 0), padding=1)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 0, 0), dilation=2)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 0, 0), padding='same')",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 0, 0), padding='same', dilation=2)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 2, 0, 0), padding='same')",
    "F.conv2d(torch.randn(1, 3, 1, 1), torch.randn(8, 3, 0, 0), padding='same')",
    "F.conv2d(torch.randn(1, 3, 0, 1), torch.randn(8, 3, 0, 0), padding='same')",
    "F.conv2d(torch.randn(1, 3, 9, 9).double(), torch.randn(8, 3, 0, 0))",
    "F.conv1d(torch.randn(1, 3, 9), torch.randn(8, 3, 0), torch.randn(8))",
    "F.conv1d(torch.randn(1, 3, 9), torch.randn(8, 3, 0), dilation=2)",
    "nn.Conv2d(3, 4, 0)(torch.randn(1, 3, 5, 5))",
    # zero and negative dilation, and their place among the other checks
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), dilation=(2, 0))",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), dilation=(0, -1))",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 2, 3, 3), dilation=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), torch.randn(5), dilation=0)",
    "F.conv2d(torch.randn(1, 3, 2, 2), torch.randn(8, 3, 3, 3), dilation=0)",
    "F.conv2d(torch.randn(0, 3, 9, 9), torch.randn(8, 3, 3, 3), dilation=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), padding='same', dilation=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 2, 2), padding='same', dilation=-1)",
    "F.conv1d(torch.randn(3, 9), torch.randn(8, 3, 3), dilation=0)",
    "F.conv1d(torch.randn(1, 3, 9), torch.randn(8, 3, 3), dilation=-1)",
    # stride, padding and groups: PyTorch checks groups, then padding, stride, dilation
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), stride=0, groups=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), padding=-1, groups=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), stride=0, padding=-1)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), groups=0, dilation=-1)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), padding='same', stride=2, "
    "groups=0)",
    "F.conv2d(torch.randn(1, 3, 9, 9), torch.randn(8, 3, 3, 3), padding='full', groups=0)",
    "F.conv2d(torch.randn(1, 3, 5, 5), torch.randn(4, 1, 3, 3), groups=2)",
    "F.conv2d(torch.randn(1, 6, 5, 5), torch.randn(3, 3, 3, 3), groups=2)",
    # kernel larger than the padded input, empty images and empty batches
    "F.conv2d(torch.randn(1, 3, 2, 2), torch.randn(4, 3, 3, 3), padding=(1, 0))",
    "F.conv2d(torch.randn(1, 3, 1, 1), torch.randn(4, 3, 3, 3), padding=1, dilation=2)",
    "F.conv2d(torch.randn(0, 3, 2, 2), torch.randn(4, 3, 3, 3))",
    "F.conv2d(torch.randn(1, 3, 0, 5), torch.randn(4, 3, 1, 1), padding=(1, 0))",
    "F.conv2d(torch.randn(3, 0, 5), torch.randn(4, 3, 1, 1), padding=1)",
    "F.conv2d(torch.randn(1, 3, 0, 9), torch.randn(8, 3, 0, 0))",
    "F.conv1d(torch.randn(1, 3, 0), torch.randn(4, 3, 1), padding=1)",
    "F.conv2d(torch.randn(0, 3, 5, 5), torch.randn(4, 3, 3, 3), stride=2, padding=1)",
    "F.conv2d(torch.randn(0, 3, 0, 5), torch.randn(4, 3, 1, 1), padding=1)",
    "F.conv1d(torch.randn(0, 3, 5), torch.randn(4, 3, 3))",
    "nn.Conv2d(3, 4, 3, padding_mode='reflect', padding=1)(torch.randn(0, 3, 5, 5))",
    # the non-zero padding modes: empty images, and negative padding (PyTorch crops)
    "nn.Conv2d(3, 4, 3, padding=1, padding_mode='replicate')(torch.randn(1, 3, 0, 4))",
    "nn.Conv2d(3, 4, 3, padding=1, padding_mode='reflect')(torch.randn(3, 0, 5))",
    "nn.Conv2d(0, 4, 3, padding=1, padding_mode='reflect')(torch.randn(1, 0, 5, 5))",
    "nn.Conv1d(3, 4, 3, padding=1, padding_mode='reflect')(torch.randn(1, 3, 0))",
    "nn.Conv2d(3, 4, 3, padding=1, padding_mode='circular')(torch.randn(1, 3, 0, 5))",
    "nn.Conv2d(3, 4, 1, padding=(5, 0), padding_mode='reflect')(torch.randn(1, 3, 4, 4))",
    "nn.Conv2d(3, 4, 1, padding=5, padding_mode='reflect')(torch.randn(1, 3, 3, 9))",
    "nn.Conv2d(3, 4, 1, padding=-1, padding_mode='reflect')(torch.randn(1, 3, 5, 5))",
    "nn.Conv2d(3, 4, 3, padding=-1, padding_mode='reflect')(torch.randn(1, 3, 4, 4))",
    "nn.Conv2d(3, 4, 1, padding=-3, padding_mode='reflect')(torch.randn(1, 3, 5, 5))",
    "nn.Conv2d(3, 4, 1, padding=-3, padding_mode='replicate')(torch.randn(3, 5, 5))",
    "nn.Conv2d(3, 4, 1, padding=(0, -3), padding_mode='replicate')(torch.randn(1, 3, 5, 5))",
    "nn.Conv2d(3, 4, 1, padding=-2, padding_mode='reflect')(torch.randn(1, 3, 4, 4))",
    "nn.Conv2d(3, 4, 1, padding=(-2, 0), padding_mode='replicate')(torch.randn(1, 3, 4, 4))",
    "nn.Conv2d(3, 4, 1, padding=-2, padding_mode='circular')(torch.randn(1, 3, 4, 4))",
    "nn.Conv2d(3, 4, 1, padding=(-3, 6), padding_mode='circular')(torch.randn(1, 3, 5, 5))",
    "nn.Conv2d(3, 4, 1, padding=(6, -3), padding_mode='circular')(torch.randn(1, 3, 5, 5))",
    "nn.Conv2d(3, 4, 1, padding=(-3, 1), padding_mode='circular')(torch.randn(1, 3, 5, 5))",
    "nn.Conv1d(3, 4, 1, padding=-3, padding_mode='reflect')(torch.randn(1, 3, 5))",
    "nn.Conv1d(3, 4, 1, padding=-3, padding_mode='circular')(torch.randn(1, 3, 5))",
    "nn.Conv1d(3, 4, 1, padding=-2, padding_mode='reflect')(torch.randn(1, 3, 4))",
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns about 'same' padding
@pytest.mark.parametrize("snippet", DEGENERATE)
def test_degenerate_geometry_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


def test_zero_size_kernel_is_refused_where_torch_misbehaves():
    """PyTorch's zero-batch path answers a zero-size kernel with an IndexError from inside
    its implementation, and its zero-channel path returns a (N, 0, ...) result; numtorch
    refuses the kernel in both cases (a zero-channel convolution otherwise gives
    (N, O, ...) zeros plus the bias: the empty sum)."""
    kernel = "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0"
    for x in ((0, 3, 9, 9), (1, 0, 9, 9)):
        w = (8, x[1], 0, 0)
        with pytest.raises(RuntimeError, match=kernel):
            numtorch.nn.functional.conv2d(numtorch.randn(*x), numtorch.randn(*w))
    with pytest.raises(IndexError):
        torch.nn.functional.conv2d(torch.randn(0, 3, 9, 9), torch.randn(8, 3, 0, 0))


@pytest.mark.parametrize(
    "mode, padding, shape",
    [
        ("reflect", -1, (2, 3, 6, 7)),
        ("replicate", (1, -1), (2, 3, 6, 7)),
        ("circular", (-1, 2), (2, 3, 6, 7)),
        ("reflect", (-1, 4), (2, 3, 6, 5)),  # reflects about the cropped-off first row
        ("circular", (2, -1), (3, 5, 5)),
    ],
)
def test_padding_modes_crop_a_negative_padding_like_torch(mode, padding, shape):
    ours, theirs = _twin("Conv2d", (3, 4, 3), {"padding": padding, "padding_mode": mode})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    nx, tx = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    n_out, t_out = ours(nx), theirs(tx)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-5, 1e-5)
    n_out.square().sum().backward()
    t_out.square().sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), 1e-4, 1e-4)


# ------------------------------------------------------------------ running out of memory

_MEMORY_LIMIT_SCRIPT = """
import resource, sys
import numpy as np
import numtorch

nn, F = numtorch.nn, numtorch.nn.functional
numtorch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(3, 16, 5, padding=2), nn.ReLU(), nn.Conv2d(16, 16, 5, padding=2), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10),
)
opt = numtorch.optim.SGD(net.parameters(), lr=0.01)


def step(n, size):
    opt.zero_grad()
    out = net(numtorch.randn(n, 3, size, size))
    F.cross_entropy(out, numtorch.randint(0, 10, (n,))).backward()
    opt.step()


def address_space():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))


step(8, 32)  # numba compiled, thread pools started
budget = 768 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (address_space() + budget, resource.RLIM_INFINITY))
for _ in range(3):  # the chunk that fails runs on one thread or another
    try:
        step(12, 384)  # a second conv's 236 MB im2col buffer per sample, on each thread
    except MemoryError:
        pass
    else:
        sys.exit("the huge batch was not refused")
    np.ones(int(0.85 * budget) // 8)  # the memory the refused batch used is back
step(8, 32)
print("ok")
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc")
def test_a_small_batch_trains_after_a_huge_one_is_refused_under_a_memory_limit():
    """The issue's scenario, in a process limited to 768 MB more than it uses: a training
    step on a huge batch fails with MemoryError inside the threaded convolution, and then
    the memory it held is available again and an 8-image batch trains."""
    env = {**os.environ, "NUMTORCH_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_LIMIT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=pathlib.Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


@pytest.mark.parametrize("on_main_thread", [False, True], ids=["pool-thread", "main-thread"])
def test_a_memory_error_in_a_conv_chunk_frees_the_call_s_arrays_at_once(
    monkeypatch, on_main_thread
):
    """With the garbage collector off, a conv net's arrays are freed as soon as a
    MemoryError raised in a chunk of its backward pass is handled: nothing is left in a
    reference cycle with the exception, and no thread is left running a chunk."""
    monkeypatch.setitem(conv_ops._par._state, "threads", 2)
    if not conv_ops._par._blas():
        monkeypatch.setitem(conv_ops._par._state, "blas", [None])
    x = numtorch.randn(32, 16, 32, 32)  # 2 MiB, and each activation too
    w1 = numtorch.randn(16, 16, 5, 5, requires_grad=True)  # 5x5: im2col on both kernel paths
    w2 = numtorch.randn(16, 16, 5, 5, requires_grad=True)

    def step():
        h = numtorch.relu(numtorch.nn.functional.conv2d(x, w1, padding=2))
        numtorch.nn.functional.conv2d(h, w2, padding=2).square().sum().backward()

    step()  # every thread's scratch buffers exist before the measurement
    real, refused = conv_ops._cols, []

    def refusing(ctx, x, n0, n1, ones_row=False):
        main = threading.current_thread() is threading.main_thread()
        if n0 > 0 and main == on_main_thread and not refused:
            refused.append(n0)
            raise MemoryError("refused")
        return real(ctx, x, n0, n1, ones_row)

    monkeypatch.setattr(conv_ops, "_cols", refusing)
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with contextlib.suppress(MemoryError):
            step()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
    assert refused, "no MemoryError was raised"
    assert held < 2**20, f"{held / 2**20:.1f} MiB still held"


# ------------------------------------------------------------------ nn.Conv2d / nn.Conv1d

MODULE_CONFIGS = [
    ((3, 64, 3), {"padding": 1}),
    ((3, 64, (3, 5)), {"stride": 2, "dilation": 2, "bias": False, "padding_mode": "reflect"}),
    ((4, 8, 3), {"padding": "same", "groups": 2}),
    ((4, 8, 3), {"padding": "valid"}),
    ((4, 8, 2), {"stride": (1, 2), "padding": (0, 1), "padding_mode": "circular"}),
    ((4, 8, 3), {"padding": 1, "padding_mode": "replicate"}),
]


def _twin(cls_name: str, args: tuple, kwargs: dict):
    """The same layer in both libraries, with numtorch's weights copied into PyTorch's."""
    ours = getattr(numtorch.nn, cls_name)(*args, **kwargs)
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("args, kwargs", MODULE_CONFIGS)
def test_conv2d_module_matches_torch(args, kwargs):
    ours, theirs = _twin("Conv2d", args, kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    x = np.random.default_rng(0).standard_normal((2, args[0], 11, 12)).astype(np.float32)
    nx, tx = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    n_out, t_out = ours(nx), theirs(tx)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-4, 1e-5)
    n_out.square().sum().backward()
    t_out.square().sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), 1e-4, 1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), 1e-4, 1e-3)


def test_padding_modes_on_unbatched_input_and_gradcheck():
    for mode in ("reflect", "replicate", "circular"):
        ours, theirs = _twin("Conv2d", (2, 3, 3), {"padding": (2, 1), "padding_mode": mode})
        x = np.random.default_rng(1).standard_normal((2, 4, 5)).astype(np.float32)
        np.testing.assert_allclose(
            ours(numtorch.tensor(x)).detach().numpy(),
            theirs(torch.tensor(x)).detach().numpy(),
            1e-5,
            1e-5,
        )

        def pad(lib, x, mode=mode):
            return lib.nn.functional.conv._pad_nonzero(x, (2, 1, 1, 2), mode)

        check_gradcheck(pad, (1, 2, 3, 4))


def test_conv1d_module_matches_torch():
    for kwargs in ({"padding": 1}, {"stride": 2, "padding_mode": "reflect", "padding": 2}):
        ours, theirs = _twin("Conv1d", (3, 4, 3), kwargs)
        assert repr(ours) == repr(theirs)
        x = np.random.default_rng(0).standard_normal((2, 3, 9)).astype(np.float32)
        np.testing.assert_allclose(
            ours(numtorch.tensor(x)).detach().numpy(),
            theirs(torch.tensor(x)).detach().numpy(),
            1e-5,
            1e-5,
        )


def test_conv2d_default_init_bounds_and_attributes():
    conv = numtorch.nn.Conv2d(3, 16, (3, 5), groups=1)
    bound = 1 / math.sqrt(3 * 3 * 5)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.shape == (16, 3, 3, 5) and b.shape == (16,) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and len(np.unique(b)) == 16
    assert conv.weight.requires_grad and conv.bias.requires_grad
    assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == (
        (3, 5), (1, 1), (0, 0), (1, 1),
    )  # fmt: skip
    assert conv.in_channels == 3 and conv.out_channels == 16 and conv.groups == 1
    assert numtorch.nn.Conv2d(2, 2, 1, dtype=numtorch.float64).weight.dtype == numtorch.float64


def test_conv2d_init_is_seeded():
    numtorch.manual_seed(3)
    a = numtorch.nn.Conv2d(2, 4, 3).weight.detach().numpy().copy()
    numtorch.manual_seed(3)
    assert np.array_equal(a, numtorch.nn.Conv2d(2, 4, 3).weight.detach().numpy())


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((3, 64, 3), {"padding_mode": "foo"}, "padding_mode must be one of .*, but got "
         "padding_mode='foo'"),
        ((3, 64, 3), {"groups": 2}, "in_channels must be divisible by groups"),
        ((4, 6, 3), {"groups": 4}, "out_channels must be divisible by groups"),
        ((4, 6, 3), {"groups": 0}, "groups must be a positive integer"),
        ((4, 6, 3), {"groups": -1}, "groups must be a positive integer"),
        ((4, 6, 3), {"stride": 2, "padding": "same"},
         "padding='same' is not supported for strided convolutions"),
        ((4, 6, 3), {"padding": "foo"}, "Invalid padding string 'foo', should be one of"),
    ],
)  # fmt: skip
def test_conv2d_module_errors_like_torch(args, kwargs, match):
    _raises_like_torch(lambda lib: lib.nn.Conv2d(*args, **kwargs), ValueError, match)


def test_conv_module_type_and_padding_mode_errors():
    with pytest.raises(TypeError, match="argument 'in_channels' must be int, not float"):
        numtorch.nn.Conv2d(2.5, 4, 3)
    _raises_like_torch(
        lambda lib: lib.nn.Conv2d(4, 6, 3, padding_mode="reflect", padding=3)(
            lib.zeros(1, 4, 3, 3)
        ),
        RuntimeError,
        "Padding size should be less than the corresponding input dimension, but got: padding "
        "\\(3, 3\\) at dimension 3 of input \\[1, 4, 3, 3\\]",
    )
    _raises_like_torch(
        lambda lib: lib.nn.Conv2d(4, 6, 3, padding_mode="circular", padding=4)(
            lib.zeros(1, 4, 3, 3)
        ),
        RuntimeError,
        "Padding value causes wrapping around more than once.",
    )


@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d"])
def test_conv_forward_takes_a_given_weight_like_torch(cls):
    """``_conv_forward(input, weight, bias)``: what weight-standardised layers override
    ``forward`` with; the padding mode still applies."""
    ours, theirs = _twin(cls, (3, 4, 3), {"padding": 1, "padding_mode": "reflect"})
    shape = (2, 3, 7) if cls == "Conv1d" else (2, 3, 6, 7)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    w = ours.weight.detach().numpy() * 2
    n_out = ours._conv_forward(numtorch.tensor(x), numtorch.tensor(w), None)
    t_out = theirs._conv_forward(torch.tensor(x), torch.tensor(w), None)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-5, 1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_with_zero_input_channels_gives_the_bias(dtype):
    """No input channels: every output is the bias, even after a convolution left other values
    in the reused column buffers (the bias rides in the GEMM against a row of ones)."""
    dirty = numtorch.tensor(np.full((2, 4, 5, 5), 7, dtype))
    numtorch.nn.functional.conv2d(dirty, numtorch.tensor(np.full((3, 4, 3, 3), 7, dtype)))
    x, w = (
        numtorch.tensor(np.zeros((2, 0, 5, 5), dtype)),
        numtorch.tensor(np.zeros((3, 0, 3, 3), dtype)),
    )
    b = numtorch.tensor(np.array([1, 2, 3], dtype))
    out = numtorch.nn.functional.conv2d(x, w, b).numpy()
    assert out.shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(
        out,
        np.broadcast_to(np.array([1, 2, 3], dtype)[:, None, None], out.shape[1:])[None].repeat(
            2, 0
        ),
    )
