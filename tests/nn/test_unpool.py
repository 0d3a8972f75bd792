"""Max unpooling and fractional max pooling against PyTorch: values, indices, gradients,
``output_size``, the random window positions (``_random_samples`` passed explicitly, and
numtorch's generator otherwise), module reprs and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401
from tests.helpers import check_gradcheck, check_op, snippet_outcome

# ------------------------------------------------------------------ max unpooling


def _roundtrip(nd: int, kernel, stride=None, padding=0, output_size=None):
    """Pool with indices, then unpool: the unpooling's gradient flows back through both."""

    def fn(lib, x):
        F = lib.nn.functional
        out, idx = getattr(F, f"max_pool{nd}d")(x, kernel, stride, padding, return_indices=True)
        return getattr(F, f"max_unpool{nd}d")(out, idx, kernel, stride, padding, output_size)

    return fn


UNPOOL = [
    (1, (2,), (2, 3, 8)),
    (1, (3, 2, 1), (3, 9)),
    (1, (2, None, 0, [9]), (2, 3, 9)),
    (2, (2,), (2, 3, 6, 6)),
    (2, (2, None, 0, (7, 7)), (2, 3, 7, 7)),
    (2, (3, 2, 1), (3, 7, 7)),
    (2, ((2, 3), (2, 1)), (2, 2, 6, 7)),
    (2, (2, 2, 0, torch.Size([2, 3, 7, 6])), (2, 3, 7, 6)),
    (3, (2,), (2, 3, 4, 4, 4)),
    (3, (3, 2, 1, (5, 6, 7)), (1, 2, 5, 6, 7)),
    (3, (2,), (2, 4, 4, 6)),
]


@pytest.mark.parametrize("nd, args, shape", UNPOOL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_unpool_matches_torch(nd, args, shape, dtype):
    if isinstance(args[-1], torch.Size):  # a Size as output_size: each library its own
        size = tuple(args[-1])
        fns = {torch: _roundtrip(nd, *args), numtorch: _roundtrip(nd, *args[:-1], size)}
        check_op(lambda lib, x: fns[lib](lib, x), shape, dtype=dtype)
        return
    check_op(_roundtrip(nd, *args), shape, dtype=dtype)


def test_empty_batches_match_torch():
    check_op(lambda lib, x: lib.nn.functional.fractional_max_pool2d(x, 2, 2), (0, 2, 4, 4))
    check_op(_roundtrip(2, 2), (0, 2, 4, 4))
    check_op(_roundtrip(3, 2), (0, 2, 4, 4, 4))


def test_max_unpool_direct_values_and_gradcheck():
    rng = np.random.default_rng(0)
    idx = np.stack([rng.permutation(16)[:4] for _ in range(6)]).reshape(2, 3, 2, 2)

    def fn(lib, x):
        return lib.nn.functional.max_unpool2d(x, lib.tensor(idx), 2)

    check_op(fn, (2, 3, 2, 2))
    check_gradcheck(fn, (2, 3, 2, 2))
    check_gradcheck(
        _roundtrip(3, 2), np.random.default_rng(1).permutation(64).reshape(1, 1, 4, 4, 4) / 64.0
    )


# ------------------------------------------------------------------ fractional max pooling

FRACTIONAL = [
    (2, (2, 3, 9, 11), 3, {"output_size": (4, 5)}),
    (2, (3, 9, 11), 2, {"output_ratio": (0.5, 0.5)}),
    (2, (2, 3, 9, 11), (2, 3), {"output_size": (8, 9)}),
    (2, (2, 3, 9, 11), 3, {"output_size": 1}),
    (2, (2, 3, 9, 11), 1, {"output_size": (9, 11)}),
    (3, (2, 3, 7, 8, 9), 2, {"output_size": (3, 4, 5)}),
    (3, (3, 7, 8, 9), (2, 3, 2), {"output_ratio": 0.5}),
    (3, (1, 2, 5, 6, 7), 3, {"output_size": (2, 1, 4)}),
]


@pytest.mark.parametrize("nd, shape, kernel, kw", FRACTIONAL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", ["normal", "ties"])
def test_fractional_max_pool_matches_torch(nd, shape, kernel, kw, dtype, make):
    rng = np.random.default_rng(0)
    batch = shape[0] if len(shape) == nd + 2 else 1
    samples = rng.random((batch + 1, shape[-nd - 1], nd)).astype(dtype)
    x = shape if make == "normal" else rng.integers(-2, 3, shape).astype(dtype)

    def fn(lib, x, u):
        F = lib.nn.functional
        pool = getattr(F, f"fractional_max_pool{nd}d")
        return pool(x, kernel, return_indices=True, _random_samples=u.detach(), **kw)

    check_op(fn, x, samples, dtype=dtype)

    def with_indices(lib, x, u):
        pool = getattr(lib.nn.functional, f"fractional_max_pool{nd}d_with_indices")
        return pool(x, kernel, _random_samples=u.detach(), **kw)

    check_op(with_indices, x, samples, dtype=dtype)


def test_fractional_max_pool_gradcheck():
    x = np.random.default_rng(0).permutation(2 * 3 * 9 * 8).reshape(2, 3, 9, 8) / 432.0
    u = numtorch.tensor(np.random.default_rng(1).random((2, 3, 2)))
    check_gradcheck(
        lambda lib, x: lib.nn.functional.fractional_max_pool2d(x, 2, (4, 5), _random_samples=u),
        x,
    )
    u3 = numtorch.tensor(np.random.default_rng(1).random((1, 3, 3)))
    check_gradcheck(
        lambda lib, x: lib.nn.functional.fractional_max_pool3d(x, 2, (3, 4, 3), _random_samples=u3),
        np.random.default_rng(2).permutation(630).reshape(1, 3, 6, 7, 5) / 630.0,
    )


def test_fractional_max_pool_draws_from_numtorch_generator():
    F = numtorch.nn.functional
    x = numtorch.randn(2, 3, 12, 12)
    numtorch.manual_seed(7)
    a, ia = F.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)
    numtorch.manual_seed(7)
    b, ib = F.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    numtorch.manual_seed(7)
    samples = numtorch.rand(2, 3, 2)  # the very draw the pooling makes
    c = F.fractional_max_pool2d(x, 2, output_size=5, _random_samples=samples)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    state = np.random.get_state()[1].copy()
    F.fractional_max_pool3d(numtorch.randn(1, 2, 6, 6, 6), 2, output_ratio=0.5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # NumPy's global untouched


# ------------------------------------------------------------------ modules


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("MaxUnpool1d", (2,), {}),
        ("MaxUnpool1d", (3, 2, 1), {}),
        ("MaxUnpool2d", (2,), {}),
        ("MaxUnpool2d", ((2, 3), 1, (0, 1)), {}),
        ("MaxUnpool3d", (2,), {}),
        ("FractionalMaxPool2d", (2,), {"output_size": 3}),
        ("FractionalMaxPool3d", (2,), {"output_ratio": 0.5}),
    ],
)
def test_unpool_module_reprs_match_torch(cls, args, kwargs):
    ours, theirs = (
        getattr(numtorch.nn, cls)(*args, **kwargs),
        getattr(torch.nn, cls)(*args, **kwargs),
    )
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_unpool_modules_forward_match_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    results = {}
    for lib, t in ((numtorch, numtorch.tensor(x)), (torch, torch.tensor(x))):
        out, idx = lib.nn.MaxPool2d(2, return_indices=True)(t)
        results[lib] = lib.nn.MaxUnpool2d(2)(out, idx, output_size=t.shape).numpy()
    np.testing.assert_array_equal(results[numtorch], results[torch])


@pytest.mark.parametrize("nd, shape", [(2, (2, 3, 9, 10)), (3, (2, 3, 6, 7, 8))])
def test_fractional_modules_with_samples_match_torch(nd, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    u = rng.random((shape[0], shape[1], nd)).astype(np.float32)
    outs = []
    for lib in (numtorch, torch):
        cls = getattr(lib.nn, f"FractionalMaxPool{nd}d")
        module = cls(2, output_ratio=0.5, return_indices=True, _random_samples=lib.tensor(u))
        assert list(module.state_dict()) == ["_random_samples"]
        outs.append([t.numpy() for t in module(lib.tensor(x))])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ validation

I = "torch.tensor([[[[0, 1], [2, 3]]]])"
SNIPPETS = [
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2)",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2, output_size=(1, 1, 4, 4))",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2, output_size=(5, 5))",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2, output_size=(4,))",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2, output_size=(9, 9))",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}, 2, output_size=torch.Size([1, 1, 5, 5]))",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}.int(), 2)",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2).long(), {I}, 2)",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2), {I}[0], 2)",
    f"F.max_unpool2d(torch.randn(1, 1, 2, 2)[0], {I}[0], 2, 1)",
    "F.max_unpool2d(torch.randn(1, 1, 2, 2), torch.tensor([[[[0, 1], [2, 99]]]]), 2)",
    "F.max_unpool2d(torch.randn(1, 1, 2, 2), torch.tensor([[[[0, 1], [99, -3]]]]), 2)",
    "F.max_unpool2d(torch.randn(2, 2), torch.tensor([[0, 1], [2, 3]]), 2)",
    "F.max_unpool2d(torch.randn(1, 0, 2, 2), torch.zeros(1, 0, 2, 2).long(), 2)",
    "F.max_unpool2d(torch.randn(1, 1, 2, 2), torch.zeros(1, 1, 2, 2).long(), 1, 1, 1)",
    "F.max_unpool3d(torch.randn(1, 1, 1, 2, 2), torch.zeros(1, 1, 1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 1, 2, 2), torch.zeros(1, 1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 1, 1, 2, 2), torch.zeros(1, 1, 1, 2, 2).int(), 2)",
    "F.max_unpool3d(torch.randn(1, 2, 2), torch.zeros(1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 1, 1, 2, 2), torch.zeros(1, 1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 0, 1, 2, 2), torch.zeros(1, 0, 1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 1, 1, 2, 2).long(), torch.zeros(1, 1, 1, 2, 2).long(), 2)",
    "F.max_unpool3d(torch.randn(1, 1, 1, 2, 2), torch.full((1, 1, 1, 2, 2), 99), 2)",
    "F.max_unpool1d(torch.randn(1, 1, 2), torch.tensor([[[0, 9]]]), 2)",
    "F.max_unpool1d(torch.randn(1, 1, 2), torch.tensor([[[0, 3]]]), 2)",
    "F.max_unpool1d(torch.randn(1, 2), torch.tensor([[0, 3]]), 2, output_size=[5])",
    "F.max_unpool1d(torch.randn(1, 1, 2, 2), torch.zeros(1, 1, 2, 2).long(), 2)",
    "F.max_unpool1d(torch.randn(2), torch.zeros(2).long(), 2)",
    # fractional
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(6, 2), _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(2, 7), _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(2, 2), _random_samples=torch.rand(2, 3, 3))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(2, 2), _random_samples=torch.rand(1, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(2, 2), _random_samples=torch.rand(2, 2, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=(2, 2), _random_samples=torch.rand(2, 3, 2).double())",
    "F.fractional_max_pool2d(torch.randn(3, 7, 8), 3, output_size=(2, 2), _random_samples=torch.rand(3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3)",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_ratio=(0.5, 0.5, 0.5))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_ratio=1.5)",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_size=0, _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(7, 8), 3, output_size=2)",
    "F.fractional_max_pool2d(torch.randn(2, 0, 7, 8), 3, output_size=2, _random_samples=torch.rand(2, 0, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), (3, 3, 3), output_size=2, _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8).long(), 3, output_size=2, _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 3, output_ratio=(0.5, 0.5))",
    "F.fractional_max_pool2d(torch.randn(2, 3, 7, 8), 2, output_size=3, return_indices=True)",
    "F.fractional_max_pool3d(torch.randn(2, 3, 5, 6, 7), 3, output_size=(5, 2, 2), _random_samples=torch.rand(2, 3, 3))",
    "F.fractional_max_pool3d(torch.randn(2, 3, 5, 6, 7), 2, output_size=(2, 6, 2), _random_samples=torch.rand(2, 3, 3))",
    "F.fractional_max_pool3d(torch.randn(2, 3, 5, 6, 7), 2, output_size=(2, 2, 7), _random_samples=torch.rand(2, 3, 3))",
    "F.fractional_max_pool3d(torch.randn(2, 3, 5, 6, 7), 3, output_size=(2, 2, 2), _random_samples=torch.rand(2, 3, 2))",
    "F.fractional_max_pool3d(torch.randn(6, 7), 3, output_size=(2, 2, 2))",
    "F.fractional_max_pool3d(torch.randn(5, 6, 7), 2, output_size=2, _random_samples=torch.rand(2, 3, 3))",
    "F.fractional_max_pool3d(torch.randn(2, 0, 5, 6, 7), 2, output_size=2, _random_samples=torch.rand(2, 0, 3))",
    "F.fractional_max_pool3d(torch.randn(3, 5, 6, 7), 2, output_ratio=0.5)",
    "F.fractional_max_pool2d(torch.randn(0, 2, 4, 4), 2, 2)",
    "F.max_unpool2d(torch.randn(0, 1, 2, 2), torch.zeros(0, 1, 2, 2).long(), 2)",
    "nn.FractionalMaxPool2d(2, output_ratio=1.5)",
    "nn.FractionalMaxPool2d(2)",
    "nn.FractionalMaxPool2d(2, 3, 0.5)",
    "nn.FractionalMaxPool3d(0, 3)",
    "nn.FractionalMaxPool3d((2, 0, 2), 3)",
    "nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1.0))",
    "nn.FractionalMaxPool2d(2, output_ratio=0.5)(torch.randn(1, 2, 8, 8))",
    "nn.FractionalMaxPool3d(2, output_ratio=0.5)(torch.randn(2, 4, 6, 8))",
    "nn.MaxUnpool2d(2)(torch.randn(1, 1, 2, 2), torch.zeros(1, 1, 2, 2).long(), output_size=(5, 5))",
    "F.fractional_max_pool3d(torch.randn(1, 2, 5, 6, 7), 3, (3, 4, 5), _random_samples=torch.rand(1, 2, 3))",
    "F.fractional_max_pool3d(torch.randn(1, 2, 5, 6, 7), 3, (2, 4, 5), _random_samples=torch.rand(1, 2, 3))",
    "F.fractional_max_pool3d(torch.randn(1, 2, 5, 6, 7), 3, (2, 4, 4), _random_samples=torch.rand(1, 2, 3))",
    "F.fractional_max_pool3d(torch.randn(1, 2, 5, 6, 7), 3, (2, 3, 4), _random_samples=torch.rand(1, 2, 3))",
]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_validation_like_torch(snippet):
    assert snippet_outcome(numtorch, snippet) == snippet_outcome(torch, snippet)
