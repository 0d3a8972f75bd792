"""dtype objects and PyTorch's type promotion (tensor, 0-d tensor and Python scalar rules)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from helpers import check_error, check_same

import numtorch

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _operands(lib) -> dict:
    ops = {}
    for name in NAMES:
        d = getattr(lib, name)
        ops[f"{name}[2]"] = lib.ones(2, dtype=d)
        ops[f"{name}[]"] = lib.ones((), dtype=d)
    ops.update({"True": True, "3": 3, "2.5": 2.5})
    return ops


@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "eq", "where"])
def test_promotion_matrix(op: str) -> None:
    """Every pair of operands gives torch's result dtype (or torch's error type)."""
    calls = {
        "add": lambda lib, a, b: a + b,
        "mul": lambda lib, a, b: b * a,
        "div": lambda lib, a, b: a / b,
        "maximum": lambda lib, a, b: lib.maximum(a, b),
        "eq": lambda lib, a, b: a == b,
        "where": lambda lib, a, b: lib.where(lib.ones(2, dtype=lib.bool), a, b),
    }
    call = calls[op]
    t_ops, n_ops = _operands(torch), _operands(numtorch)
    mismatches = []
    for ka in t_ops:
        for kb in t_ops:
            if op == "maximum" and not isinstance(t_ops[kb], torch.Tensor):
                continue
            if not isinstance(t_ops[ka], torch.Tensor):
                continue
            try:
                expected = str(call(torch, t_ops[ka], t_ops[kb]).dtype)
            except Exception as err:  # noqa: BLE001 - compare the error type instead
                expected = type(err).__name__
            try:
                got = str(call(numtorch, n_ops[ka], n_ops[kb]).dtype)
            except Exception as err:  # noqa: BLE001
                got = type(err).__name__
            if got != expected:
                mismatches.append(f"{ka} {op} {kb}: {got} != torch's {expected}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1, 2]) + 2.5,
        lambda lib: 2.5 * lib.tensor([1, 2]),
        lambda lib: lib.tensor([1.0]) + lib.tensor([1.0], dtype=lib.float64),
        lambda lib: lib.tensor([1, 2]) + lib.tensor([True, False]),
        lambda lib: lib.tensor([True]) + True,
        lambda lib: lib.tensor([1.0]) + lib.tensor(2.0, dtype=lib.float64),
        lambda lib: lib.tensor([1]) + lib.tensor(2.0, dtype=lib.float64),
        lambda lib: lib.tensor([1], dtype=lib.int32) + lib.tensor(2),
        lambda lib: lib.tensor(1, dtype=lib.int32) + lib.tensor(2),
        lambda lib: lib.tensor([7, 8]) / lib.tensor([2, 4]),
        lambda lib: lib.tensor([7, 8]) / 2,
        lambda lib: 3 / lib.tensor([2]),
        lambda lib: lib.tensor([7, -8]) // 3,
        lambda lib: lib.tensor([7.5, -8.0]) // 2,
        lambda lib: lib.tensor([7, -8]) % 3,
        lambda lib: lib.tensor([1, 2]) ** 2,
        lambda lib: lib.tensor([1, 2]) ** 0.5,
        lambda lib: 2 ** lib.tensor([1, 2]),
        lambda lib: lib.tensor([1, 2], dtype=lib.uint8) + lib.tensor([1], dtype=lib.int8),
        lambda lib: lib.tensor([1.0], dtype=lib.float16) + lib.tensor([1]),
        lambda lib: lib.tensor([3, 4]).sum(),
        lambda lib: lib.tensor([True, True]).sum(),
        lambda lib: lib.tensor([1, 2]).exp(),
        lambda lib: lib.tensor([1, 4]).sqrt(),
        lambda lib: lib.tensor([-1, 2]).abs(),
        lambda lib: lib.tensor([-1, 2]).relu(),
        lambda lib: lib.tensor([1, 2]).clamp(min=1.5),
        lambda lib: lib.tensor([1, 2]).clamp(max=1),
    ],
)
def test_promotion_values(make) -> None:
    check_same(make)


def test_result_and_promote_types() -> None:
    pairs = [("uint8", "int8"), ("bool", "float16"), ("float16", "int64"), ("int32", "int64")]
    for a, b in pairs:
        expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
        got = numtorch.promote_types(getattr(numtorch, a), getattr(numtorch, b))
        assert repr(got) == repr(expected)
    assert repr(numtorch.result_type(numtorch.tensor([1]), 2.5)) == "torch.float32"


def test_dtype_attributes() -> None:
    for name in NAMES:
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert repr(n) == repr(t)
        assert n.is_floating_point == t.is_floating_point and n.is_signed == t.is_signed
        assert n.itemsize == t.itemsize
        assert pickle.loads(pickle.dumps(n)) is n
    aliases = ["float", "double", "half", "long", "int"]
    for alias in aliases:
        assert repr(getattr(numtorch, alias)) == repr(getattr(torch, alias))


def test_default_dtype() -> None:
    assert numtorch.get_default_dtype() is numtorch.float32
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.tensor([1.5]).dtype is numtorch.float64
        assert numtorch.zeros(2).dtype is numtorch.float64
        assert (numtorch.tensor([1]) * 0.5).dtype is numtorch.float64
    finally:
        numtorch.set_default_dtype(numtorch.float32)
    check_error(lambda lib: lib.set_default_dtype(lib.int64), "only floating-point types")


def test_bad_dtype_argument() -> None:
    check_error(lambda lib: lib.zeros(2, dtype=5), "dtype")


# ---------------------------------------------------------------- more dtypes and constants
_LIMITED = ["uint16", "uint32", "uint64"]
_NO_NUMPY = ["bfloat16", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz"]
_NO_NUMPY += ["float8_e8m0fnu"]


@pytest.mark.parametrize("name", [*_LIMITED, *_NO_NUMPY, "short"])
def test_more_dtype_objects(name: str) -> None:
    n, t = getattr(numtorch, name), getattr(torch, name)
    assert repr(n) == repr(t) and str(n) == str(t)
    assert n.is_floating_point == t.is_floating_point and n.is_signed == t.is_signed
    assert n.itemsize == t.itemsize
    assert pickle.loads(pickle.dumps(n)) is n
    assert name in numtorch.__all__
    assert n == n and n != numtorch.float32


@pytest.mark.parametrize("name", _LIMITED)
def test_limited_unsigned_dtypes_are_creatable(name: str) -> None:
    check_same(lambda lib: lib.tensor([1, 2, 65535], dtype=getattr(lib, name)))
    check_same(lambda lib: lib.zeros(2, 3, dtype=getattr(lib, name)))
    check_same(lambda lib: lib.tensor([1.5, 2.0]).to(getattr(lib, name)))
    check_same(lambda lib: lib.tensor([1, 7], dtype=getattr(lib, name)).float())
    check_same(lambda lib: lib.ones(2, dtype=getattr(lib, name)).type())
    check_same(lambda lib: lib.from_numpy(np.arange(3).astype(name)))


@pytest.mark.parametrize("a", _LIMITED)
@pytest.mark.parametrize("b", ["bool", "uint8", "int8", "int64", "float16", "float32", *_LIMITED])
def test_limited_unsigned_promotion(a: str, b: str) -> None:
    call = lambda lib: lib.promote_types(getattr(lib, a), getattr(lib, b))  # noqa: E731
    try:
        expected = call(torch)
    except RuntimeError:
        check_error(call, "Promotion for uint16, uint32, uint64 types is not supported")
        return
    assert repr(call(numtorch)) == repr(expected)


def test_bfloat16_exists_but_makes_no_tensor() -> None:
    x = numtorch.ones(2)
    assert x.dtype != numtorch.bfloat16 and not isinstance(x, numtorch.BFloat16Tensor)
    for make in (
        lambda: numtorch.zeros(2, dtype=numtorch.bfloat16),
        lambda: numtorch.tensor([1.0], dtype=numtorch.bfloat16),
        lambda: x.to(numtorch.bfloat16),
        lambda: x.to(dtype=numtorch.bfloat16),
        lambda: x.bfloat16(),
        lambda: numtorch.BFloat16Tensor([1.0]),
        lambda: numtorch.BFloat16Tensor(2, 3),
    ):
        with pytest.raises(TypeError, match="numtorch does not support torch.bfloat16: NumPy has"):
            make()
    assert repr(numtorch.BFloat16Tensor) == repr(torch.BFloat16Tensor)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", *_NO_NUMPY, None])
def test_finfo(name: str | None) -> None:
    def info(lib):
        return lib.finfo() if name is None else lib.finfo(getattr(lib, name))

    n, t = info(numtorch), info(torch)
    assert repr(n) == repr(t)
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(n, field) == getattr(t, field), field
        assert type(getattr(n, field)) is type(getattr(t, field)), field


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64", *_LIMITED])
def test_iinfo(name: str) -> None:
    n, t = numtorch.iinfo(getattr(numtorch, name)), torch.iinfo(getattr(torch, name))
    assert repr(n) == repr(t)
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(n, field) == getattr(t, field), field
        assert type(getattr(n, field)) is type(getattr(t, field)), field


@pytest.mark.parametrize("name", _NO_NUMPY)
def test_dtypes_without_a_numpy_type_make_no_tensor(name: str) -> None:
    d = getattr(numtorch, name)
    for make in (lambda: numtorch.zeros(2, dtype=d), lambda: numtorch.ones(2).to(d)):
        with pytest.raises(TypeError, match=f"numtorch does not support torch.{name}: NumPy"):
            make()


@pytest.mark.parametrize("a", _NO_NUMPY)
@pytest.mark.parametrize("b", [*NAMES, *_LIMITED, *_NO_NUMPY])
def test_promotion_of_dtypes_without_a_numpy_type(a: str, b: str) -> None:
    for x, y in ((a, b), (b, a)):
        call = lambda lib, x=x, y=y: lib.promote_types(getattr(lib, x), getattr(lib, y))  # noqa: E731
        try:
            expected = call(torch)
        except RuntimeError as err:
            if "INTERNAL ASSERT" in str(err):
                continue  # PyTorch's own bug (bfloat16 with float8_e5m2): nothing to match
            check_error(call, "Promotion for Float8 Types is not supported, attempted to promote")
            continue
        assert repr(call(numtorch)) == repr(expected), (x, y)


def test_sparse_layouts_are_named_but_never_a_tensors() -> None:
    for name in ("sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"):
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert repr(n) == repr(t) and isinstance(n, numtorch.layout)
        assert numtorch.ones(2).layout != n and name in numtorch.__all__


def test_finfo_and_iinfo_errors() -> None:
    check_error(lambda lib: lib.finfo(lib.int32), r"torch.finfo\(\) requires a floating point")
    check_error(lambda lib: lib.iinfo(lib.float32), r"torch.iinfo\(\) requires an integer")
    check_error(lambda lib: lib.iinfo(lib.bool), "torch.bool is not supported by torch.iinfo")
    check_error(lambda lib: lib.iinfo(lib.bfloat16), r"torch.iinfo\(\) requires an integer")


def test_finfo_follows_the_default_dtype() -> None:
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.finfo().dtype == "float64"
    finally:
        numtorch.set_default_dtype(numtorch.float32)


@pytest.mark.parametrize("a", NAMES + _LIMITED)
def test_can_cast(a: str) -> None:
    for b in NAMES + _LIMITED:
        expected = torch.can_cast(getattr(torch, a), getattr(torch, b))
        assert numtorch.can_cast(getattr(numtorch, a), getattr(numtorch, b)) is expected, (a, b)


def test_can_cast_refuses_a_non_dtype() -> None:
    check_error(
        lambda lib: lib.can_cast(1, lib.int8),
        r"can_cast\(\): argument 'from_' \(position 1\) must be torch.dtype, not int",
    )
    check_error(
        lambda lib: lib.can_cast(lib.int8, "x"),
        r"can_cast\(\): argument 'to' \(position 2\) must be torch.dtype, not str",
    )


def test_constants() -> None:
    for name in ("e", "pi", "inf", "nan", "newaxis"):
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert type(n) is type(t) and repr(n) == repr(t), name
        assert name in numtorch.__all__
    check_same(lambda lib: lib.ones(2, 3)[lib.newaxis, :, None].shape)


def test_layout_and_memory_format_objects() -> None:
    names = ["strided", "contiguous_format", "preserve_format", "channels_last"]
    for name in [*names, "channels_last_3d", "legacy_contiguous_format"]:
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert repr(n) == repr(t), name
        assert pickle.loads(pickle.dumps(n)) is n
        assert name in numtorch.__all__
    assert numtorch.legacy_contiguous_format is numtorch.contiguous_format
    assert isinstance(numtorch.strided, numtorch.layout)
    assert isinstance(numtorch.channels_last, numtorch.memory_format)
    assert numtorch.ones(2).layout is numtorch.strided
    assert repr(numtorch.ones(2).layout) == repr(torch.ones(2).layout)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.ones(2, 3).to(memory_format=lib.contiguous_format),
        lambda lib: lib.ones(2, 3).to(lib.float64, memory_format=lib.preserve_format),
        lambda lib: lib.ones(1, 2, 3, 4).to(memory_format=lib.channels_last),
        lambda lib: lib.ones(1, 2, 3, 4, 5).to(memory_format=lib.channels_last_3d),
        lambda lib: lib.ones(1, 2, 3, 4).clone(memory_format=lib.channels_last),
        lambda lib: lib.clone(lib.ones(2), memory_format=lib.preserve_format),
    ],
)
def test_memory_format_arguments_are_accepted(call) -> None:
    check_same(call)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda lib: lib.ones(2).to(memory_format=lib.channels_last),
            "required rank 4 tensor to use channels_last format",
        ),
        (
            lambda lib: lib.ones(2).to(lib.float64, memory_format=lib.channels_last_3d),
            "required rank 5 tensor to use channels_last_3d format",
        ),
        (
            lambda lib: lib.ones(2, 2).clone(memory_format=lib.channels_last),
            "required rank 4 tensor to use channels_last format",
        ),
    ],
)
def test_memory_format_rank_errors(call, match: str) -> None:
    check_error(call, match)


def test_module_to_accepts_a_memory_format() -> None:
    net = numtorch.nn.Linear(2, 3)
    assert net.to(memory_format=numtorch.channels_last) is net


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.typename(lib.ones(2)),
        lambda lib: lib.typename(lib.ones(2, dtype=lib.int64)),
        lambda lib: lib.typename(lib.ones(2, dtype=lib.uint16)),
        lambda lib: lib.typename(1),
        lambda lib: lib.typename(int),
        lambda lib: lib.typename(np.float32),
    ],
)
def test_typename(make) -> None:
    check_same(make)


def test_typename_of_a_module_class_names_its_module() -> None:
    assert numtorch.typename(numtorch.nn.Linear) == "numtorch.nn.modules.linear.Linear"
    assert torch.typename(torch.nn.Linear) == "torch.nn.modules.linear.Linear"


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor(1.5),
        lambda lib: lib.tensor([1, 2]) * 0.5,
        lambda lib: lib.tensor([1, 2]) / 2,
        lambda lib: lib.tensor([1.0], dtype=lib.float32) + 2.5,
        lambda lib: lib.ones(2) + lib.ones(2, dtype=lib.float32),
        lambda lib: lib.zeros(2, 2),
        lambda lib: lib.full((2,), 1.5),
        lambda lib: lib.arange(0, 1, 0.25),
        lambda lib: lib.linspace(0, 1, 3),
        lambda lib: lib.tensor([1, 2]).exp(),
        lambda lib: lib.tensor([1, 2]).mean(dtype=lib.get_default_dtype()),
        lambda lib: lib.Tensor([1, 2]),
        lambda lib: lib.randn(2).dtype,
        lambda lib: lib.result_type(lib.tensor([1]), 1.0),
    ],
)
def test_default_dtype_float64_drives_creation_and_promotion(make) -> None:
    numtorch.set_default_dtype(numtorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        check_same(make)
    finally:
        numtorch.set_default_dtype(numtorch.float32)
        torch.set_default_dtype(torch.float32)


def test_dtype_is_complex_and_to_real() -> None:
    for name in [*NAMES, *_LIMITED, *_NO_NUMPY]:
        n, t = getattr(numtorch, name), getattr(torch, name)
        assert n.is_complex is t.is_complex is False
        assert repr(n.to_real()) == repr(t.to_real())


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1.5]),
        lambda lib: lib.tensor([1, 2]) * 0.5,
        lambda lib: lib.zeros(2),
        lambda lib: lib.arange(0, 1, 0.25),
    ],
)
def test_default_dtype_float16(make) -> None:
    numtorch.set_default_dtype(numtorch.float16)
    torch.set_default_dtype(torch.float16)
    try:
        check_same(make)
    finally:
        numtorch.set_default_dtype(numtorch.float32)
        torch.set_default_dtype(torch.float32)


def test_set_default_dtype_errors() -> None:
    check_error(
        lambda lib: lib.set_default_dtype(float),
        "invalid dtype object: only floating-point types are supported as the default type",
    )
    check_error(lambda lib: lib.set_default_dtype(lib.uint16), "only floating-point types")
    with pytest.raises(TypeError, match="NumPy has no bfloat16 type"):
        numtorch.set_default_dtype(numtorch.bfloat16)
    assert numtorch.get_default_dtype() is numtorch.float32


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("DoubleTensor", "float64"), ("HalfTensor", "float16"), ("FloatTensor", "float32")],
)
def test_set_default_tensor_type(kind: str, expected: str) -> None:
    try:
        for lib in (torch, numtorch):
            lib.set_warn_always(True)  # else the deprecation warning comes once per process
            for t in (getattr(lib, kind), f"torch.{kind}"):
                with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
                    lib.set_default_tensor_type(t)
                assert repr(lib.get_default_dtype()) == f"torch.{expected}"
                assert repr(lib.tensor([1.5]).dtype) == f"torch.{expected}"
    finally:
        for lib in (torch, numtorch):
            lib.set_warn_always(False)
            lib.set_default_dtype(lib.float32)


@pytest.mark.parametrize(
    ("arg", "match"),
    [
        ("torch.LongTensor", "^only floating-point types are supported as the default type"),
        ("torch.nn.Linear", "invalid type object: only floating-point types"),
        ("torch.cuda.FloatTensor", "type torch.cuda.FloatTensor not available. Torch not"),
        ("foo", "No module named 'foo'"),
    ],
)
def test_set_default_tensor_type_errors(arg: str, match: str) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda lib: lib.set_default_tensor_type(arg), match)
        check_error(lambda lib: lib.set_default_tensor_type(lib.IntTensor), "^only floating")
    assert numtorch.get_default_dtype() is numtorch.float32


def test_set_flush_denormal_reports_it_is_not_supported() -> None:
    assert numtorch.set_flush_denormal(True) is False
    assert numtorch.set_flush_denormal(False) is False
    assert "set_flush_denormal" in numtorch.__all__ and hasattr(torch, "set_flush_denormal")
