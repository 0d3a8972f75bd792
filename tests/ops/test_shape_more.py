"""The shape family's newer ops (repeat_interleave, rot90, diagonals, strided views, joins and
splits, index sets): values, gradients and node names against PyTorch, float64 gradcheck,
views sharing storage, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same, make_inputs

import numtorch

REPEATS = np.array([1, 0, 3])


def _write_diagonal(lib, x):
    y = x * 1.0
    y.diagonal(1).mul_(3.0)
    return y


def _write_unfold(lib, x):
    y = x * 1.0
    y.unfold(1, 2, 2).add_(1.0)  # windows that do not overlap: a write is allowed
    return y * y


# (id, fn(lib, *inputs), *input specs): values, gradients, gradcheck and node names
CASES = [
    ("repeat_interleave int", lambda lib, x: x.repeat_interleave(2), (2, 3)),
    ("repeat_interleave int dim", lambda lib, x: lib.repeat_interleave(x, 3, dim=1), (2, 3)),
    ("repeat_interleave 0-d", lambda lib, x: x.repeat_interleave(2), ()),
    (
        "repeat_interleave tensor",
        lambda lib, x, r: lib.repeat_interleave(x, r, dim=0),
        (3, 2),
        REPEATS,
    ),
    (
        "repeat_interleave one repeat",
        lambda lib, x: x.repeat_interleave(lib.tensor([2]), dim=-1, output_size=6),
        (2, 3),
    ),
    ("rot90", lambda lib, x: lib.rot90(x), (3, 4)),
    ("rot90 k=2", lambda lib, x: x.rot90(2, (1, 2)), (2, 3, 4)),
    ("rot90 k=-1", lambda lib, x: lib.rot90(x, -1, [0, 1]) * lib.arange(3.0), (3, 4)),
    ("rot90 k=0", lambda lib, x: lib.rot90(x, 4), (3, 4)),
    ("fliplr", lambda lib, x: lib.fliplr(x), (3, 4)),
    ("flipud", lambda lib, x: x.flipud(), (3, 4)),
    ("diag vector", lambda lib, x: lib.diag(x), (3,)),
    ("diag vector offset", lambda lib, x: x.diag(-2), (3,)),
    ("diag matrix", lambda lib, x: lib.diag(x, 1), (3, 4)),
    ("diag matrix below", lambda lib, x: x.diag(-1), (3, 4)),
    ("diag_embed", lambda lib, x: lib.diag_embed(x), (2, 3)),
    ("diag_embed dims", lambda lib, x: x.diag_embed(1, 0, 2), (2, 3)),
    ("diag_embed reversed dims", lambda lib, x: lib.diag_embed(x, -1, -1, 0), (2, 3)),
    ("diagflat", lambda lib, x: lib.diagflat(x), (2, 2)),
    ("diagflat offset", lambda lib, x: x.diagflat(2), (3,)),
    ("diagonal", lambda lib, x: lib.diagonal(x), (3, 4)),
    ("diagonal offset", lambda lib, x: x.diagonal(2) * 2, (3, 4)),
    ("diagonal dims", lambda lib, x: lib.diagonal(x, -1, 2, 0), (3, 2, 4)),
    ("diagonal out of range", lambda lib, x: x.diagonal(5), (3, 4)),
    ("trace", lambda lib, x: lib.trace(x), (3, 4)),
    ("trace method", lambda lib, x: x.trace() * 2, (4, 2)),
    ("select", lambda lib, x: lib.select(x, 1, -1), (3, 4)),
    ("select method", lambda lib, x: x.select(0, 2) * 2, (3, 4)),
    ("unfold", lambda lib, x: x.unfold(1, 2, 1), (3, 4)),
    ("unfold step", lambda lib, x: x.unfold(0, 2, 3), (7, 2)),
    ("unfold overlapping", lambda lib, x: x.unfold(-1, 3, 1) * 2, (2, 5)),
    ("unfold 0-d", lambda lib, x: x.unfold(0, 1, 1), ()),
    ("unfold twice (patches)", lambda lib, x: x.unfold(2, 3, 1).unfold(3, 2, 2), (1, 2, 5, 5)),
    ("as_strided", lambda lib, x: lib.as_strided(x, (2, 2), (1, 2)), (3, 4)),
    ("as_strided offset", lambda lib, x: x.as_strided((3,), (4,), 1), (3, 4)),
    ("as_strided overlapping", lambda lib, x: x.as_strided((3, 3), (1, 1)), (12,)),
    ("as_strided of a view", lambda lib, x: x[1:].as_strided((2, 2), (2, 1)), (3, 4)),
    ("as_strided of an expand", lambda lib, x: x.expand(2, 3).as_strided((2,), (1,), 1), (3,)),
    ("as_strided_", lambda lib, x: (x * 1).as_strided_((2, 3), (1, 2)), (3, 4)),
    ("ravel", lambda lib, x: lib.ravel(x), (3, 4)),
    ("ravel transposed", lambda lib, x: x.t().ravel(), (3, 4)),
    ("adjoint", lambda lib, x: lib.adjoint(x), (2, 3, 4)),
    ("H", lambda lib, x: x.H * 2, (3, 4)),
    ("mH", lambda lib, x: x.mH, (2, 3, 4)),
    ("sum_to_size", lambda lib, x: x.sum_to_size(1, 4), (3, 4)),
    ("sum_to_size fewer dims", lambda lib, x: x.sum_to_size(4), (3, 4)),
    ("sum_to_size tuple", lambda lib, x: x.sum_to_size((2, 1, 1)), (2, 3, 4)),
    ("narrow_copy", lambda lib, x: lib.narrow_copy(x, 1, 1, 2), (3, 4)),
    ("narrow_copy method", lambda lib, x: x.narrow_copy(0, 1, 2), (3, 4)),
    ("hstack", lambda lib, x, y: lib.hstack([x, y]), (2, 3), (2, 1)),
    ("hstack 1-d", lambda lib, x, y: lib.hstack((x, y)), (3,), (2,)),
    ("vstack", lambda lib, x, y: lib.vstack([x, y]), (3,), (2, 3)),
    ("row_stack", lambda lib, x, y: lib.row_stack([x, y]), (2, 3), (2, 3)),
    ("dstack", lambda lib, x, y: lib.dstack([x, y]), (3,), (3,)),
    ("dstack 2-d", lambda lib, x, y: lib.dstack([x, y]), (2, 3), (2, 3, 2)),
    ("column_stack", lambda lib, x, y, z: lib.column_stack([x, y, z]), (3,), (3, 2), (3,)),
    ("column_stack 0-d", lambda lib, x, y: lib.column_stack([x, y]), (), ()),
    ("atleast_1d", lambda lib, x: lib.atleast_1d(x), ()),
    ("atleast_2d", lambda lib, x, y: lib.atleast_2d(x, y), (3,), ()),
    ("atleast_3d", lambda lib, x, y, z: lib.atleast_3d([x, y, z]), (3,), (2, 3), ()),
    ("broadcast_tensors", lambda lib, x, y: lib.broadcast_tensors(x, y), (3, 1), (4,)),
    ("tensor_split sections", lambda lib, x: lib.tensor_split(x, 3), (7, 2)),
    ("tensor_split indices", lambda lib, x: x.tensor_split([1, 3], 1), (2, 5)),
    ("tensor_split odd indices", lambda lib, x: lib.tensor_split(x, (-2, 1, 9)), (5,)),
    ("tensor_split tensor", lambda lib, x: x.tensor_split(lib.tensor([1, 2]), -1), (2, 4)),
    ("tensor_split sections=", lambda lib, x: lib.tensor_split(x, sections=2, dim=1), (2, 5)),
    ("tensor_split indices=", lambda lib, x: x.tensor_split(indices=[1, 4]), (5, 2)),
    ("tensor_split 0-d tensor", lambda lib, x: x.tensor_split(lib.tensor(2)), (5, 2)),
    ("hsplit", lambda lib, x: lib.hsplit(x, 2), (3, 4)),
    ("hsplit 1-d", lambda lib, x: x.hsplit([1]), (4,)),
    ("vsplit", lambda lib, x: lib.vsplit(x, [1, 2]), (3, 4)),
    ("dsplit", lambda lib, x: x.dsplit(2), (2, 1, 4)),
    ("split_with_sizes", lambda lib, x: x.split_with_sizes([1, 2], 1), (2, 3)),
    ("torch.split_with_sizes", lambda lib, x: lib.split_with_sizes(x, [3, 1]), (4, 2)),
    ("unsafe_split", lambda lib, x: lib.unsafe_split(x, 2), (5, 2)),
    ("unsafe_chunk", lambda lib, x: x.unsafe_chunk(2, 1), (2, 5)),
    ("unsafe_split_with_sizes", lambda lib, x: x.unsafe_split_with_sizes([2, 1]), (3, 2)),
    ("block_diag", lambda lib, x, y, z: lib.block_diag(x, y, z), (2, 3), (3,), ()),
    ("cartesian_prod", lambda lib, x, y: lib.cartesian_prod(x, y), (3,), (2,)),
    ("cartesian_prod 3", lambda lib, x, y, z: lib.cartesian_prod(x, y, z), (2,), (2,), (3,)),
    ("combinations", lambda lib, x: lib.combinations(x), (4,)),
    ("combinations r=3", lambda lib, x: lib.combinations(x, 3), (4,)),
    ("combinations replacement", lambda lib, x: lib.combinations(x, 2, True), (3,)),
    ("alias_copy", lambda lib, x: lib.alias_copy(x), (3, 4)),
    ("as_strided_copy", lambda lib, x: lib.as_strided_copy(x, (3, 3), (1, 1)), (12,)),
    ("diagonal_copy", lambda lib, x: lib.diagonal_copy(x, 1), (3, 4)),
    ("expand_copy", lambda lib, x: lib.expand_copy(x, (2, 3, 4)), (3, 1)),
    ("permute_copy", lambda lib, x: lib.permute_copy(x, (2, 0, 1)), (2, 3, 4)),
    ("select_copy", lambda lib, x: lib.select_copy(x, 0, 1), (3, 4)),
    ("slice_copy", lambda lib, x: lib.slice_copy(x, 1, 1, 4, 2), (3, 4)),
    ("squeeze_copy", lambda lib, x: lib.squeeze_copy(x, 0), (1, 3)),
    ("t_copy", lambda lib, x: lib.t_copy(x), (3, 4)),
    ("transpose_copy", lambda lib, x: lib.transpose_copy(x, 0, -1), (2, 3, 4)),
    ("unfold_copy", lambda lib, x: lib.unfold_copy(x, 0, 2, 1), (3, 4)),
    ("unsqueeze_copy", lambda lib, x: lib.unsqueeze_copy(x, 1), (3, 4)),
    ("view_copy", lambda lib, x: lib.view_copy(x, (2, -1)), (3, 4)),
    ("split_copy", lambda lib, x: lib.split_copy(x, 2), (5, 2)),
    ("split_with_sizes_copy", lambda lib, x: lib.split_with_sizes_copy(x, [1, 3], 1), (2, 4)),
    ("unbind_copy", lambda lib, x: lib.unbind_copy(x, 1), (2, 3)),
    ("as_strided of a transpose", lambda lib, x: x.t().as_strided((2, 2), (1, 2)), (3, 4)),
    ("write into diagonal", _write_diagonal, (3, 4)),
    ("write into unfold", _write_unfold, (2, 4)),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_parity(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


def _node_names(lib, fn, specs) -> list:
    arrays = make_inputs(specs)
    inputs = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.grad_fn.name() if o.grad_fn is not None else None for o in outs]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_node_names(fn, specs) -> None:
    assert _node_names(numtorch, fn, specs) == _node_names(torch, fn, specs)


@pytest.mark.parametrize("kwargs", [{}, {"N": 4, "increasing": True}, {"N": 2}])
def test_vander_as_pytorch(kwargs: dict) -> None:
    """PyTorch builds ``vander`` with in-place writes into views of its result, so its backward
    refuses ("modified by an inplace operation"); numtorch does it the same way."""
    fn = lambda lib, x: lib.vander(x, **kwargs)  # noqa: E731
    check_op(fn, (3,), grad=False)
    assert _node_names(numtorch, fn, ((3,),)) == _node_names(torch, fn, ((3,),))
    check_error(
        lambda lib: fn(lib, lib.ones(3, requires_grad=True)).sum().backward(),
        "modified by an inplace operation",
    )


# ---------------------------------------------------------------- values (no gradient)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.repeat_interleave(lib.tensor([1, 0, 3])),
        lambda lib: lib.repeat_interleave(lib.tensor([2, 1], dtype=lib.int32)),
        lambda lib: lib.arange(6).reshape(2, 3).repeat_interleave(lib.tensor(2), dim=1),
        lambda lib: lib.arange(6).repeat_interleave(0),
        lambda lib: lib.diag(lib.arange(4)),
        lambda lib: lib.trace(lib.arange(9).reshape(3, 3)),
        lambda lib: lib.trace(lib.ones(2, 2, dtype=lib.int32)),
        lambda lib: lib.tril_indices(3, 4, 1),
        lambda lib: lib.triu_indices(4, 3, -1),
        lambda lib: lib.tril_indices(3, 3, dtype=lib.int32),
        lambda lib: lib.triu_indices(3, 3, 10),
        lambda lib: lib.tril_indices(0, 3),
        lambda lib: lib.block_diag(),
        lambda lib: lib.block_diag(
            lib.tensor(1), lib.tensor([1, 2.0]), lib.ones(2, 2, dtype=lib.int32)
        ),
        lambda lib: lib.combinations(lib.arange(3.0), 0),
        lambda lib: lib.combinations(lib.arange(3), 4),
        lambda lib: lib.combinations(lib.arange(3), 1),
        lambda lib: lib.cartesian_prod(lib.arange(2), lib.arange(3)),
        lambda lib: lib.vander(lib.tensor([1, 2, 3])),
        lambda lib: lib.vander(lib.tensor([True, False])),
        lambda lib: lib.vander(lib.tensor([0.0, 2.0]), 0),
        lambda lib: lib.vander(lib.tensor([0.0, 2.0]), 1),
        lambda lib: lib.unravel_index(lib.tensor([7, -7, -1, 5]), (2, 3)),
        lambda lib: lib.unravel_index(lib.tensor(4), (3, 2)),
        lambda lib: lib.unravel_index(lib.tensor([[1234], [5678]], dtype=lib.int32), (10, 10, 10)),
        lambda lib: lib.unravel_index(lib.tensor([4]), 6),
        lambda lib: lib.unravel_index(lib.tensor([1]), ()),
        lambda lib: lib.hstack([lib.ones(2), lib.arange(3)]),
        lambda lib: lib.vstack([lib.tensor(1.0), lib.tensor(2.0)]),
        lambda lib: lib.dstack([lib.tensor(1), lib.tensor(2)]),
        lambda lib: lib.column_stack([lib.ones(2, 3), lib.arange(2)]),
        lambda lib: lib.rot90(lib.arange(12).reshape(3, 4), 1).stride(),
        lambda lib: lib.rot90(lib.arange(12).reshape(3, 4), 3).stride(),
        lambda lib: lib.atleast_2d(lib.tensor(1.0)).shape,
        lambda lib: lib.atleast_3d(lib.ones(2, 3)).shape,
        lambda lib: lib.tensor_split(lib.arange(12).reshape(3, 4), 5, 1),
        lambda lib: lib.arange(12.0).reshape(3, 4).unfold(1, 2, 2).stride(),
        lambda lib: lib.arange(12.0).reshape(3, 4).diagonal().stride(),
        lambda lib: lib.arange(6).sum_to_size(6),
        lambda lib: lib.arange(3.0).expand(3, 3).diagonal(),
        lambda lib: lib.arange(3.0).expand(2, 3).as_strided((2,), (1,), 1),
        lambda lib: lib.arange(3.0).expand(2, 3).unfold(1, 2, 1),
        lambda lib: lib.zeros(3, 4).diagonal(1).storage_offset(),
        lambda lib: lib.zeros(3, 4)[1].unfold(0, 2, 1)[1:].storage_offset(),
        lambda lib: lib.zeros(3, 4)[1:].as_strided((2,), (1,)).storage_offset(),
        lambda lib: lib.zeros(3, 4)[1:].as_strided((2,), (1,), 7).storage_offset(),
        lambda lib: lib.zeros(3, 4).select(1, 2).storage_offset(),
    ],
)
def test_values(make) -> None:
    check_same(make)


def test_returned_as_given_as_in_pytorch() -> None:
    for lib in (torch, numtorch):
        x = lib.ones(2, 3, requires_grad=True)
        assert lib.atleast_1d(x) is x and lib.atleast_2d(x) is x
        assert lib.broadcast_tensors(x, x[0])[0] is x
        assert lib.cartesian_prod(x[0]).shape == (3,)
        assert x.sum_to_size(2, 3) is x


# ---------------------------------------------------------------- views share storage


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: lib.diagonal(x, 1),
        lambda lib, x: x.select(1, 2),
        lambda lib, x: x.unfold(1, 2, 1),
        lambda lib, x: x.as_strided((2, 2), (1, 4), 1),
        lambda lib, x: x.ravel(),
        lambda lib, x: lib.tensor_split(x, 2, 1)[1],
        lambda lib, x: lib.hsplit(x, 2)[0],
        lambda lib, x: x.H,
        lambda lib, x: x.mH,
        lambda lib, x: lib.adjoint(x),
        lambda lib, x: lib.atleast_3d(x),
        lambda lib, x: lib.broadcast_tensors(x, lib.ones(2, 3, 4))[0],
    ],
)
def test_views_see_writes_into_the_base(make) -> None:
    """The view shares storage (and the version counter) with its base."""

    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        v = make(lib, x)
        x.add_(1.0)
        return v.clone(), v._version == x._version

    check_same(run)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: lib.diagonal(x, -1),
        lambda lib, x: x.select(0, 1),
        lambda lib, x: x.unfold(1, 2, 2),
        lambda lib, x: x.as_strided((2, 2), (1, 4), 1),
        lambda lib, x: x.ravel(),
        lambda lib, x: lib.vsplit(x, [1])[1],
        lambda lib, x: x.H,
    ],
)
def test_write_into_view_reaches_base(make) -> None:
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        make(lib, x).mul_(-1.0)
        return x

    check_same(run)


def test_copies_do_not_share_storage() -> None:
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        outs = [lib.diag(x), lib.rot90(x), lib.narrow_copy(x, 0, 0, 2), lib.fliplr(x)]
        outs += [lib.select_copy(x, 0, 0), lib.alias_copy(x), lib.view_copy(x, (12,))]
        outs += [*lib.unbind_copy(x), lib.slice_copy(x, 0, 0, 1)]
        for o in outs:
            o.fill_(0.0)
        return x

    check_same(run)


def test_unsafe_split_pieces_can_change_in_place() -> None:
    """The pieces share their input's memory but not its version counter, as in PyTorch."""

    def run(lib):
        x = lib.arange(6.0, requires_grad=True)
        y = x * 1
        a, b = y.unsafe_split(3)
        a.mul_(2.0)
        (a.sum() + b.sum() * 3).backward()
        c = lib.arange(4.0)
        pieces = c.unsafe_chunk(2)
        pieces[1].add_(5.0)
        return a.detach(), y.detach(), x.grad, c, c._version == pieces[1]._version

    check_same(run)


# ---------------------------------------------------------------- view(dtype)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.arange(6.0).view(lib.int32),
        lambda lib: lib.ones(2, 4).view(lib.float64),
        lambda lib: lib.ones(2, 4, dtype=lib.float16).view(lib.float32),
        lambda lib: lib.ones(2, 2).view(lib.uint8),
        lambda lib: lib.ones(2).view(lib.bool),
        lambda lib: lib.ones(3, 4).t().view(lib.int32).stride(),
        lambda lib: lib.ones(4, 2)[:, :1].view(lib.float16).stride(),
        lambda lib: lib.tensor([1.5, -2.0], dtype=lib.float64).view(lib.int64),
        lambda lib: lib.ones(2).view(dtype=lib.int32),
        lambda lib: lib.arange(6).view(size=(3, 2)),
    ],
)
def test_view_dtype_values(make) -> None:
    check_same(make)


def test_view_dtype_shares_memory_and_is_not_differentiable() -> None:
    def run(lib):
        x = lib.arange(4.0, requires_grad=True)
        y = x.view(lib.int32)
        z = lib.zeros(3)
        bits = z.view(lib.int32)
        bits[1] = 1065353216  # the bits of 1.0
        return y.requires_grad, y.grad_fn is None, z, bits._version == z._version

    check_same(run)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.ones(2, 3).view(lib.float64),
            r"self.size\(-1\) must be divisible by 2 to view Float as Double \(different "
            r"element sizes\), but got 3",
        ),
        (
            lambda lib: lib.ones(4, 2).t().view(lib.float64),
            r"self.stride\(-1\) must be 1 to view Float as Double \(different element sizes\), "
            "but got 2",
        ),
        (
            lambda lib: lib.ones(()).view(lib.float64),
            r"self.dim\(\) cannot be 0 to view Float as Double",
        ),
    ],
)
def test_view_dtype_errors(fn, match: str) -> None:
    check_error(fn, match)


# ---------------------------------------------------------------- resize_


def test_resize_keeps_flat_data() -> None:
    def run(lib):
        x = lib.arange(6.0)
        x.resize_(2, 2)
        shrunk = x.clone()
        x.resize_(3, 3)
        grown = x[:2].clone()  # the elements past the old data are uninitialised in PyTorch
        y = lib.ones(2)
        lib.resize_as_(y, lib.ones(3, 1))
        z = lib.arange(4.0)
        z.resize_as_(lib.ones(2, 2))
        return shrunk, grown, y.shape, z

    check_same(run)


def test_resize_shares_storage_when_shrinking() -> None:
    def run(lib):
        x = lib.arange(6.0)
        v = x.view(6)
        x.resize_(2, 2)
        x.fill_(-1.0)
        return v

    check_same(run)


@pytest.mark.filterwarnings("ignore:non-inplace resize")
@pytest.mark.parametrize(
    "fn", [lambda lib, x: x.resize(2, 3) * 2, lambda lib, x: x.t().resize_as(lib.ones(6))]
)
def test_deprecated_resize(fn) -> None:
    check_op(fn, (3, 2))
    check_gradcheck(fn, (3, 2))
    assert _node_names(numtorch, fn, ((3, 2),)) == _node_names(torch, fn, ((3, 2),))


def test_deprecated_resize_warns_and_keeps_the_element_count() -> None:
    for lib in (torch, numtorch):
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            lib.ones(6).resize(2, 3)
    with pytest.warns(UserWarning):
        check_error(
            lambda lib: lib.ones(6).resize(4),
            r"requested resize to 4 \(4 elements in total\), but the given tensor has a size of "
            r"6 \(6 elements\)",
        )


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.diag(lib.zeros(2, 2, 2)), r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
        (lambda lib: lib.diag(lib.zeros(2, 2), 1.5), "argument 'diagonal' .*must be int"),
        (lambda lib: lib.diagflat(lib.zeros(2), 1.5), "argument 'offset' .*must be int"),
        (
            lambda lib: lib.diagonal(lib.zeros(3, 4), 0, 0, 0),
            "diagonal dimensions cannot be identical 0, 0",
        ),
        (
            lambda lib: lib.diagonal(lib.zeros(3, 4), 0, -2, 0),
            "diagonal dimensions cannot be identical -2, 0",
        ),
        (lambda lib: lib.diagonal(lib.zeros(3, 4), 0, 0, 2), "Dimension out of range"),
        (
            lambda lib: lib.diag_embed(lib.zeros(3, 4), 0, 0, 0),
            "diagonal dimensions cannot be identical 0, 0",
        ),
        (lambda lib: lib.diag_embed(lib.zeros(3, 4), 0, 0, 3), "Dimension out of range"),
        (
            lambda lib: lib.trace(lib.zeros(2, 2, 2)),
            "trace: expected a matrix, but got tensor with dim 3",
        ),
        (
            lambda lib: lib.trace(lib.zeros(2)),
            "trace: expected a matrix, but got tensor with dim 1",
        ),
        (
            lambda lib: lib.rot90(lib.zeros(3, 4), 1, (0,)),
            "expected total rotation dims == 2, but got dims = 1",
        ),
        (
            lambda lib: lib.rot90(lib.zeros(3, 4), 1, (0, 0)),
            "expected rotation dims to be different, but got dim0 = 0 and dim1 = 0",
        ),
        (lambda lib: lib.rot90(lib.zeros(3, 4), 1, (0, 2)), "Dimension out of range"),
        (
            lambda lib: lib.rot90(lib.zeros(3)),
            "expected total dims >= 2, but got total dims = 1",
        ),
        (lambda lib: lib.fliplr(lib.zeros(3)), r"Input must be >= 2-d\."),
        (lambda lib: lib.flipud(lib.tensor(1.0)), r"Input must be >= 1-d\."),
        (
            lambda lib: lib.repeat_interleave(lib.zeros(3, 4), lib.tensor([1, 2]), dim=0),
            r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2 "
            r"and input.size\(0\) = 3",
        ),
        (lambda lib: lib.repeat_interleave(lib.zeros(3), -1), "Repeats must be non-negative"),
        (
            lambda lib: lib.repeat_interleave(lib.zeros(3), lib.tensor([1, -2, 1]), dim=0),
            "repeats can not be negative",
        ),
        (
            lambda lib: lib.repeat_interleave(lib.tensor([[1, 2]])),
            "repeat_interleave only accept 1D vector as repeat",
        ),
        (
            lambda lib: lib.repeat_interleave(lib.tensor([1.0, 2.0])),
            "\"repeat_interleave_cpu\" not implemented for 'Float'",
        ),
        (
            lambda lib: lib.repeat_interleave(lib.zeros(3), lib.tensor([[1]]), dim=0),
            "repeats must be 0-dim or 1-dim tensor",
        ),
        (lambda lib: lib.repeat_interleave(lib.zeros(3, 4), 2, dim=5), "Dimension out of range"),
        (
            lambda lib: lib.repeat_interleave(
                lib.zeros(3), lib.tensor([1, 1, 1]), 0, output_size=4
            ),
            "allocated size does not match required size",
        ),
        (
            lambda lib: lib.zeros(2, 3).repeat_interleave(2, output_size=5),
            "repeat_interleave: Invalid output_size, expected 12 but got 5",
        ),
        (lambda lib: lib.hstack([]), "hstack expects a non-empty TensorList"),
        (lambda lib: lib.vstack([]), "vstack expects a non-empty TensorList"),
        (lambda lib: lib.dstack([]), "dstack expects a non-empty TensorList"),
        (lambda lib: lib.column_stack([]), "column_stack expects a non-empty TensorList"),
        (
            lambda lib: lib.hstack([lib.zeros(3, 4), lib.zeros(2, 4)]),
            "Sizes of tensors must match except in dimension 1. Expected size 3 but got size 2",
        ),
        (
            lambda lib: lib.vstack([lib.zeros(3, 4), lib.zeros(3, 3)]),
            "Sizes of tensors must match except in dimension 0. Expected size 4 but got size 3",
        ),
        (
            lambda lib: lib.tensor_split(lib.zeros(3, 4), 0),
            "number of sections must be larger than 0, got 0",
        ),
        (
            lambda lib: lib.tensor_split(lib.tensor(1.0), 2),
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims",
        ),
        (lambda lib: lib.tensor_split(lib.zeros(3), 2.5), "tensor_split"),
        (
            lambda lib: lib.tensor_split(lib.zeros(3), lib.tensor([[1]])),
            "to be a zero-dimensional or one-dimensional tensor, but got a tensor with 2 dims",
        ),
        (
            lambda lib: lib.tensor_split(lib.zeros(3), lib.tensor([1.0])),
            "tensor_split expected tensor_indices_or_sections to have dtype of long, but got Float",
        ),
        (
            lambda lib: lib.hsplit(lib.tensor(1.0), 2),
            "torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 "
            "dimensions!",
        ),
        (
            lambda lib: lib.hsplit(lib.zeros(3, 4), 3),
            "torch.hsplit attempted to split along dimension 1, but the size of the dimension 4 "
            "is not divisible by the split_size 3!",
        ),
        (
            lambda lib: lib.vsplit(lib.zeros(3), 3),
            "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with 1 "
            "dimensions!",
        ),
        (lambda lib: lib.vsplit(lib.zeros(3, 4), 2), "not divisible by the split_size 2!"),
        (
            lambda lib: lib.dsplit(lib.zeros(3, 4), 2),
            "torch.dsplit requires a tensor with at least 3 dimension",
        ),
        (lambda lib: lib.dsplit(lib.zeros(2, 2, 3), 2), "dimension 3 is not divisible"),
        (
            lambda lib: lib.zeros(3, 4).unfold(1, 5, 1),
            "maximum size for tensor at dimension 1 is 4 but size is 5",
        ),
        (lambda lib: lib.zeros(3, 4).unfold(1, 2, 0), "step is 0 but must be > 0"),
        (lambda lib: lib.zeros(3, 4).unfold(2, 2, 1), "Dimension out of range"),
        (lambda lib: lib.zeros(3, 4).unfold(1, -1, 1), "size is -1 but must be >= 0"),
        (
            lambda lib: lib.select(lib.zeros(3, 4), 0, 3),
            r"select\(\): index 3 out of range for tensor of size \[3, 4\] at dimension 0",
        ),
        (lambda lib: lib.zeros(3, 4).select(2, 0), "Dimension out of range"),
        (
            lambda lib: lib.zeros(3, 4).select(-2, 3),
            r"select\(\): index 3 out of range for tensor of size \[3, 4\] at dimension 0",
        ),
        (lambda lib: lib.zeros(3, 4).select(0, 1.5), "argument 'index' .*must be int, not float"),
        (
            lambda lib: lib.zeros(3).repeat_interleave(lib.tensor([1.0, 2.0, 1.0])),
            "\"repeat_interleave_cpu\" not implemented for 'Float'",
        ),
        (lambda lib: lib.zeros(3).repeat_interleave(1.5), "repeat_interleave"),
        (lambda lib: lib.zeros(3, 4).unfold(0, 2.0, 1), "argument 'size' .*must be int, not float"),
        (lambda lib: lib.rot90(lib.zeros(3, 4), 1.5), "argument 'k' .*must be int, not float"),
        (
            lambda lib: lib.rot90(lib.zeros(3, 4), 1, (0, -2)),
            "expected rotation dims to be different, but got dim0 = 0 and dim1 = -2",
        ),
        (lambda lib: lib.tensor_split(lib.zeros(3), (1.5,)), "got \\(Tensor, tuple\\)"),
        (lambda lib: lib.zeros(3).resize_(2.0), "argument 'size' .*must be tuple of ints"),
        (
            lambda lib: lib.select(lib.tensor(1.0), 0, 0),
            r"select\(\) cannot be applied to a 0-dim tensor.",
        ),
        (
            lambda lib: lib.zeros(3, 4).sum_to_size(2, 4),
            r"size \{\[2, 4\]\} is not expandable to size \{\[3, 4\]\}.",
        ),
        (
            lambda lib: lib.zeros(3, 4).sum_to_size(1, 1, 4),
            r"size \{\[1, 1, 4\]\} is not expandable to size \{\[3, 4\]\}.",
        ),
        (
            lambda lib: lib.zeros(3, 4).as_strided((3, 4), (4, 1), 10),
            r"setStorage: sizes \[3, 4\], strides \[4, 1\], storage offset 10, and itemsize 4 "
            r"requiring a storage size of 88 are out of bounds for storage of size 48",
        ),
        (
            lambda lib: lib.zeros(3, 4).as_strided((3, 4), (4, 1, 1)),
            "mismatch in length of strides and shape",
        ),
        (
            lambda lib: lib.zeros(3, 4).as_strided((3, 4), (-1, 1)),
            r"as_strided: Negative strides are not supported at the moment, got strides: \[-1, 1\]",
        ),
        (
            lambda lib: lib.zeros(3).H,
            r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor.",
        ),
        (
            lambda lib: lib.zeros(2, 2, 2).H,
            "Got 3-D tensor. For batches of matrices, consider using tensor.mH",
        ),
        (
            lambda lib: lib.zeros(3).mH,
            "tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.",
        ),
        (
            lambda lib: lib.zeros(3).adjoint(),
            r"tensor.adjoint\(\) is only supported on matrices or batches of matrices. Got 1-D",
        ),
        (lambda lib: lib.tril_indices(-1, 3), "row must be non-negative, got-1"),
        (lambda lib: lib.triu_indices(3, -2), "col must be non-negative, got-2"),
        (
            lambda lib: lib.tril_indices(3, 3, dtype=lib.float32),
            "\"tril_indices\" not implemented for 'Float'",
        ),
        (
            lambda lib: lib.triu_indices(3, 3, dtype=lib.int16),
            "\"triu_indices\" not implemented for 'Short'",
        ),
        (
            lambda lib: lib.cartesian_prod(lib.zeros(2), lib.zeros(2, 2)),
            r"Expect a 1D vector, but got shape \[2, 2\]",
        ),
        (
            lambda lib: lib.cartesian_prod(lib.zeros(2), lib.arange(2)),
            "meshgrid expects all tensors to have the same dtype",
        ),
        (
            lambda lib: lib.combinations(lib.zeros(3, 4)),
            r"Expect a 1D vector, but got shape \[3, 4\]",
        ),
        (
            lambda lib: lib.combinations(lib.zeros(3), -1),
            "Expect a non-negative number, but got -1",
        ),
        (
            lambda lib: lib.block_diag(lib.zeros(2, 2, 2)),
            "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input 0 has 3 "
            "dimensions",
        ),
        (
            lambda lib: lib.unravel_index(lib.tensor([1.5]), (2, 3)),
            "expected 'indices' to be integer dtype, but got torch.float32",
        ),
        (
            lambda lib: lib.unravel_index(lib.tensor([True]), (2, 3)),
            "expected 'indices' to be integer dtype, but got torch.bool",
        ),
        (
            lambda lib: lib.unravel_index(lib.tensor([1]), (2, -3)),
            r"'shape' cannot have negative values, but got \(2, -3\)",
        ),
        (lambda lib: lib.vander(lib.zeros(3, 4)), "x must be a one-dimensional tensor."),
        (lambda lib: lib.vander(lib.zeros(3), -1), "N must be non-negative."),
        (
            lambda lib: lib.zeros(2, requires_grad=True).resize_(3),
            "cannot resize variables that require grad",
        ),
        (
            lambda lib: lib.hstack([lib.ones(3), 1]),
            "^expected Tensor as element 1 in argument 0, but got int",
        ),
        (
            lambda lib: lib.block_diag(lib.ones(2), [1]),
            "^expected Tensor as element 1 in argument 0, but got list",
        ),
        (lambda lib: lib.cartesian_prod(), "meshgrid expects a non-empty TensorList"),
        (
            lambda lib: lib.trace(lib.ones(2, 3, dtype=lib.bool)),
            "\"trace\" not implemented for 'Bool'",
        ),
        (
            lambda lib: lib.atleast_1d([1]),
            "expected Tensor as element 0 in argument 0, but got int",
        ),
        (
            lambda lib: lib.broadcast_tensors(lib.zeros(3, 4), lib.zeros(2)),
            r"The size of tensor a \(4\) must match the size of tensor b \(2\) at non-singleton "
            "dimension 1",
        ),
        (
            lambda lib: lib.ravel(3),
            r"ravel\(\): argument 'input' \(position 1\) must be Tensor, not int",
        ),
        (
            lambda lib: lib.narrow_copy(lib.zeros(3, 4), 0, 2, 2),
            r"start \(2\) \+ length \(2\) exceeds dimension size \(3\).",
        ),
        (
            lambda lib: lib.zeros(3).split_with_sizes([1, 1]),
            "split_with_sizes expects split_sizes to sum exactly to 3",
        ),
        (
            lambda lib: lib.zeros(3).unsafe_split_with_sizes([1, 1]),
            "split_with_sizes expects split_sizes to sum exactly to 3",
        ),
        (
            lambda lib: lib.zeros(3).unsafe_chunk(0),
            "chunk expects `chunks` to be greater than 0, got: 0",
        ),
    ],
)
def test_errors(fn, match: str) -> None:
    check_error(fn, match)
