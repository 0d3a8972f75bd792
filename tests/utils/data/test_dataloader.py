"""Tests for numtorch.utils.data.DataLoader: batches, shuffling, options and PyTorch's errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import numtorch
import numtorch.utils.data as ndata


def _tensors(lib, n=10):
    return lib.arange(n * 3, dtype=lib.float32).reshape(n, 3), lib.arange(n) % 4


def _as_lists(batches):
    return [[np.asarray(t).tolist() for t in b] for b in batches]


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours = ndata.DataLoader(
        ndata.TensorDataset(*_tensors(numtorch)), batch_size, drop_last=drop_last
    )
    theirs = tdata.DataLoader(
        tdata.TensorDataset(*_tensors(torch)), batch_size, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert _as_lists(got) == _as_lists(want)
    assert all(isinstance(b, list) for b in got)
    assert all(str(a.dtype) == str(b.dtype) for g, w in zip(got, want) for a, b in zip(g, w))


def test_tensor_dataset_is_fetched_once_per_batch(monkeypatch):
    calls = []
    original = ndata.TensorDataset._batch_fetcher

    def spy(self):
        fetch = original(self)
        return lambda indices: calls.append(indices.copy()) or fetch(indices)

    def per_sample(self, index):
        raise AssertionError("the loader fetched a TensorDataset sample by sample")

    monkeypatch.setattr(ndata.TensorDataset, "_batch_fetcher", spy)
    monkeypatch.setattr(ndata.TensorDataset, "__getitem__", per_sample)
    ds = ndata.TensorDataset(*_tensors(numtorch, 10))
    loader = ndata.DataLoader(ds, batch_size=4, shuffle=True)
    assert [len(b[1]) for b in loader] == [4, 4, 2]
    assert len(calls) == 3
    assert sorted(np.concatenate(calls).tolist()) == list(range(10))


def test_overridden_getitem_is_honoured():
    class Doubled(ndata.TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] * 2 for t in self.tensors)

    ((x, y),) = list(ndata.DataLoader(Doubled(*_tensors(numtorch, 3)), batch_size=3))
    np.testing.assert_array_equal(y.numpy(), [0, 2, 4])


@pytest.mark.parametrize("drop_last", [False, True])
def test_fast_path_equals_per_sample_path_for_subsets(drop_last):
    full = ndata.TensorDataset(*_tensors(numtorch, 23))
    train, _ = ndata.random_split(full, [17, 6], generator=numtorch.Generator().manual_seed(0))

    def run(collate):
        gen = numtorch.Generator().manual_seed(5)
        loader = ndata.DataLoader(
            train, 5, shuffle=True, drop_last=drop_last, generator=gen, collate_fn=collate
        )
        return _as_lists(loader)

    fast = run(None)
    slow = run(lambda batch: ndata.default_collate(batch))  # a custom collate skips the fast path
    assert fast == slow
    assert len(fast) == (3 if drop_last else 4)


def test_shuffle_reproducible_with_generator():
    ds = ndata.TensorDataset(*_tensors(numtorch, 40))

    def order(seed):
        gen = numtorch.Generator().manual_seed(seed)
        loader = ndata.DataLoader(ds, batch_size=8, shuffle=True, generator=gen)
        return [int(v) // 3 for x, _ in loader for v in x[:, 0].tolist()]

    assert order(0) == order(0)
    assert order(0) != order(1)
    assert sorted(order(0)) == list(range(40))
    assert order(0) != list(range(40))


def test_each_epoch_reshuffles_and_covers_everything():
    ds = ndata.TensorDataset(numtorch.arange(30))
    loader = ndata.DataLoader(ds, batch_size=7, shuffle=True, generator=numtorch.Generator())
    first = [int(v) for (b,) in loader for v in b.tolist()]
    second = [int(v) for (b,) in loader for v in b.tolist()]
    assert sorted(first) == sorted(second) == list(range(30))
    assert first != second


def test_shuffle_without_generator_uses_numtorch_default_generator():
    ds = ndata.TensorDataset(numtorch.arange(50))
    np.random.seed(123)
    numpy_state = np.random.get_state()[1].copy()
    numtorch.manual_seed(11)
    a = [b.tolist() for (b,) in ndata.DataLoader(ds, batch_size=10, shuffle=True)]
    numtorch.manual_seed(11)
    b = [b.tolist() for (b,) in ndata.DataLoader(ds, batch_size=10, shuffle=True)]
    assert a == b
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # NumPy's global RNG untouched


def test_len_matches_torch_for_shuffle_and_drop_last():
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False)]:
        ours = ndata.DataLoader(list(range(n)), bs, shuffle=True, drop_last=drop)
        theirs = tdata.DataLoader(list(range(n)), bs, shuffle=True, drop_last=drop)
        assert len(ours) == len(theirs) == len(list(ours))


def test_generic_dataset_of_dicts_matches_torch():
    samples = [{"x": [float(i), 1.0], "label": i % 2, "name": f"s{i}"} for i in range(5)]
    ours = list(ndata.DataLoader(samples, batch_size=2))
    theirs = list(tdata.DataLoader(samples, batch_size=2))
    assert len(ours) == len(theirs) == 3
    for o, t in zip(ours, theirs):
        assert o["name"] == t["name"]
        assert o["label"].tolist() == t["label"].tolist() and str(o["label"].dtype) == "torch.int64"
        assert [v.tolist() for v in o["x"]] == [v.tolist() for v in t["x"]]


def test_custom_collate_fn_receives_samples():
    loader = ndata.DataLoader(list(range(7)), batch_size=3, collate_fn=lambda b: sum(b))
    assert list(loader) == [3, 12, 6]


def test_batch_size_none_converts_each_sample():
    samples = [np.ones(2, np.float32), np.zeros(2, np.float32)]
    out = list(ndata.DataLoader(samples, batch_size=None))
    assert len(out) == 2 and all(isinstance(t, numtorch.Tensor) for t in out)
    assert tuple(out[0].shape) == (2,)


def test_custom_sampler_and_batch_sampler():
    data = list(range(10))
    got = [b.tolist() for b in ndata.DataLoader(data, batch_size=2, sampler=[9, 8, 7])]
    assert got == [[9, 8], [7]]
    loader = ndata.DataLoader(data, batch_sampler=[[0, 5], [3]])
    assert [b.tolist() for b in loader] == [[0, 5], [3]] and len(loader) == 2
    assert loader.batch_size is None


def test_num_workers_loads_in_process():
    seen = []

    class Probe(ndata.Dataset):
        def __getitem__(self, i):
            seen.append(ndata.get_worker_info())
            return i

        def __len__(self):
            return 5

    loader = ndata.DataLoader(Probe(), batch_size=2, num_workers=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    assert seen == [None] * 5 and tdata.get_worker_info() is None


class _Stream(ndata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_matches_torch(drop_last):
    class TorchStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    ours = ndata.DataLoader(_Stream(7), batch_size=3, drop_last=drop_last)
    theirs = tdata.DataLoader(TorchStream(), batch_size=3, drop_last=drop_last)
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    assert len(ours) == len(theirs)
    assert [int(v) for v in ndata.DataLoader(_Stream(3), batch_size=None)] == [0, 1, 2]


BAD_OPTIONS = [
    dict(batch_size=0),
    dict(batch_size=-2),
    dict(batch_size=2.5),
    dict(drop_last=1),
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(persistent_workers=True),
    dict(prefetch_factor=2),
]


@pytest.mark.parametrize("kwargs", BAD_OPTIONS)
def test_bad_options_raise_like_torch(kwargs):
    with pytest.raises(Exception) as theirs:
        tdata.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        ndata.DataLoader(list(range(4)), **kwargs)


@pytest.mark.parametrize(
    "kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]]), dict(batch_size=0)]
)
def test_iterable_dataset_refuses_ordering_options(kwargs):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset|batch_size should be"):
        ndata.DataLoader(_Stream(3), **kwargs)


def test_shuffle_generator_type_checked():
    with pytest.raises(TypeError, match="generator must be a numtorch.Generator"):
        ndata.DataLoader(list(range(3)), shuffle=True, generator=np.random.default_rng(0))
