"""Embedding and EmbeddingBag (module and functional) against PyTorch: values, weight (and
per-sample-weight) gradients, padding_idx, max_norm renormalisation, scale_grad_by_freq,
offsets/include_last_offset/empty bags, float64 gradcheck, repr/state_dict/init, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error

import numtorch

IDX = np.array([[1, 4, 4, 0], [2, 0, 7, 4]], np.int64)
FLAT = np.array([1, 4, 4, 0, 2, 0, 7, 4, 3], np.int64)


def _run(call, dtype=np.float32, psw: bool = False) -> list:
    """``call(lib, weight[, psw])`` on both libraries with the same random table; the outputs,
    the weight gradients (and per-sample-weight gradients) after a random backward."""
    rng = np.random.default_rng(0)
    table = rng.standard_normal((8, 3)).astype(dtype) * 2
    weights = rng.uniform(0.5, 1.5, FLAT.shape).astype(dtype)
    found = []
    for lib in (torch, numtorch):
        w = lib.tensor(table.copy(), requires_grad=True)
        s = lib.tensor(weights, requires_grad=True)
        out = call(lib, w, s) if psw else call(lib, w)
        up = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(dtype))
        out.backward(up)
        found.append((out.detach(), w.grad, s.grad if psw else None, w.detach()))
    return found


EMBEDDING = [
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(IDX), w),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(IDX, dtype=lib.int32), w, padding_idx=4),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(IDX), w, padding_idx=-4),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(IDX), w, scale_grad_by_freq=True),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(3), w),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor(IDX), w * 1, max_norm=1.0),
    lambda lib, w: lib.nn.functional.embedding(
        lib.tensor(FLAT), w * 1, max_norm=2.0, norm_type=1.0
    ),
]
BAG = [
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDX), w),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDX), w, mode="sum"),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDX), w, mode="max"),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 3, 3, 7])),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 3, 3, 7]), mode="max"),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 2, 9]), mode="sum", include_last_offset=True),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 4]), padding_idx=4),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 4]), mode="max", padding_idx=0),
    lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDX), w, mode="max", max_norm=1.5),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("call", EMBEDDING + BAG, ids=[f"embedding{i}" for i in range(len(EMBEDDING))] + [f"bag{i}" for i in range(len(BAG))])  # fmt: skip
def test_values_and_weight_gradients_match_torch(call, dtype) -> None:
    (tout, tgrad, _, tw), (nout, ngrad, _, nw) = _run(call, dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_close(nout, tout, tol, tol, "output")
    assert_close(ngrad, tgrad, tol, tol, "weight gradient")
    assert_close(nw, tw, tol, tol, "weight after (max_norm renormalises in place)")


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_bag_scale_grad_by_freq_is_embeddings_rule(mode: str) -> None:
    """Each row's gradient is divided by its count in the mini-batch, as ``F.embedding``
    documents and does. PyTorch 2.13's CPU ``embedding_bag`` divides the gradient of the
    k-th distinct index by the count of the k-th *sorted* index instead (wrong whenever an
    index repeats); numtorch follows the documented rule, checked here against PyTorch's
    ``embedding`` followed by the bag reduction."""
    bags = [slice(0, 4), slice(4, 9)]
    (tout, tgrad, _, _), (nout, ngrad, _, _) = _run(
        lambda lib, w: _bag_or_composed(lib, w, mode, bags)
    )
    assert_close(nout, tout, 1e-5, 1e-5, "output")
    assert_close(ngrad, tgrad, 1e-5, 1e-5, "weight gradient")


def _bag_or_composed(lib, w, mode: str, bags: list):
    """numtorch: ``embedding_bag(scale_grad_by_freq=True)``; torch: the same through
    ``embedding(scale_grad_by_freq=True)`` and a per-bag sum or mean."""
    if lib is numtorch:
        offsets = lib.tensor([b.start for b in bags])
        return lib.nn.functional.embedding_bag(
            lib.tensor(FLAT), w, offsets, mode=mode, scale_grad_by_freq=True
        )
    rows = lib.nn.functional.embedding(lib.tensor(FLAT), w, scale_grad_by_freq=True)
    reduce = (lambda r: r.sum(0)) if mode == "sum" else (lambda r: r.mean(0))
    return lib.stack([reduce(rows[b]) for b in bags])


def test_per_sample_weights_gradients_match_torch() -> None:
    def call(lib, w, s):
        return lib.nn.functional.embedding_bag(
            lib.tensor(FLAT), w, lib.tensor([0, 4, 4]), mode="sum", per_sample_weights=s,
            padding_idx=2,
        )  # fmt: skip

    (tout, tgrad, tsgrad, _), (nout, ngrad, nsgrad, _) = _run(call, psw=True)
    assert_close(nout, tout, 1e-5, 1e-5, "output")
    assert_close(ngrad, tgrad, 1e-5, 1e-5, "weight gradient")
    assert_close(nsgrad, tsgrad, 1e-5, 1e-5, "per_sample_weights gradient")


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck(mode: str) -> None:
    table = numtorch.tensor(np.random.default_rng(2).standard_normal((8, 3)), requires_grad=True)
    idx, offsets = numtorch.tensor(FLAT), numtorch.tensor([0, 2, 5])
    assert numtorch.autograd.gradcheck(
        lambda w: numtorch.nn.functional.embedding_bag(idx, w, offsets, mode=mode), (table,)
    )
    assert numtorch.autograd.gradcheck(
        lambda w: numtorch.nn.functional.embedding(numtorch.tensor(IDX), w), (table,)
    )  # (with padding_idx the padding row's gradient is zero by design, in PyTorch too)


def test_node_names_match_torch() -> None:
    names = []
    for lib in (torch, numtorch):
        w = lib.ones(8, 3, requires_grad=True)
        a = lib.nn.functional.embedding(lib.tensor(IDX), w)
        b = lib.nn.functional.embedding_bag(lib.tensor(IDX), w)
        names.append((a.grad_fn.name(), b.grad_fn.name()))
    assert names[0] == names[1]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.Embedding(10, 3),
        lambda lib: lib.nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0),
        lambda lib: lib.nn.Embedding(10, 3, scale_grad_by_freq=True),
        lambda lib: lib.nn.EmbeddingBag(10, 3),
        lambda lib: lib.nn.EmbeddingBag(10, 3, mode="max", padding_idx=2, max_norm=2.0),
    ],
)
def test_module_repr_state_dict_and_padding_row(make) -> None:
    tm, nm = make(torch), make(numtorch)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict())
    assert nm.padding_idx == tm.padding_idx
    if nm.padding_idx is not None:
        assert not np.any(nm.weight.detach().numpy()[nm.padding_idx])


def test_module_initialisation_is_standard_normal() -> None:
    numtorch.manual_seed(0)
    w = numtorch.nn.Embedding(4000, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_module_forward_matches_torch_with_copied_weights() -> None:
    for make in (
        lambda lib: lib.nn.Embedding(8, 3, padding_idx=1),
        lambda lib: lib.nn.EmbeddingBag(8, 3, mode="sum"),
    ):
        tm, nm = make(torch), make(numtorch)
        nm.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        assert_close(nm(numtorch.tensor(IDX)), tm(torch.tensor(IDX)).detach(), 1e-6, 1e-6, "out")


def test_from_pretrained_shares_and_freezes_like_torch() -> None:
    for lib in (torch, numtorch):
        table = lib.arange(6.0).reshape(3, 2)
        emb = lib.nn.Embedding.from_pretrained(table)
        assert not emb.weight.requires_grad
        assert emb(lib.tensor([2])).tolist() == [[4.0, 5.0]]
        assert lib.nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
        bag = lib.nn.EmbeddingBag.from_pretrained(table, mode="sum")
        assert bag(lib.tensor([[0, 2]])).tolist() == [[4.0, 6.0]] and not bag.weight.requires_grad


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.nn.functional.embedding(lib.tensor([1.0]), lib.ones(5, 3)),
         r"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead \(while checking arguments for embedding\)"),
        (lambda lib: lib.nn.functional.embedding(lib.tensor([7]), lib.ones(5, 3)), "index out of range in self"),
        (lambda lib: lib.nn.functional.embedding(lib.tensor([-1]), lib.ones(5, 3)), "index out of range in self"),
        (lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.ones(5)), "'weight' must be 2-D"),
        (lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.ones(5, 3), padding_idx=5), "Padding_idx must be within num_embeddings"),
        (lambda lib: lib.nn.Embedding(3, 2, padding_idx=-4), "Padding_idx must be within num_embeddings"),
        (lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=3), "padding_idx must be within num_embeddings"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 3), lib.tensor([1, 0])),
         "offsets\\[0\\] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got 1"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 3), lib.tensor([0, 3])),
         "offsets\\[-1\\] can not be greater than input's length 2 but got offsets\\[-1\\] of 3"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 3)), "offsets has to be a 1D Tensor but got None"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), lib.ones(5, 3), lib.tensor([0])),
         "if input is 2D, then offsets has to be None"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[[1]]]), lib.ones(5, 3)), "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1]]), lib.ones(5, 3), mode="min"), "mode has to be one of sum, mean or max"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1]]), lib.ones(5, 3), mode="max", scale_grad_by_freq=True),
         "max mode does not support scaling the gradient by the frequency"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1]]), lib.ones(5, 3), per_sample_weights=lib.ones(1, 1)),
         "per_sample_weights is only supported for mode='sum' \\(got mode='mean'\\)"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1]]), lib.ones(5, 3), per_sample_weights=lib.ones(2)),
         "embedding_bag: If per_sample_weights"),
        (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1]]), lib.ones(5)), "weight has to be a 2D Tensor, but got Tensor of dimension 1"),
        (lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)), "Embeddings parameter is expected to be 2-dimensional"),
    ],
)  # fmt: skip
def test_errors_match_torch(call, match: str) -> None:
    check_error(call, match)


def test_sparse_gradients_are_refused_with_a_clear_error() -> None:
    emb = numtorch.nn.Embedding(5, 2, sparse=True)
    assert repr(emb) == "Embedding(5, 2, sparse=True)"
    with pytest.raises(NotImplementedError, match="numtorch has no sparse tensors"):
        emb(numtorch.tensor([1]))
