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
