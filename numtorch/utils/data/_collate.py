"""``default_collate`` and ``default_convert``: turn a list of samples into one batch, with
PyTorch's rules (tensors and arrays are stacked, Python ints become int64 and floats float64,
strings are kept, tuples/lists/dicts are collated field by field)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._namespace.creation import as_tensor, tensor
from numtorch._namespace.shape import stack
from numtorch.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)
_STR_OR_OBJECT = re.compile(r"[SaUO]")  # NumPy dtype codes that can't become tensors


def _rebuild_mapping(elem: Mapping, fields: dict) -> Mapping:
    """``fields`` in a mapping of ``elem``'s type where possible (PyTorch's rule)."""
    if isinstance(elem, MutableMapping):
        clone = copy.copy(elem)
        clone.update(fields)
        return clone
    try:
        return type(elem)(fields)
    except TypeError:
        return fields


def _collate_sequence(batch: Sequence[Sequence]) -> Any:
    elem = batch[0]
    if any(len(sample) != len(elem) for sample in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    columns = [default_collate(samples) for samples in zip(*batch)]
    if isinstance(elem, tuple):
        return columns  # PyTorch returns a list for tuples (backwards compatibility)
    if isinstance(elem, MutableSequence):
        clone = copy.copy(elem)
        clone[:] = columns
        return clone
    try:
        return type(elem)(columns)
    except TypeError:
        return columns


def default_collate(batch: Sequence[Any]) -> Any:
    """Collate a list of samples into a batch, as ``torch.utils.data.default_collate`` does.

    Tensors are stacked on a new first dimension; NumPy arrays become tensors and are stacked;
    Python ints become an int64 tensor, floats a float64 tensor, bools a bool tensor; NumPy
    scalars keep their dtype; strings and bytes are returned as they are; mappings, named
    tuples, tuples and lists are collated field by field (a tuple gives a list).

    Example:
        >>> import numtorch as torch
        >>> from numtorch.utils.data import default_collate
        >>> default_collate([(torch.ones(2), 0), (torch.zeros(2), 1)])
        [tensor([[1., 1.],
                [0., 0.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if _STR_OR_OBJECT.search(elem.dtype.str):
            raise TypeError(_ERR.format(elem.dtype))
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _rebuild_mapping(
            elem, {key: default_collate([d[key] for d in batch]) for key in elem}
        )
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, Sequence):
        return _collate_sequence(batch)
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays inside ``data`` to tensors, leaving everything else as it is.

    The ``DataLoader`` uses it when ``batch_size=None`` (no batching).
    """
    if isinstance(data, np.ndarray):
        return data if _STR_OR_OBJECT.search(data.dtype.str) else as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return as_tensor(data)
    if isinstance(data, Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
