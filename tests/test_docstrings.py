"""numtorch documents and types its public API: every public callable of the namespace and
every public ``Tensor`` method opens its docstring with a one-line summary (PEP 257), aliases
say which op they are, ``inspect.signature`` works on all of them, the variants the op
declarations derive carry their op's signature and hints, and ``py.typed`` (PEP 561) ships."""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import numtorch
from numtorch._namespace._declare import DECLARATIONS

_PACKAGE = Path(numtorch.__file__).parent


def _namespace_callables() -> Iterator[tuple[str, Callable]]:
    """``numtorch.<name>`` for every public callable (classes too), modules left out."""
    for name in dir(numtorch):
        obj = getattr(numtorch, name)
        if not name.startswith("_") and callable(obj) and not inspect.ismodule(obj):
            yield f"numtorch.{name}", obj


def _tensor_methods() -> Iterator[tuple[str, Callable]]:
    """``Tensor.<name>`` for every public method numtorch defines (properties and what
    ``object`` and the builtins provide are left out)."""
    for name in dir(numtorch.Tensor):
        if name.startswith("_"):
            continue
        if isinstance(inspect.getattr_static(numtorch.Tensor, name), property):
            continue
        owner = next(c for c in numtorch.Tensor.__mro__ if name in c.__dict__)
        obj = getattr(numtorch.Tensor, name)
        if owner.__module__ != "builtins" and callable(obj):
            yield f"Tensor.{name}", obj


def _defined_in(obj: Callable) -> str:
    """Where ``obj`` is written (the file under ``numtorch/``, else its module)."""
    try:
        return str(Path(inspect.getsourcefile(inspect.unwrap(obj))).relative_to(_PACKAGE.parent))
    except (TypeError, ValueError):
        return getattr(obj, "__module__", None) or "?"


def _summary_problem(doc: str | None) -> str | None:
    """Why ``doc`` doesn't open with a one-line summary, or None when it does."""
    if not (doc or "").strip():
        return "no docstring"
    lines = inspect.cleandoc(doc).splitlines()
    first = lines[0].strip()
    if len(first) > 100:
        return f"first line is {len(first)} characters (at most 100)"
    if ">>>" in first:
        return "first line is an example"
    if not first.endswith("."):
        return "first line is not a sentence (no final period)"
    if len(lines) > 1 and lines[1].strip():
        return "the summary runs on to a second line (no blank line after it)"
    return None


def _offenders(named: Iterator[tuple[str, Callable]]) -> list[str]:
    found = []
    for name, obj in named:
        problem = _summary_problem(obj.__doc__)
        if problem:
            found.append(f"{name} (defined in {_defined_in(obj)}): {problem}")
    return found


def test_every_public_callable_opens_with_a_one_line_summary() -> None:
    offenders = _offenders(_namespace_callables())
    assert not offenders, f"{len(offenders)} public callables:\n" + "\n".join(offenders)


def test_every_public_tensor_method_opens_with_a_one_line_summary() -> None:
    offenders = _offenders(_tensor_methods())
    assert not offenders, f"{len(offenders)} Tensor methods:\n" + "\n".join(offenders)


def test_the_summary_rule_rejects_what_it_should() -> None:
    assert _summary_problem("Element-wise sine.") is None
    assert _summary_problem("Sum.\n\n    More.\n    ") is None
    assert _summary_problem(None) == "no docstring"
    assert _summary_problem("  \n ") == "no docstring"
    assert "second line" in _summary_problem("The sum.\n    Of a tensor's elements.")
    assert "no final period" in _summary_problem("The sum of a tensor's\n    elements")
    assert "characters" in _summary_problem("x" * 100 + ".")
    assert "example" in _summary_problem(">>> numtorch.ones(2).sum().")


_ALIASES = [(d.name, a) for d in DECLARATIONS.values() if d.function for a in d.aliases]


@pytest.mark.parametrize(("op", "alias"), _ALIASES, ids=[a for _, a in _ALIASES])
def test_an_alias_says_what_it_aliases_and_has_its_signature(op: str, alias: str) -> None:
    fn, base = getattr(numtorch, alias), getattr(numtorch, op)
    assert fn.__doc__ == f"Alias for :func:`numtorch.{op}`."
    assert fn.__name__ == alias and fn.__wrapped__ is base
    assert fn.__signature__ == inspect.signature(base)
    assert fn.__annotations__ == base.__annotations__
    assert pickle.loads(pickle.dumps(fn)) is fn  # by name, as numtorch.<alias>


_INPLACE = [
    (d.fn, name + "_")
    for d in DECLARATIONS.values()
    if d.inplace
    for name in (d.name, *d.aliases)
    if hasattr(getattr(numtorch.Tensor, name + "_"), "__wrapped__")  # not hand-written
]


@pytest.mark.parametrize(("fn", "name"), _INPLACE, ids=[n for _, n in _INPLACE])
def test_a_derived_inplace_method_has_its_ops_signature_and_hints(fn, name: str) -> None:
    method = getattr(numtorch.Tensor, name)
    assert method.__name__ == name and method.__wrapped__ is fn
    assert method.__doc__.startswith("In-place ") and f":func:`numtorch.{fn.__name__}`" in (
        method.__doc__
    )
    params = list(method.__signature__.parameters.values())
    expected = list(inspect.signature(fn).parameters.values())
    assert params[0].name == "self" and params[1:] == expected[1:]
    assert method.__annotations__.get("return") == fn.__annotations__.get("return")


def test_most_declared_inplace_methods_are_derived() -> None:
    declared = sum(1 + len(d.aliases) for d in DECLARATIONS.values() if d.inplace)
    assert len(_INPLACE) > declared // 2


_OUT = sorted(d.name for d in DECLARATIONS.values() if d.out)


@pytest.mark.parametrize("name", _OUT)
def test_an_out_variant_shows_out_in_its_signature(name: str) -> None:
    fn = getattr(numtorch, name)
    out = inspect.signature(fn).parameters["out"]
    assert out.kind is inspect.Parameter.KEYWORD_ONLY and out.default is None
    assert fn.__wrapped__ is DECLARATIONS[name].fn and "out" in fn.__annotations__


def test_inspect_signature_works_on_every_public_callable() -> None:
    failed = []
    for name, obj in [*_namespace_callables(), *_tensor_methods()]:
        try:
            inspect.signature(obj)
        except ValueError as e:
            failed.append(f"{name} (defined in {_defined_in(obj)}): {e}")
    assert not failed, "\n".join(failed)


def test_py_typed_marker_ships_with_the_package() -> None:
    marker = _PACKAGE / "py.typed"
    assert marker.is_file() and marker.read_text() == ""
