"""Samplers of given parameters (``normal``, ``bernoulli``, ``multinomial``, ``poisson``,
``binomial``) and the in-place fills (``random_``, ``exponential_``, ``geometric_``,
``log_normal_``, ``cauchy_``): shapes and dtypes as PyTorch's, determinism under a seed and
``generator=``, the right distribution on large samples (fixed seeds: nothing can flake), the
graph PyTorch records (zero gradients, or its error where it has no derivative) and its errors
for bad parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import check_error, check_gradcheck, check_op

import numtorch

SEED = 1234


def _gen(seed: int = SEED) -> numtorch.Generator:
    return numtorch.Generator().manual_seed(seed)


def _meta(t) -> tuple:
    return tuple(t.shape), str(t.dtype).replace("torch.", "")


# ---------------------------------------------------------------- shapes and dtypes


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(2, 3)),
        lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3)),
        lambda lib: lib.normal(lib.zeros(2, 3, dtype=lib.float64), lib.ones(3)),
        lambda lib: lib.normal(lib.zeros(2), lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.normal(lib.zeros(4), 2.0),
        lambda lib: lib.normal(mean=lib.zeros(4)),
        lambda lib: lib.normal(1.0, lib.ones(2, 2)),
        lambda lib: lib.normal(mean=0.0, std=lib.ones(3, dtype=lib.float64)),
        lambda lib: lib.normal(0.0, 1.0, (2, 3)),
        lambda lib: lib.normal(0, 1, size=[4], dtype=lib.float64),
        lambda lib: lib.bernoulli(lib.full((2, 3), 0.5)),
        lambda lib: lib.bernoulli(lib.full((3,), 0.5, dtype=lib.float64)),
        lambda lib: lib.bernoulli(lib.zeros(3, dtype=lib.int64), 0.5),
        lambda lib: lib.full((3,), 0.5).bernoulli(),
        lambda lib: lib.ones(4).bernoulli(0.25),
        lambda lib: lib.multinomial(lib.ones(5), 3),
        lambda lib: lib.multinomial(lib.ones(2, 5), 3),
        lambda lib: lib.multinomial(lib.ones(2, 5, dtype=lib.float64), 7, True),
        lambda lib: lib.ones(4).multinomial(1),
        lambda lib: lib.poisson(lib.ones(2, 3)),
        lambda lib: lib.poisson(lib.ones(3, dtype=lib.float64)),
        lambda lib: lib.binomial(lib.full((2, 3), 10.0), lib.full((3,), 0.5)),
        lambda lib: lib.zeros(3).random_(),
        lambda lib: lib.zeros(3, dtype=lib.int32).random_(7),
        lambda lib: lib.zeros(3, dtype=lib.uint8).random_(2, 9),
        lambda lib: lib.zeros(3, dtype=lib.bool).random_(),
        lambda lib: lib.zeros(3).random_(**{"from": 2, "to": 5}),
        lambda lib: lib.zeros(3).random_(to=5),
        lambda lib: lib.zeros(3).uniform_(**{"from": 2, "to": 3}),
        lambda lib: lib.zeros(2, 2).exponential_(),
        lambda lib: lib.zeros(2, dtype=lib.float64).exponential_(lambd=3.0),
        lambda lib: lib.zeros(2, 2).geometric_(0.3),
        lambda lib: lib.zeros(3, dtype=lib.int64).geometric_(p=0.3),
        lambda lib: lib.zeros(2, 2).log_normal_(),
        lambda lib: lib.zeros(2, 2).cauchy_(1.0, 2.0),
        lambda lib: lib.zeros(3, dtype=lib.int64).bernoulli_(0.5),
        lambda lib: lib.zeros(3, dtype=lib.bool).bernoulli_(lib.full((3,), 0.5)),
    ],
)
def test_shape_and_dtype_match_torch(make) -> None:
    assert _meta(make(numtorch)) == _meta(make(torch))


def test_out_variants_write_pytorchs_shape_and_dtype() -> None:
    for lib in (torch, numtorch):
        out = lib.zeros(2, 3)
        assert lib.normal(lib.zeros(2, 3), 1.0, out=out) is out
        out64 = lib.zeros(4, dtype=lib.int64)
        assert lib.multinomial(lib.ones(5), 4, out=out64) is out64
        assert sorted(out64.tolist()) == sorted(set(out64.tolist()))
        assert lib.normal(0.0, 1.0, (2, 3), out=out).shape == (2, 3)
        outb = lib.zeros(3)
        assert lib.bernoulli(lib.ones(3), out=outb) is outb and outb.tolist() == [1.0] * 3


# ---------------------------------------------------------------- determinism

SAMPLERS = {
    "normal_tt": lambda g: numtorch.normal(numtorch.zeros(5), numtorch.ones(5), generator=g),
    "normal_tf": lambda g: numtorch.normal(numtorch.zeros(5), 2.0, generator=g),
    "normal_ft": lambda g: numtorch.normal(1.0, numtorch.ones(5), generator=g),
    "normal_ff": lambda g: numtorch.normal(0.0, 1.0, (5,), generator=g),
    "bernoulli": lambda g: numtorch.bernoulli(numtorch.full((20,), 0.5), generator=g),
    "bernoulli_p": lambda g: numtorch.bernoulli(numtorch.zeros(20), 0.5, generator=g),
    "multinomial": lambda g: numtorch.multinomial(numtorch.ones(20), 10, generator=g),
    "multinomial_r": lambda g: numtorch.multinomial(numtorch.ones(20), 10, True, generator=g),
    "poisson": lambda g: numtorch.poisson(numtorch.full((10,), 5.0), generator=g),
    "binomial": lambda g: numtorch.binomial(
        numtorch.full((10,), 20.0), numtorch.full((10,), 0.5), generator=g
    ),
    "random_": lambda g: numtorch.zeros(10).random_(generator=g),
    "random_to": lambda g: numtorch.zeros(10).random_(100, generator=g),
    "exponential_": lambda g: numtorch.zeros(10).exponential_(generator=g),
    "geometric_": lambda g: numtorch.zeros(10).geometric_(0.2, generator=g),
    "log_normal_": lambda g: numtorch.zeros(10).log_normal_(generator=g),
    "cauchy_": lambda g: numtorch.zeros(10).cauchy_(generator=g),
    "bernoulli_tensor_": lambda g: numtorch.zeros(20).bernoulli_(
        numtorch.full((20,), 0.5), generator=g
    ),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_generator_and_manual_seed_make_samples_reproducible(name: str) -> None:
    draw = SAMPLERS[name]
    a = draw(_gen(7)).tolist()
    numtorch.manual_seed(99)  # the default stream must not matter
    assert draw(_gen(7)).tolist() == a
    assert draw(_gen(8)).tolist() != a
    numtorch.manual_seed(5)
    b = draw(None).tolist()
    numtorch.manual_seed(5)
    assert draw(None).tolist() == b


# ---------------------------------------------------------------- distributions

N = 200_000


def _moments(t) -> tuple[float, float]:
    x = t.double().numpy() if hasattr(t, "double") else np.asarray(t)
    return float(x.mean()), float(x.std())


@pytest.mark.parametrize(
    ("draw", "mean", "std"),
    [
        (lambda g: numtorch.normal(numtorch.full((N,), 2.0), numtorch.full((N,), 3.0), generator=g), 2.0, 3.0),
        (lambda g: numtorch.normal(numtorch.full((N,), -1.0), 0.5, generator=g), -1.0, 0.5),
        (lambda g: numtorch.normal(4.0, numtorch.full((N,), 2.0), generator=g), 4.0, 2.0),
        (lambda g: numtorch.normal(1.0, 2.0, (N,), generator=g), 1.0, 2.0),
        (lambda g: numtorch.bernoulli(numtorch.full((N,), 0.3), generator=g), 0.3, math.sqrt(0.21)),
        (lambda g: numtorch.bernoulli(numtorch.zeros(N), 0.8, generator=g), 0.8, 0.4),
        (lambda g: numtorch.poisson(numtorch.full((N,), 4.0), generator=g), 4.0, 2.0),
        (lambda g: numtorch.binomial(numtorch.full((N,), 10.0), numtorch.full((N,), 0.25), generator=g), 2.5, math.sqrt(1.875)),
        (lambda g: numtorch.zeros(N).exponential_(2.0, generator=g), 0.5, 0.5),
        (lambda g: numtorch.zeros(N).geometric_(0.25, generator=g), 4.0, math.sqrt(0.75) / 0.25),
        (lambda g: numtorch.zeros(N, dtype=numtorch.float64).log_normal_(0.0, 0.5, generator=g), math.exp(0.125), math.sqrt((math.exp(0.25) - 1) * math.exp(0.25))),
        (lambda g: numtorch.zeros(N).random_(10, generator=g), 4.5, math.sqrt(99 / 12)),
        (lambda g: numtorch.zeros(N).random_(-3, 5, generator=g), 0.5, math.sqrt(63 / 12)),
        (lambda g: numtorch.zeros(N, dtype=numtorch.uint8).random_(generator=g), 127.5, math.sqrt((256**2 - 1) / 12)),
    ],
)  # fmt: skip
def test_samples_have_the_distributions_moments(draw, mean: float, std: float) -> None:
    m, s = _moments(draw(_gen()))
    assert abs(m - mean) < 5 * std / math.sqrt(N)  # five standard errors: never flakes
    assert abs(s - std) < 0.02 * std


def test_cauchy_quartiles() -> None:
    x = numtorch.zeros(N, dtype=numtorch.float64).cauchy_(1.0, 2.0, generator=_gen()).numpy()
    q1, q2, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    assert abs(q2 - 1.0) < 0.05 and abs(q1 + 1.0) < 0.05 and abs(q3 - 3.0) < 0.05


def test_from_and_to_keywords_bound_the_fills() -> None:
    x = numtorch.zeros(1000).random_(**{"from": 2, "to": 5}, generator=_gen()).tolist()
    assert set(x) == {2.0, 3.0, 4.0}
    assert set(numtorch.zeros(1000).random_(to=2, generator=_gen()).tolist()) == {0.0, 1.0}
    u = numtorch.zeros(1000).uniform_(**{"from": 2, "to": 3}, generator=_gen())
    assert 2 <= u.min().item() and u.max().item() < 3
    check_error(lambda lib: lib.zeros(2).uniform_(a=1), "got an unexpected keyword argument 'a'")


def test_random_fills_stay_in_range() -> None:
    assert set(numtorch.zeros(1000).random_(3, 6, generator=_gen()).tolist()) == {3.0, 4.0, 5.0}
    assert set(numtorch.zeros(100, dtype=numtorch.bool).random_(generator=_gen()).tolist()) == {
        False,
        True,
    }
    top = numtorch.zeros(N).random_(generator=_gen())
    assert top.min().item() >= 0 and top.max().item() <= 2**24 and top.max().item() > 2**23
    i8 = numtorch.zeros(1000, dtype=numtorch.int8).random_(-5, 3, generator=_gen())
    assert set(i8.tolist()) == set(range(-5, 3))
    big = numtorch.zeros(1000, dtype=numtorch.int64).random_(2**40, None, generator=_gen())
    assert big.min().item() >= 2**40
    assert numtorch.zeros(N).geometric_(0.5, generator=_gen()).min().item() == 1.0
    assert numtorch.zeros(N).exponential_(generator=_gen()).min().item() >= 0


def test_bernoulli_tensor_probabilities_per_element() -> None:
    p = numtorch.tensor([0.0, 1.0, 0.5]).expand(N, 3)
    x = numtorch.bernoulli(p, generator=_gen()).mean(0).tolist()
    assert x[0] == 0.0 and x[1] == 1.0 and abs(x[2] - 0.5) < 0.01
    y = numtorch.zeros(N, 3).bernoulli_(numtorch.tensor([0.0, 1.0, 0.25]), generator=_gen())
    y = y.mean(0).tolist()
    assert y[0] == 0.0 and y[1] == 1.0 and abs(y[2] - 0.25) < 0.01


def test_multinomial_frequencies_follow_the_weights() -> None:
    w = numtorch.tensor([1.0, 2.0, 0.0, 7.0])
    picks = numtorch.multinomial(w, N, replacement=True, generator=_gen())
    freq = np.bincount(picks.numpy(), minlength=4) / N
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=0.005)
    rows = numtorch.multinomial(numtorch.tensor([[0.0, 1.0], [1.0, 0.0]]), 1, generator=_gen())
    assert rows.tolist() == [[1], [0]]


def test_multinomial_without_replacement_draws_distinct_by_weight() -> None:
    w = numtorch.tensor([1.0, 0.0, 3.0, 6.0])
    firsts = [numtorch.multinomial(w, 3, generator=_gen(s)).tolist() for s in range(2000)]
    assert all(len(set(f)) == 3 and 1 not in f for f in firsts)
    first = np.bincount([f[0] for f in firsts], minlength=4) / 2000
    np.testing.assert_allclose(first, [0.1, 0.0, 0.3, 0.6], atol=0.04)
    # zero-weight categories come last, once the others are used up (PyTorch's order)
    assert numtorch.multinomial(numtorch.tensor([0.0, 1.0]), 2, generator=_gen()).tolist() == [1, 0]


# ---------------------------------------------------------------- autograd


def _grads(lib, fn):
    m = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    s = lib.tensor([1.0, 2.0, 0.5], requires_grad=True)
    out = fn(lib, m, s)
    name = out.grad_fn.name()
    edges = len(out.grad_fn.next_functions)
    out.backward(lib.ones(3))
    return name, edges, [None if t.grad is None else t.grad.tolist() for t in (m, s)]


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, m, s: lib.normal(m, s),
        lambda lib, m, s: lib.normal(m, 2.0),
        lambda lib, m, s: lib.normal(1.0, s),
        lambda lib, m, s: lib.normal(m * 2, s.expand(3)),
        lambda lib, m, s: lib.bernoulli(s / 4),
        lambda lib, m, s: lib.poisson(s),
        lambda lib, m, s: (m * 1).exponential_() + s,
        lambda lib, m, s: (m * 1).random_(4),
        lambda lib, m, s: (m * 1).random_(1, 4),
        lambda lib, m, s: (m * 1).random_(),
        lambda lib, m, s: (m * 1).geometric_(0.5),
        lambda lib, m, s: (m * 1).log_normal_(),
        lambda lib, m, s: (m * 1).cauchy_(),
        lambda lib, m, s: (m * 1).bernoulli_(s / 4),
    ],
)
def test_sample_graph_and_zero_gradients_match_torch(fn) -> None:
    assert _grads(numtorch, fn) == _grads(torch, fn)


_THROUGH_SAMPLES = [
    lambda lib, m, s: lib.normal(m, s.abs()) * 0 + m * s,
    lambda lib, m, s: lib.normal(m, 2.0) * 0 + s,
    lambda lib, m, s: lib.normal(1.0, s.abs()) * 0 + m.exp(),
    lambda lib, m, s: lib.bernoulli(s.sigmoid()) * 0 + m,
    lambda lib, m, s: lib.poisson(s.abs()) * 0 + m - s,
]


@pytest.mark.parametrize("fn", _THROUGH_SAMPLES)
def test_gradients_through_samples_match_torch_and_gradcheck(fn) -> None:
    """A sample times zero keeps the values deterministic, so the zero gradient PyTorch gives
    a sample's parameters is compared by ``check_op`` and verified by ``gradcheck``."""
    check_op(fn, (3, 2), (3, 2))
    check_gradcheck(fn, (3, 2), (3, 2))


@pytest.mark.parametrize(
    ("fn", "op"),
    [
        (lambda lib, p: lib.bernoulli(p, 0.5), "bernoulli"),
        (lambda lib, p: lib.binomial(p * 10, p), "binomial"),
    ],
)
def test_samples_without_a_derivative_raise_pytorchs_error_in_backward(fn, op: str) -> None:
    for lib in (torch, numtorch):
        p = lib.tensor([0.2, 0.7], requires_grad=True)
        out = fn(lib, p)
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"
        assert repr(out.grad_fn).startswith("<NotImplemented object at")
        with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
            out.sum().backward()


def test_normal_of_numbers_takes_factory_keywords() -> None:
    for lib in (torch, numtorch):
        t = lib.normal(0.0, 1.0, (3,), requires_grad=True, device="cpu", layout=lib.strided)
        assert t.requires_grad and t.is_leaf


# ---------------------------------------------------------------- errors

_P_RANGE = r"Expected p_in >= 0 && p_in <= 1 to be true, but got false"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.normal(lib.zeros(2), -1.0), "normal expects std >= 0.0, but found std -1"),
        (lambda lib: lib.normal(lib.zeros(2), float("nan")), "found std nan"),
        (lambda lib: lib.normal(lib.zeros(2), lib.tensor([1.0, -1.0])), "all elements of std >= 0.0"),
        (lambda lib: lib.normal(1.0, lib.tensor([-1.0])), "all elements of std >= 0.0"),
        (lambda lib: lib.normal(0.0, -1.5, (2,)), "normal expects std >= 0.0, but found std -1.5"),
        (lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0), "\"normal_kernel_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.normal(1.0, lib.ones(2, dtype=lib.int64)), "not implemented for 'Long'"),
        (lambda lib: lib.normal(0.0, 1.0, (2,), dtype=lib.int64), "not implemented for 'Long'"),
        (lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(5)), "The size of tensor a \\(3\\) must match the size of tensor b \\(5\\)"),
        (lambda lib: lib.normal(-1.0, 1.0), "normal\\(\\) received an invalid combination of arguments"),
        (lambda lib: lib.normal(lib.zeros(2), 1.0, (3,)), "normal\\(\\) received an invalid combination"),
        (lambda lib: lib.normal(0.0, 1.0, (2,), device="cuda"), "not compiled with CUDA"),
        (lambda lib: lib.normal(0.0, 1.0, (2,), pin_memory=True), "pin_memory=True requires"),
        (lambda lib: lib.normal(0.0, 1.0, (-1,)), "negative dimension -1"),
        (lambda lib: lib.bernoulli(lib.tensor([0.2, 1.5])), _P_RANGE),
        (lambda lib: lib.bernoulli(lib.tensor([0.2, -0.1])), _P_RANGE),
        (lambda lib: lib.bernoulli(lib.tensor([0.2, float("nan")])), _P_RANGE),
        (lambda lib: lib.bernoulli(lib.tensor([1, 0])), "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
        (lambda lib: lib.bernoulli(lib.ones(2), p=1.5), "bernoulli_ expects p to be in \\[0, 1\\], but got p=1.5"),
        (lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.0, 1.5, 1.0])), _P_RANGE),
        (lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0, 1, 1])), "bernoulli_tensor_cpu_p_"),
        (lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.0, 1.0])), "The expanded size of the tensor \\(3\\) must match the existing size \\(2\\) at non-singleton dimension 0.  Target sizes: \\[3\\].  Tensor sizes: \\[2\\]"),
        (lambda lib: lib.ones(2, requires_grad=True).bernoulli_(0.5), "a leaf Variable that requires grad"),
        (lambda lib: lib.multinomial(lib.ones(2), 3), "cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"),
        (lambda lib: lib.multinomial(lib.ones(2), 0), "cannot sample n_sample <= 0 samples"),
        (lambda lib: lib.multinomial(lib.ones(2), -1, True), "cannot sample n_sample <= 0 samples"),
        (lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
        (lambda lib: lib.multinomial(lib.tensor(1.0), 1), "prob_dist must be 1 or 2 dim"),
        (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1), "multinomial only supports floating-point dtypes for input, got: Long"),
        (lambda lib: lib.multinomial(lib.ones(2), 1.5), "argument 'num_samples' \\(position 2\\) must be int, not float"),
        (lambda lib: lib.multinomial(lib.ones(2), 1, out=lib.empty(1)), "multinomial expects Long tensor out, got: Float"),
        (lambda lib: lib.multinomial(lib.tensor([0.2, -0.5]), 1), "probability tensor contains either `inf`, `nan` or element < 0"),
        (lambda lib: lib.multinomial(lib.tensor([0.2, float("inf")]), 1), "contains either `inf`, `nan`"),
        (lambda lib: lib.multinomial(lib.tensor([0.2, float("nan")]), 1), "contains either `inf`, `nan`"),
        (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1), "invalid multinomial distribution \\(sum of probabilities <= 0\\)"),
        (lambda lib: lib.multinomial(lib.tensor([[0.2, 0.3], [0.0, 0.0]]), 1), "sum of probabilities <= 0"),
        (lambda lib: lib.multinomial(lib.tensor([0.2, -0.5]), 2, True), "encountering probability entry < 0"),
        (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 2, True), "sum of probabilities <= 0"),
        (lambda lib: lib.multinomial(lib.tensor([0.2, float("inf")]), 2, True), "probability entry = infinity or NaN"),
        (lambda lib: lib.multinomial(lib.ones(0), 1), "without replacement"),
        (lambda lib: lib.poisson(lib.tensor([1.0, -1.0])), "invalid Poisson rate, expected rate to be non-negative"),
        (lambda lib: lib.poisson(lib.tensor([float("nan")])), "invalid Poisson rate"),
        (lambda lib: lib.poisson(lib.tensor([1, 2])), "\"poisson_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.binomial(lib.tensor([10]), lib.tensor([0.5])), "binomial only supports floating-point dtypes for count, got: Long"),
        (lambda lib: lib.binomial(lib.tensor([10.0]), lib.tensor([1])), "binomial only supports floating-point dtypes for prob, got: Long"),
        (lambda lib: lib.binomial(lib.tensor([10.0]), lib.tensor([0.5], dtype=lib.float64)), "Found dtype Double but expected Float"),
        (lambda lib: lib.binomial(lib.ones(2), lib.ones(3)), "The size of tensor a \\(2\\) must match"),
        (lambda lib: lib.zeros(3).random_(5, 2), "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
        (lambda lib: lib.zeros(3, dtype=lib.uint8).random_(300), "to - 1 is out of bounds for unsigned char"),
        (lambda lib: lib.zeros(3, dtype=lib.uint8).random_(-5, 3), "from is out of bounds for unsigned char"),
        (lambda lib: lib.zeros(3, dtype=lib.int8).random_(-200, 3), "from is out of bounds for signed char"),
        (lambda lib: lib.zeros(3, dtype=lib.int16).random_(0, 2**20), "to - 1 is out of bounds for short int"),
        (lambda lib: lib.zeros(3, dtype=lib.int32).random_(0, 2**40), "to - 1 is out of bounds for int"),
        (lambda lib: lib.zeros(3, dtype=lib.bool).random_(0, 3), "to - 1 is out of bounds for bool"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).random_(2.5), "random_\\(\\) received an invalid combination of arguments"),
        (lambda lib: lib.zeros(3).exponential_(-1), "exponential_ expects lambda > 0.0, but found lambda=-1"),
        (lambda lib: lib.zeros(3).exponential_(0), "exponential_ expects lambda > 0.0, but found lambda=0"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).exponential_(), "Exponential distribution is a continuous probability distribution. dtype must be a floating point but you specified Long"),
        (lambda lib: lib.zeros(3).geometric_(0), "geometric_ expects p to be in \\(0, 1\\), but got p=0"),
        (lambda lib: lib.zeros(3).geometric_(1), "but got p=1"),
        (lambda lib: lib.zeros(3).geometric_(1.5), "but got p=1.5"),
        (lambda lib: lib.zeros(2, dtype=lib.bool).geometric_(0.5), "\"geometric_cpu\" not implemented for 'Bool'"),
        (lambda lib: lib.zeros(3).log_normal_(1, 0), "log_normal_ expects std > 0.0, but found std=0"),
        (lambda lib: lib.zeros(3).log_normal_(1, -1), "found std=-1"),
        (lambda lib: lib.zeros(3).log_normal_(1, float("nan")), "found std=nan"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).log_normal_(), "\"log_normal_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.zeros(3).cauchy_(0, 0), "cauchy_ expects sigma > 0.0, but found sigma=0"),
        (lambda lib: lib.zeros(3).cauchy_(0, -1), "found sigma=-1"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).cauchy_(), "Cauchy distribution is a continuous probability distribution. dtype must be a floating point but you specified long int"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(), "\"check_uniform_bounds\" not implemented for 'Long'"),
        (lambda lib: lib.zeros(3, dtype=lib.int64).normal_(), "\"normal_kernel_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.zeros(3).normal_(0, -1.5), "normal expects std >= 0.0, but found std -1.5"),
    ],
)  # fmt: skip
def test_bad_parameters_raise_pytorchs_errors(make, match: str) -> None:
    check_error(make, match)


def test_random_on_a_float_beyond_its_exact_integers_warns_like_torch() -> None:
    for lib in (torch, numtorch):
        with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
            lib.zeros(3).random_(0, 2**30)
