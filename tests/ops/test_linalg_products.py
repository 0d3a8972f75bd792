"""Products and distances beyond matmul (einsum, tensordot, kron, outer, dot, cross, the
``add*`` fused products, cdist, pdist, cosine_similarity, ...): values and gradients against
PyTorch, float64 gradcheck, node names, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op, check_same, check_saved_versions

import numtorch
from numtorch._namespace import linalg as linalg_ns

_CLOSE = np.array([[0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

CASES = [
    # einsum
    ("einsum mm", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), (2, 3), (3, 4)),
    ("einsum dot", lambda lib, a, b: lib.einsum("i,i->", a, b), (3,), (3,)),
    ("einsum bmm", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), (2, 2, 3), (2, 3, 4)),
    ("einsum diagonal", lambda lib, a: lib.einsum("ii->i", a), (3, 3)),
    ("einsum trace implicit", lambda lib, a: lib.einsum("ii", a), (3, 3)),
    ("einsum transpose implicit", lambda lib, a: lib.einsum("ji", a), (2, 3)),
    ("einsum implicit mm", lambda lib, a, b: lib.einsum("ij,jk", a, b), (2, 3), (3, 4)),
    ("einsum sum out", lambda lib, a: lib.einsum("ijk->j", a), (2, 3, 4)),
    ("einsum outer", lambda lib, a, b: lib.einsum("i,j->ij", a, b), (2,), (3,)),
    (
        "einsum ellipsis",
        lambda lib, a, b: lib.einsum("...ij,...jk->...ik", a, b),
        (2, 1, 2, 3),
        (5, 3, 4),
    ),
    ("einsum ellipsis implicit", lambda lib, a: lib.einsum("...ba", a), (5, 2, 3)),
    ("einsum broadcast label", lambda lib, a, b: lib.einsum("ij,ij->ij", a, b), (2, 1), (1, 4)),
    (
        "einsum three operands",
        lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c),
        (2, 3),
        (3, 4),
        (4, 2),
    ),
    ("einsum frobenius", lambda lib, a, b: lib.einsum("ij,ij->", a, b), (2, 3), (2, 3)),
    (
        "einsum transposed operand",
        lambda lib, a, b: lib.einsum("ij,kj->ik", a.t(), b),
        (3, 2),
        (4, 3),
    ),
    ("einsum list", lambda lib, a, b: lib.einsum("ij,jk", [a, b]), (2, 3), (3, 4)),
    (
        "einsum sublist",
        lambda lib, a, b: lib.einsum(a, [..., 0, 1], b, [1, 2], [..., 0, 2]),
        (5, 2, 3),
        (3, 4),
    ),
    ("einsum spaces caps", lambda lib, a, b: lib.einsum(" Ab , bC -> AC", a, b), (2, 3), (3, 4)),
    ("einsum repeated three", lambda lib, a, b: lib.einsum("iij,j->i", a, b), (3, 3, 2), (2,)),
    # tensordot, inner, kron, outer
    ("tensordot int", lambda lib, a, b: lib.tensordot(a, b, dims=1), (2, 3), (3, 4)),
    ("tensordot default", lambda lib, a, b: lib.tensordot(a, b), (2, 3, 4), (3, 4, 5)),
    (
        "tensordot lists",
        lambda lib, a, b: lib.tensordot(a, b, dims=([1, 0], [0, 2])),
        (3, 4, 5),
        (4, 2, 3),
    ),
    ("tensordot zero", lambda lib, a, b: lib.tensordot(a, b, dims=0), (2,), (3, 2)),
    ("tensordot broadcast", lambda lib, a, b: lib.tensordot(a, b, dims=1), (2, 1), (3, 4)),
    ("inner 1-D", lambda lib, a, b: lib.inner(a, b), (3,), (3,)),
    ("inner N-D", lambda lib, a, b: a.inner(b), (2, 3), (4, 3)),
    ("inner scalar", lambda lib, a, b: lib.inner(a, b), (), (2, 3)),
    ("kron", lambda lib, a, b: lib.kron(a, b), (2, 3), (3, 2)),
    ("kron ranks", lambda lib, a, b: a.kron(b), (2, 3), (4,)),
    ("outer", lambda lib, a, b: lib.outer(a, b), (2,), (3,)),
    ("ger", lambda lib, a, b: a.ger(b), (3,), (2,)),
    # dot, vdot, mv
    ("dot", lambda lib, a, b: lib.dot(a, b), (4,), (4,)),
    ("vdot", lambda lib, a, b: a.vdot(b), (4,), (4,)),
    ("mv", lambda lib, a, b: lib.mv(a, b), (2, 3), (3,)),
    ("Tensor.mv", lambda lib, a, b: a.mv(b), (3, 3), (3,)),
    # cross
    ("cross dim", lambda lib, a, b: lib.cross(a, b, dim=1), (4, 3), (4, 3)),
    ("cross dim 0", lambda lib, a, b: a.cross(b, dim=0), (3, 2), (3, 2)),
    ("cross broadcast", lambda lib, a, b: lib.cross(a, b, dim=-1), (1, 3), (4, 3)),
    # chain_matmul, matrix_power
    (
        "chain_matmul",
        lambda lib, a, b, c: _quiet(lib.chain_matmul, a, b, c),
        (2, 3),
        (3, 4),
        (4, 2),
    ),
    (
        "chain_matmul four",
        lambda lib, a, b, c, d: _quiet(lib.chain_matmul, a, b, c, d),
        (5, 2),
        (2, 6),
        (6, 3),
        (3, 4),
    ),
    ("matrix_power 0", lambda lib, a: _matrix_power(lib, a, 0), (3, 3)),
    ("matrix_power 1", lambda lib, a: _matrix_power(lib, a, 1), (3, 3)),
    ("matrix_power 2", lambda lib, a: _matrix_power(lib, a, 2), (3, 3)),
    ("matrix_power 3", lambda lib, a: _matrix_power(lib, a, 3), (2, 3, 3)),
    ("matrix_power 5", lambda lib, a: _matrix_power(lib, a * 0.5, 5), (3, 3)),
    ("matrix_power -1", lambda lib, a: _matrix_power(lib, a + 3 * lib.eye(3), -1), (3, 3)),
    ("matrix_power -3", lambda lib, a: _matrix_power(lib, a + 3 * lib.eye(3), -3), (3, 3)),
    # add* fused products
    ("addmm", lambda lib, c, a, b: lib.addmm(c, a, b), (2, 4), (2, 3), (3, 4)),
    ("addmm transposed", lambda lib, c, a, b: lib.addmm(c, a.t(), b.t()), (2, 4), (3, 2), (4, 3)),
    (
        "addmm beta alpha",
        lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2.0),
        (4,),
        (2, 3),
        (3, 4),
    ),
    ("addmm beta 0", lambda lib, c, a, b: c.addmm(a, b, beta=0), (2, 1), (2, 3), (3, 4)),
    ("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, alpha=2), (2,), (2, 3), (3,)),
    ("addmv scalar input", lambda lib, c, a, b: c.addmv(a, b, beta=3), (), (2, 3), (3,)),
    ("addr", lambda lib, c, a, b: lib.addr(c, a, b, beta=2, alpha=0.5), (2, 3), (2,), (3,)),
    ("addr broadcast", lambda lib, c, a, b: c.addr(a, b), (3,), (2,), (3,)),
    ("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b), (2, 4), (5, 2, 3), (5, 3, 4)),
    (
        "addbmm alpha",
        lambda lib, c, a, b: c.addbmm(a, b, alpha=0.5, beta=-1),
        (1, 4),
        (3, 2, 3),
        (3, 3, 4),
    ),
    ("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b), (2, 2, 4), (2, 2, 3), (2, 3, 4)),
    (
        "baddbmm broadcast",
        lambda lib, c, a, b: c.baddbmm(a, b, beta=0.25, alpha=3),
        (2, 4),
        (2, 2, 3),
        (2, 3, 4),
    ),
    ("addcmul", lambda lib, c, a, b: lib.addcmul(c, a, b), (2, 3), (2, 3), (2, 3)),
    ("addcmul value", lambda lib, c, a, b: c.addcmul(a, b, value=-0.5), (3,), (2, 3), (2, 1)),
    ("addcdiv", lambda lib, c, a, b: lib.addcdiv(c, a, b.exp()), (2, 3), (2, 3), (2, 3)),
    ("addcdiv value", lambda lib, c, a, b: c.addcdiv(a, b.exp(), value=2), (3,), (2, 3), (2, 1)),
    # distances
    ("cdist", lambda lib, a, b: lib.cdist(a, b), (4, 3), (5, 3)),
    ("cdist p=1", lambda lib, a, b: lib.cdist(a, b, p=1), (4, 3), (5, 3)),
    ("cdist p=3", lambda lib, a, b: lib.cdist(a, b, p=3), (4, 3), (5, 3)),
    ("cdist p=0.5", lambda lib, a, b: lib.cdist(a, b, p=0.5), (4, 3), (5, 3)),
    ("cdist p=1.5", lambda lib, a, b: lib.cdist(a, b, p=1.5), (4, 3), (5, 3)),
    ("cdist p=inf", lambda lib, a, b: lib.cdist(a, b, p=float("inf")), (4, 3), (5, 3)),
    ("cdist batched", lambda lib, a, b: lib.cdist(a, b), (2, 1, 4, 3), (3, 5, 3)),
    ("cdist mm", lambda lib, a, b: lib.cdist(a, b), (30, 3), (5, 3)),
    ("cdist mm batched", lambda lib, a, b: lib.cdist(a, b), (2, 5, 3), (1, 27, 3)),
    (
        "cdist forced mm",
        lambda lib, a, b: lib.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
        (4, 3),
        (5, 3),
    ),
    (
        "cdist no mm",
        lambda lib, a, b: lib.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
        (30, 3),
        (5, 3),
    ),
    ("dist", lambda lib, a, b: lib.dist(a, b), (2, 3), (2, 3)),
    ("dist p=1 broadcast", lambda lib, a, b: a.dist(b, 1), (2, 3), (3,)),
    ("dist p=3", lambda lib, a, b: lib.dist(a, b, p=3), (4,), (4,)),
    ("dist p=inf", lambda lib, a, b: lib.dist(a, b, p=float("inf")), (4,), (4,)),
    ("pdist", lambda lib, a: lib.pdist(a), (5, 3)),
    ("pdist p=1", lambda lib, a: lib.nn.functional.pdist(a, p=1), (4, 3)),
    ("pdist p=3", lambda lib, a: lib.pdist(a, 3), (4, 3)),
    ("pdist p=inf", lambda lib, a: lib.pdist(a, float("inf")), (4, 3)),
    ("cosine_similarity", lambda lib, a, b: lib.cosine_similarity(a, b), (2, 3), (2, 3)),
    (
        "cosine_similarity dim broadcast",
        lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1),
        (1, 3),
        (4, 3),
    ),
    ("cosine_similarity 1-D", lambda lib, a, b: lib.cosine_similarity(a, b, 0), (3,), (3,)),
    ("pairwise_distance", lambda lib, a, b: lib.pairwise_distance(a, b), (2, 3), (2, 3)),
    (
        "pairwise_distance p keepdim",
        lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p=1.0, keepdim=True),
        (1, 3),
        (4, 3),
    ),
    (
        "pairwise_distance ranks",
        lambda lib, a, b: lib.pairwise_distance(a, b, p=3, eps=1e-3),
        (3,),
        (2, 3),
    ),
]


def _matrix_power(lib, a, n):
    """``torch.matrix_power`` against this module's ``matrix_power`` (see the report: the
    namespace's declaration is being settled between two modules)."""
    return lib.matrix_power(a, n) if lib is torch else linalg_ns.matrix_power(a, n)


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


_IDS = [c[0] for c in CASES]
_ROWS = [(c[1], c[2:]) for c in CASES]


@pytest.mark.parametrize(("fn", "specs"), _ROWS, ids=_IDS)
def test_parity(fn, specs) -> None:
    check_op(fn, *specs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("fn", "specs"), _ROWS, ids=_IDS)
def test_gradcheck(fn, specs) -> None:
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize(("fn", "specs"), _ROWS, ids=_IDS)
def test_node_name(fn, specs) -> None:
    """The result's ``grad_fn`` is PyTorch's."""
    names = []
    for lib in (torch, numtorch):
        rng = np.random.default_rng(0)
        xs = [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in specs]
        names.append(fn(lib, *xs).grad_fn.name())
    assert names[1] == names[0]


def Z(lib, *shape, dtype=None):  # noqa: N802 - a short name keeps the tables readable
    return lib.zeros(*shape, dtype=dtype or lib.float32)


def D(lib, *shape):  # noqa: N802
    return lib.zeros(*shape, dtype=lib.float64)


def L(lib, *shape):  # noqa: N802
    return lib.zeros(*shape, dtype=lib.int64)


ERRORS = [
    # einsum
    (lambda lib: lib.einsum("ij,jk->ik", Z(lib, 2, 3)), "fewer operands were provided"),
    (lambda lib: lib.einsum("i", Z(lib, 2), Z(lib, 2)), "more operands were provided"),
    (
        lambda lib: lib.einsum("i1,j->", Z(lib, 2, 3), Z(lib, 3)),
        r"invalid subscript given at index 1",
    ),
    (lambda lib: lib.einsum("i->i->i", Z(lib, 3)), "invalid subscript given at index 4"),
    (lambda lib: lib.einsum("i->i,i", Z(lib, 3)), "invalid subscript given at index 4"),
    (
        lambda lib: lib.einsum("ij,j->i", Z(lib, 2, 3, 4), Z(lib, 3)),
        r"number of subscripts in the equation \(2\) does not match the number of dimensions "
        r"\(3\) for operand 0 and no ellipsis was given",
    ),
    (
        lambda lib: lib.einsum("ij...", Z(lib, 2)),
        r"subscripts in the equation \(2\) is more than the number of dimensions \(1\)",
    ),
    (
        lambda lib: lib.einsum("ij,j->i", Z(lib, 2, 3), Z(lib, 4)),
        "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3",
    ),
    (lambda lib: lib.einsum("ij->ii", Z(lib, 2, 3)), "output subscript i appears more than once"),
    (lambda lib: lib.einsum("ij->k", Z(lib, 2, 3)), "output subscript k does not appear"),
    (lambda lib: lib.einsum("ii->i", Z(lib, 3, 4)), "repeated for operand 0 but the sizes don't"),
    (lambda lib: lib.einsum("i.j", Z(lib, 2, 2)), "found '.' for operand 0 that is not part of"),
    (lambda lib: lib.einsum("i->i.", Z(lib, 2)), r"found '.' for output that is not part of"),
    (lambda lib: lib.einsum("i...j...->i", Z(lib, 2)), "for which an ellipsis was already found"),
    (
        lambda lib: lib.einsum("...i,...i->...", Z(lib, 2, 3), Z(lib, 4, 3)),
        "dimension 0 covered by ellipsis in operand 1has size 4",
    ),
    (lambda lib: lib.einsum("i,i->", Z(lib, 3), D(lib, 3)), "expected scalar type Float but found"),
    (lambda lib: lib.einsum("i->i", [1, 2]), "expected Tensor as element 0 in argument 1"),
    (lambda lib: lib.einsum("i"), "must specify the equation string and at least one operand"),
    (lambda lib: lib.einsum(Z(lib, 2), [60]), r"not within the valid range \[0, 52\)"),
    # tensordot, inner, outer, dot, vdot, mv
    (lambda lib: lib.tensordot(Z(lib, 2, 3), Z(lib, 3, 4), dims=-1), "expects dims >= 0"),
    (lambda lib: lib.tensordot(Z(lib, 2, 3), Z(lib, 3, 4), dims=3), "dims < ndim_a or ndim_b"),
    (
        lambda lib: lib.tensordot(Z(lib, 2, 3), Z(lib, 4, 4), dims=1),
        "contracted dimensions need to match, but first has size 3 in dim -1 and second has "
        "size 4 in dim 0",
    ),
    (
        lambda lib: lib.tensordot(Z(lib, 2, 3), Z(lib, 3, 4), dims=([1], [0, 1])),
        "both dimension lists should have same length",
    ),
    (lambda lib: lib.tensordot(Z(lib, 2, 3), D(lib, 3, 4), 1), "both inputs should have same"),
    (lambda lib: lib.tensordot(Z(lib, 2, 3), Z(lib, 3, 4), dims=[1, 0]), "must be tuple of ints"),
    (
        lambda lib: lib.inner(Z(lib, 2, 3), Z(lib, 4)),
        r"inner\(\) the last dimension must match on both input tensors but got shapes "
        r"\[2, 3\] and \[4\]",
    ),
    (lambda lib: lib.outer(Z(lib, 2, 3), Z(lib, 3)), "outer: Expected 1-D argument self, but got"),
    (lambda lib: lib.ger(Z(lib, 3), Z(lib, 3, 1)), "Expected 1-D argument vec2, but got 2-D"),
    (lambda lib: lib.dot(Z(lib, 2, 3), Z(lib, 3)), "1D tensors expected, but got 2D and 1D"),
    (lambda lib: lib.dot(Z(lib, 2), Z(lib, 3)), r"inconsistent tensor size, expected tensor \[2\]"),
    (lambda lib: lib.vdot(Z(lib, 3), D(lib, 3)), "expected both vectors to have same dtype, but"),
    (lambda lib: lib.dot(Z(lib, 3), [1.0, 2.0, 3.0]), "must be Tensor"),
    (lambda lib: lib.mv(Z(lib, 3), Z(lib, 3)), "vector \\+ matrix @ vector expected, got 1, 1, 1"),
    (lambda lib: lib.mv(Z(lib, 2, 3), Z(lib, 4)), r"size mismatch, got input \(2\), mat \(2x3\)"),
    (lambda lib: lib.mv(D(lib, 2, 3), Z(lib, 3)), "Float, Double, and Float"),
    # cross, kron, chain_matmul, matrix_power
    (lambda lib: lib.cross(Z(lib, 2, 4), Z(lib, 2, 4), dim=1), "dimension 1 must have length 3"),
    (lambda lib: lib.cross(Z(lib, 2, 4), Z(lib, 2, 4), dim=-1), "dimension -1 must have length"),
    (lambda lib: lib.cross(Z(lib, 3), Z(lib, 2, 3), dim=-1), "same number of dimensions"),
    (lambda lib: lib.cross(Z(lib, 2, 3), Z(lib, 3, 3), dim=1), r"size of tensor a \(2\) must"),
    (lambda lib: lib.cross(Z(lib, 3), D(lib, 3), dim=0), "expected scalar type Float but found"),
    (lambda lib: lib.cross(Z(lib, 3), Z(lib, 3), dim=2), r"Dimension out of range"),
    (lambda lib: _quiet(lib.chain_matmul), r"chain_matmul\(\): Expected one or more matrices"),
    (
        lambda lib: _quiet(lib.chain_matmul, Z(lib, 3), Z(lib, 3, 2)),
        "Tensor dimension is 1, expected 2 instead.",
    ),
    (
        lambda lib: _quiet(lib.chain_matmul, Z(lib, 2, 3), Z(lib, 4, 2)),
        r"tensors 0 and 1 with shapes \[2, 3\] and \[4, 2\] cannot be multiplied",
    ),
    (
        lambda lib: _quiet(lib.chain_matmul, Z(lib, 2, 3), D(lib, 3, 2)),
        "all tensors must have be the same dtype but tensor 0 is float and tensor 1 double",
    ),
    (lambda lib: _matrix_power(lib, Z(lib, 3), 2), "must have at least 2 dimensions"),
    (lambda lib: _matrix_power(lib, Z(lib, 2, 3), 2), "square matrices, but they are 2 by 3"),
    (lambda lib: _matrix_power(lib, L(lib, 2, 2), -1), "Expected a floating point or complex"),
    # add* fused products
    (
        lambda lib: lib.addmm(Z(lib, 2, 4), Z(lib, 2, 3), Z(lib, 4, 5)),
        r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)",
    ),
    (
        lambda lib: lib.addmm(Z(lib, 3, 5), Z(lib, 2, 3), Z(lib, 3, 4)),
        r"The expanded size of the tensor \(4\) must match the existing size \(5\) at "
        r"non-singleton dimension 1.  Target sizes: \[2, 4\].  Tensor sizes: \[3, 5\]",
    ),
    (lambda lib: lib.addmm(Z(lib, 2, 4), Z(lib, 3), Z(lib, 3, 4)), "mat1 must be a matrix, got 1"),
    (
        lambda lib: lib.addmm(D(lib, 2, 4), Z(lib, 2, 3), Z(lib, 3, 4)),
        "self and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        lambda lib: lib.addmm(Z(lib, 2, 4), D(lib, 2, 3), Z(lib, 3, 4)),
        "mat1 and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        lambda lib: lib.addr(Z(lib, 2, 4), Z(lib, 2), Z(lib, 4), beta=True),
        "Boolean beta only supported for Boolean results.",
    ),
    (
        lambda lib: lib.addmv(Z(lib, 3), Z(lib, 2, 3), Z(lib, 3)),
        r"size mismatch, got input \(3\), mat \(2x3\), vec \(3\)",
    ),
    (lambda lib: lib.addmv(Z(lib, 2), Z(lib, 3), Z(lib, 3)), "got 1, 1, 1"),
    (lambda lib: lib.addmv(D(lib, 2), Z(lib, 2, 3), Z(lib, 3)), "Double, Float, and Float"),
    (
        lambda lib: lib.addr(Z(lib, 2, 4), Z(lib, 3), Z(lib, 4)),
        r"expanded size of the tensor \(3\) must match the existing size \(2\) at "
        r"non-singleton dimension 0",
    ),
    (lambda lib: lib.addr(Z(lib, 2, 4), Z(lib, 2, 3), Z(lib, 4)), "Expected 1-D argument vec1"),
    (
        lambda lib: lib.addbmm(Z(lib, 2, 4), Z(lib, 5, 2, 3), Z(lib, 4, 3, 4)),
        "batch1 and batch2 must have same number of batches, got 5 and 4",
    ),
    (
        lambda lib: lib.addbmm(Z(lib, 2, 4), Z(lib, 5, 2, 3), Z(lib, 5, 4, 4)),
        r"Incompatible matrix sizes for bmm \(2x3 and 4x4\)",
    ),
    (lambda lib: lib.addbmm(Z(lib, 2, 4), Z(lib, 2, 3), Z(lib, 3, 4)), "Dimension out of range"),
    (
        lambda lib: lib.baddbmm(Z(lib, 5, 2, 4), Z(lib, 5, 2, 3), Z(lib, 5, 4, 4)),
        r"batch2 tensor to be: \[5, 3\] but got: \[5, 4\]",
    ),
    (
        lambda lib: lib.baddbmm(Z(lib, 5, 3, 4), Z(lib, 5, 2, 3), Z(lib, 5, 3, 4)),
        r"Target sizes: \[5, 2, 4\].  Tensor sizes: \[5, 3, 4\]",
    ),
    (
        lambda lib: lib.baddbmm(D(lib, 5, 2, 4), Z(lib, 5, 2, 3), Z(lib, 5, 3, 4)),
        "Input dtypes must be the same, got: input double, batch1: float, batch2: float",
    ),
    (lambda lib: lib.addmm(Z(lib, 2, 4), Z(lib, 3), D(lib, 3, 4)), "self and mat2 must have"),
    (lambda lib: lib.addmm(Z(lib, 3, 5), Z(lib, 2, 3), Z(lib, 4, 4)), r"\(2x3 and 4x4\)"),
    (lambda lib: lib.addbmm(D(lib, 3, 4), Z(lib, 5, 2, 3), Z(lib, 5, 3, 4)), "Target sizes"),
    (lambda lib: lib.addbmm(Z(lib, 2, 4), Z(lib, 5, 2, 3), Z(lib, 4, 4, 4)), "same number of"),
    (lambda lib: lib.baddbmm(D(lib, 5, 3, 4), Z(lib, 5, 2, 3), Z(lib, 5, 3, 4)), "Target sizes"),
    (lambda lib: lib.baddbmm(Z(lib, 5, 3, 4), Z(lib, 5, 2, 3), Z(lib, 5, 3)), "out of range"),
    (lambda lib: lib.baddbmm(Z(lib, 5, 2, 4), Z(lib, 5, 2, 3), D(lib, 5, 4, 4)), r"\[5, 3\] but"),
    (lambda lib: lib.baddbmm(Z(lib, 5, 2, 4), Z(lib, 2, 3), Z(lib, 5, 3, 4)), "Target sizes"),
    (lambda lib: lib.addcmul(Z(lib, 2), Z(lib, 3), Z(lib, 3)), r"size of tensor a \(2\) must"),
    (lambda lib: lib.addcdiv(L(lib, 2), L(lib, 2), L(lib, 2)), "Integer division with addcdiv"),
    # distances
    (lambda lib: lib.cdist(Z(lib, 3), Z(lib, 2, 3)), "at least 2D tensors, X1 got: 1D"),
    (lambda lib: lib.cdist(Z(lib, 2, 3), Z(lib, 2, 4)), "X1: 3 X2: 4"),
    (lambda lib: lib.cdist(Z(lib, 2, 3), Z(lib, 2, 3), p=-1), "non-negative p values"),
    (lambda lib: lib.cdist(L(lib, 2, 3), L(lib, 2, 3)), "floating-point dtypes, X1 got: Long"),
    (lambda lib: lib.cdist(Z(lib, 2, 3), Z(lib, 2, 3), compute_mode="x"), "not a valid value"),
    (lambda lib: lib.cdist(Z(lib, 2, 3), D(lib, 2, 3)), "expected scalar type Float but found"),
    (lambda lib: lib.cdist(Z(lib, 2, 2, 3), Z(lib, 3, 2, 3)), r"size of tensor a \(2\) must"),
    (lambda lib: lib.dist(Z(lib, 2), Z(lib, 3)), r"size of tensor a \(2\) must"),
    (lambda lib: lib.dist(L(lib, 2), L(lib, 2)), "floating point or complex. Got Long instead"),
    (lambda lib: lib.pdist(Z(lib, 3)), "pdist only supports 2D tensors, got: 1D"),
    (lambda lib: lib.pdist(L(lib, 3, 2)), "pdist only supports floating-point dtypes"),
    (lambda lib: lib.pdist(Z(lib, 3, 2), p=-1), "pdist only supports non-negative p values"),
    (lambda lib: lib.cosine_similarity(L(lib, 2, 3), L(lib, 2, 3)), "common dtype is Long"),
    (lambda lib: lib.cosine_similarity(Z(lib, 2, 3), Z(lib, 4, 3)), r"size of tensor a \(2\)"),
    (lambda lib: lib.cosine_similarity(Z(lib, 3), Z(lib, 3)), r"Dimension out of range"),
    (lambda lib: lib.pairwise_distance(Z(lib, 2, 3), Z(lib, 4, 3)), r"size of tensor a \(2\)"),
]


@pytest.mark.parametrize("fn, match", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_errors(fn, match: str) -> None:
    check_error(fn, match)


def test_singular_matrix_power_raises_pytorchs_error() -> None:
    """PyTorch raises its ``LinAlgError`` (a RuntimeError) naming the first zero pivot."""
    with pytest.raises(numtorch.linalg.LinAlgError):
        linalg_ns.matrix_power(Z(numtorch, 2, 2), -1)
    singular = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]]
    check_error(lambda lib: _matrix_power(lib, lib.tensor(singular), -1), "diagonal element 3 is zero",
                RuntimeError)  # fmt: skip
    check_error(lambda lib: _matrix_power(lib, Z(lib, 2, 2, 2), -2), r"\(Batch element 0\): The diagonal",
                RuntimeError)  # fmt: skip


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.einsum("i,i->", L(lib, 3) + 2, L(lib, 3) + 3),
        lambda lib: lib.einsum("ij,jk->ik", Z(lib, 0, 3), Z(lib, 3, 2)),
        lambda lib: lib.einsum("ij,jk->ik", Z(lib, 2, 0), Z(lib, 0, 2)),
        lambda lib: lib.outer(lib.arange(3), lib.arange(2.0)),
        lambda lib: lib.outer(lib.arange(3), lib.arange(2)),
        lambda lib: lib.kron(lib.arange(3), lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.kron(lib.tensor(2.0), lib.arange(3.0)),
        lambda lib: lib.inner(lib.arange(3), lib.arange(3)),
        lambda lib: lib.dot(lib.arange(3), lib.arange(3)),
        lambda lib: _matrix_power(lib, lib.arange(9).reshape(3, 3), 3),
        lambda lib: _matrix_power(lib, lib.arange(9).reshape(3, 3), 0),
        lambda lib: lib.addr(L(lib, 2, 4) + 1, Z(lib, 2) + 2, Z(lib, 4) + 3),
        lambda lib: lib.addr(D(lib, 2, 4), Z(lib, 2), Z(lib, 4)),
        lambda lib: lib.addmm(L(lib, 2, 4) + 1, L(lib, 2, 3) + 2, L(lib, 3, 4) + 1, alpha=2),
        lambda lib: lib.addcmul(L(lib, 2) + 1, L(lib, 2) + 2, L(lib, 2) + 3, value=2),
        lambda lib: lib.addcmul(L(lib, 2) + 1, Z(lib, 2) + 2, L(lib, 2) + 3, value=2),
        lambda lib: lib.addcdiv(L(lib, 2) + 1, Z(lib, 2) + 2, L(lib, 2) + 3, value=2),
        lambda lib: lib.cdist(Z(lib, 0, 3), Z(lib, 2, 3)),
        lambda lib: lib.cdist(Z(lib, 2, 3) + 1, Z(lib, 2, 3), p=0),
        lambda lib: lib.pdist(Z(lib, 1, 3)),
        lambda lib: lib.cosine_similarity(Z(lib, 2, 3), D(lib, 2, 3) + 1),
        lambda lib: lib.pairwise_distance(L(lib, 2, 3), L(lib, 2, 3) + 1),
        lambda lib: lib.pairwise_distance(Z(lib, ()), Z(lib, ()) + 2),
        lambda lib: lib.tensordot(
            lib.arange(6.0).reshape(2, 3), lib.ones(3, 2), dims=lib.tensor(1)
        ),
        lambda lib: lib.tensordot(
            lib.arange(6.0).reshape(2, 3), lib.ones(3, 2), dims=lib.tensor([[1], [0]])
        ),
        lambda lib: _quiet(lib.chain_matmul, lib.arange(6.0).reshape(2, 3)),
    ],
)
def test_dtypes_and_shapes(fn) -> None:
    check_same(fn)


def test_zero_distance_gradient_is_zero() -> None:
    """Coincident rows: PyTorch's distance gradients are zero there (no NaN)."""
    close = _CLOSE
    check_op(lambda lib, a: lib.pdist(a), close)
    check_op(lambda lib, a, b: lib.cdist(a, b), close, close[:2])
    check_op(lambda lib, a, b: lib.cdist(a, b, p=3), close, close[:2])
    check_op(lambda lib, a, b: lib.dist(a, b), close, close)
    check_op(lambda lib, a: lib.cosine_similarity(a * 0, a), close)


def test_cross_without_dim_warns_once_and_uses_the_first_dimension_of_size_three() -> None:
    linalg_ns._WARNED.discard("cross")
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg"):
        numtorch.cross(numtorch.ones(2, 3), numtorch.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(lambda lib, a, b: _quiet(lib.cross, a, b), (3, 4), (3, 4))
    check_error(lambda lib: _quiet(lib.cross, Z(lib, 2, 4), Z(lib, 2, 4)), "no dimension of size 3")


def test_chain_matmul_warns_once_as_pytorch() -> None:
    linalg_ns._WARNED.discard("chain_matmul")
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        numtorch.chain_matmul(numtorch.ones(2, 3), numtorch.ones(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numtorch.chain_matmul(numtorch.ones(2, 3), numtorch.ones(3, 2))


def test_functional_names_are_the_namespace_functions() -> None:
    F = numtorch.nn.functional  # noqa: N806
    assert F.cosine_similarity is numtorch.cosine_similarity
    assert F.pairwise_distance is numtorch.pairwise_distance
    assert F.pdist is numtorch.pdist


def test_inplace_addmv_function_and_methods() -> None:
    """``torch.addmv_`` and the in-place methods with ``beta``/``alpha`` write into self."""
    for name, shapes in [
        ("addmm_", ((2, 4), (2, 3), (3, 4))),
        ("addbmm_", ((2, 4), (3, 2, 3), (3, 3, 4))),
        ("baddbmm_", ((3, 2, 4), (3, 2, 3), (3, 3, 4))),
        ("addr_", ((2, 3), (2,), (3,))),
        ("addmv_", ((2,), (2, 3), (3,))),
        ("addcmul_", ((2, 3), (2, 3), (3,))),
        ("addcdiv_", ((2, 3), (2, 3), (3,))),
    ]:
        kw = {"value": 0.5} if name.startswith("addc") else {"beta": 0.5, "alpha": 2.0}
        check_op(lambda lib, c, a, b, n=name, k=kw: getattr(c * 1, n)(a, b.exp(), **k), *shapes)
    check_op(lambda lib, c, a, b: lib.addmv_(c * 1, a, b, alpha=2), (2,), (2, 3), (3,))


def test_vecdot_and_multi_dot_for_torch_linalg() -> None:
    def pick(lib, name):
        return getattr(lib.linalg, name) if lib is torch else {
            "vecdot": linalg_ns.vecdot, "multi_dot": linalg_ns.multi_dot,
            "cross": linalg_ns.linalg_cross,
        }[name]  # fmt: skip

    check_op(lambda lib, a, b: pick(lib, "vecdot")(a, b, dim=0), (3, 2), (3, 1))
    check_op(lambda lib, a, b: pick(lib, "vecdot")(a, b), (2, 3), (3,))
    check_op(lambda lib, a, b, c: pick(lib, "multi_dot")([a, b, c]), (3,), (3, 4), (4,))
    check_op(lambda lib, a, b, c: pick(lib, "multi_dot")((a, b, c)), (2, 3), (3, 4), (4, 5))
    check_op(lambda lib, a, b: pick(lib, "cross")(a, b), (2, 3), (1, 3))
    check_error(lambda lib: pick(lib, "multi_dot")([Z(lib, 2, 3)]), "at least 2 tensors but got 1")
    check_error(lambda lib: pick(lib, "vecdot")(Z(lib, 3), D(lib, 3)), "same dtype, but found x")


@pytest.mark.parametrize(
    ("fn", "specs"),
    [
        (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), ((2, 3), (3, 4))),
        (lambda lib, c, a, b: lib.addmm(c, a, b), ((2, 4), (2, 3), (3, 4))),
        (lambda lib, c, a, b: lib.addmv(c, a, b), ((2,), (2, 3), (3,))),
        (lambda lib, c, a, b: lib.addr(c, a, b), ((2, 3), (2,), (3,))),
        (lambda lib, c, a, b: lib.addbmm(c, a, b), ((2, 4), (3, 2, 3), (3, 3, 4))),
        (lambda lib, c, a, b: lib.baddbmm(c, a, b), ((3, 2, 4), (3, 2, 3), (3, 3, 4))),
        (lambda lib, a: lib.einsum("iij->ij", a), ((3, 3, 2),)),
        (lambda lib, a, b: lib.tensordot(a, b, 1), ((2, 3), (3, 2))),
        (lambda lib, a, b: lib.dist(a, b, 3), ((2, 3), (2, 3))),
        (lambda lib, a, b: lib.pairwise_distance(a, b), ((2, 3), (2, 3))),
        (lambda lib, a, b: lib.cdist(a, b), ((30, 3), (4, 3))),
        (lambda lib, c, a, b: lib.addcmul(c, a, b), ((3,), (3,), (3,))),
        (lambda lib, c, a, b: lib.addcdiv(c, a, b), ((3,), (3,), (3,))),
        (lambda lib, a, b: lib.cross(a, b, dim=0), ((3,), (3,))),
        (lambda lib, a, b: lib.cdist(a, b), ((2, 3), (4, 3))),
        (lambda lib, a: lib.pdist(a), ((4, 3),)),
        (lambda lib, a, b: lib.cosine_similarity(a, b), ((2, 3), (2, 3))),
    ],
)
def test_inplace_changes_after_forward_are_refused_as_in_pytorch(fn, specs) -> None:
    """What each node saves is version-checked: a changed input or output is refused at
    backward exactly where PyTorch refuses it."""
    check_saved_versions(fn, *specs)


_V = [1.0]


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.dot(Z(lib, 3), _V),
        lambda lib: lib.vdot(Z(lib, 3), _V),
        lambda lib: lib.mv(Z(lib, 3, 3), _V),
        lambda lib: lib.outer(Z(lib, 3), _V),
        lambda lib: lib.inner(Z(lib, 3), _V),
        lambda lib: lib.kron(Z(lib, 3), _V),
        lambda lib: lib.cross(Z(lib, 3), _V, dim=0),
        lambda lib: lib.tensordot(Z(lib, 3), _V),
        lambda lib: lib.addmm(Z(lib, 3), _V, Z(lib, 3)),
        lambda lib: lib.addmv(Z(lib, 3), _V, Z(lib, 3)),
        lambda lib: lib.addr(1.0, Z(lib, 3), Z(lib, 3)),
        lambda lib: lib.baddbmm(Z(lib, 3), Z(lib, 3), 1),
        lambda lib: lib.addcmul(Z(lib, 3), _V, Z(lib, 3)),
        lambda lib: lib.cdist(Z(lib, 3, 3), _V),
        lambda lib: lib.dist(Z(lib, 3), _V),
        lambda lib: lib.pdist(_V),
        lambda lib: lib.cosine_similarity(Z(lib, 3), _V),
        lambda lib: lib.pairwise_distance(Z(lib, 3), _V),
    ],
)
def test_non_tensor_arguments_raise_pytorchs_type_error(fn) -> None:
    """The same exception type and the very same message (argument name and position)."""
    raised = []
    for lib in (torch, numtorch):
        with pytest.raises((TypeError, AttributeError)) as info:
            fn(lib)
        raised.append((info.type, str(info.value)))
    assert raised[1] == raised[0]
