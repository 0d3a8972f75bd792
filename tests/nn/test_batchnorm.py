"""F.batch_norm and nn.BatchNorm1d/2d/3d against PyTorch: values, gradients, running
statistics over several steps, train/eval, state_dict, repr and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import check_gradcheck, check_op


def _raises_like_torch(fn, exc: type, match: str) -> None:
    """``fn(lib)`` raises ``exc`` matching ``match`` in numtorch, and in PyTorch too."""
    for lib in (numtorch, torch):
        with pytest.raises(exc, match=match):
            fn(lib)


def _stats(lib, c: int, dtype=np.float32):
    mean = lib.tensor(np.linspace(-1, 1, c).astype(dtype))
    var = lib.tensor(np.linspace(0.5, 2, c).astype(dtype))
    return mean, var


# ------------------------------------------------------------------ F.batch_norm


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (6, 3), (4, 3, 5), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_batch_norm_matches_torch_with_running_stats(training, shape, affine):
    def fn(lib, x, w, b):
        rm, rv = _stats(lib, x.shape[1])
        w, b = {"both": (w, b), "weight": (w, None), "none": (None, None)}[affine]
        out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training, 0.3, 1e-3)
        return out, rm, rv  # the running statistics must move identically

    check_op(fn, shape, (3,), (3,), rtol=1e-4, atol=1e-5)


def test_batch_norm_without_running_stats_float64_and_non_contiguous():
    fn = lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, True)  # noqa: E731
    check_op(fn, (5, 3, 4, 4), (3,), (3,), dtype=np.float64, rtol=1e-10, atol=1e-10)
    nc = lambda lib, x: lib.nn.functional.batch_norm(x.transpose(1, 3), None, None, training=True)  # noqa: E731
    check_op(nc, (3, 4, 5, 2), rtol=1e-4, atol=1e-5)


def test_batch_norm_large_batch_float32_stays_accurate():
    x = (np.random.default_rng(0).standard_normal((64, 4, 32, 32)) * 10 + 100).astype(np.float32)
    ours = numtorch.nn.functional.batch_norm(numtorch.tensor(x), None, None, training=True)
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


def test_batch_norm_empty_batch_leaves_running_stats_alone():
    rm, rv = _stats(numtorch, 3)
    out = numtorch.nn.functional.batch_norm(numtorch.zeros(0, 3, 2, 2), rm, rv, training=True)
    assert out.shape == (0, 3, 2, 2)
    np.testing.assert_array_equal(rm.numpy(), np.linspace(-1, 1, 3).astype(np.float32))


def test_batch_norm_running_stat_update_keeps_version_as_torch():
    """PyTorch's update of the running statistics is not an in-place change of them (a module
    called twice in one step must back-propagate through both calls)."""
    for lib in (numtorch, torch):
        rm, rv = _stats(lib, 3)
        lib.nn.functional.batch_norm(lib.randn(4, 3), rm, rv, training=True)
        assert rm._version == 0 if lib is torch else rm._version[0] == 0


def test_batch_norm_module_called_twice_in_one_step_matches_torch():
    def fn(lib, x, y):
        bn = lib.nn.BatchNorm2d(3)
        with lib.no_grad():
            bn.weight.copy_(lib.tensor([0.5, 1.0, 2.0]))
        return bn(x) * bn(y).flip(0), bn.running_mean, bn.running_var

    check_op(fn, (4, 3, 2, 2), (4, 3, 2, 2), rtol=1e-4, atol=1e-5)


def _eval_grads(lib, update_between: bool) -> tuple:
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
    w = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
    rm, rv = _stats(lib, 3, np.float64)
    out = lib.nn.functional.batch_norm(x, rm, rv, w, None, False)
    if update_between:  # a training step updates the running statistics in place
        batch = lib.tensor(np.linspace(-5, 9, 24).reshape(8, 3))
        lib.nn.functional.batch_norm(batch, rm, rv, None, None, True)
    out.sum().backward()
    return x.grad.numpy(), w.grad.numpy()


def test_batch_norm_eval_gradient_uses_the_statistics_of_the_forward():
    """A training step that updates the running statistics between an eval forward and its
    backward does not change that backward: never a gradient at a changed value. (PyTorch
    does not count the update as an in-place change either, and there the backward reads
    the updated variance.)"""
    expected = _eval_grads(torch, False)
    for got in (_eval_grads(numtorch, False), _eval_grads(numtorch, True)):
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)


def test_batch_norm_running_stats_changed_by_hand_refuse_backward():
    for training in (True, False):
        for lib in (numtorch, torch):
            x = lib.randn(4, 3, requires_grad=True)
            rm, rv = _stats(lib, 3)
            out = lib.nn.functional.batch_norm(x, rm, rv, training=training)
            rv.mul_(2)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    def fn(lib, x, w, b):
        rm, rv = _stats(lib, 2, np.float64)
        return lib.nn.functional.batch_norm(x, rm, rv, w, b, training, 0.1, 1e-3)

    check_gradcheck(fn, (3, 2, 2, 2), (2,), (2,))
    check_gradcheck(
        lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), (4, 2, 3)
    )


@pytest.mark.parametrize(
    "args, kw, exc, match",
    [
        (((2, 3, 4, 4), None, None), {"training": False}, RuntimeError,
         "running_mean must be defined in evaluation mode"),
        (((2, 3, 4, 4), 3, None), {"training": True}, ValueError,
         "running_mean and running_var must either both be None or neither be None"),
        (((2, 3, 4, 4), 4, 4), {"training": True}, RuntimeError,
         "running_mean should contain 3 elements not 4"),
        (((1, 3, 1, 1), 3, 3), {"training": True}, ValueError,
         "Expected more than 1 value per channel when training, got input size "
         "torch.Size\\(\\[1, 3, 1, 1\\]\\)"),
        (((1, 3), 3, 3), {"training": True}, ValueError, "Expected more than 1 value per channel"),
        (((2, 3), 3, 3), {"training": True, "eps": 0}, ValueError,
         "batch_norm eps must be positive during training, but got 0"),
        (((2, 3), 3, 3), {"eps": -1}, ValueError, "batch_norm eps must be non-negative, but got -1"),
    ],
)  # fmt: skip
def test_batch_norm_errors_like_torch(args, kw, exc, match):
    def call(lib):
        shape, m, v = args
        stat = lambda n: None if n is None else lib.zeros(n)  # noqa: E731
        return lib.nn.functional.batch_norm(lib.zeros(shape), stat(m), stat(v), **kw)

    _raises_like_torch(call, exc, match)


def test_batch_norm_weight_bias_and_dtype_errors():
    f = numtorch.nn.functional.batch_norm
    x, rm, rv = numtorch.zeros(2, 3, 2), numtorch.zeros(3), numtorch.ones(3)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        f(x, rm, rv, numtorch.ones(4))
    with pytest.raises(RuntimeError, match="bias should contain 3 elements not 4"):
        f(x, rm, rv, None, numtorch.ones(4))
    with pytest.raises(RuntimeError, match="mixed dtype \\(CPU\\): all inputs must share"):
        f(x.double(), rm, rv, training=True)
    with pytest.raises(NotImplementedError, match="\"batch_norm\" not implemented for 'Long'"):
        f(x.long(), rm, rv)
    with pytest.raises(ValueError, match="at least 2D, but got 1D input"):
        f(numtorch.zeros(3), numtorch.zeros(1), numtorch.ones(1))
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor"):
        f(np.zeros((2, 3)), rm, rv)


# ------------------------------------------------------------------ nn.BatchNorm*d

CONFIGS = [
    {},
    {"affine": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False},
    {"momentum": None},
    {"eps": 1e-3, "momentum": 0.5},
    {"bias": False},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_batchnorm_module_state_dict_and_repr_match_torch(kwargs):
    for cls in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"):
        ours, theirs = getattr(numtorch.nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        for key, value in theirs.state_dict().items():
            mine = ours.state_dict()[key]
            assert str(mine.dtype) == str(value.dtype)
            np.testing.assert_array_equal(mine.numpy(), value.numpy())


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_batchnorm2d_training_then_eval_matches_torch(kwargs):
    ours, theirs = numtorch.nn.BatchNorm2d(3, **kwargs), torch.nn.BatchNorm2d(3, **kwargs)
    rng = np.random.default_rng(0)
    if ours.weight is not None:  # non-trivial affine parameters
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor([0.5, 2.0, -1.0]))
        ours.weight.data = numtorch.tensor([0.5, 2.0, -1.0])
    for step, training in enumerate([True, True, True, False, True, False]):
        ours.train(training)
        theirs.train(training)
        x = (rng.standard_normal((4, 3, 5, 5)) * (step + 1) + step).astype(np.float32)
        nx, tx = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        n_out, t_out = ours(nx), theirs(tx)
        np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), 1e-4, 1e-4)
        n_out.square().sum().backward()
        t_out.square().sum().backward()
        np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), 1e-3, 1e-3)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), 1e-5, 1e-6)
    if ours.weight is not None:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), 1e-3, 1e-3)


def test_batchnorm1d_on_2d_and_3d_input_matches_torch():
    for shape in ((8, 4), (8, 4, 6)):
        ours, theirs = numtorch.nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
        x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(
            ours(numtorch.tensor(x)).detach().numpy(),
            theirs(torch.tensor(x)).detach().numpy(),
            1e-5,
            1e-5,
        )
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), 1e-6)


def test_batchnorm_buffers_are_not_parameters_and_load_from_torch():
    ours = numtorch.nn.BatchNorm2d(3)
    assert [n for n, _ in ours.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    assert ours.num_batches_tracked.dtype == numtorch.int64 and ours.num_batches_tracked.ndim == 0
    theirs = torch.nn.BatchNorm2d(3)
    theirs(torch.randn(4, 3, 2, 2))
    ours.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert int(ours.num_batches_tracked) == 1
    np.testing.assert_array_equal(ours.running_mean.numpy(), theirs.running_mean.numpy())
    state = {k: v for k, v in ours.state_dict().items() if k != "num_batches_tracked"}
    numtorch.nn.BatchNorm2d(3).load_state_dict(state)  # a version-1 checkpoint: defaults to 0


def test_batchnorm_eval_without_running_stats_uses_batch_statistics():
    bn = numtorch.nn.BatchNorm2d(2, affine=False, track_running_stats=False).eval()
    out = bn(numtorch.randn(3, 2, 4, 4) * 5 + 3).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)


@pytest.mark.parametrize(
    "cls, shape, match",
    [
        ("BatchNorm2d", (2, 3, 4), "expected 4D input \\(got 3D input\\)"),
        ("BatchNorm1d", (2, 3, 4, 4), "expected 2D or 3D input \\(got 4D input\\)"),
        ("BatchNorm1d", (3,), "expected 2D or 3D input \\(got 1D input\\)"),
        ("BatchNorm3d", (2, 3, 4, 4), "expected 5D input \\(got 4D input\\)"),
        ("BatchNorm2d", (1, 3, 1, 1), "Expected more than 1 value per channel when training"),
    ],
)
def test_batchnorm_module_input_errors_like_torch(cls, shape, match):
    _raises_like_torch(lambda lib: getattr(lib.nn, cls)(3)(lib.zeros(shape)), ValueError, match)


def test_batchnorm_module_constructor_errors():
    with pytest.raises(TypeError, match="argument 'num_features' must be int, not float"):
        numtorch.nn.BatchNorm2d(2.5)
    _raises_like_torch(
        lambda lib: lib.nn.BatchNorm2d(-1),
        RuntimeError,
        "Trying to create tensor with negative dimension -1: \\[-1\\]",
    )
    _raises_like_torch(
        lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(2, 4, 2, 2)),
        RuntimeError,
        "running_mean should contain 4 elements not 3",
    )
