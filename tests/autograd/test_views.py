"""In-place writes into views, recorded as PyTorch records them (``CopySlices`` on the base).

Every case runs the same lambda on PyTorch and numtorch and compares values and gradients
(``check_op``), then runs numtorch's float64 gradcheck. The tensor written into is a non-leaf
(``x * 1``) or a plain tensor, so PyTorch records the write; refusals are compared message for
message (``check_error``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same

import numtorch

MASK = np.array(
    [[True, False, True, False], [False, False, True, True], [True, True, False, False]]
)


def _y(x):
    return x * 1.0  # a non-leaf in the graph: writes into its views are recorded


def _set(t, key, value):
    t[key] = value


def sequence_mask(lib, X, valid_len, value=0.0):
    """d2l's ``sequence_mask``: positions past each row's valid length set to ``value``."""
    maxlen = X.size(1)
    mask = lib.arange(maxlen, dtype=lib.float32)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


def masked_softmax(lib, X, valid_lens):
    """d2l's ``masked_softmax`` (the 2-D ``valid_lens`` branch), writing into a view of X."""
    shape = X.shape
    X = sequence_mask(lib, X.reshape(-1, shape[-1]), valid_lens.reshape(-1), value=-1e6)
    return lib.nn.functional.softmax(X.reshape(shape), dim=-1)


def _attention(lib, q, k):
    lens = lib.tensor([[1, 3], [2, 4]])
    return masked_softmax(lib, lib.matmul(q, k.transpose(1, 2)) / 2.0, lens)


# (id, fn(lib, *inputs), *input specs)
CASES = [
    ("setitem int", lambda lib, x, v: (y := _y(x), _set(y, 1, v), y)[-1], (3, 4), (4,)),
    ("setitem column iadd", lambda lib, x: (y := _y(x), y[:, 0].__iadd__(1), y * x)[-1], (3, 4)),
    (
        "setitem column iadd tensor",
        lambda lib, x, v: (y := _y(x), _set(y, (slice(None), 0), y[:, 0] + v), y * y)[-1],
        (3, 4),
        (3,),
    ),
    ("view mul_", lambda lib, x: (y := _y(x), y[0].mul_(2), y)[-1], (3, 4)),
    (
        "view mul_ tensor",
        lambda lib, x, v: (y := _y(x), r := y[0], r.mul_(v), (y, r))[-1],
        (3, 4),
        (4,),
    ),
    (
        "d2l masked fill",
        lambda lib, x, m: (
            y := _y(x),
            _set(y.reshape(-1, 4), ~m, -1e6),
            lib.nn.functional.softmax(y.reshape(3, 4), -1),
        )[-1],
        (3, 4),
        MASK,
    ),
    ("d2l masked_softmax", _attention, (2, 2, 3), (2, 4, 3)),
    ("t add_", lambda lib, x: (y := _y(x), y.t().add_(1), y * x)[-1], (3, 4)),
    ("t mul_ tensor", lambda lib, x, v: (y := _y(x), y.t().mul_(v), y)[-1], (3, 4), (3,)),
    ("view of a view", lambda lib, x: (y := _y(x), y[1:][:, 1].mul_(3), y * x)[-1], (3, 4)),
    (
        "chained in-place ops on a view",
        lambda lib, x, v: (y := _y(x), r := y[0], r.mul_(2), r.add_(v), r.exp_(), y)[-1],
        (3, 4),
        (4,),
    ),
    (
        "write then read the base",
        lambda lib, x: (y := _y(x), y[0].mul_(2), (y * y).sum(0))[-1],
        (3, 4),
    ),
    (
        "write then read a new view",
        lambda lib, x: (y := _y(x), y[0].mul_(2), w := y[:, 1], w * w)[-1],
        (3, 4),
    ),
    (
        "write then use the written view",
        lambda lib, x: (y := _y(x), r := y[0], r.mul_(2), r * 3)[-1],
        (3, 4),
    ),
    (
        "broadcast value",
        lambda lib, x, v: (y := _y(x), _set(y, slice(0, 2), v), y)[-1],
        (3, 4),
        (4,),
    ),
    (
        "broadcast 0-d value",
        lambda lib, x, v: (y := _y(x), _set(y, (slice(None), slice(1, 3)), v.sum()), y)[-1],
        (3, 4),
        (2,),
    ),
    (
        "value with a leading 1",
        lambda lib, x, v: (y := _y(x), _set(y, 0, v), y)[-1],
        (3, 4),
        (1, 4),
    ),
    (
        "value cast to the base dtype",
        lambda lib, x, v: (y := x.double() * 1, _set(y, 0, v), y)[-1],
        (3, 4),
        (4,),
    ),
    (
        "in-place op cast",
        lambda lib, x, v: (y := x.double() * 1, y[0].add_(v), y)[-1],
        (3, 4),
        (4,),
    ),
    (
        "plain base, values that require grad",
        lambda lib, x, v: (
            t := x.new_zeros(3, 4),
            _set(t, 0, v),
            t[:, 1].copy_(x[:, 0]),
            t,
        )[-1],
        (3, 4),
        (4,),
    ),
    (
        "plain base, view written twice",
        lambda lib, x, v: (t := x.new_zeros(3, 4), r := t[1], r.add_(v[0]), r.mul_(v[1]), (t, r))[
            -1
        ],
        (3, 4),
        (3, 4),
    ),
    ("unsqueeze", lambda lib, x: (y := _y(x), y.unsqueeze(0)[0, 1].fill_(0), y * x)[-1], (3, 4)),
    ("narrow", lambda lib, x, v: (y := _y(x), y.narrow(1, 1, 2).mul_(v), y)[-1], (3, 4), (2,)),
    ("select column", lambda lib, x: (y := _y(x), y[:, 2].add_(1), y * y)[-1], (3, 4)),
    (
        "permute 3-d",
        lambda lib, x: (y := _y(x), y.permute(2, 0, 1)[1].mul_(2), y * x)[-1],
        (2, 3, 4),
    ),
    (
        "transpose view",
        lambda lib, x: (y := _y(x), y.transpose(0, 2)[1:].sub_(1), y * x)[-1],
        (2, 3, 4),
    ),
    (
        "flat view, step",
        lambda lib, x: (y := _y(x), _set(y.view(-1), slice(None, None, 2), 0), y * x)[-1],
        (3, 4),
    ),
    (
        "diagonal through a flat view",
        lambda lib, x: (y := _y(x), y.view(-1)[::5].fill_(0), y * x)[-1],
        (4, 4),
    ),
    ("flip is a copy", lambda lib, x: (y := _y(x), y.flip(0).mul_(2), y * x)[-1], (3, 4)),
    (
        "reshape that copies",
        lambda lib, x: (y := _y(x), _set(y.t().reshape(-1), 0, 5.0), y * x)[-1],
        (3, 4),
    ),
    (
        "masked_fill_",
        lambda lib, x, m: (y := _y(x), y[0].masked_fill_(m[0], 0.5), y * x)[-1],
        (3, 4),
        MASK,
    ),
    (
        "zero_ and fill_",
        lambda lib, x: (y := _y(x), y[0].zero_(), y[:, 1].fill_(2.0), y * x)[-1],
        (3, 4),
    ),
    (
        "clamp_ (saves its input)",
        lambda lib, x: (y := _y(x), y[1:].clamp_(-0.5, 0.5), y * x)[-1],
        (3, 4),
    ),
    ("relu_", lambda lib, x: (y := _y(x), y[:, 1:].relu_(), y * x)[-1], (3, 4)),
    ("pow_", lambda lib, x: (y := _y(x), y[0].pow_(2), y)[-1], (3, 4)),
    (
        "div_ tensor",
        lambda lib, x, v: (y := _y(x), y[0].div_(v[0].abs() + 1), y)[-1],
        (3, 4),
        (3, 4),
    ),
    (
        "sub_ alpha",
        lambda lib, x, v: (y := _y(x), y[1].sub_(v[2], alpha=2.0), y)[-1],
        (3, 4),
        (3, 4),
    ),
    (
        "copy_ into a column",
        lambda lib, x, v: (y := _y(x), y[:, 2].copy_(v[0, :3]), y)[-1],
        (3, 4),
        (3, 4),
    ),
    (
        "mask setitem on a view",
        lambda lib, x, m: (y := _y(x), _set(y[1:], m[1:], 0.0), y * x)[-1],
        (3, 4),
        MASK,
    ),
    (
        "mask setitem on a flat view",
        lambda lib, x, m: (y := _y(x), _set(y.view(12), m.reshape(-1), 1.0), y * x)[-1],
        (3, 4),
        MASK,
    ),
    (
        "index array setitem",
        lambda lib, x, v: (y := _y(x), _set(y, [0, 2], v), y)[-1],
        (3, 4),
        (2, 4),
    ),
    (
        "index array setitem on a view",
        lambda lib, x, v: (y := _y(x), _set(y.t(), [0, 2], v.t()[:2]), y)[-1],
        (3, 4),
        (3, 4),
    ),
    ("step slices", lambda lib, x: (y := _y(x), y[::2, 1::2].__imul__(2), y * x)[-1], (3, 4)),
    (
        "Ellipsis",
        lambda lib, x, v: (y := _y(x), _set(y, (Ellipsis, 0), v[:, 0]), y)[-1],
        (3, 4),
        (3, 4),
    ),
    (
        "0-d view",
        lambda lib, x, v: (y := _y(x), _set(y, (1, 2), v[0, 0]), y * x)[-1],
        (3, 4),
        (3, 4),
    ),
    (
        "overlapping views written in turn",
        lambda lib, x: (y := _y(x), a := y[0:2], b := y[1:3], a.mul_(2), b.mul_(3), y * x)[-1],
        (3, 4),
    ),
    ("base then view", lambda lib, x: (y := _y(x), y.mul_(2), y[0].mul_(3), y * x)[-1], (3, 4)),
    ("view then base", lambda lib, x: (y := _y(x), y[0].mul_(3), y.mul_(2), y * x)[-1], (3, 4)),
    (
        "view of a view, then the outer view",
        lambda lib, x: (y := _y(x), a := y[1:], a[:, 0].mul_(3), a.mul_(2), (y * x, a))[-1],
        (3, 4),
    ),
    ("row into another row", lambda lib, x: (y := _y(x), y[0].add_(y[1]), y * x)[-1], (3, 4)),
    (
        "setitem from the base",
        lambda lib, x: (y := _y(x), _set(y, 0, x[1] * 2), y.sum(1))[-1],
        (3, 4),
    ),
    ("setitem row from a row", lambda lib, x: (y := _y(x), _set(y, 0, y[1]), y * x)[-1], (3, 4)),
    (
        "0-d index tensor",
        lambda lib, x, v: (y := _y(x), _set(y, lib.tensor(1), v), y[lib.tensor(2)] * y)[-1],
        (3, 4),
        (4,),
    ),
    (
        "expand that repeats nothing",
        lambda lib, x: (y := _y(x), y.expand(1, 3, 4)[0, 1].mul_(2), y * x)[-1],
        (3, 4),
    ),
    (
        "column of a 3-d base through a reshape",
        lambda lib, x: (y := _y(x), y.reshape(6, 4)[:, 3].mul_(-1), y * x)[-1],
        (2, 3, 4),
    ),
]


def _ids(cases: list) -> list:
    return [c[0] for c in cases]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_write_into_a_view_matches_torch(fn, specs) -> None:
    check_op(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=_ids(CASES))
def test_write_into_a_view_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


# ---------------------------------------------------------------- other live views

STALE = [
    (
        "another view, made before",
        lambda lib, x: (y := _y(x), w := y[:, 1], y[0].mul_(2), w * w)[-1],
    ),
    (
        "a view, then the base written",
        lambda lib, x: (y := _y(x), w := y[:, 1], y.mul_(2), w * 1)[-1],
    ),
    (
        "the outer view of a written inner view",
        lambda lib, x: (y := _y(x), a := y.view(2, 6), a[1].mul_(2), a * 1)[-1],
    ),
]


@pytest.mark.parametrize("fn", [c[1] for c in STALE], ids=_ids(STALE))
def test_a_view_made_before_a_write_reads_the_new_history(fn) -> None:
    check_op(fn, (3, 4))


def test_a_view_written_into_later_picks_up_earlier_writes() -> None:
    """``b`` was made before ``a``'s write changed its first row: ``b.mul_`` must
    differentiate through that write (numtorch re-derives b's history from the base)."""

    def fn(lib, x):
        y = _y(x)
        a, b = y[0:2], y[1:3]
        a.mul_(2)
        b.mul_(3)
        return b

    check_op(fn, (3, 4))
    check_gradcheck(fn, (3, 4))


# ---------------------------------------------------------------- graph and versions


def _node_name(t) -> str:
    """The name ``repr`` shows (PyTorch's ``name()`` says ``torch::autograd::CopySlices``)."""
    if isinstance(t, torch.Tensor):
        return type(t.grad_fn).__name__
    return t.grad_fn.name().rsplit("::", 1)[-1]


def _graph(lib):
    x = lib.ones(3, 4, requires_grad=True)
    y = x * 2
    r = y[0]
    names = [_node_name(r)]
    r.mul_(3)
    names += [_node_name(r), _node_name(y)]
    y[1] = 5.0
    names.append(_node_name(y))
    y[y > 5] = 0.0
    names.append(_node_name(y))
    y.t()[0].add_(1)
    names.append(_node_name(y))
    y[lib.tensor(2)] = 1.0
    names += [_node_name(y), _node_name(y[lib.tensor(1)])]
    return names, repr(y).split("grad_fn=")[1]


def test_node_names_are_pytorch_s() -> None:
    expected = [
        "SelectBackward0",
        "AsStridedBackward0",
        "CopySlices",
        "CopySlices",
        "IndexPutBackward0",
        "CopySlices",
        "CopySlices",
        "SelectBackward0",
    ]
    assert _graph(numtorch) == _graph(torch) == (expected, "<CopySlices>)")


def _version(t) -> int:
    return t._version if isinstance(t._version, int) else t._version[0]  # numtorch: a shared cell


def test_version_counters_move_together() -> None:
    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        a, b = y[0], y.t()
        versions = []
        for write in (
            lambda: a.mul_(2),
            lambda: b[1].add_(1),
            lambda: _set(y, 2, 1.0),
            lambda: _set(y, y > 3, 0.0),
            lambda: y.view(-1)[::3].zero_(),
            lambda: _set(a, slice(1, 3), b[2:4, 1]),
        ):
            write()
            versions.append([_version(t) for t in (y, a, b)])
        return versions

    assert run(numtorch) == run(torch)


@pytest.mark.parametrize(
    "write",
    [
        lambda y: y[0].mul_(2),
        lambda y: _set(y, (slice(None), 1), 0.0),
        lambda y: y.t()[2].add_(1),
        lambda y: y.view(-1)[3:5].zero_(),
    ],
    ids=["view mul_", "setitem", "transposed view", "flat view"],
)
def test_a_node_that_saved_the_base_refuses_after_a_write_into_a_view(write) -> None:
    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        z = y * y  # MulBackward saved y
        write(y)
        z.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_a_node_that_saved_a_view_refuses_after_a_write_into_the_base() -> None:
    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        r = y[1]
        z = r * r  # MulBackward saved the view
        y.add_(1)
        z.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_a_node_that_saved_its_output_refuses_after_a_write_into_a_view_of_it() -> None:
    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x.exp()  # ExpBackward saved y
        y[0].mul_(2)
        y.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_a_write_into_an_unrelated_region_still_refuses_like_torch() -> None:
    """The version counter is per storage, not per element: PyTorch refuses too."""

    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        z = y[0] * y[0]
        y[2].zero_()
        z.sum().backward()

    check_error(run, "modified by an inplace operation")


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "write",
    [
        lambda x: x[0].mul_(2),
        lambda x: _set(x, 0, 1.0),
        lambda x: _set(x.view(-1), 0, 1.0),
        lambda x: x[:, 0].__iadd__(1),
        lambda x: x.t().add_(1),
        lambda x: x[1:][0].zero_(),
        lambda x: _set(x[0], x[0] > 0, 0.0),
    ],
    ids=["mul_", "setitem", "flat view setitem", "column iadd", "t add_", "view of a view", "mask"],
)
def test_a_view_of_a_leaf_that_requires_grad_is_refused(write) -> None:
    check_error(
        lambda lib: write(lib.ones(3, 4, requires_grad=True)),
        "^a view of a leaf Variable that requires grad is being used in an in-place operation.$",
    )


def test_a_view_of_a_leaf_may_be_written_under_no_grad() -> None:
    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        with lib.no_grad():
            x[0].mul_(2)
            x[:, 1] = 0.5
        (x * x).sum().backward()
        return x.detach(), x.grad, x.is_leaf

    check_same(run)


@pytest.mark.parametrize(
    "write",
    [
        lambda y: y[0:1].expand(3, 4).add_(1),
        lambda y: y[0:1].expand(3, 4).copy_(y),
    ],
    ids=["add_", "copy_"],
)
def test_an_expanded_view_is_refused(write) -> None:
    check_error(
        lambda lib: write(lib.ones(3, 4, requires_grad=True) * 1),
        "more than one element of the written-to tensor refers to a single memory location",
    )


@pytest.mark.parametrize(
    "write",
    [
        lambda y: y.add_(y[0]),
        lambda y: y.add_(y.t()),
        lambda y: y[1:].add_(y[:-1]),
        lambda y: y.copy_(y.t()),
        lambda y: _set(y, slice(1, None), y[:-1]),
        lambda y: _set(y, [0, 1], y[1]),
        lambda y: y.clamp_(min=y.t()),
    ],
    ids=[
        "row",
        "transpose",
        "shifted",
        "copy_ transpose",
        "setitem shifted",
        "index put",
        "clamp_",
    ],
)
@pytest.mark.parametrize("grad", [False, True])
def test_an_argument_that_partly_overlaps_the_written_tensor_is_refused(write, grad) -> None:
    check_error(
        lambda lib: write(lib.arange(9.0).reshape(3, 3).requires_grad_(grad) * 1),
        "some elements of the input tensor and the written-to tensor refer to a single memory "
        "location",
    )


@pytest.mark.parametrize(
    "write",
    [
        lambda y: y[0].add_(y[1]),
        lambda y: _set(y, 0, y[1]),
        lambda y: y.mul_(y.view(3, 3)),
        lambda y: y.add_(y.flip(0)),
        lambda y: _set(y, y > 2, y[y > 2]),
    ],
    ids=["other row", "setitem other row", "same memory", "flip", "mask"],
)
def test_arguments_that_do_not_partly_overlap_are_accepted(write) -> None:
    def run(lib):
        y = lib.arange(9.0).reshape(3, 3)
        write(y)
        return y

    check_same(run)


@pytest.mark.parametrize(
    "write",
    [lambda y: y.add_(y[:, 0:1]), lambda y: y.add_(y[0:1].expand(3, 3))],
    ids=["strided column", "expanded row"],
)
def test_arguments_pytorch_cannot_judge_are_accepted(write) -> None:
    """A non-dense argument is "too hard" for PyTorch's overlap check, so it is not refused.
    (PyTorch's values then depend on its loop order; numtorch reads the argument before the
    write, so only acceptance is compared.)"""
    for lib in (torch, numtorch):
        write(lib.arange(9.0).reshape(3, 3))


@pytest.mark.parametrize(
    "fn",
    [
        lambda y: y.mul_(y),
        lambda y: y[0].mul_(y[0]),
        lambda y: y.div_(y.view(3, 4)),
    ],
    ids=["mul_ self", "view mul_ itself", "div_ same memory"],
)
def test_the_written_tensor_as_a_saved_argument_refuses_at_backward(fn) -> None:
    """PyTorch keeps the old value of ``self`` for backward, not of another argument that is
    the same memory: that one is version-checked, so the backward is refused."""

    def run(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        fn(y)
        y.sum().backward()

    check_error(run, "modified by an inplace operation")


def test_writes_under_no_grad_into_views_of_a_graph_tensor_are_not_recorded() -> None:
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 3
        z = y + 1  # AddBackward saved nothing
        with lib.no_grad():
            y[0].mul_(10)
        z.sum().backward()
        return y.detach(), y.grad_fn.name(), x.grad

    check_same(run)
