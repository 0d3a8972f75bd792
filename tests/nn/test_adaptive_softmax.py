"""``AdaptiveLogSoftmaxWithLoss`` against PyTorch with PyTorch's weights copied in: repr and
state_dict keys, forward's output and loss with the gradients of the input and every weight,
an unbatched example, ``log_prob``, ``predict``, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from numtorch.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
from tests.helpers import assert_close, check_error

CONFIGS = [
    (16, 20, [4, 10], {}),
    (12, 30, [5], {"head_bias": True}),
    (8, 10, [2, 5, 8], {"div_value": 2.0}),
]


def _pair(in_features, n_classes, cutoffs, kwargs, dtype=np.float32):
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, **kwargs)
    n = AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, **kwargs)
    if dtype == np.float64:
        t, n = t.double(), n.double()
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return t, n


def _inputs(shape, n_classes, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    target = rng.integers(0, n_classes, shape[:-1])
    tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
    return tx, nx, torch.tensor(target), numtorch.tensor(target)


@pytest.mark.parametrize(("in_features", "n_classes", "cutoffs", "kwargs"), CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_output_loss_and_grads(in_features, n_classes, cutoffs, kwargs, dtype):
    t, n = _pair(in_features, n_classes, cutoffs, kwargs, dtype)
    assert repr(n) == repr(t) and list(n.state_dict()) == list(t.state_dict())
    tol = 1e-5 if dtype == np.float32 else 1e-12
    tx, nx, tt, nt = _inputs((9, in_features), n_classes, dtype)
    t_out, n_out = t(tx, tt), n(nx, nt)
    assert n_out._fields == t_out._fields == ("output", "loss")
    assert_close(n_out.output, t_out.output, tol, tol, "output")
    assert_close(n_out.loss, t_out.loss, tol, tol, "loss")
    (t_out.loss + t_out.output.square().sum()).backward()
    (n_out.loss + n_out.output.square().sum()).backward()
    assert_close(nx.grad, tx.grad, 10 * tol, 10 * tol, "input grad")
    t_params = dict(t.named_parameters())
    for name, p in n.named_parameters():
        expected = t_params[name].grad
        if expected is None:  # a cluster no target fell in
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert_close(p.grad, expected, 10 * tol, 10 * tol, f"grad of {name}")


def test_unbatched_and_single_cluster_batches():
    t, n = _pair(16, 20, [4, 10], {})
    x = np.random.default_rng(1).standard_normal(16).astype(np.float32)
    for target in (2, 7, 15):
        t_out = t(torch.tensor(x), torch.tensor(target))
        n_out = n(numtorch.tensor(x), numtorch.tensor(target))
        assert tuple(n_out.output.shape) == () and tuple(n_out.loss.shape) == ()
        assert_close(n_out.output, t_out.output, 1e-5, 1e-5, f"target {target}")
        assert_close(n_out.loss, t_out.loss, 1e-5, 1e-5, f"loss {target}")
    tx, nx, _, _ = _inputs((3, 16), 20)
    for target in ([0, 1, 3], [12, 19, 10]):
        t_out = t(tx, torch.tensor(target))
        n_out = n(nx, numtorch.tensor(target))
        assert_close(n_out.output, t_out.output, 1e-5, 1e-5, f"targets {target}")


@pytest.mark.parametrize(("in_features", "n_classes", "cutoffs", "kwargs"), CONFIGS)
def test_log_prob_and_predict(in_features, n_classes, cutoffs, kwargs):
    t, n = _pair(in_features, n_classes, cutoffs, kwargs)
    tx, nx, _, _ = _inputs((40, in_features), n_classes, seed=2)
    t_lp, n_lp = t.log_prob(tx), n.log_prob(nx)
    assert_close(n_lp, t_lp, 1e-5, 1e-5, "log_prob")
    np.testing.assert_allclose(np.exp(n_lp.detach().numpy()).sum(1), 1.0, rtol=1e-5)
    t_lp.square().sum().backward()
    n_lp.square().sum().backward()
    assert_close(nx.grad, tx.grad, 1e-4, 1e-4, "log_prob input grad")
    with torch.no_grad(), numtorch.no_grad():
        assert_close(n.predict(nx), t.predict(tx), 0, 0, "predict")
        assert_close(n.predict(nx), n.log_prob(nx).argmax(1), 0, 0, "predict vs log_prob")


def test_predict_all_head_all_tail_and_mixed():
    t, n = _pair(4, 6, [2], {"head_bias": True})
    for bias in ([9.0, 0.0, -9.0], [-9.0, -9.0, 9.0], [0.0, 0.0, 0.0]):
        with torch.no_grad():
            t.head.bias.copy_(torch.tensor(bias))
        n.head.bias.data = numtorch.tensor(bias)
        tx, nx, _, _ = _inputs((7, 4), 6, seed=3)
        with torch.no_grad():
            assert_close(n.predict(nx), t.predict(tx), 0, 0, f"predict, head bias {bias}")


def test_reset_parameters_and_sizes():
    n = AdaptiveLogSoftmaxWithLoss(16, 40, [4, 10, 20], div_value=2.0)
    shapes = {k: tuple(v.shape) for k, v in n.state_dict().items()}
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 40, [4, 10, 20], div_value=2.0)
    assert shapes == {k: tuple(v.shape) for k, v in t.state_dict().items()}
    assert (n.shortlist_size, n.n_clusters, n.head_size, n.cutoffs) == (
        t.shortlist_size,
        t.n_clusters,
        t.head_size,
        t.cutoffs,
    )
    before = n.head.weight.detach().clone()
    n.reset_parameters()
    assert not np.array_equal(before.numpy(), n.head.weight.detach().numpy())


def test_errors():
    make = "AdaptiveLogSoftmaxWithLoss"
    check_error(lambda lib: getattr(lib.nn, make)(8, 10, []), "cutoffs should be a sequence of")
    bad = "cutoffs should be a sequence of unique, positive integers sorted in an increasing order"
    for cutoffs in ([5, 2], [0, 3], [3, 10], [2, 2], [2.5]):
        check_error(lambda lib, c=cutoffs: getattr(lib.nn, make)(8, 10, c), bad)

    def call(x_shape, target):
        def run(lib):
            module = getattr(lib.nn, make)(8, 10, [4])
            return module(lib.ones(x_shape), lib.tensor(target))

        return run

    check_error(call((3, 8), [1, 2]), "Input and target should have the same size in the batch")
    check_error(call((2, 8, 1), [1, 2]), "1D target tensor expects 2D input tensors, but found")
    check_error(call((2, 8), 1), "0D target tensor expects 1D input tensors")
    check_error(call((2, 8), [[1, 2]]), "0D or 1D target tensor expected, multi-target not")
    check_error(
        call((2, 8), [1, 10]), r"Target values should be in \[0, 9\], but values in range \[1, 10\]"
    )
    check_error(call((2, 8), [-1, 3]), r"but values in range \[-1, 3\] were found")


@pytest.fixture(autouse=True)
def _expose_on_nn(monkeypatch):
    """``numtorch.nn.AdaptiveLogSoftmaxWithLoss`` for the error checks' ``lib.nn`` lookups,
    until ``nn/modules/__init__.py`` exports the module's names."""
    if not hasattr(numtorch.nn, "AdaptiveLogSoftmaxWithLoss"):
        monkeypatch.setattr(
            numtorch.nn, "AdaptiveLogSoftmaxWithLoss", AdaptiveLogSoftmaxWithLoss, raising=False
        )
