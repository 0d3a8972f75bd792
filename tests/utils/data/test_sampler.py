"""Tests for numtorch.utils.data.sampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import numtorch
import numtorch.utils.data as ndata


def test_sampler_base_iter_not_implemented():
    with pytest.raises(NotImplementedError):
        iter(ndata.Sampler())


@pytest.mark.parametrize("n", [0, 1, 5])
def test_sequential_sampler(n):
    s = ndata.SequentialSampler(range(n))
    assert list(s) == list(range(n)) == s._indices().tolist()
    assert len(s) == n


def _random(seed, **kw):
    return ndata.RandomSampler(range(10), generator=numtorch.Generator().manual_seed(seed), **kw)


def test_random_sampler_is_a_permutation_and_reproducible():
    order = list(_random(0))
    assert sorted(order) == list(range(10))
    assert order != list(range(10))
    assert order == list(_random(0))
    assert order != list(_random(1))
    assert all(type(i) is int for i in order)


def test_random_sampler_new_order_each_epoch():
    s = _random(0)
    assert list(s) != list(s)


def test_random_sampler_default_generator_follows_manual_seed():
    numtorch.manual_seed(3)
    a = list(ndata.RandomSampler(range(20)))
    numtorch.manual_seed(3)
    assert list(ndata.RandomSampler(range(20))) == a


def test_random_sampler_more_samples_than_data_chains_permutations():
    order = list(_random(0, num_samples=25))
    assert len(order) == 25 == len(_random(0, num_samples=25))
    assert sorted(order[:10]) == sorted(order[10:20]) == list(range(10))
    assert len(set(order[20:])) == 5


def test_random_sampler_with_replacement():
    order = list(_random(0, replacement=True, num_samples=200))
    assert len(order) == 200
    assert set(order) <= set(range(10))
    assert len(set(order)) < 200  # repeats happen


def test_random_sampler_errors_match_torch():
    with pytest.raises(
        TypeError, match="replacement should be a boolean value, but got replacement=1"
    ):
        ndata.RandomSampler(range(3), replacement=1)
    with pytest.raises(
        ValueError, match="num_samples should be a positive integer value, but got num_samples=0"
    ):
        ndata.RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        ndata.RandomSampler([])
    with pytest.raises(ValueError, match=r"num_samples=0"):
        tdata.RandomSampler([])  # PyTorch refuses an empty dataset the same way
    with pytest.raises(TypeError, match="generator must be a numtorch.Generator"):
        ndata.RandomSampler(range(3), generator=torch.Generator())


def test_subset_random_sampler():
    idx = [5, 9, 2, 7]
    s = ndata.SubsetRandomSampler(idx, generator=numtorch.Generator().manual_seed(0))
    order = list(s)
    assert sorted(order) == sorted(idx) and len(s) == 4
    assert s._indices().dtype == np.int64


@pytest.mark.parametrize("n, bs", [(10, 3), (9, 3), (2, 5), (0, 2), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    ours = ndata.BatchSampler(ndata.SequentialSampler(range(n)), bs, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert [b.tolist() for b in ours._index_batches()] == list(theirs)


def test_batch_sampler_array_path_matches_iteration_for_random_sampler():
    def batches(array_path):
        s = ndata.BatchSampler(_random(5, num_samples=23), 4, False)
        got = s._index_batches() if array_path else iter(s)
        return [list(np.asarray(b).tolist()) for b in got]

    assert batches(True) == batches(False)


def test_batch_sampler_honours_custom_sampler_order():
    class Reversed(ndata.SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    s = ndata.BatchSampler(Reversed(range(5)), 2, False)
    assert list(s._index_batches()) == [[4, 3], [2, 1], [0]]


def test_batch_sampler_over_plain_iterable():
    assert list(ndata.BatchSampler(iter("abcde"), 2, True)) == [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("bs", [0, -1, 1.5, True, "2", None])
def test_batch_sampler_bad_batch_size(bs):
    with pytest.raises(
        ValueError, match=f"batch_size should be a positive integer value, but got batch_size={bs}"
    ):
        ndata.BatchSampler(range(3), bs, False)
    with pytest.raises(ValueError, match=f"but got batch_size={bs}"):
        tdata.BatchSampler(range(3), bs, False)


def test_batch_sampler_bad_drop_last():
    with pytest.raises(
        ValueError, match="drop_last should be a boolean value, but got drop_last=1"
    ):
        ndata.BatchSampler(range(3), 2, 1)


def test_random_sampler_with_replacement_draws_lazily():
    """minGPT's ``num_samples=10**10``: the first indices come at once, in bounded memory (the
    whole epoch would be 74.5 GiB), from the loader too, as in PyTorch."""
    import time
    import tracemalloc

    s = ndata.RandomSampler(range(10), replacement=True, num_samples=10**10)
    ds = ndata.TensorDataset(numtorch.arange(10))
    tracemalloc.start()
    try:
        start = time.perf_counter()
        it = iter(s)
        first = [next(it) for _ in range(100)]
        batch = next(iter(ndata.DataLoader(ds, batch_size=4, sampler=s)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1 and peak < 16 * 2**20
    assert all(0 <= i < 10 for i in first) and batch[0].shape == (4,)
    assert len(s) == 10**10 == len(tdata.RandomSampler(range(10), True, 10**10))


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("num_samples", [1, 7, 23, (1 << 16) + 5])
def test_random_sampler_chunks_give_the_whole_epoch_stream(replacement, num_samples):
    """Lazy chunks, the iterator and batches all give the order drawn at once."""
    whole = _random(3, replacement=replacement, num_samples=num_samples)._indices()
    assert len(whole) == num_samples
    assert list(_random(3, replacement=replacement, num_samples=num_samples)) == whole.tolist()
    for drop_last in (False, True):
        sampler = _random(3, replacement=replacement, num_samples=num_samples)
        batches = list(ndata.BatchSampler(sampler, 4, drop_last)._index_batches())
        expected = [whole[i : i + 4] for i in range(0, num_samples, 4)]
        if drop_last and num_samples % 4:
            expected = expected[:-1]
        assert [b.tolist() for b in batches] == [e.tolist() for e in expected]
