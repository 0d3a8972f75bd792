"""Tensor creation functions against PyTorch: values, dtypes, size forms and bad sizes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, check_same

import numtorch


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([[1, 2], [3, 4]]),
        lambda lib: lib.tensor([1.5, 2], dtype=lib.float64),
        lambda lib: lib.tensor(np.arange(6).reshape(2, 3)),
        lambda lib: lib.tensor([lib.tensor(1.0), lib.tensor(2.0)]),
        lambda lib: lib.as_tensor([1, 2, 3]),
        lambda lib: lib.as_tensor(np.ones(3), dtype=lib.float32),
        lambda lib: lib.zeros(2, 3),
        lambda lib: lib.zeros([2, 3]),
        lambda lib: lib.zeros((2, 3), dtype=lib.int64),
        lambda lib: lib.zeros(()),
        lambda lib: lib.zeros(0, 4),
        lambda lib: lib.ones(3),
        lambda lib: lib.ones([1, 2], dtype=lib.bool),
        lambda lib: lib.full((2, 2), 1.5),
        lambda lib: lib.full([3], 7),
        lambda lib: lib.full((2,), True),
        lambda lib: lib.full((2,), 1.5, dtype=lib.float64),
        lambda lib: lib.empty(2, 3).shape,
        lambda lib: lib.empty([4], dtype=lib.int64).dtype,
        lambda lib: lib.arange(5),
        lambda lib: lib.arange(5.0),
        lambda lib: lib.arange(1, 2.5, 0.5),
        lambda lib: lib.arange(10, 0, -3),
        lambda lib: lib.arange(0, 1, 0.1),
        lambda lib: lib.arange(3, dtype=lib.float64),
        lambda lib: lib.linspace(0, 1, 5),
        lambda lib: lib.linspace(-2, 2, 1),
        lambda lib: lib.linspace(0, 10, 7, dtype=lib.float64),
        lambda lib: lib.eye(3),
        lambda lib: lib.eye(2, 4),
        lambda lib: lib.eye(3, dtype=lib.int64),
        lambda lib: lib.zeros_like(lib.ones(2, 3, dtype=lib.int64)),
        lambda lib: lib.ones_like(lib.ones(2), dtype=lib.float64),
        lambda lib: lib.full_like(lib.ones(2, 2), 3.5),
        lambda lib: lib.empty_like(lib.ones(3, dtype=lib.float64)).dtype,
        lambda lib: lib.rand(2, 3).shape,
        lambda lib: lib.randn([4]).dtype,
        lambda lib: lib.rand(2, dtype=lib.float64).dtype,
        lambda lib: lib.randint(5, (3,)).dtype,
        lambda lib: lib.randint(2, 5, [3, 2]).shape,
        lambda lib: lib.randperm(4).dtype,
        lambda lib: lib.rand_like(lib.ones(2, 2)).shape,
        lambda lib: lib.randn_like(lib.ones(2, dtype=lib.float64)).dtype,
        lambda lib: lib.randint_like(lib.ones(3), 4).dtype,
    ],
)
def test_creation_matches_torch(make) -> None:
    check_same(make)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_forms_and_requires_grad(fn: str) -> None:
    make = getattr(numtorch, fn)
    for t in (make(2, 3), make([2, 3]), make((2, 3))):
        assert t.shape == (2, 3) and t.dtype is numtorch.float32
    t = make(2, dtype=numtorch.float64, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.dtype is numtorch.float64


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2, -1),
        lambda lib: lib.ones((2, -3)),
        lambda lib: lib.empty(-1),
        lambda lib: lib.rand(-2),
        lambda lib: lib.randn(3, -1),
        lambda lib: lib.full((-1,), 1.0),
        lambda lib: lib.randint(5, (-1,)),
    ],
)
def test_negative_size_is_runtime_error(make) -> None:
    check_error(make, "negative")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2.5),
        lambda lib: lib.ones([2, 1.5]),
        lambda lib: lib.randn(1.0),
        lambda lib: lib.rand("a"),
        lambda lib: lib.randint(5, (2.5,)),
        lambda lib: lib.full(2, 1.0),
    ],
)
def test_float_size_is_type_error(make) -> None:
    check_error(make, "tuple of ints")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.arange(0, 10, -1), "upper bound and lower bound inconsistent"),
        (lambda lib: lib.arange(0, 1, 0), "step must be nonzero"),
        (lambda lib: lib.linspace(0, 1, -1), "number of steps must be non-negative"),
        (lambda lib: lib.eye(-1), "n must be greater or equal to 0, got -1"),
        (lambda lib: lib.randint(5, 2, (3,)), "random_ expects 'from' to be less than 'to'"),
        (lambda lib: lib.rand(2, dtype=lib.int64), "not implemented for 'Long'"),
        (lambda lib: lib.randn(2, dtype=lib.int64), "not implemented for 'Long'"),
        (lambda lib: lib.from_numpy([1, 2]), r"expected np.ndarray \(got list\)"),
        (lambda lib: lib.from_numpy(np.array(["a"])), "can't convert np.ndarray of type"),
        (
            lambda lib: lib.tensor([[1, 2], [3]]),
            r"expected sequence of length 2 at dim 1 \(got 1\)",
        ),
        (lambda lib: lib.tensor([[1], 2]), "."),
        (lambda lib: lib.tensor(object()), "Could not infer dtype of object"),
        (lambda lib: lib.zeros(), "zeros\\(\\) missing 1 required positional arguments"),
        (lambda lib: lib.empty(), "empty\\(\\)"),
        (lambda lib: lib.randn(), "randn\\(\\)"),
    ],
)
def test_bad_arguments(make, match: str) -> None:
    check_error(make, match)


def test_only_cpu_device() -> None:
    assert numtorch.zeros(2, device="cpu").device == numtorch.device("cpu")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        numtorch.zeros(2, device="cuda")


def test_tensor_copies_but_from_numpy_and_as_tensor_share() -> None:
    arr = np.zeros(3, dtype=np.float32)
    copied, shared, as_t = numtorch.tensor(arr), numtorch.from_numpy(arr), numtorch.as_tensor(arr)
    arr[0] = 4.0
    assert copied.tolist() == [0.0, 0.0, 0.0]
    assert shared.tolist() == [4.0, 0.0, 0.0] and as_t.tolist() == [4.0, 0.0, 0.0]
    shared[1] = 2.0
    assert arr[1] == 2.0
    assert numtorch.from_numpy(np.arange(3)).dtype is numtorch.int64
    assert numtorch.from_numpy(np.ones(2)).dtype is numtorch.float64


def test_as_tensor_of_tensor_is_same_object() -> None:
    x = numtorch.ones(2)
    assert numtorch.as_tensor(x) is x
    assert numtorch.as_tensor(x, dtype=numtorch.float64).dtype is numtorch.float64


def test_tensor_of_tensor_copies_and_detaches() -> None:
    x = numtorch.ones(2, requires_grad=True)
    y = numtorch.tensor(x.detach())
    y[0] = 3.0
    assert x.tolist() == [1.0, 1.0] and not y.requires_grad


def test_random_ranges() -> None:
    u = numtorch.rand(10000)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0 and abs(u.mean().item() - 0.5) < 0.02
    z = numtorch.randn(10000)
    assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1.0) < 0.05
    r = numtorch.randint(3, 6, (1000,))
    assert set(r.tolist()) == {3, 4, 5}
    assert sorted(numtorch.randperm(10).tolist()) == list(range(10))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda lib: lib.zeros(2, requires_grad="x"), "requires_grad.* must be bool, not str"),
        (lambda lib: lib.tensor(["a"]), "too many dimensions 'str'"),
        (lambda lib: lib.tensor("a"), "invalid data type 'str'"),
        (
            lambda lib: lib.full((2,), "a"),
            "argument 'fill_value' \\(position 2\\) must be Number, not str",
        ),
        (lambda lib: lib.tensor({1, 2}), "."),
        (lambda lib: lib.tensor(None), "."),
        (lambda lib: lib.arange("a"), "."),
    ],
)
def test_wrong_argument_types(fn, match: str) -> None:
    check_error(fn, match)


@pytest.mark.parametrize("py_type", [float, int, bool])
def test_python_types_as_dtype(py_type) -> None:
    check_same(lambda lib: lib.zeros(2, dtype=py_type))
    check_same(lambda lib: lib.ones(2).to(py_type))


# ---------------------------------------------------------------- resource bounds
# An absurd request fails at once with PyTorch's RuntimeError naming the byte count, instead
# of letting NumPy swap the machine. 10**6 x 10**6 float32 is 4 TB: more than any CI box.

_ALLOC = r"you tried to allocate 4000000000000 bytes"
_HUGE = (10**6, 10**6)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.empty(*_HUGE),
        lambda lib: lib.zeros(*_HUGE),
        lambda lib: lib.ones(_HUGE),
        lambda lib: lib.full(_HUGE, 1.5),
        lambda lib: lib.rand(*_HUGE),
        lambda lib: lib.randn(*_HUGE),
        lambda lib: lib.randint(0, 3, _HUGE, dtype=lib.int32),
        lambda lib: lib.arange(10**12, dtype=lib.float32),
        lambda lib: lib.zeros(1, 1).expand(*_HUGE).contiguous(),
        lambda lib: lib.zeros(1, 1).expand(*_HUGE).clone(),
        lambda lib: lib.nn.Linear(*_HUGE),
    ],
    ids=[
        "empty",
        "zeros",
        "ones",
        "full",
        "rand",
        "randn",
        "randint",
        "arange",
        "expand_contiguous",
        "expand_clone",
        "Linear",
    ],
)
def test_absurd_allocation_fails_fast_naming_the_size(make) -> None:
    check_error(make, _ALLOC, RuntimeError)


@pytest.mark.parametrize(
    "make, nbytes",
    [
        (lambda: numtorch.linspace(0, 1, 10**13), 4 * 10**13),
        (lambda: numtorch.eye(10**7), 4 * 10**14),
        (lambda: numtorch.randperm(10**13), 8 * 10**13),
        (lambda: numtorch.randint(5, (10**6, 10**6)), 8 * 10**12),
    ],
)
def test_absurd_allocation_other_creators(make, nbytes: int) -> None:
    with pytest.raises(RuntimeError, match=f"allocate {nbytes} bytes"):
        make()


def test_size_overflow_is_pytorchs_error() -> None:
    check_error(lambda lib: lib.ones(10**10, 10**10, 10**10), "Storage size calculation overflowed")


def test_large_but_possible_allocation_still_works() -> None:
    assert numtorch.zeros(2**24 + 1, dtype=numtorch.float32).shape == (2**24 + 1,)


@pytest.mark.parametrize(
    "fn, match",
    [
        (
            lambda lib: lib.ones(2, dtype="float32"),
            "ones\\(\\): argument 'dtype' must be torch.dtype",
        ),
        (lambda lib: lib.empty(2, dtype="float32"), "empty\\(\\): argument 'dtype' must be"),
        (lambda lib: lib.full((2,), 1.0, dtype="float32"), "full\\(\\): argument 'dtype' must"),
        (
            lambda lib: lib.arange(3, dtype="int64"),
            "arange\\(\\) received an invalid combination of arguments",
        ),
        (lambda lib: lib.ones_like([1, 2]), "ones_like\\(\\): argument 'input' \\(position 1\\)"),
        (lambda lib: lib.full_like((1,), 2), "full_like\\(\\): argument 'input' \\(position 1\\)"),
        (lambda lib: lib.rand_like([1.0]), "rand_like\\(\\): argument 'input' \\(position 1\\)"),
        (lambda lib: lib.randn_like(1.0), "randn_like\\(\\): argument 'input' \\(position 1\\)"),
        (lambda lib: lib.randint_like([1], 3), "randint_like\\(\\)"),
        (lambda lib: lib.empty_like([1, 2]), "empty_like\\(\\): argument 'input' \\(position 1\\)"),
        (
            lambda lib: lib.zeros_like(lib.ones(1), dtype="int64"),
            "zeros_like\\(\\): argument 'dtype'",
        ),
        (lambda lib: lib.eye(-2, 3), "n must be greater or equal to 0, got -2"),
        (lambda lib: lib.eye(2, -3), "m must be greater or equal to 0, got -3"),
        (lambda lib: lib.arange(3, dtype=lib.bool), "\"arange_cpu\" not implemented for 'Bool'"),
        (lambda lib: lib.randperm(-2), "Trying to create tensor with negative dimension -2"),
    ],
)
def test_factory_argument_errors_match_torch(fn, match):
    check_error(fn, match)
