"""Datasets: the map-style ``Dataset`` protocol, ``TensorDataset``, ``StackDataset``,
``Subset``, ``ConcatDataset``, ``ChainDataset`` and ``random_split``, with PyTorch's names,
behaviour and error messages.

Map-style datasets may also define a private ``_batch_fetcher()``: called once per epoch, it
returns a function that takes a whole batch of indices (an int64 ndarray) and returns the
collated batch -- or it returns None when the dataset can't do that. ``DataLoader`` uses it with
the default collate function, so a ``TensorDataset`` (or a ``Subset`` of one) is sliced once
per batch instead of once per sample.
"""

from __future__ import annotations

import bisect
import math
import warnings
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "StackDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "random_split",
]


class Dataset:
    """A map-style dataset: ``dataset[i]`` returns sample ``i`` and ``len(dataset)`` the count.

    Subclasses write ``__getitem__`` (and usually ``__len__``). ``a + b`` concatenates.
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset, Iterable):
    """A stream of samples: subclasses write ``__iter__``; ``DataLoader`` batches the stream.

    Abstract, as in PyTorch: instantiating it without an ``__iter__`` raises ``TypeError``.
    """

    @abstractmethod
    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension.

    ``dataset[i]`` is ``tuple(t[i] for t in tensors)``. Size mismatches raise
    ``AssertionError("Size mismatch between tensors")`` as in PyTorch.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.utils.data import TensorDataset
        >>> ds = TensorDataset(torch.arange(6).reshape(3, 2), torch.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset expects Tensors, but got {type(t).__name__}")
        if any(t.ndim == 0 for t in tensors):
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch_fetcher(self) -> Callable[[np.ndarray], list] | None:
        # A subclass that changes __getitem__ must be fetched sample by sample.
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return None
        tensors = self.tensors
        return lambda indices: [t[indices] for t in tensors]


class StackDataset(Dataset):
    """Several datasets of one length side by side: sample ``i`` is the tuple (positional
    datasets) or the dict (keyword datasets) of each dataset's sample ``i``.

    Example:
        >>> from numtorch.utils.data import StackDataset
        >>> StackDataset(range(3), "abc")[1], StackDataset(x=range(3), y="abc")[2]
        ((1, 'b'), {'x': 2, 'y': 'c'})
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or"
                "``dict``- (via ``kwargs``) like input/output, but both types are given."
            )
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = args or list(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple | dict = args or kwargs

    def __getitem__(self, index: Any) -> tuple | dict:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        """The samples at ``indices``, each nested dataset fetched with its own
        ``__getitems__`` when it has one."""
        if isinstance(self.datasets, dict):
            columns = {k: _nested_items(d, indices) for k, d in self.datasets.items()}
            return [{k: col[i] for k, col in columns.items()} for i in range(len(indices))]
        columns = [_nested_items(d, indices) for d in self.datasets]
        return [tuple(col[i] for col in columns) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def _nested_items(dataset: Dataset, indices: list) -> list:
    """``dataset``'s samples at ``indices``, batched when it has ``__getitems__``."""
    getitems = getattr(dataset, "__getitems__", None)
    if not callable(getitems):
        return [dataset[i] for i in indices]
    items = getitems(indices)
    if len(items) != len(indices):
        raise ValueError(
            f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}"
        )
    return items


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: positions in ``dataset`` that make up the subset.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch_fetcher(self) -> Callable[[np.ndarray], list] | None:
        make_inner = getattr(self.dataset, "_batch_fetcher", None)
        inner = make_inner() if make_inner is not None else None
        if inner is None or type(self).__getitem__ is not Subset.__getitem__:
            return None
        positions = np.asarray(self.indices, dtype=np.int64)  # once per epoch, not per batch
        return lambda indices: inner(positions[indices])


class ConcatDataset(Dataset):
    """Several map-style datasets one after another.

    Args:
        datasets: the datasets to chain; none may be an ``IterableDataset``.
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"index {idx} is out of range for a dataset of size {len(self)}")
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several ``IterableDataset`` streams one after another, chained on the fly.

    Args:
        datasets: the streams to chain; each is checked when the chain reaches it (iteration)
            or when the length is asked for, as in PyTorch.

    Example:
        >>> from numtorch.utils.data import ChainDataset, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        >>> list(ChainDataset([Count(2), Count(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            _check_iterable(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            _check_iterable(d)
            total += len(d)
        return total


def _check_iterable(dataset: object) -> None:
    if not isinstance(dataset, IterableDataset):
        raise AssertionError("ChainDataset only supports IterableDataset")


def _fraction_lengths(n: int, fractions: Sequence[float]) -> list[int]:
    """floor(n * frac) each, then the remainder one by one, round-robin (PyTorch's rule)."""
    lengths = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(math.floor(n * frac))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"Length of split at index {i} is 0. This might result in an empty dataset.",
                stacklevel=3,
            )
    return lengths


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset``\\ s of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sizes of the splits, or fractions summing to 1 (each split gets
            ``floor(frac * len(dataset))``, the remainder is dealt round-robin).
        generator: draws the permutation (numtorch's default generator when None), so the
            same seed gives the same split.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.utils.data import random_split
        >>> a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(0))
        >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
        (7, 3, True)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _fraction_lengths(len(dataset), lengths)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    for length in lengths:
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"lengths must be non-negative integers, but got {list(lengths)}")
    perm = _rng(generator).permutation(len(dataset)).tolist()
    offsets = np.cumsum(lengths).tolist()
    return [Subset(dataset, perm[end - n : end]) for end, n in zip(offsets, lengths)]
