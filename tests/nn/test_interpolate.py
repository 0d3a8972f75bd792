"""``F.interpolate``, the deprecated ``upsample*`` functions and the ``Upsample`` layers
against PyTorch: every mode, size and scale_factor paths, coordinate quirks, gradients,
float64 gradcheck, reprs and validation messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_saved_versions

CASES = [
    ("nearest", (2, 3, 5), {"size": 9}),
    ("nearest", (2, 3, 5, 4), {"scale_factor": 2}),
    ("nearest", (2, 3, 5, 4), {"scale_factor": (2.84, 2.12)}),  # 2x by the backward's rule
    ("nearest", (2, 3, 4, 4), {"scale_factor": 1.3}),
    ("nearest", (1, 2, 3, 5, 4), {"size": (5, 2, 7)}),
    ("nearest", (1, 2, 3, 5, 4), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    ("nearest-exact", (2, 3, 5), {"scale_factor": 0.6}),
    ("nearest-exact", (2, 3, 5, 4), {"size": (7, 3)}),
    ("nearest-exact", (1, 2, 3, 5, 4), {"scale_factor": (1.5, 0.5, 2.2)}),
    ("linear", (2, 3, 5), {"size": 12}),
    ("linear", (2, 3, 5), {"scale_factor": 1.7}),
    ("linear", (2, 3, 5), {"size": 3, "align_corners": True}),
    ("linear", (2, 3, 5), {"scale_factor": 1.1}),  # the same length: PyTorch's copy
    ("bilinear", (2, 3, 4, 5), {"size": (7, 3)}),
    ("bilinear", (2, 3, 4, 5), {"scale_factor": (1.5, 2.3)}),
    ("bilinear", (2, 3, 4, 5), {"scale_factor": 2.5, "recompute_scale_factor": True}),
    ("bilinear", (2, 3, 4, 5), {"size": (9, 1), "align_corners": True}),
    ("bicubic", (2, 3, 4, 5), {"size": (8, 3)}),
    ("bicubic", (2, 3, 4, 5), {"scale_factor": 1.6, "align_corners": True}),
    ("bicubic", (1, 2, 6, 6), {"scale_factor": 0.4}),
    ("trilinear", (1, 2, 3, 4, 5), {"size": (5, 3, 7)}),
    ("trilinear", (1, 2, 3, 4, 5), {"scale_factor": (1.5, 0.7, 2.0), "align_corners": True}),
    ("area", (2, 3, 7), {"size": 3}),
    ("area", (2, 3, 7, 5), {"size": (3, 4)}),
    ("area", (2, 3, 7, 5), {"scale_factor": 0.5}),
    ("area", (1, 2, 5, 4, 6), {"size": (2, 3, 4)}),
    ("linear", (1, 2, 1100), {"size": 1000}),  # a large axis: the bincount adjoint
    ("nearest", (1, 2, 1100), {"size": 1001}),
]


@pytest.mark.parametrize("mode, shape, kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_matches_torch(mode, shape, kw, dtype):
    fn = lambda lib, x: lib.nn.functional.interpolate(x, mode=mode, **kw)  # noqa: E731
    check_op(fn, shape, dtype=dtype, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode, shape, kw", CASES[1::2])
def test_interpolate_gradcheck(mode, shape, kw):
    check_gradcheck(lambda lib, x: lib.nn.functional.interpolate(x, mode=mode, **kw), shape)


def test_interpolate_random_geometries_match_torch():
    """Many sizes and factors per mode: PyTorch's index rules, float32 and float64."""
    rng = np.random.default_rng(1)
    ranks = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
    for mode in ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"):
        for _ in range(12):
            d = ranks.get(mode) or int(rng.integers(1, 4))
            shape = (1, 2) + tuple(int(v) for v in rng.integers(1, 8, d))
            kw = {}
            if mode in ranks:
                kw["align_corners"] = bool(rng.integers(2))
            if rng.integers(2):
                kw["size"] = tuple(int(v) for v in rng.integers(1, 12, d))
            else:
                kw["scale_factor"] = tuple(float(round(rng.uniform(1.0, 3.5), 2)) for _ in range(d))
            for dtype in (np.float32, np.float64):
                fn = lambda lib, x, m=mode, k=kw: lib.nn.functional.interpolate(x, mode=m, **k)  # noqa: E731
                check_op(fn, shape, dtype=dtype, rtol=1e-5, atol=1e-5)


def test_interpolate_node_names_and_uint8():
    x = numtorch.randn(1, 2, 4, 5, requires_grad=True)
    names = {
        "nearest": "UpsampleNearest2DBackward0",
        "nearest-exact": "UpsampleNearestExact2DBackward0",
        "bilinear": "UpsampleBilinear2DBackward0",
        "bicubic": "UpsampleBicubic2DBackward0",
        "area": "AdaptiveAvgPool2DBackward0",
    }
    for mode, name in names.items():
        assert numtorch.nn.functional.interpolate(x, size=3, mode=mode).grad_fn.name() == name
    data = np.arange(8, dtype=np.uint8).reshape(1, 1, 8)
    for mode in ("nearest", "nearest-exact"):
        ours = numtorch.nn.functional.interpolate(numtorch.tensor(data), size=3, mode=mode)
        theirs = torch.nn.functional.interpolate(torch.tensor(data), size=3, mode=mode)
        assert ours.dtype == numtorch.uint8
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


ERRORS = [
    (lambda F, x: F.interpolate(x, size=(0, 3)), "Input and output sizes should be greater"),
    (lambda F, x: F.interpolate(x[:, :, :0], size=2, mode="bilinear"), r"input \(H: 0, W: 5\)"),
    (lambda F, x: F.interpolate(x, scale_factor=-1.0, mode="bicubic"), r"output \(H: -4, W: -5"),
    (lambda F, x: F.interpolate(x[0], size=0), r"input \(W: 5\) and output \(W: 0\)"),
    (lambda F, x: F.interpolate(x, size=(2, 3), mode="linear"), "Got 4D input, but linear mode"),
    (lambda F, x: F.interpolate(x[0], size=2, mode="bilinear"), "Got 3D input, but bilinear"),
    (lambda F, x: F.interpolate(x[None], size=2, mode="bicubic"), r"Only 3D, 4D and 5D input"),
    (lambda F, x: F.interpolate(x[0, 0], size=(2, 3)), "same number of spatial dimensions"),
    (lambda F, x: F.interpolate(x, size=(2, 3), mode="foo"), r"\(got 4D\) for the modes"),
    (lambda F, x: F.interpolate(x, size=2, align_corners=True), "align_corners option can only"),
    (lambda F, x: F.interpolate(x, size=(2, 3.0)), "expected size to be one of int"),
    (lambda F, x: F.interpolate(x, size=2.5), "received an invalid combination of arguments"),
    (lambda F, x: F.interpolate(x, scale_factor=(2,)), "Input and scale_factor must have"),
    (lambda F, x: F.interpolate(x), "either size or scale_factor should be defined"),
    (lambda F, x: F.interpolate(x, size=2, scale_factor=2), "only one of size or scale_factor"),
    (lambda F, x: F.interpolate(x, size=2, recompute_scale_factor=True), "not meaningful"),
    (lambda F, x: F.interpolate(x[0], size=2, mode="area", antialias=True), "Anti-alias option"),
    (lambda F, x: F.interpolate(x, size=2, mode="lanczos"), "Lanczos mode requires antialias"),
    (
        lambda F, x: F.interpolate(x, size=2, mode="lanczos", align_corners=True, antialias=True),
        "Lanczos mode does not support align_corners=True",
    ),
    (lambda F, x: F.interpolate(x[0], size=2, mode="lanczos", antialias=True), "Anti-alias"),
    (lambda F, x: F.interpolate(x.long(), size=2, mode="bicubic"), "compute_indices_weights_cubic"),
    (lambda F, x: F.interpolate(x.long(), size=2), r"\"upsample_nearest2d_channels_last\" not"),
    (lambda F, x: F.interpolate(x.long(), size=2, mode="area"), r"\"adaptive_avg_pool2d\" not"),
    (lambda F, x: F.interpolate(x[:, :, :0], size=2, mode="area"), "non-zero size for non-batch"),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_interpolate_errors_match_torch(fn, match):
    data = np.random.default_rng(0).standard_normal((1, 2, 4, 5)).astype(np.float32)
    check_error(lambda lib: fn(lib.nn.functional, lib.tensor(data)), match)


AA_CASES = [
    ("bilinear", (2, 2, 9, 11), {"size": (4, 5)}),
    ("bilinear", (2, 2, 9, 11), {"scale_factor": (0.37, 2.2)}),
    ("bilinear", (1, 2, 13, 8), {"size": (5, 8), "align_corners": True}),
    ("bilinear", (1, 2, 4, 5), {"scale_factor": (1.2, 1.84)}),  # an axis kept: skipped
    ("bicubic", (2, 2, 9, 11), {"size": (4, 13)}),
    ("bicubic", (1, 2, 12, 7), {"scale_factor": 0.45, "align_corners": True}),
    ("lanczos", (2, 2, 12, 10), {"size": (5, 3)}),
    ("lanczos", (1, 2, 6, 7), {"scale_factor": (0.75, 1.6)}),
]


@pytest.mark.parametrize("mode, shape, kw", AA_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_antialias_matches_torch(mode, shape, kw, dtype):
    fn = lambda lib, x: lib.nn.functional.interpolate(x, mode=mode, antialias=True, **kw)  # noqa: E731
    check_op(fn, shape, dtype=dtype, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode, shape, kw", AA_CASES[1::3])
def test_interpolate_antialias_gradcheck(mode, shape, kw):
    # not the kept-axis case: PyTorch's forward skips that axis and its backward does not
    fn = lambda lib, x: lib.nn.functional.interpolate(x, mode=mode, antialias=True, **kw)  # noqa: E731
    check_gradcheck(fn, shape)


def test_interpolate_antialias_node_names():
    x = numtorch.randn(1, 2, 8, 9, requires_grad=True)
    for mode in ("bilinear", "bicubic", "lanczos"):
        out = numtorch.nn.functional.interpolate(x, size=(3, 4), mode=mode, antialias=True)
        assert out.grad_fn.name() == f"Upsample{mode.capitalize()}2DAaBackward0"


def test_area_allows_empty_output_and_empty_batch():
    check_op(
        lambda lib, x: lib.nn.functional.interpolate(x, size=(0, 2), mode="area"),
        (1, 2, 3, 4),
        grad=False,
    )
    check_op(
        lambda lib, x: lib.nn.functional.interpolate(x, size=(2, 3), mode="bilinear"), (0, 2, 3, 4)
    )


@pytest.mark.parametrize(
    "name, fn",
    [
        ("upsample", lambda F, x: F.upsample(x, scale_factor=2, mode="bilinear")),
        ("upsample_nearest", lambda F, x: F.upsample_nearest(x, size=(3, 7))),
        ("upsample_bilinear", lambda F, x: F.upsample_bilinear(x, scale_factor=2)),
    ],
)
def test_deprecated_upsample_functions_warn_and_match(name, fn):
    data = np.random.default_rng(0).standard_normal((1, 2, 4, 5)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = fn(numtorch.nn.functional, numtorch.tensor(data))
    assert any(f"nn.functional.{name}` is deprecated" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fn(torch.nn.functional, torch.tensor(data))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


MODULES = [
    ("Upsample", {"scale_factor": 2}, (1, 2, 3, 4)),
    ("Upsample", {"size": (3, 7), "mode": "bilinear"}, (1, 2, 3, 4)),
    (
        "Upsample",
        {"scale_factor": (2, 1.5), "mode": "bicubic", "align_corners": True},
        (1, 2, 3, 4),
    ),
    ("Upsample", {"size": 5, "mode": "linear"}, (1, 2, 3)),
    ("Upsample", {"scale_factor": 1.5, "mode": "trilinear"}, (1, 1, 2, 3, 4)),
    ("UpsamplingNearest2d", {"scale_factor": 2}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", {"size": 5}, (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name, kw, shape", MODULES)
def test_upsample_modules_match_torch(name, kw, shape):
    assert repr(getattr(numtorch.nn, name)(**kw)) == repr(getattr(torch.nn, name)(**kw))
    check_op(lambda lib, x: getattr(lib.nn, name)(**kw)(x), shape, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_interpolate_in_place_changes_like_torch(mode):
    fn = lambda lib, x: lib.nn.functional.interpolate(x, size=(3, 5), mode=mode)  # noqa: E731
    check_saved_versions(fn, (1, 2, 4, 4))
