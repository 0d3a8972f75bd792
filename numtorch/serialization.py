"""``save`` and ``load``: PyTorch's checkpoint format (a zip of a pickle and raw storages,
what ``torch.save`` writes) and safetensors.

``save(obj, path)`` writes PyTorch's zip format (``numtorch._torch_zip``), so
``torch.load(path, weights_only=True)`` reads it; a path ending in ``.safetensors`` gets
safetensors instead. ``load`` reads either, telling them apart by their first bytes; a
PyTorch file is unpickled by a restricted unpickler that allows what PyTorch's
``weights_only=True`` allows and nothing else (``weights_only=False`` is full unpickling, for
trusted files only).

In safetensors, a state_dict (a flat mapping of str to Tensor) is written as a plain file
whose tensor names are the state_dict keys, so PyTorch reads it with
``safetensors.torch.load_file`` and ``load_state_dict(strict=True)``; files written by
``safetensors.torch.save_file`` load here. Any other object -- a training checkpoint with the
model and optimizer state_dicts, the epoch, RNG state and metrics -- is stored as its tensors
plus a JSON description of the structure in the safetensors metadata (key ``"numtorch"``),
and loads back with the same structure and types: ints stay ints (also as dict keys), tuples
stay tuples, and None, bool, float (NaN and infinities included) and str round-trip.

Loading treats every file as untrusted: a safetensors file's header is validated in full
before any tensor is built (see ``numtorch._safetensors_header``), its numtorch metadata is
decoded with type checks and bounded nesting, and a PyTorch file's storages and tensor views
are checked against the sizes the archive holds, so a truncated, corrupted or hostile file
raises an error naming it, without allocating what the file claims or running its code.

Writes are atomic: the bytes go to a temporary file in the same directory, are flushed and
fsync'd, and ``os.replace`` puts the file under its real name, so a crash never leaves a
truncated checkpoint there.

Differences from PyTorch: in safetensors numtorch stores only tensors, NumPy arrays and
scalars, dtypes, Python scalars, str, None, and dicts, lists and tuples of them (other types
raise TypeError); a tensor referenced twice is stored twice there. In PyTorch's format,
tensors that share memory are written as separate storages (each tensor's own elements).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import secrets
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import safetensors.numpy

from numtorch import _dtype, _torch_zip
from numtorch._checks import check_device
from numtorch._safetensors_header import _check_header, _header, _parse_json, _short
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Size, Tensor

__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
]

add_safe_globals = _torch_zip.add_safe_globals
get_safe_globals = _torch_zip.get_safe_globals
clear_safe_globals = _torch_zip.clear_safe_globals


@contextlib.contextmanager
def safe_globals(globals_list: list) -> Iterator[None]:
    """Allow ``globals_list`` in weights-only loads inside the ``with`` block only."""
    before = dict(_torch_zip._USER_SAFE)
    add_safe_globals(globals_list)
    try:
        yield
    finally:
        _torch_zip._USER_SAFE.clear()
        _torch_zip._USER_SAFE.update(before)


_META_KEY = "numtorch"
_VERSION = 1
_CHUNK = 1 << 24
_MAX_DEPTH = 100  # nesting levels; hostile metadata must not exhaust the stack
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
    if len(path) >= _MAX_DEPTH:
        raise ValueError(
            f"numtorch.save can't store objects nested {_MAX_DEPTH} or more levels deep "
            f"(at {_where(path[:4])}...)"
        )
    if obj is None or type(obj) in (bool, int, str):
        return obj
    if type(obj) is float:
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, Tensor):
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
class _Decoder:
    """Rebuilds the saved object from its JSON description, trusting nothing in it: every node
    is type-checked, nesting is bounded and each stored tensor is used at most once. Problems
    raise ValueError/TypeError, which ``load`` reports as a corrupt file."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays, self.used = arrays, set()

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise ValueError(f"reference to a missing tensor {_short(key)}")
        if key in self.used:
            raise ValueError(f"tensor {_short(key)} is referenced twice")
        self.used.add(key)
        return self.arrays[key]

    def key(self, node: Any, depth: int) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and set(node) == {"float"}:
            return self(node, depth)
        if isinstance(node, dict) and set(node) == {"tuple"} and isinstance(node["tuple"], list):
            return tuple(self.key(k, depth + 1) for k in node["tuple"])
        raise TypeError(f"bad dict key {_short(node)}")

    def __call__(self, node: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError(f"the object nests deeper than {_MAX_DEPTH} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self(n, depth + 1) for n in node]
        if not isinstance(node, dict):  # pragma: no cover - JSON has no other types
            raise TypeError(f"bad node {_short(node)}")
        for tag, decode in _TAGS.items():
            if tag in node:
                return decode(self, node, depth + 1)
        raise ValueError(f"unknown node {_short(sorted(node))}")

    def items(self, node: dict, depth: int) -> list:
        if not isinstance(node["dict"], list):
            raise TypeError(f"bad dict node {_short(node)}")
        return [(self.key(k, depth), self(v, depth)) for k, v in node["dict"]]

    def seq(self, node: list, depth: int) -> list:
        if not isinstance(node, list):
            raise TypeError(f"expected a list, got {_short(node)}")
        return [self(n, depth) for n in node]


def _flag(node: dict, key: str) -> bool:
    value = node.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be a bool, got {_short(value)}")
    return value


def _tensor(dec: _Decoder, node: dict, depth: int) -> Tensor:
    t = Tensor._make(dec.array(node["tensor"]))
    if _flag(node, "parameter"):
        return Parameter(t, _flag(node, "requires_grad"))
    return t.requires_grad_(True) if _flag(node, "requires_grad") else t


def _scalar(dec: _Decoder, node: dict, depth: int) -> Any:
    name, value = node["scalar"], dec(node["value"], depth)
    if not isinstance(name, str) or not _SCALAR_NAME.fullmatch(name) or isinstance(value, str):
        raise TypeError(f"bad NumPy scalar node {_short(node)}")
    kind = np.dtype(name).kind
    if kind not in "biuf":
        raise TypeError(f"bad NumPy scalar dtype {_short(name)}")
    return np.dtype(name).type(value)


def _text(node: dict, tag: str) -> str:
    if not isinstance(node[tag], str):
        raise TypeError(f"bad {tag} node {_short(node)}")
    return node[tag]


def _name(node: dict, tag: str) -> str:
    """A dtype name: letters and digits only (NumPy parses "a,b" strings with ast)."""
    name = _text(node, tag)
    if not _SCALAR_NAME.fullmatch(name):
        raise TypeError(f"bad {tag} name {_short(name)}")
    return name


_SCALAR_NAME = re.compile(r"[a-z]{3,8}[0-9]{0,3}")
_TAGS = {
    "tensor": _tensor,
    "dict": lambda dec, n, d: (OrderedDict if _flag(n, "ordered") else dict)(dec.items(n, d)),
    "tuple": lambda dec, n, d: tuple(dec.seq(n["tuple"], d)),
    "float": lambda dec, n, d: float(_text(n, "float")),
    "ndarray": lambda dec, n, d: dec.array(n["ndarray"]),
    "scalar": _scalar,
    "dtype": lambda dec, n, d: _dtype.to_dtype(_name(n, "dtype")),
    "size": lambda dec, n, d: Size(dec.seq(n["size"], d)),
}


# ------------------------------------------------------------------------ files
_BAD_METADATA = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OverflowError,
    RuntimeError,
    SyntaxError,  # a validation gap (NumPy parses "a,b" dtype strings with ast) is still damage
)


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
        try:
            out = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with out:
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
    """Save ``obj`` to ``f``: PyTorch's zip format (what ``torch.save`` writes, so
    ``torch.load(f, weights_only=True)`` reads it), or safetensors when ``f`` is a path ending
    in ``.safetensors`` (see the module docstring for what each holds).

    Args:
        obj: what to save: a state_dict, a training checkpoint, a tensor, ...
        f: a path (written atomically) or a binary file object with ``write``.

    Example:
        >>> import os, tempfile, numtorch as torch
        >>> from numtorch.serialization import load, save
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"epoch": 3, "w": torch.ones(2), "betas": (0.9, 0.99)}, path)
        >>> load(path)
        {'epoch': 3, 'w': tensor([1., 1.]), 'betas': (0.9, 0.99)}
    """
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        data = _safetensors_bytes(obj)
    elif hasattr(f, "write") or isinstance(f, (str, os.PathLike)):
        data = _torch_zip.save_zip(obj, _record_name(f))
    else:
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")
    if hasattr(f, "write"):
        _write_all(f, data)
    else:
        _atomic_write(Path(f), data)


def _record_name(f: Any) -> str:
    """The archive's folder name: the file's stem, as ``torch.save`` names it ("archive" for
    file objects)."""
    if isinstance(f, (str, os.PathLike)):
        stem = Path(f).stem
        return stem if stem.isidentifier() else "archive"
    return "archive"


def _safetensors_bytes(obj: Any) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    description = {"version": _VERSION, "object": _encode(obj, [], arrays)}
    metadata = {"format": "pt", _META_KEY: json.dumps(description, allow_nan=False)}
    return _canonical_header(safetensors.numpy.save(arrays, metadata=metadata))


def _canonical_header(data: bytes) -> bytes:
    """``data`` with the header's ``__metadata__`` keys sorted, so equal objects give equal bytes.

    The safetensors package writes ``__metadata__`` from a hash map, in random key order on
    every save; the re-serialised header has the same length (it is padded with spaces).
    """
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    header["__metadata__"] = dict(sorted(header.get("__metadata__", {}).items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    if len(text) > n:  # cannot happen for the headers save() writes; keep the original then
        return data
    return data[:8] + text.ljust(n) + data[8 + n :]


def _read(f: str | os.PathLike | BinaryIO) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        return f.read(), str(getattr(f, "name", f))
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")
    return Path(f).read_bytes(), os.fspath(f)


def _arrays(raw: bytes, name: str) -> dict[str, np.ndarray]:
    try:
        arrays = safetensors.numpy.load(raw)
    except Exception as err:  # safetensors raises SafetensorError, or numpy errors on dtypes
        raise RuntimeError(f"{name} is corrupt or truncated: {_short(str(err))}") from None
    out = {}
    for key, array in arrays.items():
        array = np.require(array, requirements=["C", "A", "W"])
        if array.dtype == np.bool_:  # a damaged byte (not 0 or 1) must still be a plain bool
            array = array.view(np.uint8).astype(np.bool_)
        out[key] = array
    return out


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    *,
    weights_only: bool = True,
    mmap: bool = False,
) -> Any:
    """Load an object written by ``save`` or ``torch.save`` (or any safetensors file, as a
    dict of tensors).

    The file is untrusted input. A PyTorch zip file is unpickled with only the globals
    PyTorch's ``weights_only=True`` allows (``weights_only=False``: full unpickling, which runs
    code from the file -- trusted files only); a safetensors header is validated in full --
    length, UTF-8 JSON without duplicate keys, each tensor's dtype, shape and byte span, the
    spans tiling the data exactly -- before any tensor is built, so a damaged or hostile file
    fails fast with an error naming it instead of allocating what it claims.

    Args:
        f: a path or a binary file object with ``read``.
        map_location: None, "cpu", a dict or a function: everything loads on the CPU.
        weights_only: refuse (``pickle.UnpicklingError``) any global PyTorch's weights-only
            loader would refuse. Safetensors files are always weights-only.
        mmap: map a PyTorch file's storages from disk (copy-on-write) instead of reading them.

    Raises:
        FileNotFoundError: ``f`` does not exist.
        RuntimeError: the file is corrupt, truncated, or not safetensors (the message names it).
    """
    if not (callable(map_location) or isinstance(map_location, dict)):
        check_device(map_location)  # a dict or function maps every storage to the CPU anyway
    raw, name = _read(f)
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(f"f.read() must return bytes, but got {type(raw).__name__}")
    if _torch_zip.is_zip(raw[:4]):
        source = os.fspath(f) if mmap and isinstance(f, (str, os.PathLike)) else io.BytesIO(raw)
        return _torch_zip.load_zip(
            source, name, weights_only=weights_only, map_location=map_location, mmap=mmap
        )
    if _torch_zip.is_legacy(raw[:14]):
        raise RuntimeError(
            f"{name} is in PyTorch's legacy (pre-1.6) format, which numtorch does not read: "
            "re-save it with a recent PyTorch (torch.save uses the zip format since 1.6)"
        )
    header = _header(raw, name)
    _check_header(header, len(raw) - 8 - int.from_bytes(raw[:8], "little"), name)
    arrays = _arrays(bytes(raw), name)
    meta = header.get("__metadata__") or {}
    if _META_KEY not in meta:  # a plain safetensors file, e.g. from safetensors.torch
        return {k: Tensor._make(arrays[k]) for k in header if k != "__metadata__"}
    try:
        description = _parse_json(meta[_META_KEY])
        if not isinstance(description, dict) or description.get("version") != _VERSION:
            version = description.get("version") if isinstance(description, dict) else None
            raise ValueError(f"unsupported format version {_short(version)}")
        return _Decoder(arrays)(description["object"])
    except _BAD_METADATA as err:
        raise RuntimeError(f"{name} is corrupt: bad numtorch metadata ({_short(err)})") from None
