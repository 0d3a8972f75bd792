"""PyTorch's checkpoint format (``torch.save`` since 1.6): a zip archive holding ``data.pkl``
(a protocol-2 pickle whose tensors refer to storages by key) and each storage's raw bytes
under ``data/<key>``, stored uncompressed and aligned to 64 bytes.

**Reading** is safe by default, as PyTorch's ``weights_only=True``: a restricted unpickler
resolves only the globals PyTorch's weights-only loader allows (tensor and parameter rebuild
functions, storage types, dtypes, ``Size``, ``device``, ``OrderedDict``, plain containers,
numbers, strings, bytes) plus those the user adds with ``add_safe_globals``; anything else is
refused with PyTorch's kind of ``UnpicklingError`` before it is called. Nothing in the file
is executed. Each storage is checked against the size the pickle claims, and each tensor's
offset, shape and strides against its storage, so a damaged or hostile file cannot read
outside its data. Before anything is unpickled, the archive is checked as a whole (duplicate
names, ``..`` or absolute paths, more than one record prefix, entries that overlap, exceed the
archive or expand beyond ``_MAX_RATIO`` -- zip bombs -- and more than ``_MAX_ENTRIES`` entries;
nothing is ever extracted to disk), and ``data.pkl``'s opcodes are scanned by
``numtorch._pickle_scan`` (lengths against the bytes present, small sequential memo indices,
bounded nesting, no ``BUILD`` on a global); the allow-listed callables that copy data draw on a
budget of a few times the pickle's size. Storages are read straight into their arrays (their
CRC-32 checked), so a load needs no memory beyond the tensors it returns.
``weights_only=False`` is full unpickling -- arbitrary code from the file
runs -- for trusted files only (e.g. a whole module saved with ``torch.save(model)``);
``torch.*`` classes are looked up at the same path in ``numtorch``.

**Writing** produces the same layout, so ``torch.load(path, weights_only=True)`` reads what
``numtorch.save`` wrote, byte-for-byte deterministic for equal objects; ``write_zip`` streams
each storage's bytes to the file (copying only a non-contiguous tensor, one at a time).
"""

from __future__ import annotations

import _compat_pickle
import codecs
import hashlib
import importlib
import io
import pickle
import struct
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from numtorch import _dtype, _pickle_scan
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Size, Tensor, device

__all__ = ["is_zip", "load_zip", "save_zip", "write_zip", "add_safe_globals", "get_safe_globals"]

_ALIGN = 64
_CHUNK = 1 << 24
_MAX_RATIO = 100  # a compressed entry may expand at most this much (PyTorch stores them all)
_MAX_SMALL = 1 << 10  # byteorder, version: a few bytes
_MAX_NDIM = 64
_MAX_ENTRIES = 1 << 17  # zipfile keeps an object of ~400 bytes per entry: at most ~50 MB
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# storage class name <-> dtype name, as PyTorch names its typed storages
_STORAGES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
}
_STORAGE_OF = {dtype: name for name, dtype in _STORAGES.items()}
_USER_SAFE: dict[str, Any] = {}


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "module.name")`` pairs) in weights-only loads."""
    for item in safe_globals:
        obj, name = item if isinstance(item, tuple) else (item, None)
        name = name or f"{obj.__module__}.{obj.__qualname__}"
        _USER_SAFE[name] = obj


def get_safe_globals() -> list:
    """The objects added by ``add_safe_globals``."""
    return list(_USER_SAFE.values())


def clear_safe_globals() -> None:
    _USER_SAFE.clear()


def is_zip(head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04"


def is_legacy(head: bytes) -> bool:
    """The pre-1.6 format: a pickled magic number first (protocol 2, ``LONG1`` of 10 bytes)."""
    return (
        head[:2] == b"\x80\x02"
        and head[2:4] == b"\x8a\x0a"
        and int.from_bytes(head[4:14], "little") == _LEGACY_MAGIC
    )


# ------------------------------------------------------------------------ reading
class _Refused(pickle.UnpicklingError):
    """A deliberate refusal (a global not allowed, a bad storage or view), as opposed to a
    pickle that is merely damaged."""


class _StorageType:
    """What a storage class resolves to: the dtype of its elements (None: untyped bytes)."""

    __slots__ = ("dtype_name",)

    def __init__(self, dtype_name: str | None) -> None:
        self.dtype_name = dtype_name

    def __setstate__(self, state: Any) -> None:
        raise _Refused("refusing to set state on a storage class")


class _Storage:
    """A storage read from the archive: a flat uint8 array and, for typed ones, the dtype."""

    __slots__ = ("raw", "dtype_name")

    def __init__(self, raw: np.ndarray, dtype_name: str | None) -> None:
        self.raw, self.dtype_name = raw, dtype_name

    def __setstate__(self, state: Any) -> None:
        raise _Refused("refusing to set state on a storage")


def _np_dtype(name: str) -> np.dtype:
    dt = getattr(_dtype, name, None) if isinstance(name, str) else None
    if not isinstance(dt, _dtype.dtype):
        raise _Refused(f"a tensor's dtype {str(name)[:40]!r} is not a dtype")
    if name == "bfloat16" or getattr(dt, "numpy", None) is None:
        raise RuntimeError(
            f"the checkpoint holds a torch.{name} tensor, and numtorch has no {name} (NumPy "
            "has no such type); convert it in PyTorch first, e.g. tensor.float()"
        )
    return np.dtype(dt.numpy)


def _tensor_from(storage: _Storage, offset: int, size: Any, stride: Any, dtype: str) -> Tensor:
    """A tensor viewing ``storage``, after checking the view stays inside it."""
    np_dtype = _np_dtype(dtype)
    if not isinstance(storage, _Storage):
        raise _Refused("a tensor's storage is not a storage")
    shape, strides = _dims(size), _dims(stride)
    if len(shape) != len(strides):
        raise _Refused(f"bad tensor shape {shape} or strides {strides}")
    count = storage.raw.size // np_dtype.itemsize
    elements = storage.raw[: count * np_dtype.itemsize].view(np_dtype)
    offset = int(offset)
    if 0 in shape:
        return Tensor._make(np.zeros(shape, np_dtype))
    last = offset + sum((n - 1) * s for n, s in zip(shape, strides))
    if offset < 0 or last >= count:
        raise _Refused(
            f"a tensor of size {list(shape)} at offset {offset} reaches element {last} of a "
            f"storage of {count}"
        )
    view = np.lib.stride_tricks.as_strided(
        elements[offset:],
        shape,
        tuple(s * np_dtype.itemsize for s in strides),
        writeable=elements.flags.writeable,
    )
    return Tensor._make(view)


def _dims(value: Any) -> tuple[int, ...]:
    """A tensor's size or stride from the pickle: a short tuple of non-negative ints."""
    ok = isinstance(value, (tuple, list, Size)) and len(value) <= _MAX_NDIM
    if not ok or not all(type(n) is int and 0 <= n < 2**62 for n in value):
        raise _Refused(f"bad tensor size or stride {str(value)[:80]}")
    return tuple(value)


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    return _tensor_from(storage, storage_offset, size, stride, storage.dtype_name or "uint8")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks, metadata=None):
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, hooks, dtype, metadata=None):  # fmt: skip
    name = dtype.name if isinstance(dtype, _dtype.dtype) else str(dtype)
    tensor = _tensor_from(storage, storage_offset, size, stride, name)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _rebuild_parameter(data, requires_grad, hooks) -> Parameter:
    return _parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, hooks, state) -> Parameter:
    return _parameter(data, bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor subclass's rebuild: numtorch has only ``Tensor`` and ``Parameter``."""
    if not any(func is f for f in _REBUILDS) or not isinstance(args, tuple):
        raise _Refused("_rebuild_from_type_v2 of something other than a tensor rebuild")
    return func(*args)


def _bytes(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it for ``bytes`` (``latin1`` text)."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise _Refused("bad bytes encoding in the checkpoint")
    _pickle_scan.spend(len(text), _Refused)
    return codecs.encode(text, encoding)


def _spending(make: Callable) -> Callable:
    """``make`` (a class that copies its argument) charged to the load's copy budget."""

    def build(*args: Any) -> Any:
        if args:
            first = args[0]
            if isinstance(first, int) and not isinstance(first, bool):
                cost = first  # bytearray(n) allocates n bytes
            elif isinstance(first, (str, bytes, bytearray, tuple, list, dict, set, frozenset)):
                cost = len(first)
            else:
                raise _Refused(f"refusing {make.__name__} of a {type(first).__name__}")
            _pickle_scan.spend(max(cost, 0), _Refused)
        return make(*args)

    build.__name__ = make.__name__
    return build


def _get_layout(name: Any) -> str:
    if not isinstance(name, str):
        raise _Refused("a tensor's layout is not a name")
    return name


def _parameter(data: Any = None, requires_grad: Any = True) -> Parameter:
    if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
        raise _Refused("a parameter's data is not a tensor")
    return Parameter(data, requires_grad)


def _safe_globals() -> dict[str, Any]:
    """PyTorch's weights-only allow-list, resolved to numtorch's objects."""
    found: dict[str, Any] = {
        "collections.OrderedDict": _spending(OrderedDict),
        "collections.Counter": _spending(Counter),
        "torch.nn.parameter.Parameter": _parameter,
        "torch.Size": _spending(Size),
        "torch.device": device,
        "_codecs.encode": _bytes,
        "builtins.bytearray": _spending(bytearray),
        "builtins.set": _spending(set),
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.serialization._get_layout": _get_layout,
        "torch.storage.UntypedStorage": _StorageType(None),
        "torch.storage.TypedStorage": _StorageType(None),
    }
    for storage, dtype_name in _STORAGES.items():
        found[f"torch.{storage}"] = _StorageType(dtype_name)
    for name in dir(_dtype):
        value = getattr(_dtype, name)
        if isinstance(value, _dtype.dtype):
            found[f"torch.{name}"] = value
    return found


_SAFE = _safe_globals()
_REBUILDS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
             _rebuild_parameter_with_state)  # fmt: skip


class _Unpickler(pickle.Unpickler):
    """Unpickles ``data.pkl``: globals from the allow-list only (or, when ``trusted``, any
    global, ``torch.*`` mapped to ``numtorch.*``); storages from the archive."""

    def __init__(self, data: bytes, storages, trusted: bool) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._storages, self._trusted = storages, trusted

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocol 2's Python 2 names
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        key = f"{module}.{name}"
        if key in _SAFE:
            return _SAFE[key]
        if key in _USER_SAFE:
            return _USER_SAFE[key]
        if self._trusted:
            if module == "torch" or module.startswith("torch."):
                module = "numtorch" + module[len("torch") :]
            return getattr(importlib.import_module(module), name)
        raise _Refused(
            "Weights only load failed. Unsupported global: GLOBAL "
            f"{key} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{name}])` or the "
            f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this "
            "global if you trust this class/function; or load with weights_only=False if you "
            "trust the whole file (it can run arbitrary code)."
        )

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _Refused(f"unknown persistent id {str(pid)[:80]}")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _StorageType):
            raise _Refused("a storage's type is not a storage class")
        if not isinstance(location, str) or not isinstance(key, str) or not isinstance(numel, int):
            raise _Refused("bad storage record")
        return self._storages(key, kind.dtype_name, numel, location)


class _Archive:
    """The archive's entries under its one record prefix, checked as a whole first (see
    ``_check_entries``), then read on demand -- storages straight into their arrays."""

    def __init__(self, zf: zipfile.ZipFile, name: str, mmap_path: str | None, verify: bool):
        self.zf, self.name, self.mmap_path, self.verify = zf, name, mmap_path, verify
        self.offsets = _check_entries(zf, name)
        pkl = [i for i in zf.infolist() if i.filename.endswith("data.pkl")]
        if len(pkl) != 1 or pkl[0].filename.count("/") != 1:
            raise RuntimeError(f"{name} is a zip file but not a PyTorch checkpoint (no data.pkl)")
        self.prefix = pkl[0].filename[: -len("data.pkl")]
        self.cache: dict[str, _Storage] = {}
        self.little = self._text("byteorder", "little") == "little"

    def _text(self, entry: str, default: str) -> str:
        if self.prefix + entry not in self.offsets:
            return default
        info = self.zf.getinfo(self.prefix + entry)
        if info.file_size > _MAX_SMALL:
            raise RuntimeError(f"{self.name} is corrupt: entry {entry!r} is too large")
        return self.read(info).decode("ascii", "replace").strip()

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A small entry's bytes (its CRC checked by zipfile)."""
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError,
                struct.error, OverflowError) as err:  # fmt: skip
            raise RuntimeError(f"{self.name} is corrupt: entry {info.filename!r}: {err}") from None

    def entry(self, entry: str) -> zipfile.ZipInfo:
        try:
            info = self.zf.getinfo(self.prefix + entry)
        except KeyError:
            raise RuntimeError(f"{self.name} is corrupt: no entry {entry!r}") from None
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"{self.name}: entry {entry!r} is compressed (PyTorch stores them)")
        return info

    def data_pkl(self) -> bytes:
        return self.read(self.entry("data.pkl"))

    def storage(self, key: str, dtype_name: str | None, numel: int, location: str) -> _Storage:
        if key in self.cache:
            return self.cache[key]
        if not (location == "cpu" or location.startswith(("cuda", "mps", "xpu", "meta"))):
            raise RuntimeError(f"{self.name}: unknown storage location {location[:40]!r}")
        info = self.entry(f"data/{key}")
        itemsize = 1 if dtype_name is None else _itemsize(dtype_name)
        if numel < 0 or numel * itemsize != info.file_size:
            raise RuntimeError(
                f"{self.name} is corrupt: storage {key[:40]!r} holds {info.file_size} bytes, "
                f"the pickle claims {numel} elements of {itemsize}"
            )
        raw = self._bytes(info)
        if not self.little and dtype_name is not None and itemsize > 1:
            raw = raw.view(_np_dtype(dtype_name)).byteswap().view(np.uint8)
        storage = self.cache[key] = _Storage(raw, dtype_name)
        return storage

    def _bytes(self, info: zipfile.ZipInfo) -> np.ndarray:
        offset = self.offsets[info.filename]
        if info.file_size == 0:
            return np.zeros(0, np.uint8)
        if self.mmap_path is not None:
            return np.memmap(self.mmap_path, np.uint8, "c", offset, (info.file_size,))
        try:
            out = np.empty(info.file_size, np.uint8)
        except MemoryError:
            raise RuntimeError(f"{self.name}: not enough memory for {info.filename!r}") from None
        crc = _read_into(self.zf.fp, offset, memoryview(out), self.name, self.verify)
        if self.verify and crc != info.CRC:
            raise RuntimeError(
                f"{self.name} is corrupt: entry {info.filename!r} fails its CRC-32 check"
            )
        return out


def _read_into(fp: BinaryIO, offset: int, out: memoryview, name: str, checksum: bool) -> int:
    """Fill ``out`` from ``fp`` at ``offset`` in chunks, without a second copy; the CRC-32 (0
    without ``checksum``)."""
    fp.seek(offset)
    pos, crc = 0, 0
    while pos < len(out):
        chunk = out[pos : pos + _CHUNK]
        if hasattr(fp, "readinto"):
            got = fp.readinto(chunk)
        else:  # a plain file object: read() then copy, one chunk at a time
            data = fp.read(len(chunk))
            got = len(data)
            chunk[:got] = data
        if not got:
            raise RuntimeError(f"{name} is truncated: an entry ends past the end of the file")
        if checksum:
            crc = zlib.crc32(out[pos : pos + got], crc)
        pos += got
    return crc


def _itemsize(dtype_name: str) -> int:
    return 2 if dtype_name == "bfloat16" else _np_dtype(dtype_name).itemsize


def _bad_name(entry: str) -> bool:
    """Absolute paths, ``..`` components, backslashes, drive letters, or no record folder."""
    parts = entry.split("/")
    return (
        entry.startswith("/")
        or "\\" in entry
        or ":" in parts[0]
        or len(parts) < 2
        or any(p in ("", ".", "..") for p in parts)
    )


def _check_entries(zf: zipfile.ZipFile, name: str) -> dict[str, int]:
    """Refuse a hostile archive as a whole, before reading any entry: duplicate names, path
    tricks, more than one record prefix, entries whose declared sizes exceed the archive or
    overlap each other, compression beyond ``_MAX_RATIO`` (zip bombs). Returns where each
    entry's data starts."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise RuntimeError(f"{name} is corrupt or hostile: duplicate entry names in the archive")
    bad = next((n for n in names if _bad_name(n)), None)
    if bad is not None:
        raise RuntimeError(f"{name} is hostile: entry name {bad[:80]!r} is not a plain path")
    if len({n.split("/", 1)[0] for n in names}) != 1:
        raise RuntimeError(f"{name} is corrupt or hostile: more than one record prefix")
    fp = zf.fp
    size = fp.seek(0, 2)
    offsets, spans = {}, []
    for info in infos:
        start = _data_offset(fp, info, name)
        end = start + info.compress_size
        stored = info.compress_type == zipfile.ZIP_STORED
        if end > size or (stored and info.file_size != info.compress_size):
            raise RuntimeError(
                f"{name} is corrupt or hostile: entry {info.filename[:80]!r} declares "
                f"{info.file_size} bytes ({info.compress_size} stored), beyond the archive"
            )
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise RuntimeError(
                f"{name} is hostile: entry {info.filename[:80]!r} expands "
                f"{info.compress_size} bytes to {info.file_size} (a zip bomb)"
            )
        offsets[info.filename] = start
        spans.append((info.header_offset, end))
    spans.sort()
    if any(a_end > b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])):
        raise RuntimeError(f"{name} is hostile: entries overlap in the archive (a zip bomb)")
    return offsets


def _data_offset(fp: BinaryIO, info: zipfile.ZipInfo, name: str) -> int:
    """Where an entry's bytes start: after its local header (whose extra field PyTorch pads)."""
    header = b""
    if 0 <= info.header_offset <= fp.seek(0, 2) - 30:
        fp.seek(info.header_offset)
        header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"{name} is corrupt: a bad local header for {info.filename[:80]!r}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _check_location(location: str, map_location: Any, name: str) -> None:
    if location != "cpu" and map_location is None:  # any map_location maps to the CPU
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU."
        )


def _entry_count(fp: BinaryIO) -> int | None:
    """How many entries the archive's end-of-directory record claims (ZIP64 too), read before
    zipfile builds an object per entry; None where there is no such record (zipfile decides)."""
    start = fp.tell()
    size = fp.seek(0, 2)
    fp.seek(max(0, size - 65557))
    tail = fp.read()
    fp.seek(start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = struct.unpack_from("<H", tail, at + 10)[0]
    locator = tail[at - 20 : at] if at >= 20 else b""
    if count == 0xFFFF and locator[:4] == b"PK\x06\x07":
        offset = struct.unpack_from("<Q", locator, 8)[0]
        if offset <= size - 56:
            fp.seek(offset)
            record = fp.read(56)
            fp.seek(start)
            if record[:4] == b"PK\x06\x06":
                count = struct.unpack_from("<Q", record, 32)[0]
    return count


_DAMAGE = (pickle.UnpicklingError, EOFError, ValueError, TypeError, struct.error, IndexError,
           KeyError, AttributeError, OverflowError, MemoryError, RecursionError,
           NotImplementedError, zlib.error)  # fmt: skip


def load_zip(
    source: BinaryIO,
    name: str,
    *,
    weights_only: bool,
    map_location: Any,
    mmap_path: str | None = None,
    verify: bool = True,
) -> Any:
    """The object in a PyTorch zip checkpoint read from the seekable file ``source`` (see the
    module docstring); ``mmap_path``: map storages from that file instead of reading them."""
    count = _entry_count(source)
    if count is not None and count > _MAX_ENTRIES:
        raise RuntimeError(
            f"{name} is hostile or not a checkpoint: its zip directory lists {count} entries "
            f"(at most {_MAX_ENTRIES} are read)"
        )
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error,
            OverflowError, IndexError, KeyError, TypeError, NotImplementedError) as err:  # fmt: skip
        raise RuntimeError(f"{name} is a damaged zip archive: {str(err)[:200]}") from None
    with zf:
        archive = _Archive(zf, name, mmap_path, verify)

        def storages(key, dtype_name, numel, location):
            _check_location(location, map_location, name)
            return archive.storage(key, dtype_name, numel, location)

        data = archive.data_pkl()
        try:
            unpickler = _Unpickler(data, storages, trusted=not weights_only)
            units = 4 * len(data) + (1 << 20) if weights_only else 1 << 62  # trusted: no limit
            with _pickle_scan.budget(units):
                if weights_only:
                    _pickle_scan.scan(data, _Refused, on_global=unpickler.find_class)
                return unpickler.load()
        except _Refused:
            raise
        except _DAMAGE as err:  # RecursionError and NotImplementedError are RuntimeErrors too
            raise pickle.UnpicklingError(f"{name}: damaged data.pkl ({str(err)[:200]})") from None


# ------------------------------------------------------------------------ writing
class _Global:
    """A reference to a PyTorch global by name (pickled as ``GLOBAL module name``)."""

    _made: dict[tuple[str, str], _Global] = {}

    def __call__(self, *args: Any) -> Any:  # pickle requires a callable reducer
        raise TypeError(f"{self.module}.{self.name} is a name for PyTorch, not a function")

    def __new__(cls, module: str, name: str) -> _Global:
        key = (module, name)
        if key not in cls._made:
            made = super().__new__(cls)
            made.module, made.name = module, name
            cls._made[key] = made
        return cls._made[key]


class _StorageRef:
    """A storage to write: its key and the bytes of its elements."""

    def __init__(self, key: str, dtype_name: str, array: np.ndarray) -> None:
        self.key, self.dtype_name, self.array = key, dtype_name, array


class _Pickler(pickle._Pickler):
    """Protocol 2 with tensors, dtypes and sizes written as PyTorch writes them."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file, protocol=2)
        self.storages: list[_StorageRef] = []

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _StorageRef):
            kind = _STORAGE_OF.get(obj.dtype_name)
            if kind is None:
                return ("storage", _Global("torch.storage", "UntypedStorage"), obj.key, "cpu",
                        obj.array.nbytes)  # fmt: skip
            return ("storage", _Global("torch", kind), obj.key, "cpu", obj.array.size)
        return None

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if isinstance(obj, _Global):
            self._save_global(obj)
            return
        if isinstance(obj, _dtype.dtype):  # torch.float32 is pickled by name, as PyTorch's
            self._save_global(_Global("torch", obj.name))
            return
        super().save(obj, save_persistent_id)

    def _save_global(self, obj: _Global) -> None:
        if id(obj) in self.memo:
            self.write(self.get(self.memo[id(obj)][0]))
            return
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, Size):
            return _Global("torch", "Size"), (tuple(int(n) for n in obj),)
        if isinstance(obj, device):
            return _Global("torch", "device"), (str(obj),)
        if isinstance(obj, np.ndarray):
            raise TypeError(
                "numtorch.save in PyTorch's format stores tensors, not NumPy arrays (torch.load "
                "would refuse them): convert with numtorch.from_numpy, or save to a "
                ".safetensors path"
            )
        return NotImplemented

    def _reduce_tensor(self, t: Tensor) -> tuple:
        """A tensor as PyTorch pickles it: a rebuild call on a new storage of its elements (a
        tensor referenced again is a memo reference: the pickler reduces each object once). A
        Parameter is ``_rebuild_parameter`` of its data as a plain tensor."""
        if isinstance(t, Parameter):
            data = Tensor._make(t._data)
            return _Global("torch._utils", "_rebuild_parameter"), (
                data,
                t.requires_grad,
                OrderedDict(),
            )
        array = t._data
        name = _dtype.from_numpy_dtype(array.dtype).name
        storage = _StorageRef(str(len(self.storages)), name, array)  # made contiguous when written
        self.storages.append(storage)
        shape = tuple(int(n) for n in array.shape)
        stride = tuple(int(np.prod(shape[i + 1 :], dtype=np.int64)) for i in range(len(shape)))
        args = (storage, 0, shape, stride, t.requires_grad, OrderedDict())
        if storage.dtype_name not in _STORAGE_OF:
            return _Global("torch._utils", "_rebuild_tensor_v3"), (*args, _Global("torch", name))
        return _Global("torch._utils", "_rebuild_tensor_v2"), args


def _write_chunks(out: BinaryIO, data: memoryview) -> None:
    for start in range(0, len(data), _CHUNK):
        out.write(data[start : start + _CHUNK])


def save_zip(obj: Any, record: str = "archive") -> bytes:
    """The bytes of a PyTorch zip checkpoint holding ``obj`` (entries under ``record/``)."""
    out = io.BytesIO()
    write_zip(obj, out, record)
    return out.getvalue()


def write_zip(
    obj: Any, out: BinaryIO, record: str = "archive", write: Callable = _write_chunks
) -> None:
    """Write a PyTorch zip checkpoint holding ``obj`` to ``out``, streaming each storage's
    bytes (``write(dest, memoryview)``) so that no more than one tensor is ever copied."""
    pkl = io.BytesIO()
    pickler = _Pickler(pkl)
    pickler.dispatch_table = {}
    pickler.dump(obj)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        _add(zf, f"{record}/data.pkl", pkl.getvalue())
        _add(zf, f"{record}/.format_version", b"1")
        _add(zf, f"{record}/.storage_alignment", str(_ALIGN).encode())
        _add(zf, f"{record}/byteorder", b"little")
        digest = hashlib.sha1(pkl.getvalue())
        for storage in pickler.storages:
            array = storage.array
            data = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).reshape(-1)
            raw = memoryview(data.view(np.uint8))
            digest.update(raw)
            _add(zf, f"{record}/data/{storage.key}", raw, write)
            del data, raw  # a non-contiguous tensor's copy goes before the next is made
        _add(zf, f"{record}/version", b"3\n")
        serial = str(int(digest.hexdigest(), 16))[:40].rjust(40, "0")
        _add(zf, f"{record}/.data/serialization_id", serial.encode())


def _add(
    zf: zipfile.ZipFile, name: str, data: bytes | memoryview, write: Callable = _write_chunks
) -> None:
    """One stored entry, its data aligned to 64 bytes by padding the local header's extra field
    (as PyTorch does, so ``mmap=True`` loads map aligned arrays); a fixed timestamp keeps the
    bytes deterministic."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 0
    start = zf.fp.tell() + 30 + len(name.encode())
    pad = (-(start + 4)) % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # "FB" padding, as PyTorch
    data = memoryview(data)
    info.file_size = len(data)  # as writestr does: it decides on ZIP64 before the data
    with zf.open(info, "w") as dest:
        write(dest, data)
