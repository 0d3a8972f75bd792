"""Differential property tests of the layers (nn.functional) against PyTorch.

Argument values are drawn over valid and invalid ranges (stride 0, padding beyond half the
kernel, groups that do not divide the channels, kernels larger than the input): where PyTorch
raises, numtorch must raise the same exception type.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import DTYPES, Input, differential, inputs

import numtorch

ACTIVATIONS = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2),
    "elu": lambda F, x: F.elu(x, 0.7),
    "celu": lambda F, x: F.celu(x, 1.3),
    "selu": lambda F, x: F.selu(x),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "softplus": lambda F, x: F.softplus(x, beta=2.0, threshold=1.0),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.5),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "softmin": lambda F, x: F.softmin(x, -1),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(x=inputs(kind="spread"))
def test_activation(name: str, x) -> None:
    differential(lambda lib, t: ACTIVATIONS[name](lib.nn.functional, t), x)


@st.composite
def conv_case(draw, nd: int) -> tuple:
    dtype = draw(st.sampled_from(DTYPES))
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2)) + (0 if draw(st.integers(0, 7)) else 1)
    cout = groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    spatial = tuple(draw(st.integers(1, 6)) for _ in range(nd))
    n = draw(st.integers(0, 2))
    x = draw(inputs(st.just((n, cin) + spatial), dtype))
    w = draw(inputs(st.just((cout, cin // groups) + k), dtype, layouts=("contiguous", "sliced")))
    b = draw(st.sampled_from([None, Input(np.linspace(-1, 1, cout).astype(dtype))]))
    kw = dict(
        stride=draw(st.integers(0, 3) if draw(st.integers(0, 9)) == 0 else st.integers(1, 3)),
        padding=draw(st.sampled_from([0, 1, 2, "same", "valid"])),
        dilation=draw(st.integers(1, 2)),
        groups=groups,
    )
    return x, w, b, kw


@given(case=conv_case(2))
def test_conv2d(case) -> None:
    x, w, b, kw = case
    differential(lambda lib, s, t, c: lib.nn.functional.conv2d(s, t, c, **kw), x, w, b, scale=5)


@given(case=conv_case(1))
def test_conv1d(case) -> None:
    x, w, b, kw = case
    differential(lambda lib, s, t, c: lib.nn.functional.conv1d(s, t, c, **kw), x, w, b, scale=5)


@st.composite
def pool_case(draw) -> tuple:
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    shape += (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    x = draw(inputs(st.just(shape[draw(st.integers(0, 5)) == 0 :])))
    kernel = draw(st.sampled_from([1, 2, 3, (2, 3), (3, 1)]))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2), 3]))
    padding = draw(st.sampled_from([0, 1, (1, 0), 2]))
    return x, kernel, stride, padding, draw(st.booleans())


@given(case=pool_case(), dilation=st.sampled_from([1, 2, (1, 2)]))
def test_max_pool2d(case, dilation) -> None:
    x, k, s, p, ceil = case
    differential(
        lambda lib, t: lib.nn.functional.max_pool2d(
            t, k, s, p, dilation, ceil_mode=ceil, return_indices=True
        ),
        x,
    )


@given(case=pool_case(), count_include_pad=st.booleans(), divisor=st.sampled_from([None, 3]))
def test_avg_pool2d(case, count_include_pad, divisor) -> None:
    x, k, s, p, ceil = case
    differential(
        lambda lib, t: lib.nn.functional.avg_pool2d(
            t, k, s, p, ceil, count_include_pad, divisor_override=divisor
        ),
        x,
    )


@given(
    x=inputs(st.sampled_from([(1, 2, 5, 4), (2, 1, 3, 3), (3, 7, 2), (1, 1, 1, 1)])),
    size=st.sampled_from([1, 2, 3, (2, 1), (None, 2), (4, 5)]),
)
def test_adaptive_pools(x, size) -> None:
    F = "nn.functional"
    differential(lambda lib, t: eval(f"lib.{F}.adaptive_avg_pool2d")(t, size), x)
    differential(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, size), x)


@given(data=st.data())
def test_linear(data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    fin, fout = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    fin_x = fin if data.draw(st.integers(0, 7)) else fin + 1
    x = data.draw(inputs(st.just(tuple(lead) + (fin_x,)), dtype))
    w = data.draw(inputs(st.just((fout, fin)), dtype))
    b = data.draw(st.sampled_from([None, Input(np.ones(fout, dtype))]))
    differential(lambda lib, s, t, c: lib.nn.functional.linear(s, t, c), x, w, b)


@given(data=st.data())
def test_batch_norm(data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    shape = data.draw(st.sampled_from([(2, 3), (4, 2, 3), (2, 3, 2, 2), (1, 3), (3, 2, 1, 1, 2)]))
    c = shape[1]
    x = data.draw(inputs(st.just(shape), dtype))
    training = data.draw(st.booleans())
    affine = data.draw(st.booleans())
    stats = (np.linspace(-0.5, 0.5, c).astype(dtype), np.linspace(0.5, 2, c).astype(dtype))
    w = Input(np.linspace(0.5, 1.5, c).astype(dtype)) if affine else None
    b = Input(np.linspace(-1, 1, c).astype(dtype)) if affine else None

    def fn(lib, t, weight, bias):
        rm, rv = lib.tensor(stats[0]), lib.tensor(stats[1])
        out = lib.nn.functional.batch_norm(t, rm, rv, weight, bias, training, 0.3, 1e-3)
        return out, rm, rv  # the running statistics must move the same way

    differential(fn, x, w, b)


# ---------------------------------------------------------------- the Dropout family

DROPOUTS = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]
DROPOUTS += ["feature_alpha_dropout"]
DROPOUT_SHAPES = {
    "dropout1d": [(2, 3, 4), (3, 4)],
    "dropout2d": [(2, 3, 4, 2), (3, 4, 2)],
    "dropout3d": [(2, 3, 1, 2, 2), (3, 1, 2, 2)],
    "feature_alpha_dropout": [(2, 3, 4), (0, 3), ()],
}


@pytest.mark.parametrize("name", DROPOUTS)
@given(data=st.data())
def test_dropout_eval_and_p0_is_identity(name: str, data) -> None:
    shape = data.draw(st.sampled_from(DROPOUT_SHAPES.get(name, [(2, 3, 4), (0, 3), (5,), ()])))
    x = data.draw(inputs(st.just(shape)))
    p = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    with warnings.catch_warnings():  # torch warns on dropout2d's 3-D input: see below
        warnings.simplefilter("ignore", UserWarning)
        differential(lambda lib, t: getattr(lib.nn.functional, name)(t, p, training=False), x)
        differential(lambda lib, t: getattr(lib.nn.functional, name)(t, 0.0, training=True), x)


def test_feature_alpha_dropout_eval_on_0d_returns_input() -> None:
    x = numtorch.tensor(1.5)
    assert numtorch.nn.functional.feature_alpha_dropout(x, 0.5, training=False) is x


def test_dropout2d_on_3d_input_is_unbatched_without_warning() -> None:
    """A deliberate difference: torch warns on a 3-D input to dropout2d (and treats it as
    (N, C, L)); numtorch treats it as unbatched (C, H, W), as PyTorch's documentation says,
    and so has nothing to warn about. Warnings are errors in this suite."""
    x = numtorch.ones(3, 4, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numtorch.nn.functional.dropout2d(x, 0.0, training=False) is x
    with pytest.warns(UserWarning, match="dropout2d"):
        torch.nn.functional.dropout2d(torch.ones(3, 4, 2), 0.0, training=False)


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "dropout3d"])
@given(data=st.data())
def test_dropout_fixed_mask(name: str, data) -> None:
    """numtorch's mask, read back from its output, applied in torch: values and grads agree."""
    shape = data.draw(st.sampled_from(DROPOUT_SHAPES.get(name, [(2, 3, 4), (6,)])))
    x = data.draw(inputs(st.just(shape), kind="positive"))
    p = data.draw(st.sampled_from([0.2, 0.5, 0.8]))
    gen = numtorch.Generator().manual_seed(data.draw(st.integers(0, 2**16)))
    probe = getattr(numtorch.nn.functional, name)(numtorch.ones(shape), p, generator=gen)
    mask = probe.numpy()  # 0 or 1 / (1 - p) where kept; every value > 0 marks a kept element
    assert set(np.unique(mask).round(5)) <= {0.0, round(1 / (1 - p), 5)}
    gen.manual_seed(gen.initial_seed())

    def fn(lib, t):
        if lib is numtorch:
            return getattr(lib.nn.functional, name)(t, p, generator=gen)
        return t * torch.tensor(mask, dtype=t.dtype)

    differential(fn, x)


# ---------------------------------------------------------------- losses

REGRESSION = {
    "mse_loss": lambda F, a, b, r: F.mse_loss(a, b, reduction=r),
    "l1_loss": lambda F, a, b, r: F.l1_loss(a, b, reduction=r),
    "smooth_l1_loss": lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
    "huber_loss": lambda F, a, b, r: F.huber_loss(a, b, reduction=r, delta=0.7),
    "bce_with_logits": lambda F, a, b, r: F.binary_cross_entropy_with_logits(
        a, b.sigmoid(), reduction=r
    ),
    "bce": lambda F, a, b, r: F.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction=r),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
@given(data=st.data())
def test_regression_losses(name: str, data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    shape = data.draw(st.sampled_from([(3,), (2, 3), (0, 2), (), (2, 1, 3)]))
    a = data.draw(inputs(st.just(shape), dtype))
    b = data.draw(inputs(st.just(shape), dtype))
    r = data.draw(st.sampled_from(["mean", "sum", "none", "bogus"]))
    differential(lambda lib, s, t: REGRESSION[name](lib.nn.functional, s, t, r), a, b)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@given(data=st.data())
def test_classification_losses(name: str, data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    extra = data.draw(st.sampled_from([(), (2,), (2, 1)]))
    x = data.draw(inputs(st.just((n, c) + extra), dtype))
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    target = rng.integers(0, c, (n,) + extra)
    ignore = data.draw(st.sampled_from([-100, 0]))
    if data.draw(st.integers(0, 4)) == 0:
        target[...] = ignore
    r = data.draw(st.sampled_from(["mean", "sum", "none"]))
    weight = data.draw(st.sampled_from([None, Input(np.linspace(0.5, 2, c).astype(dtype))]))
    kw = dict(ignore_index=ignore, reduction=r)
    if name == "cross_entropy":
        kw["label_smoothing"] = data.draw(st.sampled_from([0.0, 0.2]))
    fn = getattr

    def run(lib, s, t, w):
        inp = s if name == "cross_entropy" else lib.log_softmax(s, 1)
        return fn(lib.nn.functional, name)(inp, t, w, **kw)

    differential(run, x, Input(target, grad=False), weight)
