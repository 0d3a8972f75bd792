"""Custom ``autograd.Function`` subclasses written for PyTorch run unchanged, parity-tested:
forward on tensors, ``ctx`` and what it keeps, the checks on what ``backward`` returns, and
PyTorch's errors."""

from __future__ import annotations

import functools
import types
from typing import Any

import numpy as np
import pytest
from helpers import check_error, parity

import numtorch
from numtorch.autograd.function import once_differentiable


@functools.cache
def _fns(lib: Any) -> types.SimpleNamespace:
    """The same custom Functions, written once, subclassing ``lib``'s ``autograd.Function``."""
    base = lib.autograd.Function

    class MyReLU(base):  # PyTorch's tutorial example
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    class Scale(base):  # a non-tensor argument and a non-tensor output
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.grad_was_on = lib.is_grad_enabled()
            return x * k, "note", x * 1

        @staticmethod
        def backward(ctx, g, g_note, g_copy):
            ctx.seen = (g_note, g_copy)
            return g * ctx.k + g_copy, None

    class Identity(base):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Double_(base):  # in place: mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class ArgMaxAndDouble(base):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            return x * 2, i

        @staticmethod
        def backward(ctx, g, g_index):
            ctx.g_index = g_index
            return g * 2

    class Square(base):  # saves its input
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class ExpSavesOutput(base):
        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

    class Unmaterialized(base):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.second = g2
            return g1 if g2 is None else g1 + 2 * g2

    class SplitForm(base):  # PyTorch 2's forward without ctx, and setup_context
        @staticmethod
        def forward(x, k=3.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class Vjp(base):  # backward under its other name
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, g):
            return g * 5

    def returning(fn):
        """A Function of (x, y, k=1) whose backward returns ``fn(g)``."""

        class Returns(base):
            @staticmethod
            def forward(ctx, x, y, k=1):
                return x * y * k

            @staticmethod
            def backward(ctx, g):
                return fn(lib, g)

        return Returns

    return types.SimpleNamespace(**locals())


def _leaf(lib: Any, values: Any = (1.0, -2.0, 3.0), dtype: Any = None) -> Any:
    return lib.tensor(values, requires_grad=True, dtype=dtype or lib.float32)


def test_pytorch_tutorial_relu() -> None:
    def run(lib):
        x = _leaf(lib)
        y = _fns(lib).MyReLU.apply(x)
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y, x.grad, y.grad_fn.name(), y.requires_grad, y.is_leaf

    assert parity(run)[2] == "MyReLUBackward"


def test_forward_runs_without_grad_and_non_tensors_pass_through() -> None:
    def run(lib):
        x = _leaf(lib)
        a, note, c = _fns(lib).Scale.apply(x, 3.0)
        ctx = a.grad_fn
        a.sum().backward()
        return note, ctx is c.grad_fn, a.output_nr, c.output_nr, ctx.grad_was_on, ctx.seen, x.grad

    # backward got None for the string output and zeros for the copy that got no gradient
    parity(run)


def test_next_functions_list_only_tensor_inputs() -> None:
    def run(lib):
        x, y = _leaf(lib), lib.ones(3)
        out = _fns(lib).returning(lambda lib, g: (g, None)).apply(x, y, 2)
        return [(None if n is None else n.name(), nr) for n, nr in out.grad_fn.next_functions]

    parity(run)


def test_an_input_returned_as_is_gets_the_node() -> None:
    def run(lib):
        x = _leaf(lib)
        y = _fns(lib).Identity.apply(x)
        same_storage = np.shares_memory(y.detach().numpy(), x.detach().numpy())
        y.sum().backward()
        return y is x, y.is_leaf, same_storage, x.grad

    parity(run)


def test_mark_dirty_gives_the_input_new_history() -> None:
    def run(lib):
        x = _leaf(lib)
        h = x * 1
        out = _fns(lib).Double_.apply(h)
        name = h.grad_fn.name()
        h.sum().backward()
        return out is h, name, h, x.grad

    parity(run)
    check_error(lambda lib: _fns(lib).Double_.apply(_leaf(lib)), "leaf Variable that requires grad")


def test_mark_non_differentiable() -> None:
    def run(lib):
        x = _leaf(lib)
        v, i = _fns(lib).ArgMaxAndDouble.apply(x)
        ctx = v.grad_fn
        v.sum().backward()
        return v.requires_grad, i.requires_grad, i.grad_fn is None, ctx.g_index, x.grad

    parity(run)


def test_saved_tensors_are_version_checked_and_freed() -> None:
    def modified_input(lib):
        h = _leaf(lib) * 1
        out = _fns(lib).Square.apply(h)
        with lib.no_grad():
            h.add_(1)
        out.sum().backward()

    check_error(modified_input, r"modified by an inplace operation: .*output 0 of Mul, is at")

    def modified_output(lib):
        out = _fns(lib).ExpSavesOutput.apply(_leaf(lib))
        out.sum().backward(retain_graph=True)
        with lib.no_grad():
            out.add_(1)
        out.sum().backward()

    check_error(modified_output, r"output 0 of ExpSavesOutput, is at version 1; expected version 0")

    def twice(lib):
        out = _fns(lib).Square.apply(_leaf(lib))
        out.sum().backward()
        out.sum().backward()

    check_error(twice, "backward through the graph a second time")

    def retained(lib):
        x = _leaf(lib)
        out = _fns(lib).Square.apply(x)
        out.sum().backward(retain_graph=True)
        saved = out.grad_fn.saved_tensors
        out.sum().backward()
        return x.grad, saved

    parity(retained)


def test_a_view_written_through_its_base_reaches_the_leaf() -> None:
    """A view whose base changed in place gets its history regenerated before the node is
    recorded (so the engine runs the regenerated node after this one)."""

    def run(lib):
        a = _leaf(lib, [1.0, 1.0, 1.0, 1.0])
        b = a * 1
        v = b[:2]
        b.mul_(3)
        _fns(lib).Square.apply(v).sum().backward()
        return a.grad

    parity(run)


def test_integer_and_bool_outputs_get_no_gradient() -> None:
    def run(lib):
        class Stats(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.argmax(), x > 0, x * 2

            @staticmethod
            def backward(ctx, g_index, g_mask, g):
                return g * 2

        x = _leaf(lib)
        index, mask, double = Stats.apply(x)
        double.sum().backward()
        return [(t.requires_grad, t.grad_fn is None) for t in (index, mask, double)], x.grad

    parity(run)


def test_mark_dirty_on_a_view_records_the_write_on_its_base() -> None:
    def run(lib):
        class AddInto(lib.autograd.Function):
            @staticmethod
            def forward(ctx, view, w):
                view.add_(w)
                ctx.mark_dirty(view)
                return view

            @staticmethod
            def backward(ctx, g):
                return g, g

        buf, w = lib.zeros(4), _leaf(lib, [1.0, 2.0])
        out = AddInto.apply(buf[:2], w)
        name, base_records = out.grad_fn.name(), buf.requires_grad
        (buf * lib.arange(4.0)).sum().backward()
        return out, name, base_records, buf, w.grad

    parity(run)


def test_a_second_backward_is_refused_only_when_it_reads_freed_tensors() -> None:
    def run(lib):
        class SavesButIgnores(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = _leaf(lib)
        y = SavesButIgnores.apply(x)
        y.sum().backward()
        y.sum().backward()
        return x.grad

    parity(run)


def test_nodes_are_freed_without_the_garbage_collector() -> None:
    """No reference cycle through ``ctx`` (a saved output, a dirty input, a marked output)."""
    import gc
    import weakref

    fns = _fns(numtorch)
    gc.disable()
    try:
        for fn, make in [
            (fns.ExpSavesOutput, lambda: _leaf(numtorch)),
            (fns.Double_, lambda: _leaf(numtorch) * 1),
            (fns.ArgMaxAndDouble, lambda: _leaf(numtorch)),
        ]:
            out = fn.apply(make())
            node = weakref.ref((out[0] if isinstance(out, tuple) else out).grad_fn)
            del out
            assert node() is None, fn.__name__
    finally:
        gc.enable()


def test_saving_a_non_tensor_raises() -> None:
    def run(lib):
        class SavesInt(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

        SavesInt.apply(_leaf(lib))

    check_error(run, "save_for_backward can only save variables, but argument 1 is of type int")


def test_grads_can_stay_unmaterialized() -> None:
    def run(lib):
        x = _leaf(lib)
        first, _ = _fns(lib).Unmaterialized.apply(x)
        ctx = first.grad_fn
        first.sum().backward()
        return ctx.second, x.grad

    parity(run)


def test_split_forward_with_setup_context_and_vjp() -> None:
    def run(lib):
        x, z = _leaf(lib), _leaf(lib)
        _fns(lib).SplitForm.apply(x).sum().backward()
        _fns(lib).Vjp.apply(z).sum().backward()
        return x.grad, z.grad, _fns(lib).SplitForm.apply(x, k=2.0)

    parity(run)


def test_keyword_arguments_reach_forward() -> None:
    def run(lib):
        x, y = _leaf(lib), lib.ones(3)
        out = _fns(lib).returning(lambda lib, g: (g, None, None)).apply(x, y, k=3)
        return out

    parity(run)


def test_no_node_when_nothing_needs_a_gradient() -> None:
    def run(lib):
        out = _fns(lib).MyReLU.apply(lib.tensor([1.0, -1.0]))
        with lib.no_grad():
            quiet = _fns(lib).MyReLU.apply(_leaf(lib))
        return out.requires_grad, out.grad_fn is None, quiet.requires_grad

    parity(run)


# ------------------------------------------------------------ what backward returns


@pytest.mark.parametrize(
    ("returns", "match"),
    [
        (lambda lib, g: g, r"returned an incorrect number of gradients \(expected 2, got 1\)"),
        (lambda lib, g: (g, g, g, g), r"incorrect number of gradients \(expected 2, got 4\)"),
        (lambda lib, g: (3, None), r"expected Variable or None \(got int\)"),
        (
            lambda lib, g: (lib.ones(4), None),
            r"Function ReturnsBackward returned an invalid gradient at index 0 - got \[4\] but "
            r"expected shape compatible with \[3\]",
        ),
        (lambda lib, g: (lib.ones(1), None), r"got \[1\] but expected shape compatible with \[3\]"),
        (lambda lib, g: (lib.tensor(1.0), None), r"got \[\] but expected shape compatible"),
    ],
    ids=["too few", "too many", "not a tensor", "wrong shape", "smaller", "scalar"],
)
def test_what_backward_returns_is_checked(returns, match) -> None:
    def run(lib):
        _fns(lib).returning(returns).apply(_leaf(lib), lib.ones(3)).sum().backward()

    check_error(run, match, RuntimeError)


def test_a_gradient_for_a_non_tensor_argument_raises() -> None:
    def run(lib):
        fn = _fns(lib).returning(lambda lib, g: (g, g, g))
        fn.apply(_leaf(lib), lib.ones(3), 2).sum().backward()

    check_error(run, "returned a gradient different than None at position 3, but the corresp")


@pytest.mark.parametrize(
    "returns",
    [
        lambda lib, g: (g, None, None, None),  # extra Nones are allowed
        lambda lib, g: (g, g),  # a gradient for an input that needs none is dropped
        lambda lib, g: (g.double(), None),  # cast to the input's dtype
        lambda lib, g: (g.expand(4, 3), None),  # summed back to the input's shape
    ],
    ids=["extra nones", "unneeded", "dtype", "broadcast"],
)
def test_what_backward_returns_is_fitted(returns) -> None:
    def run(lib):
        x, y = _leaf(lib), lib.ones(3)
        _fns(lib).returning(returns).apply(x, y).sum().backward()
        return x.grad, y.grad

    parity(run)


# ------------------------------------------------------------ PyTorch's other errors


def test_missing_forward_or_backward() -> None:
    def no_forward(lib):
        class Empty(lib.autograd.Function):
            pass

        Empty.apply(_leaf(lib))

    check_error(no_forward, "You must implement the forward function", NotImplementedError)

    def no_backward(lib):
        class ForwardOnly(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        ForwardOnly.apply(_leaf(lib)).sum().backward()

    check_error(no_backward, "You must implement either the backward or vjp", NotImplementedError)

    def both(lib):
        class Both(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

            @staticmethod
            def vjp(ctx, g):
                return g

        Both.apply(_leaf(lib)).sum().backward()

    check_error(both, "Implementing both 'backward' and 'vjp'", RuntimeError)


def test_instances_warn_and_legacy_calls_raise() -> None:
    def run(lib):
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            fn = _fns(lib).Square()
        fn(_leaf(lib))

    check_error(run, "Legacy autograd function with non-static forward method is deprecated")


def test_hooks_on_a_custom_node() -> None:
    def run(lib):
        x = _leaf(lib)
        out = _fns(lib).Square.apply(x)
        seen = []
        out.grad_fn.register_hook(lambda gi, go: seen.append((gi, go)))
        out.register_hook(lambda g: g * 10)
        out.sum().backward()
        return seen, x.grad

    parity(run)


def test_once_differentiable_and_gradcheck() -> None:
    class Cube(numtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * g

    x = numtorch.randn(4, dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(Cube.apply, (x,))


def test_inplace_function_keeps_its_flag() -> None:
    def run(lib):
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            return lib.autograd.function.InplaceFunction(inplace=True).inplace

    assert parity(run) is True


def test_custom_functions_train_a_model() -> None:
    """A straight-through estimator (a custom Function inside an nn.Module) trains as in
    PyTorch, step for step."""

    def run(lib):
        class RoundSTE(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.round()

            @staticmethod
            def backward(ctx, g):
                return g

        lib.manual_seed(0)
        w = lib.tensor([[0.3, -0.7], [1.2, 0.1]], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        x, target = lib.tensor([[1.0, 2.0], [3.0, -1.0]]), lib.tensor([[1.0, 0.0], [0.0, 2.0]])
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = ((RoundSTE.apply(x @ w) - target) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, w

    parity(run)
