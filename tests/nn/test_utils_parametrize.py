"""nn.utils.parametrize and nn.utils.parametrizations against PyTorch: the same module is built
in both libraries, PyTorch's state_dict is copied in, and values, gradients, state_dict keys,
repr and errors are compared."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error

# orthogonal() is built on linalg.matrix_exp / solve / qr / householder_product / geqrf.
needs_linalg = pytest.mark.skipif(
    not all(
        hasattr(numtorch.linalg, name)
        for name in ("matrix_exp", "solve", "qr", "householder_product")
    )
    or not hasattr(numtorch.Tensor, "geqrf"),
    reason="numtorch.linalg lacks the decompositions orthogonal() needs",
)


def copy_state(n_module, t_module) -> None:
    """Load PyTorch's state_dict (values and keys) into the numtorch module."""
    state = {k: numtorch.tensor(v.detach().numpy()) for k, v in t_module.state_dict().items()}
    n_module.load_state_dict(state)


def compare_forward_backward(n_module, t_module, shape, seed=0) -> None:
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    t_out, n_out = t_module(torch.tensor(x)), n_module(numtorch.tensor(x))
    assert_close(n_out, t_out, 1e-5, 1e-5, "output")
    t_out.square().sum().backward()
    n_out.square().sum().backward()
    t_params = dict(t_module.named_parameters())
    n_params = dict(n_module.named_parameters())
    assert list(n_params) == list(t_params)
    for name, t_param in t_params.items():
        assert_close(n_params[name].grad, t_param.grad, 1e-4, 1e-5, f"grad of {name}")


class Symmetric:
    """The same parametrization class for each library."""

    @staticmethod
    def make(lib):
        class Symmetric(lib.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2)

            def right_inverse(self, A):
                return A.triu()

        return Symmetric()


def make_split(lib):
    """A parametrization whose right_inverse returns two tensors (original0, original1)."""

    class Sum(lib.nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return w * 0.25, w * 0.75

    return Sum()


def build(lib, fn, *args, seed=0):
    torch.manual_seed(seed)
    numtorch.manual_seed(seed)
    return fn(lib, *args)


def test_register_parametrization_names_repr_values():
    P_t, P_n = torch.nn.utils.parametrize, numtorch.nn.utils.parametrize
    t = P_t.register_parametrization(torch.nn.Linear(3, 3), "weight", Symmetric.make(torch))
    n = P_n.register_parametrization(numtorch.nn.Linear(3, 3), "weight", Symmetric.make(numtorch))
    assert list(n.state_dict()) == list(t.state_dict())
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert type(n).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert repr(n) == repr(t)
    copy_state(n, t)
    compare_forward_backward(n, t, (4, 3))
    assert P_n.is_parametrized(n) and P_n.is_parametrized(n, "weight")
    assert not P_n.is_parametrized(n, "bias")
    assert P_n.type_before_parametrizations(n) is numtorch.nn.Linear


def test_assignment_runs_right_inverse():
    P = numtorch.nn.utils.parametrize
    m = P.register_parametrization(numtorch.nn.Linear(3, 3), "weight", Symmetric.make(numtorch))
    original = m.parametrizations.weight.original
    a = numtorch.randn(3, 3)
    m.weight = a
    assert m.parametrizations.weight.original is original  # same object, new values
    assert_close(original, a.triu(), 0, 0, "original")


def test_split_originals_and_remove():
    t = torch.nn.utils.parametrize.register_parametrization(
        torch.nn.Linear(2, 3), "weight", make_split(torch)
    )
    n = numtorch.nn.utils.parametrize.register_parametrization(
        numtorch.nn.Linear(2, 3), "weight", make_split(numtorch)
    )
    assert list(n.state_dict()) == list(t.state_dict())
    copy_state(n, t)
    compare_forward_backward(n, t, (2, 2))
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    numtorch.nn.utils.parametrize.remove_parametrizations(n, "weight")
    assert list(n.state_dict()) == list(t.state_dict())
    assert isinstance(n.weight, numtorch.nn.Parameter)
    assert_close(n.weight, t.weight, 1e-6, 1e-6, "weight after removal")
    check_error(
        lambda lib: lib.nn.utils.parametrize.remove_parametrizations(
            lib.nn.utils.parametrize.register_parametrization(
                lib.nn.Linear(2, 3), "weight", make_split(lib)
            ),
            "weight",
            leave_parametrized=False,
        ),
        "Cannot leave unparametrized",
    )


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def run(lib):
        m = lib.nn.Linear(3, 3)
        with lib.no_grad():
            m.weight.copy_(lib.arange(9.0).reshape(3, 3))
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Symmetric.make(lib))
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=leave)
        return m

    t, n = run(torch), run(numtorch)
    assert type(n) is numtorch.nn.Linear
    assert not hasattr(n, "parametrizations")
    assert isinstance(n.weight, numtorch.nn.Parameter)
    assert_close(n.weight, t.weight, 0, 0, "weight")
    assert list(n.state_dict()) == list(t.state_dict())


def test_chained_parametrizations_and_cached():
    def run(lib):
        m = lib.nn.Linear(3, 3)
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Symmetric.make(lib))
        P.register_parametrization(m, "weight", Symmetric.make(lib))
        return m

    t, n = run(torch), run(numtorch)
    assert list(n.state_dict()) == list(t.state_dict())
    assert repr(n) == repr(t)
    copy_state(n, t)
    compare_forward_backward(n, t, (2, 3))
    with numtorch.nn.utils.parametrize.cached():
        assert n.weight is n.weight
    assert n.weight is not n.weight


def test_parametrize_errors():
    check_error(
        lambda lib: lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "nope", Symmetric.make(lib)
        ),
        "does not have a parameter, a buffer, or a parametrized element with name 'nope'",
    )
    check_error(
        lambda lib: lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(2, 2), "weight"),
        "does not have a parametrization on weight",
    )

    def shape_changer(lib):
        class Flat(lib.nn.Module):
            def forward(self, x):
                return x.flatten()

        return lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "weight", Flat()
        )

    check_error(shape_changer, "may not change the shape of the tensor")
    check_error(
        lambda lib: lib.nn.utils.parametrize.ParametrizationList([], lib.ones(2)),
        "ParametrizationList requires one or more modules.",
    )


def test_pickle_refused_deepcopy_works():
    m = numtorch.nn.utils.parametrizations.weight_norm(numtorch.nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules"):
        pickle.dumps(m)
    c = copy.deepcopy(m)
    assert_close(c.weight, m.weight, 0, 0, "weight")
    assert c.parametrizations.weight.original0 is not m.parametrizations.weight.original0


# ---------------------------------------------------------------- parametrizations
@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_weight_norm(dim):
    t = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(5, 3), dim=dim)
    n = numtorch.nn.utils.parametrizations.weight_norm(numtorch.nn.Linear(5, 3), dim=dim)
    assert list(n.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in n.state_dict().values()] == [
        tuple(v.shape) for v in t.state_dict().values()
    ]
    assert repr(n) == repr(t)
    copy_state(n, t)
    compare_forward_backward(n, t, (4, 5))


def test_weight_norm_loads_legacy_keys():
    with pytest.warns(FutureWarning):
        legacy = torch.nn.utils.weight_norm(torch.nn.Linear(4, 2))
    n = numtorch.nn.utils.parametrizations.weight_norm(numtorch.nn.Linear(4, 2))
    copy_state(n, legacy)
    assert_close(n.weight, legacy.weight, 1e-6, 1e-6, "weight")


@pytest.mark.parametrize("dim", [0, 1])
def test_spectral_norm(dim):
    t = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(5, 4), dim=dim)
    n = numtorch.nn.utils.parametrizations.spectral_norm(numtorch.nn.Linear(5, 4), dim=dim)
    assert list(n.state_dict()) == list(t.state_dict())
    assert repr(n) == repr(t)
    copy_state(n, t)
    for seed in range(3):  # each training call refines u and v in place
        compare_forward_backward(n, t, (2, 5), seed)
        t.zero_grad()
        n.zero_grad()
    assert_close(n.parametrizations.weight[0]._u, t.parametrizations.weight[0]._u, 1e-5, 1e-6, "u")
    t.eval()
    n.eval()
    compare_forward_backward(n, t, (2, 5))


def test_spectral_norm_errors_and_1d():
    check_error(
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2),
        r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)",
    )
    check_error(
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(
            lib.nn.Linear(2, 2), n_power_iterations=0
        ),
        "Expected n_power_iterations to be positive",
    )
    check_error(
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), "nope"),
        "has no parameter or buffer with name 'nope'",
    )
    t = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(2, 2), "bias")
    n = numtorch.nn.utils.parametrizations.spectral_norm(numtorch.nn.Linear(2, 2), "bias")
    assert list(n.state_dict()) == list(t.state_dict())
    copy_state(n, t)
    compare_forward_backward(n, t, (3, 2))


@needs_linalg
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_orthogonal(orthogonal_map, shape):
    def make(lib):
        m = lib.nn.Linear(shape[1], shape[0])
        return lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map)

    t, n = make(torch), make(numtorch)
    assert list(n.state_dict()) == list(t.state_dict())
    assert repr(n) == repr(t)
    copy_state(n, t)
    # Move away from the identity of the trivialization so the map itself is exercised.
    delta = np.random.default_rng(1).standard_normal(shape).astype(np.float32) * 0.3
    if orthogonal_map == "householder":  # its diagonal holds signs (PyTorch truncates to int)
        np.fill_diagonal(delta, 0.0)
    with torch.no_grad():
        t.parametrizations.weight.original.add_(torch.tensor(delta))
    with numtorch.no_grad():
        n.parametrizations.weight.original.add_(numtorch.tensor(delta))
    compare_forward_backward(n, t, (2, shape[1]))
    w = n.weight.detach()
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    assert_close(gram, numtorch.eye(min(shape)), 1e-5, 1e-5, "orthogonality")


@needs_linalg
def test_orthogonal_assignment_and_errors():
    m = numtorch.nn.utils.parametrizations.orthogonal(numtorch.nn.Linear(4, 4))
    q, _ = numtorch.linalg.qr(numtorch.randn(4, 4))
    m.weight = q
    assert_close(m.weight, q, 1e-5, 1e-5, "assigned orthogonal weight")
    m.weight = numtorch.randn(4, 4)  # not orthogonal: made orthogonal first
    w = m.weight.detach()
    assert_close(w.T @ w, numtorch.eye(4), 1e-5, 1e-5, "orthogonality")
    check_error(
        lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias"),
        "Expected a matrix or batch of matrices. Got a tensor of 1 dimensions.",
    )
    check_error(
        lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "weight", "x"),
        'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: x',
    )


@needs_linalg
def test_orthogonal_without_trivialization():
    for lib in (torch, numtorch):
        m = lib.nn.utils.parametrizations.orthogonal(
            lib.nn.Linear(4, 3), orthogonal_map="householder", use_trivialization=False
        )
        w = m.weight.detach()
        assert_close(w @ w.T, lib.eye(3), 1e-5, 1e-5, "orthogonality")
    t = torch.nn.utils.parametrizations.orthogonal(
        torch.nn.Linear(4, 3), orthogonal_map="householder", use_trivialization=False
    )
    n = numtorch.nn.utils.parametrizations.orthogonal(
        numtorch.nn.Linear(4, 3), orthogonal_map="householder", use_trivialization=False
    )
    assert list(n.state_dict()) == list(t.state_dict())
    copy_state(n, t)
    compare_forward_backward(n, t, (2, 4))


@pytest.mark.parametrize("cls", ["Conv2d", "ConvTranspose2d"])
def test_norms_on_convolutions(cls):
    if not hasattr(numtorch.nn, cls):
        pytest.skip(f"numtorch.nn has no {cls}")

    def make(lib, which):
        conv = getattr(lib.nn, cls)(2, 3, 3)
        if which == "spectral":
            return lib.nn.utils.parametrizations.spectral_norm(conv)
        return lib.nn.utils.parametrizations.weight_norm(conv)

    for which in ("spectral", "weight"):
        t, n = make(torch, which), make(numtorch, which)
        assert list(n.state_dict()) == list(t.state_dict())
        assert [tuple(v.shape) for v in n.state_dict().values()] == [
            tuple(v.shape) for v in t.state_dict().values()
        ]
        copy_state(n, t)
        compare_forward_backward(n, t, (2, 2, 5, 5))
