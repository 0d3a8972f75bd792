"""The safety scan and copy budget shared by numtorch's restricted unpicklers (PyTorch's zip
checkpoints in ``numtorch._torch_zip``, CIFAR-10 batches in ``numtorch.datasets._safe_pickle``).

CPython's C unpickler is fast but trusts the pickle's numbers: it allocates what a length or
memo index claims before reading it (a 20-byte pickle can ask for gigabytes), and hashing or
freeing a value nested a million levels deep overflows the C stack. So before the C unpickler
sees a pickle, ``scan`` walks its opcodes with ``pickletools.genops`` -- which reads each
length against the bytes actually present -- and simulates the unpickler's stack:

* memo indices must be the small sequential ones picklers write (``PUT n`` with ``n`` at most
  the memo's size), and every ``GET`` must name a stored index;
* no value may nest deeper than ``max_depth``;
* ``BUILD`` (which sets an object's state) may not target a global, so a pickle can't rebind
  the attributes of an allow-listed class, function or constant for later loads.

The allow-listed callables that copy data draw on a per-load ``budget`` (``spend``): a memo
reference costs two bytes, so without it a small pickle could build gigabytes out of one
stored list or number.
"""

from __future__ import annotations

import contextlib
import io
import pickletools
import threading
from collections.abc import Callable, Iterator

__all__ = ["MAX_DEPTH", "budget", "scan", "spend"]

MAX_DEPTH = 64
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}
_GLOBALS = {"GLOBAL", "STACK_GLOBAL", "EXT1", "EXT2", "EXT4"}
_IN_PLACE = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
_MARK = -1
_GLOBAL = 1 << 20  # flag bit on a stack item: the value is a global (class, function, constant)
_DEPTH = _GLOBAL - 1


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


def scan(
    data: bytes,
    refused: type[Exception],
    max_depth: int = MAX_DEPTH,
    on_global: Callable[[str, str], object] | None = None,
) -> None:
    """Walk ``data``'s opcodes without building anything; raise ``refused`` (or the
    ``ValueError`` genops raises for damaged bytes) on anything the C unpickler must not see.
    ``on_global(module, name)`` vets each ``GLOBAL`` opcode as it comes (so a refused global is
    reported as such even when damaged bytes follow it, as the unpickler would)."""
    stack: list[int] = []  # each item's nesting depth (| _GLOBAL for globals); _MARK marks
    memo: dict[int, int] = {}
    for op, arg, _ in pickletools.genops(io.BytesIO(data)):
        name = op.name
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


_LEFT = threading.local()  # what the allow-listed callables may still copy in this thread's load


@contextlib.contextmanager
def budget(units: int) -> Iterator[None]:
    """Let the ``spend`` calls inside the block copy at most ``units`` bytes or items."""
    before = getattr(_LEFT, "left", None)
    _LEFT.left = units
    try:
        yield
    finally:
        _LEFT.left = before


def spend(units: int, refused: type[Exception]) -> None:
    """Draw ``units`` from the current budget; raise ``refused`` once it is spent (outside a
    ``budget`` block nothing is counted)."""
    left = getattr(_LEFT, "left", None)
    if left is None:
        return
    _LEFT.left = left - units
    if _LEFT.left < 0:
        raise refused("the pickle builds much more data than the file holds")
