"""nn.Linear, nn.Identity and F.linear against PyTorch: values, gradients, init, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_gradcheck, check_op


def _same_outcome(fn):
    """``fn(lib)`` gives the same shape, or the same exception type and message, in both."""

    def run(lib):
        try:
            return ("ok", tuple(fn(lib).shape))
        except Exception as err:  # noqa: BLE001 - the exception itself is what is compared
            return (type(err).__name__, str(err))

    assert run(numtorch) == run(torch)


@pytest.mark.parametrize(
    "x, w, b",
    [
        ((4, 3), (5, 3), (5,)),
        ((3,), (5, 3), (5,)),
        ((2, 4, 3), (5, 3), (5,)),
        ((2, 2, 4, 3), (5, 3), (5,)),
        ((1, 1), (1, 1), (1,)),
        ((4, 3), (5, 3), (1, 5)),  # a bias that broadcasts
        ((4, 3), (5, 3), (4, 1)),
        ((4, 3), (5, 3), ()),
    ],
)
def test_linear_parity(x, w, b):
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), x, w, b)


@pytest.mark.parametrize("x, w", [((4, 3), (5, 3)), ((3,), (2, 3)), ((2, 3), (3,)), ((3,), (3,))])
def test_linear_without_bias_parity(x, w):
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w), x, w)


def test_linear_non_contiguous_and_float64():
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x.t(), w, b), (3, 4), (5, 3), (5,))
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w.t()), (4, 3), (3, 5), dtype=np.float64)


def test_linear_zero_size():
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (0, 3), (5, 3), (5,))
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (4, 0), (5, 0), (5,))


def test_linear_gradcheck():
    check_gradcheck(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (2, 3), (4, 3), (4,))
    check_gradcheck(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (2, 2, 3), (2, 3), (2,))
    check_gradcheck(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (3,), (2, 3), (1,))


@pytest.mark.parametrize(
    "call",
    [
        lambda l: l.nn.functional.linear(l.randn(4, 2048), l.randn(10, 1024)),
        lambda l: l.nn.functional.linear(l.randn(2048), l.randn(10, 1024)),
        lambda l: l.nn.functional.linear(l.randn(3, 4, 2048), l.randn(10, 1024)),
        lambda l: l.nn.functional.linear(l.randn(4, 3), l.randn(1, 5, 3)),
        lambda l: l.nn.functional.linear(l.randn(4, 3), l.randn(5, 3), l.randn(2, 4, 5)),
        lambda l: l.nn.functional.linear(l.randn(4, 3), l.randn(5, 3), l.randn(4)),
        lambda l: l.nn.functional.linear(l.randn(3), l.randn(5, 3), l.randn(4, 5)),
        lambda l: l.nn.functional.linear(l.randn(2, 3), l.randn(3), l.randn(1)),
        lambda l: l.nn.functional.linear(l.randn(2, 3), l.randn(4)),
        lambda l: l.nn.functional.linear(l.randn(3), l.randn(4)),
        lambda l: l.nn.functional.linear(l.randn(4, 3), l.randn(5, 3).double()),
        lambda l: l.nn.functional.linear(l.randn(4, 3), l.randn(5, 3), l.randn(5).double()),
        # the bias PyTorch adds in place into matmul's result may have another float dtype
        lambda l: l.nn.functional.linear(
            l.randn(3, 4, 2).transpose(0, 2), l.randn(5, 3), l.randn(5).double()
        ),
        lambda l: l.nn.functional.linear(l.randn(3), l.randn(5, 3), l.tensor(1.0).double()),
        lambda l: l.nn.functional.linear(l.randn(2, 4, 3), l.randn(5, 3), l.randn(4, 5).half()),
        lambda l: l.nn.functional.linear(l.randn(2, 4, 3), l.randn(5, 3), l.randn(1, 1, 5)),
        lambda l: l.nn.functional.linear(l.randn(3), l.randn(5, 3), l.randn(1, 5)),
        lambda l: l.nn.functional.linear(l.randint(0, 3, (4, 3)), l.randn(5, 3)),
        lambda l: l.nn.functional.linear(l.randn(()), l.randn(5, 3)),
        lambda l: l.nn.functional.linear([1.0, 2.0], l.randn(5, 2)),
        lambda l: l.nn.functional.linear(l.randn(2), [1.0, 2.0]),
        lambda l: l.nn.Linear(0, -1),
        lambda l: l.nn.Linear(-1, 3),
        lambda l: l.nn.Linear(2, 3, dtype=l.int64),
        lambda l: l.nn.Linear(3, 2)(l.randn(4, 2)),
    ],
)
def test_errors_match_torch(call):
    _same_outcome(call)


def test_linear_bias_must_be_tensor():
    with pytest.raises(TypeError, match="argument 'bias' .* must be Tensor, not list"):
        numtorch.nn.functional.linear(numtorch.randn(2, 3), numtorch.randn(4, 3), [1.0])


@pytest.mark.parametrize("bad", [2.0, "3", None, True])
def test_features_must_be_ints(bad):
    with pytest.raises(TypeError, match="in_features"):
        numtorch.nn.Linear(bad, 3)
    with pytest.raises(TypeError, match="out_features"):
        numtorch.nn.Linear(3, bad)


@pytest.mark.parametrize("bias", [True, False])
def test_module_matches_torch_with_copied_weights(bias):
    t = torch.nn.Linear(6, 4, bias=bias)
    n = numtorch.nn.Linear(6, 4, bias=bias)
    n.load_state_dict({k: numtorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
    t(tx).pow(2).sum().backward()
    n(nx).pow(2).sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (_, tp), (_, np_) in zip(t.named_parameters(), n.named_parameters()):
        np.testing.assert_allclose(np_.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]


@pytest.mark.parametrize("args", [(20, 30), (3, 1, False), (0, 3), (3, 0)])
def test_repr_and_shapes_match_torch(args):
    with pytest.warns(UserWarning) if 0 in args[:2] else _nothing():
        n = numtorch.nn.Linear(*args)
    with pytest.warns(UserWarning) if 0 in args[:2] else _nothing():
        t = torch.nn.Linear(*args)
    assert repr(n) == repr(t)
    assert n.weight.shape == t.weight.shape and n.weight.dtype is numtorch.float32
    assert (n.bias is None) == (t.bias is None)
    assert n.in_features == args[0] and n.out_features == args[1]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_default_init_follows_torch_bounds():
    m = numtorch.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # fills the range
    # U(-a, a) has std a / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound


def test_init_uses_default_generator():
    numtorch.manual_seed(3)
    a = numtorch.nn.Linear(5, 4)
    numtorch.manual_seed(3)
    b = numtorch.nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())
    c = numtorch.nn.Linear(5, 4)
    assert not np.array_equal(a.weight.detach().numpy(), c.weight.detach().numpy())


def test_dtype_argument():
    m = numtorch.nn.Linear(3, 2, dtype=numtorch.float64)
    assert m.weight.dtype is numtorch.float64 and m.bias.dtype is numtorch.float64
    assert m(numtorch.randn(4, 3, dtype=numtorch.float64)).dtype is numtorch.float64


def test_identity_returns_input_and_ignores_arguments():
    x = numtorch.randn(2, 3)
    m = numtorch.nn.Identity(54, unused="argument")
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Identity()) == "Identity()"
    assert list(m.parameters()) == []
