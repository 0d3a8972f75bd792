"""The legacy hook-based nn.utils.weight_norm / spectral_norm and parameters_to_vector against
PyTorch: state_dict keys and metadata, values and gradients with PyTorch's weights (and its
power-iteration vectors) copied in, removal, warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error


def copy_state(n_module, t_module) -> None:
    state = {k: numtorch.tensor(v.detach().numpy()) for k, v in t_module.state_dict().items()}
    n_module.load_state_dict(state)


def run_both(n_module, t_module, shape, seed=0) -> None:
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    t_out, n_out = t_module(torch.tensor(x)), n_module(numtorch.tensor(x))
    assert_close(n_out, t_out, 1e-5, 1e-5, "output")
    t_out.square().sum().backward()
    n_out.square().sum().backward()
    t_params, n_params = dict(t_module.named_parameters()), dict(n_module.named_parameters())
    assert list(n_params) == list(t_params)
    for name, t_param in t_params.items():
        assert_close(n_params[name].grad, t_param.grad, 1e-4, 1e-5, f"grad of {name}")


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_weight_norm_warns_like_pytorch():
    for lib in (torch, numtorch):
        with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated"):
            lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm(dim):
    t = quiet(torch.nn.utils.weight_norm, torch.nn.Linear(5, 3), dim=dim)
    n = quiet(numtorch.nn.utils.weight_norm, numtorch.nn.Linear(5, 3), dim=dim)
    assert list(n.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in n.state_dict().values()] == [
        tuple(v.shape) for v in t.state_dict().values()
    ]
    copy_state(n, t)
    run_both(n, t, (4, 5))
    torch.nn.utils.remove_weight_norm(t)
    numtorch.nn.utils.remove_weight_norm(n)
    assert list(n.state_dict()) == list(t.state_dict())
    assert isinstance(n.weight, numtorch.nn.Parameter)
    assert_close(n.weight, t.weight, 1e-6, 1e-6, "weight after removal")


def test_weight_norm_errors():
    def twice(lib):
        m = quiet(lib.nn.utils.weight_norm, lib.nn.Linear(2, 2))
        return quiet(lib.nn.utils.weight_norm, m)

    check_error(twice, "Cannot register two weight_norm hooks on the same parameter weight")
    check_error(
        lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(2, 2)),
        "weight_norm of 'weight' not found in Linear",
    )


def test_spectral_norm_keys_values_and_power_iteration():
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 4))
    n = numtorch.nn.utils.spectral_norm(numtorch.nn.Linear(5, 4))
    t_state, n_state = t.state_dict(), n.state_dict()
    assert list(n_state) == list(t_state) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert n_state._metadata == t_state._metadata
    copy_state(n, t)
    for seed in range(3):
        run_both(n, t, (2, 5), seed)
        t.zero_grad()
        n.zero_grad()
    assert_close(n.weight_u, t.weight_u, 1e-5, 1e-6, "u")
    assert_close(n.weight_v, t.weight_v, 1e-5, 1e-6, "v")
    t.eval()
    n.eval()
    run_both(n, t, (2, 5))
    torch.nn.utils.remove_spectral_norm(t)
    numtorch.nn.utils.remove_spectral_norm(n)
    assert list(n.state_dict()) == list(t.state_dict())
    assert_close(n.weight, t.weight, 1e-5, 1e-6, "weight after removal")
    assert not n._state_dict_hooks and not n._load_state_dict_pre_hooks


def test_spectral_norm_dim_and_errors():
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 4), dim=1)
    n = numtorch.nn.utils.spectral_norm(numtorch.nn.Linear(5, 4), dim=1)
    assert n.weight_u.shape == t.weight_u.shape and n.weight_v.shape == t.weight_v.shape
    copy_state(n, t)
    run_both(n, t, (3, 5))

    def twice(lib):
        return lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2)))

    check_error(twice, "Cannot register two spectral_norm hooks on the same parameter weight")
    check_error(
        lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), "bias"),
        "`SpectralNorm` cannot be applied as parameter `bias` is None",
    )
    check_error(
        lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0),
        "Expected n_power_iterations to be positive",
    )
    check_error(
        lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2)),
        "spectral_norm of 'weight' not found in Linear",
    )


def test_parameters_to_vector_roundtrip():
    t, n = torch.nn.Linear(3, 2), numtorch.nn.Linear(3, 2)
    copy_state(n, t)
    t_vec = torch.nn.utils.parameters_to_vector(t.parameters())
    n_vec = numtorch.nn.utils.parameters_to_vector(n.parameters())
    assert_close(n_vec, t_vec, 0, 0, "vector")
    assert n_vec.grad_fn is not None
    new = np.arange(8, dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t.parameters())
    numtorch.nn.utils.vector_to_parameters(numtorch.tensor(new), n.parameters())
    for (name, a), (_, b) in zip(n.named_parameters(), t.named_parameters()):
        assert_close(a, b, 0, 0, name)
    check_error(
        lambda lib: lib.nn.utils.vector_to_parameters([1.0], lib.nn.Linear(1, 1).parameters()),
        "expected torch.Tensor, but got: list",
    )


@pytest.mark.skipif(not hasattr(numtorch.linalg, "pinv"), reason="needs numtorch.linalg.pinv")
def test_spectral_norm_loads_version_0_checkpoint():
    """A checkpoint from before weight_v existed: weight_v is solved from weight and weight_u
    (a weight of full column rank, so the solution is well conditioned)."""
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 5))
    state = {k: v.clone() for k, v in t.state_dict().items() if k != "weight_v"}
    state["weight"] = t.weight.detach().clone()
    t_new = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 5))
    t_new.load_state_dict(state)
    n_new = numtorch.nn.utils.spectral_norm(numtorch.nn.Linear(4, 5))
    n_new.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in state.items()})
    assert_close(n_new.weight_v, t_new.weight_v, 1e-4, 1e-5, "solved weight_v")
