"""The input-validation audit: one test per row of ``docs/errors.md``.

The tables in ``docs/errors.md`` are the single source: each row names a snippet, the exception
type numtorch raises, a fragment of its message, and whether PyTorch raises the same type. This
module parses them, so the document and the tests cannot drift apart.
"""

from __future__ import annotations

import builtins
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import numtorch

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
_CELL = re.compile(r"^`(.*)`$")


@dataclass(frozen=True)
class Row:
    number: int
    area: str
    api: str
    snippet: str
    exception: str
    fragment: str
    pytorch: str
    note: str

    @property
    def xfail(self) -> str | None:
        return self.note[len("xfail:") :].strip() if self.note.startswith("xfail:") else None


def _code(cell: str, where: str) -> str:
    match = _CELL.match(cell)
    if match is None:
        raise ValueError(f"{where}: expected a `code` cell, got {cell!r}")
    return match.group(1)


def parse(text: str) -> tuple[list[Row], dict[str, int]]:
    """The rows of every ``## area`` table, and the area -> row-count summary table."""
    rows, summary, area = [], {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            area = line[3:].strip()
            continue
        if not line.startswith("| ") or line.startswith(("| #", "| area")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 2:  # the summary table: | area | rows |
            summary[cells[0]] = int(cells[1])
            continue
        if len(cells) != 7:
            raise ValueError(f"malformed row ({len(cells)} cells): {line}")
        number, api, snippet, exc, fragment, pytorch, note = cells
        where = f"row {number}"
        rows.append(
            Row(int(number), area, api, _code(snippet, where), exc, _code(fragment, where),
                pytorch, note)
        )  # fmt: skip
    return rows, summary


ROWS, SUMMARY = parse(DOC.read_text(encoding="utf-8"))


def _namespace(lib) -> dict:
    p = lib.randn(2, requires_grad=True)
    return {
        "torch": lib,
        "nn": lib.nn,
        "F": lib.nn.functional,
        "optim": lib.optim,
        "data": lib.utils.data,
        "io": io,
        "np": np,
        "p": p,
        "opt": lib.optim.SGD([p], lr=0.1),
    }


def _raised(lib, snippet: str) -> BaseException | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(snippet, _namespace(lib))  # noqa: S102 - the snippets are this repo's docs
        except Exception as error:  # noqa: BLE001 - the error is what is under test
            return error
    return None


def _message(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error)


def _param(row: Row):
    marks = [pytest.mark.xfail(strict=True, reason=row.xfail)] if row.xfail else []
    return pytest.param(row, id=f"{row.number}-{row.api}", marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_row(row: Row) -> None:
    expected = getattr(builtins, row.exception)
    if row.pytorch == "same":
        theirs = _raised(torch, row.snippet)
        assert isinstance(theirs, expected), f"PyTorch raised {theirs!r}, not {row.exception}"
    ours = _raised(numtorch, row.snippet)
    assert isinstance(ours, expected), f"numtorch raised {ours!r}, not {row.exception}"
    assert row.fragment in _message(ours), f"{row.fragment!r} not in {_message(ours)!r}"


@pytest.mark.parametrize("row", [_param(r) for r in ROWS if r.pytorch.startswith("differs")])
def test_documented_difference_is_real(row: Row) -> None:
    """A ``differs: X`` row says what PyTorch does; keep that claim true."""
    theirs = _raised(torch, row.snippet)
    claimed = row.pytorch.split(":", 1)[1].strip()
    got = "no error" if theirs is None else type(theirs).__name__
    assert got == claimed
    assert not isinstance(theirs, getattr(builtins, row.exception))


def test_table_is_well_formed() -> None:
    assert len(ROWS) >= 150
    assert [r.number for r in ROWS] == list(range(1, len(ROWS) + 1))
    assert len({r.snippet for r in ROWS}) == len(ROWS), "duplicate snippets"
    for row in ROWS:
        assert isinstance(getattr(builtins, row.exception, None), type), row
        assert issubclass(getattr(builtins, row.exception), BaseException), row
        assert row.fragment, row
        assert row.pytorch in ("same", "n/a") or row.pytorch.startswith("differs: "), row
        assert not row.pytorch.startswith("differs") or row.note, f"row {row.number}: say why"
    counts: dict[str, int] = {}
    for row in ROWS:
        counts[row.area] = counts.get(row.area, 0) + 1
    assert counts == SUMMARY, "the summary table in docs/errors.md is out of date"


def test_rows_leave_global_state_alone() -> None:
    """Snippets like ``manual_seed('a')`` must fail before they change anything."""
    for row in ROWS:
        if "seed" in row.snippet or "default_dtype" in row.snippet or "grad_enabled" in row.snippet:
            _raised(numtorch, row.snippet)
    assert numtorch.get_default_dtype() is numtorch.float32
    assert numtorch.is_grad_enabled()


def test_parse_rejects_a_malformed_row() -> None:
    with pytest.raises(ValueError, match="malformed row"):
        parse("## x\n| 1 | api | `x` | ValueError |\n")
    with pytest.raises(ValueError, match="expected a `code` cell"):
        parse("## x\n| 1 | api | x | ValueError | `m` | same |  |\n")
