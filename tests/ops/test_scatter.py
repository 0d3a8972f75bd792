"""Writing and selecting by index or mask: values and gradients against PyTorch, float64
gradcheck, node names, PyTorch's errors, and the non-differentiable selections."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same, check_saved_versions

import numtorch

IDX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # dim 0 of a (3, 4): repeats in columns 0 and 3
IDX_ROWS = np.array([[0, 0, 3], [2, 1, 2]])  # dim 1 of a (2, 4): repeats in both rows
IDX_ROWS_UNIQUE = np.array([[0, 3, 1], [2, 1, 0]])
IDX_SMALL = np.array([[1, 0], [0, 2]])  # smaller than self apart from dim 0
VEC = np.array([2, 0, 2])  # index_* along a dimension, with a repeat
VEC_UNIQUE = np.array([2, 0])
FLAT = np.array([[5, 0, -1], [3, 5, 7]])  # take/put: a repeat and a negative index
MASK = np.array(
    [[True, False, True, False], [False, False, True, True], [True, True, False, False]]
)
TIES = np.array([[1.0, 2.0, 2.0, 0.5], [2.0, 2.0, -1.0, 0.5], [3.0, 0.0, 2.0, 0.5]])


def _silenced(fn):
    """``fn`` with index_reduce's once-per-process beta warning silenced (both libraries)."""

    def run(lib, *args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(lib, *args)

    return run


def _scatter_reduce(reduce: str, include_self: bool):
    return lambda lib, x, s, i: x.scatter_reduce(0, i, s, reduce, include_self=include_self)


def _index_reduce(reduce: str, include_self: bool):
    return lambda lib, x, s, i: x.index_reduce(0, i, s, reduce, include_self=include_self)


CASES = [
    # scatter
    ("scatter src", lambda lib, x, s, i: x.scatter(0, i, s), (3, 4), (2, 4), IDX),
    (
        "scatter dim 1",
        lambda lib, x, s, i: lib.scatter(x, 1, i, s),
        (2, 4),
        (2, 3),
        IDX_ROWS_UNIQUE,
    ),
    (
        "scatter negative dim",
        lambda lib, x, s, i: x.scatter(-1, i, s),
        (2, 4),
        (2, 3),
        IDX_ROWS_UNIQUE,
    ),
    ("scatter small index", lambda lib, x, s, i: x.scatter(0, i, s), (3, 4), (2, 2), IDX_SMALL),
    ("scatter value", lambda lib, x, i: x.scatter(0, i, 1.5), (3, 4), IDX),
    ("scatter value keyword", lambda lib, x, i: lib.scatter(x, 1, i, value=-2.0), (2, 4), IDX_ROWS),
    ("scatter_ src", lambda lib, x, s, i: (x * 1).scatter_(0, i, s) * 2, (3, 4), (2, 4), IDX),
    ("scatter_ value", lambda lib, x, i: (x * 1).scatter_(1, i, 0.5), (2, 4), IDX_ROWS),
    ("scatter 1-d", lambda lib, x, s: x.scatter(0, lib.tensor([3, 1]), s), (5,), (2,)),
    # scatter_add
    ("scatter_add", lambda lib, x, s, i: x.scatter_add(0, i, s), (3, 4), (2, 4), IDX),
    (
        "scatter_add dim 1",
        lambda lib, x, s, i: lib.scatter_add(x, 1, i, s),
        (2, 4),
        (2, 3),
        IDX_ROWS,
    ),
    ("scatter_add_", lambda lib, x, s, i: (x * 1).scatter_add_(0, i, s), (3, 4), (2, 4), IDX),
    # scatter_reduce
    *[
        (
            f"scatter_reduce {r}{' exclude self' if not inc else ''}",
            _scatter_reduce(r, inc),
            (3, 4),
            (2, 4),
            IDX,
        )
        for r in ("sum", "prod", "mean", "amax", "amin")
        for inc in (True, False)
    ],
    (
        "scatter_reduce dim 1",
        lambda lib, x, s, i: lib.scatter_reduce(x, 1, i, s, "mean"),
        (2, 4),
        (2, 3),
        IDX_ROWS,
    ),
    (
        "scatter_reduce_",
        lambda lib, x, s, i: (x * 1).scatter_reduce_(0, i, s, "amax", include_self=False),
        (3, 4),
        (2, 4),
        IDX,
    ),
    # index_*
    ("index_select", lambda lib, x, i: x.index_select(0, i), (3, 4), VEC),
    ("index_select dim 1", lambda lib, x, i: lib.index_select(x, 1, i), (2, 3), VEC),
    ("index_select 0-d index", lambda lib, x: x.index_select(1, lib.tensor(1)), (2, 3)),
    ("index_add", lambda lib, x, s, i: x.index_add(0, i, s), (3, 4), (3, 4), VEC),
    (
        "index_add alpha",
        lambda lib, x, s, i: lib.index_add(x, 1, i, s, alpha=-2.5),
        (2, 3),
        (2, 3),
        VEC,
    ),
    ("index_add_", lambda lib, x, s, i: (x * 1).index_add_(0, i, s), (3, 2), (3, 2), VEC),
    ("index_copy", lambda lib, x, s, i: x.index_copy(0, i, s), (3, 4), (2, 4), VEC_UNIQUE),
    (
        "index_copy dim 1",
        lambda lib, x, s, i: lib.index_copy(x, 1, i, s),
        (2, 3),
        (2, 2),
        VEC_UNIQUE,
    ),
    ("index_copy_", lambda lib, x, s, i: (x * 1).index_copy_(1, i, s), (2, 3), (2, 2), VEC_UNIQUE),
    ("index_fill", lambda lib, x, i: x.index_fill(0, i, -1.0), (3, 4), VEC),
    ("index_fill negative", lambda lib, x: x.index_fill(1, lib.tensor([-1, 0]), 2.0), (2, 3)),
    ("index_fill tensor value", lambda lib, x, v, i: lib.index_fill(x, 1, i, v), (2, 3), (), VEC),
    ("index_fill_", lambda lib, x, i: (x * 1).index_fill_(1, i, 0.5), (2, 3), VEC),
    *[
        (
            f"index_reduce {r}{' exclude self' if not inc else ''}",
            _silenced(_index_reduce(r, inc)),
            (3, 4),
            (3, 4),
            VEC,
        )
        for r in ("prod", "mean", "amax", "amin")
        for inc in (True, False)
    ],
    (
        "index_reduce dim 1",
        _silenced(lambda lib, x, s, i: lib.index_reduce(x, 1, i, s, "mean")),
        (2, 3),
        (2, 3),
        VEC,
    ),
    # masked, flat, take_along_dim
    ("masked_select", lambda lib, x, m: x.masked_select(m), (3, 4), MASK),
    ("masked_select broadcast", lambda lib, x, m: lib.masked_select(x, m), (3, 1), MASK),
    ("masked_select broadcast mask", lambda lib, x: x.masked_select(x[0] > 0), (3, 4)),
    ("masked_scatter", lambda lib, x, s, m: x.masked_scatter(m, s), (3, 4), (3, 4), MASK),
    (
        "masked_scatter larger source",
        lambda lib, x, s, m: x.masked_scatter(m, s),
        (3, 4),
        (20,),
        MASK,
    ),
    (
        "masked_scatter broadcast",
        lambda lib, x, s, m: lib.masked_scatter(x, m, s),
        (1, 4),
        (12,),
        MASK,
    ),
    ("masked_scatter_", lambda lib, x, s, m: (x * 1).masked_scatter_(m, s), (3, 4), (2, 3), MASK),
    ("take", lambda lib, x, i: x.take(i), (2, 4), FLAT),
    ("take 0-d input", lambda lib, x: lib.take(x, lib.tensor([0, 0])), ()),
    ("take_along_dim", lambda lib, x, i: x.take_along_dim(i, 0), (3, 4), IDX),
    ("take_along_dim flat", lambda lib, x, i: lib.take_along_dim(x, i), (3, 4), IDX),
    (
        "take_along_dim broadcast",
        lambda lib, x: lib.take_along_dim(x, lib.tensor([[0, 0, -1]]), 1),
        (3, 1),
    ),
    (
        "take_along_dim broadcast input",
        lambda lib, x: x.take_along_dim(lib.tensor([[0], [1]]), 0),
        (3, 4),
    ),
    ("put", lambda lib, x, s: x.put(lib.tensor([5, 0, -1]), s), (2, 4), (3,)),
    (
        "put accumulate",
        lambda lib, x, s, i: lib.put(x, i, s, accumulate=True),
        (2, 4),
        (2, 3),
        FLAT,
    ),
    ("put_", lambda lib, x, s: (x * 1).put_(lib.tensor([[1], [6]]), s), (2, 4), (2, 1)),
    ("put_ accumulate", lambda lib, x, s, i: (x * 1).put_(i, s, True), (2, 4), (2, 3), FLAT),
    # regions
    ("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 0, 1), (3, 4), (4,)),
    ("select_scatter negative", lambda lib, x, s: x.select_scatter(s, -1, -2), (2, 3, 4), (2, 3)),
    ("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s), (3, 4), (3, 4)),
    (
        "slice_scatter step",
        lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, None, 2),
        (3, 4),
        (3, 2),
    ),
    (
        "slice_scatter negative",
        lambda lib, x, s: x.slice_scatter(s, dim=0, start=-2, end=100),
        (3, 4),
        (2, 4),
    ),
    ("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s), (3, 4), (3,)),
    ("diagonal_scatter offset", lambda lib, x, s: x.diagonal_scatter(s, 2), (3, 4), (2,)),
    ("diagonal_scatter below", lambda lib, x, s: x.diagonal_scatter(s, -1), (3, 4), (2,)),
    (
        "diagonal_scatter dims",
        lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 2, 0),
        (3, 2, 4),
        (2, 2),
    ),
    ("fill_diagonal_", lambda lib, x: (x * 1).fill_diagonal_(2.0), (3, 4)),
    ("fill_diagonal_ tall", lambda lib, x: (x * 1).fill_diagonal_(-1.0), (7, 3)),
    ("fill_diagonal_ wrap", lambda lib, x: (x * 1).fill_diagonal_(-1.0, wrap=True), (7, 3)),
    ("fill_diagonal_ cube", lambda lib, x: (x * 1).fill_diagonal_(0.5), (3, 3, 3)),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_parity(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


# Where a numerical gradient is not defined (ties, zeros in a product), values and PyTorch's
# chosen gradients are compared, without gradcheck.
SPECIAL = [
    ("scatter_reduce amax ties", lambda lib, x, s, i: x.scatter_reduce(0, i, s, "amax"), TIES, TIES[:2], IDX),
    ("scatter_reduce amin ties", lambda lib, x, s, i: x.scatter_reduce(0, i, s, "amin", include_self=False), TIES, TIES[1:], IDX),
    ("scatter_reduce prod zeros", lambda lib, x, s, i: x.scatter_reduce(0, i, s, "prod"), TIES, TIES[[1, 2]], IDX),
    ("scatter_reduce prod zero self", lambda lib, x, s, i: x.scatter_reduce(0, i, s, "prod"), TIES[[2, 1, 0]], TIES[:2] + 1, IDX),
    ("index_reduce amax ties", _silenced(lambda lib, x, s, i: x.index_reduce(0, i, s, "amax")), TIES, TIES, VEC),
    ("index_reduce prod zeros", _silenced(lambda lib, x, s, i: x.index_reduce(0, i, s, "prod")), TIES, TIES, VEC),
    # PyTorch's src gradient reads every src slot, also those a later write overwrote
    ("scatter duplicates", lambda lib, x, s, i: lib.scatter(x, 1, i, s), (2, 4), (2, 3), IDX_ROWS),
    ("scatter duplicate last wins", lambda lib, x, s: x.scatter(0, lib.zeros(3, 4, dtype=lib.int64), s), (3, 4), (3, 4)),
    ("index_copy duplicate", lambda lib, x, s: x.index_copy(0, lib.tensor([0, 0, 1]), s), (3,), (3,)),
    ("put duplicate", lambda lib, x, s: x.put(lib.tensor([0, 0, 1]), s), (3,), (3,)),
    ("scatter_reduce nan", lambda lib, x, s: x.scatter_reduce(0, lib.tensor([0, 0]), s, "amax"), np.array([1.0, 2.0]), np.array([np.nan, 3.0])),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in SPECIAL], ids=_ids(SPECIAL))
def test_parity_without_gradcheck(fn, specs) -> None:
    check_op(fn, *specs)


# ---------------------------------------------------------------- node names

NAMES = [
    lambda lib, x, s, i: x.scatter(0, i, s),
    lambda lib, x, s, i: x.scatter(0, i, 2.0),
    lambda lib, x, s, i: (x * 1).scatter_(0, i, s),
    lambda lib, x, s, i: x.scatter_add(0, i, s),
    lambda lib, x, s, i: x.scatter_reduce(0, i, s, "mean"),
    lambda lib, x, s, i: x.index_select(0, i[0]),
    lambda lib, x, s, i: x.index_add(0, i[0, :2], s),
    lambda lib, x, s, i: x.index_copy(0, i[0, :2], s),
    lambda lib, x, s, i: x.index_fill(0, i[0], 1.0),
    lambda lib, x, s, i: x.index_fill(0, i[0], s.sum()),
    _silenced(lambda lib, x, s, i: x.index_reduce(0, i[0, :2], s, "amin")),
    lambda lib, x, s, i: x.masked_select(x > 0),
    lambda lib, x, s, i: x.masked_scatter(x > 0, s.repeat(2, 1)),
    lambda lib, x, s, i: x.take(i),
    lambda lib, x, s, i: x.take_along_dim(i, 0),
    lambda lib, x, s, i: x.take_along_dim(i),
    lambda lib, x, s, i: x.put(i[0], s[0]),
    lambda lib, x, s, i: lib.select_scatter(x, s[0], 0, 1),
    lambda lib, x, s, i: lib.slice_scatter(x, s, 0, 0, 2),
    lambda lib, x, s, i: lib.diagonal_scatter(x, s[0, :3]),
    lambda lib, x, s, i: (x * 1).fill_diagonal_(1.0),
]


@pytest.mark.parametrize("fn", NAMES, ids=[str(i) for i in range(len(NAMES))])
def test_node_names_are_pytorchs(fn) -> None:
    names = []
    for lib in (torch, numtorch):
        x = lib.tensor(np.arange(12.0).reshape(3, 4) - 5, requires_grad=True)
        s = lib.tensor(np.arange(8.0).reshape(2, 4) + 1, requires_grad=True)
        y = fn(lib, x, s, lib.tensor(IDX))
        names.append((y.grad_fn.name(), [n is None for n, _ in y.grad_fn.next_functions]))
    assert names[1] == names[0]


# ---------------------------------------------------------------- values without gradients


def _ints(lib):
    return lib.tensor([[3, -1, 4], [1, -5, 9]])


VALUES = [
    lambda lib: lib.nonzero(lib.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])),
    lambda lib: lib.tensor([[0, 1], [1, 1]]).nonzero(as_tuple=True),
    lambda lib: lib.nonzero(lib.tensor([True, False, True]), as_tuple=True),
    lambda lib: lib.nonzero(lib.tensor(2.0)),
    lambda lib: lib.nonzero(lib.tensor(0.0)),
    lambda lib: lib.nonzero(lib.tensor(3), as_tuple=True),
    lambda lib: lib.nonzero(lib.zeros(2, 0)),
    lambda lib: lib.argwhere(lib.tensor([[0.0, 1.5], [2.0, 0.0]])),
    lambda lib: lib.tensor([0, 3, 0, 4]).argwhere(),
    lambda lib: lib.nonzero_static(lib.tensor([0, 3, 0, 4]), size=4),
    lambda lib: lib.tensor([[0, 3], [5, 4]]).nonzero_static(size=1, fill_value=7),
    lambda lib: lib.nonzero_static(lib.tensor([0, 3]), size=0),
    lambda lib: _ints(lib).scatter(1, lib.tensor([[0, 0], [2, 1]]), 7.9),
    lambda lib: _ints(lib).scatter(1, lib.tensor([[0, 0], [2, 1]], dtype=lib.int32), _ints(lib)),
    lambda lib: _ints(lib).scatter_add(0, lib.tensor([[1, 1, 0]]), _ints(lib)),
    lambda lib: _ints(lib).scatter_reduce(1, lib.tensor([[0, 0, 1]]), _ints(lib) * 3, "mean"),
    lambda lib: _ints(lib).scatter_reduce(
        1, lib.tensor([[0, 0, 1]]), _ints(lib), "mean", include_self=False
    ),
    lambda lib: _ints(lib).scatter_reduce(1, lib.tensor([[2, 2, 2]]), _ints(lib), "prod"),
    lambda lib: _ints(lib).scatter_reduce(
        1, lib.tensor([[0, 0, 0]]), _ints(lib), "amax", include_self=False
    ),
    lambda lib: _ints(lib).scatter_reduce(1, lib.tensor([[0, 0, 0]]), _ints(lib), "max"),
    lambda lib: _ints(lib).index_add(1, lib.tensor([2, 2, 0]), _ints(lib), alpha=3),
    lambda lib: _ints(lib).index_fill(1, lib.tensor([1]), 2.7),
    lambda lib: _ints(lib).index_select(1, lib.tensor([2, 0], dtype=lib.int32)),
    lambda lib: _ints(lib).take(lib.tensor([[5], [-6]])),
    lambda lib: _ints(lib).put(lib.tensor([1, 1]), lib.tensor([2, 3]), accumulate=True),
    lambda lib: _ints(lib).masked_select(_ints(lib) > 0),
    lambda lib: lib.tensor([True, False]).scatter(0, lib.tensor([1]), True),
    lambda lib: lib.zeros(3).scatter(0, lib.tensor(1), 1.0),
    lambda lib: lib.tensor(2.0).scatter(0, lib.tensor(0), lib.tensor(5.0)),
    lambda lib: lib.zeros(3).scatter(0, lib.tensor([], dtype=lib.int64), 1.0),
    lambda lib: lib.zeros(2, 3).index_add(0, lib.tensor([], dtype=lib.int64), lib.zeros(0, 3)),
    lambda lib: lib.zeros(0, 3).masked_select(lib.zeros(0, 3, dtype=lib.bool)),
    lambda lib: lib.zeros(2).index_copy(0, lib.tensor(1), lib.tensor(2.0)),
    lambda lib: lib.tensor(3.0).index_add(0, lib.tensor([0]), lib.tensor(2.0)),
    lambda lib: lib.tensor(3.0).index_select(0, lib.tensor([0])),
    lambda lib: lib.tensor(3.0).put(lib.tensor([0]), lib.tensor([5.0])),
    lambda lib: lib.zeros(3, 2).masked_scatter(lib.tensor(True), lib.arange(6.0)),
    lambda lib: lib.zeros(2, 2).index_fill_(0, lib.tensor(1), 3.0),
]


@pytest.mark.parametrize("fn", VALUES, ids=[str(i) for i in range(len(VALUES))])
def test_values_and_dtypes(fn) -> None:
    check_same(fn)


def test_scatter_legacy_reduce_values_warning_and_no_derivative() -> None:
    results = []
    for lib in (torch, numtorch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        i = lib.tensor([[1, 1], [1, 0]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # once per process: maybe given already
            added = x.scatter(0, i, lib.tensor([[5.0, 6.0], [7.0, 8.0]]), reduce="add")
        multiplied = x.scatter(1, i, 3.0, reduce="multiply")
        assert added.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            added.sum().backward()
        results.append((added.detach(), multiplied.detach()))
    for n, t in zip(results[1], results[0]):
        np.testing.assert_array_equal(n.numpy(), t.numpy())


def test_beta_and_deprecation_warnings_come_once_per_process(monkeypatch) -> None:
    scatter = importlib.import_module("numtorch._namespace.scatter")
    monkeypatch.setattr(scatter, "WARNED", set())
    x, i = numtorch.zeros(3), numtorch.tensor([0])
    with pytest.warns(UserWarning, match=r"index_reduce\(\) is in beta"):
        x.index_reduce(0, i, numtorch.ones(1), "prod")
    with pytest.warns(UserWarning, match="reduce argument of torch.scatter with Tensor src"):
        x.scatter(0, i, numtorch.ones(1), reduce="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.index_reduce(0, i, numtorch.ones(1), "prod")
        x.scatter(0, i, numtorch.ones(1), reduce="add")


def test_inplace_writes_into_the_tensor_and_out_variants() -> None:
    for lib in (torch, numtorch):
        y = lib.zeros(2, 3)
        assert y.scatter_(1, lib.tensor([[2], [0]]), 1.0) is y
        assert y.index_fill_(0, lib.tensor([1]), -1.0) is y
        assert y.put_(lib.tensor([0]), lib.tensor([9.0]), accumulate=True) is y
    check_same(
        lambda lib: _done(
            lib.zeros(2, 3), lambda y: y.index_add_(1, lib.tensor([0, 0]), lib.ones(2, 2))
        )
    )
    check_same(
        lambda lib: _done(
            lib.zeros(2, 3),
            lambda y: y.masked_scatter_(lib.tensor([True, False, True]), lib.arange(6.0)),
        )
    )
    check_same(
        lambda lib: lib.index_select(
            lib.arange(6.0).view(2, 3), 1, lib.tensor([2, 2]), out=lib.empty(0)
        )
    )
    check_same(lambda lib: lib.nonzero(lib.tensor([1, 0, 1]), out=lib.zeros(0, 1, dtype=lib.int64)))
    check_same(
        lambda lib: lib.nonzero_static(
            lib.tensor([1, 0, 1]), size=3, out=lib.zeros(3, 1, dtype=lib.int64)
        )
    )


def _done(y, write):
    write(y)
    return y


def test_fill_diagonal_writes_through_views_and_refuses_leaves() -> None:
    check_same(lambda lib: _done(lib.zeros(4, 6), lambda y: y[:, 1:].fill_diagonal_(3.0)))
    check_same(lambda lib: _done(lib.zeros(6, 4), lambda y: y.t().fill_diagonal_(2.0)))
    check_same(lambda lib: _done(lib.zeros(11, 3), lambda y: y.fill_diagonal_(2.0, wrap=True)))
    check_same(lambda lib: _done(lib.zeros(3, 4), lambda y: y.fill_diagonal_(True)))
    check_error(
        lambda lib: lib.zeros(3, 3, requires_grad=True).fill_diagonal_(1.0),
        "a view of a leaf Variable that requires grad is being used in an in-place operation",
    )


# ---------------------------------------------------------------- errors


def _z(lib):
    return lib.zeros(3, 4)


def _i(lib, *rows, dtype=None):
    return lib.tensor(list(rows), dtype=dtype or lib.int64)


ERRORS = [
    (lambda lib: _z(lib).scatter(0, _i(lib, [3]), 1.0), "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).scatter(1, _i(lib, [-1]), 1.0), "index -1 is out of bounds for dimension 1 with size 4"),
    (lambda lib: _z(lib).scatter(0, lib.tensor([[1.0]]), 1.0), r"scatter\(\): Expected dtype int32/int64 for index"),
    (lambda lib: _z(lib).scatter(0, lib.tensor([1]), 1.0), "Index tensor must have the same number of dimensions as self tensor"),
    (lambda lib: _z(lib).scatter(0, _i(lib, [1], [0]), lib.ones(2, 1, 1)), "Index tensor must have the same number of dimensions as src tensor"),
    (lambda lib: _z(lib).scatter(0, lib.zeros(2, 5, dtype=lib.int64), lib.ones(2, 5)), r"Expected index \[2, 5\] to be no larger than self \[3, 4\] apart from dimension 0 and to be no larger size than src \[2, 5\]"),
    (lambda lib: _z(lib).scatter(0, lib.zeros(2, 5, dtype=lib.int64), 1.0), r"Expected index \[2, 5\] to be no larger than self \[3, 4\] apart from dimension 0$"),
    (lambda lib: _z(lib).scatter(0, lib.zeros(2, 3, dtype=lib.int64), lib.ones(1, 3)), r"no larger size than src \[1, 3\]"),
    (lambda lib: _z(lib).scatter(0, _i(lib, [1]), lib.ones(1, 1, dtype=lib.float64)), r"scatter\(\): Expected self.dtype to be equal to src.dtype"),
    (lambda lib: _z(lib).scatter(2, _i(lib, [1]), 1.0), r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda lib: _z(lib).scatter(0, _i(lib, [1]), 1.0, reduce="mean"), "reduce argument must be either add or multiply."),
    (lambda lib: _z(lib).scatter_add(0, _i(lib, [1]), 1.0), r"scatter_add\(\): argument 'src' \(position \d\) must be Tensor, not float"),
    (lambda lib: _z(lib).scatter_add(1, _i(lib, [4]), lib.ones(1, 1)), "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda lib: _z(lib).scatter_add(0, _i(lib, [1]), lib.ones(1, 1, dtype=lib.float64)), "Expected self.dtype to be equal to src.dtype"),
    (lambda lib: _z(lib).scatter_reduce(0, _i(lib, [1]), lib.ones(1, 1), "foo"), "reduce argument must be either sum, prod, mean, amax or amin, got foo"),
    (lambda lib: _z(lib).scatter_reduce(0, _i(lib, [-1]), lib.ones(1, 1), "sum"), "index -1 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).index_select(0, lib.zeros(2, 3, dtype=lib.int64)), r"index_select\(\): Index is supposed to be a vector"),
    (lambda lib: _z(lib).index_select(0, lib.tensor([3])), "index out of range in self"),
    (lambda lib: _z(lib).index_select(0, lib.tensor([-1])), "index out of range in self"),
    (lambda lib: _z(lib).index_select(1, lib.tensor([0, 4, -1])), "INDICES element is out of DATA bounds, id=4 axis_dim=4"),
    (lambda lib: lib.zeros(2, 3, 4).index_select(2, lib.tensor([-1])), "index out of range in self"),
    (lambda lib: _z(lib).index_select(0, lib.tensor([1.0])), r"index_select\(\): Expected dtype int32 or int64 for index"),
    (lambda lib: _z(lib).index_add(0, lib.tensor([3]), lib.ones(1, 4)), "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).index_add(1, lib.tensor([-1]), lib.ones(3, 1)), "index -1 is out of bounds for dimension 1 with size 4"),
    (lambda lib: lib.zeros(3).index_add(0, lib.tensor([-1]), lib.ones(1)), "index out of range in self"),
    (lambda lib: lib.zeros(2, 3, 4).index_add(1, lib.tensor([3]), lib.ones(2, 1, 4)), "index out of range in self"),
    (lambda lib: lib.zeros(3).scatter(0, lib.tensor([1, 5, -1]), 1.0), "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda lib: lib.zeros(3).take(lib.tensor([1, -7, 5])), "tried to access index -7 on a tensor of 3 elements"),
    (lambda lib: _z(lib).index_add(0, lib.tensor([1]), lib.ones(1, 3)), r"source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \[3, 4\] source.shape = \[1, 3\]"),
    (lambda lib: _z(lib).index_add(0, lib.tensor([1, 2]), lib.ones(1, 4)), r"index_add_\(\): Number of indices \(2\) should be equal to source.size\(dim\): \(1\), for dim: 0"),
    (lambda lib: _z(lib).index_add(0, lib.tensor([1.0]), lib.ones(1, 4)), r"index_add_\(\): Expected dtype int32/int64 for index but got: Float"),
    (lambda lib: _z(lib).index_add(0, lib.tensor([1]), lib.ones(1, 4, dtype=lib.float64)), r"index_add_\(\): self \(Float\) and source \(Double\) must have the same scalar type"),
    (lambda lib: lib.zeros(3).index_add(0, lib.tensor([[1]]), lib.ones(1)), r"index_add_\(\): Index is supposed to be a vector, but got dim: 2 with type: Long and size: \[1, 1\]"),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([3]), lib.ones(1, 4)), r"index_copy_\(\): index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([-1]), lib.ones(1, 4)), r"index_copy_\(\): index -1 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([1]), lib.ones(1, 3)), r"index_copy_\(\): Source/destination tensor must have same slice shapes. Destination slice shape: 4 at dimension 0 and source slice shape: 3 at dimension 0."),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([1, 2]), lib.ones(1, 4)), r"index_copy_\(\): Number of indices \(2\) should be equal to source.size\(dim\) \(1\)"),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([1], dtype=lib.int32), lib.ones(1, 4)), r"index_copy_\(\): Expected a long tensor for index, but got Int"),
    (lambda lib: _z(lib).index_copy(0, lib.tensor([1]), lib.ones(1, 4, dtype=lib.float64)), r"index_copy_\(\): self and source expected to have the same dtype, but got \(self\) Float and \(source\) Double"),
    (lambda lib: lib.zeros(3).index_copy(0, lib.tensor([[1]]), lib.ones(1)), r"index_copy_\(\): Index should have dimension 1 or 0 \(got 2\)"),
    (lambda lib: _z(lib).index_fill(0, lib.tensor([3]), 1.0), "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda lib: _z(lib).index_fill(0, lib.tensor([1.0]), 1.0), r"index_fill_\(\): Expected dtype int64 for index."),
    (lambda lib: _z(lib).index_fill(0, lib.tensor([1]), lib.ones(2)), r"index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension\(s\)."),
    (lambda lib: _z(lib).index_fill(0, lib.tensor([[1]]), 1.0), "Index has to be a vector/scalar"),
    (lambda lib: _z(lib).index_reduce(0, lib.tensor([1]), lib.ones(1, 4), "sum"), r"index_reduce\(\): Expected reduce to be one of prod, mean, amax or amin but got sum."),
    (lambda lib: _z(lib).index_reduce(0, lib.tensor([3]), lib.ones(1, 4), "prod"), "index out of range in self"),
    (lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([1.0]), lib.ones(1), "prod"), r"index_reduce_\(\): Expected dtype int32/int64 for index but got: Float"),
    (lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([1]), lib.ones(1, dtype=lib.float64), "prod"), r"index_reduce_\(\): self \(Float\) and source \(Double\) must have the same scalar type"),
    (lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([1, 1]), lib.ones(1), "prod"), r"index_reduce_\(\): Number of indices \(2\) should be equal to source.size\(dim\): \(1\), for dim: 0"),
    (lambda lib: _z(lib).index_reduce(0, lib.tensor([1]), lib.ones(1, 3), "prod"), "source tensor shape must match self tensor shape"),
    (lambda lib: lib.zeros(2, 2).index_copy(0, lib.tensor(1), lib.ones(2)), r"index_copy_\(\): When source and destination are not scalars, their dimensionality must match. Source dimensionality \(1\), destination dimensionality \(2\)"),
    (lambda lib: lib.zeros(2, 2).index_add(1, lib.tensor(1), lib.ones(2)), r"index_add_\(\): Indexing dim 1 is out of bounds of the source tensor with dim 1"),
    (lambda lib: lib.zeros(2, 2).index_reduce(1, lib.tensor(1), lib.ones(2), "prod"), r"index_reduce_\(\): Indexing dim 1 is out of bounds of the source tensor with dim 1"),
    (lambda lib: lib.zeros(2).index_add(0, lib.tensor([1]), lib.tensor(2.0)), r"Got self.shape = \[2\] source.shape = \[\]"),
    (lambda lib: lib.tensor(3.0).index_select(0, lib.tensor([0, 0])), r"index_select\(\): Index to scalar can have only 1 value, got 2 value\(s\)"),
    (lambda lib: _z(lib).masked_select(lib.ones(3, 4)), "masked_select: expected BoolTensor for mask"),
    (lambda lib: _z(lib).masked_select(lib.ones(2, 4, dtype=lib.bool)), "The size of tensor a .* must match the size of tensor b"),
    (lambda lib: _z(lib).masked_scatter(lib.ones(3, 4), lib.ones(12)), "masked_scatter_ only supports boolean masks, but got mask with dtype Float"),
    (lambda lib: _z(lib).masked_scatter(lib.ones(3, 4, dtype=lib.bool), lib.ones(5)), "Number of elements of source < number of ones in mask"),
    (lambda lib: _z(lib).masked_scatter(lib.ones(3, 4, dtype=lib.bool), lib.ones(12, dtype=lib.float64)), "masked_scatter: expected self and source to have same dtypes but gotFloat and Double"),
    (lambda lib: _z(lib).take(lib.tensor([12])), "out of range: tried to access index 12 on a tensor of 12 elements."),
    (lambda lib: _z(lib).take(lib.tensor([-13])), "out of range: tried to access index -13 on a tensor of 12 elements."),
    (lambda lib: _z(lib).take(lib.tensor([1], dtype=lib.int32)), r"take\(\): Expected a long tensor for index, but got Int"),
    (lambda lib: _z(lib).take_along_dim(lib.tensor([[1.0]]), 0), r"torch.take_along_dim\(\): dtype of indices should be Long but got Float"),
    (lambda lib: _z(lib).take_along_dim(lib.tensor([1]), 0), r"torch.take_along_dim\(\): input and indices should have the same number of dimensions, but got 2 dimensions for input, and 1 dimensions for indices"),
    (lambda lib: _z(lib).take_along_dim(lib.tensor([[1], [0]]), 1), "The size of tensor a .* must match the size of tensor b"),
    (lambda lib: _z(lib).take_along_dim(lib.tensor([[12]])), "index 12 is out of bounds for dimension 0 with size 12"),
    (lambda lib: _z(lib).take_along_dim(lib.tensor([[-1]])), "index -1 is out of bounds for dimension 0 with size 12"),
    (lambda lib: _z(lib).put(lib.tensor([12]), lib.ones(1)), "out of range: tried to access index 12 on a tensor of 12 elements."),
    (lambda lib: _z(lib).put(lib.tensor([1, 2]), lib.ones(3)), r"put_\(\): Expected source and index to have the same number of elements, but got source.numel\(\) = 3, index.numel\(\) = 2"),
    (lambda lib: _z(lib).put(lib.tensor([1.0]), lib.ones(1)), r"put_\(\): Expected a long tensor for index, but got Float"),
    (lambda lib: _z(lib).put(lib.tensor([1]), lib.ones(1, dtype=lib.float64)), r"put_\(\): self and source expected to have the same dtype, but got self.dtype = Float and source.dtype = Double"),
    (lambda lib: lib.nonzero_static(_z(lib), size=-1), "nonzero_static: 'size' must be an non-negative integer"),
    (lambda lib: lib.select_scatter(_z(lib), lib.ones(3), 0, 1), r"expected src to have a size equal to the slice of self. src size = \[3\], slice size = \[4\]"),
    (lambda lib: lib.select_scatter(_z(lib), lib.ones(4), 0, 3), r"select\(\): index 3 out of range for tensor of size \[3, 4\] at dimension 0"),
    (lambda lib: lib.slice_scatter(_z(lib), lib.ones(2, 4), 0, 0, 1), r"src size = \[2, 4\], slice size = \[1, 4\]"),
    (lambda lib: lib.diagonal_scatter(_z(lib), lib.ones(4)), r"src size = \[4\], slice size = \[3\]"),
    (lambda lib: lib.zeros(3).fill_diagonal_(1.0), "dimensions must larger than 1"),
    (lambda lib: lib.zeros(3, 3, 4).fill_diagonal_(1.0), "all dimensions of input must be of equal length"),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "match"), ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(fn, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # index_reduce's beta warning
        check_error(fn, match)


# ---------------------------------------------------------------- saved values

SAVED = [
    ("scatter", lambda lib, x, s: x.scatter(0, lib.tensor(IDX), s), (3, 4), (2, 4)),
    ("scatter_add", lambda lib, x, s: x.scatter_add(0, lib.tensor(IDX), s), (3, 4), (2, 4)),
    ("scatter_reduce", lambda lib, x, s: x.scatter_reduce(0, lib.tensor(IDX), s, "amax"), (3, 4), (2, 4)),
    ("index_select", lambda lib, x: x.index_select(1, lib.tensor(VEC)), (2, 3)),
    ("index_add", lambda lib, x, s: x.index_add(0, lib.tensor(VEC), s), (3, 2), (3, 2)),
    ("index_copy", lambda lib, x, s: x.index_copy(0, lib.tensor(VEC_UNIQUE), s), (3, 2), (2, 2)),
    ("index_fill", lambda lib, x: x.index_fill(0, lib.tensor(VEC), 2.0), (3, 2)),
    ("masked_select", lambda lib, x: x.masked_select(lib.tensor(MASK)), (3, 4)),
    ("masked_scatter", lambda lib, x, s: x.masked_scatter(lib.tensor(MASK), s), (3, 4), (6,)),
    ("take", lambda lib, x: x.take(lib.tensor(FLAT)), (2, 4)),
    ("put", lambda lib, x, s: x.put(lib.tensor(FLAT), s), (2, 4), (2, 3)),
    ("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 0, 1), (3, 4), (4,)),
    ("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s), (3, 4), (3,)),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in SAVED], ids=_ids(SAVED))
def test_a_changed_saved_value_is_refused_as_in_pytorch(fn, specs) -> None:
    check_saved_versions(fn, *specs)
