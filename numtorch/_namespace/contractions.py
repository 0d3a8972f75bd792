"""``einsum``: PyTorch's equation parsing and checks, with one ``Einsum`` primitive under it.

The equation is rewritten with explicit letters (each dimension an ellipsis covers gets a
letter the equation does not use), so the primitive sees only ``np.einsum``'s own notation.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from numtorch._checks import type_name
from numtorch._namespace._declare import op
from numtorch.ops import linalg as la
from numtorch.tensor import Tensor

_LETTERS = set(string.ascii_letters)


@op()
def einsum(*args: object) -> Tensor:
    """Sum products of the operands' elements along Einstein-summation dimensions.

    Sums of products of the operands' elements along the dimensions an Einstein-summation
    equation names: ``einsum("ij,jk->ik", a, b)``, the operands also as one list, or the
    sublist format ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if len(args) < 2:
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least "
            "one operand and its subscripts list"
        )
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
    else:
        equation, operands = _from_sublists(args)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, o in enumerate(operands):
        if not isinstance(o, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 1, but got {type(o).__name__}"
            )
    labels, output, sizes = _parse(equation, operands)
    for o in operands[1:]:
        if o.dtype is not operands[0].dtype:
            raise RuntimeError(
                f"expected scalar type {type_name(operands[0].dtype)} but found "
                f"{type_name(o.dtype)}"
            )
    return la.Einsum.apply(*operands, labels=labels, output=output, sizes=sizes)


def _from_sublists(args: tuple) -> tuple:
    """torch's sublist format as an equation string and the operands."""
    equation = ",".join("".join(_subscript(s) for s in sub) for sub in args[1::2])
    if len(args) % 2:
        equation += "->" + "".join(_subscript(s) for s in args[-1])
        return equation, args[:-1:2]
    return equation, args[::2]


def _subscript(n: object) -> str:
    if n is Ellipsis:
        return "..."
    if isinstance(n, int) and 0 <= n < 26:
        return chr(ord("A") + n)
    if isinstance(n, int) and 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")


def _terms(equation: str, start: int, text: str, output: bool = False) -> list:
    """The comma-separated terms of ``text`` (at ``start`` in ``equation``), each a list of
    letters with ``"..."`` for an ellipsis, checking every character as PyTorch does (the
    output is one term: a comma there is an invalid subscript)."""
    terms: list = []
    term: list = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "," and not output:
            terms.append(term)
            term = []
        elif c == ".":
            _check_ellipsis(text, i, term, "output" if output else f"operand {len(terms)}")
            term.append("...")
            i += 2
        elif c in _LETTERS:
            term.append(c)
        elif not c.isspace():
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {start + i} in the equation "
                "string, subscripts must be in [a-zA-Z]"
            )
        i += 1
    return [*terms, term]


def _check_ellipsis(text: str, i: int, term: list, where: str) -> None:
    if text[i : i + 3] != "...":
        suffix = " (...)" if where == "output" else ""
        raise RuntimeError(
            f"einsum(): found '.' for {where} that is not part of any ellipsis{suffix}"
        )
    if "..." in term:
        raise RuntimeError(
            f"einsum(): found '.' for {where} for which an ellipsis was already found"
        )


def _parse(equation: str, operands: Sequence[Tensor]) -> tuple:
    """``(labels per operand, output labels, {label: size})`` with ellipses made explicit."""
    lhs, arrow, rhs = equation.partition("->")
    terms = _terms(equation, 0, lhs)
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    spare = [c for c in string.ascii_letters if c not in equation]
    n_ell = max(
        (_ellipsis_dims(t, o, i) for i, (t, o) in enumerate(zip(terms, operands))), default=0
    )
    ell = "".join(spare[:n_ell])
    labels = tuple(_explicit(t, ell, o.ndim) for t, o in zip(terms, operands))
    sizes = _sizes(labels, operands, ell)
    if arrow:
        output = _output(_terms(equation, len(lhs) + 2, rhs, output=True)[0], labels, ell)
    else:
        counts = "".join(labels)
        output = ell + "".join(sorted(c for c in set(counts) - set(ell) if counts.count(c) == 1))
    return labels, output, sizes


def _ellipsis_dims(term: list, operand: Tensor, i: int) -> int:
    """How many dimensions ``term``'s ellipsis covers in ``operand`` (0 without one)."""
    n = len(term) - ("..." in term)
    if "..." not in term and n != operand.ndim:
        raise RuntimeError(
            f"einsum(): the number of subscripts in the equation ({n}) does not match the "
            f"number of dimensions ({operand.ndim}) for operand {i} and no ellipsis was given"
        )
    if n > operand.ndim:
        raise RuntimeError(
            f"einsum(): the number of subscripts in the equation ({n}) is more than the number "
            f"of dimensions ({operand.ndim}) for operand {i}"
        )
    return operand.ndim - n if "..." in term else 0


def _explicit(term: list, ell: str, ndim: int) -> str:
    """``term`` with its ellipsis replaced by the last letters of ``ell`` (right-aligned)."""
    if "..." not in term:
        return "".join(term)
    covered = ndim - len(term) + 1
    k = term.index("...")
    return "".join(term[:k]) + ell[len(ell) - covered :] + "".join(term[k + 1 :])


def _sizes(labels: tuple, operands: Sequence[Tensor], ell: str) -> dict:
    """Each label's size; a size-1 dimension broadcasts, any other mismatch is an error."""
    sizes: dict = {}
    for i, (subs, o) in enumerate(zip(labels, operands)):
        mine: dict = {}
        for c, n in zip(subs, o.shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                    f"match, {n} != {mine[c]}"
                )
            mine[c] = n
        for c, n in mine.items():
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise _size_error(c, n, seen, i, subs, ell)
            sizes[c] = n if seen == 1 else seen
    return sizes


def _size_error(c: str, n: int, seen: int, i: int, subs: str, ell: str) -> RuntimeError:
    if c not in ell:
        return RuntimeError(
            f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
            f"with previously seen size {seen}"
        )
    return RuntimeError(
        f"einsum(): dimension {subs.index(c)} covered by ellipsis in operand {i}has size {n} "
        f"which does not broadcast with previously seen ellipsis with size {seen} for the "
        "respective dimension"
    )


def _output(term: list, labels: tuple, ell: str) -> str:
    """The explicit output subscripts, checked as PyTorch checks them."""
    out = ""
    used = set("".join(labels))
    for c in term:
        if c == "...":
            out += ell
            continue
        if c in out:
            raise RuntimeError(
                f"einsum(): output subscript {c} appears more than once in the output"
            )
        if c not in used:
            raise RuntimeError(
                f"einsum(): output subscript {c} does not appear in the equation for any input "
                "operand"
            )
        out += c
    return out
