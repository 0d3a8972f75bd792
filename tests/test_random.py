"""Generators, seeding and state round trips; every random function honours ``generator=``."""

from __future__ import annotations

import pathlib
import re

import pytest
import torch
from helpers import check_error

import numtorch

RANDOM_CALLS = {
    "rand": lambda g: numtorch.rand(2, 3, generator=g),
    "randn": lambda g: numtorch.randn([4], generator=g),
    "randint": lambda g: numtorch.randint(0, 100, (5,), generator=g),
    "randperm": lambda g: numtorch.randperm(8, generator=g),
    "rand_like": lambda g: numtorch.rand_like(numtorch.zeros(3), generator=g),
    "randn_like": lambda g: numtorch.randn_like(numtorch.zeros(3), generator=g),
    "randint_like": lambda g: numtorch.randint_like(numtorch.zeros(3), 10, generator=g),
    "uniform_": lambda g: numtorch.zeros(4).uniform_(-1, 1, generator=g),
    "normal_": lambda g: numtorch.zeros(4).normal_(2.0, 3.0, generator=g),
    "bernoulli_": lambda g: numtorch.zeros(20).bernoulli_(0.5, generator=g),
}


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_generator_argument_is_honoured(name: str) -> None:
    draw = RANDOM_CALLS[name]
    a = draw(numtorch.Generator().manual_seed(7)).tolist()
    numtorch.manual_seed(123)  # the default generator must not matter
    b = draw(numtorch.Generator().manual_seed(7)).tolist()
    c = draw(numtorch.Generator().manual_seed(8)).tolist()
    assert a == b and a != c


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_default_generator_is_used_without_generator(name: str) -> None:
    draw = RANDOM_CALLS[name]
    numtorch.manual_seed(5)
    a = draw(None).tolist()
    numtorch.manual_seed(5)
    assert draw(None).tolist() == a
    assert draw(numtorch.default_generator.manual_seed(5)).tolist() == a


def test_generator_does_not_touch_default_stream() -> None:
    numtorch.manual_seed(1)
    expected = numtorch.rand(3).tolist()
    numtorch.manual_seed(1)
    numtorch.rand(10, generator=numtorch.Generator().manual_seed(0))
    assert numtorch.rand(3).tolist() == expected


def test_generator_seed_api() -> None:
    g = numtorch.Generator()
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    new = g.seed()
    assert isinstance(new, int) and g.initial_seed() == new
    assert numtorch.manual_seed(3) is numtorch.default_generator
    assert numtorch.initial_seed() == 3
    assert isinstance(numtorch.seed(), int)


def test_new_generator_starts_from_torchs_default_seed() -> None:
    assert numtorch.Generator().initial_seed() == torch.Generator().initial_seed()
    a = numtorch.rand(3, generator=numtorch.Generator()).tolist()
    assert numtorch.rand(3, generator=numtorch.Generator()).tolist() == a


def test_generator_state_round_trip() -> None:
    g = numtorch.Generator().manual_seed(9)
    numtorch.randn(3, generator=g)  # advance the stream first
    state = g.get_state()
    assert state.dtype is numtorch.uint8 and state.ndim == 1
    a = numtorch.rand(5, generator=g).tolist()
    numtorch.rand(5, generator=g)
    assert g.set_state(state) is g
    assert numtorch.rand(5, generator=g).tolist() == a
    h = numtorch.Generator().set_state(state)
    assert numtorch.rand(5, generator=h).tolist() == a and h.initial_seed() == 9


def test_module_rng_state_round_trip() -> None:
    numtorch.manual_seed(11)
    numtorch.rand(2)
    state = numtorch.get_rng_state()
    a = numtorch.randn(4).tolist()
    numtorch.randn(4)
    numtorch.set_rng_state(state)
    assert numtorch.randn(4).tolist() == a
    state[0] = 255  # a returned state is a copy: mutating it changes nothing
    numtorch.set_rng_state(numtorch.get_rng_state())


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.Generator().manual_seed(2**64), "Overflow"),
        (lambda lib: lib.manual_seed(-(2**63) - 1), "Overflow"),
        (lambda lib: lib.manual_seed("a"), "invalid literal"),
        (lambda lib: lib.manual_seed(None), "int\\(\\) argument must be"),
        (
            lambda lib: lib.Generator().set_state(lib.zeros(3)),
            "RNG state must be a torch.ByteTensor",
        ),
        (
            lambda lib: lib.Generator().set_state(lib.zeros(3, dtype=lib.uint8)),
            "Expected a CPUGeneratorImplState of size",
        ),
    ],
)
def test_seed_and_state_errors(make, match: str) -> None:
    check_error(make, match)


def test_generator_must_be_a_generator() -> None:
    with pytest.raises(TypeError, match="Generator"):
        numtorch.rand(2, generator=5)


_FORBIDDEN = re.compile(r"\b(?:np|numpy)\.random\.(?!Generator\b|PCG64\b)\w+|\bdefault_rng\s*\(")
_STDLIB_RANDOM = re.compile(r"^\s*(?:import random\b|from random import)", re.M)


def test_no_global_or_unseeded_randomness_in_package() -> None:
    root = pathlib.Path(numtorch.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        for m in _FORBIDDEN.finditer(text):
            offenders.append(f"{path.relative_to(root)}: {m.group(0)}")
        if _STDLIB_RANDOM.search(text):
            offenders.append(f"{path.relative_to(root)}: stdlib random")
    assert len(list(root.rglob("*.py"))) > 10
    assert not offenders, "randomness outside numtorch.random.Generator:\n" + "\n".join(offenders)


def test_forbidden_pattern_catches_offenders() -> None:
    for bad in ("np.random.rand(3)", "numpy.random.seed(0)", "np.random.default_rng()"):
        assert _FORBIDDEN.search(bad)
    for good in ("np.random.Generator(np.random.PCG64(1))", "_rng(generator).random(3)"):
        assert not _FORBIDDEN.search(good)


@pytest.mark.parametrize("seed", ["x", 1.5, None])
def test_generator_manual_seed_refuses_non_integers_like_torch(seed):
    check_error(
        lambda lib: lib.Generator().manual_seed(seed),
        f"manual_seed expected a long, but got {type(seed).__name__}",
    )


def test_generator_manual_seed_takes_integer_likes_and_module_seed_uses_int():
    import numpy as np

    assert numtorch.Generator().manual_seed(np.int64(4)).initial_seed() == 4
    assert numtorch.Generator().manual_seed(numtorch.tensor(5)).initial_seed() == 5
    state = numtorch.get_rng_state()
    try:
        assert numtorch.manual_seed(7.9).initial_seed() == 7  # int(), as torch.manual_seed
    finally:
        numtorch.set_rng_state(state)


_SAMPLING_FACTORIES = {
    "rand": lambda lib, **kw: lib.rand(2, 3, **kw),
    "randn": lambda lib, **kw: lib.randn((2, 3), **kw),
    "randperm": lambda lib, **kw: lib.randperm(5, **kw),
    "randint": lambda lib, **kw: lib.randint(0, 9, (4,), **kw),
}


@pytest.mark.parametrize("name", list(_SAMPLING_FACTORIES))
def test_sampling_factories_take_pytorchs_keywords(name: str) -> None:
    make = _SAMPLING_FACTORIES[name]
    for lib in (torch, numtorch):
        a = make(lib, layout=lib.strided, device="cpu", pin_memory=False)
        b = make(lib, dtype=lib.float64, requires_grad=True)
        assert b.dtype == lib.float64 and b.requires_grad and b.is_leaf
        out = lib.zeros(tuple(a.shape), dtype=lib.float64)
        assert make(lib, out=out) is out and out.dtype == lib.float64
    check_error(lambda lib: make(lib, pin_memory=True), "pin_memory=True requires")
    check_error(lambda lib: make(lib, device="cuda"), "Torch not compiled with CUDA enabled")
    check_error(
        lambda lib: make(lib, dtype=lib.float64, out=lib.zeros(1)),
        "dtype Double does not match dtype of out parameter \\(Float\\)",
    )


def test_sampling_into_out_draws_the_same_values() -> None:
    out = numtorch.zeros(2, 3)
    numtorch.rand(2, 3, generator=numtorch.Generator().manual_seed(3), out=out)
    assert (
        out.tolist() == numtorch.rand(2, 3, generator=numtorch.Generator().manual_seed(3)).tolist()
    )


@pytest.mark.parametrize("name", ["rand_like", "randn_like", "randint_like"])
def test_sampling_like_factories_take_pytorchs_keywords(name: str) -> None:
    args = (5,) if name == "randint_like" else ()
    for lib in (torch, numtorch):
        x = lib.ones(3, 2).t()
        a = getattr(lib, name)(x, *args, layout=lib.strided, device="cpu", pin_memory=False)
        assert a.stride() == x.stride() and a.dtype == x.dtype
        b = getattr(lib, name)(x, *args, memory_format=lib.contiguous_format, requires_grad=True)
        assert b.is_contiguous() and b.requires_grad


def test_generator_device_is_a_device_like_torchs() -> None:
    assert repr(numtorch.Generator().device) == repr(torch.Generator().device)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.randint(low=0, high=5, size=(3,)),
        lambda lib: lib.randint(high=5, size=(3,)),
        lambda lib: lib.randint(2, high=5, size=(3,)),
        lambda lib: lib.randint(5, size=(2, 2)),
        lambda lib: lib.randint(0, 2, (3,), dtype=lib.bool),
        lambda lib: lib.randint(3, 10, (2,), dtype=lib.float32),
    ],
)
def test_randint_argument_forms_match_torch(make) -> None:
    n, t = make(numtorch), make(torch)
    assert (tuple(n.shape), str(n.dtype)) == (tuple(t.shape), str(t.dtype))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.randint(5), "randint\\(\\) received an invalid combination of arguments"),
        (lambda lib: lib.randint(5, (2,), low=1), "received an invalid combination"),
        (lambda lib: lib.randint(-3, 10, (2,), dtype=lib.uint8), "from is out of bounds for unsigned char"),
        (lambda lib: lib.randint(0, 300, (2,), dtype=lib.uint8), "to - 1 is out of bounds for unsigned char"),
        (lambda lib: lib.randint(0, 3, (2,), dtype=lib.bool), "to - 1 is out of bounds for bool"),
    ],
)  # fmt: skip
def test_randint_errors_match_torch(make, match: str) -> None:
    check_error(make, match)
