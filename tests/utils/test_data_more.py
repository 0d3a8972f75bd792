"""WeightedRandomSampler, ChainDataset and StackDataset, against torch.utils.data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_same

# ----------------------------------------------------------------------------- helpers


def _weighted(lib: Any, *args: Any, **kwargs: Any) -> Any:
    return lib.utils.data.WeightedRandomSampler(*args, **kwargs)


def _gen(seed: int) -> numtorch.Generator:
    return numtorch.Generator().manual_seed(seed)


def _stream(lib: Any, values: list, sized: bool = True) -> Any:
    """An IterableDataset of ``lib`` over ``values`` (with ``__len__`` when ``sized``)."""

    class Stream(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter(values)

    if sized:
        Stream.__len__ = lambda self: len(values)
    return Stream()


class _Batched:
    """A map-style dataset with ``__getitems__`` that records its calls."""

    def __init__(self, values: list, drop: int = 0) -> None:
        self.values, self.drop, self.calls = values, drop, []

    def __getitem__(self, i: int) -> Any:
        return self.values[i]

    def __getitems__(self, indices: list) -> list:
        self.calls.append(list(indices))
        return [self.values[i] for i in indices][: len(indices) - self.drop]

    def __len__(self) -> int:
        return len(self.values)


# --------------------------------------------------------------- WeightedRandomSampler


def test_exported() -> None:
    star: dict = {}
    exec("from numtorch.utils.data import *", star)
    for name in ("WeightedRandomSampler", "ChainDataset", "StackDataset"):
        assert star[name] is getattr(numtorch.utils.data, name)
        assert star[name].__name__ == name == getattr(torch.utils.data, name).__name__


@pytest.mark.parametrize("n", [0, -1, True, 1.5, "3", None])
def test_weighted_num_samples_errors(n: Any) -> None:
    check_error(lambda lib: _weighted(lib, [1.0, 2.0], n), "num_samples should be a positive")


@pytest.mark.parametrize("r", [1, 0, None, "yes"])
def test_weighted_replacement_errors(r: Any) -> None:
    check_error(lambda lib: _weighted(lib, [1.0, 2.0], 2, r), "replacement should be a boolean")


@pytest.mark.parametrize("w", [[[1.0, 2.0]], 3.0, [[1.0], [2.0]]])
def test_weighted_weights_not_1d(w: Any) -> None:
    check_error(
        lambda lib: _weighted(lib, w, 2), r"weights should be a 1d sequence but given weights"
    )


def test_weighted_shape_message_is_pytorchs() -> None:
    with pytest.raises(ValueError, match=r"have shape \(1, 2\)$"):
        _weighted(numtorch, [[1.0, 2.0]], 2)


@pytest.mark.parametrize(
    "w, replacement, match",
    [
        ([-1.0, 1.0], True, "encountering probability entry < 0"),
        ([-1.0, 1.0], False, "contains either `inf`, `nan` or element < 0"),
        ([0.0, 0.0], True, r"sum of probabilities <= 0"),
        ([0.0, 0.0], False, r"sum of probabilities <= 0"),
        ([float("inf"), 1.0], True, "infinity or NaN"),
        ([float("nan"), 1.0], False, "contains either `inf`, `nan` or element < 0"),
        ([1.0, 1.0], False, "cannot sample n_sample > prob_dist.size"),
    ],
)
def test_weighted_bad_weights_raise_on_iteration(w: list, replacement: bool, match: str) -> None:
    n = 3 if "n_sample" in match else 2
    _weighted(numtorch, w, n, replacement)  # construction accepts them, as in PyTorch
    check_error(lambda lib: list(_weighted(lib, w, n, replacement)), match)


@pytest.mark.parametrize("w", [[1, 2, 3], np.array([0.5, 1.5]), "tensor"])
def test_weighted_weights_stored_as_double(w: Any) -> None:
    def build(lib: Any) -> Any:
        weights = lib.tensor([0.25, 4.0], dtype=lib.float32) if isinstance(w, str) else w
        s = _weighted(lib, weights, 7, False)
        return s.weights, s.num_samples, s.replacement, len(s)

    check_same(build)


def test_weighted_frequencies_with_replacement() -> None:
    weights = [1.0, 2.0, 3.0, 4.0, 0.0]
    drawn = list(_weighted(numtorch, weights, 40_000, generator=_gen(0)))
    assert all(type(i) is int for i in drawn[:5])
    freq = np.bincount(drawn, minlength=5) / len(drawn)
    expected = np.array(weights) / sum(weights)
    assert freq[4] == 0.0  # a zero weight is never drawn
    np.testing.assert_allclose(freq, expected, atol=0.012)  # ~5 standard deviations


def test_weighted_without_replacement() -> None:
    weights = [1.0, 2.0, 3.0, 4.0]
    firsts, lasts = np.zeros(4), np.zeros(4)
    gen = _gen(1)
    for _ in range(4000):
        order = list(_weighted(numtorch, weights, 4, False, generator=gen))
        assert sorted(order) == [0, 1, 2, 3]  # each index at most once
        firsts[order[0]] += 1
        lasts[order[-1]] += 1
    np.testing.assert_allclose(firsts / 4000, np.array(weights) / 10, atol=0.03)
    assert np.argmax(lasts) == 0  # the lightest index is most often left for last


def test_weighted_zero_weight_never_drawn_without_replacement() -> None:
    for seed in range(20):
        assert 0 not in list(_weighted(numtorch, [0.0, 1.0, 5.0], 2, False, generator=_gen(seed)))


def test_weighted_reproducible_with_generator_and_manual_seed() -> None:
    w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    a = list(_weighted(numtorch, w, 50, generator=_gen(3)))
    assert a == list(_weighted(numtorch, w, 50, generator=_gen(3)))
    assert a != list(_weighted(numtorch, w, 50, generator=_gen(4)))
    s = _weighted(numtorch, w, 50, generator=_gen(3))
    assert list(s) != list(s)  # a fresh draw per epoch
    numtorch.manual_seed(7)
    b = list(_weighted(numtorch, w, 50, True))
    numtorch.manual_seed(7)
    assert b == list(_weighted(numtorch, w, 50))
    numtorch.manual_seed(7)
    assert b == numtorch.multinomial(numtorch.tensor(w, dtype=numtorch.float64), 50, True).tolist()


def test_weighted_bad_generator() -> None:
    with pytest.raises(TypeError, match="generator"):
        list(_weighted(numtorch, [1.0, 2.0], 2, generator=object()))


@pytest.mark.parametrize(
    "batch_size, drop_last", [(4, False), (4, True), (1, False), (None, False)]
)
def test_dataloader_with_weighted_sampler(batch_size: int | None, drop_last: bool) -> None:
    data = numtorch.arange(10.0) * 10
    ds = numtorch.utils.data.TensorDataset(data)
    w = [1.0] * 5 + [0.0] * 5
    order = list(_weighted(numtorch, w, 13, generator=_gen(5)))
    loader = numtorch.utils.data.DataLoader(
        ds,
        batch_size=batch_size,
        drop_last=drop_last,
        sampler=_weighted(numtorch, w, 13, generator=_gen(5)),
    )
    got = [b[0].reshape(-1).tolist() for b in loader]
    flat = [v for batch in got for v in batch]
    kept = len(order) if not drop_last else len(order) - len(order) % (batch_size or 1)
    assert flat == [10.0 * i for i in order[:kept]]
    assert len(loader) == len(got)
    assert all(v < 50 for v in flat)


def test_dataloader_sampler_with_shuffle_refused() -> None:
    check_error(
        lambda lib: lib.utils.data.DataLoader(
            range(4), sampler=_weighted(lib, [1.0] * 4, 4), shuffle=True
        ),
        "sampler option is mutually exclusive with shuffle",
    )


# ------------------------------------------------------------------------ ChainDataset


def test_chain_dataset_iterates_and_counts() -> None:
    def build(lib: Any) -> Any:
        chain = lib.utils.data.ChainDataset(
            [_stream(lib, [1, 2]), _stream(lib, []), _stream(lib, [3])]
        )
        return list(chain), len(chain), list(chain)

    check_same(build)


def test_chain_dataset_accepts_a_generator_once() -> None:
    def build(lib: Any) -> Any:
        chain = lib.utils.data.ChainDataset(_stream(lib, [i]) for i in range(3))
        return list(chain), list(chain)  # the second pass finds the generator spent

    check_same(build)


def test_iterable_dataset_add_chains() -> None:
    def build(lib: Any) -> Any:
        both = _stream(lib, [1, 2]) + _stream(lib, [3])
        return type(both).__name__, list(both), len(both)

    check_same(build)


def test_chain_dataset_refuses_map_style_lazily() -> None:
    def chain(lib: Any) -> Any:
        return lib.utils.data.ChainDataset(
            [_stream(lib, [1, 2]), lib.utils.data.TensorDataset(lib.zeros(2))]
        )

    it = iter(chain(numtorch))
    assert [next(it), next(it)] == [1, 2]  # the map-style dataset is refused when reached
    check_error(lambda lib: list(chain(lib)), "^ChainDataset only supports IterableDataset$")
    check_error(lambda lib: len(chain(lib)), "^ChainDataset only supports IterableDataset$")


def test_chain_dataset_len_of_unsized_stream() -> None:
    check_error(
        lambda lib: len(lib.utils.data.ChainDataset([_stream(lib, [1], sized=False)])),
        "has no len",
        TypeError,
    )


@pytest.mark.parametrize("batch_size, drop_last", [(2, False), (2, True), (None, False)])
def test_dataloader_over_chain_dataset(batch_size: int | None, drop_last: bool) -> None:
    def build(lib: Any) -> Any:
        rows = [lib.tensor([float(i), -float(i)]) for i in range(5)]
        chain = lib.utils.data.ChainDataset([_stream(lib, rows[:3]), _stream(lib, rows[3:])])
        loader = lib.utils.data.DataLoader(chain, batch_size=batch_size, drop_last=drop_last)
        return list(loader), len(loader)

    check_same(build)


def test_dataloader_chain_dataset_refuses_sampler() -> None:
    check_error(
        lambda lib: lib.utils.data.DataLoader(
            lib.utils.data.ChainDataset([_stream(lib, [1])]), sampler=[0]
        ),
        "expected unspecified sampler option",
    )


# ------------------------------------------------------------------------ StackDataset


def test_stack_dataset_tuple_and_dict() -> None:
    def build(lib: Any) -> Any:
        x, y = lib.arange(6.0).reshape(3, 2), lib.tensor([0, 1, 0])
        as_tuple = lib.utils.data.StackDataset(x, y)
        as_dict = lib.utils.data.StackDataset(x=x, label=y)
        return (
            len(as_tuple),
            as_tuple[1],
            as_tuple[-1],
            len(as_dict),
            sorted(as_dict[2].items()),
            list(as_dict[0]),
            as_tuple.__getitems__([2, 0]),
            [sorted(d.items()) for d in as_dict.__getitems__([1, 1])],
        )

    check_same(build)


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda lib: lib.utils.data.StackDataset(range(3), range(4)),
            "^Size mismatch between datasets$",
        ),
        (
            lambda lib: lib.utils.data.StackDataset(a=range(3), b="ab"),
            "^Size mismatch between datasets$",
        ),
        (lambda lib: lib.utils.data.StackDataset(), "^At least one dataset should be passed$"),
        (
            lambda lib: lib.utils.data.StackDataset(range(2), b=range(2)),
            r"Supported either ``tuple``- \(via ``args``\) or``dict``-",
        ),
    ],
)
def test_stack_dataset_errors(make: Any, match: str) -> None:
    check_error(make, match, ValueError)


def test_stack_dataset_uses_nested_getitems() -> None:
    for lib in (torch, numtorch):
        inner = _Batched(["a", "b", "c"])
        stack = lib.utils.data.StackDataset(inner, range(3))
        assert stack.__getitems__([2, 0]) == [("c", 2), ("a", 0)]
        assert inner.calls == [[2, 0]]
        stack = lib.utils.data.StackDataset(s=inner, n=range(3))
        assert stack.__getitems__([1]) == [{"s": "b", "n": 1}]


@pytest.mark.parametrize("as_dict", [False, True])
def test_stack_dataset_nested_size_mismatch(as_dict: bool) -> None:
    def build(lib: Any) -> Any:
        inner = _Batched(["a", "b", "c"], drop=1)
        stack = (
            lib.utils.data.StackDataset(s=inner) if as_dict else lib.utils.data.StackDataset(inner)
        )
        return stack.__getitems__([0, 2])

    check_error(build, r"^Nested dataset's output size mismatch\. Expected 2, got 1$", ValueError)


@pytest.mark.parametrize("as_dict", [False, True])
def test_dataloader_over_stack_dataset(as_dict: bool) -> None:
    def build(lib: Any) -> Any:
        x = lib.arange(10.0).reshape(5, 2)
        y = lib.utils.data.TensorDataset(lib.arange(5))
        stack = (
            lib.utils.data.StackDataset(x=x, y=y) if as_dict else lib.utils.data.StackDataset(x, y)
        )
        batches = list(lib.utils.data.DataLoader(stack, batch_size=2))
        if as_dict:
            batches = [[b["x"], b["y"]] for b in batches]
        return batches

    check_same(build)
