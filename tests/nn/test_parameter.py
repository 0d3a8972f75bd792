"""nn.Parameter: storage sharing, leaf-ness, repr, copying and pickling, against PyTorch."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import numtorch
from numtorch.nn import Parameter


def test_shares_storage_and_version_with_data():
    t = numtorch.zeros(2, 3)
    p = Parameter(t)
    t.add_(1.0)
    assert p._data is t._data
    np.testing.assert_array_equal(p.detach().numpy(), np.ones((2, 3), np.float32))
    assert p._version is t._version


def test_is_leaf_that_requires_grad_by_default():
    x = numtorch.ones(3, requires_grad=True)
    p = Parameter(x * 2)  # a non-leaf's values, cut from its graph
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert isinstance(p, numtorch.Tensor)
    assert not Parameter(numtorch.ones(2), requires_grad=False).requires_grad


def test_gradient_accumulates_on_parameter():
    p = Parameter(numtorch.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 4.0])


def test_results_of_operations_are_plain_tensors():
    p = Parameter(numtorch.ones(2))
    assert type(p + 1) is numtorch.Tensor
    assert type(p.detach()) is numtorch.Tensor
    assert type(p.data) is numtorch.Tensor


@pytest.mark.parametrize("requires_grad", [True, False])
def test_repr_matches_torch(requires_grad):
    values = [[1.5, -2.0], [0.25, 3.0]]
    expected = repr(torch.nn.Parameter(torch.tensor(values), requires_grad=requires_grad))
    got = repr(Parameter(numtorch.tensor(values), requires_grad=requires_grad))
    assert got == expected


def test_default_is_empty_float_tensor():
    p = Parameter()
    assert p.shape == (0,) and p.dtype is numtorch.float32 and p.requires_grad
    assert repr(p) == repr(torch.nn.Parameter())


def test_integer_data_cannot_require_grad():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        Parameter(numtorch.arange(3))
    p = Parameter(numtorch.arange(3), requires_grad=False)
    assert p.dtype is numtorch.int64


@pytest.mark.parametrize("bad", [[1.0, 2.0], 3.0, np.ones(2)])
def test_non_tensor_data_is_refused(bad):
    with pytest.raises(TypeError, match="must be Tensor, not"):
        Parameter(bad)


def test_deepcopy_copies_values_and_keeps_type():
    p = Parameter(numtorch.tensor([1.0, 2.0]), requires_grad=False)
    q = copy.deepcopy(p)
    assert type(q) is Parameter and not q.requires_grad
    assert q._data is not p._data
    np.testing.assert_array_equal(q.numpy(), p.numpy())
    memo: dict = {}
    assert copy.deepcopy(p, memo) is copy.deepcopy(p, memo)


def test_pickle_round_trip():
    p = Parameter(numtorch.tensor([[1.0, 2.0]], dtype=numtorch.float64))
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is Parameter and q.requires_grad and q.dtype is numtorch.float64
    np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


def _copied(how, lib):
    """What copying (``how``) keeps of a buffer, a tensor's own attribute and its hook, and of a
    parameter's attribute, in ``lib``."""
    b = lib.nn.Buffer(lib.ones(2), persistent=False)
    m = lib.nn.Module()
    m.c = how(b)  # still a buffer: assigning registers it, non-persistent
    t = lib.ones(2, requires_grad=True)
    t.note = [1]
    t.register_hook(lambda g: g * 3)  # hooks are not copied
    u = how(t)
    u.sum().backward()
    p = lib.nn.Parameter(lib.ones(2))
    p.note = 5
    return (
        isinstance(m.c, lib.nn.Buffer),
        [name for name, _ in m.named_buffers()],
        list(m.state_dict()),
        u.note,
        u.note is t.note,
        u.grad.tolist(),
        getattr(how(p), "note", None),
    )


@pytest.mark.filterwarnings("ignore:backward hook")  # PyTorch warns that it drops the hook
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_keep_python_attributes_as_pytorchs_do(how):
    """A buffer's mark and persistence and a tensor's own attributes survive ``deepcopy`` and
    pickling; hooks do not; a parameter's attributes survive pickling only (PyTorch's
    ``Parameter.__deepcopy__`` makes a fresh parameter)."""
    fn = copy.deepcopy if how == "deepcopy" else (lambda t: pickle.loads(pickle.dumps(t)))
    expected = _copied(fn, torch)
    assert expected[0] and expected[1] == ["c"]  # PyTorch's behaviour, as this test assumes
    assert _copied(fn, numtorch) == expected


def _pickle_warnings(lib) -> list:
    """How many warnings pickling gives: a tensor with a hook, one with a hook marked
    ``unserializable_hook``, a parameter with a hook."""
    counts = []
    for marked, make in ((False, lib.ones), (True, lib.ones), (False, lib.nn.Parameter)):
        t = make(2) if make is lib.ones else make(lib.ones(2))
        t.requires_grad_(True)
        hook = lambda g: g  # noqa: E731
        t.register_hook(lib.utils.hooks.unserializable_hook(hook) if marked else hook)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pickle.dumps(t)
        counts.append([str(w.message).split(" at ")[0] for w in caught])
    return counts


def test_pickling_warns_of_the_hooks_it_drops_as_pytorch_does():
    expected = _pickle_warnings(torch)
    assert expected == [["backward hook <function _pickle_warnings.<locals>.<lambda>"], [], []]
    assert _pickle_warnings(numtorch) == expected
