"""The root ``grad_fn`` of every differentiable op of the namespace and of ``Tensor`` has
PyTorch's name (``MulBackward0``, ``PowBackward2``, ``SumBackward1``, ``UnsafeViewBackward0``,
``SplitBackward0``, ...), in ``name()`` and in ``repr``.

The rows are ``test_op_saved_versions.CASES``. Where numtorch's graph is shaped differently
from PyTorch's (``mean`` is a sum and a division, ``std`` a variance and a square root, an
``Expand`` broadcasts an operand, ``split`` gives one node per piece), the root node still has
the name of PyTorch's root; a result that *is* the input in PyTorch (``x.flatten()`` of a
vector, ``x.contiguous()`` of a contiguous tensor) is the input in numtorch too.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from helpers import make_inputs
from test_op_saved_versions import CASES, INPLACE_CASES

import numtorch

NAME_XFAILS: dict[str, str] = {}


def _roots(lib, fn, specs) -> list:
    """Each floating output's ``grad_fn`` (None for a leaf) and whether it is an input."""
    leaves = [
        lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in make_inputs(specs, np.float64)
    ]
    result = fn(lib, *leaves)
    outs = result if isinstance(result, (tuple, list)) else [result]
    return [
        (o.grad_fn, any(o is x for x in leaves))
        for o in outs
        if hasattr(o, "grad_fn") and o.dtype.is_floating_point
    ]


def _name(node) -> str | None:
    return None if node is None else node.name()


@pytest.mark.parametrize(
    ("fn", "specs"),
    [
        pytest.param(
            r[1],
            r[2:],
            id=r[0],
            marks=pytest.mark.xfail(strict=True, reason=NAME_XFAILS[r[0]])
            if r[0] in NAME_XFAILS
            else (),
        )
        for r in CASES + INPLACE_CASES
    ],
)
def test_root_node_name_is_torch_s(fn, specs) -> None:
    expected = [(_name(node), is_input) for node, is_input in _roots(torch, fn, specs)]
    found = [(_name(node), is_input) for node, is_input in _roots(numtorch, fn, specs)]
    assert found == expected


def test_every_table_row_has_a_node() -> None:
    """The table's rows each make at least one node in PyTorch, so each checks a name."""
    empty = [r[0] for r in CASES if all(node is None for node, _ in _roots(torch, r[1], r[2:]))]
    assert set(empty) == {"flatten 1-d", "flatten one dim", "contiguous already", "double already"}


def test_repr_shows_the_name() -> None:
    x = numtorch.ones(2, 3, requires_grad=True)
    node = (x * x).sum(1).grad_fn
    assert node.name() == "SumBackward1"
    assert re.fullmatch(r"<SumBackward1 object at 0x[0-9a-f]+>", repr(node))


@pytest.mark.parametrize(
    "write",
    [
        lambda lib, y, v: y.zero_(),
        lambda lib, y, v: y.fill_(2.0),
        lambda lib, y, v: y.fill_(lib.tensor(2.0)),
        lambda lib, y, v: y.copy_(v.detach()),
        lambda lib, y, v: y.copy_(v),
        lambda lib, y, v: lib.zeros(3).copy_(v),
        lambda lib, y, v: y.masked_fill_(v > 0, 1.0),
        lambda lib, y, v: y.masked_fill_(v > 0, v.sum().detach()),
    ],
    ids=[
        "zero_",
        "fill_ number",
        "fill_ tensor",
        "copy_",
        "copy_ grad",
        "copy_ into plain",
        "masked_fill_ number",
        "masked_fill_ tensor",
    ],
)
def test_inplace_overload_names_and_inputs_are_torch_s(write) -> None:
    """The node an in-place write records, and which of its inputs ``next_functions`` shows.
    (A value tensor that needs broadcasting shows numtorch's ExpandBackward0 where PyTorch's
    node broadcasts it itself: ``fill_(v.sum())``, ``masked_fill_(m, v.sum())``, not here.)"""

    def graph(lib):
        v = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1.0
        node = write(lib, y, v).grad_fn
        return node.name(), [None if n is None else n.name() for n, _ in node.next_functions]

    assert graph(numtorch) == graph(torch)
