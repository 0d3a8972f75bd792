"""Global settings (threads, determinism, matmul precision, ``compile``) and inference mode,
compared with PyTorch."""

from __future__ import annotations

import warnings

import pytest
import torch

import numtorch
from numtorch._kernels import parallel


@pytest.fixture
def restore_threads():
    n, t = numtorch.get_num_threads(), torch.get_num_threads()
    yield
    numtorch.set_num_threads(n)
    torch.set_num_threads(t)


def test_set_num_threads_drives_numtorchs_pool(restore_threads) -> None:
    numtorch.set_num_threads(3)
    assert numtorch.get_num_threads() == parallel.num_threads() == 3
    x = numtorch.randn(8, 3, 16, 16, requires_grad=True)
    conv = numtorch.nn.Conv2d(3, 4, 3)
    numtorch.set_num_threads(1)
    one = conv(x)
    numtorch.set_num_threads(2)
    two = conv(x)  # the pool is rebuilt at the new size; results are bit-identical
    assert parallel.num_threads() == 2
    assert numtorch.equal(one, two)


@pytest.mark.parametrize("value", [0, -1, "a", 2.0, True])
def test_set_num_threads_refuses_what_pytorch_refuses(value: object, restore_threads) -> None:
    with pytest.raises(Exception) as t_info:
        torch.set_num_threads(value)
    with pytest.raises(t_info.type) as n_info:
        numtorch.set_num_threads(value)
    assert str(n_info.value) == str(t_info.value)


def test_deterministic_algorithms() -> None:
    assert (
        numtorch.are_deterministic_algorithms_enabled()
        == torch.are_deterministic_algorithms_enabled()
        is False
    )
    try:
        numtorch.use_deterministic_algorithms(True, warn_only=True)
        assert numtorch.are_deterministic_algorithms_enabled()
        assert numtorch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        numtorch.use_deterministic_algorithms(False)
    assert not numtorch.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError, match="must be bool, not int"):
        torch.use_deterministic_algorithms(1)
    with pytest.raises(TypeError, match="must be bool, not int"):
        numtorch.use_deterministic_algorithms(1)


def test_float32_matmul_precision() -> None:
    assert numtorch.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    try:
        for p in ("high", "medium", "highest"):
            numtorch.set_float32_matmul_precision(p)
            assert numtorch.get_float32_matmul_precision() == p
        with pytest.warns(UserWarning, match="foo is not one of 'highest', 'high', or 'medium'"):
            torch.set_float32_matmul_precision("foo")
        with pytest.warns(UserWarning, match="foo is not one of 'highest', 'high', or 'medium'"):
            numtorch.set_float32_matmul_precision("foo")
        assert numtorch.get_float32_matmul_precision() == "highest"
    finally:
        numtorch.set_float32_matmul_precision("highest")


def test_compile_returns_the_model_or_function_unchanged() -> None:
    net = numtorch.nn.Linear(2, 2)
    assert numtorch.compile(net) is net
    assert numtorch.compile(net, mode="max-autotune", fullgraph=True) is net

    def f(x):
        return x * 2

    assert numtorch.compile(f) is f
    assert numtorch.compile(mode="reduce-overhead")(f) is f


def _modes(lib: object) -> tuple:
    return lib.is_inference_mode_enabled(), lib.is_grad_enabled()


@pytest.mark.parametrize("outer", ["none", "no_grad", "inference"])
@pytest.mark.parametrize("mode", [True, False])
def test_inference_mode_as_context_manager(outer: str, mode: bool) -> None:
    seen = {}
    for lib in (torch, numtorch):
        ctx = {
            "none": lambda lib=lib: lib.enable_grad(),
            "no_grad": lambda lib=lib: lib.no_grad(),
            "inference": lambda lib=lib: lib.inference_mode(),
        }[outer]
        with ctx():
            before = _modes(lib)
            with lib.inference_mode(mode=mode):
                x = lib.ones(2, requires_grad=True)
                inside = _modes(lib), (x * 2).requires_grad
            seen[lib.__name__] = before, inside, _modes(lib)
        seen[lib.__name__] += (_modes(lib),)
    assert seen["numtorch"] == seen["torch"]


def test_inference_mode_as_decorator() -> None:
    for lib_pair in ((torch, numtorch),):
        results = []
        for lib in lib_pair:

            @lib.inference_mode()
            def f(lib=lib):
                return _modes(lib)

            @lib.inference_mode
            def g(lib=lib):
                return _modes(lib)

            @lib.inference_mode(False)
            def h(lib=lib):
                return _modes(lib)

            results.append((f(), g(), h(), _modes(lib), f.__name__, g.__name__))
        assert results[0] == results[1]


def test_inference_mode_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with numtorch.inference_mode():
            numtorch.ones(2) * 2


@pytest.mark.parametrize(
    "name",
    [
        "inference_mode",
        "is_inference_mode_enabled",
        "set_num_threads",
        "get_num_threads",
        "use_deterministic_algorithms",
        "are_deterministic_algorithms_enabled",
        "set_float32_matmul_precision",
        "get_float32_matmul_precision",
        "compile",
        "cuda",
        "backends",
        "accelerator",
        "onnx",
        "FloatTensor",
        "LongTensor",
    ],
)
def test_exported_and_in_pytorch(name: str) -> None:
    assert name in numtorch.__all__ and hasattr(torch, name) and hasattr(numtorch, name)


# ---------------------------------------------------------------- more settings
def test_default_device_is_the_cpu() -> None:
    assert repr(numtorch.get_default_device()) == repr(torch.get_default_device())
    for lib in (torch, numtorch):
        lib.set_default_device("cpu")
        assert repr(lib.get_default_device()) == "device(type='cpu')"
        lib.set_default_device(lib.device("cpu"))
        lib.set_default_device(None)
    assert numtorch.ones(2).device == numtorch.device("cpu")


def test_set_default_device_refuses_other_devices() -> None:
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        numtorch.set_default_device("cuda")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        numtorch.set_default_device(numtorch.device("cuda", 1))
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        torch.set_default_device("foo")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        numtorch.set_default_device("foo")
    assert repr(numtorch.get_default_device()) == "device(type='cpu')"


@pytest.mark.parametrize("mode", ["default", "warn", "error", 0, 1, 2])
def test_deterministic_debug_mode(mode: object) -> None:
    seen = []
    for lib in (torch, numtorch):
        try:
            lib.set_deterministic_debug_mode(mode)
            seen.append(
                (
                    lib.get_deterministic_debug_mode(),
                    lib.are_deterministic_algorithms_enabled(),
                    lib.is_deterministic_algorithms_warn_only_enabled(),
                )
            )
        finally:
            lib.set_deterministic_debug_mode(0)
    assert seen[0] == seen[1]
    assert numtorch.get_deterministic_debug_mode() == 0


@pytest.mark.parametrize(
    ("mode", "match"),
    [
        ("foo", "invalid value of debug_mode, expected one of `default`, `warn`, `error`, but"),
        (3, "invalid value of debug_mode, expected 0, 1, or 2, but got 3"),
        (1.0, "debug_mode must be str or int, but got <class 'float'>"),
    ],
)
def test_deterministic_debug_mode_errors(mode: object, match: str) -> None:
    with pytest.raises(Exception) as t_info:
        torch.set_deterministic_debug_mode(mode)
    with pytest.raises(t_info.type, match=match):
        numtorch.set_deterministic_debug_mode(mode)
    assert match.split(",")[0] in str(t_info.value)


def test_use_deterministic_algorithms_sets_the_debug_mode() -> None:
    try:
        for lib in (torch, numtorch):
            lib.use_deterministic_algorithms(True, warn_only=True)
        assert numtorch.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode() == 1
    finally:
        for lib in (torch, numtorch):
            lib.use_deterministic_algorithms(False)


def test_warn_always() -> None:
    assert numtorch.is_warn_always_enabled() == torch.is_warn_always_enabled() is False
    try:
        for lib in (torch, numtorch):
            lib.set_warn_always(True)
        assert numtorch.is_warn_always_enabled() and torch.is_warn_always_enabled()
    finally:
        for lib in (torch, numtorch):
            lib.set_warn_always(False)
    with pytest.raises(RuntimeError, match="setWarnOnlyOnce expects a bool, but got int"):
        torch.set_warn_always(1)
    with pytest.raises(RuntimeError, match="setWarnOnlyOnce expects a bool, but got int"):
        numtorch.set_warn_always(1)


def test_interop_threads() -> None:
    assert isinstance(numtorch.get_num_interop_threads(), int)
    before = numtorch.get_num_interop_threads()
    assert before >= 1
    numtorch.set_num_interop_threads(3)
    assert numtorch.get_num_interop_threads() == 3
    numtorch.set_num_interop_threads(before)
    numtorch.init_num_threads()
    torch.init_num_threads()
    for value in ("a", 2.0, True):
        with pytest.raises(RuntimeError) as t_info:
            torch.set_num_interop_threads(value)
        with pytest.raises(RuntimeError) as n_info:
            numtorch.set_num_interop_threads(value)
        assert str(n_info.value) == str(t_info.value)
    for value in (0, -2):
        with pytest.raises(RuntimeError, match="set_num_interop_threads expects a positive"):
            torch.set_num_interop_threads(value)
        with pytest.raises(RuntimeError, match="set_num_interop_threads expects a positive"):
            numtorch.set_num_interop_threads(value)


_PRINTED = [
    lambda lib: lib.tensor([1.123456789, -2.5, 3e-5]),
    lambda lib: lib.arange(2000, dtype=lib.float32) / 7,
    lambda lib: lib.arange(30).reshape(5, 6),
    lambda lib: lib.tensor([1e10, 1.0]),
]


@pytest.mark.parametrize(
    "options",
    [
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "default"},
        {"precision": 2},
        {"precision": 6, "sci_mode": True},
        {"sci_mode": False},
        {"profile": "short", "precision": 6},
        {"threshold": 5, "edgeitems": 1},
        {"linewidth": 30},
    ],
)
def test_set_printoptions_matches_pytorch(options: dict) -> None:
    try:
        for lib in (torch, numtorch):
            lib.set_printoptions(**options)
        for make in _PRINTED:
            assert repr(make(numtorch)) == repr(make(torch))
    finally:
        for lib in (torch, numtorch):
            lib.set_printoptions(profile="default")


@pytest.mark.parametrize(
    "name",
    [
        "get_default_device",
        "set_default_device",
        "set_deterministic_debug_mode",
        "get_deterministic_debug_mode",
        "set_warn_always",
        "is_warn_always_enabled",
        "get_num_interop_threads",
        "set_num_interop_threads",
        "init_num_threads",
        "set_printoptions",
    ],
)
def test_more_settings_exported(name: str) -> None:
    assert name in numtorch.__all__ and hasattr(torch, name) and hasattr(numtorch, name)
