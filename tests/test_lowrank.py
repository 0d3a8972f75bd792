"""torch.svd_lowrank and torch.pca_lowrank: on matrices of rank <= q the randomized
factorisation is exact, so singular values (and the reconstruction) equal PyTorch's;
gradients flow through qr and svd; errors as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error

import numtorch


def _low_rank(rows: int, cols: int, rank: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))


@pytest.mark.parametrize(("rows", "cols"), [(20, 8), (8, 20)])
def test_svd_lowrank_is_exact_on_low_rank_matrices(rows, cols) -> None:
    a = _low_rank(rows, cols, 4)
    found = []
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        u, s, v = lib.svd_lowrank(lib.tensor(a), q=6)
        assert tuple(u.shape) == (rows, 6) and tuple(v.shape) == (cols, 6)
        assert_close((u * s) @ v.mT, lib.tensor(a), 1e-10, 1e-10, "reconstruction")
        found.append(s[:4])
    assert_close(found[1], found[0], 1e-10, 1e-10, "singular values")


def test_pca_lowrank_matches_torch_on_a_low_rank_centred_matrix() -> None:
    a = _low_rank(30, 10, 3) + 5.0  # the offset is removed by centring
    found = []
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        found.append(lib.pca_lowrank(lib.tensor(a), q=3)[1])
    assert_close(found[1], found[0], 1e-10, 1e-10, "principal singular values")


def test_gradients_flow_through_the_factorisation() -> None:
    a = numtorch.tensor(_low_rank(12, 6, 3), requires_grad=True)

    def top_values(x):
        numtorch.manual_seed(0)
        return numtorch.svd_lowrank(x, q=3)[1]

    assert numtorch.autograd.gradcheck(top_values, (a,))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda lib: lib.pca_lowrank(lib.ones(4, 3), q=5),
            "q\\(=5\\) must be non-negative integer",
        ),
        (
            lambda lib: lib.pca_lowrank(lib.ones(4, 3), niter=-1),
            "niter\\(=-1\\) must be non-negative",
        ),
    ],
)
def test_errors_match_torch(call, match) -> None:
    check_error(call, match)
