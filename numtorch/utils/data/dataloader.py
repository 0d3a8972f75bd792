"""``DataLoader``: batches of a dataset, in order or shuffled, as a plain generator.

There is no iterator class hierarchy: ``__iter__`` is a generator and ``__len__`` counts the
batches. Loading runs in the calling process (``num_workers`` is accepted and ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np

from numtorch.random import Generator
from numtorch.utils.data._collate import default_collate, default_convert
from numtorch.utils.data.dataset import Dataset, IterableDataset
from numtorch.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info() -> None:
    """Always None: numtorch loads data in the calling process, never in worker processes."""
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` (``dataset[i]`` and ``len``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (each sample is converted,
            not collated).
        shuffle: visit the samples in a new random order every epoch.
        sampler: the order of the sample keys (excludes ``shuffle``).
        batch_sampler: yields whole lists of keys (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: accepted for compatibility and must be >= 0; numtorch always loads in
            the calling process (a difference from PyTorch, which forks worker processes).
        collate_fn: merges a list of samples into a batch (``default_collate`` by default).
        drop_last: drop the last, smaller batch.
        generator: the generator ``shuffle=True`` draws from; numtorch's default generator
            when None. The same seed gives the same order.

    With the default ``collate_fn``, a ``TensorDataset`` (or a ``Subset`` of one) is indexed
    once per batch with the whole index array instead of once per sample.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(torch.arange(10.0), torch.arange(10))
        >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator())
        >>> len(loader), [len(y) for _, y in loader]
        (3, [4, 4, 2])
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        shuffle = bool(shuffle)
        batch_size, drop_last = _check_batching(
            shuffle, sampler, batch_sampler, batch_size, drop_last
        )
        if sampler is None and not self._iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None:
            # an IterableDataset batches its stream itself; this validates the arguments
            batch_sampler = BatchSampler(
                sampler if sampler is not None else [], batch_size, drop_last
            )
        self.dataset = dataset
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler = sampler
        self.batch_sampler = None if self._iterable else batch_sampler
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.generator, self.prefetch_factor = generator, prefetch_factor
        self.persistent_workers, self.pin_memory_device = persistent_workers, pin_memory_device
        self.in_order = in_order
        self._auto_collation = batch_size is not None or batch_sampler is not None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._iter_stream()
        elif not self._auto_collation:
            for key in self.sampler:
                yield self.collate_fn(self.dataset[key])
        else:
            yield from self._iter_batches()

    def _iter_batches(self) -> Iterator[Any]:
        make_fetcher = getattr(self.dataset, "_batch_fetcher", None)
        fast = None
        if make_fetcher is not None and self.collate_fn is default_collate:
            fast = make_fetcher()
        batches = getattr(self.batch_sampler, "_index_batches", None)
        for keys in batches() if batches is not None else self.batch_sampler:
            if fast is not None and isinstance(keys, np.ndarray):
                yield fast(keys)
            else:
                yield self.collate_fn(self._fetch(keys))

    def _fetch(self, keys: Any) -> list:
        keys = keys.tolist() if isinstance(keys, np.ndarray) else keys
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(keys)
        return [self.dataset[k] for k in keys]

    def _iter_stream(self) -> Iterator[Any]:
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        batch = list(islice(it, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield self.collate_fn(batch)
            batch = list(islice(it, self.batch_size))


def _check_iterable_options(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    """An IterableDataset orders itself: PyTorch refuses shuffle, sampler and batch_sampler."""
    if shuffle not in (False, None):
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
            f"shuffle={shuffle}"
        )
    if sampler is not None:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified sampler option, but got "
            f"sampler={sampler}"
        )
    if batch_sampler is not None:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
            f"got batch_sampler={batch_sampler}"
        )


def _check_workers(
    num_workers: int, timeout: float, prefetch_factor: int | None, persistent_workers: bool
) -> None:
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
            "to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_batching(
    shuffle: bool, sampler: Any, batch_sampler: Any, batch_size: int | None, drop_last: bool
) -> tuple[int | None, bool]:
    """PyTorch's rules for combining the batching options; returns (batch_size, drop_last)."""
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                "and drop_last"
            )
        return None, False
    if batch_size is None and drop_last:
        raise ValueError(
            "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
        )
    return batch_size, drop_last
