"""nn.utils.fusion against PyTorch: the fused layer's weights and outputs, with PyTorch's
weights and running statistics copied in, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error


def pair(make, seed=0):
    """The same layer in both libraries, PyTorch's random state copied into numtorch's; the
    BatchNorm statistics and affine terms made non-trivial."""
    t = make(torch)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for value in t.state_dict().values():
            if value.dtype.is_floating_point:
                value.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(value.shape))))
    n = make(numtorch)
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return t.eval(), n.eval()


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_eval(bias):
    t_lin, n_lin = pair(lambda lib: lib.nn.Linear(4, 3, bias=bias))
    t_bn, n_bn = pair(lambda lib: lib.nn.BatchNorm1d(3), seed=1)
    t_fused = torch.nn.utils.fuse_linear_bn_eval(t_lin, t_bn)
    n_fused = numtorch.nn.utils.fuse_linear_bn_eval(n_lin, n_bn)
    assert n_fused is not n_lin and type(n_fused) is numtorch.nn.Linear
    for key, value in t_fused.state_dict().items():
        assert_close(n_fused.state_dict()[key], value, 1e-6, 1e-6, key)
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    assert_close(n_fused(numtorch.tensor(x)), n_bn(n_lin(numtorch.tensor(x))), 1e-5, 1e-5, "fn")


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    if transpose and not hasattr(numtorch.nn, "ConvTranspose2d"):
        pytest.skip("numtorch.nn has no ConvTranspose2d")

    def conv(lib):
        cls = lib.nn.ConvTranspose2d if transpose else lib.nn.Conv2d
        return cls(2, 3, 3, bias=False)

    t_conv, n_conv = pair(conv)
    t_bn, n_bn = pair(lambda lib: lib.nn.BatchNorm2d(3), seed=1)
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose=transpose)
    n_fused = numtorch.nn.utils.fuse_conv_bn_eval(n_conv, n_bn, transpose=transpose)
    assert list(n_fused.state_dict()) == list(t_fused.state_dict())
    for key, value in t_fused.state_dict().items():
        assert_close(n_fused.state_dict()[key], value, 1e-6, 1e-6, key)


def test_fusion_errors():
    check_error(
        lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2)),
        "Fusion only for eval!",
    )
    check_error(
        lambda lib: lib.nn.utils.fuse_linear_bn_eval(
            lib.nn.Linear(2, 2).eval(), lib.nn.BatchNorm1d(3).eval()
        ),
        "To fuse, linear.out_features == bn.num_features or bn.num_features == 1",
    )
    check_error(
        lambda lib: lib.nn.utils.fuse_linear_bn_eval(
            lib.nn.Linear(2, 2).eval(), lib.nn.BatchNorm1d(2, track_running_stats=False).eval()
        ),
        "bn.running_mean and bn.running_var must not be None",
    )
