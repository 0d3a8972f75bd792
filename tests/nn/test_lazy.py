"""Lazy modules, uninitialised parameters and Bilinear against PyTorch: repr and state_dict
before the first call, initialisation from the first input (then the concrete class), loading
a checkpoint into a lazy module, and PyTorch's errors."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error

NORMS = [
    ("LazyBatchNorm1d", (4, 3)),
    ("LazyBatchNorm1d", (4, 3, 5)),
    ("LazyBatchNorm2d", (4, 3, 5, 2)),
    ("LazyBatchNorm3d", (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (4, 3, 5)),
    ("LazyInstanceNorm2d", (4, 3, 5, 2)),
    ("LazyInstanceNorm3d", (2, 3, 2, 2, 3)),
]


def test_uninitialized_parameter_and_buffer():
    for lib in (torch, numtorch):
        p = lib.nn.parameter.UninitializedParameter()
        assert repr(p) == "<UninitializedParameter>"
        assert p.requires_grad and isinstance(p, lib.nn.Parameter)
        assert lib.nn.parameter.is_lazy(p)
        p.materialize((2, 3), dtype=lib.float64)
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3)
        assert p.dtype == lib.float64 and not lib.nn.parameter.is_lazy(p)
        b = lib.nn.parameter.UninitializedBuffer()
        assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
        b.materialize(4)
        assert type(b) is lib.Tensor and tuple(b.shape) == (4,)
    check_error(lambda lib: lib.nn.parameter.UninitializedParameter().shape, "Can't access the")
    check_error(
        lambda lib: lib.nn.parameter.UninitializedBuffer().share_memory_(),
        "Can't share memory on an uninitialized parameter or buffer",
    )
    p = copy.deepcopy(numtorch.nn.parameter.UninitializedParameter(dtype=numtorch.float64))
    assert type(p) is numtorch.nn.parameter.UninitializedParameter
    assert p.data.dtype == numtorch.float64
    assert repr(pickle.loads(pickle.dumps(p))) == "<UninitializedParameter>"


def test_lazy_linear_initialises_and_becomes_linear():
    t, n = torch.nn.LazyLinear(3), numtorch.nn.LazyLinear(3)
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict())
    assert n.has_uninitialized_params()
    numtorch.manual_seed(0)
    x = numtorch.randn(2, 5)
    numtorch.manual_seed(1)
    out = n(x)
    assert type(n) is numtorch.nn.Linear and repr(n) == repr(torch.nn.Linear(5, 3))
    assert not hasattr(n, "_initialize_hook") and not n._forward_pre_hooks
    numtorch.manual_seed(1)
    ref = numtorch.nn.Linear(5, 3)  # the same draws as a Linear built directly
    assert_close(n.weight, ref.weight, 0, 0, "weight")
    assert_close(out, ref(x), 0, 0, "output")
    t(torch.tensor(x.numpy()))
    assert list(n.state_dict()) == list(t.state_dict())
    state = {k: numtorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()}
    n.load_state_dict(state)
    assert_close(n(x), t(torch.tensor(x.numpy())), 1e-6, 1e-6, "output with torch's weights")


def test_lazy_linear_without_bias_and_load_into_lazy():
    n = numtorch.nn.LazyLinear(4, bias=False)
    t = torch.nn.LazyLinear(4, bias=False)
    assert repr(n) == repr(t) and list(n.state_dict()) == list(t.state_dict())
    src = torch.nn.Linear(6, 4, bias=False)
    for module in (n, t):
        lib = numtorch if module is n else torch
        state = {k: lib.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
        module.load_state_dict(state)
        assert not module.has_uninitialized_params()
        assert type(module).__name__ == "LazyLinear"  # until its first call
    x = np.random.default_rng(0).standard_normal((2, 6)).astype(np.float32)
    assert_close(n(numtorch.tensor(x)), t(torch.tensor(x)), 1e-6, 1e-6, "output")
    assert type(n) is numtorch.nn.Linear and n.in_features == 6


def test_lazy_linear_state_dict_keep_vars_and_errors():
    n = numtorch.nn.LazyLinear(2)
    assert isinstance(n.state_dict()["weight"], numtorch.nn.parameter.UninitializedParameter)

    def mismatch(lib):
        m = lib.nn.LazyLinear(2)
        m.load_state_dict({k: v for k, v in lib.nn.Linear(6, 2).state_dict().items()})
        m(lib.ones(1, 5))

    check_error(mismatch, "The in_features inferred from input: 5 is not equal to in_features")

    def not_implemented(lib):
        class Lazy(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def forward(self, x):
                return x

        Lazy()(lib.ones(1))

    check_error(not_implemented, "initialize_parameters is not implemented for Lazy")

    def weight_norm_on_lazy(lib):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.nn.utils.weight_norm(lib.nn.LazyLinear(2))

    check_error(weight_norm_on_lazy, "can't have uninitialized parameters")
    check_error(
        lambda lib: lib.nn.utils.spectral_norm(lib.nn.LazyLinear(2)),
        "can't have uninitialized parameters",
    )


@pytest.mark.parametrize(("name", "shape"), NORMS)
def test_lazy_norms(name, shape):
    t, n = getattr(torch.nn, name)(), getattr(numtorch.nn, name)()
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
    t_out, n_out = t(tx), n(nx)
    assert type(n).__name__ == type(t).__name__ == name.replace("Lazy", "")
    assert repr(n) == repr(t)
    assert_close(n_out, t_out, 1e-5, 1e-5, "output")
    t_out.square().sum().backward()
    n_out.square().sum().backward()
    assert_close(nx.grad, tx.grad, 1e-4, 1e-5, "input grad")
    for key, value in t.state_dict().items():
        assert_close(n.state_dict()[key], value, 1e-5, 1e-6, key)


def test_lazy_norm_options():
    for kwargs in ({"affine": False}, {"track_running_stats": False}, {"bias": False}):
        t = torch.nn.LazyBatchNorm2d(**kwargs)
        n = numtorch.nn.LazyBatchNorm2d(**kwargs)
        assert repr(n) == repr(t) and list(n.state_dict()) == list(t.state_dict())
        x = np.random.default_rng(1).standard_normal((3, 2, 2, 2)).astype(np.float32)
        assert_close(n(numtorch.tensor(x)), t(torch.tensor(x)), 1e-5, 1e-5, str(kwargs))
        assert list(n.state_dict()) == list(t.state_dict())
    check_error(lambda lib: lib.nn.LazyBatchNorm2d()(lib.ones(2, 3)), "expected 4D input")


def test_lazy_module_copies_casts_and_pickles():
    for lib in (torch, numtorch):
        m = lib.nn.LazyLinear(3).double()
        assert m(lib.ones(2, 4, dtype=lib.float64)).dtype == lib.float64
        m = lib.nn.LazyLinear(3)
        c = copy.deepcopy(m)
        c(lib.ones(1, 2))
        assert type(c).__name__ == "Linear" and type(m).__name__ == "LazyLinear"
        assert m.has_uninitialized_params()
        p = pickle.loads(pickle.dumps(lib.nn.LazyBatchNorm1d()))
        p(lib.ones(2, 5))
        assert type(p).__name__ == "BatchNorm1d" and p.num_features == 5
    check_error(lambda lib: lib.nn.LazyLinear(3).share_memory(), "Can't share memory")


# ---------------------------------------------------------------- Bilinear (the Linear family)
@pytest.mark.parametrize(
    ("shape1", "shape2"), [((5, 2), (5, 3)), ((2,), (3,)), ((6, 5, 2), (6, 5, 3))]
)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(shape1, shape2, bias):
    t, n = torch.nn.Bilinear(2, 3, 4, bias=bias), numtorch.nn.Bilinear(2, 3, 4, bias=bias)
    assert repr(n) == repr(t) and list(n.state_dict()) == list(t.state_dict())
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape1, np.float32), rng.standard_normal(shape2, np.float32)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    na, nb = numtorch.tensor(a, requires_grad=True), numtorch.tensor(b, requires_grad=True)
    t_out, n_out = t(ta, tb), n(na, nb)
    assert_close(n_out, t_out, 1e-5, 1e-5, "output")
    t_out.square().sum().backward()
    n_out.square().sum().backward()
    assert_close(na.grad, ta.grad, 1e-4, 1e-5, "grad of input1")
    assert_close(nb.grad, tb.grad, 1e-4, 1e-5, "grad of input2")
    assert_close(n.weight.grad, t.weight.grad, 1e-4, 1e-5, "grad of weight")


def test_bilinear_errors():
    def call(shape1, shape2):
        return lambda lib: lib.nn.Bilinear(2, 3, 4)(lib.ones(*shape1), lib.ones(*shape2))

    check_error(call((5, 2), (4, 3)), "input batch dimensions do not match at dim 0: got 5 and 4")
    check_error(
        call((5, 2), (5, 4)), "input2 size does not match weight size: got 4 but expected 3"
    )
    check_error(
        call((5, 3), (5, 3)), "input1 size does not match weight size: got 3 but expected 2"
    )
    check_error(call((5, 2), (3,)), "input dimensions do not match: got 2 and 1")
    check_error(lambda lib: lib.nn.Bilinear(0, 2, 3), r"in1_features must be > 0")
