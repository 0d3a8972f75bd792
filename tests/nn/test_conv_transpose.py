"""F.conv_transpose1d/2d/3d and nn.ConvTranspose1d/2d/3d against PyTorch: values, gradients
(input, weight, bias), gradcheck, init, repr, state_dict, ``output_size=`` and every
validation message."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from numtorch.ops import conv as conv_ops
from tests.helpers import (
    check_error,
    check_gradcheck,
    check_op,
    check_saved_versions,
    snippet_outcome,
)

# ------------------------------------------------------------------ F.conv_transpose2d

GRID_2D = [
    # x shape, w shape (C_in, C_out/G, kh, kw), kwargs
    ((2, 4, 5, 6), (4, 3, 3, 3), {}),
    ((2, 4, 5, 6), (4, 3, 4, 4), {"stride": 2, "padding": 1}),  # the DCGAN upsampler
    ((2, 4, 5, 6), (4, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 5, 6), (4, 3, 3, 2), {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)}),
    ((2, 4, 5, 5), (4, 2, 3, 3), {"groups": 2, "dilation": 2, "padding": 2}),
    ((2, 4, 5, 5), (4, 1, 3, 3), {"groups": 4, "stride": 2}),  # depthwise
    ((1, 3, 4, 4), (3, 2, 3, 3), {"dilation": 2, "output_padding": 1}),  # op < dilation
    ((2, 3, 4, 5), (3, 5, 1, 1), {}),
    ((2, 3, 3, 3), (3, 2, 2, 2), {"stride": 2}),  # pixel-shuffle-like, no overlap
    ((1, 2, 1, 1), (2, 3, 4, 4), {}),  # 1x1 latent to 4x4 (a generator's first layer)
    ((2, 3, 6, 6), (3, 2, 5, 3), {"stride": 3, "padding": (2, 1), "dilation": (1, 2)}),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", GRID_2D)
def test_conv_transpose2d_matches_torch(xs, ws, kw, bias):
    groups = kw.get("groups", 1)
    specs = (xs, ws, (ws[1] * groups,)) if bias else (xs, ws)
    fn = lambda lib, x, w, *b: lib.nn.functional.conv_transpose2d(x, w, *b, **kw)  # noqa: E731
    check_op(fn, *specs, rtol=1e-4, atol=1e-5)


def test_conv_transpose2d_float64_unbatched_non_contiguous_and_positional():
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, 2, 1, 1, 2, 1)  # noqa: E731
    check_op(fn, (2, 4, 5, 5), (4, 3, 3, 3), (6,), dtype=np.float64, rtol=1e-10, atol=1e-12)
    check_op(fn, (4, 5, 5), (4, 3, 3, 3), (6,), rtol=1e-4, atol=1e-5)
    nc = lambda lib, x, w: lib.nn.functional.conv_transpose2d(x.transpose(2, 3), w, stride=2)  # noqa: E731
    check_op(nc, (2, 3, 6, 5), (3, 4, 3, 3), rtol=1e-4, atol=1e-5)
    sliced = lambda lib, x, w: lib.nn.functional.conv_transpose2d(x[:, ::2, 1:], w)  # noqa: E731
    check_op(sliced, (2, 6, 6, 5), (3, 4, 2, 2), rtol=1e-4, atol=1e-5)


def test_conv_transpose2d_empty_batch_and_integer_input():
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, stride=2)  # noqa: E731
    check_op(fn, (0, 3, 5, 5), (3, 4, 3, 3), (4,))
    x, w = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4), np.ones((3, 2, 2, 2), dtype=np.int64)
    ours = numtorch.nn.functional.conv_transpose2d(numtorch.tensor(x), numtorch.tensor(w), stride=2)
    theirs = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2)
    assert ours.dtype == numtorch.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_conv_transpose2d_in_chunks_of_one_sample(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 0)
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, 2, 1, 1, 2)  # noqa: E731
    check_op(fn, (3, 4, 5, 4), (4, 2, 3, 3), (4,), rtol=1e-4, atol=1e-5)


def test_conv_transpose2d_computes_only_the_gradients_asked_for():
    x, w = numtorch.randn(2, 3, 5, 5), numtorch.randn(3, 4, 3, 3, requires_grad=True)
    out = numtorch.nn.functional.conv_transpose2d(x, w, stride=2)
    assert out.grad_fn.name() == "ConvolutionBackward0"
    out.square().sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.nn.functional.conv_transpose2d(
        torch.tensor(x.numpy()), tw, stride=2
    ).square().sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        (
            (1, 2, 3, 4),
            (2, 3, 2, 3),
            {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)},
        ),
        ((2, 4, 3, 3), (4, 1, 3, 2), {"groups": 2, "dilation": 2, "padding": 1}),
        ((1, 2, 2, 2), (2, 2, 3, 3), {"stride": 3, "output_padding": 2}),
    ],
)
def test_conv_transpose2d_gradcheck(xs, ws, kw):
    groups = kw.get("groups", 1)
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, **kw)  # noqa: E731
    check_gradcheck(fn, xs, ws, (ws[1] * groups,))


# ------------------------------------------------------------------ 1-D and 3-D


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        ((2, 4, 7), (4, 3, 3), {}),
        ((2, 4, 7), (4, 3, 3), {"stride": 3, "padding": 1, "output_padding": 2, "dilation": 2,
                                "groups": 2}),
        ((4, 6), (4, 2, 4), {"stride": 2, "padding": 1}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_transpose1d_matches_torch(xs, ws, kw, dtype):
    groups = kw.get("groups", 1)
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose1d(x, w, b, **kw)  # noqa: E731
    check_op(fn, xs, ws, (ws[1] * groups,), dtype=dtype, rtol=1e-4, atol=1e-5)


def test_conv_transpose1d_gradcheck():
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose1d(x, w, b, 2, 1, 1)  # noqa: E731
    check_gradcheck(fn, (2, 2, 4), (2, 3, 3), (3,))


GRID_3D = [
    ((2, 4, 3, 4, 5), (4, 3, 3, 3, 3), {}),
    ((2, 4, 3, 4, 5), (4, 3, 3, 2, 3), {"stride": (2, 1, 2), "padding": (1, 0, 1),
                                        "output_padding": (1, 0, 1), "dilation": (2, 1, 1),
                                        "groups": 2}),
    ((4, 3, 4, 5), (4, 1, 2, 2, 3), {"stride": 2, "groups": 4}),
    ((1, 2, 2, 2, 2), (2, 3, 4, 4, 4), {"stride": 2, "padding": 1}),
]  # fmt: skip


@pytest.mark.parametrize("xs, ws, kw", GRID_3D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_transpose3d_matches_torch(xs, ws, kw, dtype):
    groups = kw.get("groups", 1)
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose3d(x, w, b, **kw)  # noqa: E731
    check_op(fn, xs, ws, (ws[1] * groups,), dtype=dtype, rtol=1e-4, atol=1e-5)


def test_conv_transpose3d_gradcheck():
    fn = lambda lib, x, w, b: lib.nn.functional.conv_transpose3d(  # noqa: E731
        x, w, b, stride=(2, 1, 1), padding=(1, 0, 1), output_padding=(1, 0, 0), groups=2
    )
    check_gradcheck(fn, (1, 2, 2, 3, 2), (2, 1, 3, 2, 2), (2,))


# ------------------------------------------------------------------ errors

F_ERRORS = [
    "F.conv_transpose2d(torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), output_padding=1)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), stride=2, "
    "output_padding=2)",
    "F.conv_transpose1d(torch.randn(2, 4, 5), torch.randn(4, 3, 3), output_padding=1)",
    "F.conv_transpose3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 3, 3, 3, 3), output_padding=1)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), stride=0)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), padding=-1)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), output_padding=-1)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), padding=-1, "
    "output_padding=-1, stride=0)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), output_padding=-1, "
    "stride=0)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), groups=0, stride=0)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), groups=3)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), torch.randn(4))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 3, 3, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), padding='same')",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), stride=(1, 2, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), "
    "output_padding=(1, 1, 1))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), stride=1.5)",
    "F.conv_transpose2d(torch.randn(2, 0, 5, 5), torch.randn(0, 3, 3, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 0, 5), torch.randn(4, 3, 3, 3))",
    # the double path's words (the float32 one is oneDNN's)
    "F.conv_transpose2d(torch.randn(2, 4, 1, 1).double(), torch.randn(4, 3, 3, 3).double(), "
    "padding=3)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5).double(), torch.randn(4, 3, 0, 3).double())",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5).double(), torch.randn(4, 3, 3, 3).double(), "
    "dilation=0)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), dilation=-1)",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5).double(), torch.randn(4, 3, 3, 3).double(), "
    "dilation=(1, 0))",
    "F.conv_transpose1d(torch.randn(2, 4, 1).double(), torch.randn(4, 3, 3).double(), padding=3)",
    # shapes that work
    "F.conv_transpose2d(torch.randn(0, 4, 5, 5), torch.randn(4, 3, 3, 3))",
    "F.conv_transpose2d(torch.randn(2, 4, 5, 5), torch.randn(4, 3, 3, 3), dilation=2, "
    "output_padding=1)",
    "F.conv_transpose3d(torch.randn(4, 5, 5, 5), torch.randn(4, 3, 3, 3, 3), stride=2, "
    "output_padding=1)",
    # the modules
    "nn.ConvTranspose2d(4, 3, 3, padding_mode='reflect')",
    "nn.ConvTranspose1d(4, 3, 3, padding_mode='circular')",
    "nn.ConvTranspose2d(4, 3, 3, groups=2)",
    "nn.ConvTranspose2d(4, 3, 3)(torch.randn(1, 4, 5, 5), output_size=(1, 2, 3))",
    "nn.ConvTranspose2d(4, 3, 3)(torch.randn(4, 5, 5), output_size=(1, 2, 3, 4))",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.randn(1, 4, 5, 5), output_size=(20, 20))",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.randn(1, 4, 5, 5), output_size=[10, 11])",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.randn(4, 5, 5), output_size=[3, 12, 12])",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.randn(1, 4, 5, 5), output_size=[1, 3, 12, 11])",
    "nn.ConvTranspose1d(4, 3, 3, stride=3)(torch.randn(1, 4, 5), output_size=[17])",
    "nn.ConvTranspose3d(4, 3, 3, stride=2)(torch.randn(1, 4, 2, 2, 2), output_size=[6, 5, 6])",
]


@pytest.mark.parametrize("snippet", F_ERRORS)
def test_conv_transpose_errors_and_shapes_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


def test_conv_transpose2d_dtype_error_like_torch():
    check_error(
        lambda lib: lib.nn.functional.conv_transpose2d(
            lib.zeros(2, 4, 5, 5), lib.zeros(4, 3, 3, 3).double()
        ),
        "Input type \\(torch.FloatTensor\\) and weight type \\(torch.DoubleTensor\\) should be "
        "the same",
    )


# ------------------------------------------------------------------ nn.ConvTranspose*d

MODULE_CONFIGS = [
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("ConvTranspose2d", (4, 6, 4), {"stride": 2, "padding": 1, "bias": False}),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"groups": 2, "dilation": (2, 1)}),
    ("ConvTranspose2d", (4, 6, 3), {}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose3d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": (1, 2, 1)}),
]
_SPATIAL = {"1": (9,), "2": (7, 8), "3": (3, 4, 5)}


def _twin(cls_name: str, args: tuple, kwargs: dict):
    """The same layer in both libraries, with numtorch's weights copied into PyTorch's."""
    ours = getattr(numtorch.nn, cls_name)(*args, **kwargs)
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("cls, args, kwargs", MODULE_CONFIGS)
def test_conv_transpose_module_matches_torch(cls, args, kwargs):
    ours, theirs = _twin(cls, args, kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert ours.transposed and ours.output_padding == theirs.output_padding
    shape = (2, args[0], *_SPATIAL[cls[-2]])
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    nx, tx = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    n_out, t_out = ours(nx), theirs(tx)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-4, 1e-5)
    n_out.square().sum().backward()
    t_out.square().sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), 1e-4, 1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), 1e-4, 1e-3)
    if ours.bias is not None:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), 1e-4, 1e-3)


def test_conv_transpose_output_size_like_torch():
    ours, theirs = _twin("ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1})
    x = np.random.default_rng(0).standard_normal((1, 4, 5, 5)).astype(np.float32)
    for size in ([9, 10], (1, 3, 10, 9), numtorch.Size([10, 10])):
        t_size = list(size)
        n_out = ours(numtorch.tensor(x), output_size=size)
        t_out = theirs(torch.tensor(x), output_size=t_size)
        assert tuple(n_out.shape) == tuple(t_out.shape)
        np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-5, 1e-5)


def test_conv_transpose_default_init_uses_the_transposed_fan():
    """PyTorch's fan is that of the (C_in, C_out/G, *k) weight: C_out/G * kh * kw."""
    conv = numtorch.nn.ConvTranspose2d(16, 6, (3, 5), groups=2)
    bound = 1 / math.sqrt(3 * 3 * 5)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.shape == (16, 3, 3, 5) and b.shape == (6,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert numtorch.nn.ConvTranspose3d(2, 2, 1, dtype=numtorch.float64).weight.dtype == (
        numtorch.float64
    )
    numtorch.manual_seed(3)
    a = numtorch.nn.ConvTranspose2d(2, 4, 3).weight.detach().numpy().copy()
    numtorch.manual_seed(3)
    assert np.array_equal(a, numtorch.nn.ConvTranspose2d(2, 4, 3).weight.detach().numpy())


def test_conv_transpose_inverts_the_shape_of_a_strided_conv():
    """The autoencoder round trip: a stride-2 conv and its transpose, with ``output_size``
    picking the size the conv came from."""
    down = numtorch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
    up = numtorch.nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
    x = numtorch.randn(2, 3, 10, 10)
    assert up(down(x), output_size=x.shape).shape == x.shape


def test_output_padding_has_torch_s_signature():
    """Subclasses (quantised and custom layers) call ``_output_padding`` with PyTorch's
    arguments."""
    args = (4, 3, 3)
    ours, theirs = (lib.nn.ConvTranspose2d(*args, stride=2) for lib in (numtorch, torch))
    for size in (None, [12, 11]):
        got = ours._output_padding(numtorch.zeros(1, 4, 5, 5), size, [2, 2], [0, 0], [3, 3], 2)
        want = theirs._output_padding(torch.zeros(1, 4, 5, 5), size, [2, 2], [0, 0], [3, 3], 2)
        assert list(got) == list(want)


@pytest.mark.parametrize(
    "fn, specs",
    [
        (lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, stride=2),
         ((1, 2, 3, 3), (2, 3, 3, 3), (3,))),
        (lambda lib, x, w: lib.nn.functional.conv_transpose1d(x, w), ((1, 2, 3), (2, 3, 2))),
    ],
)  # fmt: skip
def test_conv_transpose_refuses_an_input_changed_in_place_like_torch(fn, specs):
    outcomes = dict(check_saved_versions(fn, *specs))
    assert outcomes["input 0 changed in place"] == "refused"
