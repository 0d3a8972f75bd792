"""One declaration per op; its variants are derived (PyTorch's ``native_functions.yaml``).

An op is a plain function of ``input`` first, written once in its family's module and declared
with ``@op``::

    @op(method=True, inplace=True, out=True, aliases=("absolute",))
    def abs(input: Tensor) -> Tensor:
        return ew.Abs.apply(check_tensor(input, "abs"))

That one line declares ``torch.abs`` (with ``out=``), ``Tensor.abs``, ``Tensor.abs_`` and the
same three for ``absolute``. ``inplace="function"`` also declares the namespace's in-place
function (``torch.abs_(x)``, which PyTorch has for some ops: it is ``x.abs_()``). ``numtorch.__all__`` is the list of declared functions, so nothing
undeclared leaks into the namespace, and ``attach`` (called once, when ``numtorch._namespace``
is imported) puts the methods on ``Tensor``:

* the method **is** the function (``Tensor.abs is numtorch.abs`` unless ``out=``): a method
  call costs nothing extra;
* the in-place method ``name_`` runs the function and writes the result into ``self`` through
  ``numtorch._namespace.inplace.inplace``, which keeps autograd's history correct;
* ``out=`` wraps only the namespace function: ``torch.abs(x, out=y)`` writes into ``y``.

``method=`` may also be a function (a method whose arguments differ from the function's, as
``Tensor.where(condition, other)`` does); ``function=False`` declares a method-only op
(``Tensor.view``).

Docstrings follow the same rule: the op's docstring is written once, at its declaration; a
method that is the function shares it, and the derived variants get generated ones ("Alias for
:func:`numtorch.acos`.", "In-place version of :func:`numtorch.abs`.") with the base's
``__signature__``, ``__annotations__`` and ``__wrapped__``, so ``inspect.signature`` and type
checkers see the real arguments.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Declaration",
    "op",
    "DECLARATIONS",
    "public_names",
    "namespace_functions",
    "inplace_functions",
    "attach",
    "describe",
]


@dataclass(frozen=True)
class Declaration:
    """Which variants of ``fn`` exist. ``name`` is the op's name (the function's own)."""

    name: str
    fn: Callable
    function: bool
    method: bool | Callable
    inplace: bool | str
    out: bool
    aliases: tuple[str, ...]


DECLARATIONS: dict[str, Declaration] = {}


def op(
    *,
    function: bool = True,
    method: bool | Callable = False,
    inplace: bool | str = False,
    out: bool = False,
    aliases: tuple[str, ...] = (),
    name: str | None = None,
) -> Callable[[Callable], Callable]:
    """Declare the decorated function as an op with the given variants (see the module doc).

    ``inplace=True`` declares ``Tensor.name_``; ``inplace="function"`` also ``torch.name_``.

    ``name`` overrides the function's own name (for a method-only adapter such as
    ``_where_method``, declared as ``where``'s method).
    """

    if inplace not in (True, False, "function"):
        raise ValueError(f"inplace must be True, False or 'function', got {inplace!r}")

    def declare(fn: Callable) -> Callable:
        key = name or fn.__name__
        public = numpy_names(fn)
        if key in DECLARATIONS:
            DECLARATIONS[key] = _merge(DECLARATIONS[key], public, function, method, inplace)
        else:
            DECLARATIONS[key] = Declaration(key, public, function, method, inplace, out, aliases)
        return public  # the module's name is the public object, so pickle finds it there

    return declare


def numpy_names(fn: Callable) -> Callable:
    """``fn``, accepting NumPy's ``axis=`` and ``keepdims=`` for its ``dim=`` and ``keepdim=``
    as PyTorch's argument parser does for every op with those arguments (``fn`` itself where it
    has neither, or already takes the NumPy names). A call without keywords goes straight
    through."""
    params = list(inspect.signature(fn).parameters)
    renames = [(alias, own) for alias, own in _NUMPY_NAMES if own in params and alias not in params]
    if not renames:
        return fn
    position = {own: params.index(own) for _, own in renames}

    @functools.wraps(fn)
    def with_numpy_names(*args, **kwargs):
        if not kwargs:  # the common call: nothing to rename
            return fn(*args)
        for alias, own in renames:
            if alias in kwargs:
                if own in kwargs or len(args) > position[own]:
                    raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{alias}'")
                kwargs[own] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return with_numpy_names


_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))


def _merge(old: Declaration, fn: Callable, function: bool, method, inplace) -> Declaration:
    """A second declaration of one name adds a variant (a method adapter) to the first."""
    if function:
        raise ValueError(f"op {old.name!r} is declared twice")
    adapter = fn if method is True else method
    return Declaration(
        old.name, old.fn, old.function, adapter or old.method, inplace or old.inplace,
        old.out, old.aliases,
    )  # fmt: skip


def public_names() -> list[str]:
    """Every name the ``numtorch`` namespace gets from the declarations, sorted."""
    names = []
    for d in DECLARATIONS.values():
        if d.function:
            names.append(d.name)
            names.extend(d.aliases)
        if d.inplace == "function":
            names.extend(name + "_" for name in (d.name, *d.aliases))
    return sorted(names)


def namespace_functions(write_out: Callable) -> dict[str, Callable]:
    """``{name: function}`` for the ``numtorch`` namespace, with an ``out=`` wrapper where
    declared; ``write_out(out, result, name)`` writes a result into ``out``."""
    found = {}
    for d in DECLARATIONS.values():
        if d.function:
            fn = _with_out(d.fn, write_out) if d.out else d.fn
            found[d.name] = fn
            for alias in d.aliases:
                found[alias] = _alias(fn, alias, d.name)
    return found


def inplace_functions(cls: type) -> dict[str, Callable]:
    """``{name_: function}`` for the declarations with ``inplace="function"``: the namespace's
    ``torch.abs_(x)`` is ``x.abs_()`` (``attach`` must have run)."""
    return {
        name + "_": getattr(cls, name + "_")
        for d in DECLARATIONS.values()
        if d.inplace == "function"
        for name in (d.name, *d.aliases)
    }


def attach(cls: type, inplace: Callable) -> None:
    """Put every declared method and in-place method on ``cls`` (``Tensor``).

    ``inplace(target, fn, *args, **kwargs)`` writes ``fn(target, ...)`` into ``target``.
    """
    for d in DECLARATIONS.values():
        method = d.fn if d.method is True else d.method
        for name in (d.name, *d.aliases):
            if method:
                setattr(cls, name, method)
            if d.inplace:
                setattr(cls, name + "_", _inplace_method(name + "_", d.fn, inplace))


def _inplace_method(name: str, fn: Callable, inplace: Callable) -> Callable:
    def method(self, *args, **kwargs):
        return inplace(self, fn, *args, **kwargs)

    return describe(method, name, fn, f"In-place version of :func:`numtorch.{fn.__name__}`.")


def describe(method: Callable, name: str, fn: Callable, doc: str) -> Callable:
    """Name ``method`` (a generated in-place method of ``fn``) and give it ``doc`` and ``fn``'s
    signature and hints, with ``self`` for ``fn``'s first argument."""
    method.__name__, method.__qualname__ = name, f"Tensor.{name}"
    method.__module__ = "numtorch"  # pickle finds it as numtorch.Tensor.<name>
    method.__doc__ = doc
    method.__wrapped__ = fn
    annotations = dict(getattr(fn, "__annotations__", {}))
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - every declared op has a signature
        return method
    params = list(signature.parameters.values())
    if params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        if params[0].name in annotations:
            annotations["self"] = annotations.pop(params[0].name)
        params[0] = params[0].replace(name="self")
    method.__signature__ = signature.replace(parameters=params)
    method.__annotations__ = annotations
    return method


def _alias(fn: Callable, name: str, of: str) -> Callable:
    """``fn`` under the name ``name``: a copy of the function object (the same code, so no call
    in between) whose docstring says which op it is. It is ``numtorch.<name>`` to ``pickle``."""
    alias = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    alias.__dict__.update(fn.__dict__)
    alias.__kwdefaults__ = fn.__kwdefaults__
    alias.__qualname__ = name
    alias.__module__ = "numtorch"
    alias.__annotations__ = dict(fn.__annotations__)
    alias.__signature__ = inspect.signature(fn)
    alias.__wrapped__ = fn
    alias.__doc__ = f"Alias for :func:`numtorch.{of}`."
    return alias


def _with_out(fn: Callable, write_out: Callable) -> Callable:
    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        return result if out is None else write_out(out, result, fn.__name__)

    with_out.__signature__ = _add_out(inspect.signature(fn))
    with_out.__annotations__ = {**fn.__annotations__, "out": "Tensor | None"}
    with_out.__module__, with_out.__qualname__ = "numtorch", fn.__name__  # pickle: numtorch.<name>
    return with_out


def _add_out(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` with PyTorch's keyword-only ``out: Tensor | None = None``."""
    params = list(signature.parameters.values())
    if any(p.name == "out" for p in params):
        return signature
    keyword = inspect.Parameter.KEYWORD_ONLY
    out = inspect.Parameter("out", keyword, default=None, annotation="Tensor | None")
    at = len(params) - (bool(params) and params[-1].kind is inspect.Parameter.VAR_KEYWORD)
    return signature.replace(parameters=[*params[:at], out, *params[at:]])
