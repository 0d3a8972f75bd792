"""Differential property tests for the families issue 11 added: special functions, scans and
statistics, shape and stacking ops, indexing and scatter, products and decompositions --
drawn shapes (size-0 and size-1 included), dtypes, layouts and arguments, run on PyTorch
and numtorch through ``strategies.differential`` (values, gradients, error types)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Input, differential, dims, inputs, shapes

SPECIAL = {
    "lgamma": lambda lib, x: lib.lgamma(x),
    "digamma": lambda lib, x: lib.digamma(x),
    "erfinv_tanh": lambda lib, x: lib.erfinv(lib.tanh(x) * 0.9),
    "sinc": lambda lib, x: lib.sinc(x),
    "logit": lambda lib, x: lib.logit(lib.sigmoid(x)),
    "i0": lambda lib, x: lib.i0(x),
    "expm1": lambda lib, x: lib.expm1(x),
    "log1p_abs": lambda lib, x: lib.log1p(x.abs()),
    "deg2rad": lambda lib, x: lib.deg2rad(x),
    "heaviside": lambda lib, x: lib.heaviside(x, lib.tensor(0.5, dtype=x.dtype)),
    "copysign": lambda lib, x: lib.copysign(lib.ones_like(x), x),
    "float_power": lambda lib, x: lib.float_power(x.abs() + 0.5, 1.5),
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
@given(x=inputs(kind="spread"))
def test_special_and_pointwise(name: str, x) -> None:
    differential(SPECIAL[name], x, grad=name not in ("heaviside", "copysign"))


SCANS = {
    "cumsum": lambda lib, x, d: lib.cumsum(x, d),
    "cumprod": lambda lib, x, d: lib.cumprod(x, d),
    "logcumsumexp": lambda lib, x, d: lib.logcumsumexp(x, d),
    "cummax": lambda lib, x, d: lib.cummax(x, d).values,
    "sort": lambda lib, x, d: lib.sort(x, d).values,
    "sort_desc": lambda lib, x, d: lib.sort(x, d, descending=True).values,
    "quantile": lambda lib, x, d: lib.quantile(x, 0.3, d) if x.numel() else x.sum(d),
    "diff": lambda lib, x, d: lib.diff(x, dim=d),
    "flip": lambda lib, x, d: lib.flip(x, (d,)),
    "roll": lambda lib, x, d: lib.roll(x, 2, d),
    "narrow_copy": lambda lib, x, d: lib.narrow_copy(x, d, 0, min(1, x.shape[d])),
}


@pytest.mark.parametrize("name", sorted(SCANS))
@given(data=st.data())
def test_scans_sorting_and_statistics_along_a_dim(name: str, data) -> None:
    x = data.draw(inputs(shapes(1, 3, 1, 4)))
    differential(SCANS[name], x, data.draw(dims(x.values.ndim)))


@given(data=st.data())
def test_stacking_and_splitting(data) -> None:
    shape = data.draw(shapes(1, 3, 0, 4))
    a, b = data.draw(inputs(st.just(shape))), data.draw(inputs(st.just(shape)))
    differential(lambda lib, x, y: lib.hstack([x, y]), a, b)
    differential(lambda lib, x, y: lib.vstack([x, y]), a, b)
    differential(lambda lib, x, y: lib.dstack([x, y]), a, b)
    sections = data.draw(st.integers(1, 4))
    differential(lambda lib, x: lib.tensor_split(x, sections, -1), a)
    differential(lambda lib, x: lib.atleast_3d(x), a)


@given(data=st.data())
def test_matrix_shape_ops(data) -> None:
    x = data.draw(inputs(shapes(2, 2, 0, 4)))
    k = data.draw(st.integers(-2, 2))
    differential(lambda lib, t: lib.tril(t, k) + lib.triu(t, k), x)
    differential(lambda lib, t: lib.diagonal(t, k), x)
    differential(lambda lib, t: lib.rot90(t, k), x)
    differential(lambda lib, t: lib.diag_embed(t, k), x)


@given(data=st.data())
def test_index_select_gather_and_scatter_add(data) -> None:
    x = data.draw(inputs(shapes(1, 3, 1, 4)))
    d = data.draw(st.integers(-x.values.ndim, x.values.ndim - 1))
    size = x.values.shape[d]
    n = data.draw(st.integers(0, 5))
    idx = np.asarray(data.draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n)))
    differential(lambda lib, t: lib.index_select(t, d, lib.tensor(idx, dtype=lib.int64)), x)
    shape = list(x.values.shape)
    shape[d] = n
    gather = np.resize(idx, shape).astype(np.int64) if n else np.zeros(shape, np.int64)
    differential(lambda lib, t: lib.gather(t, d, lib.tensor(gather)), x)
    src = Input(np.ones(shape, x.values.dtype), "contiguous")
    differential(lambda lib, t, s: t.scatter_add(d, lib.tensor(gather), s), x, src)


@given(data=st.data())
def test_products(data) -> None:
    m, k, n = (data.draw(st.integers(0, 4)) for _ in range(3))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    a, b = data.draw(inputs(st.just((m, k)), dtype)), data.draw(inputs(st.just((k, n)), dtype))
    differential(lambda lib, x, y: lib.einsum("ij,jk->ik", x, y), a, b)
    differential(lambda lib, x, y: lib.tensordot(x, y, 1), a, b)
    # contiguous only: PyTorch 2.13's kron backward fails on a transposed operand ("view size
    # is not compatible ..."), where numtorch's gradient is right
    a_c, b_c = (Input(np.ascontiguousarray(t.values), "contiguous") for t in (a, b))
    differential(lambda lib, x, y: lib.kron(x, y), a_c, b_c)
    v = data.draw(inputs(st.just((m,)), dtype))
    differential(lambda lib, x, y: lib.outer(x, y), v, v)


@given(data=st.data())
def test_solve_and_inverse_of_well_conditioned_matrices(data) -> None:
    n = data.draw(st.integers(1, 4))
    batch = data.draw(st.sampled_from([(), (2,)]))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    a = rng.standard_normal((*batch, n, n)) + 3 * n * np.eye(n)
    b = rng.standard_normal((*batch, n, 2))
    A, B = Input(a.astype(dtype), "contiguous"), Input(b.astype(dtype), "contiguous")
    differential(lambda lib, x, y: lib.linalg.solve(x, y), A, B, scale=10)
    differential(lambda lib, x: lib.linalg.inv(x), A, scale=10)
    differential(lambda lib, x: lib.linalg.det(x), A, scale=10)
