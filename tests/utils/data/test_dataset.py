"""Tests for numtorch.utils.data.dataset: TensorDataset, Subset, ConcatDataset, random_split."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import numtorch
import numtorch.utils.data as ndata


def _pair(lib, n=6):
    return lib.arange(n * 2, dtype=lib.float32).reshape(n, 2), lib.arange(n) % 3


def test_dataset_base_getitem_not_implemented():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        ndata.Dataset()[0]


class _Stream(ndata.IterableDataset):
    def __iter__(self):
        return iter([1, 2])


def test_iterable_dataset_is_abstract_like_torch():
    for lib in (ndata, tdata):
        with pytest.raises(TypeError, match="abstract method __iter__"):
            lib.IterableDataset()
    assert list(_Stream()) == [1, 2]


@pytest.mark.parametrize("index", [0, 3, -1, slice(1, 4), [0, 5, 2]])
def test_tensor_dataset_matches_torch(index):
    ours = ndata.TensorDataset(*_pair(numtorch))[index]
    theirs = tdata.TensorDataset(*_pair(torch))[index]
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert str(a.dtype) == str(b.dtype)


def test_tensor_dataset_len_and_tensors():
    x, y = _pair(numtorch, 7)
    ds = ndata.TensorDataset(x, y)
    assert len(ds) == 7
    assert ds.tensors[0] is x and ds.tensors[1] is y


@pytest.mark.parametrize("shapes", [[(3, 2), (4,)], [(3,), (3,), (2, 3)]])
def test_tensor_dataset_size_mismatch(shapes):
    tensors = [numtorch.zeros(s) for s in shapes]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        ndata.TensorDataset(*tensors)


@pytest.mark.parametrize("shapes", [[(3,), ()], [()]])
def test_tensor_dataset_rejects_0d_like_torch(shapes):
    for lib, data in ((numtorch, ndata), (torch, tdata)):
        with pytest.raises(IndexError, match="tensor has no dimensions"):
            data.TensorDataset(*[lib.zeros(s) for s in shapes])


def test_tensor_dataset_rejects_non_tensors():
    with pytest.raises(TypeError, match="expects Tensors, but got ndarray"):
        ndata.TensorDataset(np.zeros(3))


def test_subset_indexing_and_len():
    ds = ndata.TensorDataset(*_pair(numtorch))
    sub = ndata.Subset(ds, [4, 1, 5])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[0][0].numpy(), [8.0, 9.0])
    np.testing.assert_array_equal(sub[[2, 1]][1].numpy(), [2, 1])
    items = sub.__getitems__([2, 0])
    assert [int(y) for _, y in items] == [2, 1]


def test_subset_of_range_iterates():
    assert list(ndata.Subset(range(10, 20), [3, 0])) == [13, 10]


def test_subset_batch_fetch_refuses_overridden_getitem():
    class Doubling(ndata.Subset):
        def __getitem__(self, idx):
            return super().__getitem__(idx) * 2

    ds = ndata.TensorDataset(numtorch.arange(5))
    assert Doubling(ds, [1, 2])._batch_fetcher() is None
    assert ndata.Subset(range(5), [1])._batch_fetcher() is None
    fetch = ndata.Subset(ds, [4, 1, 3])._batch_fetcher()
    assert fetch(np.array([2, 0]))[0].tolist() == [3, 4]


def test_concat_dataset_matches_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = ndata.ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    assert ours.cumulative_sizes == theirs.cumulative_sizes


def test_concat_dataset_errors():
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ndata.ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ndata.ConcatDataset([[1], _Stream()])
    ds = ndata.ConcatDataset([[1, 2], [3]])
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        ds[-4]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ds[3]


def test_dataset_add_concatenates():
    a = ndata.TensorDataset(numtorch.arange(3))
    b = ndata.TensorDataset(numtorch.arange(3, 5))
    both = a + b
    assert isinstance(both, ndata.ConcatDataset)
    assert [int(both[i][0]) for i in range(len(both))] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "n, lengths",
    [(10, [3, 7]), (10, [0.3, 0.7]), (11, [0.5, 0.5]), (10, [1 / 3] * 3), (7, [0.1, 0.2, 0.7])],
)
def test_random_split_lengths_match_torch(n, lengths):
    ours = ndata.random_split(range(n), lengths, generator=numtorch.Generator().manual_seed(1))
    theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = [i for s in ours for i in s]
    assert sorted(flat) == list(range(n))


def test_random_split_reproducible_with_generator():
    def split(seed):
        gen = numtorch.Generator().manual_seed(seed)
        return [list(s.indices) for s in ndata.random_split(range(50), [20, 30], generator=gen)]

    assert split(3) == split(3)
    assert split(3) != split(4)
    assert split(3)[0] != list(range(20))  # actually shuffled


def test_random_split_uses_default_generator():
    numtorch.manual_seed(7)
    a = ndata.random_split(range(30), [10, 20])[0].indices
    numtorch.manual_seed(7)
    b = ndata.random_split(range(30), [10, 20])[0].indices
    assert a == b


def test_random_split_wrong_sum():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        ndata.random_split(range(10), [3, 8])


def test_random_split_bad_fraction():
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        ndata.random_split(range(10), [0.5, 1.5, -1.0])


def test_random_split_negative_length():
    with pytest.raises(ValueError, match="lengths must be non-negative integers"):
        ndata.random_split(range(4), [5, -1])


def test_random_split_warns_on_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = ndata.random_split(range(2), [0.95, 0.05])
    assert [len(p) for p in parts] == [2, 0]
