"""Matrix products: values and gradients against PyTorch, gradcheck, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, check_gradcheck, check_op

CASES = [
    ("1-D @ 1-D", lambda lib, a, b: a @ b, (3,), (3,)),
    ("1-D @ 2-D", lambda lib, a, b: a @ b, (3,), (3, 2)),
    ("2-D @ 1-D", lambda lib, a, b: lib.matmul(a, b), (2, 3), (3,)),
    ("2-D @ 2-D", lambda lib, a, b: a @ b, (2, 3), (3, 4)),
    ("matmul method", lambda lib, a, b: a.matmul(b), (2, 3), (3, 4)),
    ("mm", lambda lib, a, b: lib.mm(a, b), (2, 3), (3, 4)),
    ("Tensor.mm", lambda lib, a, b: a.mm(b), (1, 3), (3, 1)),
    ("batched", lambda lib, a, b: a @ b, (2, 2, 3), (2, 3, 4)),
    ("bmm", lambda lib, a, b: lib.bmm(a, b), (2, 2, 3), (2, 3, 4)),
    ("batched @ 2-D", lambda lib, a, b: a @ b, (2, 2, 3), (3, 4)),
    ("2-D @ batched", lambda lib, a, b: a @ b, (2, 3), (2, 3, 4)),
    ("batched @ 1-D", lambda lib, a, b: a @ b, (2, 2, 3), (3,)),
    ("1-D @ batched", lambda lib, a, b: a @ b, (3,), (2, 3, 4)),
    ("broadcast batch", lambda lib, a, b: a @ b, (2, 1, 2, 3), (3, 3, 2)),
    ("4-D", lambda lib, a, b: lib.matmul(a, b), (2, 2, 2, 3), (2, 2, 3, 2)),
    ("transposed operand", lambda lib, a, b: a.t() @ b, (3, 2), (3, 4)),
    ("self product", lambda lib, a: a @ a.t(), (2, 3)),
    ("rmatmul chain", lambda lib, a, b: (a @ b).relu() @ b.t(), (2, 3), (3, 3)),
    ("batch of one @ batched", lambda lib, a, b: a @ b, (1, 2, 3), (2, 3, 4)),
    ("batched @ batch of one", lambda lib, a, b: a @ b, (2, 2, 3), (1, 3, 4)),
    ("4-D @ 1-D", lambda lib, a, b: a @ b, (2, 2, 2, 3), (3,)),
    ("1-D @ 4-D", lambda lib, a, b: a @ b, (3,), (2, 1, 3, 2)),
    ("2-D @ 4-D", lambda lib, a, b: a @ b, (2, 3), (2, 2, 3, 4)),
    ("permuted batch", lambda lib, a, b: a.permute(1, 0, 2, 3) @ b, (2, 2, 2, 3), (2, 3, 4)),
    ("constant operand", lambda lib, a: a @ lib.ones(3, 4, dtype=a.dtype), (2, 2, 3)),
    ("constant batched operand", lambda lib, b: lib.ones(2, 3, dtype=b.dtype) @ b, (2, 3, 4)),
]


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_parity(fn, specs) -> None:
    check_op(fn, *specs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("fn", "specs"), [(c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize(
    "specs",
    [((0, 2, 3), (3, 4)), ((2, 2, 0), (2, 0, 4)), ((3,), (2, 0, 3, 4)), ((0, 3), (2, 3, 4))],
)
def test_empty_operands(specs) -> None:
    check_op(lambda lib, a, b: a @ b, *specs)


def test_float64_and_int() -> None:
    check_op(lambda lib, a, b: a @ b, (2, 3), (3, 2), dtype=np.float64)
    check_op(lambda lib, a, b: a @ b, np.arange(6).reshape(2, 3), np.arange(3), grad=False)


def Z(lib, *shape, dtype=None):  # noqa: N802 - a short name keeps the table readable
    return lib.zeros(*shape, dtype=dtype or lib.float32)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda lib: Z(lib, 4, 2048) @ Z(lib, 1024, 10),
            r"mat1 and mat2 shapes cannot be multiplied \(4x2048 and 1024x10\)",
        ),
        (
            lambda lib: Z(lib, 3) @ Z(lib, 4, 2),
            r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x2\)",
        ),
        (lambda lib: Z(lib, 2, 3).mm(Z(lib, 4, 5)), r"\(2x3 and 4x5\)"),
        (
            lambda lib: Z(lib, 3) @ Z(lib, 4),
            r"inconsistent tensor size, expected tensor \[3\] and src \[4\]",
        ),
        (
            lambda lib: Z(lib, 2, 3) @ Z(lib, 4),
            r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)",
        ),
        (
            lambda lib: Z(lib, 2, 2, 3) @ Z(lib, 2, 4, 5),
            r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]",
        ),
        (
            lambda lib: Z(lib, 2, 2, 3) @ Z(lib, 3, 3, 5),
            r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0",
        ),
        (
            lambda lib: lib.matmul(Z(lib, ()), Z(lib, 3)),
            "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
        ),
        (lambda lib: Z(lib, 2, 3).mm(Z(lib, 3)), "mat2 must be a matrix"),
        (lambda lib: Z(lib, 3).mm(Z(lib, 3, 3)), "self must be a matrix"),
        (
            lambda lib: Z(lib, 2, 3, 4).bmm(Z(lib, 3, 4, 5)),
            r"batch2 tensor to be: \[2, 4\] but got: \[3, 4\]",
        ),
        (lambda lib: Z(lib, 2, 3).bmm(Z(lib, 3, 4, 5)), "batch1 must be a 3D tensor"),
        (
            lambda lib: Z(lib, 2, 3) @ Z(lib, 3, 2, dtype=lib.float64),
            "expected m1 and m2 to have the same dtype, but got: float != double",
        ),
        (lambda lib: Z(lib, 2, 3) @ [1.0, 2.0, 3.0], "."),
        (lambda lib: lib.matmul([1.0], Z(lib, 1)), "."),
    ],
)
def test_errors(fn, match: str) -> None:
    check_error(fn, match)


@pytest.mark.parametrize(
    "xs, ws", [((3, 0), (4, 0)), ((0, 3), (4, 3)), ((2, 0, 3), (0, 3)), ((2, 3), (0, 3))]
)
def test_linear_backward_with_empty_dims(xs: tuple, ws: tuple) -> None:
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), xs, ws, (ws[0],))
