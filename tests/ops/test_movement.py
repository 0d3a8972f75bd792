"""Shape and indexing ops: values and gradients against PyTorch, gradcheck, views, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same

import numtorch

IDX = np.array([0, 2, 0, 0])  # repeats: the gradient must accumulate
IDX2 = np.array([[0, 1, 1], [2, 0, 2]])
MASK = np.array([[True, False, True], [False, False, True]])

CASES = [
    ("view", lambda lib, x: x.view(3, 2), (2, 3)),
    ("view -1", lambda lib, x: x.view(-1), (2, 3)),
    ("view list", lambda lib, x: x.view([2, -1]), (2, 3, 2)),
    ("view tuple", lambda lib, x: x.view((4, 3)), (2, 6)),
    ("view_as", lambda lib, x, y: x.view_as(y), (2, 3), (6,)),
    ("reshape", lambda lib, x: x.reshape(3, 2), (2, 3)),
    ("reshape list", lambda lib, x: x.reshape([-1, 4]), (2, 2, 2)),
    ("reshape non-contiguous", lambda lib, x: x.t().reshape(-1), (2, 3)),
    ("torch.reshape", lambda lib, x: lib.reshape(x, (6,)), (2, 3)),
    ("reshape 0-d", lambda lib, x: x.reshape(1, 1), ()),
    ("flatten", lambda lib, x: x.flatten(), (2, 3, 4)),
    ("flatten start", lambda lib, x: lib.flatten(x, 1), (2, 3, 4)),
    ("flatten range", lambda lib, x: x.flatten(0, -2), (2, 3, 4)),
    ("flatten 0-d", lambda lib, x: x.flatten(), ()),
    ("permute", lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
    ("permute list", lambda lib, x: x.permute([1, 0, 2]), (2, 3, 4)),
    ("permute negative", lambda lib, x: lib.permute(x, (-1, 0, 1)), (2, 3, 4)),
    ("transpose", lambda lib, x: x.transpose(0, 2), (2, 3, 4)),
    ("transpose negative", lambda lib, x: lib.transpose(x, -1, -2), (2, 3, 4)),
    ("t", lambda lib, x: x.t(), (2, 3)),
    ("t 1-d", lambda lib, x: lib.t(x), (3,)),
    ("T", lambda lib, x: x.T * 2, (2, 3)),
    ("unsqueeze", lambda lib, x: x.unsqueeze(0), (2, 3)),
    ("unsqueeze end", lambda lib, x: x.unsqueeze(-1), (2, 3)),
    ("unsqueeze middle", lambda lib, x: lib.unsqueeze(x, 1), (2, 3)),
    ("squeeze", lambda lib, x: x.squeeze(), (1, 3, 1)),
    ("squeeze dim", lambda lib, x: x.squeeze(0), (1, 3, 1)),
    ("squeeze negative", lambda lib, x: x.squeeze(-1), (1, 3, 1)),
    ("squeeze non-1 dim", lambda lib, x: x.squeeze(1), (1, 3, 1)),
    ("squeeze tuple", lambda lib, x: lib.squeeze(x, (0, 2)), (1, 3, 1)),
    ("expand", lambda lib, x: x.expand(3, 4), (3, 1)),
    ("expand -1", lambda lib, x: x.expand(2, -1, 4), (3, 1)),
    ("expand list", lambda lib, x: x.expand([2, 3]), (3,)),
    ("expand_as", lambda lib, x, y: x.expand_as(y), (1, 3), (2, 3)),
    ("contiguous", lambda lib, x: x.t().contiguous().view(-1), (2, 3)),
    ("getitem int", lambda lib, x: x[1], (3, 4)),
    ("getitem negative int", lambda lib, x: x[-1, -2], (3, 4)),
    ("getitem slice", lambda lib, x: x[1:], (3, 4)),
    ("getitem slice step", lambda lib, x: x[::2, 1::2], (5, 4)),
    ("getitem negative slice", lambda lib, x: x[-2:, :-1], (3, 4)),
    ("getitem None", lambda lib, x: x[None, :, None], (3, 4)),
    ("getitem Ellipsis", lambda lib, x: x[..., 1], (2, 3, 4)),
    ("getitem Ellipsis middle", lambda lib, x: x[0, ..., 1:3], (2, 3, 4)),
    ("getitem int array repeats", lambda lib, x, i: x[i], (3, 2), IDX),
    ("getitem int list repeats", lambda lib, x: x[[1, 1, 0]], (3, 2)),
    ("getitem int array dim 1", lambda lib, x, i: x[:, i], (2, 3), IDX),
    ("getitem 2-d index", lambda lib, x, i: x[i], (3, 2), IDX2),
    ("getitem two arrays", lambda lib, x, i: x[i, i], (3, 3), IDX),
    ("getitem negative array", lambda lib, x: x[lib.tensor([-1, 0, -1])], (3, 2)),
    ("getitem bool mask", lambda lib, x, m: x[m], (2, 3), MASK),
    ("getitem bool rows", lambda lib, x: x[lib.tensor([True, False, True])], (3, 2)),
    ("getitem comparison mask", lambda lib, x: x[x > 0], (3, 4)),
    ("getitem 0-d result", lambda lib, x: x[1, 2] * x[0, 0], (3, 4)),
    ("getitem tensor int", lambda lib, x: x[lib.tensor(1)], (3, 4)),
    ("getitem chain", lambda lib, x: x[1:][::2][0], (5, 4)),
    ("cat", lambda lib, x, y: lib.cat([x, y]), (2, 3), (4, 3)),
    ("cat dim 1", lambda lib, x, y: lib.cat((x, y), dim=1), (2, 3), (2, 1)),
    ("cat negative dim", lambda lib, x, y, z: lib.cat([x, y, z], -1), (2, 1), (2, 2), (2, 3)),
    ("cat same tensor", lambda lib, x: lib.cat([x, x * 2, x]), (2,)),
    ("concat", lambda lib, x, y: lib.concat([x, y], 0), (1, 2), (1, 2)),
    ("stack", lambda lib, x, y: lib.stack([x, y]), (2, 3), (2, 3)),
    ("stack dim 1", lambda lib, x, y: lib.stack((x, y), 1), (2, 3), (2, 3)),
    ("stack negative dim", lambda lib, x, y: lib.stack([x, y], dim=-1), (2, 3), (2, 3)),
    ("split int", lambda lib, x: x.split(2), (5, 3)),
    ("split sizes", lambda lib, x: lib.split(x, [1, 2], dim=1), (2, 3)),
    ("split used", lambda lib, x: x.split(2, 1)[1] * 3, (2, 5)),
    ("chunk", lambda lib, x: x.chunk(3), (7, 2)),
    ("chunk dim", lambda lib, x: lib.chunk(x, 2, dim=-1), (2, 4)),
    ("chunk uneven", lambda lib, x: x.chunk(4, 0), (6,)),
    ("unbind", lambda lib, x: x.unbind(1), (2, 3)),
    ("gather", lambda lib, x, i: x.gather(1, i), (2, 3), IDX2),
    ("gather smaller index", lambda lib, x, i: x.gather(0, i), (3, 4), np.array([[2, 0], [1, 1]])),
    ("gather dim 0", lambda lib, x, i: lib.gather(x, 0, i), (3, 3), IDX2),
    ("gather negative dim", lambda lib, x, i: x.gather(-1, i), (2, 4), np.array([[3, 3], [0, 1]])),
    ("flip", lambda lib, x: x.flip(0), (2, 3)),
    ("flip dims", lambda lib, x: lib.flip(x, (0, 1)), (2, 3)),
    ("cat axis", lambda lib, x, y: lib.cat([x, y], axis=1), (2, 3), (2, 1)),
    ("concat axis", lambda lib, x, y: lib.concat((x, y), axis=-1), (2, 3), (2, 1)),
    ("concatenate axis", lambda lib, x, y: lib.concatenate([x, y], axis=0), (1, 2), (3, 2)),
    ("unsqueeze_", lambda lib, x: (x * 1).unsqueeze_(1) * 2, (2, 3)),
    ("squeeze_", lambda lib, x: (x * 1).squeeze_() * 2, (1, 3, 1)),
    ("squeeze_ dim", lambda lib, x: (x * 1).squeeze_(-1).unsqueeze_(0), (1, 3, 1)),
    ("squeeze_ tuple", lambda lib, x: (x * 1).squeeze_((0, 2)), (1, 3, 1)),
    ("t_", lambda lib, x: (x * 1).t_() * lib.arange(2.0), (2, 3)),
    ("t_ 1-d", lambda lib, x: (x * 1).t_(), (3,)),
    ("transpose_", lambda lib, x: (x * 1).transpose_(0, 2).reshape(4, 6), (2, 3, 4)),
    ("swapaxes_", lambda lib, x: (x * 1).swapaxes_(-1, 0) * 3, (2, 3)),
    ("transpose_ on a view", lambda lib, x: (x * 1)[1:].transpose_(0, 1), (3, 2)),
    ("swapdims", lambda lib, x: lib.swapdims(x, 0, 2), (2, 3, 4)),
    ("movedim", lambda lib, x: x.movedim(0, 2), (2, 3, 4)),
    ("movedim tuples", lambda lib, x: lib.movedim(x, (2, 0), (0, 1)), (2, 3, 4)),
    ("moveaxis", lambda lib, x: lib.moveaxis(x, -1, 0), (2, 3, 4)),
    ("repeat", lambda lib, x: x.repeat(2, 3), (2, 3)),
    ("repeat new dims", lambda lib, x: x.repeat(2, 1, 3), (2, 3)),
    ("repeat list", lambda lib, x: x.repeat([3, 1]), (4,)),
    ("repeat zero", lambda lib, x: x.repeat(0, 2), (2, 3)),
    ("tile", lambda lib, x: lib.tile(x, (2,)), (2, 3)),
    ("tile more dims", lambda lib, x: x.tile((2, 1, 2)), (2, 3)),
    ("tril", lambda lib, x: x.tril(), (3, 4)),
    ("tril diagonal", lambda lib, x: lib.tril(x, -1), (2, 3, 4)),
    ("triu", lambda lib, x: x.triu(1), (4, 3)),
    ("triu negative", lambda lib, x: lib.triu(x, diagonal=-1), (2, 3, 3)),
    ("roll flat", lambda lib, x: x.roll(2), (2, 3)),
    ("roll dim", lambda lib, x: lib.roll(x, -1, 1), (2, 3)),
    ("roll dims", lambda lib, x: lib.roll(x, (1, 5), (0, -1)), (2, 3, 4)),
    ("meshgrid ij", lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), (3,), (2,)),
    ("meshgrid xy", lambda lib, x, y: lib.meshgrid([x, y], indexing="xy"), (3,), (2,)),
    ("meshgrid 3", lambda lib, x, y, z: lib.meshgrid(x, y, z, indexing="xy"), (3,), (2,), (4,)),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_parity(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


# ---------------------------------------------------------------- __setitem__

SETITEM = [
    ("int", lambda lib, x, v: _set(x, 1, v), (3, 4), (4,)),
    ("slice broadcast", lambda lib, x, v: _set(x, (slice(None), slice(1, 3)), v), (3, 4), (1,)),
    ("scalar value", lambda lib, x: _set(x, (0, slice(None)), 2.5), (3, 4)),
    ("step slice", lambda lib, x, v: _set(x, slice(None, None, 2), v), (5, 2), (3, 2)),
    ("int array", lambda lib, x, v: _set(x, lib.tensor([0, 2]), v), (3, 2), (2, 2)),
    ("bool mask", lambda lib, x: _set(x, x > 0, 0.0), (3, 4)),
    ("Ellipsis", lambda lib, x, v: _set(x, (Ellipsis, 0), v), (2, 3), (2,)),
]


def _set(x, key, value):
    y = x.clone() * 1.0  # a non-leaf in the graph, so assignment is recorded
    y[key] = value
    return y * 2


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in SETITEM], ids=_ids(SETITEM))
def test_setitem_parity(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in SETITEM], ids=_ids(SETITEM))
def test_setitem_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


def test_setitem_values_and_dtype_cast() -> None:
    def fill(lib):
        x = lib.zeros(3, 4, dtype=lib.int64)
        x[1] = 7.9  # float into an int tensor truncates
        x[:, 0] = lib.tensor([1, 2, 3])
        x[x > 5] = -1
        x[..., -1] = lib.tensor(9)
        return x

    check_same(fill)


def test_setitem_on_view_writes_through() -> None:
    x = numtorch.zeros(3, 4)
    v = x[1]
    v[2] = 5.0
    x[:, 0][1:] = 1.0
    assert (
        x.tolist()
        == torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 5.0, 0.0], [1.0, 0.0, 0.0, 0.0]]).tolist()
    )


# ---------------------------------------------------------------- views


def test_views_share_storage() -> None:
    x = numtorch.zeros(2, 3)
    for view in (
        x.view(6),
        x.reshape(3, 2),
        x[0],
        x.t(),
        x.unsqueeze(0),
        x.permute(1, 0),
        x.expand(4, 2, 3),
        x[:, 1:],
        x.flatten(),
    ):
        x.add_(1)
        assert view.sum().item() == x.sum().item() * view.numel() / 6


def test_integer_index_copies() -> None:
    x = numtorch.zeros(3)
    y = x[[0, 1]]
    y[0] = 4.0
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_view_on_non_contiguous_raises() -> None:
    check_error(
        lambda lib: lib.zeros(2, 3).t().view(6),
        r"view size is not compatible with input tensor's size and stride .*Use \.reshape\(\.\.\.\) instead",
    )
    check_same(lambda lib: lib.arange(6).reshape(2, 3).t().reshape(6))
    check_same(lambda lib: lib.arange(6).reshape(2, 3).t().view(3, 2))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.zeros(2, 3).view(4), r"shape '\[4\]' is invalid for input of size 6"),
        (lambda lib: lib.zeros(2, 3).reshape(-1, -1), "only one dimension can be inferred"),
        (
            lambda lib: lib.zeros(2, 3).reshape(4, -1),
            r"shape '\[4, -1\]' is invalid for input of size 6",
        ),
        (lambda lib: lib.zeros(2, 3).view(2.0, 3), r"view\(\)"),
        (lambda lib: lib.zeros(2, 3).permute(0, 1.0), r"permute\(\): argument 'dims'"),
        (lambda lib: lib.zeros(0, 3).reshape(3, 0, -1), "can be any value and is ambiguous"),
        (
            lambda lib: lib.zeros(3, 4)[:, lib.tensor([True, False])],
            r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 1",
        ),
        (lambda lib: lib.zeros(3, 4)[..., 0, 0, 0], "too many indices for tensor of dimension 2"),
        (lambda lib: lib.stack([]), "stack expects a non-empty TensorList"),
        (
            lambda lib: lib.zeros(2, 3).permute(0),
            "number of dimensions in the tensor input does not match",
        ),
        (lambda lib: lib.zeros(2, 3).permute(0, 0), "duplicate dims"),
        (lambda lib: lib.zeros(2, 3).permute(0, 2), "Dimension out of range"),
        (
            lambda lib: lib.zeros(2, 3).transpose(0, 2),
            r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
        ),
        (
            lambda lib: lib.zeros(2, 3, 4).t(),
            "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D",
        ),
        (
            lambda lib: lib.zeros(2, 3).unsqueeze(3),
            r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)",
        ),
        (lambda lib: lib.zeros(2, 3).squeeze(2), "Dimension out of range"),
        (lambda lib: lib.zeros(2, 3).flatten(2), "Dimension out of range"),
        (lambda lib: lib.zeros(2, 3, 4).flatten(2, 1), "start_dim cannot come after end_dim"),
        (
            lambda lib: lib.zeros(2, 3).expand(3, 3),
            r"The expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0",
        ),
        (
            lambda lib: lib.zeros(2, 3).expand(3),
            "the number of sizes provided \\(1\\) must be greater or equal to the number of dimensions in the tensor \\(2\\)",
        ),
        (lambda lib: lib.zeros(3, 4)[3], "index 3 is out of bounds for dimension 0 with size 3"),
        (
            lambda lib: lib.zeros(3, 4)[0, -5],
            "index -5 is out of bounds for dimension 1 with size 4",
        ),
        (lambda lib: lib.zeros(3, 4)[[0, 5]], "out of bounds"),
        (lambda lib: lib.zeros(3, 4)[0, 0, 0], "too many indices for tensor of dimension 2"),
        (lambda lib: lib.zeros(3)[1.5], "only integers, slices"),
        (
            lambda lib: lib.zeros(3)[lib.tensor([0.0])],
            "tensors used as indices must be long, int, byte or bool tensors",
        ),
        (
            lambda lib: lib.zeros(3)[lib.tensor([True, False])],
            "The shape of the mask \\[2\\] at index 0 does not match the shape of the indexed tensor \\[3\\] at index 0",
        ),
        (lambda lib: lib.zeros(3)[::-1], "step must be greater than zero"),
        (
            lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]),
            "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list",
        ),
        (
            lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3)]),
            "Tensors must have same number of dimensions: got 2 and 1",
        ),
        (lambda lib: lib.cat([lib.zeros(2), lib.zeros(2)], 1), "Dimension out of range"),
        (lambda lib: lib.cat([]), "expected a non-empty list of Tensors"),
        (lambda lib: lib.cat(lib.zeros(2)), "must be tuple of Tensors"),
        (
            lambda lib: lib.cat([lib.tensor(1.0)]),
            "zero-dimensional tensor \\(at position 0\\) cannot be concatenated",
        ),
        (
            lambda lib: lib.stack([lib.zeros(2), lib.zeros(3)]),
            r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1",
        ),
        (lambda lib: lib.stack([lib.zeros(2)], 2), "Dimension out of range"),
        (
            lambda lib: lib.zeros(5).split([2, 2]),
            "split_with_sizes expects split_sizes to sum exactly to 5",
        ),
        (
            lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[4]])),
            "index 4 is out of bounds for dimension 1 with size 4",
        ),
        (
            lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([0])),
            "Index tensor must have the same number of dimensions as input tensor",
        ),
        (
            lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[0.0]])),
            "gather\\(\\): Expected dtype int32/int64 for index",
        ),
        (lambda lib: lib.zeros(3, 4).gather(2, lib.tensor([[0]])), "Dimension out of range"),
        (
            lambda lib: lib.zeros(2, 4).gather(1, lib.zeros(3, 1, dtype=lib.int64)),
            r"Size does not match at dimension 0 expected index \[3, 1\] to be no larger than self \[2, 4\] apart from dimension 1",
        ),
        (
            lambda lib: lib.zeros(2, 4, dtype=lib.float64).expand(3),
            r"expand\(torch.DoubleTensor\{\[2, 4\]\}, size=\[3\]\)",
        ),
    ],
)
def test_errors(fn, match: str) -> None:
    check_error(fn, match)


IN_PLACE_SHAPE = [
    ("unsqueeze_", lambda x: x.unsqueeze_(0)),
    ("unsqueeze_", lambda x: x.unsqueeze_(-1)),
    ("squeeze_", lambda x: x.squeeze_()),
    ("squeeze_", lambda x: x.squeeze_(1)),
    ("squeeze_", lambda x: x.squeeze_((0, 1))),
    ("t_", lambda x: x.squeeze_().t_()),
    ("transpose_", lambda x: x.transpose_(0, 2)),
    ("swapaxes_", lambda x: x.swapaxes_(1, 2)),
]


@pytest.mark.parametrize(("name", "fn"), IN_PLACE_SHAPE, ids=[c[0] for c in IN_PLACE_SHAPE])
def test_in_place_shape_methods_change_the_tensor_itself(name, fn) -> None:
    """The same tensor comes back with PyTorch's shape, storage, version and node names; a
    leaf that requires grad is refused, as in PyTorch."""
    data = np.arange(6.0).reshape(2, 1, 3)
    seen = {}
    for lib in (numtorch, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 1
        assert fn(y) is y
        version = y._version if lib is torch else y._version[0]
        got = (tuple(y.shape), y.grad_fn.name(), version, y.detach().numpy().tolist())
        plain = lib.tensor(data)
        fn(plain)
        assert not plain.requires_grad and plain.grad_fn is None
        seen[lib] = got
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            fn(x)
        with lib.no_grad():
            fn(lib.tensor(data, requires_grad=True))  # allowed where nothing is recorded
    assert seen[numtorch] == seen[torch]


def test_meshgrid_warns_without_indexing_as_pytorch() -> None:
    with pytest.warns(UserWarning) as ours:
        grids = numtorch.meshgrid(numtorch.arange(3), numtorch.arange(2))
    with pytest.warns(UserWarning) as theirs:
        torch.meshgrid(torch.arange(3), torch.arange(2))
    assert str(ours[0].message) in str(theirs[0].message)  # PyTorch's adds its C++ source
    assert ours[0].filename == __file__
    assert [tuple(g.shape) for g in grids] == [(3, 2), (3, 2)]


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.zeros(2, 3).repeat(2), "can not be smaller than number of dimensions"),
        (lambda lib: lib.zeros(3).tril(), "tril: input tensor must have at least 2 dimensions"),
        (lambda lib: lib.zeros(3).triu(), "triu: input tensor must have at least 2 dimensions"),
        (lambda lib: lib.zeros(2, 3).roll((1, 2)), "shifts and dimensions must align"),
        (lambda lib: lib.zeros(2, 3).roll(1, 5), "Dimension out of range"),
        (
            lambda lib: lib.zeros(2, 3).movedim((0, 1), (0,)),
            "movedim: Invalid source or destination",
        ),
        (lambda lib: lib.zeros(2, 3).movedim((0, 0), (0, 1)), "movedim: repeated dim in `source`"),
        (lambda lib: lib.meshgrid(lib.zeros(2), indexing="yx"), "indexing must be one of"),
    ],
)
def test_new_shape_op_errors(fn, match: str) -> None:
    check_error(fn, match)


def test_in_place_shape_methods_share_storage_and_errors() -> None:
    x = numtorch.zeros(2, 3)
    before = x.numpy()
    x.t_()
    assert x.shape == (3, 2) and np.shares_memory(x.numpy(), before)
    x[0, 1] = 5.0
    assert before[1, 0] == 5.0  # writes land in the same storage
    check_error(
        lambda lib: lib.zeros(2, 3, 4).t_(), r"t_\(\) expects a tensor with <= 2 dimensions"
    )
    check_error(lambda lib: lib.zeros(2, 3).unsqueeze_(5), "Dimension out of range")
    check_error(lambda lib: lib.zeros(2, 3).transpose_(0, 5), "Dimension out of range")
    check_error(lambda lib: lib.zeros(2, 3).squeeze_(7), "Dimension out of range")
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        numtorch.cat([numtorch.ones(2)], dim=0, axis=0)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.arange(6).view(2, 3).split(1, 1),
        lambda lib: lib.arange(5).chunk(2),
        lambda lib: lib.arange(6).reshape(3, 2)[lib.tensor([2, 0])],
        lambda lib: lib.arange(6).reshape(3, 2)[[0, 1], [1, 0]],
        lambda lib: lib.arange(24).reshape(2, 3, 4)[:, [0, 2], 1:3],
        lambda lib: lib.arange(24).reshape(2, 3, 4)[lib.tensor([[0], [1]]), :, lib.tensor([1, 3])],
        lambda lib: lib.arange(6).reshape(2, 3)[lib.tensor([True, False])],
        lambda lib: lib.arange(6).reshape(2, 3)[None, ..., None].shape,
        lambda lib: lib.zeros(0, 3).reshape(3, 0, 2, 0).shape,
        lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[0, 3]], dtype=lib.int32)),
        lambda lib: lib.arange(6).reshape(2, 3)[
            lib.tensor([[True, False, True], [False, True, False]])
        ],
        lambda lib: lib.arange(6).reshape(2, 3)[:, lib.tensor([True, False, True])],
        lambda lib: lib.arange(6).reshape(2, 3)[lib.tensor(True)],
        lambda lib: lib.zeros(2, 0).flatten().shape,
        lambda lib: lib.cat([lib.zeros(0), lib.ones(2, 2)]),
        lambda lib: lib.cat([lib.tensor([1]), lib.tensor([2.5])]),
        lambda lib: lib.arange(4).unflatten(0, (2, -1)),
        lambda lib: lib.zeros(2, 1, 3).squeeze((0, 1)).shape,
    ],
)
def test_values(make) -> None:
    check_same(make)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: lib.ones(2, 2).gather(0, [[0]]),
            "argument 'index' .*must be Tensor, not list",
        ),
        (lambda lib: lib.ones(4).chunk(0), "chunk expects `chunks` to be greater than 0, got: 0"),
        (lambda lib: lib.ones(2)["a"], "invalid data type 'str'"),
        (
            lambda lib: lib.ones(2, 3).__setitem__(0, lib.ones(4)),
            r"The expanded size of the tensor \(3\) must match the existing size \(4\)",
        ),
        (lambda lib: lib.ones(2, 2).transpose(0, "1"), "."),
        (lambda lib: lib.ones(2).unsqueeze(1.5), "."),
        (lambda lib: lib.ones(2).view("a"), "."),
        (lambda lib: lib.ones(2).reshape(None), "."),
        (lambda lib: lib.cat([lib.ones(2), 1]), "."),
        (lambda lib: lib.stack(lib.ones(2, 2)), "."),
        (lambda lib: lib.ones(2).expand("a"), "."),
        (lambda lib: lib.ones(2).permute(None), "."),
        (lambda lib: lib.ones(2, 2).flatten(0.0), "."),
        (lambda lib: lib.ones(4).split(1.5), "."),
        (
            lambda lib: lib.ones(3, 4).narrow(1, 2, 3),
            r"start \(2\) \+ length \(3\) exceeds dimension size \(4\)",
        ),
        (lambda lib: lib.ones(3, 4).narrow(2, 0, 1), "Dimension out of range"),
    ],
)
def test_wrong_arguments(fn, match: str) -> None:
    check_error(fn, match)


@pytest.mark.parametrize(
    "fn",
    [lambda lib, x: x.narrow(1, 1, 2), lambda lib, x: lib.narrow(x, 0, -2, 2) * 2],
)
def test_narrow(fn) -> None:
    check_op(fn, (3, 4))
    check_gradcheck(fn, (3, 4))


def test_element_is_a_view() -> None:
    def run(lib):
        x = lib.zeros(2, 3)
        x[1, 2].add_(1)
        x[0][1].fill_(4)
        v = lib.arange(4)
        v[-1].mul_(10)
        return x, v

    check_same(run)


def test_flip_is_a_copy_as_in_torch() -> None:
    def run(lib):
        x = lib.arange(6.0).reshape(2, 3)
        f = x.flip(0)
        f[0, 0] = -1.0
        return x, f, f._base is None

    check_same(run)


def test_expand_that_repeats_nothing_is_a_writable_view() -> None:
    def run(lib):
        x = lib.zeros(2, 3)
        e = x.expand(1, 2, 3)
        e[0, 1].fill_(4.0)
        return x, e._base is x

    check_same(run)


@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last", "preserve_format"])
def test_contiguous_memory_format_matches_torch(fmt: str) -> None:
    shape = (2, 3, 4, 5)
    check_op(lambda lib, x: x.contiguous(memory_format=getattr(lib, fmt)) * 2, shape)
    for lib in (torch, numtorch):
        out = lib.ones(shape).contiguous(memory_format=getattr(lib, fmt))
        assert tuple(out.stride()) == tuple(
            torch.ones(shape).contiguous(memory_format=getattr(torch, fmt)).stride()
        )


def test_contiguous_memory_format_errors_match_torch() -> None:
    check_error(
        lambda lib: lib.ones(2, 3).contiguous(memory_format=lib.channels_last),
        "required rank 4 tensor to use channels_last format",
    )
    check_error(
        lambda lib: lib.ones(2, 3).contiguous(memory_format=3),
        "argument 'memory_format' must be torch.memory_format, not int",
    )
