"""``torch.autograd.functional``: Jacobians and vector-Jacobian products of a whole function.

``vjp`` and ``jacobian`` run numtorch's reverse mode (``jacobian`` one backward pass per output
element, as PyTorch's default ``vectorize=False``); ``jvp`` multiplies that Jacobian by ``v``
(PyTorch gets it from a double backward, which numtorch does not have). ``hessian``, ``hvp``,
``vhp`` and ``create_graph=True`` need second derivatives and raise ``NotImplementedError``, as
``backward(create_graph=True)`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numtorch import _namespace
from numtorch.autograd.engine import _no_create_graph, grad
from numtorch.autograd.grad_mode import enable_grad
from numtorch.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(value: Any, arg: str, fn: str) -> tuple[bool, tuple]:
    """(whether ``value`` was a tuple, ``value`` as a tuple of tensors), with PyTorch's error."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, v in enumerate(items):
        if not isinstance(v, Tensor):
            kind = f"{type(v)} at index {i}" if is_tuple else f"{type(v)}"
            raise TypeError(
                f"The {arg} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                f"given {arg} has type {kind}."
            )
    return is_tuple, tuple(items)


def _outputs(func: Callable, inputs: tuple, fn: str) -> tuple[bool, tuple, tuple]:
    """Run ``func`` on fresh leaves requiring grad: (outputs were a tuple, outputs, leaves)."""
    leaves = tuple(x.detach().requires_grad_(True) for x in inputs)
    with enable_grad():
        out = func(*leaves)
    try:
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", fn)
    except TypeError:
        raise TypeError(
            f"The outputs of the user-provided function given to {fn} must be either a Tensor "
            f"or a tuple of Tensors but the given outputs of the user-provided function has "
            f"type {type(out)}."
        ) from None
    return is_tuple, outs, leaves


def _require_grad(outs: tuple, strict: bool) -> None:
    if strict:
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The "
                    "outputs must be computed in a differentiable manner from the input when "
                    "running in strict mode."
                )


def _grads(outs: tuple, leaves: tuple, seeds: tuple, independent: Callable | None) -> list:
    """Gradients of ``outs`` (seeded) with respect to each leaf; zeros where one does not
    depend on a leaf, or (strict) the error ``independent(i)`` says."""
    live = [(o, s) for o, s in zip(outs, seeds) if o.requires_grad]
    found = [None] * len(leaves)
    if live:
        outputs, seeds = [o for o, _ in live], [s for _, s in live]
        found = list(grad(outputs, leaves, seeds, retain_graph=True, allow_unused=True))
    result = []
    for i, (g, leaf) in enumerate(zip(found, leaves)):
        if g is None:
            if independent is not None:
                raise RuntimeError(independent(i))
            g = _namespace.zeros_like(leaf)
        result.append(g.detach())
    return result


def _validate_v(v: tuple, other: tuple, is_tuple: bool) -> None:
    """PyTorch's checks of ``v`` against the tensors it multiplies."""
    if len(v) != len(other):
        if is_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if is_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}."
            )


def vjp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    if create_graph:
        _no_create_graph()
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    out_tuple, outs, leaves = _outputs(func, ins, "vjp")
    _require_grad(outs, strict)
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
        seeds = (_namespace.ones_like(outs[0]),)
    else:
        seeds = _as_tuple(v, "v", "vjp")[1]
        _validate_v(seeds, outs, out_tuple)
    independent = (
        (
            lambda i: (
                f"The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode."
            )
        )
        if strict
        else None
    )
    grads = _grads(outs, leaves, seeds, independent)
    values = tuple(o.detach() for o in outs)
    return (values if out_tuple else values[0]), (tuple(grads) if in_tuple else grads[0])


def _jacobian_blocks(outs: tuple, leaves: tuple, strict: bool) -> list[list]:
    """``blocks[k][i]``: d outs[k] / d leaves[i], of shape ``outs[k].shape + leaves[i].shape``,
    one backward pass per output element (PyTorch's ``vectorize=False``)."""
    blocks = []
    for k, out in enumerate(outs):
        independent = (
            (
                lambda i, k=k: (
                    f"Output {k} of the user-provided function is independent of "
                    f"input {i}. This is not allowed in strict mode."
                )
            )
            if strict
            else None
        )
        rows: list[list] = [[] for _ in leaves]
        for j in range(out.numel()):
            seed = _namespace.zeros_like(out).reshape(-1)
            seed[j] = 1
            seeds = tuple(
                seed.reshape(out.shape) if m == k else _namespace.zeros_like(o)
                for m, o in enumerate(outs)
            )
            for i, g in enumerate(_grads(outs, leaves, seeds, independent)):
                rows[i].append(g)
        blocks.append(
            [
                _namespace.stack(r).reshape(out.shape + leaf.shape)
                if r
                else _namespace.zeros(out.shape + leaf.shape, dtype=leaf.dtype)
                for r, leaf in zip(rows, leaves)
            ]
        )
    return blocks


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for each output and input, a tensor of shape
    ``output.shape + input.shape`` (nested as PyTorch nests them for tuples)."""
    _check_strategy(strategy, create_graph, strict, vectorize)
    if create_graph:
        _no_create_graph()
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    out_tuple, outs, leaves = _outputs(func, ins, "jacobian")
    _require_grad(outs, strict)
    blocks = _jacobian_blocks(outs, leaves, strict)
    per_output = [tuple(b) if in_tuple else b[0] for b in blocks]
    return tuple(per_output) if out_tuple else per_output[0]


def _check_strategy(strategy: str, create_graph: bool, strict: bool, vectorize: bool) -> None:
    """PyTorch's refusals of argument combinations. (A forward-mode Jacobian, which PyTorch
    computes with forward AD, is computed in reverse mode: the same numbers.)"""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`strict=False` or `strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`."
            )
    elif strict and vectorize:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )


def jvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector product, from the Jacobian (``func`` runs
    once)."""
    if create_graph:
        _no_create_graph()
    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(ins) != 1 or ins[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        vs = (_namespace.ones_like(ins[0]),)
    else:
        vs = _as_tuple(v, "v", "jvp")[1]
        _validate_v(vs, ins, in_tuple)
    out_tuple, outs, leaves = _outputs(func, ins, "jvp")
    _require_grad(outs, strict)
    products = []
    for out, row in zip(outs, _jacobian_blocks(outs, leaves, strict)):
        total = _namespace.zeros(out.shape, dtype=out.dtype)
        for block, vec in zip(row, vs):
            flat = block.reshape(out.numel(), -1) @ vec.reshape(-1).to(block.dtype)
            total = total + flat.reshape(out.shape).to(out.dtype)
        products.append(total)
    values = tuple(o.detach() for o in outs)
    return (values if out_tuple else values[0]), (tuple(products) if out_tuple else products[0])


def hessian(func: Callable, inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """Needs second derivatives, which numtorch does not have."""
    _no_create_graph()


def hvp(func: Callable, inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """Needs second derivatives, which numtorch does not have."""
    _no_create_graph()


def vhp(func: Callable, inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """Needs second derivatives, which numtorch does not have."""
    _no_create_graph()
