"""no_grad / enable_grad / set_grad_enabled as context managers and decorators."""

from __future__ import annotations

import threading

import pytest
import torch
from helpers import parity

import numtorch


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_context_managers_nest_and_restore(lib) -> None:
    x = lib.ones(2, requires_grad=True)
    assert lib.is_grad_enabled()
    with lib.no_grad():
        assert not lib.is_grad_enabled() and not (x * 2).requires_grad
        with lib.enable_grad():
            assert lib.is_grad_enabled() and (x * 2).requires_grad
            with lib.set_grad_enabled(False):
                assert not (x * 2).requires_grad
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()
        with lib.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled() and (x * 2).requires_grad


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_restored_on_exception(lib) -> None:
    with pytest.raises(ValueError, match="boom"):
        with lib.no_grad():
            raise ValueError("boom")
    assert lib.is_grad_enabled()

    @lib.no_grad()
    def fails() -> None:
        raise KeyError("inside")

    with pytest.raises(KeyError):
        fails()
    assert lib.is_grad_enabled()
    with lib.no_grad():
        with pytest.raises(ValueError):
            with lib.enable_grad():
                raise ValueError("inner")
        assert not lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_decorators(lib) -> None:
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def frozen(t):
        """Doc survives."""
        return t * 2

    @lib.enable_grad()
    def tracked(t):
        return t * 2

    @lib.set_grad_enabled(False)
    def off(t):
        return t * 2

    assert lib.is_grad_enabled(), "decorating must not change the mode"
    assert not frozen(x).requires_grad and frozen.__doc__ == "Doc survives."
    assert lib.is_grad_enabled()
    with lib.no_grad():
        assert tracked(x).requires_grad
        assert not lib.is_grad_enabled()
    assert not off(x).requires_grad and lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_set_grad_enabled_as_function(lib) -> None:
    x = lib.ones(2, requires_grad=True)
    try:
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


def test_set_grad_enabled_requires_bool() -> None:
    with pytest.raises(TypeError, match="mode"):
        numtorch.set_grad_enabled("yes")
    assert numtorch.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    seen = []

    def worker() -> None:
        seen.append(numtorch.is_grad_enabled())

    with numtorch.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [True]


def test_no_grad_results_are_leaves_without_history() -> None:
    x = numtorch.ones(2, requires_grad=True)
    with numtorch.no_grad():
        y = (x * 2).sum()
        z = x[0]
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert z.grad_fn is None and not z.requires_grad


def _generator_and_bare_decorators(lib) -> list:
    """Grad mode, inference mode and whether an op records, seen inside generators decorated
    with each mode (through ``next``, ``send``, ``throw`` and ``close``), in the caller's
    code between their ``yield`` s, and in functions decorated without parentheses."""
    a = lib.ones(2, requires_grad=True)
    seen = []

    def probe(tag):
        seen.append(
            (tag, lib.is_grad_enabled(), lib.is_inference_mode_enabled(), (a * 2).requires_grad)
        )

    @lib.no_grad()
    def g1():
        probe("g1 start")
        x = yield 1
        probe(f"g1 got {x}")
        try:
            yield 2
        except ValueError:
            probe("g1 caught")
            yield 3
        return "done"

    gen = g1()
    next(gen)
    probe("caller between")
    gen.send(10)
    gen.throw(ValueError("v"))
    try:
        next(gen)
    except StopIteration as s:
        seen.append(("ret", s.value))

    @lib.inference_mode()
    def g2():
        probe("g2")
        yield
        probe("g2 after")

    list(g2())

    @lib.no_grad
    def f3():
        probe("bare no_grad")
        return 7

    seen.append(("f3", f3()))
    with lib.no_grad():

        @lib.enable_grad
        def f4():
            probe("bare enable_grad")

        f4()

        @lib.enable_grad()
        def g5():
            probe("g5")
            yield
            probe("g5b")

        for _ in g5():
            probe("caller in no_grad")

    @lib.set_grad_enabled(False)
    def g6():
        probe("g6")
        yield

    list(g6())
    gen7 = g1()
    next(gen7)
    gen7.close()
    probe("after close")
    return seen


def test_decorated_generators_and_bare_decorators_match_pytorch():
    """PyTorch's decorators wrap each resumption of a generator, not its creation, and
    ``@no_grad`` / ``@enable_grad`` work without parentheses."""
    seen = parity(_generator_and_bare_decorators)
    assert ("caller between", True, False, True) in seen and ("ret", "done") in seen
