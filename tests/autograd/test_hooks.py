"""Autograd hooks, parity-tested against PyTorch: tensor hooks, post-accumulate-grad hooks,
node hooks, handles and the end-of-backward callback.

Each test runs one function on both libraries; it returns what the hooks saw (call order,
gradient values, results) and the two records must be equal (``parity``).
"""

from __future__ import annotations

import gc

import pytest
import torch
from helpers import check_error, parity

import numtorch
import numtorch.utils.hooks


def _leaf(lib, values, **kw):
    return lib.tensor(values, requires_grad=True, **kw)


# ---------------------------------------------------------------- Tensor.register_hook


def test_weight_used_twice_gets_one_hook_call_with_the_summed_gradient() -> None:
    def run(lib):
        w = _leaf(lib, [[1.0, -2.0], [0.5, 3.0]])
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        calls = []
        w.register_hook(lambda g: calls.append(g.clone()))
        loss = (x @ w).sum() + (w * w).sum()  # two uses: two contributions, one total
        loss.backward()
        return calls, w.grad

    calls, _ = parity(run)
    assert len(calls) == 1


def test_tied_linear_weight_gets_one_hook_call() -> None:
    def run(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 3)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [0.25, 1.5, 1.0]]))
            lin.bias.fill_(0.1)
        calls = []
        lin.weight.register_hook(lambda g: calls.append(("weight", g.clone())))
        lin.bias.register_hook(lambda g: calls.append(("bias", g.clone())))
        lin(lin(lib.tensor([[1.0, 2.0, 3.0]]))).sum().backward()
        return sorted(calls, key=lambda c: c[0]), lin.weight.grad  # the order is Linear's

    calls, _ = parity(run)
    assert [name for name, _ in calls] == ["bias", "weight"]  # each once


def test_non_leaf_used_twice_gets_one_hook_call() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0, 3.0])
        h = x * 2
        calls = []
        h.register_hook(lambda g: calls.append(g.clone()))
        (h.exp().sum() + (h * h).sum()).backward()
        return calls, x.grad

    calls, _ = parity(run)
    assert len(calls) == 1


def test_hooks_replace_the_gradient_in_registration_order() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, -1.0])
        seen = []
        x.register_hook(lambda g: seen.append(("a", g.clone())) or g * 2)
        x.register_hook(lambda g: seen.append(("b", g.clone())))  # None: no change
        x.register_hook(lambda g: seen.append(("c", g.clone())) or g + 1)
        (x * 3).sum().backward()
        return seen, x.grad

    parity(run)


def test_non_leaf_hook_replacement_flows_to_the_leaves() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        h = x.exp()
        h.register_hook(lambda g: g * 10)
        h.retain_grad()
        (h * h).sum().backward()
        return x.grad, h.grad  # retain_grad stores the gradient after the hooks

    parity(run)


def test_hooks_fire_once_per_backward() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        calls = []
        x.register_hook(lambda g: calls.append(g.clone()))
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        (x * 3).sum().backward()
        return calls, x.grad

    calls, _ = parity(run)
    assert len(calls) == 3


def test_hooks_run_without_grad_mode() -> None:
    def run(lib):
        x = _leaf(lib, [1.0])
        modes = []
        x.register_hook(lambda g: modes.append(lib.is_grad_enabled()))
        x.register_post_accumulate_grad_hook(lambda t: modes.append(lib.is_grad_enabled()))
        (x * 2).sum().backward()
        return modes

    assert parity(run) == [False, False]


def test_hook_order_follows_torch_across_the_graph() -> None:
    """Nodes run newest first and a leaf right after its last consumer, as PyTorch runs them."""

    def run(lib):
        order = []
        a, b, c = (_leaf(lib, [float(i + 1)]) for i in range(3))
        for name, t in (("a", a), ("b", b), ("c", c)):
            t.register_hook(lambda g, name=name: order.append(name))
        p = a.exp()
        q = b.tanh()
        r = p * q
        s = r + c
        for name, t in (("p", p), ("q", q), ("r", r), ("s", s)):
            t.register_hook(lambda g, name=name: order.append(name))
        (s * p).sum().backward()
        return order

    parity(run)


def test_two_leaves_of_one_node_fire_in_argument_order() -> None:
    def run(lib):
        order = []
        x, w = _leaf(lib, [1.0]), _leaf(lib, [2.0])
        x.register_hook(lambda g: order.append("x"))
        w.register_hook(lambda g: order.append("w"))
        (x * w).sum().backward()
        (w * x).sum().backward()
        (x + w + x).sum().backward()
        return order

    parity(run)


def test_a_temporary_leaf_keeps_its_hooks_while_the_graph_lives() -> None:
    def run(lib):
        calls = []

        def make(x):
            w = _leaf(lib, [2.0, 3.0])
            w.register_hook(lambda g: calls.append(g.clone()))
            return x * w

        y = make(_leaf(lib, [1.0, 1.0]))
        gc.collect()
        y.sum().backward()
        return calls

    assert len(parity(run)) == 1


def test_hooks_registered_before_an_inplace_op_stay_with_the_old_node() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(("before", g.clone())))
        y.retain_grad()
        y.mul_(3)
        y.register_hook(lambda g: seen.append(("after", g.clone())))
        (y * 5).sum().backward()
        return seen, y.grad, y.retains_grad, x.grad

    parity(run)


def test_handles_remove_and_work_as_context_managers() -> None:
    def run(lib):
        x = _leaf(lib, [1.0])
        calls = []
        h1 = x.register_hook(lambda g: calls.append(1))
        h2 = x.register_hook(lambda g: calls.append(2))
        (x * 1).sum().backward()
        h1.remove()
        h1.remove()  # twice is harmless
        (x * 1).sum().backward()
        with x.register_hook(lambda g: calls.append(3)) as h3:
            (x * 1).sum().backward()
        (x * 1).sum().backward()
        h2.remove()
        (x * 1).sum().backward()
        return calls, h2.id - h1.id, h3.id - h2.id, type(h1.id).__name__

    parity(run)


def test_handle_is_the_shared_removable_handle() -> None:
    x = numtorch.ones(1, requires_grad=True)
    handle = x.register_hook(lambda g: None)
    assert isinstance(handle, numtorch.utils.hooks.RemovableHandle)
    assert isinstance(x.register_post_accumulate_grad_hook(lambda t: None), type(handle))
    assert isinstance((x * 1).grad_fn.register_hook(lambda gi, go: None), type(handle))
    assert isinstance(numtorch.nn.Linear(1, 1).register_forward_hook(print), type(handle))


def test_a_hook_may_remove_itself() -> None:
    def run(lib):
        x = _leaf(lib, [1.0])
        calls = []
        handle = None

        def once(g):
            calls.append("once")
            handle.remove()

        handle = x.register_hook(once)
        x.register_hook(lambda g: calls.append("always"))
        (x * 1).sum().backward()
        (x * 1).sum().backward()
        return calls

    parity(run)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.ones(2).register_hook(lambda g: g), "cannot register a hook on a tensor"),
        (
            lambda lib: (
                (x := lib.ones(2, requires_grad=True), x.register_hook(lambda g: 5))
                and (x * 2).sum().backward()
            ),
            "expected Variable, but hook returned 'int'",
        ),
        (
            lambda lib: (
                (x := lib.ones(2, requires_grad=True), x.register_hook(lambda g: g[:1]))
                and (x * 2).sum().backward()
            ),
            "hook '<lambda>' has changed the size of value",
        ),
        (
            lambda lib: (
                (x := lib.ones(2, requires_grad=True), x.register_hook(lambda g: g.double()))
                and (x * 2).sum().backward()
            ),
            r"hook '<lambda>' has changed the type of value \(was torch.FloatTensor got "
            r"torch.DoubleTensor\)",
        ),
        (
            lambda lib: (
                (h := lib.ones(2, requires_grad=True) * 2, h.register_hook(lambda g: g[0]))
                and h.sum().backward()
            ),
            "hook '<lambda>' has changed the size of value",
        ),
    ],
)
def test_tensor_hook_errors(make, match: str) -> None:
    check_error(make, match)


# ---------------------------------------------------------------- post-accumulate-grad hooks


def test_post_accumulate_grad_hook_sees_the_updated_grad_once() -> None:
    def run(lib):
        w = _leaf(lib, [1.0, 2.0])
        seen = []
        w.register_hook(lambda g: seen.append(("hook", g.clone())))
        w.register_post_accumulate_grad_hook(lambda p: seen.append(("post", p.grad.clone())))
        ((w * 3).sum() + (w * w).sum()).backward()
        (w * 1).sum().backward()
        return seen

    parity(run)


def test_post_accumulate_grad_hook_can_step_the_parameter() -> None:
    def run(lib):
        v = lib.tensor([0.0, 0.0, 0.0], requires_grad=True)
        lr = 0.01

        def sgd(p):
            p.data.add_(p.grad, alpha=-lr)
            p.grad = None

        handle = v.register_post_accumulate_grad_hook(sgd)
        v.backward(lib.tensor([1.0, 2.0, 3.0]))
        handle.remove()
        v.backward(lib.tensor([1.0, 2.0, 3.0]))
        return v.detach(), v.grad

    parity(run)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda lib: (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(
                print
            ),
            "post accumulate grad hooks cannot be registered on non-leaf tensors",
        ),
        (
            lambda lib: lib.ones(2).register_post_accumulate_grad_hook(print),
            "cannot register a hook on a tensor that doesn't require gradient",
        ),
    ],
)
def test_post_accumulate_grad_hook_errors(make, match: str) -> None:
    check_error(make, match)


# ---------------------------------------------------------------- node hooks


def test_node_hooks_run_around_the_node_in_torch_s_order() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        y = x * 3
        z = y.exp()
        ev = []
        y.register_hook(lambda g: ev.append(("tensor", g.clone())))
        y.retain_grad()
        y.grad_fn.register_prehook(lambda go: ev.append(("pre", go)))
        y.grad_fn.register_hook(lambda gi, go: ev.append(("post", gi, go)))
        x.register_hook(lambda g: ev.append(("leaf", g.clone())))
        x.register_post_accumulate_grad_hook(lambda t: ev.append(("acc", t.grad.clone())))
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: ev.append(("acc pre", go)))
        acc.register_hook(lambda gi, go: ev.append(("acc post", gi, go)))
        z.sum().backward()
        return ev, y.grad

    parity(run)


def test_node_hooks_replace_gradients() -> None:
    def run(lib):
        x = _leaf(lib, [1.0, 2.0])
        out = []
        y = x * 3
        y.grad_fn.register_prehook(lambda go: (go[0] * 0 + 1,))
        y.sum().backward()
        out.append(x.grad.clone())
        y = x * 3
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 7, None))
        y.sum().backward()
        out.append(x.grad.clone())
        return out

    parity(run)


@pytest.mark.parametrize(
    ("register", "match", "exc"),
    [
        (
            lambda node: node.register_hook(lambda gi, go: (gi[0],)),
            r"hook '<lambda>' has returned an incorrect number of values \(got 1, but expected 2\)",
            RuntimeError,
        ),
        (
            lambda node: node.register_prehook(lambda go: (go[0], go[0])),
            r"hook '<lambda>' has returned an incorrect number of values \(got 2, but expected 1\)",
            RuntimeError,
        ),
        (
            lambda node: node.register_prehook(lambda go: [go[0]]),
            "expected tuple, but hook returned 'list'",
            TypeError,
        ),
        (
            lambda node: node.register_hook(lambda gi, go: (gi[0], gi[0])),
            "can't replace a None gradient with a non-None value",
            RuntimeError,
        ),
    ],
)
def test_node_hook_errors(register, match: str, exc: type) -> None:
    def run(lib):
        y = lib.ones(2, requires_grad=True) * 3
        register(y.grad_fn)
        y.sum().backward()

    check_error(run, match, exc)


def test_hooks_see_none_for_a_gradient_that_never_came() -> None:
    """A backward that returns None for an input that requires grad: downstream nodes still
    run, and their hooks see None (PyTorch's undefined gradient)."""

    class TorchFirst(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g, None

    class MineFirst(numtorch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g, None

    def run(lib):
        first = TorchFirst if lib is torch else MineFirst
        x, w = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        h = w * 2
        ev = []
        h.register_hook(lambda g: ev.append(("h", g)))
        h.grad_fn.register_hook(lambda gi, go: ev.append(("h node", gi, go)))
        w.register_hook(lambda g: ev.append(("w", g)))
        w.register_post_accumulate_grad_hook(lambda t: ev.append(("w acc", t.grad)))
        first.apply(x, h).sum().backward()
        return ev, x.grad, w.grad

    parity(run)


# ---------------------------------------------------------------- queue_callback


def test_queue_callback_outside_backward_is_refused() -> None:
    check_error(
        lambda lib: lib.autograd.Variable._execution_engine.queue_callback(lambda: None),
        "Final callbacks can only be installed during backward pass.",
    )


def test_queued_callbacks_run_once_after_every_gradient_is_in() -> None:
    """The data-parallel pattern: each parameter's hook queues the all-reduce once; it runs
    after the last gradient is accumulated, in queue order, and may queue more."""

    def run(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
        params = list(net.parameters())
        ev = []
        queued = []
        engine = lib.autograd.Variable._execution_engine

        def reduce_all():
            ev.append(("reduce", [p.grad is not None for p in params], lib.is_grad_enabled()))
            engine.queue_callback(lambda: ev.append("queued by a callback"))

        def hook(p):
            ev.append("param")
            if not queued:
                queued.append(True)
                engine.queue_callback(reduce_all)
                engine.queue_callback(lambda: ev.append("second"))

        for p in params:
            p.register_post_accumulate_grad_hook(hook)
        net(lib.tensor([[1.0, 2.0]])).sum().backward()
        queued.clear()
        net(lib.tensor([[1.0, 2.0]])).sum().backward()
        return ev

    ev = parity(run)
    assert ev.count(("reduce", [True] * 4, False)) == 2


def test_callback_of_a_nested_backward_runs_at_its_end() -> None:
    def run(lib):
        ev = []
        engine = lib.autograd.Variable._execution_engine
        x = _leaf(lib, [1.0])

        def inner_backward(g):
            u = _leaf(lib, [2.0])
            with lib.enable_grad():
                v = u * 3
                v.register_hook(lambda g: engine.queue_callback(lambda: ev.append("inner")))
                v.sum().backward()
            ev.append("after inner")
            engine.queue_callback(lambda: ev.append("outer"))

        x.register_hook(inner_backward)
        (x * 2).sum().backward()
        return ev

    assert parity(run) == ["inner", "after inner", "outer"]
