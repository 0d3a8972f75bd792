"""The pickle safety scan (``numtorch._pickle_scan``) on the numba or the pure-Python path.

The Python path is the reference: ``scan_from`` walks the opcodes with ``pickletools.genops``
(which reads each length against the bytes present) and simulates the unpickler's stack of
nesting depths and its memo. The numba path (``_numba_pickle_scan.walk``) runs the same
simulation over a uint8 array, driven by one table per opcode byte (argument layout, what it
validates, its stack effect), at a few hundred MB/s. It never formats a message itself:

* where the walk finds anything wrong (or a form it does not model: a text ``PUT``/``GET``
  index that is not plain digits), it stops at that opcode and hands the rest of the pickle,
  with its stack and memo, to ``scan_from``, which raises exactly what the reference would --
  except where the opcode passes every check but the memory estimate: then Python reads that
  opcode's argument (as the reference would, first) and refuses at once, without copying a
  stack that may hold millions of items;
* arguments whose text or UTF-8 it cannot prove valid, and each distinct ``GLOBAL`` (for the
  ``on_global`` vetting), are *deferred*: their positions are queued, and Python reads them
  with ``pickletools`` in order (raising the reference's error, or calling ``on_global``)
  before anything at a later position is reported. Their stack effect does not depend on the
  argument, so the walk goes on meanwhile.
"""

from __future__ import annotations

import io
import pickletools
import re
import struct
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

# The pure-Python path's work bound: genops and the simulation cost ~1.5 us per opcode, so a
# hostile pickle of one-byte opcodes scans at under 1 MB/s there. Real checkpoints stay far
# below this many opcodes (PyTorch's data.pkl for 10,000 tensors and their Adam state: 1.2M);
# beyond it the Python path refuses, rather than work for minutes (numba's walk has no limit).
PY_MAX_OPS = 2_000_000

# numba walk statuses (``state[4]``) and the slots of ``state``
DONE, STOPPED, PAUSED, HANDED_OVER, OVER_BUDGET = 0, 1, 2, 3, 4
POS, SP, NMEMO, NDEF, STATUS, SPENT = range(6)


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

# The memory model (bytes the unpickler allocates per opcode; never freed, so an upper bound
# for a pickle that drops what it builds): (fixed, per argument byte, per item through a MARK).
# Calibrated with ``sys.getsizeof`` and ``tracemalloc`` on CPython 3.11: a stack or memo slot
# is 8 bytes (16 for the memo, which doubles), an int or float 32 + its slot, a list or dict
# 56-64 + the GC header, a list slot 8 (+ its stack slot), a dict entry ~40 per key and per
# value with the table's growth, a tuple 48 + 8 an item. A text or bytes argument is read into
# a buffer first (the C unpickler copies it out of the stream), then decoded: a str takes up to
# 4 bytes per UTF-8 byte (one ASCII byte beside an astral character becomes a UCS-4 one) and,
# while the decoder widens it, the narrow copy too -- 6 bytes per byte at the peak (7 for
# raw-unicode-escape text; 4 for a protocol-0 string, ASCII once its escapes are undone into
# one more copy); a Python 2 string read as Latin-1 (the CIFAR reader) 2; an int from
# LONG1/LONG4 bytes ~1.07 per byte beside the buffer. A call (``REDUCE``) builds one
# allow-listed object -- in numtorch mostly a tensor: a ``Tensor`` and its NumPy view, ~0.5 KB
# -- but PyTorch writes an empty ``OrderedDict()`` call (~0.1 KB) beside each tensor: 384 a
# call; a persistent id makes a storage (~0.1 KB). A global is an existing object (its slot),
# but looking it up is a Python call (``find_class``, ~0.4 us): 128, so that millions of
# GLOBAL opcodes (picklers memoize each global once) cost a refusal, not seconds of lookups.
# A pickle of 10,000 tensors and their Adam state (torch.save: 3.4 MB of opcodes, a 10.9 MB
# file) is estimated at 74 MB, within ``numtorch._torch_zip.memory_budget`` for that file
# (``tests/test_torch_checkpoints.py`` checks it against the real tracemalloc peak).
_SLOT, _NUMBER, _STR, _CONTAINER, _CALL, _PERSISTENT, _LOOKUP = 8, 40, 64, 72, 384, 128, 128
_COSTS = {
    **dict.fromkeys(["INT", "LONG"], (_NUMBER, 1, 0)),
    **dict.fromkeys(["LONG1", "LONG4"], (_NUMBER, 3, 0)),
    **dict.fromkeys(["BININT", "BININT1", "BININT2", "FLOAT", "BINFLOAT"], (_NUMBER, 0, 0)),
    **dict.fromkeys(["BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"], (_STR, 1, 0)),
    "STRING": (_STR, 4, 0),
    **dict.fromkeys(["BINSTRING", "SHORT_BINSTRING"], (_STR, 6, 0)),
    "UNICODE": (_STR, 7, 0),
    **dict.fromkeys(["SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"], (_STR, 6, 0)),
    **dict.fromkeys(
        [
            "NONE",
            "NEWTRUE",
            "NEWFALSE",
            "EMPTY_TUPLE",
            "DUP",
            "MARK",
            "GET",
            "BINGET",
            "LONG_BINGET",
            "NEXT_BUFFER",
            "READONLY_BUFFER",
        ],
        (_SLOT, 0, 0),
    ),
    **dict.fromkeys(["PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"], (2 * _SLOT, 0, 0)),
    **dict.fromkeys(["EMPTY_LIST", "EMPTY_DICT"], (_CONTAINER, 0, 0)),
    "LIST": (_CONTAINER, 0, 2 * _SLOT),
    "APPEND": (2 * _SLOT, 0, 0),
    "APPENDS": (0, 0, 2 * _SLOT),
    "DICT": (_CONTAINER, 0, 40),
    "SETITEM": (80, 0, 0),
    "SETITEMS": (0, 0, 40),
    "EMPTY_SET": (216, 0, 0),
    "ADDITEMS": (0, 0, 40),
    "FROZENSET": (216, 0, 40),
    "TUPLE": (64, 0, _SLOT),
    "TUPLE1": (72, 0, 0),
    "TUPLE2": (80, 0, 0),
    "TUPLE3": (88, 0, 0),
    **dict.fromkeys(["GLOBAL", "STACK_GLOBAL", "EXT1", "EXT2", "EXT4"], (_LOOKUP, 0, 0)),
    **dict.fromkeys(["REDUCE", "NEWOBJ", "NEWOBJ_EX"], (_CALL, 0, 0)),
    **dict.fromkeys(["OBJ", "INST"], (_CALL, 0, _SLOT)),
    **dict.fromkeys(["PERSID", "BINPERSID"], (_PERSISTENT, 0, 0)),
    "BUILD": (_SLOT, 0, 0),
}  # fmt: skip  (the other opcodes -- POP, POP_MARK, PROTO, FRAME, STOP -- cost nothing)
# the same where the unpickler decodes Python 2 strings as Latin-1 (a byte a character)
_COSTS_LATIN1 = {**_COSTS, "BINSTRING": (_STR, 2, 0), "SHORT_BINSTRING": (_STR, 2, 0)}
NO_LIMIT = 1 << 62


def _cost(name: str, arg_bytes: int, items: int, costs: dict = _COSTS) -> int:
    """The estimated bytes opcode ``name`` allocates, given its argument's encoded size and
    the items it takes through a MARK."""
    fixed, per_byte, per_item = costs.get(name, (0, 0, 0))
    return fixed + per_byte * arg_bytes + per_item * items


def _over_budget(spent: int, max_bytes: int, refused: type[Exception]) -> None:
    """Raise ``refused`` once the estimate ``spent`` passes ``max_bytes``."""
    if spent > max_bytes:
        raise refused(
            f"the pickle would build more than {max_bytes >> 20} MiB of Python objects "
            "(estimated from its opcodes; the bound allowed for this file)"
        )


# ------------------------------------------------------------------ the reference (Python path)
def scan_reference(data: bytes, refused: type[Exception], max_depth: int,
                   on_global: Callable[[str, str], object] | None = None,
                   max_ops: int | None = None, max_bytes: int = NO_LIMIT,
                   latin1: bool = False) -> int:  # fmt: skip
    """The genops-based scan of the whole pickle (see ``numtorch._pickle_scan.scan``), refusing
    one of more than ``max_ops`` opcodes (None: no bound) or whose memory estimate passes
    ``max_bytes``; returns the estimate. ``latin1``: Python 2 strings are priced as the
    unpickler's ``encoding="latin1"`` decodes them (else as UTF-8)."""
    memo = _ListMemo()
    costs = _COSTS_LATIN1 if latin1 else _COSTS
    return scan_from(data, 0, [], memo, refused, max_depth, on_global, max_ops, 0, max_bytes,
                     costs)  # fmt: skip


class _ListMemo(list):
    """The reference's memo as a list: its keys are always ``0 .. n-1`` (a ``PUT`` may name at
    most the next one), so 8-byte slots hold it rather than a dict's ~100 bytes an entry."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and 0 <= key < len(self)

    def __setitem__(self, key: int, value: int) -> None:  # type: ignore[override]
        if key == len(self):
            self.append(value)
        else:
            super().__setitem__(key, value)


def scan_from(
    data: bytes,
    pos: int,
    stack: list[int],
    memo: dict[int, int],
    refused: type[Exception],
    max_depth: int,
    on_global: Callable[[str, str], object] | None,
    max_ops: int | None = None,
    spent: int = 0,
    max_bytes: int = NO_LIMIT,
    costs: dict = _COSTS,
) -> int:
    """The reference walk from opcode position ``pos``, with the unpickler's simulated
    ``stack`` (depths, ``| _GLOBAL`` for globals, ``_MARK`` for marks), ``memo`` and memory
    estimate ``spent`` so far; returns the whole pickle's estimate."""
    stream = io.BytesIO(data)
    stream.seek(pos)
    vetted: set[str] = set()  # each distinct GLOBAL is vetted once, as the numba walk does
    for count, (op, arg, at) in enumerate(pickletools.genops(stream)):
        if max_ops is not None and count >= max_ops:
            raise refused(_too_many_ops(max_ops))
        name, items = op.name, 0
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
            if name == "GLOBAL" and on_global is not None and arg not in vetted:
                on_global(*arg.split(" ", 1))
                vetted.add(arg)
            items = _apply(name, stack, refused, max_depth)
        spent += _cost(name, stream.tell() - at - 1, items, costs)
        _over_budget(spent, max_bytes, refused)
    return spent


def _too_many_ops(max_ops: int) -> str:
    return (
        f"the pickle holds more than {max_ops} opcodes, more than numtorch scans without numba "
        "(install numba, or leave NUMTORCH_KERNELS unset)"
    )


def _check_text_index(data: bytes, at: int, refused: type[Exception]) -> None:
    """A text ``PUT``/``GET`` index is plain decimal digits, as every pickler writes it: a sign,
    space or underscore (which ``int`` would accept) is refused, so no file can push the fast
    scan back onto this path."""
    end = data.find(b"\n", at + 1)
    text = data[at + 1 : end if end >= 0 else len(data)]
    if not text.isdigit():
        raise refused(f"bad memo index {text[:20]!r}: not plain decimal digits")


def _apply(name: str, stack: list[int], refused, max_depth: int) -> int:
    """Pop what opcode ``name`` consumes and push what it produces, checking depth and BUILD;
    returns how many items it took through a MARK."""
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
    item = depth | flag
    if flag:  # one int object per flagged depth (ints above 256 are not shared by CPython)
        item = _FLAGGED.setdefault(item, item)
    if pushed == 1:
        stack.append(item)
    elif pushed:  # DUP
        stack.extend([item] * pushed)
    return len(children) - count if marked else 0


_FLAGGED: dict[int, int] = {}


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


def tables(costs: dict = _COSTS) -> np.ndarray:
    """A (12, 256) int64 table indexed by opcode byte: layout (-1: unknown opcode), fixed size,
    check, semantics, items popped, pops through a MARK, items pushed, in place, global, and
    the memory model's fixed cost, cost per argument byte and per item through a MARK."""
    out = np.zeros((12, 256), np.int64)
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
        out[:9, code] = (layout, size, check, sem, count, marked, pushed, in_place, is_global)
        out[9:, code] = costs.get(op.name, (0, 0, 0))
    assert out[4].max() <= 3  # _reference_from copies three items below the topmost MARK
    return out


_TABLES, _TABLES_LATIN1 = tables(), tables(_COSTS_LATIN1)


# ------------------------------------------------------------------ counting opcodes, in bulk
# The Python path refuses a pickle of more than PY_MAX_OPS opcodes before its ~1.5 us-an-opcode
# walk starts: ``count_ops`` finds how many there are by their lengths alone, at C speed where
# the opcode byte and newlines decide the length (a regex matching up to 65,536 such opcodes at
# a time, and another counting them), in Python for each length-prefixed one -- 0.1-0.7 s for
# 2M opcodes, whatever their kind.
def _opcode_regexes() -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Regexes of a run of up to 65,536 opcodes whose length needs no length prefix, and of
    one such opcode (with an empty group, so that ``findall`` lists one item per opcode)."""
    shapes: dict[tuple[int, int], list[int]] = {}
    for code in range(256):
        layout = int(_TABLES[0, code])
        if layout in (NONE, FIXED, LINE, LINES2) and _TABLES[3, code] != S_STOP:
            shapes.setdefault((layout, int(_TABLES[1, code])), []).append(code)
    args = {NONE: b"", LINE: b"[^\n]*+\n", LINES2: b"[^\n]*+\n[^\n]*+\n"}
    alternatives = []
    for (layout, size), codes in sorted(shapes.items()):
        opcodes = b"".join(re.escape(bytes([c])) for c in codes)
        alternatives.append(b"[" + opcodes + b"]" + args.get(layout, b".{%d}" % size))
    one = b"(?:" + b"|".join(alternatives) + b")"
    return re.compile(one + b"{0,65536}+", re.S), re.compile(one + b"()", re.S)


_RUN, _ONE = _opcode_regexes()
# per opcode byte: the size of its length prefix (0: not length-prefixed), whether it is signed
_PREFIX = [{LEN1: 1, LEN4S: 4, LEN4U: 4, LEN8U: 8}.get(int(layout), 0) for layout in _TABLES[0]]
_SIGNED = [int(layout) == LEN4S for layout in _TABLES[0]]
_STOP_CODE = ord(pickletools.code2op["."].code)
_U4, _U8 = struct.Struct("<I").unpack_from, struct.Struct("<Q").unpack_from


def count_ops(data: bytes, limit: int) -> int:
    """How many opcodes ``pickletools.genops`` reads from ``data`` (up to STOP, which counts),
    by their lengths alone -- an argument's text is not checked, so a damaged one may be
    counted where genops would raise -- or ``limit + 1`` where there are more than ``limit``.
    Where the pickle is cut short or names an unknown opcode, the count stops there."""
    n, pos, count = len(data), 0, 0
    while count <= limit:
        end = _RUN.match(data, pos).end()
        moved = end > pos
        if moved:
            count += len(_ONE.findall(data, pos, end))
            pos = end
        while count <= limit:  # the length-prefixed opcodes that follow, read here
            if pos >= n:
                return count
            code = data[pos]
            size = _PREFIX[code]
            if not size:
                if code == _STOP_CODE:
                    return count + 1
                if moved:  # another run (or an opcode that is cut short: the run says)
                    break
                return count  # an unknown opcode, or one cut short
            if pos + 1 + size > n:
                return count
            if size == 1:
                length = data[pos + 1]
            elif size == 4:
                length = _U4(data, pos + 1)[0]
                if _SIGNED[code] and length >= 1 << 31:  # a negative count: genops refuses
                    return count
            else:
                length = _U8(data, pos + 1)[0]
            pos += 1 + size + length
            if pos > n:
                return count
            count, moved = count + 1, True
    return limit + 1


# ------------------------------------------------------------------ dispatcher
def scan(data: bytes, refused: type[Exception], max_depth: int,
         on_global: Callable[[str, str], object] | None = None,
         max_bytes: int = NO_LIMIT, latin1: bool = False) -> int:  # fmt: skip
    """The safety scan on the active kernel path (same verdicts, messages and memory estimate
    on both, except that the Python path refuses a pickle of more than ``PY_MAX_OPS``
    opcodes -- before anything else, counted by ``count_ops``); returns the estimate."""
    nb = numba_module("pickle_scan")
    if nb is None:
        if len(data) > PY_MAX_OPS and count_ops(data, PY_MAX_OPS) > PY_MAX_OPS:
            raise refused(_too_many_ops(PY_MAX_OPS))
        return scan_reference(data, refused, max_depth, on_global, PY_MAX_OPS, max_bytes, latin1)
    return _scan_numba(nb, data, refused, max_depth, on_global, max_bytes, latin1)


def _scan_numba(nb, data: bytes, refused, max_depth: int, on_global,
                max_bytes: int = NO_LIMIT, latin1: bool = False) -> int:  # fmt: skip
    """Run the numba walk, reading the deferred opcodes (and growing an array, should one
    fill up) between calls; refusals and unmodelled forms go to the reference (and so does a
    ``max_depth`` beyond what the walk's one-byte items hold)."""
    if not 0 <= max_depth <= _WALK_MAX_DEPTH:
        return scan_reference(data, refused, max_depth, on_global, None, max_bytes, latin1)
    table = _TABLES_LATIN1 if latin1 else _TABLES
    buf = np.frombuffer(data, np.uint8)
    # a byte an item; each opcode adds at most one item to the stack or the memo, so these hold
    # at most a byte per byte of the pickle: they start small and double as the walk fills them
    # (it pauses), so that what is allocated -- what tracemalloc sees, not only the pages
    # touched -- follows what the pickle uses
    size = min(len(data) + 2, _FIRST_ROOM)
    stack, memo = np.empty(size, np.uint8), np.empty(size, np.uint8)
    deferred = np.empty(4096, np.int64)
    state = np.zeros(6, np.int64)
    stream = io.BytesIO(data)
    while True:
        nb.walk(buf, table, stack, memo, deferred, state, max_depth, max_bytes)
        _run_deferred(stream, deferred[: state[NDEF]], on_global)
        state[NDEF] = 0
        if state[STATUS] == DONE:
            return int(state[SPENT])
        if state[STATUS] == OVER_BUDGET:  # the reference's refusal there, without its stack
            _run_deferred(stream, state[POS : POS + 1], on_global)
            _over_budget(max_bytes + 1, max_bytes, refused)
        if state[STATUS] in (STOPPED, HANDED_OVER):
            args = (data, int(state[POS]), refused, max_depth, on_global, max_bytes, latin1)
            return _reference_from(*args, stack, int(state[SP]), memo, int(state[NMEMO]), state)
        stack = _room(stack, int(state[SP]) + 2)
        memo = _room(memo, int(state[NMEMO]) + 1)


def _reference_from(data, pos, refused, max_depth, on_global, max_bytes, latin1, stack, sp, memo,
                    nmemo, state) -> int:  # fmt: skip
    """``scan_from`` at ``pos`` with the walk's stack and memo (the memo stays an array). Where
    the walk found a refusal there, only the top of the stack matters (the items down to the
    topmost MARK and three more: no opcode pops more), so only that is copied; should that not
    raise after all, the whole reference scan runs again from the start."""
    memo_view, spent = _ArrayMemo(memo, nmemo), int(state[SPENT])
    budget = (None, spent, max_bytes, _COSTS_LATIN1 if latin1 else _COSTS)
    if state[STATUS] == HANDED_OVER:
        items = _items(stack[:sp])
        return scan_from(data, pos, items, memo_view, refused, max_depth, on_global, *budget)
    start = max(0, _top_mark(stack, sp) - 3)
    items = _items(stack[start:sp])
    scan_from(data, pos, items, memo_view, refused, max_depth, on_global, *budget)
    # not reached while the two agree
    return scan_reference(data, refused, max_depth, on_global, None, max_bytes, latin1)


_FIRST_ROOM = 1 << 16
_WALK_MARK, _WALK_GLOBAL = 255, 128  # the walk's one-byte items: depth | 128 for a global
_WALK_MAX_DEPTH = 126  # so that no item but a MARK is 255


def _items(walk_items: np.ndarray) -> list[int]:
    """The walk's one-byte stack items as the reference's (``_MARK``, depth | ``_GLOBAL``)."""
    values = walk_items.astype(np.int64)
    out = (values & (_WALK_GLOBAL - 1)) | np.where(values & _WALK_GLOBAL, _GLOBAL, 0)
    out[walk_items == _WALK_MARK] = _MARK
    return out.tolist()


def _walk_item(item: int) -> int:
    """A reference stack item as the walk's one byte."""
    if item == _MARK:
        return _WALK_MARK
    return (item & _DEPTH) | (_WALK_GLOBAL if item & _GLOBAL else 0)


def _top_mark(stack: np.ndarray, sp: int) -> int:
    """The index of the topmost MARK in ``stack[:sp]`` (``sp`` if none), read back in chunks."""
    end = sp
    while end > 0:
        lo = max(0, end - (1 << 16))
        hits = np.flatnonzero(stack[lo:end] == _WALK_MARK)
        if len(hits):
            return lo + int(hits[-1])
        end = lo
    return sp


class _ArrayMemo:
    """The walk's memo (keys ``0 .. n-1`` in an array of one-byte items with room to spare) as
    the dict the reference scan uses: ``in``, ``len``, get and set (items translated); other
    keys go to a side dict."""

    def __init__(self, values: np.ndarray, n: int) -> None:
        self.values, self.n, self.other = values, n, {}

    def __len__(self) -> int:
        return self.n + len(self.other)

    def __contains__(self, key: int) -> bool:
        return 0 <= key < self.n or key in self.other

    def __getitem__(self, key: int) -> int:
        return _items(self.values[key : key + 1])[0] if 0 <= key < self.n else self.other[key]

    def __setitem__(self, key: int, value: int) -> None:
        if 0 <= key < self.n:
            self.values[key] = _walk_item(value)
        elif key == self.n and not self.other and key < len(self.values):
            self.values[key] = _walk_item(value)
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
