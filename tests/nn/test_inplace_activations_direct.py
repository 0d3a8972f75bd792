"""The in-place element-wise activations (``leaky_relu_``, ``elu_``, ``selu_``, ``celu_``,
``hardtanh_``, ``relu6(inplace=True)``, ``threshold_`` and their modules) compute straight into
their tensor (``numtorch.ops.destination``): the same bits as the out-of-place form, no
temporary the size of the tensor, and autograd as PyTorch's in-place forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import peak_extra_bytes

import numtorch
from numtorch.ops import destination

# name: (in place, out of place), each f(F, x) with F numtorch's or torch's functional
OPS = {
    "leaky_relu_": (
        lambda F, x: F.leaky_relu_(x, 0.2),
        lambda F, x: F.leaky_relu(x, 0.2),
    ),
    "LeakyReLU(inplace)": (
        lambda F, x: _nn(F).LeakyReLU(0.01, inplace=True)(x),
        lambda F, x: F.leaky_relu(x, 0.01),
    ),
    "elu_": (lambda F, x: F.elu_(x), lambda F, x: F.elu(x)),
    "ELU(inplace)": (
        lambda F, x: _nn(F).ELU(0.7, inplace=True)(x),
        lambda F, x: F.elu(x, 0.7),
    ),
    "selu_": (lambda F, x: F.selu_(x), lambda F, x: F.selu(x)),
    "celu_": (lambda F, x: F.celu_(x, 0.5), lambda F, x: F.celu(x, 0.5)),
    "hardtanh_": (
        lambda F, x: F.hardtanh_(x, -1.5, 0.75),
        lambda F, x: F.hardtanh(x, -1.5, 0.75),
    ),
    "ReLU6(inplace)": (
        lambda F, x: _nn(F).ReLU6(inplace=True)(x),
        lambda F, x: F.relu6(x),
    ),
    "threshold_": (
        lambda F, x: F.threshold_(x, 0.1, 5.0),
        lambda F, x: F.threshold(x, 0.1, 5.0),
    ),
    "Threshold(inplace)": (
        lambda F, x: _nn(F).Threshold(-0.5, -2.0, inplace=True)(x),
        lambda F, x: F.threshold(x, -0.5, -2.0),
    ),
}
# ops whose node keeps its result (PyTorch's ``leaky_relu_``, ``elu_``, ...): a later in-place
# write of the result fails backward; the others keep what they need of the input
SAVES_RESULT = {"leaky_relu_", "LeakyReLU(inplace)", "elu_", "ELU(inplace)", "selu_", "celu_"}
ELU_FAMILY = {"elu_", "ELU(inplace)", "selu_", "celu_"}
SPECIALS = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-40, 1.0, -1.0, 6.0, 0.1]


def _nn(F):
    return numtorch.nn if F is numtorch.nn.functional else torch.nn


def _libs():
    return ((numtorch, numtorch.nn.functional), (torch, torch.nn.functional))


def _input(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(shape) * 3).astype(dtype)
    a.reshape(-1)[: len(SPECIALS)] = SPECIALS
    a.reshape(-1)[-len(SPECIALS) :] = SPECIALS
    return a


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(f"u{a.itemsize}")


def _run(lib, F, f, a, w):
    """``f`` on ``x * 1`` (``x`` a leaf), then backward of ``(out * w).sum()``."""
    x = lib.tensor(a, requires_grad=True)
    y = x * 1.0
    storage = y._data if lib is numtorch else None
    out = f(F, y)
    (out * lib.tensor(w)).sum().backward()
    return y, out, storage, x.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(OPS))
def test_inplace_equals_out_of_place_and_torch(name, dtype, monkeypatch):
    """The values are the out-of-place form's, bit for bit; the gradient is the one numtorch
    got by computing out of place and copying in (the in-place ELU family's is the result's
    formula, PyTorch's ``elu_backward(..., is_result=True)``), and both are PyTorch's."""
    inplace_f, out_of_place_f = OPS[name]
    shape = (64, 1024)
    a, w = _input(shape, dtype), np.random.default_rng(1).standard_normal(shape).astype(dtype)
    F = numtorch.nn.functional
    y, out, storage, grad = _run(numtorch, F, inplace_f, a, w)
    assert out is y and y._data is storage  # computed into y's own memory
    _, ref, _, _ = _run(numtorch, F, out_of_place_f, a, w)
    np.testing.assert_array_equal(_bits(out.detach().numpy()), _bits(ref.detach().numpy()))
    with monkeypatch.context() as m:
        m.setattr(destination, "take", lambda x: None)  # computed out of place, then copied
        copied_y, copied, copied_storage, copied_grad = _run(numtorch, F, inplace_f, a, w)
    assert copied_y._data is copied_storage
    np.testing.assert_array_equal(_bits(out.detach().numpy()), _bits(copied.detach().numpy()))
    np.testing.assert_array_equal(_bits(grad.numpy()), _bits(copied_grad.numpy()))
    _, tout, _, tgrad = _run(torch, torch.nn.functional, inplace_f, a, w)
    assert out.grad_fn.name() == tout.grad_fn.name()
    torch.testing.assert_close(
        torch.from_numpy(out.detach().numpy()), tout.detach(), equal_nan=True
    )
    if name in ELU_FAMILY:  # PyTorch's NaN gradient: its vectorised loop's or its tail's
        keep = ~np.isnan(a)
        grad, tgrad = grad[keep], tgrad[torch.from_numpy(keep)]
    torch.testing.assert_close(torch.from_numpy(grad.numpy()), tgrad, equal_nan=True)


SIZES = [(512, 1024), (64, 1024, 17)]  # one thread (2 MiB in float32); split (4.25 MiB)


@pytest.mark.parametrize("shape", SIZES, ids=["one", "split"])
@pytest.mark.parametrize("grad", [False, True], ids=["no-grad", "grad"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(OPS))
def test_inplace_allocates_no_full_size_temporary(name, dtype, grad, shape):
    inplace_f, _ = OPS[name]
    F = numtorch.nn.functional
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x = numtorch.tensor(a, requires_grad=grad)
    inplace_f(F, x * 1.0)  # the thread pool exists before the count
    numtorch._kernels.wait_for_kernels()  # a cold cache's compiler thread allocates meanwhile
    y = x * 1.0
    storage = y._data
    extra = peak_extra_bytes(lambda: inplace_f(F, y))
    assert y._data is storage
    # block-sized temporaries and, for the ops that keep a mask of the input, a bool per
    # element: out of place and copied, a whole float tensor more
    mask = 0 if name in SAVES_RESULT else a.size
    assert extra < storage.nbytes / 2 + mask, (extra, storage.nbytes)
    with numtorch.no_grad():
        expected = OPS[name][1](F, numtorch.tensor(a)).numpy()
    np.testing.assert_array_equal(_bits(storage), _bits(expected))


@pytest.mark.parametrize("name", list(OPS))
def test_inplace_on_a_view_updates_the_base_and_its_gradient(name):
    inplace_f, _ = OPS[name]
    a = _input((6, 64), np.float32)
    w = np.random.default_rng(2).standard_normal((6, 64)).astype(np.float32)
    results = []
    for lib, F in _libs():
        x = lib.tensor(a, requires_grad=True)
        base = x * 1.0
        view = base[1:5, ::2]  # not contiguous: written through NumPy's iterator
        out = inplace_f(F, view)
        assert out is view
        (base * lib.tensor(w)).sum().backward()
        results.append((base.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        torch.testing.assert_close(torch.from_numpy(ours), torch.from_numpy(theirs), equal_nan=True)


@pytest.mark.parametrize("name", list(OPS))
def test_inplace_on_a_leaf_that_requires_grad_is_refused(name):
    inplace_f, _ = OPS[name]
    for lib, F in _libs():
        x = lib.randn(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            inplace_f(F, x)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            inplace_f(F, x[0])


@pytest.mark.parametrize("name", list(OPS))
def test_result_written_again_fails_backward_where_torch_s_does(name):
    inplace_f, _ = OPS[name]
    a = _input((4, 16), np.float32)
    grads = []
    for lib, F in _libs():
        x = lib.tensor(a, requires_grad=True)
        y = x * 1.0
        inplace_f(F, y)
        y.mul_(2.0)
        if name in SAVES_RESULT:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                y.sum().backward()
        else:  # the node kept (a mask of) the input, which the write does not touch
            y.sum().backward()
            grads.append(x.grad.numpy())
    if grads:
        np.testing.assert_array_equal(*grads)


@pytest.mark.parametrize("name", ["leaky_relu_", "elu_"])
def test_a_negative_slope_still_fails_backward_as_in_torch(name):
    """The in-place forward computes; backward from the result refuses, as PyTorch's."""
    for lib, F in _libs():
        x = lib.tensor(_input((4, 16), np.float32), requires_grad=True)
        y = x * 1.0
        if name == "leaky_relu_":
            F.leaky_relu_(y, -0.5)
            expected = F.leaky_relu(x.detach(), -0.5)
        else:
            F.elu_(y, -0.5)
            expected = F.elu(x.detach(), -0.5)
        np.testing.assert_array_equal(_bits(y.detach().numpy()), _bits(expected.numpy()))
        with pytest.raises(RuntimeError, match="negative slope"):
            y.sum().backward()


def test_threshold_on_integers_and_without_grad():
    a = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    results = []
    for lib, F in _libs():
        x = lib.tensor(a)
        out = F.threshold_(x, 1, -9)
        assert out is x
        results.append(x.numpy())
    np.testing.assert_array_equal(*results)
    with numtorch.no_grad():
        x = numtorch.tensor(_input((32, 32), np.float64))
        storage = x._data
        numtorch.nn.functional.elu_(x)
        assert x._data is storage


@pytest.mark.parametrize("name", list(OPS))
def test_the_in_place_forms_are_offered_their_target(name, monkeypatch):
    inplace_f, _ = OPS[name]
    x = numtorch.randn(8, 8)
    seen = []
    real = destination.offering

    def spy(array):
        seen.append(array)
        return real(array)

    monkeypatch.setattr(destination, "offering", spy)
    inplace_f(numtorch.nn.functional, x)
    assert len(seen) == 1 and seen[0] is x._data


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_hardtanh_and_relu6_in_place_keep_the_copying_route(dtype):
    """An integer tensor with float bounds: the result is clipped and cast back, as
    PyTorch's (the direct route would write a float clip into integers)."""
    values = np.array([-3, 0, 2, 9], dtype=dtype)
    for fn in (
        lambda F, t: F.relu6(t, inplace=True),
        lambda F, t: F.hardtanh(t, -0.5, 0.5, inplace=True),
    ):
        t, tt = numtorch.tensor(values.copy()), torch.tensor(values.copy())
        out, expected = fn(numtorch.nn.functional, t), fn(torch.nn.functional, tt)
        assert out is t and out.dtype == t.dtype
        np.testing.assert_array_equal(t.numpy(), expected.numpy())


def test_in_place_hardtanh_under_no_grad_keeps_no_mask():
    """Nothing is recorded under ``no_grad``, so the in-place clamp keeps no gradient mask:
    no allocation a quarter of the tensor's size, the same values."""
    x = numtorch.randn(64, 1024, 17)
    expected = numtorch.nn.functional.relu6(x).numpy()
    with numtorch.no_grad():
        peak = peak_extra_bytes(lambda: numtorch.nn.functional.relu6(x, inplace=True))
    np.testing.assert_array_equal(x.numpy(), expected)
    assert peak < x.numpy().nbytes // 16
