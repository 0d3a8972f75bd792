"""The op declarations (numtorch/_namespace/_declare.py) and what they derive: the namespace,
``Tensor``'s methods, the in-place variants and ``out=``. The in-place and ``out=`` parity
tests are generated from the declarations, so no declared variant goes untested."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close
from namespace_args import INPLACE_ARGS, INPLACE_VALUES, OUT_ARGS

import numtorch
from numtorch._namespace._declare import DECLARATIONS, public_names

_VARIANT_NAMES = [(d, name) for d in DECLARATIONS.values() for name in (d.name, *d.aliases)]

# Names numtorch leaked before the declarations existed; PyTorch's top level has none of them.
_FORMER_LEAKS = (
    "bernoulli_ contiguous copy_ expand get_printoptions index inplace normal_ normalize_dim "
    "to uniform_ view"
).split()


def test_namespace_is_the_declared_functions_plus_the_listed_core() -> None:
    declared = set(public_names())
    assert declared <= set(numtorch.__all__)
    assert len(numtorch.__all__) == len(set(numtorch.__all__))
    for name in _FORMER_LEAKS:
        assert not hasattr(numtorch, name), name


@pytest.mark.parametrize("name", sorted(numtorch.__all__))
def test_every_public_name_is_pytorchs(name: str) -> None:
    assert hasattr(torch, name), f"torch has no {name}"


@pytest.mark.parametrize(("decl", "name"), _VARIANT_NAMES, ids=[n for _, n in _VARIANT_NAMES])
def test_declared_variants_exist_in_pytorch_and_numtorch(decl, name: str) -> None:
    if decl.function:
        assert hasattr(torch, name) and callable(getattr(numtorch, name))
    if decl.method:
        method = getattr(numtorch.Tensor, name)
        assert hasattr(torch.Tensor, name) and (callable(method) or isinstance(method, property))
    if decl.inplace:
        assert hasattr(torch.Tensor, name + "_") and callable(getattr(numtorch.Tensor, name + "_"))


def test_a_method_is_the_function_itself() -> None:
    """No wrapper between ``x.abs()`` and ``torch.abs``'s body: a method call costs nothing."""
    assert numtorch.Tensor.abs is DECLARATIONS["abs"].fn
    assert numtorch.Tensor.absolute is DECLARATIONS["abs"].fn
    assert numtorch.Tensor.view is DECLARATIONS["view"].fn


def test_a_second_declaration_of_a_name_is_refused() -> None:
    from numtorch._namespace._declare import op

    before = dict(DECLARATIONS)
    with pytest.raises(ValueError, match="op 'abs' is declared twice"):
        op(name="abs")(lambda input: input)
    assert DECLARATIONS == before


# ---------------------------------------------------------------- in-place variants

# Extra arguments of in-place ops that take more than ``self`` (every other one is unary),
# inputs whose domain excludes the default values (which lie in (0.75, 1.9)), and the
# arguments of ``out=`` ops: per family, in tests/namespace_args/.
_INPLACE_ARGS, _INPLACE_VALUES, _OUT_ARGS = INPLACE_ARGS, INPLACE_VALUES, OUT_ARGS
_INPLACE = [(d, n) for d, n in _VARIANT_NAMES if d.inplace]


@pytest.mark.parametrize(("decl", "name"), _INPLACE, ids=[n + "_" for _, n in _INPLACE])
def test_inplace_variant_matches_pytorch_values_and_gradient(decl, name: str) -> None:
    """``y = x * 1; y.op_(...)``: the same values as torch, written into y's storage, and the
    same gradient for x (the history before the write is kept)."""
    values = np.array(_INPLACE_VALUES.get(decl.name, [0.75, 1.25, 1.9]), dtype=np.float32)
    results = []
    for lib in (torch, numtorch):
        x = lib.tensor(values, requires_grad=True)
        y = x * 1
        args = _INPLACE_ARGS.get(decl.name, lambda lib: ())(lib)
        out = getattr(y, name + "_")(*args)
        assert out is y
        y.backward(lib.tensor(np.resize(np.float32([1.0, -2.0, 0.5]), values.shape)))
        results.append((y.detach(), x.grad + 0))  # + 0: PyTorch's zero gradients (sgn_) are lazy
    (ty, tg), (ny, ng) = results
    assert_close(ny, ty, 1e-6, 1e-6, f"{name}_ values")
    assert_close(ng, tg, 1e-6, 1e-6, f"{name}_ gradient")


@pytest.mark.parametrize("name", ["asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_"])
def test_inplace_variants_without_a_derivative_raise_pytorchs_error_in_backward(name: str) -> None:
    """PyTorch's ``asinh_``, ``acosh_`` and ``atanh_`` compute, record a node
    (``AsinhBackward1``, ...) and raise ``NotImplementedError`` only when backward reaches it."""
    op = name.removeprefix("arc").rstrip("_")
    op = op if op.startswith("a") else "a" + op
    values = np.array([1.25, 3.0, 1.9] if op == "acosh" else [0.25, -0.5, 0.9], np.float32)
    found = []
    for lib in (torch, numtorch):
        plain = lib.tensor(values)
        assert getattr(plain, name)() is plain
        x = lib.tensor(values, requires_grad=True)
        y = x * 1
        getattr(y, name)()
        found.append((plain, y.detach(), y.grad_fn.name()))
        with pytest.raises(
            NotImplementedError, match=f"the derivative for 'inplace version of {op}' is not"
        ):
            y.sum().backward()
    (tp, ty, tname), (np_, ny, nname) = found
    assert_close(np_, tp, 1e-6, 1e-6, name)
    assert_close(ny, ty, 1e-6, 1e-6, name)
    assert nname == tname


_INPLACE_FUNCTIONS = [(d, n) for d, n in _INPLACE if d.inplace == "function"]


@pytest.mark.parametrize(
    ("decl", "name"), _INPLACE_FUNCTIONS, ids=[n + "_" for _, n in _INPLACE_FUNCTIONS]
)
def test_inplace_function_is_pytorchs_and_writes_into_its_input(decl, name: str) -> None:
    """``torch.abs_(y)`` (declared with ``inplace="function"``) is ``y.abs_()``."""
    values = np.array(_INPLACE_VALUES.get(decl.name, [0.75, 1.25, 1.9]), dtype=np.float32)
    results = []
    for lib in (torch, numtorch):
        y = lib.tensor(values)
        args = _INPLACE_ARGS.get(decl.name, lambda lib: ())(lib)
        assert getattr(lib, name + "_")(y, *args) is y
        results.append(y)
    assert_close(results[1], results[0], 1e-6, 1e-6, f"torch.{name}_")


def test_inplace_args_table_names_only_declared_inplace_ops() -> None:
    declared = {d.name for d, _ in _INPLACE}
    assert set(_INPLACE_ARGS) <= declared
    assert set(_INPLACE_VALUES) <= declared


# ---------------------------------------------------------------- out=

_X = np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]], np.float32)
_BOOL = np.array([[True, False, True], [False, False, True]])
_INT = np.array([[3, 5, 6], [1, 0, 7]], np.int64)


def _arrays() -> dict:
    return {
        "x": _X,
        "y": _X[::-1] + 1,
        "pos": np.abs(_X) + 0.5,
        "unit": np.tanh(_X),
        "above_one": np.abs(_X) + 1.5,
        "b": _BOOL,
        "b2": ~_BOOL,
        "i": _INT,
        "i2": _INT[::-1].copy(),
        "xt": _X.T.copy(),
        "x3": np.stack([_X, _X * 2]),
        "x3t": np.stack([_X.T, _X.T]).copy(),
    }


def _out_call(lib, name: str):
    spec = _OUT_ARGS.get(name, (("x",), ()))
    if callable(spec):
        return spec(lib)
    inputs, extra = spec
    arrays = _arrays()
    if inputs == ("list",):
        tensors = [lib.tensor(_X), lib.tensor(_X * 3)]
        return (tensors, *extra)
    tensors = tuple(lib.tensor(arrays[k].copy()) for k in inputs)
    extra = tuple(lib.tensor(np.array([[0, 2], [1, 1]])) if e == "idx" else e for e in extra)
    return (*tensors, *extra)


_OUT = sorted(d.name for d in DECLARATIONS.values() if d.out)


@pytest.mark.parametrize("name", _OUT)
def test_out_variant_writes_pytorchs_result_into_out(name: str) -> None:
    results = []
    for lib in (torch, numtorch):
        expected = getattr(lib, name)(*_out_call(lib, name))
        out = (lib.ones(expected.shape) * 7).to(expected.dtype)  # not the answer anywhere
        returned = getattr(lib, name)(*_out_call(lib, name), out=out)
        assert returned is out
        results.append(out)
    assert_close(results[1], results[0], 1e-6, 1e-6, f"{name}(out=)")


def test_out_args_table_names_only_declared_out_ops() -> None:
    assert set(_OUT_ARGS) <= set(_OUT)


def test_out_refuses_autograd_and_warns_on_resize_like_pytorch() -> None:
    for lib in (torch, numtorch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.exp(x, out=lib.empty(3))
        out = lib.zeros(2)
        with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
            lib.add(lib.ones(3), 1.0, out=out)
        assert out.shape == (3,) and out.tolist() == [2.0, 2.0, 2.0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.add(lib.ones(3), 1.0, out=lib.empty(0))  # an empty out resizes silently
        with pytest.raises(RuntimeError, match="result type Float can't be cast"):
            lib.add(lib.ones(3), 1.0, out=lib.zeros(3, dtype=lib.int64))


def test_every_function_and_method_pickles_as_itself() -> None:
    """``functools.partial(torch.softmax, dim=1)`` in a saved module, a method in a pickled
    callback: pickle finds every namespace function, ``out=`` variant, alias and (in-place)
    method under its own name, and gets the same object back."""
    import pickle

    functions = [getattr(numtorch, n) for n in numtorch.__all__]
    methods = [
        getattr(numtorch.Tensor, n)
        for n in dir(numtorch.Tensor)
        if not n.startswith("_") and type(getattr(numtorch.Tensor, n)).__name__ == "function"
    ]
    for fn in functions + methods:
        if callable(fn) and type(fn).__name__ == "function":
            assert pickle.loads(pickle.dumps(fn)) is fn, fn.__qualname__
