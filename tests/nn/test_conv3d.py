"""F.conv3d and nn.Conv3d against PyTorch: values, gradients, gradcheck, padding modes, init,
repr, state_dict and validation messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import (
    check_error,
    check_gradcheck,
    check_op,
    check_saved_versions,
    snippet_outcome,
)

GRID = [
    # x shape, w shape (O, C/G, kd, kh, kw), kwargs
    ((2, 3, 4, 5, 6), (4, 3, 3, 3, 3), {}),
    ((2, 3, 4, 5, 6), (4, 3, 3, 3, 3), {"padding": 1}),
    ((2, 4, 6, 7, 5), (6, 2, 3, 2, 3), {"stride": (2, 1, 2), "padding": (1, 0, 2),
                                        "dilation": (2, 1, 1), "groups": 2}),
    ((2, 4, 5, 5, 5), (4, 1, 3, 3, 3), {"groups": 4, "padding": 1, "stride": 2}),  # depthwise
    ((2, 3, 4, 5, 6), (4, 3, 2, 4, 3), {"padding": "same", "dilation": (2, 1, 2)}),
    ((2, 3, 4, 5, 6), (4, 3, 2, 2, 2), {"padding": "valid"}),
    ((3, 4, 5, 6), (2, 3, 1, 1, 1), {}),  # unbatched, 1x1x1
    ((1, 2, 3, 3, 3), (2, 2, 3, 3, 3), {}),  # kernel equals input
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns about 'same' padding
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", GRID)
def test_conv3d_matches_torch(xs, ws, kw, bias):
    specs = (xs, ws, (ws[0],)) if bias else (xs, ws)
    fn = lambda lib, x, w, *b: lib.nn.functional.conv3d(x, w, *b, **kw)  # noqa: E731
    check_op(fn, *specs, rtol=1e-4, atol=1e-5)


def test_conv3d_float64_non_contiguous_and_empty_batch():
    fn = lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, 2, 1, 1, 3)  # noqa: E731
    check_op(fn, (2, 3, 5, 4, 5), (6, 1, 3, 3, 3), (6,), dtype=np.float64, rtol=1e-10, atol=1e-12)
    nc = lambda lib, x, w: lib.nn.functional.conv3d(x.transpose(2, 4), w, padding=1)  # noqa: E731
    check_op(nc, (2, 3, 5, 4, 3), (4, 3, 3, 3, 3), rtol=1e-4, atol=1e-5)
    check_op(lambda lib, x, w: lib.nn.functional.conv3d(x, w), (0, 3, 4, 4, 4), (2, 3, 2, 2, 2))


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        ((1, 2, 3, 4, 3), (2, 2, 2, 2, 2), {"stride": (2, 1, 1), "padding": (1, 0, 1)}),
        ((2, 2, 4, 3, 3), (2, 1, 2, 2, 2), {"groups": 2, "dilation": (2, 1, 1), "padding": 1}),
    ],
)
def test_conv3d_gradcheck(xs, ws, kw):
    fn = lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, **kw)  # noqa: E731
    check_gradcheck(fn, xs, ws, (ws[0],))


ERRORS = [
    "F.conv3d(torch.randn(2, 4, 2, 5, 5), torch.randn(4, 4, 3, 3, 3))",
    "F.conv3d(torch.randn(2, 4, 5, 5), torch.randn(4, 4, 3, 3, 3))",
    "F.conv3d(torch.randn(2, 4, 0, 5, 5), torch.randn(4, 4, 1, 3, 3))",
    "F.conv3d(torch.randn(1, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), dilation=0)",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), stride=0)",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), padding=-1)",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), stride=2, padding='same')",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), padding=(1, 1))",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 2, 3, 3, 3), groups=3)",
    "F.conv3d(torch.randn(2, 4, 5, 5, 5), torch.randn(4, 4, 3, 3, 3), torch.randn(3))",
    "F.conv3d(torch.randn(2, 4, 5, 5), torch.randn(4, 4, 3, 3))",
    "F.conv3d(torch.randn(4, 5, 5), torch.randn(4, 4, 3, 3, 3))",
    "nn.Conv3d(4, 4, 3, padding=1, padding_mode='reflect')(torch.randn(1, 4, 5, 5, 5))",
    "nn.Conv3d(4, 4, 3, padding=1, padding_mode='replicate')(torch.randn(4, 5, 5, 5))",
    "nn.Conv3d(4, 4, 3, padding=3, padding_mode='circular')(torch.randn(1, 4, 2, 5, 5))",
    "nn.Conv3d(4, 6, 3, groups=4)",
]


@pytest.mark.parametrize("snippet", ERRORS)
def test_conv3d_errors_and_shapes_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)


def test_conv3d_module_padding_mode_error_like_torch():
    check_error(  # the set of modes prints in either order
        lambda lib: lib.nn.Conv3d(4, 6, 3, padding_mode="foo"),
        "padding_mode must be one of .*, but got padding_mode='foo'",
    )


MODULE_CONFIGS = [
    ((3, 8, 3), {"padding": 1}),
    ((4, 8, (3, 2, 3)), {"stride": 2, "dilation": (1, 2, 1), "groups": 2, "bias": False}),
    ((4, 8, 3), {"padding": "same"}),
    ((4, 8, 3), {"padding": (1, 2, 1), "padding_mode": "reflect"}),
    ((4, 8, 3), {"padding": 1, "padding_mode": "replicate", "stride": (1, 2, 2)}),
    ((4, 8, 2), {"padding": (2, 1, 0), "padding_mode": "circular"}),
]


@pytest.mark.parametrize("args, kwargs", MODULE_CONFIGS)
def test_conv3d_module_matches_torch(args, kwargs):
    ours = numtorch.nn.Conv3d(*args, **kwargs)
    theirs = torch.nn.Conv3d(*args, **kwargs)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    x = np.random.default_rng(0).standard_normal((2, args[0], 5, 6, 7)).astype(np.float32)
    nx, tx = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    n_out, t_out = ours(nx), theirs(tx)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-4, 1e-5)
    n_out.square().sum().backward()
    t_out.square().sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), 1e-4, 1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), 1e-4, 1e-3)


def test_conv3d_padding_modes_gradcheck():
    for mode in ("reflect", "replicate", "circular"):

        def pad(lib, x, mode=mode):
            return lib.nn.functional.conv._pad_nonzero(x, (1, 2, 2, 1, 1, 1), mode)

        check_gradcheck(pad, (1, 2, 3, 4, 3))


def test_conv3d_default_init_bounds():
    conv = numtorch.nn.Conv3d(3, 16, (3, 5, 2))
    bound = 1 / math.sqrt(3 * 3 * 5 * 2)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.shape == (16, 3, 3, 5, 2) and b.shape == (16,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound


def test_conv3d_refuses_an_input_changed_in_place_like_torch():
    fn = lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, padding=1)  # noqa: E731
    outcomes = dict(check_saved_versions(fn, (1, 2, 3, 3, 3), (3, 2, 3, 3, 3), (3,)))
    assert outcomes["input 0 changed in place"] == "refused"
