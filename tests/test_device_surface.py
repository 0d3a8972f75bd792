"""The CPU build's device surface (``torch.cuda``, ``torch.device``, ``torch.backends``,
``torch.accelerator``, ``torch.nn.parallel``, ``torch.onnx``, legacy typed constructors),
compared with the installed PyTorch, which is a CPU build."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest
import torch

import numtorch
import numtorch.onnx


def outcome(fn: Callable, lib: object) -> tuple:
    """``("ok", repr(result))`` or ``(exception type name, message)``: compared across libs."""
    try:
        return ("ok", repr(fn(lib)))
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return (type(e).__name__, str(e).split("\n")[0])


def same(fn: Callable) -> None:
    assert outcome(fn, numtorch) == outcome(fn, torch)


QUERIES = {
    "cuda.is_available": lambda lib: lib.cuda.is_available(),
    "cuda.device_count": lambda lib: lib.cuda.device_count(),
    "cuda.is_initialized": lambda lib: lib.cuda.is_initialized(),
    "cuda.manual_seed": lambda lib: lib.cuda.manual_seed(1),
    "cuda.manual_seed_all": lambda lib: lib.cuda.manual_seed_all(1),
    "cuda.empty_cache": lambda lib: lib.cuda.empty_cache(),
    "cuda.current_device": lambda lib: lib.cuda.current_device(),
    "cuda.synchronize": lambda lib: lib.cuda.synchronize(),
    "cuda.get_device_name": lambda lib: lib.cuda.get_device_name(),
    "cudnn.is_available": lambda lib: lib.backends.cudnn.is_available(),
    "cudnn.version": lambda lib: lib.backends.cudnn.version(),
    "cudnn.flags": lambda lib: (
        lib.backends.cudnn.enabled,
        lib.backends.cudnn.benchmark,
        lib.backends.cudnn.deterministic,
    ),
    "backends.cuda.is_built": lambda lib: lib.backends.cuda.is_built(),
    "backends.cuda.matmul": lambda lib: (
        lib.backends.cuda.matmul.allow_tf32,
        lib.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
        lib.backends.cuda.matmul.allow_bf16_reduced_precision_reduction,
    ),
    "backends.cuda.matmul unknown": lambda lib: lib.backends.cuda.matmul.allow_magic,
    "backends.cuda.sdp": lambda lib: (
        lib.backends.cuda.flash_sdp_enabled(),
        lib.backends.cuda.mem_efficient_sdp_enabled(),
        lib.backends.cuda.math_sdp_enabled(),
        lib.backends.cuda.cudnn_sdp_enabled(),
    ),
    "mps.is_available": lambda lib: lib.backends.mps.is_available(),
    "mps.is_built": lambda lib: lib.backends.mps.is_built(),
    "accelerator.is_available": lambda lib: lib.accelerator.is_available(),
    "accelerator.current_accelerator": lambda lib: lib.accelerator.current_accelerator(),
    "accelerator.device_count": lambda lib: lib.accelerator.device_count(),
    "onnx.is_in_onnx_export": lambda lib: lib.onnx.is_in_onnx_export(),
}


@pytest.mark.parametrize("name", QUERIES)
def test_cpu_build_queries(name: str) -> None:
    same(QUERIES[name])


def test_cudnn_flags_are_settable() -> None:
    cudnn = numtorch.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.enabled)
    try:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = True, True, False
        assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (True, True, False)
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = saved


def test_cuda_backend_switches_are_settable_and_checked() -> None:
    """``torch.backends.cuda.matmul.allow_tf32 = True``, a common first line, works; a
    misspelt switch raises as in PyTorch; ``sdp_kernel`` restores the switches it set."""
    matmul = numtorch.backends.cuda.matmul
    matmul.allow_tf32 = True
    try:
        assert matmul.allow_tf32 is True
    finally:
        matmul.allow_tf32 = False
    for lib in (torch, numtorch):
        with pytest.raises(AttributeError, match="Unknown attribute allow_tf3"):
            lib.backends.cuda.matmul.allow_tf3 = True
    cuda = numtorch.backends.cuda
    with cuda.sdp_kernel(enable_flash=False):
        assert not cuda.flash_sdp_enabled() and cuda.math_sdp_enabled()
    assert cuda.flash_sdp_enabled()


def test_backends_numtorch_does_not_use_are_unavailable() -> None:
    assert not numtorch.backends.mkldnn.is_available()
    assert not numtorch.backends.openmp.is_available()
    assert isinstance(torch.backends.mkldnn.enabled, bool) and numtorch.backends.mkldnn.enabled


DEVICES = [
    ("cpu",),
    ("cuda",),
    ("cuda:0",),
    ("cuda:3",),
    ("cuda", 1),
    ("cpu", 0),
    ("mps",),
    ("xpu",),
    ("meta",),
]


@pytest.mark.parametrize("args", DEVICES, ids=str)
def test_device_objects(args: tuple) -> None:
    same(lambda lib: lib.device(*args))
    same(lambda lib: str(lib.device(*args)))
    same(lambda lib: (lib.device(*args).type, lib.device(*args).index))
    same(lambda lib: lib.device(lib.device(*args)))
    same(lambda lib: pickle.loads(pickle.dumps(lib.device(*args))))


@pytest.mark.parametrize(
    "args",
    [("foo",), ("CUDA",), ("",), ("cuda:-1",), ("cuda:x",), ("cuda:01",), ("cuda", -1)]
    + [("cuda:0", 1), ("cuda", "1"), ("cuda", True), (None,)],
    ids=str,
)
def test_bad_devices(args: tuple) -> None:
    same(lambda lib: lib.device(*args))


@pytest.mark.parametrize(
    "pair",
    [("cuda", "cuda:0"), ("cuda:0", "cuda:0"), ("cpu", "cpu"), ("cpu", "cpu:0"), ("cpu", "cuda")],
)
def test_device_equality_and_hash(pair: tuple) -> None:
    a, b = pair
    same(lambda lib: lib.device(a) == lib.device(b))
    same(lambda lib: hash(lib.device(a)) == hash(lib.device(b)))
    same(lambda lib: lib.device(a) == a)  # a device never equals a string, in PyTorch


def test_tensor_device_attributes() -> None:
    for attr in ("is_cuda", "is_cpu", "is_xpu", "is_mps", "is_meta", "device"):
        same(lambda lib, attr=attr: getattr(lib.ones(2), attr))
    same(lambda lib: lib.ones(2).device == lib.device("cpu"))
    same(lambda lib: lib.ones(2).device.index)


MOVES = {
    "zeros(cuda)": lambda lib: lib.zeros(2, device="cuda"),
    "ones(cuda:0)": lambda lib: lib.ones(2, device="cuda:0"),
    "empty(device)": lambda lib: lib.empty(2, device=lib.device("cuda", 1)),
    "full(cuda)": lambda lib: lib.full((2,), 1.0, device="cuda"),
    "arange(cuda)": lambda lib: lib.arange(3, device="cuda"),
    "tensor(cuda)": lambda lib: lib.tensor([1.0], device="cuda"),
    "as_tensor(cuda)": lambda lib: lib.as_tensor([1.0], device="cuda"),
    "zeros(cpu)": lambda lib: lib.zeros(2, device="cpu"),
    "zeros(cpu:0)": lambda lib: lib.zeros(2, device=lib.device("cpu", 0)),
    ".cuda()": lambda lib: lib.ones(2).cuda(),
    ".cuda(0)": lambda lib: lib.ones(2).cuda(0),
    ".cuda(non_blocking)": lambda lib: lib.ones(2).cuda(non_blocking=True),
    ".to(cuda)": lambda lib: lib.ones(2).to("cuda"),
    ".to(device=cuda)": lambda lib: lib.ones(2).to(device="cuda"),
    ".to(cuda, dtype)": lambda lib: lib.ones(2).to("cuda:0", lib.float64),
    ".to(device obj)": lambda lib: lib.ones(2).to(lib.device("cuda", 1)),
    ".to(mps)": lambda lib: lib.ones(2).to("mps"),
    ".to(xpu)": lambda lib: lib.ones(2).to("xpu"),
    ".to(cpu)": lambda lib: lib.ones(2).to("cpu"),
    ".to(cpu:1)": lambda lib: lib.ones(2).to("cpu:1"),
    ".to(cpu, dtype)": lambda lib: lib.ones(2).to(lib.device("cpu"), lib.float64),
    ".cpu()": lambda lib: lib.ones(2).cpu(),
    "Module.to(cuda)": lambda lib: lib.nn.Linear(2, 2).to("cuda"),
    "Module.to(cpu)": lambda lib: lib.nn.Linear(2, 2).to("cpu"),
}


@pytest.mark.parametrize("name", MOVES)
def test_moving_off_the_cpu_raises_the_cpu_builds_error(name: str) -> None:
    same(MOVES[name])


def test_size_keyword() -> None:
    for fn in ("zeros", "ones", "empty"):
        same(lambda lib, fn=fn: getattr(lib, fn)(size=(2, 3)).shape)
        same(lambda lib, fn=fn: getattr(lib, fn)(size=[4]).shape)
        same(lambda lib, fn=fn: getattr(lib, fn)(size=()).shape)
        same(lambda lib, fn=fn: getattr(lib, fn)(size=(2,), dtype=lib.int64).dtype)
        same(lambda lib, fn=fn: getattr(lib, fn)(2, size=(2, 3)))
        same(lambda lib, fn=fn: getattr(lib, fn)(size=2))
    same(lambda lib: lib.zeros(size=(2, 3)))


LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor"]
LEGACY += ["ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors(name: str) -> None:
    same(lambda lib: getattr(lib, name)([1, 0, 2]))
    same(lambda lib: getattr(lib, name)([[1.0, 0.0], [2.5, 3.0]]))
    same(lambda lib: getattr(lib, name)((1, 2)))
    same(lambda lib: getattr(lib, name)(np.array([1, 2])))
    same(lambda lib: getattr(lib, name)())
    same(lambda lib: getattr(lib, name)(2, 3).shape)
    same(lambda lib: getattr(lib, name)(lib.Size([2, 3])).shape)
    same(lambda lib: getattr(lib, name)(2, 3).dtype)
    same(lambda lib: getattr(lib, name).dtype)
    same(lambda lib: repr(getattr(lib, name)).replace("numtorch", "torch"))
    same(lambda lib: type(getattr(lib, name)([1])) is lib.Tensor)
    same(lambda lib: getattr(lib, name)([1], device="cuda"))


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_legacy_isinstance(name: str, dtype: str) -> None:
    same(lambda lib: isinstance(lib.zeros(2, dtype=getattr(lib, dtype)), getattr(lib, name)))
    same(lambda lib: isinstance([1], getattr(lib, name)))


def test_legacy_passes_a_tensor_of_its_own_dtype_through() -> None:
    x = numtorch.ones(2)
    assert numtorch.FloatTensor(x) is x and torch.FloatTensor(torch.ones(2)) is not None
    with pytest.raises(TypeError):
        torch.LongTensor(torch.ones(2))
    with pytest.raises(TypeError):
        numtorch.LongTensor(x)


def test_data_parallel_runs_the_module_as_on_a_cpu_build() -> None:
    torch.manual_seed(0)
    t_net = torch.nn.Linear(3, 2)
    n_net = numtorch.nn.Linear(3, 2)
    n_net.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t_net.state_dict().items()})
    t_dp = torch.nn.parallel.DataParallel(t_net)
    n_dp = numtorch.nn.parallel.DataParallel(n_net)
    assert repr(n_dp) == repr(t_dp)
    assert list(n_dp.state_dict()) == list(t_dp.state_dict())
    assert n_dp.module is n_net and n_dp.device_ids == t_dp.device_ids == []
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = n_dp(numtorch.tensor(x))
    expected = t_dp(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert n_net.weight.grad is not None


def test_onnx_export_says_it_is_not_available() -> None:
    with pytest.raises(NotImplementedError, match="torch.onnx.export is not available"):
        numtorch.onnx.export(numtorch.nn.Linear(2, 2), (numtorch.ones(1, 2),), "m.onnx")
