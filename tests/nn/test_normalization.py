"""LayerNorm, GroupNorm, InstanceNorm1d/2d/3d, RMSNorm, LocalResponseNorm and F.normalize:
against PyTorch with PyTorch's weights copied in (outputs, input and parameter gradients,
running statistics, float32 and float64), float64 gradcheck, repr/state_dict, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_gradcheck, check_op

import numtorch

# (constructor name, args, kwargs, input shape)
MODULES = [
    ("LayerNorm", (5,), {}, (3, 4, 5)),
    ("LayerNorm", ((4, 5),), {}, (3, 4, 5)),
    ("LayerNorm", ([5],), {"elementwise_affine": False}, (2, 5)),
    ("LayerNorm", (5,), {"bias": False, "eps": 1e-3}, (2, 3, 5)),
    ("GroupNorm", (2, 6), {}, (3, 6, 4)),
    ("GroupNorm", (3, 6), {"affine": False}, (2, 6, 2, 3)),
    ("GroupNorm", (1, 4), {"bias": False}, (2, 4, 3)),
    ("GroupNorm", (4, 4), {"eps": 1e-2}, (2, 4, 5)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 6)),
    ("InstanceNorm2d", (4,), {"affine": True, "track_running_stats": True}, (2, 4, 3, 5)),
    ("InstanceNorm2d", (4,), {"track_running_stats": True, "momentum": None}, (2, 4, 3, 3)),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 3, 2, 2)),
    ("RMSNorm", (5,), {}, (3, 4, 5)),
    ("RMSNorm", ((4, 5),), {"eps": 1e-3}, (2, 4, 5)),
    ("RMSNorm", (5,), {"elementwise_affine": False}, (2, 5)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4)),
    ("LocalResponseNorm", (2,), {"alpha": 0.5, "beta": 1.5, "k": 2.0}, (2, 4, 3, 3)),
    ("LocalResponseNorm", (4,), {}, (1, 3, 2, 2, 2)),
]
_IDS = [f"{name}{args}{kwargs}" for name, args, kwargs, _ in MODULES]


def _pair(name: str, args: tuple, kwargs: dict, dtype) -> tuple:
    """The torch module with random (not default) parameters, and numtorch's with them copied."""
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    tm = getattr(torch.nn, name)(*args, **kwargs).to(tdtype)
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(p.shape))))
    nm = getattr(numtorch.nn, name)(*args, **kwargs).to(
        numtorch.float64 if dtype == np.float64 else numtorch.float32
    )
    nm.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm, nm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES, ids=_IDS)
def test_module_matches_torch_train_and_eval(name, args, kwargs, shape, dtype) -> None:
    tm, nm = _pair(name, args, kwargs, dtype)
    rng = np.random.default_rng(0)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for step in range(2):  # twice, so running statistics move and are used
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)
        up = rng.standard_normal(shape).astype(dtype)
        tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
        ty, ny = tm(tx), nm(nx)
        assert_close(ny, ty.detach(), tol, tol, f"{name} output, step {step}")
        ty.backward(torch.tensor(up))
        ny.backward(numtorch.tensor(up))
        assert_close(nx.grad, tx.grad, tol * 10, tol * 10, f"{name} input gradient")
        for (key, tp), np_ in zip(tm.named_parameters(), nm.parameters()):
            assert_close(np_.grad, tp.grad, tol * 10, tol * 10, f"{name} {key} gradient")
        for key, value in tm.state_dict().items():
            assert_close(nm.state_dict()[key], value, tol, tol, f"{name} {key} after step {step}")
    tm.eval(), nm.eval()
    x = rng.standard_normal(shape).astype(dtype)
    assert_close(nm(numtorch.tensor(x)), tm(torch.tensor(x)).detach(), tol, tol, f"{name} eval")


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES, ids=_IDS)
def test_module_repr_state_dict_and_init_match_torch(name, args, kwargs, shape) -> None:
    tm = getattr(torch.nn, name)(*args, **kwargs)
    nm = getattr(numtorch.nn, name)(*args, **kwargs)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict())
    for key, value in tm.state_dict().items():
        assert_close(nm.state_dict()[key], value, 0, 0, key)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4,), w, b),
        lambda lib, x, w, b: lib.nn.functional.layer_norm(x * 3, [4], w, None, 1e-3),
        lambda lib, x, w, b: lib.nn.functional.group_norm(x.reshape(2, 4, 3), 2, w, b),
        lambda lib, x, w, b: lib.nn.functional.rms_norm(x, (4,), w),
        lambda lib, x, w, b: lib.nn.functional.instance_norm(x.reshape(2, 4, 3), weight=w, bias=b),
        lambda lib, x, w, b: lib.nn.functional.normalize(x, dim=-1) * w,
        lambda lib, x, w, b: lib.nn.functional.normalize(x, p=1.0, dim=0),
        lambda lib, x, w, b: (
            lib.nn.functional.local_response_norm(x.reshape(2, 4, 3), 3).sum(-1) + b
        ),
    ],
    ids=[
        "layer_norm",
        "layer_norm eps",
        "group_norm",
        "rms_norm",
        "instance_norm",
        "normalize",
        "normalize p1",
        "local_response_norm",
    ],  # fmt: skip
)
def test_functional_parity_and_gradcheck(fn) -> None:
    specs = ((2, 3, 4), (4,), (4,))
    check_op(fn, *specs)
    check_op(fn, *specs, dtype=np.float64, rtol=1e-10, atol=1e-10)
    check_gradcheck(fn, *specs)


def test_node_names_match_torch() -> None:
    for fn in (
        lambda lib, x, w: lib.nn.functional.layer_norm(x, (3,), w),
        lambda lib, x, w: lib.nn.functional.group_norm(x, 3, w),
    ):
        names = []
        for lib in (torch, numtorch):
            x = lib.ones(2, 3, 3, requires_grad=True) * lib.arange(3.0)
            names.append(fn(lib, x, lib.ones(3, requires_grad=True)).grad_fn.name())
        assert names[0] == names[1]


def test_instance_norm_updates_running_stats_like_torch() -> None:
    x = np.random.default_rng(3).standard_normal((3, 2, 5)).astype(np.float32)
    stats = []
    for lib in (torch, numtorch):
        mean, var = lib.zeros(2), lib.ones(2)
        lib.nn.functional.instance_norm(lib.tensor(x), mean, var, momentum=0.3)
        stats.append((mean, var))
    assert_close(stats[1][0], stats[0][0], 1e-6, 1e-6, "running_mean")
    assert_close(stats[1][1], stats[0][1], 1e-6, 1e-6, "running_var")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (4,)),
         r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[2, 3\]"),
        (lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (3,), lib.ones(2)),
         r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[2\]"),
        (lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), ()),
         "Expected normalized_shape to be at least 1-dimensional"),
        (lambda lib: lib.nn.functional.group_norm(lib.ones(2, 3, 4), 2),
         r"Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 3, 4\] and num_groups=2"),
        (lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 2, lib.ones(3)),
         "Expected weight to be a vector of size equal to the number of channels"),
        (lambda lib: lib.nn.functional.group_norm(lib.ones(3), 1),
         "Expected at least 2 dimensions for input tensor but received 1"),
        (lambda lib: lib.nn.GroupNorm(4, 6), r"num_channels \(6\) must be divisible by num_groups \(4\)"),
        (lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(2, 3)), r"expected 3D or 4D input \(got 2D input\)"),
        (lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.ones(2, 4, 5)),
         r"expected input's size at dim=1 to match num_features \(3\), but got: 4."),
        (lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 1)),
         "Expected more than 1 spatial element when training"),
        (lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3), 2),
         r"Expected 3D or higher dimensionality\s+input \(got 2 dimensions\)"),
        (lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (2,)),
         r"Given normalized_shape=\[2\], expected input with shape \[\*2\]"),
    ],
)  # fmt: skip
def test_errors_match_torch(call, match) -> None:
    check_error(call, match)


def test_instance_norm_warns_when_features_differ_without_affine() -> None:
    for lib in (torch, numtorch):
        with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.ones(2, 4, 5))


def test_rms_norm_default_eps_is_the_dtypes_epsilon() -> None:
    for dtype in (np.float32, np.float64):
        x = np.full((2, 3), 1e-9, dtype)
        out = [lib.nn.functional.rms_norm(lib.tensor(x), (3,)) for lib in (torch, numtorch)]
        assert_close(out[1], out[0].detach(), 1e-6, 0, str(dtype))


def test_empty_inputs_match_torch_without_warnings() -> None:
    """(PyTorch gives group_norm's weight a NaN gradient when the groups are empty; numtorch's
    sums of nothing give 0, so only the input is compared there.)"""
    check_op(lambda lib, x, w: lib.nn.functional.layer_norm(x, (4,), w), (0, 4), (4,))
    check_op(lambda lib, x: lib.nn.functional.group_norm(x, 2), (2, 4, 0))
