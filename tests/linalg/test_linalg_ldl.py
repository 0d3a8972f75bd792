"""``linalg.ldl_factor`` / ``ldl_factor_ex`` / ``ldl_solve`` against PyTorch: LAPACK's exact
pivots and factors (1x1 and 2x2 blocks), the solves, the errors, and the missing gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_same
from linalg_inputs import spd, sym

import numtorch


def _indefinite(n: int, batch: tuple = (), seed: int = 0) -> np.ndarray:
    """A symmetric matrix with a zero corner: Bunch-Kaufman needs 2x2 pivots for it."""
    a = np.random.default_rng(seed).standard_normal(batch + (n, n))
    a = a + np.swapaxes(a, -1, -2)
    a[..., 0, 0] = 0
    return a


MATRICES = {
    "spd": spd(4),
    "indefinite": sym(4) - 3.0 * np.eye(4),
    "2x2 pivots": _indefinite(5),
    "swap pivots": np.array([[0.1, 2.0, 0.0], [2.0, 0.3, 1.0], [0.0, 1.0, 5.0]]),
    "batched": _indefinite(4, (2,), seed=3),
    "larger": _indefinite(9, seed=5),
    "1x1": np.array([[2.0]]),
}


def _t(lib, a, dtype=np.float64):
    return lib.tensor(np.asarray(a, dtype))


@pytest.mark.parametrize("name", list(MATRICES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ldl_factor_matches_pytorch(name: str, dtype) -> None:
    a = MATRICES[name]
    check_same(lambda lib: lib.linalg.ldl_factor(_t(lib, a, dtype)), rtol=1e-5, atol=1e-5)
    check_same(lambda lib: lib.linalg.ldl_factor_ex(_t(lib, a, dtype)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(MATRICES))
def test_ldl_solve_matches_pytorch(name: str) -> None:
    a = MATRICES[name]
    b = np.random.default_rng(1).standard_normal(a.shape[:-1] + (2,))

    def solve(lib):
        return lib.linalg.ldl_solve(*lib.linalg.ldl_factor(_t(lib, a)), _t(lib, b))

    check_same(solve, rtol=1e-7, atol=1e-9)
    x = solve(numtorch).numpy()
    np.testing.assert_allclose(a @ x, b, atol=1e-9)


def test_ldl_solve_broadcasts_batches_like_pytorch() -> None:
    check_same(
        lambda lib: lib.linalg.ldl_solve(
            *lib.linalg.ldl_factor(_t(lib, MATRICES["batched"])), _t(lib, np.ones((4, 1)))
        )
    )
    check_same(lambda lib: lib.linalg.ldl_solve(
        *lib.linalg.ldl_factor(_t(lib, spd(3))), _t(lib, np.ones((2, 3, 2)))))  # fmt: skip


def test_ldl_factor_ex_reports_a_singular_d_like_pytorch() -> None:
    check_same(lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(2, 3, 3)))
    with pytest.raises(numtorch.linalg.LinAlgError, match="D is exactly singular"):
        numtorch.linalg.ldl_factor(numtorch.zeros(3, 3))


ERRORS = [
    ("non-square", lambda lib: lib.linalg.ldl_factor(lib.zeros(2, 3)),
     r"torch.linalg.ldl_factor_ex: A must be batches of square matrices, but they are 2 by 3 "
     r"matrices"),
    ("1-D", lambda lib: lib.linalg.ldl_factor(lib.zeros(3)),
     r"torch.linalg.ldl_factor_ex: The input tensor A must have at least 2 dimensions."),
    ("int", lambda lib: lib.linalg.ldl_factor(lib.zeros(3, 3, dtype=lib.int64)),
     r"torch.linalg.ldl_factor_ex: Expected a floating point or complex tensor as input. Got "
     r"Long"),
    ("solve shapes", lambda lib: lib.linalg.ldl_solve(
        lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(4, 1)),
     r"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is 3 by 3 but each b "
     r"matrix is 4 by 1"),
    ("solve 1-D B", lambda lib: lib.linalg.ldl_solve(
        lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3)),
     r"Dimension out of range \(expected to be in range of \[-1, 0\], but got -2\)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn", "match"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_pytorch(name, fn, match) -> None:
    check_error(fn, match)


@pytest.mark.parametrize(
    ("what", "aten"), [("factor", "linalg_ldl_factor_ex"), ("solve", "linalg_ldl_solve")]
)
def test_backward_raises_pytorchs_not_implemented_error(what: str, aten: str) -> None:
    for lib in (torch, numtorch):
        a = lib.tensor(np.asarray(spd(3), np.float32), requires_grad=True)
        out = lib.linalg.ldl_factor(a).LD
        if what == "solve":
            b = lib.ones(3, 1, requires_grad=True)
            out = lib.linalg.ldl_solve(out.detach(), lib.linalg.ldl_factor(a).pivots, b)
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match=f"derivative for aten::{aten} is not implemented"):
            out.sum().backward()
