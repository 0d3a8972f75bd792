"""The dropout layers as the spec describes them: Dropout2d's contract (the spec's example,
unbatched input, ranks, read-only ``p``), and what every layer shares (repr, keywords,
``last_mask``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from dropout_cases import CASES, FEATURE, Case, randn

import numtorch
from numtorch import nn


def test_spec_example_drops_about_half_of_the_maps_per_sample() -> None:
    """The spec's demo, with a batch of 2 instead of 32."""
    dropout = nn.Dropout2d(0.5)
    x = numtorch.randn([2, 64, 224, 224])
    dropout.train()
    train_out = dropout.forward(x)
    assert train_out.shape == numtorch.Size([2, 64, 224, 224])
    maps = train_out.numpy().reshape(2, 64, -1)
    zero = (maps == 0).all(-1)
    scaled = (maps == x.numpy().reshape(2, 64, -1) * np.float32(2)).all(-1)
    assert (zero ^ scaled).all()
    bound = 5 * math.sqrt(64 * 0.25)
    assert all(abs(int(row.sum()) - 32) <= bound for row in zero)
    assert not np.array_equal(zero[0], zero[1])
    dropout.eval()
    assert dropout.forward(x) is x


def test_constructor_accepts_positional_and_keyword_options() -> None:
    for m in (
        nn.Dropout2d(0.3, True),
        nn.Dropout2d(p=0.3, inplace=True),
        nn.Dropout2d(inplace=True, p=0.3),
    ):
        assert (m.p, m.inplace, m.training) == (0.3, True, True)
    m = nn.Dropout2d()
    assert (m.p, m.inplace) == (0.5, False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'q'"):
        nn.Dropout2d(q=0.3)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("args", [(), (0.3,), (0, True), (1.0,)])
def test_repr_and_state_dict_match_torch(case: Case, args: tuple) -> None:
    ours, theirs = case.layer(numtorch, *args), case.layer(torch, *args)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    assert repr(nn.Dropout2d(0.3)) == "Dropout2d(p=0.3, inplace=False)"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_p_is_read_only(case: Case) -> None:
    layer = case.layer(numtorch, 0.3)
    with pytest.raises(AttributeError, match=f"{case.module}.p is read-only"):
        layer.p = 0.6
    assert layer.p == 0.3
    layer.inplace = True  # inplace stays an ordinary attribute, as in PyTorch
    assert layer.inplace is True
    doc = type(layer).p.__doc__
    assert "read-only" in doc.lower() and "PyTorch lets you" in doc


def test_dropout2d_docstring_explains_the_layer() -> None:
    doc = nn.Dropout2d.__doc__
    for words in (
        "Bernoulli",
        "(N, C, 1, 1)",
        "When to use",
        "Trade-offs",
        "Example:",
        "(C, H, W)",
    ):
        assert words in doc


def test_unbatched_input_drops_whole_maps() -> None:
    """(C, H, W) is one image: PyTorch documents this and announces it, but its code still reads
    3-D input as (N, C, L) with a warning."""
    x = randn((32, 4, 5))
    layer = nn.Dropout2d(0.5)
    out = layer(x).numpy().reshape(32, -1)
    dropped = (out == 0).all(-1)
    kept = (out == x.numpy().reshape(32, -1) * 2).all(-1)
    assert (dropped ^ kept).all() and dropped.any() and kept.any()
    np.testing.assert_array_equal(layer.last_mask.numpy(), kept)
    with pytest.warns(UserWarning, match=r"interpret the input as one without a batch dimension"):
        torch.nn.functional.dropout2d(torch.ones(32, 4, 5))


@pytest.mark.parametrize(
    "fn,ndim,hint",
    [
        ("dropout2d", 5, "belongs to dropout3d"),
        ("dropout2d", 1, r"\(N, C, H, W\) or \(C, H, W\)"),  # 2-D warns and applies, as PyTorch
        ("dropout3d", 3, "belongs to dropout1d"),
        ("dropout3d", 6, r"\(N, C, D, H, W\) or \(C, D, H, W\)"),
        ("dropout1d", 4, "belongs to dropout2d"),
    ],
)
def test_wrong_rank_error_names_the_rank_and_the_shapes(fn: str, ndim: int, hint: str) -> None:
    x = numtorch.ones((2,) * ndim)
    with pytest.raises(ValueError, match=f"received a {ndim}D input") as err:
        getattr(nn.functional, fn)(x)
    assert err.match(hint)


@pytest.mark.parametrize("case", FEATURE, ids=str)
def test_last_mask_is_the_n_by_c_mask_the_backward_uses(case: Case) -> None:
    layer = case.layer(numtorch, 0.5)
    assert layer.last_mask is None
    x = randn(case.shape, requires_grad=True)
    out = layer(x)
    mask = layer.last_mask
    assert mask.shape == numtorch.Size(case.shape[:2]) and mask.dtype is numtorch.bool
    assert np.shares_memory(mask.numpy(), out.grad_fn.keep)  # no copy, no extra cost
    layer.eval()(x)
    assert layer.last_mask.numpy() is mask.numpy()  # eval forwards leave it alone
    if case.functional != "feature_alpha_dropout":  # that one reads any rank as (N, C, *)
        layer.train()(x[0])
        assert layer.last_mask.shape == numtorch.Size(case.shape[1:2])  # unbatched: (C,)


@pytest.mark.parametrize("case", [c for c in CASES if c.mask_dims == 3], ids=str)
def test_last_mask_of_element_dropout_has_the_input_shape(case: Case) -> None:
    layer = case.layer(numtorch, 0.5)
    out = layer(randn(case.shape))
    assert layer.last_mask.shape == numtorch.Size(case.shape)
    a, b, c = (float(v) for v in numtorch.ops.dropout.affine(0.5, case.alpha, np.float32))
    np.testing.assert_array_equal(out.numpy() == c, ~layer.last_mask.numpy())


def test_layers_work_inside_sequential_and_follow_train_eval() -> None:
    net = nn.Sequential(nn.Dropout2d(0.5), nn.Dropout(0.5))
    x = numtorch.ones(2, 3, 4, 4)
    assert net.eval()(x) is x
    assert not np.array_equal(net.train()(x).numpy(), x.numpy())
    assert net[0].last_mask.shape == numtorch.Size([2, 3])
