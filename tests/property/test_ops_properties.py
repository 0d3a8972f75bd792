"""Differential property tests of the tensor ops against PyTorch (values, grads, error types).

Every test draws shapes (size-0 and size-1 dims included), float32/float64, contiguous /
transposed / sliced layouts and argument values (dims, negative dims, keepdim, sizes), then
runs one lambda on both libraries through ``strategies.differential``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import DTYPES, broadcast_pair, differential, dims, inputs, shapes

UNARY = {
    "abs": lambda lib, x: lib.abs(x),
    "neg": lambda lib, x: lib.neg(x),
    "exp": lambda lib, x: lib.exp(x),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "tanh": lambda lib, x: lib.tanh(x),
    "relu": lambda lib, x: lib.relu(x),
    "square": lambda lib, x: lib.square(x),
    "floor": lambda lib, x: lib.floor(x),
    "ceil": lambda lib, x: lib.ceil(x),
    "round": lambda lib, x: lib.round(x),
    "trunc": lambda lib, x: lib.trunc(x),
    "frac": lambda lib, x: lib.frac(x),
    "sign": lambda lib, x: lib.sign(x),
    "clamp": lambda lib, x: lib.clamp(x, -0.5, 0.7),
    "clamp_min": lambda lib, x: x.clamp(min=0.1),
    "pow_scalar": lambda lib, x: lib.pow(x, 2),
    "rpow": lambda lib, x: 2.0**x,
    "mul_scalar": lambda lib, x: x * 3 - 1,
    "div_scalar": lambda lib, x: x / 4,
    "isnan": lambda lib, x: lib.isnan(x),
    "isfinite": lambda lib, x: lib.isfinite(x),
    "clone": lambda lib, x: lib.clone(x),
    "contiguous": lambda lib, x: x.contiguous(),
    "to_other_float": lambda lib, x: x.double() if x.dtype == lib.float32 else x.float(),
    "masked_fill": lambda lib, x: x.masked_fill(x > 0, 0.5),
}
POSITIVE = {
    "log": lambda lib, x: lib.log(x),
    "sqrt": lambda lib, x: lib.sqrt(x),
    "rsqrt": lambda lib, x: lib.rsqrt(x),
    "pow_frac": lambda lib, x: lib.pow(x, 0.5),
}
BINARY = {
    "add": lambda lib, a, b: lib.add(a, b),
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2),
    "sub": lambda lib, a, b: lib.sub(a, b),
    "mul": lambda lib, a, b: lib.mul(a, b),
    "div": lambda lib, a, b: lib.div(a, b),
    "div_floor": lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, b),
    "eq": lambda lib, a, b: lib.eq(a, b),
    "lt": lambda lib, a, b: a < b,
    "ge": lambda lib, a, b: a >= b,
    "remainder": lambda lib, a, b: lib.remainder(a, b),
    "pow": lambda lib, a, b: lib.pow(lib.abs(a) + 0.5, b),
    "isclose": lambda lib, a, b: lib.isclose(a, b),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=inputs(kind="spread"))
def test_unary(name: str, x) -> None:
    differential(UNARY[name], x)


@pytest.mark.parametrize("name", sorted(POSITIVE))
@given(x=inputs(kind="positive"))
def test_unary_positive(name: str, x) -> None:
    differential(POSITIVE[name], x)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcast_pair())
def test_binary_broadcast(name: str, pair) -> None:
    differential(BINARY[name], *pair)


# ---------------------------------------------------------------- reductions

REDUCE_DIM = {
    "sum": lambda lib, x, d, k: lib.sum(x, d, keepdim=k),
    "mean": lambda lib, x, d, k: lib.mean(x, d, keepdim=k),
    "var": lambda lib, x, d, k: lib.var(x, d, keepdim=k),
    "std_unbiased0": lambda lib, x, d, k: lib.std(x, d, keepdim=k, correction=0),
    "amax": lambda lib, x, d, k: lib.amax(x, d, keepdim=k),
    "amin": lambda lib, x, d, k: lib.amin(x, d, keepdim=k),
    "max_dim": lambda lib, x, d, k: lib.max(x, d, keepdim=k),
    "min_dim": lambda lib, x, d, k: lib.min(x, d, keepdim=k),
    "argmax": lambda lib, x, d, k: lib.argmax(x, d, keepdim=k),
    "argmin": lambda lib, x, d, k: lib.argmin(x, d, keepdim=k),
    "logsumexp": lambda lib, x, d, k: lib.logsumexp(x, d, keepdim=k),
    "softmax": lambda lib, x, d, k: lib.softmax(x, d),
    "log_softmax": lambda lib, x, d, k: lib.log_softmax(x, d),
    "any": lambda lib, x, d, k: lib.any(x > 0, d, keepdim=k),
    "all": lambda lib, x, d, k: lib.all(x > 0, d, keepdim=k),
    "count_nonzero": lambda lib, x, d, k: lib.count_nonzero(x > 0, d),
    "sum_tuple": lambda lib, x, d, k: lib.sum(x, (d,), keepdim=k),
}
REDUCE_ALL = {
    "sum": lambda lib, x: lib.sum(x),
    "mean": lambda lib, x: lib.mean(x),
    "max": lambda lib, x: lib.max(x),
    "min": lambda lib, x: lib.min(x),
    "var": lambda lib, x: x.var(),
    "argmax": lambda lib, x: lib.argmax(x),
    "norm_like": lambda lib, x: (x * x).sum().sqrt(),
}


@pytest.mark.parametrize("name", sorted(REDUCE_DIM))
@given(data=st.data())
def test_reduce_dim(name: str, data) -> None:
    x = data.draw(inputs())
    dim = data.draw(dims(x.values.ndim))
    differential(REDUCE_DIM[name], x, dim, data.draw(st.booleans()))


@pytest.mark.parametrize("name", sorted(REDUCE_ALL))
@given(x=inputs())
def test_reduce_all(name: str, x) -> None:
    differential(REDUCE_ALL[name], x)


# ---------------------------------------------------------------- movement


@given(data=st.data())
def test_reshape_and_view(data) -> None:
    x = data.draw(inputs())
    n = x.values.size
    split = data.draw(st.sampled_from([(n,), (-1,), (1, -1), (n, 1), (-1, 1, 1), (2, -1), (3, 2)]))
    differential(lambda lib, t: t.reshape(split), x)
    differential(lambda lib, t: t.view(split), x)
    differential(lambda lib, t: lib.flatten(t), x)


@given(data=st.data())
def test_permute_transpose_flip(data) -> None:
    x = data.draw(inputs())
    nd = x.values.ndim
    perm = data.draw(st.permutations(range(nd)))
    if nd and data.draw(st.booleans()):
        perm = [p - nd for p in perm]
    a, b = data.draw(dims(nd)), data.draw(dims(nd))
    differential(lambda lib, t: t.permute(*perm), x)
    differential(lambda lib, t: lib.transpose(t, a, b), x)
    differential(lambda lib, t: lib.flip(t, (a,)), x)


@given(data=st.data())
def test_squeeze_unsqueeze_flatten(data) -> None:
    x = data.draw(inputs())
    nd = x.values.ndim
    d = data.draw(dims(nd))
    differential(lambda lib, t: t.unsqueeze(d), x)
    differential(lambda lib, t: t.unsqueeze(-1).squeeze(d), x)
    differential(lambda lib, t: lib.squeeze(t), x)
    differential(lambda lib, t: lib.flatten(t, start_dim=min(d, 0) if nd else 0), x)


@given(data=st.data())
def test_expand_and_broadcast_to(data) -> None:
    x = data.draw(inputs(shapes(0, 3, 0, 2)))
    target = [data.draw(st.sampled_from([n, -1, 3])) if n == 1 else n for n in x.values.shape]
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    size = tuple(lead + target)
    differential(lambda lib, t: t.expand(*size), x)
    differential(lambda lib, t: t.expand(*size).contiguous() * 2, x)


@given(data=st.data())
def test_cat_and_stack(data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    shape = data.draw(shapes(1, 3))
    d = data.draw(dims(len(shape)))
    other = list(shape)
    axis = d % len(shape) if -len(shape) <= d < len(shape) else 0
    other[axis] = data.draw(st.integers(0, 3))
    a = data.draw(inputs(st.just(shape), dtype))
    b = data.draw(inputs(st.just(tuple(other)), dtype))
    differential(lambda lib, s, t: lib.cat([s, t], d), a, b)
    differential(lambda lib, s, t: lib.stack([s, t], d), a, b)


@given(data=st.data())
def test_split_chunk_narrow_unbind(data) -> None:
    x = data.draw(inputs(shapes(1, 3)))
    nd = x.values.ndim
    d = data.draw(dims(nd))
    k = data.draw(st.integers(1, 3))
    start = data.draw(st.integers(-2, 2))
    differential(lambda lib, t: lib.split(t, k, d), x)
    differential(lambda lib, t: lib.chunk(t, k, d), x)
    differential(lambda lib, t: lib.unbind(t, d), x)
    differential(lambda lib, t: lib.narrow(t, d, start, 1), x)


@given(data=st.data())
def test_gather_and_indexing(data) -> None:
    import numpy as np

    x = data.draw(inputs(shapes(1, 3, 1, 4)))
    shape = x.values.shape
    d = data.draw(dims(len(shape), allow_bad=False))
    idx = np.random.default_rng(0).integers(0, shape[d], shape)
    index = type(x)(idx)
    differential(lambda lib, t, i: lib.gather(t, d, i), x, index)
    i0 = data.draw(st.integers(-shape[0] - 1, shape[0]))
    differential(lambda lib, t: t[i0], x)
    differential(lambda lib, t: t[1:], x)
    differential(lambda lib, t: t[..., ::2], x)
    differential(lambda lib, t: t[t > 0], x)
    differential(lambda lib, t: t[[0, -1]], x)


# ---------------------------------------------------------------- linear algebra


@given(data=st.data())
def test_matmul(data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    n, k, m = (data.draw(st.integers(0, 4)) for _ in range(3))
    batch = data.draw(shapes(0, 2, 1, 3))
    a_shape = data.draw(st.sampled_from([(k,), (n, k), batch + (n, k)]))
    k2 = k if data.draw(st.integers(0, 9)) else k + 1  # sometimes mismatched
    b_shape = data.draw(st.sampled_from([(k2,), (k2, m), batch + (k2, m), batch[1:] + (k2, m)]))
    a = data.draw(inputs(st.just(a_shape), dtype))
    b = data.draw(inputs(st.just(b_shape), dtype))
    differential(lambda lib, s, t: lib.matmul(s, t), a, b)
    differential(lambda lib, s, t: s @ t, a, b)


@given(data=st.data())
def test_mm_and_bmm(data) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    b, n, k, m = (data.draw(st.integers(0, 3)) for _ in range(4))
    k2 = k if data.draw(st.integers(0, 5)) else k + 1
    x = data.draw(inputs(st.just((n, k)), dtype))
    w = data.draw(inputs(st.just((k2, m)), dtype))
    differential(lambda lib, s, t: lib.mm(s, t), x, w)
    xb = data.draw(inputs(st.just((b, n, k)), dtype))
    wb = data.draw(inputs(st.just((b, k2, m)), dtype))
    differential(lambda lib, s, t: lib.bmm(s, t), xb, wb)
