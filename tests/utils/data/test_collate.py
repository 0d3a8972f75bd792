"""Tests for default_collate / default_convert: same structure, dtypes and values as PyTorch's."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import numtorch
import numtorch.utils.data as ndata

Point = namedtuple("Point", ["x", "y"])


def _plain(obj):
    """A library-neutral picture of a collated batch: container types, dtypes and values."""
    if isinstance(obj, (torch.Tensor, numtorch.Tensor)):
        return ("tensor", str(obj.dtype).replace("torch.", ""), np.asarray(obj).tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: _plain(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return (type(obj).__name__, obj)


def _batch(lib, case):
    t = lib.tensor
    cases = {
        "tensors": lambda: [t([1.0, 2.0]), t([3.0, 4.0])],
        "int_tensors": lambda: [t([[1, 2]]), t([[3, 4]])],
        "scalars": lambda: [t(1.5), t(2.5)],
        "ints": lambda: [1, 2, 3],
        "floats": lambda: [1.0, 2.5],
        "bools": lambda: [True, False],
        "strings": lambda: ["a", "b"],
        "bytes": lambda: [b"a", b"b"],
        "np_arrays": lambda: [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
        "np_int_arrays": lambda: [np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16)],
        "np_scalars": lambda: [np.float32(1.0), np.float32(2.0)],
        "np_int_scalars": lambda: [np.int32(1), np.int32(5)],
        "tuples": lambda: [(t([1.0]), 0, "a"), (t([2.0]), 1, "b")],
        "lists": lambda: [[1, 2.0], [3, 4.0]],
        "dicts": lambda: [{"x": t([1.0]), "y": 1}, {"x": t([2.0]), "y": 2}],
        "ordered": lambda: [OrderedDict(b=1, a=2.0), OrderedDict(b=3, a=4.0)],
        "namedtuples": lambda: [Point(1, t([1.0])), Point(2, t([2.0]))],
        "nested": lambda: [{"p": (t([1]), [1.0, 2.0])}, {"p": (t([2]), [3.0, 4.0])}],
    }
    return cases[case]()


CASES = [
    "tensors", "int_tensors", "scalars", "ints", "floats", "bools", "strings", "bytes",
    "np_arrays", "np_int_arrays", "np_scalars", "np_int_scalars", "tuples", "lists", "dicts",
    "ordered", "namedtuples", "nested",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_default_collate_matches_torch(case):
    ours = ndata.default_collate(_batch(numtorch, case))
    theirs = tdata.default_collate(_batch(torch, case))
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("case", CASES)
def test_default_convert_matches_torch(case):
    for ours, theirs in zip(_batch(numtorch, case), _batch(torch, case)):
        assert _plain(ndata.default_convert(ours)) == _plain(tdata.default_convert(theirs))


def test_default_collate_stacks_on_new_first_dim():
    out = ndata.default_collate([numtorch.zeros(2, 3), numtorch.ones(2, 3)])
    assert tuple(out.shape) == (2, 2, 3)


def test_default_collate_keeps_gradient_path():
    a = numtorch.ones(2, requires_grad=True)
    ndata.default_collate([a, a * 2]).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])


def test_default_collate_unsupported_type():
    with pytest.raises(
        TypeError,
        match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found <class 'object'>",
    ):
        ndata.default_collate([object(), object()])


def test_default_collate_string_arrays_refused():
    with pytest.raises(TypeError, match="found <U1"):
        ndata.default_collate([np.array(["a"]), np.array(["b"])])


def test_default_collate_unequal_sequences():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        ndata.default_collate([[1, 2], [3]])


def test_default_convert_leaves_objects_and_string_arrays():
    s = np.array(["a", "b"])
    assert ndata.default_convert(s) is s
    assert ndata.default_convert("text") == "text"
