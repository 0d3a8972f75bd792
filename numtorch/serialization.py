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

Only regular files are read (a device such as ``/dev/zero`` or a FIFO is refused at once), and
the memory a file can cost is bounded: a safetensors header whose JSON would take more memory
than the file's size is refused before parsing, and a PyTorch archive's pickle is scanned and
its entries checked (zip bombs, path tricks, duplicate names; see ``numtorch._torch_zip``).

Tensors are streamed: ``save`` writes each tensor's bytes straight from its array (copying
only a non-contiguous one, one at a time) and ``load`` reads each straight into its new array,
so neither needs more than one tensor of extra memory, for both formats.

Checksums (beyond PyTorch): numtorch's safetensors files (format version 2) store a CRC-32 of
each tensor's bytes (``__metadata__["numtorch_crc32"]``) and of the header itself
(``__metadata__["numtorch_header_crc32"]``, computed with eight zeros in its place); ``load``
verifies them and names the file and tensor on a mismatch, ``load(..., verify=False)`` skips
them. Files without checksums (safetensors from other tools, numtorch's version 1) load as
before. PyTorch archives carry a CRC-32 per entry, which ``load`` checks too.

Writes are atomic: the bytes go to a temporary file in the same directory, are flushed and
fsync'd, and ``os.replace`` puts the file under its real name, so a crash never leaves a
truncated checkpoint there. Equal objects give byte-identical files.

Differences from PyTorch: in safetensors numtorch stores only tensors, NumPy arrays and
scalars, dtypes, Python scalars, str, None, and dicts, lists and tuples of them (other types
raise TypeError); a tensor referenced twice is stored twice there. In PyTorch's format,
tensors that share memory are written as separate storages (each tensor's own elements).
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import pickle
import re
import secrets
import stat
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from numtorch import _dtype, _torch_zip
from numtorch._checks import check_device
from numtorch._safetensors_header import _check_header, _parse_json, _read_header, _short
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
_VERSION = 2  # 2: with checksums; version 1 files (without) still load
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
    arrays[name] = array  # made contiguous only when written, one array at a time
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


def _write_all(out: BinaryIO, data: bytes | memoryview) -> None:
    """Write ``data`` in chunks (a seam the tests use to simulate a crash mid-write)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        out.write(view[start : start + _CHUNK])


def _atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Run ``write`` on a temporary file next to ``path``, fsync it and rename it into place."""
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
            write(out)
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


def save(
    obj: Any,
    f: str | os.PathLike | BinaryIO,
    pickle_module: Any = None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Save an object to a file PyTorch can read.

    Save ``obj`` to ``f``: PyTorch's zip format (what ``torch.save`` writes, so
    ``torch.load(f, weights_only=True)`` reads it), or safetensors when ``f`` is a path ending
    in ``.safetensors`` (see the module docstring for what each holds).

    Tensors are streamed to the file one at a time: the extra memory is at most one tensor's
    copy (for a non-contiguous one) plus the header, whatever the checkpoint's size.

    Args:
        obj: what to save: a state_dict, a training checkpoint, a tensor, ...
        f: a path (written atomically) or a binary file object with ``write``.
        pickle_module: Python's ``pickle`` (the default); another module (``dill``) is
            refused, as numtorch writes with its own pickler.
        pickle_protocol, _use_new_zipfile_serialization, _disable_byteorder_record: accepted
            for PyTorch's signature; numtorch always writes PyTorch's zip format with pickle
            protocol 2 and a byte-order record, which ``torch.load`` reads whatever was asked.

    Example:
        >>> import os, tempfile, numtorch as torch
        >>> from numtorch.serialization import load, save
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"epoch": 3, "w": torch.ones(2), "betas": (0.9, 0.99)}, path)
        >>> load(path)
        {'epoch': 3, 'w': tensor([1., 1.]), 'betas': (0.9, 0.99)}
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError(
            f"numtorch.save writes with Python's pickle; pickle_module="
            f"{getattr(pickle_module, '__name__', pickle_module)} is not supported"
        )
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        header, arrays = _safetensors_parts(obj)

        def write(out: BinaryIO) -> None:
            _write_all(out, header)
            for array in arrays:
                _write_all(out, _flat_bytes(array))

    elif hasattr(f, "write") or isinstance(f, (str, os.PathLike)):
        record = _record_name(f)

        def write(out: BinaryIO) -> None:
            _torch_zip.write_zip(obj, out, record, _write_all)

    else:
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")
    if hasattr(f, "write"):
        write(f)
    else:
        _atomic_write(Path(f), write)


def _record_name(f: Any) -> str:
    """The archive's folder name: the file's stem, as ``torch.save`` names it ("archive" for
    file objects)."""
    if isinstance(f, (str, os.PathLike)):
        stem = Path(f).stem
        return stem if stem.isidentifier() else "archive"
    return "archive"


def _flat_bytes(array: np.ndarray) -> memoryview:
    """The array's elements as little-endian bytes in C order (a copy only when they aren't)."""
    data = np.ascontiguousarray(array, array.dtype.newbyteorder("<") if array.dtype.itemsize > 1
                                else array.dtype).reshape(-1)  # fmt: skip
    return memoryview(data.view(np.uint8))


def _safetensors_bytes(obj: Any) -> bytes:
    """The whole safetensors file ``save`` writes for ``obj`` (for tests and small objects)."""
    header, arrays = _safetensors_parts(obj)
    return b"".join([header, *(bytes(_flat_bytes(a)) for a in arrays)])


def _safetensors_parts(obj: Any) -> tuple[bytes, list[np.ndarray]]:
    """The header (with the checksums) and the arrays, in the order their bytes follow it.

    The header is canonical JSON (sorted metadata, tensors by decreasing item size then name),
    so equal objects give equal bytes; ``numtorch_crc32`` holds each tensor's CRC-32 and
    ``numtorch_header_crc32`` that of the header itself (computed with eight zeros in its place).
    """
    arrays: dict[str, np.ndarray] = {}
    description = {"version": _VERSION, "object": _encode(obj, [], arrays)}
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    entries, pos, sums = {}, 0, {}
    for key in order:
        array = arrays[key]
        nbytes = array.size * array.dtype.itemsize
        entries[key] = {
            "dtype": _ST_DTYPE[array.dtype.name],
            "shape": [int(n) for n in array.shape],
            "data_offsets": [pos, pos + nbytes],
        }
        sums[key] = f"{zlib.crc32(_flat_bytes(array)):08x}"
        pos += nbytes
    metadata = {
        "format": "pt",
        _META_KEY: json.dumps(description, allow_nan=False),
        _SUMS_KEY: json.dumps(sums, sort_keys=True),
        _HEADER_SUM_KEY: _NO_SUM,
    }
    header = {"__metadata__": dict(sorted(metadata.items())), **entries}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    text = text.replace(_sum_field(_NO_SUM), _sum_field(f"{zlib.crc32(text):08x}"))
    return len(text).to_bytes(8, "little") + text, [arrays[k] for k in order]


def _sum_field(value: str) -> bytes:
    return f'"{_HEADER_SUM_KEY}":"{value}"'.encode()


_ST_DTYPE = {
    "bool": "BOOL",
    "uint8": "U8",
    "int8": "I8",
    "int16": "I16",
    "int32": "I32",
    "int64": "I64",
    "float16": "F16",
    "float32": "F32",
    "float64": "F64",
    "uint16": "U16",
    "uint32": "U32",
    "uint64": "U64",
}
_NP_DTYPE = {st: np.dtype(name).newbyteorder("<") for name, st in _ST_DTYPE.items()}
_SUMS_KEY = "numtorch_crc32"
_HEADER_SUM_KEY = "numtorch_header_crc32"
_NO_SUM = "00000000"


# ------------------------------------------------------------------------ reading
def _open(f: str | os.PathLike | BinaryIO) -> tuple[BinaryIO, str, bool]:
    """A seekable binary file positioned where the checkpoint starts, its name for errors, and
    whether ``load`` opened it (and must close it). Devices, FIFOs and sockets are refused at
    once: reading ``/dev/zero`` would never end."""
    if hasattr(f, "read"):
        name = str(getattr(f, "name", f))
        _check_regular(f, name)
        try:
            f.seek(f.tell())
            return f, name, False
        except (AttributeError, OSError, ValueError):  # not seekable: buffer it
            data = f.read()
            if not isinstance(data, (bytes, bytearray)):
                raise TypeError(
                    f"f.read() must return bytes, but got {type(data).__name__}"
                ) from None
            return io.BytesIO(data), name, False
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"f must be a path or a binary file object, but got {type(f).__name__}")
    name = os.fspath(f)
    _check_mode(os.stat(name).st_mode, name)  # before opening: a socket cannot be opened
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    try:
        _check_mode(os.fstat(fd).st_mode, name)  # what was opened (the path may have changed)
        return os.fdopen(fd, "rb"), name, True
    except BaseException:
        os.close(fd)
        raise


def _check_mode(mode: int, name: str) -> None:
    """A directory is an ``IsADirectoryError`` (as ``open`` raises); any other file that is not
    a regular file -- a device, FIFO or socket -- is refused with one line."""
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    if not stat.S_ISREG(mode):
        raise RuntimeError(_NOT_REGULAR.format(name=name))


_NOT_REGULAR = (
    "{name} is not a regular file (a device, FIFO or socket): numtorch.load reads checkpoints "
    "from regular files only"
)


def _check_regular(f: BinaryIO, name: str) -> None:
    """Refuse a file object reading a character or block device (``open("/dev/zero")``)."""
    try:
        mode = os.fstat(f.fileno()).st_mode
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise RuntimeError(_NOT_REGULAR.format(name=name))


def _peek(fh: BinaryIO, n: int) -> bytes:
    start = fh.tell()
    head = fh.read(n)
    fh.seek(start)
    if not isinstance(head, (bytes, bytearray)):
        raise TypeError(f"f.read() must return bytes, but got {type(head).__name__}")
    return bytes(head)


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    *,
    weights_only: bool = True,
    mmap: bool = False,
    verify: bool = True,
) -> Any:
    """Load an object saved with ``save`` or ``torch.save``.

    Load an object written by ``save`` or ``torch.save`` (or any safetensors file, as a
    dict of tensors).

    The file is untrusted input. A PyTorch zip file is unpickled with only the globals
    PyTorch's ``weights_only=True`` allows (``weights_only=False``: full unpickling, which runs
    code from the file -- trusted files only), after its pickle's opcodes and the archive's
    entries are checked (see ``numtorch._torch_zip``); a safetensors header is validated in
    full -- length, the memory its JSON can cost, UTF-8 JSON without duplicate keys, each
    tensor's dtype, shape and byte span, the spans tiling the data exactly -- before any tensor
    is built, so a damaged or hostile file fails fast with an error naming it instead of
    allocating what it claims. Tensors are read straight from the file into their arrays.

    Args:
        f: a path (a regular file) or a binary file object with ``read``.
        map_location: None, "cpu", a dict or a function: everything loads on the CPU.
        weights_only: refuse (``pickle.UnpicklingError``) any global PyTorch's weights-only
            loader would refuse. Safetensors files are always weights-only.
        mmap: map a PyTorch file's storages from disk (copy-on-write) instead of reading them.
        verify: check the checksums (numtorch's safetensors files store a CRC-32 per tensor
            and of the header; PyTorch's zip entries carry CRC-32s). ``False`` skips them.

    Raises:
        FileNotFoundError: ``f`` does not exist.
        RuntimeError: the file is corrupt, truncated, hostile, not a regular file, or not a
            checkpoint (the message names it).
        pickle.UnpicklingError: a PyTorch file's pickle is damaged or names a refused global.
    """
    if not (callable(map_location) or isinstance(map_location, dict)):
        check_device(map_location)  # a dict or function maps every storage to the CPU anyway
    fh, name, owned = _open(f)
    try:
        head = _peek(fh, 14)
        if _torch_zip.is_zip(head):
            mmap_path = name if mmap and isinstance(f, (str, os.PathLike)) else None
            return _torch_zip.load_zip(
                fh,
                name,
                weights_only=weights_only,
                map_location=map_location,
                mmap_path=mmap_path,
                verify=verify,
            )
        if _torch_zip.is_legacy(head):
            raise RuntimeError(
                f"{name} is in PyTorch's legacy (pre-1.6) format, which numtorch does not read: "
                "re-save it with a recent PyTorch (torch.save uses the zip format since 1.6)"
            )
        return _load_safetensors(fh, name, verify)
    finally:
        if owned:
            fh.close()


def _load_safetensors(fh: BinaryIO, name: str, verify: bool) -> Any:
    start = fh.tell()
    size = fh.seek(0, 2) - start
    fh.seek(start)
    header, text = _read_header(fh, size, name)
    _check_header(header, size - 8 - len(text), name)
    meta = header.get("__metadata__") or {}
    sums = _checked_sums(meta, text, name) if verify else None
    arrays = _read_tensors(fh, header, name, sums)
    if _META_KEY not in meta:  # a plain safetensors file, e.g. from safetensors.torch
        return {k: Tensor._make(arrays[k]) for k in header if k != "__metadata__"}
    try:
        description = _parse_json(meta[_META_KEY])
        version = description.get("version") if isinstance(description, dict) else None
        if version not in (1, _VERSION) or isinstance(version, bool):
            raise ValueError(f"unsupported format version {_short(version)}")
        if version == _VERSION and verify and sums is None:
            raise ValueError("the checksums are missing")
        return _Decoder(arrays)(description["object"])
    except _BAD_METADATA as err:
        raise RuntimeError(f"{name} is corrupt: bad numtorch metadata ({_short(err)})") from None


def _checked_sums(meta: dict, text: bytes, name: str) -> dict[str, int] | None:
    """Verify the header's own checksum; the per-tensor CRC-32s (None: a file without them)."""
    if _HEADER_SUM_KEY not in meta and _SUMS_KEY not in meta:
        return None
    stored = meta.get(_HEADER_SUM_KEY)
    field = _sum_field(stored) if isinstance(stored, str) else b""
    ok = re.fullmatch(r"[0-9a-f]{8}", stored or "") and text.count(field) == 1
    if not ok or zlib.crc32(text.replace(field, _sum_field(_NO_SUM))) != int(stored, 16):
        raise RuntimeError(f"{name} is corrupt: its header fails its checksum (CRC-32)")
    try:
        sums = _parse_json(meta.get(_SUMS_KEY, ""))
        if not isinstance(sums, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[0-9a-f]{8}", v) for v in sums.values()
        ):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"{name} is corrupt: bad tensor checksums in its header") from None
    return {k: int(v, 16) for k, v in sums.items()}


def _read_tensors(fh: BinaryIO, header: dict, name: str, sums: dict | None) -> dict:
    """Each tensor read straight into its array, in file order (the spans tile the data)."""
    entries = sorted(
        ((v["data_offsets"][0], k) for k, v in header.items() if k != "__metadata__"),
    )
    if sums is not None and set(sums) != {k for _, k in entries}:
        raise RuntimeError(f"{name} is corrupt: its checksums don't match its tensors")
    out = {}
    for _, key in entries:
        info = header[key]
        try:
            array = np.empty(info["shape"], _NP_DTYPE[info["dtype"]])
        except (MemoryError, ValueError):
            raise RuntimeError(
                f"{name}: not enough memory for tensor {_short(key)} of shape "
                f"{_short(info['shape'])}"
            ) from None
        view = memoryview(array.reshape(-1).view(np.uint8))
        truncated = f"{name} is truncated: the file ended inside a tensor"
        crc = _torch_zip.read_exactly(fh, view, truncated, sums is not None)
        if sums is not None and crc != sums[key]:
            raise RuntimeError(f"{name} is corrupt: tensor {_short(key)} fails its checksum")
        if array.dtype == np.bool_:  # a damaged byte (not 0 or 1) must still be a plain bool
            raw = array.view(np.uint8)
            np.minimum(raw, 1, out=raw)
        if not array.dtype.isnative:
            array = array.byteswap().view(array.dtype.newbyteorder("="))
        out[key] = array
    return out
