"""Lazy convolutions against PyTorch: repr and state_dict before the first call, in_channels
inferred from a batched or unbatched input, the concrete class afterwards, the same draws as
the concrete layer, loading a checkpoint into a lazy layer, and PyTorch's errors."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error

CASES = [
    ("LazyConv1d", (4, 3), {}, (2, 3, 9)),
    ("LazyConv1d", (4, 3), {"padding": "same", "bias": False}, (3, 9)),
    ("LazyConv2d", (6, 3), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 7, 6)),
    ("LazyConv2d", (5, (2, 3)), {"dilation": 2, "padding_mode": "reflect"}, (3, 8, 9)),
    ("LazyConv3d", (4, 2), {"padding": 1}, (1, 2, 4, 3, 5)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5)),
    ("LazyConvTranspose2d", (6, 3), {"stride": 2, "padding": 1, "groups": 3}, (2, 3, 4, 5)),
    ("LazyConvTranspose2d", (2, 2), {"bias": False, "dilation": 2}, (4, 3, 3)),
    ("LazyConvTranspose3d", (2, 2), {"stride": 2}, (1, 4, 2, 3, 2)),
]


def _both(name: str, args: tuple, kwargs: dict) -> tuple:
    return getattr(torch.nn, name)(*args, **kwargs), getattr(numtorch.nn, name)(*args, **kwargs)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CASES)
def test_lazy_conv_matches_torch(name, args, kwargs, shape):
    t, n = _both(name, args, kwargs)
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict())
    assert n.has_uninitialized_params() and n.in_channels == 0
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
    t(tx)  # materialise torch's, then copy its draws into numtorch's before the compared call
    n(nx)
    concrete = name.replace("Lazy", "")
    assert type(n) is getattr(numtorch.nn, concrete) and type(t).__name__ == concrete
    assert repr(n) == repr(t) and n.in_channels == t.in_channels
    assert not hasattr(n, "_initialize_hook") and not n._forward_pre_hooks
    for key, value in t.state_dict().items():
        assert tuple(n.state_dict()[key].shape) == tuple(value.shape), key
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    t_out, n_out = t(tx), n(nx)
    assert_close(n_out, t_out, 1e-5, 1e-5, "output")
    t_out.square().sum().backward()
    n_out.square().sum().backward()
    assert_close(nx.grad, tx.grad, 1e-4, 1e-4, "input grad")
    assert_close(n.weight.grad, t.weight.grad, 1e-4, 1e-4, "weight grad")


@pytest.mark.parametrize("name", ["LazyConv2d", "LazyConvTranspose2d"])
def test_lazy_conv_draws_as_the_concrete_layer(name):
    numtorch.manual_seed(3)
    lazy = getattr(numtorch.nn, name)(4, 3, padding=1)
    x = numtorch.randn(2, 5, 6, 6)
    numtorch.manual_seed(7)
    out = lazy(x)
    numtorch.manual_seed(7)
    ref = getattr(numtorch.nn, name.replace("Lazy", ""))(5, 4, 3, padding=1)
    assert_close(lazy.weight, ref.weight, 0, 0, "weight")
    assert_close(lazy.bias, ref.bias, 0, 0, "bias")
    assert_close(out, ref(x), 0, 0, "output")


def test_lazy_conv_state_dict_before_and_load_into_lazy():
    n = numtorch.nn.LazyConv2d(4, 3)
    state = n.state_dict()
    assert isinstance(state["weight"], numtorch.nn.parameter.UninitializedParameter)
    src, t = torch.nn.Conv2d(2, 4, 3), torch.nn.LazyConv2d(4, 3)
    for lib, module in ((torch, t), (numtorch, n)):
        state = {k: lib.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
        module.load_state_dict(state)
        assert not module.has_uninitialized_params()
        assert type(module).__name__ == "LazyConv2d"  # until its first call
        assert tuple(module.weight.shape) == (4, 2, 3, 3)
    x = np.random.default_rng(1).standard_normal((1, 2, 5, 5)).astype(np.float32)
    assert_close(n(numtorch.tensor(x)), src(torch.tensor(x)), 1e-5, 1e-5, "output")
    t(torch.tensor(x))
    # PyTorch leaves in_channels at 0 when the weights came from a checkpoint
    assert type(n) is numtorch.nn.Conv2d and repr(n) == repr(t)


def test_lazy_conv_copies_casts_and_pickles():
    for lib in (torch, numtorch):
        m = lib.nn.LazyConv1d(3, 2).double()
        assert m(lib.ones(2, 4, 5, dtype=lib.float64)).dtype == lib.float64
        m = lib.nn.LazyConvTranspose1d(3, 2)
        c = copy.deepcopy(m)
        c(lib.ones(1, 2, 4))
        assert type(c).__name__ == "ConvTranspose1d" and type(m).__name__ == "LazyConvTranspose1d"
        p = pickle.loads(pickle.dumps(lib.nn.LazyConv2d(2, 1)))
        p(lib.ones(1, 5, 2, 2))
        assert type(p).__name__ == "Conv2d" and tuple(p.weight.shape) == (2, 5, 1, 1)


def test_lazy_conv_errors():
    check_error(
        lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(2, 3, 4, 5, 6)),
        r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d, but got input of size",
    )
    check_error(
        lambda lib: lib.nn.LazyConvTranspose1d(4, 3)(lib.ones(5)),
        r"Expected 2D \(unbatched\) or 3D \(batched\) input to LazyConvTranspose1d",
    )
    check_error(
        lambda lib: lib.nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5)),
        "in_channels must be divisible by groups",
    )
    check_error(lambda lib: lib.nn.LazyConv2d(4, 3, groups=0), "groups must be a positive integer")
    check_error(
        lambda lib: lib.nn.LazyConv1d(4, 3, padding="same", stride=2),
        "padding='same' is not supported for strided convolutions",
    )
    check_error(
        lambda lib: lib.nn.LazyConvTranspose2d(4, 3, padding_mode="reflect"),
        'Only "zeros" padding mode is supported for LazyConvTranspose2d',
    )
    check_error(lambda lib: lib.nn.LazyConv2d(4, 3).share_memory(), "Can't share memory")
