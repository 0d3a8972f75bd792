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
bounded nesting, no ``BUILD`` on a global, an estimate of the memory unpickling allocates of
at most ``memory_budget``: twice the file, or 128 MiB for a smaller one, less what the load
holds besides -- data.pkl's bytes, the storages, a record per entry); the allow-listed
callables that copy data draw on what that estimate leaves of the budget. A ``BUILD`` (set an
object's state) on a tensor the load made is refused, and one on a Parameter accepts only
PyTorch's ``(requires_grad, _, hooks)`` form, so no file can replace a tensor's data or
shadow its methods; a Parameter is only ever built around a tensor (``REDUCE`` or
``NEWOBJ``, as PyTorch's loader allows).
Storages are read straight into their arrays (their CRC-32 checked), so a load needs no memory
beyond the tensors it returns.
``weights_only=False`` is full unpickling -- arbitrary code from the file
runs -- for trusted files only (e.g. a whole module saved with ``torch.save(model)``);
``torch.*`` classes are looked up at the same path in ``numtorch``.

**Writing** produces the same layout, so ``torch.load(path, weights_only=True)`` reads what
``numtorch.save`` wrote, byte-for-byte deterministic for equal objects; ``write_zip`` streams
each storage's bytes to the file (copying only a non-contiguous tensor, one at a time); it lives
in ``numtorch._torch_zip_write``.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import contextlib
import importlib
import io
import pickle
import struct
import threading
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import numpy as np

from numtorch import _dtype, _pickle_scan
from numtorch._torch_zip_write import save_zip, write_zip  # the writer, in its own module
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Size, Tensor, device

__all__ = ["is_zip", "load_zip", "save_zip", "write_zip", "add_safe_globals", "get_safe_globals"]

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
    # ``np.ndarray`` over the buffer, not ``as_strided`` (whose interface dict and dummy base,
    # ~0.75 KB, a tensor would keep alive): the bounds were checked above
    size = np_dtype.itemsize
    view = np.ndarray(shape, np_dtype, elements, offset * size, tuple(s * size for s in strides))
    return Tensor._make(view)


def _dims(value: Any) -> tuple[int, ...]:
    """A tensor's size or stride from the pickle: a short tuple of non-negative ints."""
    ok = isinstance(value, (tuple, list, Size)) and len(value) <= _MAX_NDIM
    if not ok or not all(type(n) is int and 0 <= n < 2**62 for n in value):
        raise _Refused(f"bad tensor size or stride {str(value)[:80]}")
    return tuple(value)


# ------------------------------------------------------------------ no state set on a tensor
_BUILT = threading.local()  # the tensors this thread's weights-only load has made so far


def _refuse_state(state: Any) -> None:
    raise _Refused("refusing to set state on a tensor (BUILD on a Tensor)")


def _parameter_setstate(param: Parameter) -> Callable[[Any], None]:
    """A Parameter's ``BUILD``, as PyTorch's ``Parameter.__setstate__`` takes it: only the
    ``(requires_grad, _, hooks)`` form (hooks empty) is accepted; anything else is refused."""

    def setstate(state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 3 and isinstance(state[0], bool)
                and not state[2]):  # fmt: skip
            raise _Refused("refusing to set state on a Parameter (BUILD on a Parameter)")
        _set_requires_grad(param, state[0])

    return setstate


def _set_requires_grad(param: Tensor, value: Any, what: str = "parameter") -> None:
    if not isinstance(value, bool):
        raise _Refused(f"a {what}'s requires_grad is of type {type(value).__name__}")
    param.requires_grad_(value)


def _guarded(tensor: Tensor) -> Tensor:
    """``tensor``, shielded from the pickle's ``BUILD`` until the load ends. The C unpickler
    sets a ``BUILD``'s state through the instance's ``__setstate__`` if it has one, else
    straight into its ``__dict__`` and slots -- which would let a file replace ``_data`` or
    shadow a method. An instance entry answers first, so each tensor made during a
    weights-only load carries a refusing ``__setstate__`` there, removed by ``_guarding``."""
    built = getattr(_BUILT, "tensors", None)
    if built is not None:
        refuse = _parameter_setstate(tensor) if isinstance(tensor, Parameter) else _refuse_state
        tensor.__dict__["__setstate__"] = refuse
        built.append(tensor)
    return tensor


@contextlib.contextmanager
def _guarding() -> Iterator[None]:
    """Guard the tensors made inside the block (``_guarded``); unguard them on the way out."""
    before = getattr(_BUILT, "tensors", None)
    _BUILT.tensors = built = []
    try:
        yield
    finally:
        _BUILT.tensors = before
        for tensor in built:
            tensor.__dict__.pop("__setstate__", None)


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    name = getattr(storage, "dtype_name", None) or "uint8"
    return _guarded(_tensor_from(storage, storage_offset, size, stride, name))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks, metadata=None):
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, hooks, dtype, metadata=None):  # fmt: skip
    name = dtype.name if isinstance(dtype, _dtype.dtype) else str(dtype)
    tensor = _guarded(_tensor_from(storage, storage_offset, size, stride, name))
    return tensor.requires_grad_(True) if requires_grad else tensor


def _rebuild_parameter(data, requires_grad, hooks) -> Parameter:
    return _parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, hooks, state) -> Parameter:
    """A Parameter with attributes of its own (``state``: a dict, or a ``(dict, slots)``
    pair, as PyTorch's ``_get_obj_state`` writes): set as PyTorch's ``_set_obj_state`` does,
    except that a name ``Parameter`` itself defines (``data``, ``_data``, a method) is
    refused, so the state can only add attributes, never replace what makes the tensor."""
    return _set_obj_state(_parameter(data, requires_grad), state, "parameter")


def _set_obj_state(tensor: Tensor, state: Any, what: str) -> Tensor:
    """``state`` (a dict, or a ``(dict, slots)`` pair, as PyTorch's ``_get_obj_state`` writes)
    set on ``tensor`` as PyTorch's ``_set_obj_state`` does, except that a name the tensor's
    class itself defines (``data``, ``_data``, a method) is refused: the state can only add
    attributes (a buffer's mark, a user's own), never replace what makes the tensor."""
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, dict):
            raise _Refused(f"a {what}'s state is of type {type(part).__name__}, not a dict")
        for key, value in part.items():
            if key == "requires_grad":
                _set_requires_grad(tensor, value, what)
            elif not isinstance(key, str) or not key.isidentifier() or hasattr(type(tensor), key):
                raise _Refused(f"a {what}'s state sets {str(key)[:40]!r}, which it may not")
            else:
                tensor.__dict__[key] = value
    return tensor


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor with Python attributes of its own (PyTorch writes this for one, ``new_type``
    being ``torch.Tensor``), or a subclass's: numtorch has only ``Tensor`` and ``Parameter``,
    so the type is the rebuild's; the state is set as :func:`_set_obj_state` sets it."""
    if not any(func is f for f in _REBUILDS) or not isinstance(args, tuple):
        raise _Refused("_rebuild_from_type_v2 of something other than a tensor rebuild")
    tensor = func(*args)
    if state:
        _set_obj_state(tensor, state, "parameter" if isinstance(tensor, Parameter) else "tensor")
    return tensor


class _TensorType:
    """What ``torch.Tensor`` resolves to in a weights-only load: the ``new_type`` argument of
    ``_rebuild_from_type_v2``, as PyTorch writes it; making a tensor by calling it is refused
    (tensors come from the rebuild functions, which check what they read)."""

    def __new__(cls, *args: Any) -> Any:
        raise _Refused("torch.Tensor may appear only as a rebuilt tensor's type")


def _bytes(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it for ``bytes`` (``latin1`` text)."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise _Refused("bad bytes encoding in the checkpoint")
    _pickle_scan.spend(len(text) * (1 if encoding.startswith("latin") else 4), _Refused)
    return codecs.encode(text, encoding)


def _spending(make: Callable, per_item: int) -> Callable:
    """``make`` (a class that copies its argument) charged to the load's copy budget: the bytes
    its copy takes, ``per_item`` for each item of the argument (``bytearray(n)``: n)."""

    def build(*args: Any) -> Any:
        if args:
            first = args[0]
            if isinstance(first, int) and not isinstance(first, bool):
                cost = first  # bytearray(n) allocates n bytes
            elif isinstance(first, (str, bytes, bytearray, tuple, list, dict, set, frozenset)):
                cost = len(first) * (max(per_item, 4) if isinstance(first, str) else per_item)
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
    """``Parameter(data, requires_grad)`` of a tensor made by this load (None: an empty one, as
    ``Parameter()``), else refused -- never a Parameter around anything but a tensor."""
    if data is None:
        data = Tensor._make(np.zeros(0, np.float32))
    if not isinstance(data, Tensor) or not isinstance(data._data, np.ndarray):
        raise _Refused(f"a parameter's data is of type {type(data).__name__}, not a tensor")
    if not isinstance(requires_grad, bool):
        raise _Refused(f"a parameter's requires_grad is of type {type(requires_grad).__name__}")
    return _guarded(Parameter(data, requires_grad))


class _ParameterClass:
    """What ``torch.nn.parameter.Parameter`` resolves to: calling it (``REDUCE``) or making a
    new one (``NEWOBJ``, which calls ``__new__`` alone) both give ``_parameter``'s checked
    Parameter, as PyTorch's weights-only loader builds ``Parameter(*args)`` for both."""

    def __new__(cls, *args: Any) -> Parameter:  # type: ignore[misc]
        return _parameter(*args)


def _safe_globals() -> dict[str, Any]:
    """PyTorch's weights-only allow-list, resolved to numtorch's objects."""
    found: dict[str, Any] = {
        "collections.OrderedDict": _spending(OrderedDict, 128),  # bytes an item, resizes included
        "collections.Counter": _spending(Counter, 128),
        "torch.nn.parameter.Parameter": _ParameterClass,
        "torch.Size": _spending(Size, 8),
        "torch.device": device,
        "_codecs.encode": _bytes,
        "builtins.bytearray": _spending(bytearray, 1),
        "builtins.set": _spending(set, 64),
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
        if key == "torch.Tensor":
            return _TensorType
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

    def held(self, pkl_size: int) -> int:
        """The bytes the load holds besides what its pickle builds: data.pkl's ``pkl_size``,
        every storage it may read (at most once each), a record per entry."""
        infos = self.zf.infolist()
        storages = self.prefix + "data/"
        stored = sum(i.file_size for i in infos if i.filename.startswith(storages))
        return pkl_size + stored + _ENTRY_COST * len(infos)

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
    """Fill ``out`` from ``fp`` at ``offset``; the CRC-32 (0 without ``checksum``)."""
    fp.seek(offset)
    truncated = f"{name} is truncated: an entry ends past the end of the file"
    return read_exactly(fp, out, truncated, checksum)


def read_exactly(fp: BinaryIO, out: memoryview, truncated: str, checksum: bool) -> int:
    """Fill ``out`` from ``fp``'s position in chunks, without a second copy, raising
    ``RuntimeError(truncated)`` if the file ends first; the CRC-32 (0 without ``checksum``).
    Shared by the ``.pt`` reader and ``numtorch.serialization``'s safetensors reader."""
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
            raise RuntimeError(truncated)
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
            units = 1 << 62  # trusted: no limit
            if weights_only:
                max_bytes = memory_budget(_file_size(source), archive.held(len(data)))
                units = max_bytes - _pickle_scan.scan(
                    data, _Refused, on_global=unpickler.find_class, max_bytes=max_bytes
                )  # what the copies the allow-listed callables make may still take
            with _pickle_scan.budget(units), _guarding() if weights_only else _nothing():
                return unpickler.load()
        except _Refused as err:
            raise _Refused(f"{name}: {err}") from None
        except _DAMAGE as err:  # RecursionError and NotImplementedError are RuntimeErrors too
            raise pickle.UnpicklingError(f"{name}: damaged data.pkl ({str(err)[:200]})") from None


_nothing = contextlib.nullcontext

# Issue 15's bound: a load holds at most twice the file in extra memory -- or, for a file under
# 64 MiB, 128 MiB: small real checkpoints of many small tensors cost more than twice their size
# (10,000 tensors with Adam state, a 10.9 MB file of 40,000 entries, are estimated at ~74 MB,
# beside the 11 MB of data.pkl and storages and ~40 MB of zip records). What the load holds
# besides the pickle's objects (``_Archive.held``) is taken off the pickle's share.
_BUDGET_FACTOR, _BUDGET_FLOOR = 2, 128 << 20
_ENTRY_COST = 1024  # zipfile's ZipInfo of an entry (~600 bytes), and the archive's own record


def memory_budget(file_size: int, held: int = 0) -> int:
    """The most memory (bytes, as the scan estimates it) the pickle of a checkpoint of
    ``file_size`` bytes may build, while the load holds ``held`` bytes besides (data.pkl's
    bytes, the storages it may read, a record of each zip entry):
    ``max(2 * file_size, 128 MiB) - held``, and never below 0."""
    return max(0, max(_BUDGET_FACTOR * file_size, _BUDGET_FLOOR) - held)


def _file_size(source: BinaryIO) -> int:
    """The size of the seekable file ``source`` (its position kept)."""
    at = source.tell()
    try:
        return source.seek(0, io.SEEK_END)
    finally:
        source.seek(at)
