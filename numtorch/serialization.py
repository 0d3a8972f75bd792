"""``save`` and ``load``: checkpoints in the safetensors format, never pickle.

A state_dict (a flat mapping of str to Tensor) is written as a plain safetensors file whose
tensor names are the state_dict keys, so PyTorch reads it with ``safetensors.torch.load_file``
and ``load_state_dict(strict=True)``; files written by ``safetensors.torch.save_file`` load
here. Any other object -- a training checkpoint with the model and optimizer state_dicts, the
epoch, RNG state and metrics -- is stored as its tensors plus a JSON description of the
structure in the safetensors metadata (key ``"numtorch"``), and loads back with the same
structure and types: ints stay ints (also as dict keys), tuples stay tuples, and None, bool,
float (NaN and infinities included) and str round-trip.

Writes are atomic: the bytes go to a temporary file in the same directory, are flushed and
fsync'd, and ``os.replace`` puts the file under its real name, so a crash never leaves a
truncated checkpoint there.

Differences from PyTorch: ``torch.save`` pickles arbitrary objects; numtorch stores only
tensors, NumPy arrays and scalars, dtypes, Python scalars, str, None, and dicts, lists and
tuples of them (other types raise TypeError). A tensor referenced twice is stored twice and
loads as two tensors. Dict subclasses other than OrderedDict load as dict.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import safetensors.numpy

from numtorch import _dtype
from numtorch.tensor import Size, Tensor

__all__ = ["save", "load"]

_META_KEY = "numtorch"
_VERSION = 1
_CHUNK = 1 << 24
_TYPES_HINT = (
    "checkpoints hold tensors, NumPy arrays and scalars, dtypes, int, float, bool, str, None, "
    "and dicts, lists and tuples of them"
)


# ------------------------------------------------------------------------ encoding
def _where(path: list) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _encode_key(key: Any, path: list) -> Any:
    if key is None or isinstance(key, (bool, int, str)):
        return key
    if isinstance(key, float):
        return key if math.isfinite(key) else {"float": repr(key)}
    if type(key) is tuple:
        return {"tuple": [_encode_key(k, path) for k in key]}
    raise TypeError(
        f"numtorch.save can't store a dict key of type {type(key).__name__} at "
        f"{_where(path)}: keys must be str, int, float, bool, None or tuples of them"
    )


def _encode_array(array: np.ndarray, path: list, arrays: dict) -> str:
    name = "/".join(str(k) for k in path) or "_"
    while name in arrays:  # keys 1 and "1" would collide
        name += "#"
    arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
    return name


def _encode(obj: Any, path: list, arrays: dict) -> Any:
    """The JSON description of ``obj``; its tensors go into ``arrays``. JSON objects are tags."""
    if obj is None or type(obj) in (bool, int, str):
        return obj
    if type(obj) is float:
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, Tensor):
        from numtorch.nn.parameter import Parameter  # lazy: numtorch.nn imports much more

        node = {"tensor": _encode_array(obj._data, path, arrays)}
        if obj.requires_grad:
            node["requires_grad"] = True
        if isinstance(obj, Parameter):
            node["parameter"] = True
        return node
    if type(obj) is np.ndarray:
        _dtype.from_numpy_dtype(obj.dtype)  # TypeError for dtypes numtorch can't hold
        return {"ndarray": _encode_array(obj, path, arrays)}
    if isinstance(obj, (np.bool_, np.integer, np.floating)):
        return {"scalar": obj.dtype.name, "value": _encode(obj.item(), path, arrays)}
    if isinstance(obj, _dtype.dtype):
        return {"dtype": obj.name}
    if isinstance(obj, dict):
        items = [[_encode_key(k, path), _encode(v, [*path, k], arrays)] for k, v in obj.items()]
        return {"dict": items, "ordered": isinstance(obj, OrderedDict)}
    if type(obj) is list:
        return [_encode(v, [*path, i], arrays) for i, v in enumerate(obj)]
    if type(obj) in (tuple, Size):
        key = "tuple" if type(obj) is tuple else "size"
        return {key: [_encode(v, [*path, i], arrays) for i, v in enumerate(obj)]}
    raise TypeError(
        f"numtorch.save can't store an object of type {type(obj).__name__} at {_where(path)}: "
        f"{_TYPES_HINT}"
    )


# ------------------------------------------------------------------------ decoding
def _tensor(array: np.ndarray, node: dict) -> Tensor:
    t = Tensor._make(array)
    if node.get("parameter"):
        from numtorch.nn.parameter import Parameter

        return Parameter(t, bool(node.get("requires_grad")))
    return t.requires_grad_(True) if node.get("requires_grad") else t


def _decode(node: Any, arrays: dict) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(n, arrays) for n in node]
    if "tensor" in node:
        return _tensor(arrays[node["tensor"]], node)
    if "dict" in node:
        items = [(_decode(k, arrays), _decode(v, arrays)) for k, v in node["dict"]]
        return OrderedDict(items) if node.get("ordered") else dict(items)
    if "tuple" in node:
        return tuple(_decode(n, arrays) for n in node["tuple"])
    if "float" in node:
        return float(node["float"])
    if "ndarray" in node:
        return arrays[node["ndarray"]]
    if "scalar" in node:
        return np.dtype(node["scalar"]).type(_decode(node["value"], arrays))
    if "dtype" in node:
        return _dtype.to_dtype(node["dtype"])
    if "size" in node:
        return Size(_decode(n, arrays) for n in node["size"])
    raise ValueError(f"unknown node {sorted(node)}")


# ------------------------------------------------------------------------ files
def _write_all(out: BinaryIO, data: bytes) -> None:
    """Write ``data`` in chunks (a seam the tests use to simulate a crash mid-write)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        out.write(view[start : start + _CHUNK])


def _atomic_write(path: Path, data: bytes) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 & ~umask, as open()
    try:
        with os.fdopen(fd, "wb") as out:
            _write_all(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - some file systems can't fsync a directory
        pass


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save ``obj`` (a state_dict, a training checkpoint, a tensor, ...) to ``f`` as safetensors.

    Args:
        obj: what to save; see the module docstring for the supported types.
        f: a path (written atomically) or a binary file object with ``write``.

    Example:
        >>> import os, tempfile, numtorch as torch
        >>> from numtorch.serialization import load, save
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"epoch": 3, "w": torch.ones(2), "betas": (0.9, 0.99)}, path)
        >>> load(path)
        {'epoch': 3, 'w': tensor([1., 1.]), 'betas': (0.9, 0.99)}
    """
    arrays: dict[str, np.ndarray] = {}
    description = {"version": _VERSION, "object": _encode(obj, [], arrays)}
    metadata = {"format": "pt", _META_KEY: json.dumps(description, allow_nan=False)}
    data = safetensors.numpy.save(arrays, metadata=metadata)
    if hasattr(f, "write"):
        _write_all(f, data)
    elif isinstance(f, (str, os.PathLike)):
        _atomic_write(Path(f), data)
    else:
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")


def _read(f: str | os.PathLike | BinaryIO) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        return f.read(), str(getattr(f, "name", f))
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")
    return Path(f).read_bytes(), os.fspath(f)


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


def _header(raw: bytes, name: str) -> dict:
    """The safetensors JSON header, or a RuntimeError that names the file and says why."""
    if not raw:
        raise RuntimeError(f"{name} is empty, not a safetensors checkpoint")
    size = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if size < 0 or 8 + size > len(raw):
        raise _not_safetensors(raw, name, "truncated or not a safetensors file (bad header length)")
    try:
        header = json.loads(raw[8 : 8 + size])
    except ValueError as err:
        raise _not_safetensors(
            raw, name, f"corrupt: unreadable safetensors header ({err})"
        ) from None
    if not isinstance(header, dict):
        raise RuntimeError(f"{name} is corrupt: the safetensors header is not a JSON object")
    return header


_SUPPORTED = {"BOOL", "U8", "I8", "I16", "I32", "I64", "F16", "F32", "F64"}


def _check_dtypes(header: dict, name: str) -> None:
    """Refuse, by name, tensors numtorch has no dtype for (bfloat16, float8, unsigned wide)."""
    for key, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) and key != "__metadata__" else None
        if dtype is not None and dtype not in _SUPPORTED:
            raise RuntimeError(
                f"{name}: tensor {key!r} has safetensors dtype {dtype}, which numtorch can't "
                f"represent (supported: {', '.join(sorted(_SUPPORTED))})"
            )


def load(
    f: str | os.PathLike | BinaryIO, map_location: Any = None, *, weights_only: bool = True
) -> Any:
    """Load an object written by ``save`` (or any safetensors file, as a dict of tensors).

    Args:
        f: a path or a binary file object with ``read``.
        map_location: accepted for compatibility; only the CPU (None or "cpu") exists.
        weights_only: accepted for compatibility; loading is always weights-only (no pickle).

    Raises:
        FileNotFoundError: ``f`` does not exist.
        RuntimeError: the file is corrupt, truncated, or not safetensors (the message names it).
    """
    if map_location is not None and str(map_location) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"numtorch only supports the 'cpu' device, but got {map_location!r}")
    raw, name = _read(f)
    header = _header(raw, name)
    _check_dtypes(header, name)
    try:
        arrays = safetensors.numpy.load(raw)
    except Exception as err:  # safetensors raises SafetensorError, or numpy errors on dtypes
        raise RuntimeError(f"{name} is corrupt or truncated: {err}") from None
    arrays = {k: np.require(v, requirements=["C", "A", "W"]) for k, v in arrays.items()}
    meta = header.get("__metadata__") or {}
    if _META_KEY not in meta:  # a plain safetensors file, e.g. from safetensors.torch
        return {k: Tensor._make(arrays[k]) for k in header if k != "__metadata__"}
    try:
        description = json.loads(meta[_META_KEY])
        if description.get("version") != _VERSION:
            raise ValueError(f"unsupported format version {description.get('version')!r}")
        return _decode(description["object"], arrays)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        raise RuntimeError(f"{name} is corrupt: bad numtorch metadata ({err!r})") from None
