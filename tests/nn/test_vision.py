"""``pixel_shuffle``/``pixel_unshuffle``, ``channel_shuffle``, ``affine_grid`` and
``grid_sample`` against PyTorch: values, gradients (input and grid), float64 gradcheck, layer
reprs and validation messages."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_saved_versions

# ------------------------------------------------------------------ shuffles

SHUFFLES = [
    (lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), (2, 8, 3, 4)),
    (lambda lib, x: lib.nn.functional.pixel_shuffle(x, 3), (9, 2, 3)),
    (lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), (2, 1, 4, 2, 3)),
    (lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 2), (2, 3, 4, 6)),
    (lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 3), (1, 2, 3, 6, 9)),
    (lambda lib, x: lib.nn.functional.channel_shuffle(x, 2), (2, 6, 3)),
    (lambda lib, x: lib.nn.functional.channel_shuffle(x, 3), (1, 6, 2, 3, 2)),
    (lambda lib, x: lib.nn.PixelShuffle(2)(x), (1, 4, 2, 3)),
    (lambda lib, x: lib.nn.PixelUnshuffle(2)(x), (1, 1, 4, 6)),
    (lambda lib, x: lib.nn.ChannelShuffle(4)(x), (2, 8, 3, 3)),
]


@pytest.mark.parametrize("fn, shape", SHUFFLES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shuffles_match_torch(fn, shape, dtype):
    check_op(fn, shape, dtype=dtype, rtol=0, atol=0)


@pytest.mark.parametrize("fn, shape", SHUFFLES[::3])
def test_shuffles_gradcheck(fn, shape):
    check_gradcheck(fn, shape)


def test_shuffle_reprs_and_node_names():
    for name, arg in (("PixelShuffle", 3), ("PixelUnshuffle", 2), ("ChannelShuffle", 2)):
        assert repr(getattr(numtorch.nn, name)(arg)) == repr(getattr(torch.nn, name)(arg))
    x = numtorch.randn(1, 8, 4, 4, requires_grad=True)
    F = numtorch.nn.functional
    assert F.pixel_shuffle(x, 2).grad_fn.name() == "PixelShuffleBackward0"
    assert F.pixel_unshuffle(x, 2).grad_fn.name() == "PixelUnshuffleBackward0"
    assert F.channel_shuffle(x, 2).grad_fn.name() == "ChannelShuffleBackward0"


SHUFFLE_ERRORS = [
    (lambda F, x: F.pixel_shuffle(x, 3), r"divisible by the square of upscale_factor"),
    (lambda F, x: F.pixel_shuffle(x[0, 0], 2), r"at least 3 dimensions, but got input with 2"),
    (lambda F, x: F.pixel_shuffle(x, 0), r"expects a positive upscale_factor, but got 0"),
    (lambda F, x: F.pixel_shuffle(x, 2.0), r"'upscale_factor' \(position 2\) must be int"),
    (lambda F, x: F.pixel_unshuffle(x, 3), r"height to be divisible by downscale_factor"),
    (lambda F, x: F.pixel_unshuffle(x[..., :5], 2), r"input.size\(-1\)=5 is not divisible by 2"),
    (lambda F, x: F.pixel_unshuffle(x, -1), r"positive downscale_factor, but got -1"),
    (lambda F, x: F.channel_shuffle(x, 3), r"Got 8 channels and 3 groups"),
    (lambda F, x: F.channel_shuffle(x, 0), r"must be positive. Value of groups:0"),
    (lambda F, x: F.channel_shuffle(x[0, 0], 2), r"expects input with > 2 dims, .* \[4, 6\]"),
    (lambda F, x: F.channel_shuffle(x, 2.0), r"'groups' \(position 2\) must be int, not float"),
]


@pytest.mark.parametrize("fn, match", SHUFFLE_ERRORS)
def test_shuffle_errors_match_torch(fn, match):
    data = np.zeros((2, 8, 4, 6), np.float32)
    check_error(lambda lib: fn(lib.nn.functional, lib.tensor(data)), match)


# ------------------------------------------------------------------ affine_grid


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 3, 4, 5)])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_grid_matches_torch(size, align, dtype):
    nd = len(size) - 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unit-size grids with align_corners warn
        check_op(
            lambda lib, t: lib.nn.functional.affine_grid(t, size, align_corners=align),
            (2, nd, nd + 1),
            dtype=dtype,
        )


def test_affine_grid_gradcheck_and_warnings():
    check_gradcheck(
        lambda lib, t: lib.nn.functional.affine_grid(t, (2, 1, 3, 4), align_corners=False),
        (2, 2, 3),
    )
    theta = numtorch.randn(1, 2, 3)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        numtorch.nn.functional.affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="for unit-size grids when align_corners=True"):
        numtorch.nn.functional.affine_grid(theta, (1, 1, 1, 2), align_corners=True)


AFFINE_ERRORS = [
    (lambda F, t: F.affine_grid(t.long(), (2, 3, 4, 5), False), "floating point type"),
    (lambda F, t: F.affine_grid(t, (2, 3, 4, 5, 6), False), r"shape Nx3x4 for size"),
    (lambda F, t: F.affine_grid(t, (2, 3, 4), False), r"only supports 4D and 5D sizes"),
    (lambda F, t: F.affine_grid(t[:, :1], (2, 3, 4, 5), False), r"shape Nx2x3 for size"),
    (lambda F, t: F.affine_grid(t, (2, 3, 0, 5), False), r"non-zero, positive output size"),
    (lambda F, t: F.affine_grid(t, (3, 3, 4, 5), False), r"tensor to be: \[3, 3\] but got"),
]


@pytest.mark.parametrize("fn, match", AFFINE_ERRORS)
def test_affine_grid_errors_match_torch(fn, match):
    data = np.zeros((2, 2, 3), np.float32)
    check_error(lambda lib: fn(lib.nn.functional, lib.tensor(data)), match)


# ------------------------------------------------------------------ grid_sample


def _grid(shape: tuple, seed: int = 3) -> np.ndarray:
    """Locations inside and beyond [-1, 1], so every padding mode is exercised."""
    return np.random.default_rng(seed).uniform(-1.6, 1.6, shape).astype(np.float32)


GRID_CASES = [
    (mode, pad, align, nd)
    for nd in (2, 3)
    for mode, pad, align in itertools.product(
        ("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"), (False, True)
    )
    if not (nd == 3 and mode == "bicubic")
]


@pytest.mark.parametrize("mode, pad, align, nd", GRID_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample_matches_torch(mode, pad, align, nd, dtype):
    spatial, out = (3, 4, 5)[-nd:], (4, 3, 2)[-nd:]
    fn = lambda lib, x, g: lib.nn.functional.grid_sample(  # noqa: E731
        x, g, mode=mode, padding_mode=pad, align_corners=align
    )
    check_op(fn, (2, 3) + spatial, _grid((2,) + out + (nd,)), dtype=dtype, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode, pad, align, nd", GRID_CASES[::2])
def test_grid_sample_gradcheck(mode, pad, align, nd):
    # a grid away from the kinks (pixel centres, borders) where the derivative jumps
    g = np.random.default_rng(5).uniform(-0.9, 0.9, (1,) + (3, 2, 2)[-nd:] + (nd,))
    fn = lambda lib, x, g: lib.nn.functional.grid_sample(  # noqa: E731
        x, g, mode=mode, padding_mode=pad, align_corners=align
    )
    check_gradcheck(fn, (1, 2) + (3, 4, 3)[-nd:], g)


def test_grid_sample_node_names_empty_and_warning():
    x = numtorch.randn(1, 2, 3, 4, requires_grad=True)
    g = numtorch.zeros(1, 2, 2, 2)
    F = numtorch.nn.functional
    assert F.grid_sample(x, g, align_corners=True).grad_fn.name() == "GridSampler2DBackward0"
    x3 = numtorch.randn(1, 2, 3, 4, 2, requires_grad=True)
    out = F.grid_sample(x3, numtorch.zeros(1, 2, 2, 2, 3), align_corners=True)
    assert out.grad_fn.name() == "GridSampler3DBackward0"
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.grid_sample(x, g)
    for shape, gshape in (((0, 2, 3, 4), (0, 2, 2, 2)), ((1, 2, 3, 4), (1, 0, 2, 2))):
        check_op(
            lambda lib, x, g: lib.nn.functional.grid_sample(x, g, align_corners=False),
            shape,
            gshape,
        )


GRID_ERRORS = [
    (lambda F, x, g: F.grid_sample(x, g[:1], align_corners=False), "same batch size"),
    (lambda F, x, g: F.grid_sample(x, g[..., :1], align_corners=False), "size 2 in last dim"),
    (lambda F, x, g: F.grid_sample(x, g[:, None], align_corners=False), "expected 4D input"),
    (lambda F, x, g: F.grid_sample(x[:, :, :0], g, align_corners=False), "non-empty spatial"),
    (lambda F, x, g: F.grid_sample(x, g, mode="foo"), "expected mode to be 'bilinear'"),
    (lambda F, x, g: F.grid_sample(x, g, padding_mode="foo"), "expected padding_mode to be"),
    (lambda F, x, g: F.grid_sample(x, g.double(), align_corners=False), "expected scalar type"),
    (lambda F, x, g: F.grid_sample(x.long(), g.long(), align_corners=False), "not implemented"),
    (
        lambda F, x, g: F.grid_sample(
            x[None], F.pad(g[None], (0, 1)), mode="bicubic", align_corners=False
        ),
        "bicubic interpolation only supports 4D input",
    ),
]


@pytest.mark.parametrize("fn, match", GRID_ERRORS)
def test_grid_sample_errors_match_torch(fn, match):
    x, g = np.zeros((2, 3, 4, 5), np.float32), _grid((2, 3, 3, 2))
    check_error(lambda lib: fn(lib.nn.functional, lib.tensor(x), lib.tensor(g)), match)


def test_in_place_changes_like_torch():
    g = _grid((1, 2, 3, 2))
    fn = lambda lib, x, g: lib.nn.functional.grid_sample(x, g, align_corners=False)  # noqa: E731
    check_saved_versions(fn, (1, 2, 3, 4), g)
    check_saved_versions(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), (1, 4, 2, 3))
    check_saved_versions(
        lambda lib, t: lib.nn.functional.affine_grid(t, (1, 1, 2, 3), align_corners=True),
        (1, 2, 3),
    )
