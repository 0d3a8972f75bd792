"""Samplers: the order in which a ``DataLoader`` visits a map-style dataset.

The built-in index samplers also have a private ``_indices()`` that returns a whole epoch's
order as one int64 ndarray (``RandomSampler`` draws it lazily, in chunks, through
``_index_chunks()``); ``BatchSampler`` and ``DataLoader`` slice those arrays into batches
instead of building index lists one Python int at a time. Iterating a sampler yields the same
order as ints, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from itertools import islice
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch import _namespace as _ops
from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]


class Sampler:
    """Base class: subclasses write ``__iter__`` over dataset keys (and usually ``__len__``)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Visit ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _check_positive_int(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class RandomSampler(Sampler):
    """Visit the dataset in a random order (a fresh permutation per epoch).

    Args:
        data_source: the dataset (anything with ``len``).
        replacement: draw ``num_samples`` indices with replacement instead of permuting.
        num_samples: how many indices to draw (default ``len(data_source)``); without
            replacement, whole permutations are chained to reach it.
        generator: the source of randomness; numtorch's default generator when None, so
            ``numtorch.manual_seed`` makes shuffling reproducible. PyTorch seeds a private
            generator from the default one instead; both are reproducible from one seed.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        _check_positive_int(self.num_samples, "num_samples")
        _rng(generator)  # validates the generator's type now, not at the first epoch

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_chunks(self) -> Iterator[np.ndarray]:
        """The epoch's order as int64 chunks, drawn lazily: a chunk is drawn when the one before
        it has been used, so ``num_samples=10**10`` costs one chunk of memory, as in PyTorch
        (which draws 32 at a time). The stream is the same as drawing the whole epoch at once."""
        n, rng, left = len(self.data_source), _rng(self.generator), self.num_samples
        while left > 0:
            if self.replacement:
                chunk = rng.integers(0, n, size=min(left, _CHUNK), dtype=np.int64)
            else:  # one permutation per pass over the data, the last one cut short
                chunk = rng.permutation(n)[:left].astype(np.int64, copy=False)
            left -= len(chunk)
            yield chunk

    def _indices(self) -> np.ndarray:
        return np.concatenate(list(self._index_chunks()) or [np.empty(0, np.int64)])

    def __iter__(self) -> Iterator[int]:
        for chunk in self._index_chunks():
            yield from chunk.tolist()

    def __len__(self) -> int:
        return self.num_samples


_CHUNK = 1 << 16  # indices drawn at a time by a sampler with replacement


class SubsetRandomSampler(Sampler):
    """Visit the given ``indices`` in a random order, without replacement.

    Args:
        indices: the dataset keys to draw from.
        generator: the source of randomness (numtorch's default generator when None).
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _indices(self) -> np.ndarray:
        perm = _rng(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[perm]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Draw ``num_samples`` indices of ``weights``, index ``i`` with probability proportional to
    ``weights[i]``.

    Args:
        weights: a 1-D sequence (or tensor) of non-negative weights, not necessarily summing
            to one; stored as a float64 tensor.
        num_samples: how many indices to draw per epoch, a positive int.
        replacement: draw independently (True) or each index at most once (False).
        generator: the source of randomness (numtorch's default generator when None), so
            ``numtorch.manual_seed`` or a seeded ``generator`` makes the draws reproducible.

    Each epoch is one ``numtorch.multinomial(weights, num_samples, replacement)`` draw, as in
    PyTorch, so invalid weights raise multinomial's errors when iteration starts.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.utils.data import WeightedRandomSampler
        >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=torch.Generator())
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        _check_positive_int(num_samples, "num_samples")
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights_tensor = _ops.as_tensor(weights, dtype=_dtype.float64)
        if weights_tensor.ndim != 1:
            raise ValueError(
                "weights should be a 1d sequence but given "
                f"weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _indices(self) -> np.ndarray:
        drawn = _ops.multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )
        return drawn._data

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the keys of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of keys (usually a ``Sampler``).
        batch_size: keys per batch, a positive int.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Example:
        >>> from numtorch.utils.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
    """

    def __init__(self, sampler: Sampler | Iterable, batch_size: int, drop_last: bool) -> None:
        _check_positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self) -> Iterator[Any]:
        """Batches as int64 ndarrays when the sampler can give a whole epoch at once."""
        if type(self) is not BatchSampler or type(self.sampler) not in _ARRAY_SAMPLERS:
            yield from self  # a subclass may change the order: honour its __iter__
            return
        chunks = getattr(self.sampler, "_index_chunks", None)
        chunks = chunks() if chunks else iter((self.sampler._indices(),))
        size, rest = self.batch_size, np.empty(0, np.int64)
        for chunk in chunks:
            order = np.concatenate((rest, chunk)) if len(rest) else chunk
            stop = len(order) - len(order) % size
            for start in range(0, stop, size):
                yield order[start : start + size]
            rest = order[stop:]
        if len(rest) and not self.drop_last:
            yield rest

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        batch = list(islice(it, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(islice(it, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


_ARRAY_SAMPLERS = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)
