"""Numerics: NaN and inf propagate through every op and layer as in PyTorch (values and
gradients), and float32 convolution is as accurate as PyTorch's (at the end).

Each case runs the same lambda on torch and numtorch with inputs holding NaN, +inf and -inf
(``check_op`` compares with ``equal_nan``), and no NumPy warning may escape (warnings are
errors). The one documented exception is the dropout family: a dropped element or feature map
is exactly 0 even where the input held NaN or inf (the spec says dropped maps are zeroed;
PyTorch multiplies by 0 and leaves NaN) — tested against torch at the end.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
from benchmarks.accuracy import CONV_SHAPES, FLIP_MARGIN, conv_errors, resnet_gradient_errors
from tests.helpers import check_error, check_op

NAN, INF = math.nan, math.inf


def special(shape: tuple, seed: int = 0, where: tuple = (1, 5, 9)) -> np.ndarray:
    """Normal samples with NaN, +inf and -inf at the flat positions ``where`` (mod size)."""
    x = np.random.default_rng(seed).standard_normal(shape)
    flat = x.reshape(-1)
    for v, i in zip((NAN, INF, -INF), where):
        flat[i % flat.size] = v
    return x


def row_of(shape: tuple, value: float, seed: int = 0) -> np.ndarray:
    """Normal samples whose first row (along the last axis) is all ``value``."""
    x = np.random.default_rng(seed).standard_normal(shape)
    x[(0,) * (len(shape) - 1)] = value
    return x


X = special((3, 4))
Y = special((3, 4), seed=1, where=(2, 5, 11))
Y0 = np.where(np.arange(12).reshape(3, 4) % 5 == 0, 0.0, Y)  # zeros too, for division
IMG = special((2, 3, 5, 5), where=(7, 31, 140))
W = np.random.default_rng(2).standard_normal((4, 3, 3, 3))
W75 = np.random.default_rng(3).standard_normal((4, 75))
IDX = np.array([1, 0, 3])
TARGET = np.random.default_rng(4).uniform(size=(3, 4))
STATS = np.random.default_rng(5).uniform(0.5, 2, size=(2, 3))  # running mean and var

UNARY = {
    "neg": lambda lib, x: -x,
    "abs": lambda lib, x: lib.abs(x),
    "exp": lambda lib, x: lib.exp(x),
    "log": lambda lib, x: lib.log(x),
    "sqrt": lambda lib, x: lib.sqrt(x),
    "rsqrt": lambda lib, x: lib.rsqrt(x),
    "square": lambda lib, x: lib.square(x),
    "pow2": lambda lib, x: x**2,
    "pow_half": lambda lib, x: x**0.5,
    "pow0": lambda lib, x: x**0,
    "rpow": lambda lib, x: 2.0**x,
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "tanh": lambda lib, x: lib.tanh(x),
    "relu": lambda lib, x: lib.relu(x),
    "relu6": lambda lib, x: lib.nn.functional.relu6(x),
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1),
    "elu": lambda lib, x: lib.nn.functional.elu(x),
    "selu": lambda lib, x: lib.nn.functional.selu(x),
    "celu": lambda lib, x: lib.nn.functional.celu(x),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "gelu_tanh": lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda lib, x: lib.nn.functional.silu(x),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x),
    "clamp": lambda lib, x: lib.clamp(x, -0.5, 0.5),
    "clamp_min": lambda lib, x: lib.clamp(x, min=0.0),
    "sign": lambda lib, x: lib.sign(x),
    "floor": lambda lib, x: lib.floor(x),
    "round": lambda lib, x: lib.round(x),
    "scale_add": lambda lib, x: x * 3 + 1,
    "reciprocal": lambda lib, x: 1 / x,
}
BINARY = {
    "add": lambda lib, x, y: x + y,
    "sub": lambda lib, x, y: x - y,
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: x / y,
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "minimum": lambda lib, x, y: lib.minimum(x, y),
    "where": lambda lib, x, y: lib.where(y > 0, x, y),
    "pow": lambda lib, x, y: lib.pow(x.abs(), y),
    "broadcast_mul": lambda lib, x, y: x * y[:1],
}
REDUCE = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(1),
    "mean": lambda lib, x: x.mean(),
    "mean_dim": lambda lib, x: x.mean(0, keepdim=True),
    "max": lambda lib, x: x.max(),
    "max_dim": lambda lib, x: x.max(1),
    "min_dim": lambda lib, x: x.min(0),
    "amax": lambda lib, x: lib.amax(x, 1),
    "amin": lambda lib, x: lib.amin(x, 0),
    "argmax": lambda lib, x: lib.argmax(x, 1),
    "argmin": lambda lib, x: lib.argmin(x, 0),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1),
    "var": lambda lib, x: x.var(1),
    "std": lambda lib, x: x.std(0),
    "softmax": lambda lib, x: lib.softmax(x, 1),
    "log_softmax": lambda lib, x: lib.log_softmax(x, 1),
    "softmin": lambda lib, x: lib.nn.functional.softmin(x, 0),
    "isnan": lambda lib, x: lib.isnan(x),
    "isfinite": lambda lib, x: lib.isfinite(x),
}
MOVEMENT = {
    "reshape": lambda lib, x: x.reshape(4, 3) * 1,
    "transpose": lambda lib, x: x.t() * 1,
    "slice": lambda lib, x: x[1:, ::2] * 1,
    "flip": lambda lib, x: lib.flip(x, [0]),
    "cat": lambda lib, x: lib.cat([x, x * 2], 0),
    "stack": lambda lib, x: lib.stack([x, -x], 1),
    "masked_fill": lambda lib, x: x.masked_fill(x > 0, 0.0),
    "gather": lambda lib, x: lib.gather(x, 1, lib.tensor([[0, 1], [2, 3], [1, 1]])),
}
LINALG = {
    "matmul": (lambda lib, x, y: x @ y.t(), X, Y),
    "mm_vec": (lambda lib, x, y: x @ y[0], X, Y),
    "bmm": (
        lambda lib, x, y: lib.bmm(x, y.transpose(1, 2)),
        special((2, 3, 4)),
        special((2, 3, 4), 1),
    ),
    "linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), X, Y, Y[0, :3]),
}
LAYERS = {
    "conv2d": (lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), IMG, W),
    "conv2d_strided": (lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2), IMG, W),
    "max_pool2d": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2), IMG),
    "max_pool2d_ceil": (
        lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True),
        IMG,
    ),
    "avg_pool2d": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 2), IMG),
    "avg_pool2d_pad": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1), IMG),
    "adaptive_avg": (lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 1), IMG),
    "adaptive_max": (lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 2), IMG),
    "batch_norm_train": (
        lambda lib, x, w: lib.nn.functional.batch_norm(x, None, None, w[0, :, 0, 0], None, True),
        IMG,
        W,
    ),
    "batch_norm_eval": (
        lambda lib, x, w: lib.nn.functional.batch_norm(
            x,
            lib.tensor(STATS[0], dtype=x.dtype),
            lib.tensor(STATS[1], dtype=x.dtype),
            w[0, :, 0, 0],
            w[3, :, 0, 0],
            False,
        ),
        IMG,
        W,
    ),
    "flatten_linear": (
        lambda lib, x, w: lib.nn.functional.linear(x.flatten(1), w),
        IMG,
        W75,
    ),
}
LOSSES = {
    "mse": lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
    "mse_none": lambda lib, x, y: lib.nn.functional.mse_loss(x, y, reduction="none"),
    "l1": lambda lib, x, y: lib.nn.functional.l1_loss(x, y),
    "smooth_l1": lambda lib, x, y: lib.nn.functional.smooth_l1_loss(x, y),
    "huber": lambda lib, x, y: lib.nn.functional.huber_loss(x, y, reduction="sum"),
    "bce_logits": lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, lib.tensor(TARGET, dtype=x.dtype)
    ),
    "bce_logits_weighted": lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, lib.tensor(TARGET, dtype=x.dtype), pos_weight=lib.tensor([1.0, 2.0, 0.5, 1.0])
    ),
    "cross_entropy": lambda lib, x, y: lib.nn.functional.cross_entropy(x, lib.tensor(IDX)),
    "cross_entropy_none": lambda lib, x, y: lib.nn.functional.cross_entropy(
        x, lib.tensor(IDX), reduction="none"
    ),
    "cross_entropy_smooth": lambda lib, x, y: lib.nn.functional.cross_entropy(
        x, lib.tensor(IDX), label_smoothing=0.1
    ),
    "nll": lambda lib, x, y: lib.nn.functional.nll_loss(x, lib.tensor(IDX)),
}


def _cases():
    for name, fn in UNARY.items():
        yield pytest.param(fn, (X,), id=f"unary-{name}")
    for name, fn in BINARY.items():
        yield pytest.param(fn, (X, Y0), id=f"binary-{name}")
    for name, fn in REDUCE.items():
        yield pytest.param(fn, (X,), id=f"reduce-{name}")
        yield pytest.param(fn, (row_of((3, 4), INF),), id=f"reduce-{name}-inf-row")
        yield pytest.param(fn, (row_of((3, 4), -INF),), id=f"reduce-{name}-neginf-row")
    for name, fn in MOVEMENT.items():
        yield pytest.param(fn, (X,), id=f"movement-{name}")
    for name, (fn, *arrays) in {**LINALG, **LAYERS}.items():
        yield pytest.param(fn, tuple(arrays), id=name)
    for name, fn in LOSSES.items():
        yield pytest.param(fn, (X, Y), id=f"loss-{name}")
        yield pytest.param(fn, (row_of((3, 4), INF), Y), id=f"loss-{name}-inf-row")


# Discrepancies found by this file, in code other engineers own: each is a strict xfail, so the
# fix turns it into a failure that asks for the entry to be removed.
NUMTORCH_BUGS: dict[str, str] = {}
# PyTorch's float32 (vectorised) kernels disagree with its own float64 ones here; numtorch
# gives the float64 answer in both dtypes, which the float64 case checks.
TORCH_FLOAT32_QUIRKS = {
    "unary-relu6": "torch float32 relu6 passes the gradient at NaN (float64: 0)",
    "unary-hardtanh": "torch float32 hardtanh passes the gradient at NaN (float64: 0)",
    "unary-gelu": "torch float32 gelu(inf) is NaN (float64: inf)",
}


@pytest.mark.parametrize("fn, arrays", list(_cases()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_inf_propagate_like_torch(fn, arrays, dtype, request):
    case = request.node.callspec.id.split("-", 1)[1]
    reason = NUMTORCH_BUGS.get(case)
    if dtype == np.float32:
        reason = reason or TORCH_FLOAT32_QUIRKS.get(case)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    check_op(fn, *arrays, dtype=dtype, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_binary_cross_entropy_rejects_nan_and_inf_like_torch(bad):
    x = np.full((2, 3), 0.5)
    x[1, 2] = bad
    check_error(
        lambda lib: lib.nn.functional.binary_cross_entropy(
            lib.tensor(x, requires_grad=True), lib.tensor(TARGET[:2, :3])
        ),
        "all elements of input should be between 0 and 1",
    )


def test_inputs_really_hold_nan_and_inf():
    for a in (X, Y, IMG):
        assert np.isnan(a).sum() == 1 and np.isposinf(a).sum() == 1 and np.isneginf(a).sum() == 1


# The documented exception: dropout zeroes what it drops, NaN or not.

DROPOUT_FAMILY = {
    "dropout": ((3, 50), "dropout"),
    "dropout1d": ((3, 50, 4), "dropout1d"),
    "dropout2d": ((3, 50, 2, 2), "dropout2d"),
    "dropout3d": ((3, 50, 1, 2, 2), "dropout3d"),
}


@pytest.mark.parametrize("name", DROPOUT_FAMILY)
def test_dropped_nan_is_exactly_zero_where_torch_leaves_nan(name):
    shape, fn = DROPOUT_FAMILY[name]
    x = np.full(shape, NAN)
    x[..., ::2] = INF
    t_out = getattr(torch.nn.functional, fn)(torch.tensor(x), p=1.0)
    n_out = getattr(numtorch.nn.functional, fn)(numtorch.tensor(x), p=1.0)
    assert np.isnan(t_out.numpy()).all()  # torch: 0 * nan and 0 * inf are nan
    assert (n_out.numpy() == 0).all()  # numtorch: dropped means 0


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("name", DROPOUT_FAMILY)
def test_dropout_with_mask_zero_dropped_else_as_torch(name, inplace):
    """With one mask for both: kept elements equal torch's ``x * mask / (1 - p)`` (NaN and inf
    included), dropped ones are 0; the gradient is torch's (``grad * mask / (1 - p)``)."""
    shape, fn = DROPOUT_FAMILY[name]
    x = special(shape, where=(0, 7, 13))
    x.reshape(-1)[20:40] = NAN
    nx = numtorch.tensor(x, requires_grad=True)
    out = getattr(numtorch.nn.functional, fn)(
        nx * 1, p=0.5, inplace=inplace, generator=numtorch.Generator().manual_seed(3)
    )
    keep = out.detach().numpy() != 0  # kept entries are x * 2: never 0 here
    assert 0 < keep.mean() < 1 and np.isnan(x[keep]).any() and np.isnan(x[~keep]).any()
    tx = torch.tensor(x, requires_grad=True)
    t_out = tx * torch.tensor(keep.astype(np.float64) / 0.5)
    np.testing.assert_array_equal(out.detach().numpy()[keep], t_out.detach().numpy()[keep])
    assert (out.detach().numpy()[~keep] == 0).all()
    assert np.isnan(t_out.detach().numpy()[~keep]).any()  # where torch would leave NaN
    up = np.random.default_rng(4).standard_normal(shape)
    out.backward(numtorch.tensor(up))
    t_out.backward(torch.tensor(up))
    np.testing.assert_array_equal(nx.grad.numpy(), tx.grad.numpy())


def test_dropout_eval_mode_propagates_nan_unchanged():
    x = special((2, 3, 4, 4))
    for fn in ("dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout"):
        out = getattr(numtorch.nn.functional, fn)(numtorch.tensor(x), 0.5, training=False)
        np.testing.assert_array_equal(out.numpy(), x)


# ------------------------------------------------------------------ convolution accuracy
# A float32 convolution as accurate as PyTorch's: its error against a float64 reference,
# structural zeros that stay exactly zero, and a ResNet whose float32 gradients agree with
# its float64 ones. The old Winograd F(4x4, 3x3) failed all three (18-25x PyTorch's error;
# 1e-13..1e-4 where the result is exactly 0; ReLU masks flipped, gradients 1e-3 off).


@pytest.mark.parametrize("shape", CONV_SHAPES, ids=lambda s: "N{}-{}to{}-{}px".format(*s))
def test_conv3x3_float32_error_is_within_3x_pytorchs(shape):
    ours, theirs = conv_errors(numtorch, *shape), conv_errors(torch, *shape)
    for what, a, t in zip(("output", "input gradient", "weight gradient"), ours, theirs):
        assert a <= 3 * t and a < 2e-6, f"{what}: {a:.1e}, PyTorch {t:.1e}"


def _grads(x, w, g):
    xs, ws = numtorch.tensor(x, requires_grad=True), numtorch.tensor(w, requires_grad=True)
    out = numtorch.nn.functional.conv2d(xs, ws, padding=1)
    out.backward(numtorch.tensor(g))
    return out.detach().numpy(), xs.grad.numpy(), ws.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv3x3_exact_zeros_stay_exactly_zero(dtype):
    """Where the exact result is 0 because every product in it has a zero factor, numtorch's
    is exactly 0 (Adam turns the slightest rounding noise there into real steps)."""
    rng = np.random.default_rng(0)

    def arrays():
        x = rng.standard_normal((2, 16, 16, 16)).astype(dtype)
        w = rng.standard_normal((8, 16, 3, 3)).astype(dtype)
        return x, w, rng.standard_normal((2, 8, 16, 16)).astype(dtype)

    x, w, g = arrays()
    x[:, :4] = w[:, 4:8] = g[:, :2] = 0  # zero input channels, filters, gradient channels
    _, gx, gw = _grads(x, w, g)
    assert not gw[:, :4].any() and not gx[:, 4:8].any() and not gw[:2].any()
    for r in (3, 5, 6, 7, 9, 10):  # zero rows or columns, wherever they start in a tile
        x, w, g = arrays()
        x[:, :, r:], g[:, :, :, :r] = 0, 0
        out, gx, _ = _grads(x, w, g)
        assert not out[:, :, r + 1 :].any(), f"output rows >= {r + 1} (input rows >= {r} are 0)"
        assert not gx[..., : r - 1].any(), f"input gradient columns < {r - 1}"
        x, w, g = arrays()
        x[:, :, r:], g[:, :, :r] = 0, 0
        _, _, gw = _grads(x, w, g)
        assert not gw[:, :, 1:].any() and gw[:, :, 0].all(), "kernel rows 1, 2 see only zeros"


def test_resnet_with_batchnorm_float32_gradients_match_float64():
    """Per parameter, ``||g32 - g64|| / ||g64|| <= 1e-4`` for a 32-channel, 2-block ResNet
    with BatchNorm on 8 images of 16x16, over the seeds (of 0-9) where no ReLU input lies
    within 1e-6 of zero (in float64).

    Why the seeds are chosen: where a pre-activation lies within a float32 implementation's
    rounding error of 0, its ReLU mask may flip, and BatchNorm spreads that one pixel's
    gradient to every parameter before it, about 1e-3 off. That happens to any float32
    implementation (PyTorch's own: seed 6 here, min |input| 2e-7), and F(2x2) and im2col
    flipped inputs up to 2.5e-7 from zero over 128 seeds of this network and a 64-channel
    one; the old F(4x4) flipped inputs
    up to 2.4e-6 away (seed 7 here; 15 and 18 next). On the 7 seeds kept, numtorch's worst
    error is 2.3e-6 (PyTorch's float32: 3.2e-6).
    """
    kept = []
    for seed in range(10):
        nearest, errors = resnet_gradient_errors(numtorch, seed)
        if nearest < FLIP_MARGIN:
            continue  # a flip is down to chance: see above
        kept.append(seed)
        for name, error in errors.items():
            assert error <= 1e-4, f"seed {seed}, {name}: {error:.1e}"
    assert len(kept) >= 6, kept
