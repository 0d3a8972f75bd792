"""Writing PyTorch's zip checkpoint format (see ``numtorch._torch_zip`` for the layout and the
reader): ``torch.load(path, weights_only=True)`` reads what ``write_zip`` writes, byte-for-byte
deterministic for equal objects; each storage's bytes are streamed to the file (copying only a
non-contiguous tensor, one at a time).
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from numtorch import _dtype
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Size, Tensor, device, python_state

__all__ = ["save_zip", "write_zip"]

_ALIGN = 64
_CHUNK = 1 << 24
_STORAGE_OF = {
    "float32": "FloatStorage",
    "float64": "DoubleStorage",
    "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage",
    "int64": "LongStorage",
    "int32": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
}  # dtype name -> the typed storage class PyTorch names (others: UntypedStorage)


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
        Parameter is ``_rebuild_parameter`` of its data as a plain tensor. A tensor with Python
        attributes of its own (a buffer's mark, a user's) carries them as PyTorch's does:
        ``_rebuild_parameter_with_state``, or ``_rebuild_from_type_v2`` around the rebuild."""
        state = python_state(t)
        if isinstance(t, Parameter):
            args = (Tensor._make(t._data), t.requires_grad, OrderedDict())
            if state:
                return _Global("torch._utils", "_rebuild_parameter_with_state"), (*args, state)
            return _Global("torch._utils", "_rebuild_parameter"), args
        func, args = self._rebuild_plain(t)
        if state:  # (func, new_type, args, state)
            tensor_type = _Global("torch", "Tensor")
            return _Global("torch._tensor", "_rebuild_from_type_v2"), (
                func,
                tensor_type,
                args,
                state,
            )
        return func, args

    def _rebuild_plain(self, t: Tensor) -> tuple:
        """``(rebuild function, its arguments)`` for a plain tensor's elements."""
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
