"""PyTorch's dtype objects, each a thin name over a NumPy dtype."""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
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

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 2)
int32 = dtype("int32", np.int32, 3)
int64 = dtype("int64", np.int64, 4)
float16 = dtype("float16", np.float16, 5)
float32 = dtype("float32", np.float32, 6)
float64 = dtype("float64", np.float64, 7)

_ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.numpy: d for d in _ALL}
_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32}
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
    """Set the default floating-point dtype; only float32 and float64 are accepted, as in PyTorch."""
    global _default_float
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The numtorch dtype for a NumPy dtype; TypeError for types numtorch does not support."""
    found = _BY_NUMPY.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only "
            "supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, "
            "and bool."
        )
    return found


def to_dtype(d: object) -> dtype:
    """Normalise a dtype argument: a numtorch dtype, ``float``/``int``/``bool`` (float64, int64
    and bool, as in PyTorch), or (a numtorch convenience PyTorch refuses) a NumPy dtype or name."""
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
