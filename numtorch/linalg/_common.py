"""What every ``numtorch.linalg`` function shares: PyTorch's argument checks and messages,
the named-tuple return types (``torch.return_types.linalg_*``), and ``LinAlgError``'s
messages with PyTorch's "(Batch element k)" prefix."""

from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np

from numtorch._checks import check_tensor, type_name
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.inplace import write_out
from numtorch.ops import movement
from numtorch.ops.decompositions import LinAlgError
from numtorch.tensor import Tensor

__all__ = [
    "LinAlgError",
    "RETURN_TYPES",
    "check_matrix",
    "check_square",
    "check_float",
    "check_same_dtype",
    "broadcast_batch",
    "broadcast_shapes",
    "expand_to",
    "raise_for_info",
    "named",
    "result",
    "constant",
    "with_out",
]

_FIELDS = {
    "linalg_inv_ex": ("inverse", "info"),
    "linalg_cholesky_ex": ("L", "info"),
    "linalg_solve_ex": ("result", "info"),
    "linalg_slogdet": ("sign", "logabsdet"),
    "slogdet": ("sign", "logabsdet"),
    "linalg_qr": ("Q", "R"),
    "qr": ("Q", "R"),
    "linalg_svd": ("U", "S", "Vh"),
    "svd": ("U", "S", "V"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_lu": ("P", "L", "U"),
    "lu_unpack": ("P", "L", "U"),
    "triangular_solve": ("solution", "cloned_coefficient"),
    "linalg_ldl_factor": ("LD", "pivots"),
    "geqrf": ("a", "tau"),
    "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
}

RETURN_TYPES = {name: namedtuple(name, fields) for name, fields in _FIELDS.items()}


def result(kind: str, *values: object) -> tuple:
    """A ``torch.return_types.<kind>`` named tuple of ``values``."""
    return RETURN_TYPES[kind](*values)


def check_matrix(a: object, fn: str, name: str = "A", position: int | None = 1) -> Tensor:
    """``a`` as a tensor of at least 2 dimensions, else PyTorch's error."""
    check_tensor(a, fn.replace(".", "_"), name, position)
    if a.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    return a


def check_float(a: Tensor, fn: str, kernel: str | None = None, half: bool = False) -> Tensor:
    """``a`` if it is float32 or float64, else PyTorch's error: for an integer tensor its
    RuntimeError; for half precision, which LAPACK has not (unless ``half``: the op is not a
    LAPACK call), the RuntimeError of ``fn`` or, where PyTorch fails in its kernel, the
    NotImplementedError naming ``kernel``."""
    if not a.dtype.is_floating_point:
        raise RuntimeError(
            f"{fn}: Expected a floating point or complex tensor as input. Got {type_name(a.dtype)}"
        )
    if a._data.dtype.itemsize < 4 and not half:
        if kernel is None:
            raise RuntimeError(
                f"{fn}: Low precision dtypes not supported. Got {type_name(a.dtype)}"
            )
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(a.dtype)}'")
    return a


def check_square(
    a: object,
    fn: str,
    name: str = "A",
    position: int | None = 1,
    kernel: str | None = None,
    half: bool = False,
) -> Tensor:
    """``a`` as a floating batch of square matrices, else PyTorch's error (``kernel``: see
    ``check_float``)."""
    check_matrix(a, fn, name, position)
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{fn}: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )
    return check_float(a, fn, kernel, half)


def check_same_dtype(a: Tensor, b: Tensor, fn: str, names: tuple = ("A", "B")) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"{fn}: Expected {names[0]} and {names[1]} to have the same dtype, but found "
            f"{names[0]} of type {type_name(a.dtype)} and {names[1]} of type "
            f"{type_name(b.dtype)} instead"
        )


def broadcast_batch(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` with their batch dimensions (all but the last two) broadcast, through
    recorded expands (whose backward sums the gradient back)."""
    # PyTorch broadcasts B's batch against A's (its message names B's size first)
    batch = broadcast_shapes(tuple(b.shape[:-2]), tuple(a.shape[:-2]))
    return expand_to(a, batch + tuple(a.shape[-2:])), expand_to(b, batch + tuple(b.shape[-2:]))


def expand_to(x: Tensor, shape: tuple) -> Tensor:
    """``x`` broadcast to ``shape`` (recorded when it needs a gradient)."""
    if tuple(x.shape) == shape:
        return x
    if x.requires_grad:
        return movement.Expand.apply(x, shape)
    return Tensor._make(np.broadcast_to(x._data, shape))


def constant(array: np.ndarray) -> Tensor:
    """A tensor of ``array`` with no history (an index, a count, a permutation)."""
    return Tensor._make(np.asarray(array))


def raise_for_info(info: np.ndarray, fn: str, message: str) -> None:
    """PyTorch's LinAlgError for the first non-zero ``info`` (``message`` formats it), with the
    "(Batch element k)" prefix for a batch."""
    info = np.asarray(info)
    bad = np.flatnonzero(info.reshape(-1))
    if not bad.size:
        return
    k = int(bad[0])
    where = f"(Batch element {k}): " if info.ndim else ""
    raise LinAlgError(f"{fn}: {where}{message.format(int(info.reshape(-1)[k]))}")


def with_out(fn, name: str):
    """``fn`` taking PyTorch's ``out=``: a tensor (or a tuple of tensors, for a named-tuple
    result) that the result is written into and returned as; ``name`` is the op's name in
    PyTorch's messages."""

    @functools.wraps(fn)
    def wrapped(*args, out=None, **kwargs):
        found = fn(*args, **kwargs)
        if out is None:
            return found
        if not isinstance(found, tuple):
            return write_out(out, found, name)
        if not isinstance(out, (tuple, list)) or len(out) != len(found):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(found)} Tensors")
        written = [write_out(o, r, name) for o, r in zip(out, found)]
        return type(found)(*written)

    return wrapped
