"""SyncBatchNorm in one process against PyTorch: BatchNorm's maths for any (N, C, ...) input,
its repr and state_dict, its errors, and convert_sync_batchnorm's recursive replacement."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 4), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_forward_backward_running_stats(shape, momentum):
    t = torch.nn.SyncBatchNorm(3, momentum=momentum)
    n = numtorch.nn.SyncBatchNorm(3, momentum=momentum)
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict())
    rng = np.random.default_rng(0)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(rng.standard_normal(3).astype(np.float32)))
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    for step in range(2):
        x = rng.standard_normal(shape).astype(np.float32)
        tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
        t_out, n_out = t(tx), n(nx)
        assert_close(n_out, t_out, 1e-5, 1e-5, f"output {step}")
        t_out.square().sum().backward()
        n_out.square().sum().backward()
        assert_close(nx.grad, tx.grad, 1e-4, 1e-5, "input grad")
        assert_close(n.weight.grad, t.weight.grad, 1e-4, 1e-5, "weight grad")
    for key, value in t.state_dict().items():
        assert_close(n.state_dict()[key], value, 1e-5, 1e-6, key)
    t.eval()
    n.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    assert_close(n(numtorch.tensor(x)), t(torch.tensor(x)), 1e-5, 1e-5, "eval output")


def test_errors_and_options():
    check_error(lambda lib: lib.nn.SyncBatchNorm(3)(lib.ones(3)), "expected at least 2D input")
    check_error(
        lambda lib: lib.nn.SyncBatchNorm(0)(lib.ones(2, 0)),
        "SyncBatchNorm number of input channels should be non-zero",
    )
    for kwargs in ({"affine": False}, {"track_running_stats": False}, {"bias": False}):
        t, n = torch.nn.SyncBatchNorm(2, **kwargs), numtorch.nn.SyncBatchNorm(2, **kwargs)
        assert repr(n) == repr(t) and list(n.state_dict()) == list(t.state_dict())
    assert numtorch.nn.SyncBatchNorm(2, process_group="g").process_group == "g"


def make_net(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(3, 3),
        nn.BatchNorm1d(3, momentum=0.3, affine=False),
        nn.InstanceNorm1d(3),
        nn.Sequential(nn.BatchNorm2d(3, eps=1e-3, bias=False), nn.ReLU()),
    )


def test_convert_sync_batchnorm():
    t = torch.nn.SyncBatchNorm.convert_sync_batchnorm(make_net(torch).eval())
    net = make_net(numtorch).eval()
    inner = net[3][0]
    n = numtorch.nn.SyncBatchNorm.convert_sync_batchnorm(net, process_group=None)
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict())
    assert n[3][0].weight is inner.weight and n[3][0].running_mean is inner.running_mean
    assert not n[3][0].training and not n[1].training
    bn = numtorch.nn.BatchNorm2d(2)
    single = numtorch.nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert type(single) is numtorch.nn.SyncBatchNorm and single.weight is bn.weight
