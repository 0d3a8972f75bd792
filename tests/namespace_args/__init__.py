"""The argument tables of tests/test_namespace.py's generated in-place and ``out=`` tests, one
module per op family so each family adds its rows in its own file; merged here. A name may
appear in one module only."""

from __future__ import annotations

from namespace_args import (
    comparison,
    core,
    creation,
    indexing,
    linalg,
    pointwise,
    reduction,
    shape,
)

_MODULES = (core, pointwise, comparison, reduction, shape, indexing, linalg, creation)


def _merged(table: str) -> dict:
    merged: dict = {}
    for module in _MODULES:
        rows = getattr(module, table)
        twice = set(merged) & set(rows)
        if twice:
            raise ValueError(f"{table}: {sorted(twice)} appear in two modules")
        merged.update(rows)
    return merged


INPLACE_ARGS = _merged("INPLACE_ARGS")
INPLACE_VALUES = _merged("INPLACE_VALUES")
OUT_ARGS = _merged("OUT_ARGS")
