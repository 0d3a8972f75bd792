"""Validation of a safetensors file's header, before any tensor is built from it.

``numtorch.load`` treats every file as untrusted. This module reads the 8-byte header length
(capped at safetensors' own 100 MB limit and checked against the file size), bounds the memory
parsing it can take (from counts of the JSON's structural characters, before parsing), parses
the JSON
strictly (UTF-8 only, no NaN/Infinity, no duplicate keys, deep nesting refused) and checks each
tensor's entry: a supported dtype, a shape of non-negative integers, integer ``data_offsets``
inside the data section whose span equals the shape's byte count (computed with Python ints,
so ``[2**40, 2**40]`` can't overflow), and spans that tile the data section exactly, with no
gap or overlap. Only then are tensors read from the file, so nothing is ever allocated from
a size the file merely claims. Every failure is a RuntimeError naming the file.
"""

from __future__ import annotations

import json
import math
from typing import Any, BinaryIO

import numpy as np

__all__: list[str] = []

_MAX_HEADER = 100_000_000  # safetensors' own limit
_MAX_NDIM = 64  # NumPy's
_ITEMSIZE = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "I16": 2,
    "I32": 4,
    "I64": 8,
    "F16": 2,
    "F32": 4,
    "F64": 8,
    "U16": 2,
    "U32": 4,
    "U64": 8,
}
_SLACK = 32 << 20  # bytes of JSON objects any header may cost, beyond the file's own size


def _short(value: Any) -> str:
    """``repr(value)``, cut short: error messages quote hostile files without echoing megabytes."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _not_safetensors(raw: bytes, name: str, why: str) -> RuntimeError:
    # torch.save writes a zip archive (PK..) or, in the legacy format, a pickle (0x80, protocol)
    # (0x00 is no pickle opcode, while a safetensors header length has zero high bytes).
    pickled = raw[:1] == b"\x80" and raw[1:2] in b"\x02\x03\x04\x05" and raw[2:3] != b"\x00"
    if raw[:4] == b"PK\x03\x04" or pickled:
        return RuntimeError(
            f"{name} is a pickle checkpoint (torch.save); numtorch.load reads only safetensors "
            "files and never unpickles. Re-save it with safetensors.torch.save_file"
        )
    return RuntimeError(f"{name} is {why}")


def _unique(pairs: list) -> dict:
    """``object_pairs_hook`` refusing duplicate keys (json keeps the last one silently)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"duplicate key {_short(dup)}")
    return out


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not valid JSON")


def _parse_json(text: str | bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys; deep nesting is a ValueError."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # json.loads would also guess UTF-16/32
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON nests too deeply") from None


def _json_cost(text: bytes) -> int:
    """An upper bound on the bytes ``json.loads`` allocates for ``text``, from counts of the
    characters that start values (NumPy counts, no parsing): ``[{},{},...]`` costs
    about 24 bytes of objects per byte of JSON, so a header's size alone bounds nothing."""
    braces, brackets, commas, quotes, colons, backslashes = _counts(text, b'{[,":\\')
    plain = text.isascii() and not (backslashes and b"\\u" in text)  # else 4 bytes a character
    cost = (2 if plain else 9) * len(text)  # the decoded text, its strings and their pieces
    cost += 240 * braces + 96 * brackets + 64 * commas
    return cost + 40 * quotes + 96 * colons


_CHUNK = 1 << 18


def _counts(text: bytes, chars: bytes) -> list[int]:
    """How often each byte of ``chars`` occurs in ``text``: NumPy compares over chunks that stay
    in cache (about 7x faster than a ``bytes.count`` per character: 0.1 s for 80 MB)."""
    data = np.frombuffer(text, np.uint8)
    totals = [0] * len(chars)
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        for i, char in enumerate(chars):
            totals[i] += int(np.count_nonzero(chunk == char))
    return totals


def _read_header(fh: BinaryIO, size: int, name: str) -> tuple[dict, bytes]:
    """The safetensors JSON header of the ``size``-byte file ``fh`` (positioned at its start)
    and its raw bytes, or a RuntimeError that names the file and says why. Headers whose JSON
    could cost more memory than the file's size (plus ``_SLACK``) are refused unparsed."""
    head = fh.read(8)
    if not head:
        raise RuntimeError(f"{name} is empty, not a safetensors checkpoint")
    length = int.from_bytes(head, "little") if len(head) >= 8 else -1
    if length < 0 or length > _MAX_HEADER or 8 + length > size:
        why = f"the header length is {length} bytes, the file {size} bytes"
        if length > _MAX_HEADER:
            why = f"the header length {length} exceeds the {_MAX_HEADER}-byte limit"
        raise _not_safetensors(
            head, name, f"truncated or not a safetensors file (bad header length: {why})"
        )
    text = fh.read(length)
    if len(text) != length:
        raise RuntimeError(f"{name} is truncated: the file ended inside the header")
    cost = _json_cost(text)
    if cost > size + _SLACK:
        raise RuntimeError(
            f"{name} is corrupt or hostile: its {length}-byte header would take about {cost} "
            f"bytes of memory to parse, more than the {size}-byte file justifies (too many "
            "tensors or JSON values for its data)"
        )
    try:
        header = _parse_json(text)
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _not_safetensors(
            head, name, f"corrupt: unreadable safetensors header ({_short(str(err))})"
        ) from None
    if not isinstance(header, dict):
        raise RuntimeError(f"{name} is corrupt: the safetensors header is not a JSON object")
    return header, text


def _ints(value: Any, what: str, where: str, length: int | None = None) -> list[int]:
    """``value`` as a list of non-negative JSON integers (bools and floats refused)."""
    ok = isinstance(value, list) and (length is None or len(value) == length)
    if not ok or not all(type(v) is int and 0 <= v < 2**63 for v in value):
        raise RuntimeError(f"{where} has a bad {what} {_short(value)}")
    return value


def _check_entry(key: str, info: Any, data_len: int, name: str) -> tuple[int, int]:
    """One tensor's header entry checked on its own; returns its byte span in the data."""
    where = f"{name} is corrupt: tensor {_short(key)}"
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise RuntimeError(f"{where} needs exactly dtype, shape and data_offsets: {_short(info)}")
    dtype = info["dtype"]
    if not isinstance(dtype, str) or dtype not in _ITEMSIZE:
        raise RuntimeError(
            f"{name}: tensor {_short(key)} has safetensors dtype "
            f"{dtype if isinstance(dtype, str) and len(dtype) < 20 else _short(dtype)}, which "
            f"numtorch can't represent (supported: {', '.join(sorted(_ITEMSIZE))})"
        )
    shape = _ints(info["shape"], "shape", where)
    begin, end = _ints(info["data_offsets"], "data_offsets", where, 2)
    if len(shape) > _MAX_NDIM or not begin <= end <= data_len:
        raise RuntimeError(
            f"{where} has shape {_short(shape)} and data_offsets [{begin}, {end}] outside the "
            f"{data_len}-byte data section (or more than {_MAX_NDIM} dimensions)"
        )
    if math.prod(n for n in shape if n) * _ITEMSIZE[dtype] >= 2**63:  # even with a 0 in it
        raise RuntimeError(f"{where} has shape {_short(shape)}, too large for any array")
    nbytes = math.prod(shape) * _ITEMSIZE[dtype]  # Python ints: no overflow, no allocation
    if nbytes != end - begin:
        raise RuntimeError(
            f"{where}: shape {_short(shape)} of {dtype} needs {_short(nbytes)} bytes, but its "
            f"data_offsets [{begin}, {end}] hold {end - begin}"
        )
    return begin, end


def _check_header(header: dict, data_len: int, name: str) -> None:
    """Validate every entry before the safetensors package sees the file: dtypes, shapes and
    byte spans that agree with each other and tile the data section exactly, without gaps or
    overlaps -- so nothing is allocated from a number the file merely claims."""
    meta = header.get("__metadata__")
    if meta is not None and not (
        isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
    ):
        raise RuntimeError(f"{name} is corrupt: __metadata__ must map str to str")
    spans = sorted(
        (*_check_entry(k, v, data_len, name), k) for k, v in header.items() if k != "__metadata__"
    )
    pos = 0
    for begin, end, key in spans:
        if begin != pos:
            raise RuntimeError(
                f"{name} is corrupt: tensor {_short(key)} starts at byte {begin} of the data, but "
                f"the tensors before it end at byte {pos} (overlapping or with a gap)"
            )
        pos = end
    if pos != data_len:
        raise RuntimeError(
            f"{name} is corrupt or truncated: the tensors span {pos} bytes but the data section "
            f"holds {data_len}"
        )
