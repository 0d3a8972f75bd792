"""PyTorch's dtype objects, each a thin name over a NumPy dtype."""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "finfo",
    "iinfo",
    "can_cast",
    "layout",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "memory_format",
    "contiguous_format",
    "preserve_format",
    "channels_last",
    "channels_last_3d",
    "legacy_contiguous_format",
    "check_memory_format",
    "get_default_dtype",
    "set_default_dtype",
]

_builtin_bool = bool


class dtype:
    """A tensor element type; ``repr`` matches PyTorch (``torch.float32``) so printouts agree."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_rank")

    def __init__(self, name: str, np_type: type, rank: int) -> None:
        self.name = name
        self.numpy = np.dtype(np_type)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize
        self._rank = rank

    is_complex = False  # numtorch has no complex dtypes

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name

    def to_real(self) -> dtype:
        """The real dtype of the same precision: ``self`` (every numtorch dtype is real)."""
        return self


class _NoNumpyDtype(dtype):
    """A PyTorch dtype NumPy has no type for (``bfloat16``): the object exists, so code that
    names it or compares ``x.dtype == torch.bfloat16`` runs, but no tensor can have it."""

    __slots__ = ()

    def __init__(self, name: str, itemsize: int, is_signed: _builtin_bool = True) -> None:
        self.name = name
        self.is_floating_point = True
        self.is_signed = is_signed
        self.itemsize = itemsize
        self._rank = -1

    @property
    def numpy(self) -> np.dtype:
        raise TypeError(no_numpy_message(self))


def no_numpy_message(d: dtype) -> str:
    """Why a tensor can't be made with ``d`` (``bfloat16``)."""
    return (
        f"numtorch does not support {d}: NumPy has no {d.name} type, so a tensor can't be "
        f"created with or converted to {d}; use torch.float32 (or torch.float16) instead"
    )


bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", np.uint8, 1)
# PyTorch's "limited support" unsigned types: creatable and convertible, never promoted with
# another type (``promote_types`` raises PyTorch's error); rank only orders them for floats.
uint16 = dtype("uint16", np.uint16, 2)
uint32 = dtype("uint32", np.uint32, 3)
uint64 = dtype("uint64", np.uint64, 4)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 2)
int32 = dtype("int32", np.int32, 3)
int64 = dtype("int64", np.int64, 4)
float16 = dtype("float16", np.float16, 5)
float32 = dtype("float32", np.float32, 6)
float64 = dtype("float64", np.float64, 7)
bfloat16 = _NoNumpyDtype("bfloat16", 2)
float8_e4m3fn = _NoNumpyDtype("float8_e4m3fn", 1)
float8_e4m3fnuz = _NoNumpyDtype("float8_e4m3fnuz", 1)
float8_e5m2 = _NoNumpyDtype("float8_e5m2", 1)
float8_e5m2fnuz = _NoNumpyDtype("float8_e5m2fnuz", 1)
float8_e8m0fnu = _NoNumpyDtype("float8_e8m0fnu", 1, is_signed=False)
_FLOAT8 = (float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz, float8_e8m0fnu)

_ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64, uint16, uint32, uint64)
_LIMITED = (uint16, uint32, uint64)
_BY_NUMPY = {d.numpy: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_ALIASES = {
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "int": int32,
    "short": int16,
}
_default_float = float32
_SCALAR_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "uint16": "UInt16",
    "uint32": "UInt32",
    "uint64": "UInt64",
    "bfloat16": "BFloat16",
    **{d.name: "F" + d.name[1:] for d in _FLOAT8},  # Float8_e4m3fn, ...
}


# the C type names some of PyTorch's messages print instead (a grad's dtype, linear's mismatch)
_C_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
    "uint16": "unsigned short",
    "uint32": "unsigned int",
    "uint64": "unsigned long",
    "bfloat16": "c10::BFloat16",
}


def scalar_type_name(d: dtype) -> str:
    """PyTorch's C++ name for ``d`` (``Float``, ``Long``...), as its error messages print it."""
    return _SCALAR_NAMES[d.name]


def c_type_name(d: dtype) -> str:
    """The C type behind ``d`` (``float``, ``long int``...), as a few PyTorch messages print it."""
    return _C_NAMES[d.name]


def get_default_dtype() -> dtype:
    """The dtype of floating-point tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating-point dtype.

    float16, float32 or float64, as ``torch.set_default_dtype``; PyTorch's bfloat16 has no
    NumPy type, so numtorch refuses it."""
    global _default_float
    if not isinstance(d, dtype):
        raise TypeError(
            "invalid dtype object: only floating-point types are supported as the default type"
        )
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    if isinstance(d, _NoNumpyDtype):
        raise TypeError(no_numpy_message(d))
    _default_float = d


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The numtorch dtype for a NumPy dtype; TypeError for types numtorch does not support."""
    found = _BY_NUMPY.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only "
            "supported types are: float64, float32, float16, int64, int32, int16, int8, uint64, "
            "uint32, uint16, uint8, and bool."
        )
    return found


def to_dtype(d: object) -> dtype:
    """Normalise a dtype argument: a numtorch dtype, ``float``/``int``/``bool`` (float64, int64
    and bool, as in PyTorch), or (a numtorch convenience PyTorch refuses) a NumPy dtype or name."""
    if isinstance(d, _NoNumpyDtype):
        raise TypeError(no_numpy_message(d))
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is _builtin_bool:
        return bool
    if isinstance(d, str) and d in _ALIASES:
        return _ALIASES[d]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        pass
    raise TypeError(f"dtype must be a numtorch dtype (e.g. torch.float32), but got {d!r}")


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion for two tensor dtypes: the higher category, then the wider type."""
    if a is b:
        return a
    if a in _FLOAT8 or b in _FLOAT8:
        raise RuntimeError(
            "Promotion for Float8 Types is not supported, attempted to promote "
            f"{scalar_type_name(a)} and {scalar_type_name(b)}"
        )
    if bfloat16 in (a, b):  # above every integer type, below float32, and with float16 float32
        other = b if a is bfloat16 else a
        return float32 if other is float16 else other if other.is_floating_point else bfloat16
    if (a in _LIMITED or b in _LIMITED) and not (a.is_floating_point or b.is_floating_point):
        raise RuntimeError(
            "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
            f"{scalar_type_name(a)} and {scalar_type_name(b)}"
        )
    if {a, b} == {uint8, int8}:
        return int16
    return a if a._rank >= b._rank else b


def _category(d: dtype) -> int:
    return 2 if d.is_floating_point else (0 if d is bool else 1)


def result_type(*operands: object) -> dtype:
    """PyTorch's ``result_type``: dimensioned tensors, then zero-dim tensors, then Python scalars.

    A lower-priority group only matters when it has a higher category (bool < int < float),
    so ``float32_tensor + 2.5`` stays float32 and ``int64_tensor + 2.5`` becomes float32.
    """
    groups: list[dtype | None] = [None, None, None]
    for x in operands:
        level, d = _operand_dtype(x)
        groups[level] = d if groups[level] is None else promote_types(groups[level], d)
    out = None
    for d in groups:
        if d is None:
            continue
        if out is None:
            out = d
        elif _category(d) > _category(out):
            out = d
    return out if out is not None else _default_float


def _operand_dtype(x: object) -> tuple[int, dtype]:
    data = getattr(x, "_data", None)
    if isinstance(data, np.ndarray):
        return (0 if data.ndim else 1), from_numpy_dtype(data.dtype)
    if isinstance(x, (_builtin_bool, np.bool_)):  # NumPy scalars act as Python numbers
        return 2, bool
    if isinstance(x, (int, np.integer)):
        return 2, int64
    if isinstance(x, (float, np.floating)):
        return 2, _default_float
    raise TypeError(f"expected a Tensor or a Python number, but got {type(x).__name__}")


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow casting dtype ``from_`` to ``to``.

    Never to a lower category (float to integer, integer to bool); any width within a
    category."""
    for i, (name, d) in enumerate((("from_", from_), ("to", to)), 1):
        if not isinstance(d, dtype):
            raise TypeError(
                f"can_cast(): argument '{name}' (position {i}) must be torch.dtype, not "
                f"{type(d).__name__}"
            )
    return _category(from_) <= _category(to)


class _info:
    """What ``finfo`` and ``iinfo`` share: the fields and PyTorch's ``repr``."""

    _FIELDS: tuple[str, ...] = ()

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={getattr(self, k):g}" for k in self._FIELDS)
        return f"{type(self).__name__}({values}, dtype={self.dtype})"

    def __eq__(self, other: object) -> _builtin_bool:
        return type(other) is type(self) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dtype))


def _limits(bits: int, eps: float, max: float, tiny: float, resolution: float) -> dict:  # noqa: A002
    return {
        "bits": bits,
        "eps": eps,
        "max": max,
        "min": -max,
        "tiny": tiny,
        "resolution": resolution,
    }


# The types NumPy lacks: their limits, from their exponent and significand widths
_NO_NUMPY_INFO = {
    "bfloat16": _limits(16, 2.0**-7, (2 - 2.0**-7) * 2.0**127, 2.0**-126, 0.01),
    "float8_e4m3fn": _limits(8, 2.0**-3, 448.0, 2.0**-6, 1.0),
    "float8_e4m3fnuz": _limits(8, 2.0**-3, 240.0, 2.0**-7, 1.0),
    "float8_e5m2": _limits(8, 2.0**-2, 57344.0, 2.0**-14, 1.0),
    "float8_e5m2fnuz": _limits(8, 2.0**-3, 57344.0, 2.0**-15, 1.0),
    # exponent only (8 bits, unsigned): min is the smallest power of two, 2**-127
    "float8_e8m0fnu": {**_limits(8, 1.0, 2.0**127, 2.0**-127, 1.0), "min": 2.0**-127},
}


class finfo(_info):  # noqa: N801 - PyTorch's name
    """Machine limits of a floating-point dtype.

    The default dtype when none is given. Fields: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (=
    ``smallest_normal``), ``resolution`` and ``dtype`` (the name, as in PyTorch)."""

    _FIELDS = ("resolution", "min", "max", "eps", "smallest_normal", "tiny")

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = _default_float if type is None else type
        if not isinstance(d, dtype) or not d.is_floating_point:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                "'torch.finfo'"
            )
        if isinstance(d, _NoNumpyDtype):
            limits = _NO_NUMPY_INFO[d.name]
        else:
            info = np.finfo(d.numpy)
            limits = {
                "bits": info.bits,
                "eps": float(info.eps),
                "max": float(info.max),
                "min": float(info.min),
                "tiny": float(info.smallest_normal),
                "resolution": 10.0**-info.precision,
            }
        self.bits: int = limits["bits"]
        self.eps: float = limits["eps"]
        self.max: float = limits["max"]
        self.min: float = limits["min"]
        self.tiny: float = limits["tiny"]
        self.smallest_normal: float = limits["tiny"]
        self.resolution: float = limits["resolution"]
        self.dtype: str = d.name


class iinfo(_info):  # noqa: N801 - PyTorch's name
    """Machine limits of an integer dtype: ``bits``, ``max``, ``min`` and ``dtype`` (the name)."""

    _FIELDS = ("min", "max")

    def __init__(self, type: dtype) -> None:  # noqa: A002 - PyTorch's name
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, dtype) or type.is_floating_point or type.name not in _BY_NAME:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        info = np.iinfo(type.numpy)
        self.bits: int = info.bits
        self.max: int = int(info.max)
        self.min: int = int(info.min)
        self.dtype: str = type.name


class _Named:
    """A PyTorch enum-like object that prints as ``torch.<name>`` and pickles by name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


class layout(_Named):  # noqa: N801 - PyTorch's name
    """A tensor's memory layout (``torch.strided``, the sparse layouts).

    A tensor's memory layout. numtorch has one, ``torch.strided`` (dense, with strides):
    every tensor's ``layout`` is it; the sparse layouts exist only to be named."""

    __slots__ = ()


class memory_format(_Named):  # noqa: N801 - PyTorch's name
    """A requested order of a dense tensor's elements in memory.

    As in ``to(memory_format=)``, ``empty_like(memory_format=)``... numtorch accepts PyTorch's
    formats everywhere; ``to``, ``clone`` and the dtype conversions keep row-major order (the values
    are the same)."""

    __slots__ = ()


strided = layout("strided")
# PyTorch's other layouts: nameable (``x.layout == torch.sparse_coo`` is False), never a tensor's
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
legacy_contiguous_format = contiguous_format  # PyTorch's alias: the same object


_FORMAT_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def check_memory_format(fmt: object, ndim: int | None, fn: str) -> None:
    """PyTorch's checks of a ``memory_format`` argument (None: not given): its type, and the
    rank ``channels_last`` (4) and ``channels_last_3d`` (5) need. Where numtorch keeps a result
    row-major (``to``, ``clone``, ``byte()``...), a valid format then changes nothing."""
    if fmt is None:
        return
    if not isinstance(fmt, memory_format):
        raise TypeError(
            f"{fn}(): argument 'memory_format' must be torch.memory_format, not "
            f"{type(fmt).__name__}"
        )
    rank = _FORMAT_RANKS.get(fmt.name)
    if rank is not None and ndim is not None and ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")
