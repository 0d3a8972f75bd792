"""A restricted unpickler for plain data and numeric NumPy arrays (CIFAR-10's python batches).

Untrusted pickles are dangerous in three ways, and each is closed here:

* Code execution: ``find_class`` hands out no real callable or class. The few globals a
  NumPy array pickle names (``numpy.dtype``, ``numpy.core.multiarray._reconstruct``,
  ``numpy.core.numeric._frombuffer``, ``numpy.ndarray`` and ``_codecs.encode``) resolve to
  stand-ins that only record their arguments; arrays are built afterwards from validated
  numeric dtypes, shapes and byte strings, so no NumPy ``__setstate__`` ever sees hostile state
  (object dtypes, crafted dtype flags) and no other global (``os.system``, ``eval``,
  ``pickle.loads``...) resolves at all.
* Memory: CPython's C unpickler allocates what a length or memo index claims before reading
  it (a 20-byte pickle can ask for gigabytes), so the opcodes are first scanned with
  ``pickletools.genops``, which reads lengths against the bytes actually present, and memo
  indices must be the small sequential ones picklers write.
* Amplification: a memo reference costs two bytes, so the stand-ins that copy data (arrays,
  ``_codecs.encode``) draw on a budget of a few times the pickle's size.
* Crashes: hashing a tuple nested a million levels deep overflows the C stack, so the scan
  simulates the unpickler's stack and refuses nesting deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
import re
import threading
import warnings
from typing import Any

import numpy as np

__all__ = ["MAX_DEPTH", "Refused", "array", "loads"]

MAX_DEPTH = 64
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}
_IN_PLACE = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
_DTYPE_SPEC = re.compile(r"[?bBhHiIlLqQefdgbiuf][0-9]{0,2}")


class Refused(pickle.UnpicklingError):
    """The pickle asked for something outside plain data and numeric arrays."""


_BUDGET = threading.local()  # bytes the stand-ins may still copy during this thread's load


def _spend(nbytes: int) -> None:
    left = getattr(_BUDGET, "left", None)
    if left is None:  # not inside ``loads``
        return
    _BUDGET.left = left - nbytes
    if _BUDGET.left < 0:
        raise Refused("the pickle builds much more data than the file holds")


def _scan(data: bytes) -> None:
    """Walk the opcodes without building anything: lengths must fit the data, memo indices
    must be sequential, and no value may nest deeper than ``MAX_DEPTH``."""
    stack: list[int] = []  # the nesting depth of each stack item; -1 marks a MARK
    memo: dict[int, int] = {}
    for op, arg, _ in pickletools.genops(io.BytesIO(data)):
        name = op.name
        if name == "MARK":
            stack.append(-1)
            continue
        if name in _MEMO_GET:
            if arg not in memo:
                raise Refused(f"memo index {arg} was never stored")
            stack.append(memo[arg])
            continue
        if name in _MEMO_PUT or name == "MEMOIZE":
            index = len(memo) if name == "MEMOIZE" else arg
            if index > len(memo) or not stack or stack[-1] < 0:
                raise Refused(f"bad memo index {index} (the memo holds {len(memo)} items)")
            memo[index] = stack[-1]
            continue
        children = _pop(stack, op)
        if name in _IN_PLACE:  # the container stays; its contents nest one level below it
            depth = max([children[0]] + [c + 1 for c in children[1:]])
        else:
            depth = 1 + max(children, default=0)
        if depth > MAX_DEPTH:
            raise Refused(f"values nested more than {MAX_DEPTH} levels deep")
        stack.extend([depth] * len(op.stack_after))


def _pop(stack: list[int], op: pickletools.OpcodeInfo) -> list[int]:
    """Pop what ``op`` consumes (through the MARK for mark-taking opcodes), outermost first."""
    before = op.stack_before
    popped: list[int] = []
    if pickletools.markobject in before:
        while stack and stack[-1] >= 0:
            popped.append(stack.pop())
        if not stack:
            raise Refused(f"{op.name} without a MARK")
        stack.pop()
        count = before.index(pickletools.markobject)
    else:
        count = len(before)
    if len(stack) < count:
        raise Refused(f"{op.name} on an empty stack")
    for _ in range(count):
        popped.append(stack.pop())
    return popped[::-1]  # for in-place opcodes, the container comes first


class _Global:
    """What ``find_class`` returns: calls through to one vetted function, and refuses the
    state a pickle's BUILD opcode would set on it (so no pickle can rebind its attributes)."""

    __slots__ = ("function",)

    def __init__(self, function: Any) -> None:
        self.function = function

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def __setstate__(self, state: Any) -> None:
        raise Refused("refusing to set state on a global")


def _ndarray(*args: Any) -> None:
    raise Refused("refusing to call numpy.ndarray")


_NDARRAY = _Global(_ndarray)  # stands for the class, passed to _reconstruct, never called


class _Dtype:
    """``numpy.dtype(spec, align, copy)`` recorded; its pickled state may only set byte order."""

    __slots__ = ("dtype",)

    def __init__(self, spec: Any, align: Any = False, copy: Any = False) -> None:
        if not isinstance(spec, str) or not _DTYPE_SPEC.fullmatch(spec):
            raise Refused(f"refusing the dtype {str(spec)[:40]!r}: only numeric dtypes")
        self.dtype = np.dtype(spec)
        if self.dtype.kind not in "biuf" or self.dtype.hasobject:
            raise Refused(f"refusing the dtype {self.dtype}: only numeric dtypes")

    def __setstate__(self, state: Any) -> None:
        ok = isinstance(state, tuple) and len(state) >= 5 and state[1] in ("<", ">", "|", "=")
        if not ok or any(s is not None for s in state[2:5]):
            raise Refused("refusing a structured or sub-array dtype state")
        if state[1] in "<>" and self.dtype.itemsize > 1:
            self.dtype = self.dtype.newbyteorder(state[1])


class _Array:
    """An ndarray to be: built only from a validated numeric dtype, shape and byte string."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5) or self.array is not None:
            raise Refused("refusing an ndarray state that is not (version, shape, dtype, ...)")
        shape, dtype, fortran, raw = state[-4:]
        if isinstance(raw, str):  # Python 2 pickles hold the bytes as latin-1 text
            raw = raw.encode("latin1")
        self.array = _build(raw, dtype, shape, "F" if fortran is True else "C")


def _build(raw: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    if not isinstance(dtype, _Dtype) or not isinstance(raw, (bytes, bytearray)):
        raise Refused("refusing an array without a numeric dtype and a byte string")
    bad = not isinstance(shape, tuple) or len(shape) > 32
    if bad or not all(type(n) is int and n >= 0 for n in shape):
        raise Refused(f"refusing the array shape {str(shape)[:60]}")
    if math.prod(n for n in shape if n) * dtype.dtype.itemsize >= 2**63:
        raise Refused(f"refusing the array shape {str(shape)[:60]}: too large for any array")
    if math.prod(shape) * dtype.dtype.itemsize != len(raw):
        raise Refused(f"array shape {shape} of {dtype.dtype} does not match {len(raw)} bytes")
    _spend(len(raw))
    array = np.frombuffer(raw, dtype.dtype).reshape(shape, order=order)
    return array.astype(dtype.dtype.newbyteorder("="), order="C")


def _reconstruct(cls: Any, shape: Any, dtype: Any) -> _Array:
    """NumPy's ``_reconstruct``: an empty plain ndarray whose state the pickle sets next."""
    if cls is not _NDARRAY:
        raise Refused("refusing to rebuild an array of a type other than numpy.ndarray")
    return _Array()


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> _Array:
    """NumPy's protocol-5 array rebuild."""
    if isinstance(buf, (bytearray, pickle.PickleBuffer)):
        _spend(memoryview(buf).nbytes)
        buf = bytes(buf)
    out = _Array()
    out.array = _build(buf, dtype, shape, "F" if order == "F" else "C")
    return out


def _latin1_bytes(text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles of ``bytes`` use it (latin-1 only)."""
    if encoding != "latin1" or not isinstance(text, str):
        raise Refused(f"refusing _codecs.encode with encoding {str(encoding)[:20]!r}")
    _spend(len(text))
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _Global(_reconstruct),
    ("numpy._core.multiarray", "_reconstruct"): _Global(_reconstruct),
    ("numpy.core.numeric", "_frombuffer"): _Global(_frombuffer),
    ("numpy._core.numeric", "_frombuffer"): _Global(_frombuffer),
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Global(_Dtype),
    ("_codecs", "encode"): _Global(_latin1_bytes),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise Refused(
                f"refusing to unpickle the global {module[:60]}.{name[:60]}: only plain data "
                "and numeric NumPy arrays are allowed"
            )
        return found


def array(value: Any) -> Any:
    """The ndarray an unpickled array stand-in holds (other values are returned unchanged)."""
    if isinstance(value, _Array):
        if value.array is None:
            raise Refused("an ndarray was never given its contents")
        return value.array
    return value


def loads(data: bytes) -> Any:
    """Unpickle ``data`` (latin-1 for Python 2 strings) after the safety scan; arrays come
    back as stand-ins: pass each value to ``array``.

    Raises:
        Refused: the pickle names a global or builds a value outside plain data and arrays.
        pickle.UnpicklingError, ValueError, EOFError...: the pickle is damaged.
    """
    _BUDGET.left = 4 * len(data) + (1 << 20)
    try:
        # a protocol-0 string with a bad escape ("\\ ") warns; damage must not become a warning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            _scan(data)
            return _Unpickler(io.BytesIO(data), encoding="latin1").load()
    finally:
        _BUDGET.left = None
