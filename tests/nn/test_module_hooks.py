"""Module hooks, parity-tested against PyTorch: forward pre-hooks and forward hooks (with
``with_kwargs``, ``prepend``, ``always_call``), full backward hooks and full backward
pre-hooks, and their handles."""

from __future__ import annotations

import pytest
import torch
from helpers import check_error, parity

import numtorch


def _linear(lib, n_in: int = 3, n_out: int = 2):
    lin = lib.nn.Linear(n_in, n_out)
    with lib.no_grad():
        lin.weight.copy_(lib.arange(n_in * n_out, dtype=lib.float32).reshape(n_out, n_in) / 4)
        lin.bias.copy_(lib.arange(n_out, dtype=lib.float32) - 0.5)
    return lin


def _x(lib, rows: int = 2, cols: int = 3, requires_grad: bool = True):
    x = lib.arange(rows * cols, dtype=lib.float32).reshape(rows, cols) / 3 - 1
    return x.requires_grad_(requires_grad)


class _Scale:
    """A module ``forward(x, k, y, *, bias=0.0)`` returning ``(x * k + bias, y * 2, 5)``."""

    @staticmethod
    def make(lib):
        class Scale(lib.nn.Module):
            def forward(self, x, k, y, *, bias=0.0):
                return x * k + bias, y * 2, 5

        return Scale()


# ---------------------------------------------------------------- forward hooks


def test_forward_pre_hook_replaces_args() -> None:
    def run(lib):
        lin = _linear(lib)
        seen = []
        lin.register_forward_pre_hook(
            lambda m, args: seen.append(tuple(args[0].shape)) or args[0] * 0
        )
        lin.register_forward_pre_hook(lambda m, args: seen.append(type(args).__name__))
        return seen, lin(_x(lib))

    parity(run)


def test_forward_hooks_with_kwargs_and_prepend() -> None:
    def run(lib):
        m = _Scale.make(lib)
        ev = []

        def pre_kwargs(mod, args, kwargs):
            ev.append(("pre kwargs", sorted(kwargs)))
            return args, {"bias": 1.0}

        m.register_forward_pre_hook(pre_kwargs, with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, args: ev.append("pre first"), prepend=True)
        m.register_forward_hook(lambda mod, args, out: ev.append("post") or (out[0], out[1], 6))
        m.register_forward_hook(
            lambda mod, args, kwargs, out: ev.append(("post kwargs", kwargs, out[2])),
            with_kwargs=True,
        )
        m.register_forward_hook(lambda mod, args, out: ev.append("post first"), prepend=True)
        out = m(_x(lib), 2.0, _x(lib, requires_grad=False), bias=0.5)
        return ev, out

    parity(run)


def test_forward_pre_hook_with_kwargs_must_return_a_pair() -> None:
    def run(lib):
        m = _Scale.make(lib)
        m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
        m(_x(lib), 2.0, _x(lib))

    check_error(run, "forward pre-hook must return None or a tuple of \\(new_args, new_kwargs\\)")


def test_always_call_hook_runs_when_forward_raises() -> None:
    def run(lib):
        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        ev = []
        m.register_forward_hook(lambda mod, args, out: ev.append(("always", out)), always_call=True)
        m.register_forward_hook(lambda mod, args, out: ev.append("ordinary"))
        with pytest.raises(ValueError, match="boom"):
            m(_x(lib))
        return ev

    assert parity(run) == [("always", None)]


def test_forward_hook_handles_remove_their_flags() -> None:
    def run(lib):
        m = _linear(lib)
        h1 = m.register_forward_hook(print, with_kwargs=True, always_call=True)
        h2 = m.register_forward_pre_hook(print, with_kwargs=True)
        before = [len(m._forward_hooks_with_kwargs), len(m._forward_hooks_always_called)]
        h1.remove()
        h2.remove()
        return before, [
            len(d)
            for d in (
                m._forward_hooks,
                m._forward_hooks_with_kwargs,
                m._forward_hooks_always_called,
                m._forward_pre_hooks,
                m._forward_pre_hooks_with_kwargs,
            )
        ]

    parity(run)


# ---------------------------------------------------------------- full backward hooks


def _record(ev: list, name: str):
    def hook(module, grad_input, grad_output):
        ev.append((name, grad_input, grad_output))

    return hook


def test_full_backward_hook_on_linear() -> None:
    def run(lib):
        lin = _linear(lib)
        ev = []
        lin.register_full_backward_pre_hook(lambda m, go: ev.append(("pre", go)))
        lin.register_full_backward_hook(
            lambda m, gi, go: ev.append(("hook", gi, go, lin.weight.grad is not None))
        )
        x = _x(lib)
        out = lin(x)
        out.sum().backward()
        return ev, x.grad, lin.weight.grad, out.grad_fn.name()

    parity(run)


def test_full_backward_hooks_replace_gradients() -> None:
    def run(lib):
        lin = _linear(lib)
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
        x = _x(lib)
        lin(x).sum().backward()
        first = [x.grad.clone(), lin.weight.grad.clone()]
        lin2 = _linear(lib)
        lin2.register_full_backward_pre_hook(lambda m, go: (go[0] * 0 + 2,))
        z = _x(lib)
        lin2(z).sum().backward()
        return first, z.grad, lin2.weight.grad

    parity(run)


def test_full_backward_hook_with_tensor_and_other_arguments() -> None:
    def run(lib):
        m = _Scale.make(lib)
        ev = []
        m.register_full_backward_hook(_record(ev, "hook"))
        m.register_full_backward_pre_hook(lambda mod, go: ev.append(("pre", go)))
        a, b = _x(lib), _x(lib, requires_grad=False)
        r = m(a, 3.0, b)
        r[0].sum().backward()  # b needs no gradient: grad_input[2] is zeros, as PyTorch's
        b.requires_grad_()
        r = m(a, 3.0, b)
        r[0].sum().backward()  # r[1] unused: grad_output[1] is None
        r = m(a, 3.0, b)
        (r[0].sum() + r[1].sum()).backward()
        return ev, a.grad, b.grad

    parity(run)


def test_full_backward_hooks_in_a_sequential_fire_outermost_first() -> None:
    def run(lib):
        seq = lib.nn.Sequential(_linear(lib, 2, 2), lib.nn.ReLU(), _linear(lib, 2, 1))
        ev = []
        for i, m in enumerate(seq):
            m.register_full_backward_hook(lambda mod, gi, go, i=i: ev.append(("hook", i)))
            m.register_full_backward_pre_hook(lambda mod, go, i=i: ev.append(("pre", i)))
        seq.register_full_backward_hook(lambda mod, gi, go: ev.append(("hook", "all", gi)))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients"):
            seq(_x(lib, 1, 2, requires_grad=False)).sum().backward()
        return ev

    parity(run)


def test_full_backward_hook_fires_once_per_call_of_a_reused_module() -> None:
    def run(lib):
        lin = _linear(lib, 3, 3)
        ev = []
        lin.register_full_backward_hook(lambda m, gi, go: ev.append(gi))
        lin.weight.register_hook(lambda g: ev.append(("weight", g)))
        lin(lin(_x(lib))).sum().backward()
        return ev

    parity(run)


@pytest.mark.parametrize(
    ("register", "match"),
    [
        (
            lambda m: m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0])),
            "Backward hook returned an invalid number of grad_input, got 2, but expected 1",
        ),
        (
            lambda m: m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0])),
            "Backward pre hook returned an invalid number of grad_output, got 2, but expected 1",
        ),
    ],
)
def test_full_backward_hook_errors(register, match: str) -> None:
    def run(lib):
        lin = _linear(lib)
        register(lin)
        lin(_x(lib)).sum().backward()

    check_error(run, match)


def test_no_backward_hook_without_grad() -> None:
    def run(lib):
        lin = _linear(lib)
        ev = []
        lin.register_full_backward_hook(lambda m, gi, go: ev.append("fired"))
        with lib.no_grad():
            out = lin(_x(lib))
        return ev, out.requires_grad, out.grad_fn is None

    parity(run)


def test_backward_hook_handles_remove() -> None:
    def run(lib):
        lin = _linear(lib)
        ev = []
        h = lin.register_full_backward_hook(lambda m, gi, go: ev.append("hook"))
        p = lin.register_full_backward_pre_hook(lambda m, go: ev.append("pre"))
        first = lin.register_full_backward_hook(lambda m, gi, go: ev.append("first"), prepend=True)
        lin(_x(lib)).sum().backward()
        h.remove()
        p.remove()
        first.remove()
        out = lin(_x(lib))
        out.sum().backward()
        return ev, out.grad_fn.name(), len(lin._backward_hooks), len(lin._backward_pre_hooks)

    parity(run)


def test_module_without_hooks_calls_forward_directly() -> None:
    lin = numtorch.nn.Linear(3, 2)
    out = lin(numtorch.ones(1, 3, requires_grad=True))
    assert out.grad_fn.name() == torch.nn.Linear(3, 2)(torch.ones(1, 3)).grad_fn.name()


def test_hooks_on_every_module_run_before_each_modules_own() -> None:
    """``nn.modules.module.register_module_forward_hook`` and its siblings, as profilers and
    activation recorders use them: PyTorch's order, and gone once removed."""

    def run(lib):
        M = lib.nn.modules.module  # noqa: N806
        ev = []
        handles = [
            M.register_module_forward_pre_hook(lambda m, a: ev.append(("pre", type(m).__name__))),
            M.register_module_forward_hook(lambda m, a, o: ev.append(("fwd", type(m).__name__))),
            M.register_module_full_backward_hook(
                lambda m, gi, go: ev.append(("bwd", type(m).__name__))
            ),
            M.register_module_full_backward_pre_hook(
                lambda m, go: ev.append(("bpre", type(m).__name__))
            ),
        ]
        try:
            net = lib.nn.Sequential(_linear(lib, 2, 3), lib.nn.ReLU())
            net[0].register_forward_hook(lambda m, a, o: ev.append(("own", type(m).__name__)))
            with pytest.warns(UserWarning, match="Full backward hook is firing when gradients"):
                net(_x(lib, 1, 2, requires_grad=False)).sum().backward()
        finally:
            for h in handles:
                h.remove()
        net(_x(lib, 1, 2))
        with M.register_module_forward_hook(
            lambda m, a, k, o: ev.append(("kwargs", sorted(k))), with_kwargs=True
        ):
            net[0](_x(lib, 1, 2))
        return ev

    parity(run)
