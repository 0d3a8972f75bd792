"""The pickle safety scan (``numtorch._pickle_scan``) on the numba or the pure-Python path.

The Python path is the reference: ``scan_from`` walks the opcodes with ``pickletools.genops``
(which reads each length against the bytes present) and simulates the unpickler's stack of
nesting depths and its memo. The numba path (``_numba_pickle_scan.walk``) runs the same
simulation over a uint8 array, driven by one table per opcode byte (argument layout, what it
validates, its stack effect), at a few hundred MB/s. It never formats a message itself:

* where the walk finds anything wrong (or a form it does not model: a text ``PUT``/``GET``
  index that is not plain digits), it stops at that opcode and hands the rest of the pickle,
  with its stack and memo, to ``scan_from``, which raises exactly what the reference would;
* arguments whose text or UTF-8 it cannot prove valid, and each distinct ``GLOBAL`` (for the
  ``on_global`` vetting), are *deferred*: their positions are queued, and Python reads them
  with ``pickletools`` in order (raising the reference's error, or calling ``on_global``)
  before anything at a later position is reported. Their stack effect does not depend on the
  argument, so the walk goes on meanwhile.
"""

from __future__ import annotations

import io
import pickletools
from collections.abc import Callable

import numpy as np

from numtorch._kernels import numba_module

__all__ = ["scan", "scan_from", "scan_reference", "tables"]

_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}
_GLOBALS = {"GLOBAL", "STACK_GLOBAL", "EXT1", "EXT2", "EXT4"}
_IN_PLACE = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
_MARK = -1
_GLOBAL = 1 << 20  # flag bit on a stack item: the value is a global (class, function, constant)
_DEPTH = _GLOBAL - 1

# numba walk statuses (``state[4]``) and the slots of ``state``
DONE, STOPPED, PAUSED, HANDED_OVER = 0, 1, 2, 3
POS, SP, NMEMO, NDEF, STATUS = range(5)


def _table() -> dict[str, tuple[int, bool, int, bool, bool]]:
    """Per opcode name: how many items it pops (besides a MARK), whether it pops through a MARK,
    how many it pushes, whether it changes a container in place, whether it pushes a global."""
    table = {}
    for op in pickletools.opcodes:
        before = op.stack_before
        marked = pickletools.markobject in before
        count = before.index(pickletools.markobject) if marked else len(before)
        table[op.name] = (count, marked, len(op.stack_after), op.name in _IN_PLACE,
                          op.name in _GLOBALS)  # fmt: skip
    return table


_TABLE = _table()


# ------------------------------------------------------------------ the reference (Python path)
def scan_reference(data: bytes, refused: type[Exception], max_depth: int,
                   on_global: Callable[[str, str], object] | None = None) -> None:  # fmt: skip
    """The genops-based scan of the whole pickle (see ``numtorch._pickle_scan.scan``)."""
    scan_from(data, 0, [], {}, refused, max_depth, on_global)


def scan_from(
    data: bytes,
    pos: int,
    stack: list[int],
    memo: dict[int, int],
    refused: type[Exception],
    max_depth: int,
    on_global: Callable[[str, str], object] | None,
) -> None:
    """The reference walk from opcode position ``pos``, with the unpickler's simulated
    ``stack`` (depths, ``| _GLOBAL`` for globals, ``_MARK`` for marks) and ``memo`` so far."""
    stream = io.BytesIO(data)
    stream.seek(pos)
    for op, arg, at in pickletools.genops(stream):
        name = op.name
        if name in ("PUT", "GET"):
            _check_text_index(data, at, refused)
        if name in _MEMO_GET:
            if arg not in memo:
                raise refused(f"memo index {arg} was never stored")
            stack.append(memo[arg])
        elif name in _MEMO_PUT:
            index = len(memo) if name == "MEMOIZE" else arg
            if index > len(memo) or not stack or stack[-1] == _MARK:
                raise refused(f"bad memo index {index} (the memo holds {len(memo)} items)")
            memo[index] = stack[-1]
        elif name == "MARK":
            stack.append(_MARK)
        else:
            if name == "GLOBAL" and on_global is not None:
                on_global(*arg.split(" ", 1))
            _apply(name, stack, refused, max_depth)


def _check_text_index(data: bytes, at: int, refused: type[Exception]) -> None:
    """A text ``PUT``/``GET`` index is plain decimal digits, as every pickler writes it: a sign,
    space or underscore (which ``int`` would accept) is refused, so no file can push the fast
    scan back onto this path."""
    end = data.find(b"\n", at + 1)
    text = data[at + 1 : end if end >= 0 else len(data)]
    if not text.isdigit():
        raise refused(f"bad memo index {text[:20]!r}: not plain decimal digits")


def _apply(name: str, stack: list[int], refused, max_depth: int) -> None:
    """Pop what opcode ``name`` consumes and push what it produces, checking depth and BUILD."""
    count, marked, pushed, in_place, is_global = _TABLE[name]
    children = _pop(name, stack, count, marked, refused)
    if name == "BUILD" and children[0] & _GLOBAL:
        raise refused("refusing to set state on a global (BUILD on a class or function)")
    if in_place:  # the container stays; its contents nest one level below it
        depth = children[0] & _DEPTH
        for child in children[1:]:
            depth = max(depth, (child & _DEPTH) + 1)
        flag = children[0] & _GLOBAL
    else:
        depth = 1 + max([c & _DEPTH for c in children], default=0)
        flag = _GLOBAL if is_global else 0
    if depth > max_depth:
        raise refused(f"values nested more than {max_depth} levels deep")
    if pushed == 1:
        stack.append(depth | flag)
    elif pushed:  # DUP
        stack.extend([depth | flag] * pushed)


def _pop(name: str, stack: list[int], count: int, marked: bool, refused) -> list[int]:
    """Pop what the opcode consumes (through the MARK for mark-taking ones), outermost first."""
    popped: list[int] = []
    if marked:
        at = len(stack) - 1
        while at >= 0 and stack[at] != _MARK:  # only the items it pops: no quadratic walk
            at -= 1
        if at < 0:
            raise refused(f"{name} without a MARK")
        popped = stack[at + 1 :]
        del stack[at:]
    if len(stack) < count:
        raise refused(f"{name} on an empty stack")
    if count:
        popped = stack[-count:] + popped
        del stack[-count:]
    return popped  # for in-place opcodes, the container comes first


# ------------------------------------------------------------------ tables for the numba walk
# argument layouts
NONE, FIXED, LEN1, LEN4S, LEN4U, LEN8U, LINE, LINES2 = range(8)
# argument checks the walk makes itself (anything else is deferred to pickletools)
V_NONE, V_UTF8, V_ASCII, V_QUOTED, V_INT, V_LONG, V_FLOAT, V_RAW, V_GLOBAL = range(9)
# what the opcode does
S_PLAIN, S_MARK, S_GET, S_PUT, S_MEMOIZE, S_BUILD, S_STOP = range(7)
_LAYOUTS = {
    "uint1": (FIXED, 1), "uint2": (FIXED, 2), "int4": (FIXED, 4), "uint4": (FIXED, 4),
    "uint8": (FIXED, 8), "float8": (FIXED, 8), "string1": (LEN1, 0), "bytes1": (LEN1, 0),
    "unicodestring1": (LEN1, 0), "long1": (LEN1, 0), "string4": (LEN4S, 0),
    "long4": (LEN4S, 0), "bytes4": (LEN4U, 0), "unicodestring4": (LEN4U, 0),
    "bytes8": (LEN8U, 0), "bytearray8": (LEN8U, 0), "unicodestring8": (LEN8U, 0),
    "stringnl_noescape_pair": (LINES2, 0),
}  # fmt: skip
_CHECKS = {
    "unicodestring1": V_UTF8, "unicodestring4": V_UTF8, "unicodestring8": V_UTF8,
    "stringnl_noescape": V_ASCII, "stringnl_noescape_pair": V_ASCII, "stringnl": V_QUOTED,
    "decimalnl_short": V_INT, "decimalnl_long": V_LONG, "floatnl": V_FLOAT,
    "unicodestringnl": V_RAW,
}  # fmt: skip
_SEMANTICS = {"MARK": S_MARK, "MEMOIZE": S_MEMOIZE, "BUILD": S_BUILD, "STOP": S_STOP}


def tables() -> np.ndarray:
    """A (9, 256) int64 table indexed by opcode byte: layout (-1: unknown opcode), fixed size,
    check, semantics, items popped, pops through a MARK, items pushed, in place, global."""
    out = np.zeros((9, 256), np.int64)
    out[0] = -1
    for op in pickletools.opcodes:
        code = ord(op.code)
        layout, size = (NONE, 0) if op.arg is None else _LAYOUTS.get(op.arg.name, (LINE, 0))
        check = V_NONE if op.arg is None else _CHECKS.get(op.arg.name, V_NONE)
        if op.name == "GLOBAL":
            check = V_GLOBAL
        sem = _SEMANTICS.get(op.name, S_GET if op.name in _MEMO_GET else S_PLAIN)
        sem = S_PUT if op.name in _MEMO_PUT - {"MEMOIZE"} else sem
        count, marked, pushed, in_place, is_global = _TABLE[op.name]
        out[:, code] = (layout, size, check, sem, count, marked, pushed, in_place, is_global)
    assert out[4].max() <= 3  # _reference_from copies three items below the topmost MARK
    return out


_TABLES = tables()


# ------------------------------------------------------------------ dispatcher
def scan(data: bytes, refused: type[Exception], max_depth: int,
         on_global: Callable[[str, str], object] | None = None) -> None:  # fmt: skip
    """The safety scan on the active kernel path (same verdicts and messages on both)."""
    nb = numba_module("pickle_scan")
    if nb is None or not 0 <= max_depth < _DEPTH:  # the walk's int32 items hold depth | flag
        scan_reference(data, refused, max_depth, on_global)
    else:
        _scan_numba(nb, data, refused, max_depth, on_global)


def _scan_numba(nb, data: bytes, refused, max_depth: int, on_global) -> None:
    """Run the numba walk, reading the deferred opcodes (and growing an array, should one
    fill up) between calls; refusals and unmodelled forms go to the reference."""
    buf = np.frombuffer(data, np.uint8)
    # each opcode is a byte or more and adds at most one item to the stack or the memo, so these
    # never fill up; np.empty's pages are only touched (resident) as the walk reaches them
    stack, memo = np.empty(len(data) + 2, np.int32), np.empty(len(data) + 2, np.int32)
    deferred = np.empty(4096, np.int64)
    state = np.zeros(5, np.int64)
    stream = io.BytesIO(data)
    while True:
        nb.walk(buf, _TABLES, stack, memo, deferred, state, max_depth)
        _run_deferred(stream, deferred[: state[NDEF]], on_global)
        state[NDEF] = 0
        if state[STATUS] == DONE:
            return
        if state[STATUS] in (STOPPED, HANDED_OVER):
            args = (data, int(state[POS]), refused, max_depth, on_global)
            _reference_from(*args, stack, int(state[SP]), memo, int(state[NMEMO]), state)
            return
        stack = _room(stack, int(state[SP]) + 2)
        memo = _room(memo, int(state[NMEMO]) + 1)


def _reference_from(data, pos, refused, max_depth, on_global, stack, sp, memo, nmemo, state):
    """``scan_from`` at ``pos`` with the walk's stack and memo (the memo stays an array). Where
    the walk found a refusal there, only the top of the stack matters (the items down to the
    topmost MARK and three more: no opcode pops more), so only that is copied; should that not
    raise after all, the whole reference scan runs again from the start."""
    memo_view = _ArrayMemo(memo, nmemo)
    if state[STATUS] == HANDED_OVER:
        scan_from(data, pos, stack[:sp].tolist(), memo_view, refused, max_depth, on_global)
        return
    start = max(0, _top_mark(stack, sp) - 3)
    scan_from(data, pos, stack[start:sp].tolist(), memo_view, refused, max_depth, on_global)
    scan_reference(data, refused, max_depth, on_global)  # not reached while the two agree


def _top_mark(stack: np.ndarray, sp: int) -> int:
    """The index of the topmost MARK in ``stack[:sp]`` (``sp`` if none), read back in chunks."""
    end = sp
    while end > 0:
        lo = max(0, end - (1 << 16))
        hits = np.flatnonzero(stack[lo:end] == _MARK)
        if len(hits):
            return lo + int(hits[-1])
        end = lo
    return sp


class _ArrayMemo:
    """The walk's memo (keys ``0 .. n-1`` in an array with room to spare) as the dict the
    reference scan uses: ``in``, ``len``, get and set; other keys go to a side dict."""

    def __init__(self, values: np.ndarray, n: int) -> None:
        self.values, self.n, self.other = values, n, {}

    def __len__(self) -> int:
        return self.n + len(self.other)

    def __contains__(self, key: int) -> bool:
        return 0 <= key < self.n or key in self.other

    def __getitem__(self, key: int) -> int:
        return int(self.values[key]) if 0 <= key < self.n else self.other[key]

    def __setitem__(self, key: int, value: int) -> None:
        if 0 <= key < self.n:
            self.values[key] = value
        elif key == self.n and not self.other and key < len(self.values):
            self.values[key] = value
            self.n += 1
        else:
            self.other[key] = value


def _room(array: np.ndarray, need: int) -> np.ndarray:
    """``array``, or a copy twice as long when it holds fewer than ``need`` items."""
    if need <= len(array):
        return array
    grown = np.empty(2 * len(array), array.dtype)
    grown[: len(array)] = array
    return grown


def _run_deferred(stream: io.BytesIO, positions: np.ndarray, on_global) -> None:
    """Read each deferred opcode with pickletools (raising the reference's error for a bad
    argument) and vet each ``GLOBAL`` with ``on_global``, in pickle order."""
    for pos in positions.tolist():
        stream.seek(pos)
        op, arg, _ = next(pickletools.genops(stream))
        if op.name == "GLOBAL" and on_global is not None:
            on_global(*arg.split(" ", 1))
