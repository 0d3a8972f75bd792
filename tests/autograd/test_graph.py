"""The graph as PyTorch shows it, parity-tested: ``next_functions`` pairs and
``AccumulateGrad``, node names and metadata, several-output nodes, ``retain_grad``,
``requires_grad_``, ``autograd.grad`` and ``autograd.backward``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error
from test_hooks import parity

import numtorch


def _leaf(lib, values, **kw):
    return lib.tensor(values, requires_grad=True, **kw)


def _edges(node) -> list:
    """``next_functions`` as (name or None, input_nr) pairs."""
    return [(None if n is None else n.name(), nr) for n, nr in node.next_functions]


# ---------------------------------------------------------------- next_functions


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, c: x * 2.0,
        lambda lib, x, c: x + c,
        lambda lib, x, c: c * x.exp(),
        lambda lib, x, c: x.exp().sum(),
        lambda lib, x, c: (x * x).sum(dim=1),
        lambda lib, x, c: lib.nn.functional.relu(x),
        lambda lib, x, c: lib.nn.functional.mse_loss(x.tanh(), c),
    ],
    ids=["mul scalar", "add constant", "constant times node", "sum", "sum dim", "relu", "mse"],
)
def test_next_functions_are_torch_s_pairs(fn) -> None:
    def run(lib):
        x = _leaf(lib, [[1.0, -2.0], [3.0, 0.5]])
        node = fn(lib, x, lib.tensor([[0.5, 0.5], [1.0, 1.0]])).grad_fn
        return node.name(), _edges(node), [_edges(n) for n, _ in node.next_functions if n]

    parity(run)


def test_tutorial_walk_through_next_functions() -> None:
    """The official tutorial's ``loss.grad_fn.next_functions[0][0]`` chain."""

    def run(lib):
        x = _leaf(lib, [[1.0, 2.0]])
        w = _leaf(lib, [[0.5, -0.5]])
        loss = lib.nn.functional.mse_loss((x * w).relu(), lib.tensor([[1.0, 0.0]]))
        first = loss.grad_fn.next_functions[0][0]
        second = first.next_functions[0][0]
        third = second.next_functions[0][0]
        return [n.name() for n in (loss.grad_fn, first, second, third)], third.variable is x

    assert parity(run)[1] is True


def test_accumulate_grad_node() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        a, b = x * 2, x.exp()
        acc = a.grad_fn.next_functions[0][0]
        return (
            acc.name(),
            type(acc).__name__,
            repr(acc).startswith("<AccumulateGrad object at 0x"),
            acc.variable is x,
            acc is b.grad_fn.next_functions[0][0],  # one node per leaf
            acc.next_functions,
            acc.metadata,
            (x * 1).grad_fn.next_functions[0][0] is acc,
        )

    assert parity(run)[3:5] == (True, True)


def test_an_input_that_needs_no_gradient_is_none_zero() -> None:
    def run(lib):
        x, c = _leaf(lib, [1.0]), lib.tensor([2.0])
        return _edges((x * c).grad_fn), _edges((c * x).grad_fn), _edges((c * x + x).grad_fn)

    parity(run)


def test_a_primitive_can_name_its_graph_inputs() -> None:
    """``graph_args`` leaves a mask argument out of ``next_functions``, as PyTorch's
    ``masked_fill`` does."""

    class MaskedZero(numtorch.autograd.graph.Primitive):
        graph_args = (1,)

        @staticmethod
        def forward(ctx, mask, x):
            ctx.save_for_backward(mask)
            return np.where(mask, 0.0, x)

        @staticmethod
        def backward(ctx, g):
            (mask,) = ctx.saved_tensors
            return None, np.where(mask, 0.0, g)

    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    mine = MaskedZero.apply(np.array([True, False]), x).grad_fn
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    theirs = t.masked_fill(torch.tensor([True, False]), 0.0).grad_fn
    assert _edges(mine) == _edges(theirs)
    assert len(mine._next) == 2


def test_node_name_and_metadata() -> None:
    def run(lib):
        y = _leaf(lib, [1.0]) * 3
        node = y.grad_fn
        node.metadata["step"] = 7
        return node.name(), node.metadata, node.metadata is node.metadata, repr(node)[:15]

    parity(run)


# ---------------------------------------------------------------- several outputs


class _TorchTwo(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * 2, a + b

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb, gb


class _MineTwo(numtorch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * 2, a + b

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb, gb


def _two(lib):
    return _TorchTwo if lib is torch else _MineTwo


def test_several_outputs_share_one_node() -> None:
    def run(lib):
        x, y = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        p, q = _two(lib).apply(x, y)
        r = q * 3
        out = [p.output_nr, q.output_nr, p.grad_fn is q.grad_fn, r.grad_fn.next_functions[0][1]]
        r.sum().backward()
        return out, x.grad, y.grad

    assert parity(run)[0] == [0, 1, True, 1]


def test_several_outputs_hooks_and_missing_gradients() -> None:
    def run(lib):
        x, y = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        p, q = _two(lib).apply(x, y)
        ev = []
        q.register_hook(lambda g: ev.append(("q", g)))
        p.register_hook(lambda g: ev.append(("p", g)))  # p gets no gradient: None, then zeros
        (q.sum() * 2).backward(retain_graph=True)
        grads = lib.autograd.grad(q.sum(), [q, p], allow_unused=True, retain_graph=True)
        both = lib.autograd.grad((q * p).sum(), [q, p])
        return ev, x.grad, y.grad, grads, both

    parity(run)


# ---------------------------------------------------------------- retain_grad, requires_grad_


def test_retain_grad() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        x.retain_grad()  # a leaf keeps its gradient anyway
        h = x * 3
        flags = [x.retains_grad, h.retains_grad]
        h.retain_grad()
        h.retain_grad()
        flags.append(h.retains_grad)
        y = (h * h).sum() + h.sum()
        y.backward(retain_graph=True)
        first = h.grad.clone()
        y.backward()
        return flags, first, h.grad, x.grad

    parity(run)


def test_retain_grad_in_autograd_grad_and_backward_inputs() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        h = x * 2
        h.retain_grad()
        (gx,) = lib.autograd.grad((h * h).sum(), x)
        first = h.grad.clone()
        (gh,) = lib.autograd.grad((h * h).sum(), h)  # h only captured: retain_grad still runs
        k = x * 2
        before = k.retains_grad
        (k * k).sum().backward(inputs=[k])  # a non-leaf input is made to retain its grad
        return gx, first, gh, h.grad, before, k.retains_grad, k.grad, x.grad

    parity(run)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.ones(2).retain_grad(), "can't retain_grad on Tensor that has"),
        (
            lambda lib: (lib.ones(2, requires_grad=True) * 2).requires_grad_(False),
            "you can only change requires_grad flags of leaf variables. If you want",
        ),
        (
            lambda lib: lib.ones(2, dtype=lib.int64).requires_grad_(),
            "only Tensors of floating point dtype can require gradients",
        ),
        (lambda lib: lib.ones(2).requires_grad_(1), "must be bool, not int"),
        (
            lambda lib: setattr(lib.ones(2, dtype=lib.int64), "requires_grad", True),
            "only Tensors of floating point and complex dtype can require gradients",
        ),
        (lambda lib: setattr(lib.ones(2), "requires_grad", 1), "requires_grad must be a bool"),
        (
            lambda lib: setattr(lib.ones(2, requires_grad=True) * 2, "requires_grad", True),
            "you can only change requires_grad flags of leaf variables.$",
        ),
    ],
)
def test_retain_and_requires_grad_errors(fn, match: str) -> None:
    check_error(fn, match)


def test_requires_grad_returns_self() -> None:
    def run(lib):
        t = lib.ones(2)
        h = lib.ones(2, requires_grad=True) * 2
        return (
            t.requires_grad_() is t,
            t.requires_grad,
            t.requires_grad_(requires_grad=False).requires_grad,
            h.requires_grad_(True) is h,
            lib.ones(2, dtype=lib.int64).requires_grad_(False).requires_grad,
        )

    parity(run)


# ---------------------------------------------------------------- autograd.grad


def test_grad_allow_unused_and_materialize_grads() -> None:
    def run(lib):
        x, unused = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0])
        y = (x * 2).sum()
        a = lib.autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
        b = lib.autograd.grad(y, [x, unused], materialize_grads=True, retain_graph=True)
        c = lib.autograd.grad(y, {"x": x, "u": unused}, allow_unused=True)
        return a, b, c, x.grad

    parity(run)


def test_grad_outputs_tensors_or_none_per_output() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        outs = [(x * x).sum(), x.exp(), x * 3]
        g = lib.autograd.grad(outs, x, [None, lib.tensor([1.0, -1.0]), lib.ones(2)])
        single = lib.autograd.grad(x * 4, x, grad_outputs=lib.tensor([0.5, 2.0]))
        cast = lib.autograd.grad(x * 4, x, lib.ones(2, dtype=lib.float64))
        return g, single, cast

    parity(run)


def test_grad_of_non_leaves_runs_only_what_it_needs() -> None:
    def run(lib):
        x, w = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        ev = []
        h = x * 2
        side = w.exp()
        h.register_hook(lambda g: ev.append(("h", g)))
        side.register_hook(lambda g: ev.append(("side", g)))  # not on the way to h: never runs
        x.register_hook(lambda g: ev.append(("x", g)))
        w.register_hook(lambda g: ev.append(("w", g)) or g * 10)  # applied to what is captured
        h.grad_fn.register_prehook(lambda go: ev.append(("h node runs",)))  # it does not
        y = (h * side).sum()
        (gh, gw) = lib.autograd.grad(y, [h, w], retain_graph=True)
        (gx,) = lib.autograd.grad(y, x)
        return ev, gh, gw, gx, x.grad, w.grad

    parity(run)


def test_grad_of_an_output_with_respect_to_itself() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        y = x * 3
        return lib.autograd.grad(y, y, lib.ones(2)), lib.autograd.grad(x, x, lib.ones(2))

    parity(run)


@pytest.mark.parametrize(
    ("fn", "match", "exc"),
    [
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), [x, lib.ones(1, requires_grad=True)]),
            "The differentiated Tensor at index 1 appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior.",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad(
                (x * 2).sum(), x, materialize_grads=True, allow_unused=False
            ),
            "Expected allow_unused to be True or not passed when materialize_grads=True",
            ValueError,
        ),
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), []),
            "`inputs` argument to `grad\\(\\)` cannot be empty.",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad(lib.ones(2).sum(), x),
            "element 0 of tensors does not require grad and does not have a grad_fn",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), lib.ones(2)),
            "One of the differentiated Tensors does not require grad",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad([(x * 2).sum(), x * 3], x, [None, None]),
            "grad can be implicitly created only for scalar outputs",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad([(x * 2).sum(), x * 3], x, [None]),
            "got 2 tensors and 1 gradients",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), x, grad_outputs=[3]),
            "gradients can be either Tensors or None, but got int",
            TypeError,
        ),
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), x, grad_outputs=lib.ones(3)),
            r"Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[3\]\) and "
            r"output\[0\] has a shape of torch.Size\(\[\]\).",
            RuntimeError,
        ),
        (
            lambda lib, x: lib.autograd.grad([x * 2, lib.ones(2)], x, [lib.ones(2), None]),
            "element 1 of tensors does not require grad and does not have a grad_fn",
            RuntimeError,
        ),
        (
            lambda lib, x: (
                y := (x * x).sum(),
                lib.autograd.grad(y, x),
                lib.autograd.grad(y, x),
            ),
            "Trying to backward through the graph a second time",
            RuntimeError,
        ),
    ],
)
def test_grad_errors(fn, match: str, exc: type) -> None:
    check_error(lambda lib: fn(lib, _leaf(lib, [1.0, 2.0])), match, exc)


# ---------------------------------------------------------------- autograd.backward


def test_backward_with_several_roots_and_inputs() -> None:
    def run(lib):
        x, w = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        h = x * w
        lib.autograd.backward([h.sum(), h * 2], [None, lib.tensor([1.0, -1.0])], retain_graph=True)
        grads = [x.grad.clone(), w.grad.clone()]
        lib.autograd.backward(h, lib.ones(2), inputs=[w], retain_graph=True)
        lib.autograd.backward(h.sum(), inputs={"x": x}, retain_graph=True)
        lib.autograd.backward(h.sum(), inputs=[lib.ones(1, requires_grad=True)])  # unreachable
        lib.autograd.backward(x, lib.tensor([10.0, 20.0]))  # a leaf as the root
        return grads, x.grad, w.grad

    parity(run)


def test_backward_inputs_runs_only_what_it_needs() -> None:
    def run(lib):
        x, w = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        ev = []
        x.register_hook(lambda g: ev.append("x"))
        w.register_hook(lambda g: ev.append("w"))
        w.register_post_accumulate_grad_hook(lambda t: ev.append("w acc"))
        (x.exp() * w).sum().backward(inputs=[w])
        return ev, x.grad, w.grad

    parity(run)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib, x: (x * 2).sum().backward(inputs=[]),
            "`inputs` argument to `backward\\(\\)` cannot be empty.",
        ),
        (
            lambda lib, x: (x * 2).sum().backward(inputs=[lib.ones(2)]),
            "can't retain_grad on Tensor that has requires_grad=False",
        ),
        (
            lambda lib, x: lib.autograd.backward([(x * 2).sum(), lib.ones(2)], [None, None]),
            "element 1 of tensors does not require grad and does not have a grad_fn",
        ),
        (lambda lib, x: (x * 2).backward(), "grad can be implicitly created only for scalar"),
        (lambda lib, x: (x * 2).backward(np.ones(2)), "gradients can be either Tensors or None"),
    ],
)
def test_backward_errors(fn, match: str) -> None:
    check_error(lambda lib: fn(lib, _leaf(lib, [1.0, 2.0])), match)


def test_grad_variables_is_deprecated() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        with pytest.warns(FutureWarning, match="`grad_variables` is deprecated"):
            lib.autograd.backward(x * 2, grad_variables=lib.ones(2))
        return x.grad

    parity(run)


def test_create_graph_is_refused_with_a_clear_error() -> None:
    x = numtorch.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="higher-order gradients"):
        numtorch.autograd.grad((x * x).sum(), x, create_graph=True)


# ---------------------------------------------------------------- Variable


def test_variable_is_every_tensor_and_makes_a_leaf() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        v = lib.autograd.Variable(x)
        w = lib.autograd.Variable(lib.ones(2), requires_grad=True)
        return (
            isinstance(x, lib.autograd.Variable),
            v is x,
            v.requires_grad,
            v.is_leaf,
            w.requires_grad,
            w.is_leaf,
        )

    parity(run)


# ---------------------------------------------------------------- shapes the graph recorded


def test_a_shape_changed_without_a_record_is_summed_back() -> None:
    """An in-place shape change under no_grad (not recorded) leaves gradients that broadcast
    to the recorded shapes: PyTorch sums them back (validate_outputs), into a leaf or a node."""

    def run(lib):
        a, b = _leaf(lib, [1.0, 2.0, 3.0]), _leaf(lib, [1.0, 2.0])
        h = a * 2
        with lib.no_grad():
            h.unsqueeze_(0)
        (h * lib.ones(2, 3)).sum().backward()
        e = b * 3
        with lib.no_grad():
            e.as_strided_((3, 2), (0, 1))
        (e * lib.arange(6.0).reshape(3, 2)).sum().backward()
        return tuple(h.shape), a.grad, b.grad

    parity(run)


def test_a_shape_that_does_not_fit_raises_naming_the_node() -> None:
    def run(lib):
        a = _leaf(lib, [1.0, 2.0, 3.0])
        h = a * 2
        h.data = lib.zeros(4)
        h.sum().backward()

    check_error(
        run,
        r"Function SumBackward0 returned an invalid gradient at index 0 - got \[4\] but "
        r"expected shape compatible with \[3\]",
        RuntimeError,
    )


def test_a_leaf_reshaped_after_use_gets_its_gradient_broadcast() -> None:
    """PyTorch checks a leaf's gradient against the leaf as it is now (AccumulateGrad
    broadcasts, or raises its broadcast errors)."""

    def run(lib):
        a, b = _leaf(lib, [1.0, 1.0, 1.0]), _leaf(lib, [1.0, 1.0, 1.0])
        z = a + b
        with lib.no_grad():
            b.unsqueeze_(0)
        z.sum().backward()
        return a.grad, b.grad

    parity(run)

    def grown(lib):
        a, b = _leaf(lib, [1.0, 1.0, 1.0]), _leaf(lib, [1.0, 1.0, 1.0])
        z = a + b
        b.data = lib.zeros(4)
        z.sum().backward()

    check_error(grown, r"The size of tensor a \(4\) must match the size of tensor b \(3\)")


def test_an_in_place_shape_change_of_a_second_output() -> None:
    def run(lib):
        a = lib.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
        _, logdet = lib.linalg.slogdet(a * 1)
        logdet.unsqueeze_(0)
        logdet.sum().backward()
        return a.grad, logdet.grad_fn.name()

    parity(run)


@pytest.mark.parametrize(
    "write",
    [
        lambda lib, v: v.mul_(2),
        lambda lib, v: v.zero_(),
        lambda lib, v: v.copy_(lib.ones(3)),
        lambda lib, v: v.view(3).add_(1),
        lambda lib, v: v.__setitem__(0, 5.0),
        lambda lib, v: v.__setitem__(slice(1, None), 5.0),
        lambda lib, v: v.__setitem__(lib.tensor([0, 1]), 5.0),
    ],
    ids=["mul_", "zero_", "copy_", "view of the view", "select", "slice", "index"],
)
def test_a_view_made_under_no_grad_refuses_a_recorded_write(write) -> None:
    """PyTorch forbids an in-place write, with grad mode on, into a view made under no_grad of
    a tensor that requires grad; inside no_grad the write is fine."""

    def refused(lib):
        c = _leaf(lib, [1.0, 2.0, 3.0]) * 1
        with lib.no_grad():
            v = c.view(3)
        write(lib, v)

    check_error(refused, "created in no_grad mode and is being modified inplace", RuntimeError)

    def allowed(lib):
        c = _leaf(lib, [1.0, 2.0, 3.0]) * 1
        with lib.no_grad():
            write(lib, c.view(3))
        return c.detach()

    parity(allowed)
