"""A restricted unpickler for plain data and numeric NumPy arrays (CIFAR-10's python batches).

Untrusted pickles are dangerous in three ways, and each is closed here:

* Code execution: ``find_class`` hands out no real callable or class. The few globals a
  NumPy array pickle names (``numpy.dtype``, ``numpy.core.multiarray._reconstruct``,
  ``numpy.core.numeric._frombuffer``, ``numpy.ndarray`` and ``_codecs.encode``) resolve to
  stand-ins that only record their arguments; arrays are built afterwards from validated
  numeric dtypes, shapes and byte strings, so no NumPy ``__setstate__`` ever sees hostile state
  (object dtypes, crafted dtype flags) and no other global (``os.system``, ``eval``,
  ``pickle.loads``...) resolves at all.
* Memory and crashes: the opcodes are first scanned by ``numtorch._pickle_scan`` (shared with
  the PyTorch checkpoint loader): lengths are read against the bytes actually present, memo
  indices must be the small sequential ones picklers write, nesting is capped at
  ``MAX_DEPTH`` and ``BUILD`` may not target a global.
* Amplification: a memo reference costs two bytes, so the stand-ins that copy data (arrays,
  ``_codecs.encode``) draw on a budget of a few times the pickle's size.
"""

from __future__ import annotations

import io
import math
import pickle
import re
import warnings
from typing import Any

import numpy as np

from numtorch import _pickle_scan

__all__ = ["MAX_DEPTH", "Refused", "array", "loads"]

MAX_DEPTH = _pickle_scan.MAX_DEPTH
_DTYPE_SPEC = re.compile(r"[?bBhHiIlLqQefdgbiuf][0-9]{0,2}")


class Refused(pickle.UnpicklingError):
    """The pickle asked for something outside plain data and numeric arrays."""


def _spend(nbytes: int) -> None:
    _pickle_scan.spend(nbytes, Refused)


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
    # a protocol-0 string with a bad escape ("\\ ") warns; damage must not become a warning
    with warnings.catch_warnings(), _pickle_scan.budget(4 * len(data) + (1 << 20)):
        warnings.simplefilter("ignore", DeprecationWarning)
        # what unpickling may allocate: twice the batch file plus slack, as numtorch.load allows
        _pickle_scan.scan(data, Refused, MAX_DEPTH, max_bytes=2 * len(data) + (64 << 20),
                          latin1=True)  # fmt: skip
        return _Unpickler(io.BytesIO(data), encoding="latin1").load()
