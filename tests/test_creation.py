"""Tensor creation functions against PyTorch: values, dtypes, size forms and bad sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
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


# ---------------------------------------------------------------- more factories


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.logspace(0, 2, 3),
        lambda lib: lib.logspace(0, 2, 3, base=2),
        lambda lib: lib.logspace(-1, 1, 5, 3.0, dtype=lib.float64),
        lambda lib: lib.logspace(0, 3, 4, dtype=lib.int64),
        lambda lib: lib.logspace(0.5, 3, 4, dtype=lib.int64),
        lambda lib: lib.logspace(lib.tensor(1.0), lib.tensor(2.0), 3),
        lambda lib: lib.logspace(0, 1, 0),
        lambda lib: lib.linspace(0, 10, 4, dtype=lib.int64),
        lambda lib: lib.linspace(10, 0, 4, dtype=lib.int64),
        lambda lib: lib.linspace(0, 10, 7, dtype=lib.int32),
        lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(1.0), 3),
        lambda lib: lib.linspace(0, 1, 3, requires_grad=True),
        lambda lib: lib.arange(lib.tensor(3)),
        lambda lib: lib.arange(0, 3, 1.5, dtype=lib.int64),
        lambda lib: lib.arange(0, 2.5, dtype=lib.int64),
        lambda lib: lib.arange(-1.5, 2, 1, dtype=lib.int64),
        lambda lib: lib.arange(0, 1, 0.3, dtype=lib.float16),
        lambda lib: lib.arange(lib.tensor(0.5), 3),
        lambda lib: lib.scalar_tensor(3),
        lambda lib: lib.scalar_tensor(True),
        lambda lib: lib.scalar_tensor(2.5, dtype=lib.float64),
        lambda lib: lib.scalar_tensor(3, dtype=lib.int64),
        lambda lib: lib.scalar_tensor(np.float64(2.5)),
        lambda lib: lib.scalar_tensor(lib.tensor(1)),
        lambda lib: lib.scalar_tensor(2, requires_grad=True),
        lambda lib: lib.eye(2, 3, dtype=lib.bool),
        lambda lib: lib.full((2,), lib.tensor(1.5)),
        lambda lib: lib.full((2,), 3, dtype=lib.float64),
    ],
)
def test_more_creation_matches_torch(make) -> None:
    check_same(make)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.range(1, 4),
        lambda lib: lib.range(1, 4, 0.5),
        lambda lib: lib.range(1, 4, dtype=lib.int64),
        lambda lib: lib.range(5, 1, -2),
        lambda lib: lib.range(0, 2, out=lib.empty(3)),
        lambda lib: lib.range(0, 1, 0.25, dtype=lib.float64),
    ],
)
def test_range_is_end_inclusive_and_deprecated(make) -> None:
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        check_same(make)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.range(4, 1), "upper bound and lower bound inconsistent"),
        (lambda lib: lib.range(1, 4, 0), "step must be nonzero"),
        (lambda lib: lib.range(0, 2, dtype=lib.bool), "\"range_cpu\" not implemented for 'Bool'"),
    ],
)
def test_range_errors(make, match: str) -> None:
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        check_error(make, match)


_WINDOWS = ["hann_window", "hamming_window", "bartlett_window", "blackman_window", "kaiser_window"]


@pytest.mark.parametrize("name", _WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name: str, length: int, periodic: bool) -> None:
    check_same(lambda lib: getattr(lib, name)(length, periodic), atol=1e-6)
    check_same(lambda lib: getattr(lib, name)(length, periodic, dtype=lib.float64), atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.hann_window(6),
        lambda lib: lib.hamming_window(7, True, 0.5, 0.4),
        lambda lib: lib.hamming_window(7, False, alpha=0.6, beta=0.3),
        lambda lib: lib.kaiser_window(9, False, 8.0),
        lambda lib: lib.kaiser_window(9, True, beta=2.5),
        lambda lib: lib.blackman_window(3, requires_grad=True),
        lambda lib: lib.bartlett_window(4, dtype=lib.float64, device="cpu", layout=lib.strided),
    ],
)
def test_window_arguments_match_torch(make) -> None:
    check_same(make, atol=1e-6)


@pytest.mark.parametrize("name", _WINDOWS)
def test_window_errors_match_torch(name: str) -> None:
    check_error(
        lambda lib: getattr(lib, name)(-1),
        f"{name} requires non-negative window_length, got window_length=-1",
    )
    check_error(
        lambda lib: getattr(lib, name)(4, dtype=lib.int64),
        f"{name} expects floating point dtypes, got: TensorOptions\\(dtype=long int",
    )
    check_error(lambda lib: getattr(lib, name)(3.5), f"{name}\\(\\): argument 'window_length'")


# ---------------------------------------------------------------- asarray, frombuffer, dlpack


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.asarray([1, 2]),
        lambda lib: lib.asarray([[1.0, 2], [3, 4]], dtype=lib.float64),
        lambda lib: lib.asarray(np.arange(3)),
        lambda lib: lib.asarray(np.arange(3.0), dtype=lib.float32),
        lambda lib: lib.asarray(3.5),
        lambda lib: lib.asarray(1),
        lambda lib: lib.asarray(True),
        lambda lib: lib.asarray(np.float64(2.0)),
        lambda lib: lib.asarray([np.float32(1), 2]),
        lambda lib: lib.asarray(bytearray(b"abcd"), dtype=lib.int16),
        lambda lib: lib.asarray(memoryview(bytearray(b"abcd")), dtype=lib.int8),
        lambda lib: lib.asarray([1.0, 2], requires_grad=True),
        lambda lib: lib.asarray(lib.ones(2), dtype=lib.float64),
        lambda lib: lib.frombuffer(bytearray(b"abcd"), dtype=lib.int16),
        lambda lib: lib.frombuffer(bytearray(b"abcd"), dtype=lib.int8, count=2, offset=1),
        lambda lib: lib.frombuffer(bytearray(8), dtype=lib.float32, count=-1, offset=4),
        lambda lib: lib.frombuffer(np.arange(3), dtype=lib.int64),
        lambda lib: lib.frombuffer(memoryview(bytearray(4)), dtype=lib.uint8),
        lambda lib: lib.from_dlpack(np.arange(3)),
        lambda lib: lib.from_dlpack(np.arange(6.0).reshape(2, 3)[:, ::2]),
    ],
)
def test_asarray_frombuffer_dlpack_match_torch(make) -> None:
    check_same(make)


def test_asarray_shares_memory_unless_asked_to_copy() -> None:
    a = np.arange(3.0)
    shared, copied = numtorch.asarray(a), numtorch.asarray(a, copy=True)
    converted = numtorch.asarray(a, dtype=numtorch.float32)
    a[0] = 9.0
    assert shared.tolist()[0] == 9.0 and copied.tolist()[0] == 0.0
    assert converted.tolist()[0] == 0.0
    x = numtorch.ones(2)
    assert numtorch.asarray(x) is x and numtorch.asarray(x, device="cpu") is x
    assert numtorch.asarray(x, copy=True) is not x
    assert numtorch.asarray(x, dtype=numtorch.float64) is not x
    buf = bytearray(4)
    t = numtorch.asarray(buf, dtype=numtorch.uint8)
    buf[1] = 7
    assert t.tolist() == [0, 7, 0, 0]
    t[2] = 5
    assert buf[2] == 5


def test_asarray_requires_grad_of_a_tensor_like_torch() -> None:
    for lib in (torch, numtorch):
        a = lib.ones(2, requires_grad=True) * 1
        assert not lib.asarray(a, requires_grad=False).requires_grad
        assert lib.asarray(a, copy=True, requires_grad=False).grad_fn is None
        with pytest.warns(UserWarning, match="unspecified requires_grad now defaults"):
            assert lib.asarray(a).requires_grad
        b = lib.asarray(np.arange(3.0), requires_grad=True)
        assert b.requires_grad and b.is_leaf


def test_frombuffer_shares_memory_with_its_buffer() -> None:
    buf = bytearray(8)
    t = numtorch.frombuffer(buf, dtype=numtorch.int32)
    t[1] = 258
    assert buf[4:6] == b"\x02\x01"
    buf[0] = 3
    assert t.tolist() == [3, 258]
    with pytest.warns(UserWarning, match="The given buffer is not writable"):
        assert numtorch.frombuffer(b"ab", dtype=numtorch.int8).tolist() == [97, 98]


def test_dlpack_round_trips_share_memory() -> None:
    a = np.arange(4.0)
    t = numtorch.from_dlpack(a)
    a[0] = 5.0
    assert t.tolist()[0] == 5.0
    back = np.from_dlpack(t)
    back[1] = 6.0
    assert t.tolist()[1] == 6.0
    theirs = torch.from_dlpack(t)
    assert theirs.tolist() == t.tolist()
    mine = numtorch.from_dlpack(torch.arange(3))
    assert mine.tolist() == [0, 1, 2] and mine.dtype is numtorch.int64
    assert numtorch.ones(2).__dlpack_device__()[0] == torch.ones(2).__dlpack_device__()[0]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.asarray(lib.ones(2), copy=False, dtype=lib.float64), "can't alias tensor with dtype 'Float' into dtype 'Double'"),
        (lambda lib: lib.asarray(np.arange(3.0), dtype=lib.float32, copy=False), "can't alias tensor with dtype 'Double' into dtype 'Float'"),
        (lambda lib: lib.asarray([1, 2], copy=False), "can't alias arbitrary sequence into a tensor"),
        (lambda lib: lib.asarray([1, 2], requires_grad=True), "Only Tensors of floating point"),
        (lambda lib: lib.asarray("a"), "invalid data type 'str'"),
        (lambda lib: lib.asarray(bytearray(b"ab")), "buffer length \\(2 bytes\\) after offset \\(0 bytes\\) must be a multiple of element size \\(4\\)"),
        (lambda lib: lib.asarray([1], dtype="float32"), "asarray\\(\\): argument 'dtype' must be torch.dtype"),
        (lambda lib: lib.frombuffer(bytearray(b"abc"), dtype=lib.int16), "buffer length \\(3 bytes\\) after offset \\(0 bytes\\) must be a multiple of element size \\(2\\)"),
        (lambda lib: lib.frombuffer(bytearray(), dtype=lib.int16), "both buffer length \\(0\\) and count \\(-1\\) must not be 0"),
        (lambda lib: lib.frombuffer(bytearray(8), dtype=lib.float32, count=0), "both buffer length \\(8\\) and count \\(0\\) must not be 0"),
        (lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int8, offset=5), "offset \\(5 bytes\\) must be non-negative and no greater than buffer length \\(4 bytes\\) minus 1"),
        (lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int8, offset=-1), "offset \\(-1 bytes\\) must be non-negative"),
        (lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int8, count=5), "requested buffer length \\(5 \\* 1 bytes\\) after offset \\(0 bytes\\) must not be greater than actual buffer length \\(4 bytes\\)"),
        (lambda lib: lib.frombuffer([1, 2], dtype=lib.int8), "object does not implement Python buffer protocol"),
        (lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int8, requires_grad=True), "Only Tensors of floating point"),
        (lambda lib: lib.from_dlpack(1), "from_dlpack received an invalid capsule"),
        (lambda lib: lib.from_dlpack(lib.ones(2, requires_grad=True)), "Can't export tensors that require gradient, use tensor.detach\\(\\)"),
        (lambda lib: lib.scalar_tensor("a"), "scalar_tensor\\(\\): argument 's' \\(position 1\\) must be Number, not str"),
        (lambda lib: lib.scalar_tensor(lib.tensor([1.0, 2.0])), "argument 's' \\(position 1\\) must be Number, not Tensor"),
        (lambda lib: lib.scalar_tensor(1, dtype=lib.int64, requires_grad=True), "Only Tensors of floating point"),
    ],
)  # fmt: skip
def test_conversion_errors_match_torch(make, match: str) -> None:
    check_error(make, match)


# ---------------------------------------------------------------- strides


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.empty_strided((2, 3), (1, 2)),
        lambda lib: lib.empty_strided((2, 3), (3, 1)),
        lambda lib: lib.empty_strided((2, 3), (0, 0)),
        lambda lib: lib.empty_strided([], []),
        lambda lib: lib.empty_strided((4, 0), (1, 4), dtype=lib.int64),
        lambda lib: lib.empty_strided((2, 2), (1, 2), requires_grad=True),
        lambda lib: lib.ones(2, dtype=lib.float64).new_empty_strided((2, 3), (1, 2)),
        lambda lib: lib.ones(2).new_empty_strided((2, 2), (1, 2), dtype=lib.int64),
        lambda lib: lib.empty(2, 3, 4, 5, memory_format=lib.channels_last),
        lambda lib: lib.empty(2, 3, 4, 5, 6, memory_format=lib.channels_last_3d),
        lambda lib: lib.empty(2, 3, memory_format=lib.contiguous_format),
        lambda lib: lib.zeros_like(lib.ones(3, 2).t()),
        lambda lib: lib.ones_like(lib.ones(3, 2).t(), memory_format=lib.contiguous_format),
        lambda lib: lib.empty_like(lib.ones(3, 4)[:, ::2]),
        lambda lib: lib.full_like(lib.ones(2, 3, 4, 5), 2.0, memory_format=lib.channels_last),
        lambda lib: lib.rand_like(lib.ones(3, 2).t()),
        lambda lib: lib.randn_like(lib.ones(2, 3, 4, 5), memory_format=lib.channels_last),
        lambda lib: lib.randint_like(lib.ones(3, 2).t(), 5),
        lambda lib: lib.zeros_like(lib.empty(2, 3, 4, 5, memory_format=lib.channels_last)),
    ],
)
def test_strides_match_torch(make) -> None:
    n, t = make(numtorch), make(torch)
    assert (tuple(n.shape), n.stride(), str(n.dtype), n.requires_grad) == (
        tuple(t.shape),
        t.stride(),
        str(t.dtype),
        t.requires_grad,
    )
    assert n.is_contiguous() == t.is_contiguous()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.empty_strided((2, 3), (1, 2, 3)), "dimensionality of sizes \\(2\\) must match dimensionality of strides \\(3\\)"),
        (lambda lib: lib.empty_strided((2, 3), (1, -2)), "Storage size calculation overflowed with sizes=\\[2, 3\\] and strides=\\[1, -2\\]"),
        (lambda lib: lib.empty_strided((2, -3), (1, 2)), "Trying to create tensor with negative dimension -3: \\[2, -3\\]"),
        (lambda lib: lib.empty_strided((2,), 1), "empty_strided\\(\\): argument 'stride' \\(position 2\\) must be tuple of ints, not int"),
        (lambda lib: lib.empty(2, memory_format=lib.channels_last), "required rank 4 tensor to use channels_last format"),
        (lambda lib: lib.empty(2, 3, 4, 5, memory_format=lib.channels_last_3d), "required rank 5 tensor to use channels_last_3d format"),
        (lambda lib: lib.empty(2, memory_format=lib.preserve_format), "unsupported memory format Preserve"),
        (lambda lib: lib.zeros_like(lib.ones(2), memory_format=lib.channels_last), "required rank 4 tensor"),
        (lambda lib: lib.zeros_like(lib.ones(2), memory_format="x"), "zeros_like\\(\\): argument 'memory_format' must be torch.memory_format, not str"),
    ],
)  # fmt: skip
def test_stride_errors_match_torch(make, match: str) -> None:
    check_error(make, match)


# ---------------------------------------------------------------- factory keywords

_FACTORIES = {
    "zeros": lambda lib, **kw: lib.zeros(2, 3, **kw),
    "ones": lambda lib, **kw: lib.ones((2, 3), **kw),
    "empty": lambda lib, **kw: lib.empty(2, 3, **kw).fill_(0),
    "full": lambda lib, **kw: lib.full((2, 3), 4, **kw),
    "arange": lambda lib, **kw: lib.arange(0, 6, 2, **kw),
    "linspace": lambda lib, **kw: lib.linspace(0, 6, 4, **kw),
    "logspace": lambda lib, **kw: lib.logspace(0, 2, 3, **kw),
    "eye": lambda lib, **kw: lib.eye(2, 3, **kw),
    "randint": lambda lib, **kw: lib.randint(1, 2, (3,), **kw),
}


@pytest.mark.parametrize("name", list(_FACTORIES))
def test_factories_take_pytorchs_keywords(name: str) -> None:
    make = _FACTORIES[name]
    check_same(lambda lib: make(lib, layout=lib.strided, device="cpu", pin_memory=False))
    check_same(lambda lib: make(lib, device=lib.device("cpu"), dtype=lib.float64))


@pytest.mark.parametrize("name", list(_FACTORIES))
@pytest.mark.parametrize("out_dtype", ["float32", "int64", "float64"])
def test_factories_write_into_out_in_its_dtype(name: str, out_dtype: str) -> None:
    make = _FACTORIES[name]

    def run(lib):
        expected = make(lib, dtype=getattr(lib, out_dtype))
        out = lib.full(tuple(expected.shape), 7, dtype=getattr(lib, out_dtype))
        assert make(lib, out=out) is out
        return out

    check_same(run)


def _bad_keyword(name: str, keyword: str) -> str:
    """PyTorch's message for a keyword of the wrong type: overload resolution's for a factory
    with several signatures."""
    if name in ("arange", "linspace", "logspace", "eye", "randint", "randint_like"):
        return f"{name}\\(\\) received an invalid combination of arguments"
    return f"{name}\\(\\): argument '{keyword}' must be"


@pytest.mark.parametrize("name", list(_FACTORIES))
def test_factory_keyword_errors_match_torch(name: str) -> None:
    make = _FACTORIES[name]
    check_error(lambda lib: make(lib, layout="x"), _bad_keyword(name, "layout"))
    check_error(
        lambda lib: make(lib, pin_memory=True),
        "pin_memory=True requires a CUDA or other accelerator backend",
    )
    check_error(lambda lib: make(lib, device="cuda"), "Torch not compiled with CUDA enabled")
    check_error(
        lambda lib: make(lib, out=lib.empty(3, requires_grad=True)),
        "cannot resize variables that require grad"
        if name == "empty"
        else "functions with out=... arguments don't support automatic differentiation",
    )
    check_error(lambda lib: make(lib, out=[1]), _bad_keyword(name, "out"))
    check_error(lambda lib: make(lib, dtype=lib.float64, out=lib.empty(3)), "dtype Double does not match dtype of out parameter \\(Float\\)")  # fmt: skip


_LIKES = {
    "zeros_like": lambda lib, x, **kw: lib.zeros_like(x, **kw),
    "ones_like": lambda lib, x, **kw: lib.ones_like(x, **kw),
    # uninitialised memory may hold NaN or inf, which "* 0" would keep
    "empty_like": lambda lib, x, **kw: lib.empty_like(x, **kw).nan_to_num(0.0) * 0 + 1,
    "full_like": lambda lib, x, **kw: lib.full_like(x, 2.5, **kw),
    "randint_like": lambda lib, x, **kw: lib.randint_like(x, 1, 2, **kw),
}


@pytest.mark.parametrize("name", list(_LIKES))
def test_like_factories_take_pytorchs_keywords(name: str) -> None:
    make = _LIKES[name]
    check_same(
        lambda lib: make(
            lib,
            lib.ones(2, 3),
            layout=lib.strided,
            device="cpu",
            pin_memory=False,
            memory_format=lib.preserve_format,
        )
    )
    check_same(lambda lib: make(lib, lib.ones(2, 3), dtype=lib.float64, requires_grad=True))
    check_error(lambda lib: make(lib, lib.ones(2), layout=1), _bad_keyword(name, "layout"))
    check_error(lambda lib: make(lib, lib.ones(2), pin_memory=True), "pin_memory=True requires")
    check_error(lambda lib: make(lib, lib.ones(2), device="cuda"), "not compiled with CUDA")
    check_error(
        lambda lib: make(lib, lib.ones(2), dtype=lib.int64, requires_grad=True),
        "Only Tensors of floating point",
    )


# ---------------------------------------------------------------- Tensor.new_* and Tensor.new


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(2, dtype=lib.float64).new_zeros(3),
        lambda lib: lib.ones(2).new_zeros((2, 3), dtype=lib.int64),
        lambda lib: lib.ones(2).new_zeros(3, layout=lib.strided, device="cpu", pin_memory=False),
        lambda lib: lib.ones(2).new_zeros(3, requires_grad=True),
        lambda lib: lib.ones(2, dtype=lib.int64).new_ones(2, 2),
        lambda lib: lib.ones(2).new_ones([3], dtype=lib.bool, device="cpu", layout=lib.strided),
        lambda lib: lib.ones(2).new_full((2,), 3, layout=lib.strided, pin_memory=False),
        lambda lib: lib.ones(2, dtype=lib.int64).new_full((2, 2), 7),
        lambda lib: lib.ones(2).new_empty((2, 3), dtype=lib.float64).shape,
        lambda lib: lib.ones(2).new_empty(4, device="cpu", layout=lib.strided).dtype,
        lambda lib: lib.ones(2).new_tensor([1, 2]),
        lambda lib: lib.ones(2).new_tensor([1, 2], dtype=lib.int64, device="cpu"),
        lambda lib: lib.ones(2, 3).new(2, 3).shape,
        lambda lib: lib.ones(2, 3).new(lib.Size([2, 3])).shape,
        lambda lib: lib.ones(2, 3).new([[1, 2], [3, 4]]),
        lambda lib: lib.ones(2, 3).new((2, 3)),
        lambda lib: lib.ones(2, 3).new(np.array([1, 2])),
        lambda lib: lib.ones(2, 3).new([True, False]),
        lambda lib: lib.ones(2, 3).new(),
        lambda lib: lib.ones(2, dtype=lib.int64).new([1.5, 2]),
        lambda lib: lib.ones(2, dtype=lib.float64).new(3, device="cpu").shape,
    ],
)
def test_new_methods_match_torch(make) -> None:
    check_same(make)


def test_new_aliases_a_tensor_of_its_dtype() -> None:
    for lib in (torch, numtorch):
        y = lib.zeros(3)
        z = lib.ones(2).new(y)
        z[0] = 4.0
        assert y.tolist() == [4.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.ones(2).new(lib.ones(2, dtype=lib.int64)), "expected TensorOptions\\(dtype=float, device=cpu"),
        (lambda lib: lib.ones(2).new(2.5), "new\\(\\): data must be a sequence \\(got float\\)"),
        (lambda lib: lib.ones(2).new("a"), "."),
        (lambda lib: lib.ones(2).new(-1), "Trying to create tensor with negative dimension -1: \\[-1\\]"),
        (lambda lib: lib.ones(2).new_zeros(3, pin_memory=True), "pin_memory=True requires"),
        (lambda lib: lib.ones(2).new_ones(3, layout="x"), "new_ones\\(\\): argument 'layout' must be torch.layout"),
        (lambda lib: lib.ones(2).new_full((2,), 1.0, device="cuda"), "not compiled with CUDA"),
        (lambda lib: lib.ones(2).new_empty(2, dtype=lib.int64, requires_grad=True), "Only Tensors of floating point"),
        (lambda lib: lib.ones(2).new_empty_strided((2,), (1, 1)), "dimensionality of sizes \\(1\\) must match"),
    ],
)  # fmt: skip
def test_new_method_errors_match_torch(make, match: str) -> None:
    check_error(make, match)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.logspace(0, 2, -1), "number of steps must be non-negative"),
        (lambda lib: lib.linspace(0, 1, 3.5), "linspace\\(\\)"),
        (lambda lib: lib.linspace(lib.tensor([0.0, 1.0]), 1, 3), "linspace only supports 0-dimensional start and end tensors, but got start with 1 dimension\\(s\\)"),
        (lambda lib: lib.eye(2.5), "eye\\(\\)"),
        (lambda lib: lib.arange(0, 1, 0.5, dtype=lib.int64), "step must be nonzero"),
        (lambda lib: lib.linspace(0, 1, 3, dtype=lib.int64, requires_grad=True), "Only Tensors of floating point"),
    ],
)  # fmt: skip
def test_more_factory_errors_match_torch(make, match: str) -> None:
    check_error(make, match)


def test_to_dlpack_capsules_round_trip_sharing_memory() -> None:
    t = numtorch.arange(4.0)
    mine = numtorch.from_dlpack(numtorch.to_dlpack(t))
    mine[0] = 9.0
    assert t.tolist() == [9.0, 1.0, 2.0, 3.0]
    assert torch.from_dlpack(numtorch.to_dlpack(t)).tolist() == t.tolist()
    x = torch.arange(3.0)
    numtorch.from_dlpack(torch.to_dlpack(x))[1] = 7.0
    assert x.tolist() == [0.0, 7.0, 2.0]


def test_a_consumed_capsule_is_refused_like_torch() -> None:
    for lib in (torch, numtorch):
        capsule = lib.to_dlpack(lib.ones(2))
        lib.from_dlpack(capsule)
        with pytest.raises(RuntimeError, match="DLTensor capsules can be consumed only once"):
            lib.from_dlpack(capsule)
