"""``out=`` on numtorch.linalg's functions, against PyTorch: the result written into the given
tensor (or tuple of tensors), which is what is returned; refused when autograd is needed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_same
from linalg_inputs import general, rect, spd, sym

import numtorch


def _f32(lib, a):
    return lib.tensor(np.asarray(a, np.float32))


SINGLE = [
    ("inv", lambda lib: (_f32(lib, general(3)),)),
    ("det", lambda lib: (_f32(lib, general(3, (2,))),)),
    ("solve", lambda lib: (_f32(lib, general(3)), lib.ones(3, 2))),
    ("cholesky", lambda lib: (_f32(lib, spd(3)),)),
    ("matrix_power", lambda lib: (_f32(lib, general(3)), 3)),
    ("pinv", lambda lib: (_f32(lib, rect(4, 3)),)),
    ("svdvals", lambda lib: (_f32(lib, rect(4, 3)),)),
    ("eigvalsh", lambda lib: (_f32(lib, sym(3)),)),
    ("matrix_rank", lambda lib: (lib.ones(3, 3),)),
    ("vector_norm", lambda lib: (_f32(lib, rect(4, 3)),)),
    ("matrix_norm", lambda lib: (_f32(lib, rect(4, 3)), "nuc")),
    ("norm", lambda lib: (_f32(lib, rect(4, 3)),)),
    ("cond", lambda lib: (_f32(lib, general(3)),)),
    ("tensorinv", lambda lib: (_f32(lib, general(4).reshape(4, 2, 2)), 1)),
    ("lu_solve", lambda lib: (*lib.linalg.lu_factor(_f32(lib, general(3))), lib.ones(3, 1))),
    ("householder_product", lambda lib: (_f32(lib, rect(4, 3)), lib.tensor([1.0, 0.5, 1.5]))),
]


@pytest.mark.parametrize(("name", "args"), SINGLE, ids=[s[0] for s in SINGLE])
def test_out_writes_the_result_into_out(name, args) -> None:
    results = []
    for lib in (torch, numtorch):
        fn = getattr(lib.linalg, name)
        expected = fn(*args(lib))
        out = lib.empty(0, dtype=expected.dtype)
        assert fn(*args(lib), out=out) is out
        results.append(out)
    assert_close(results[1], results[0], 1e-5, 1e-5, f"linalg.{name}(out=)")


TUPLES = [
    ("slogdet", lambda lib: (_f32(lib, general(3)),)),
    ("qr", lambda lib: (_f32(lib, rect(4, 3)),)),
    ("inv_ex", lambda lib: (_f32(lib, general(3)),)),
    ("cholesky_ex", lambda lib: (_f32(lib, spd(3)),)),
    ("lu", lambda lib: (_f32(lib, general(3)),)),
]


@pytest.mark.parametrize(("name", "args"), TUPLES, ids=[s[0] for s in TUPLES])
def test_tuple_out_writes_each_part(name, args) -> None:
    def run(lib):
        fn = getattr(lib.linalg, name)
        expected = fn(*args(lib))
        out = tuple(lib.empty(0, dtype=e.dtype) for e in expected)
        returned = fn(*args(lib), out=out)
        assert all(r is o for r, o in zip(returned, out))
        return returned

    check_same(run, rtol=1e-5, atol=1e-5)


def test_out_refuses_autograd_like_pytorch() -> None:
    for lib in (torch, numtorch):
        a = lib.tensor(np.asarray(general(3), np.float32), requires_grad=True)
        with pytest.raises(RuntimeError, match="linalg_inv_ex\\(\\): functions with out=... "
                           "arguments don't support automatic differentiation"):  # fmt: skip
            lib.linalg.inv(a, out=lib.empty(3, 3))
