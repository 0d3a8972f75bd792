"""numtorch: PyTorch's API on NumPy. ``import numtorch as torch`` and build, train and
evaluate CNNs (Conv2d, MaxPool2d, Linear, Dropout2d, ...) without PyTorch installed."""

from numtorch import _threads  # noqa: F401 - thread/BLAS defaults, before NumPy loads OpenBLAS
from numtorch import _malloc  # noqa: F401 - glibc malloc thresholds for array-sized blocks

import math as _math

from numtorch._dtype import (
    bfloat16,
    bool,
    can_cast,
    channels_last,
    channels_last_3d,
    contiguous_format,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    float8_e4m3fn,
    float8_e4m3fnuz,
    float8_e5m2,
    float8_e5m2fnuz,
    float8_e8m0fnu,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    layout,
    legacy_contiguous_format,
    memory_format,
    preserve_format,
    result_type,
    promote_types,
    set_default_dtype,
    sparse_bsc,
    sparse_bsr,
    sparse_coo,
    sparse_csc,
    sparse_csr,
    strided,
    uint8,
    uint16,
    uint32,
    uint64,
)
from numtorch.tensor import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    Size,
    Tensor,
    device,
)
from numtorch import _namespace
from numtorch._namespace import *  # noqa: F403
from numtorch.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from numtorch.autograd import (
    enable_grad,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_anomaly_enabled,
    set_grad_enabled,
)
from numtorch.autograd.grad_mode import inference_mode, is_inference_mode_enabled
from numtorch._namespace.other import (
    are_deterministic_algorithms_enabled,
    compile,
    get_default_device,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    init_num_threads,
    is_vulkan_available,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_default_device,
    set_default_tensor_type,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_num_interop_threads,
    set_num_threads,
    set_warn_always,
    typename,
    use_deterministic_algorithms,
)
from numtorch import accelerator, amp, autograd, backends, cpu, cuda, onnx
from numtorch.amp import GradScaler, autocast
from numtorch.amp.autocast_mode import get_autocast_dtype, is_autocast_enabled

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

# PyTorch's constants (``torch.pi``...) and ``newaxis`` (None, as in NumPy)
e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
newaxis = None

__version__ = "0.1.0"

from numtorch import distributed, linalg, multiprocessing, nn, optim, special, testing, utils  # noqa: E402
from numtorch.nn import parallel as _parallel  # noqa: E402, F401 - makes torch.nn.parallel
from numtorch.serialization import load, save  # noqa: E402
from numtorch.autograd import functional as _functional  # noqa: E402, F401 - torch.autograd.functional
from numtorch import distributions  # noqa: E402 - after the namespace it is written on
from numtorch import _lowrank, _nn_forms  # noqa: E402
from numtorch._lowrank import pca_lowrank, svd_lowrank  # noqa: E402
from numtorch._nn_forms import *  # noqa: E402 - torch.conv2d, torch.layer_norm, torch.lstm, ...

# The namespace's ops come from their declarations (numtorch/_namespace); the rest is listed here.
__all__ = [
    *_namespace.__all__,
    *_nn_forms.__all__,
    *_lowrank.__all__,
    *("bool", "dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64"),
    *("uint8", "float", "double", "half", "long", "int"),
    *("get_default_dtype", "set_default_dtype", "result_type", "promote_types"),
    *("Size", "Tensor", "device", "Generator", "default_generator"),
    *("get_rng_state", "set_rng_state", "initial_seed", "manual_seed", "seed"),
    *("enable_grad", "no_grad", "set_grad_enabled", "is_grad_enabled"),
    *("is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"),
    *("autograd", "linalg", "multiprocessing", "nn", "optim", "special", "utils", "load", "save"),
    *("inference_mode", "is_inference_mode_enabled", "set_num_threads", "get_num_threads"),
    *("use_deterministic_algorithms", "are_deterministic_algorithms_enabled"),
    *("is_deterministic_algorithms_warn_only_enabled", "compile"),
    *("set_float32_matmul_precision", "get_float32_matmul_precision"),
    *("cuda", "cpu", "backends", "accelerator", "onnx", "amp"),
    *("autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"),
    *("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor"),
    *("CharTensor", "ByteTensor", "BoolTensor", "BFloat16Tensor"),
    *("uint16", "uint32", "uint64", "bfloat16", "short", "finfo", "iinfo", "can_cast"),
    *("layout", "strided", "memory_format", "contiguous_format", "preserve_format"),
    *("channels_last", "channels_last_3d", "legacy_contiguous_format"),
    *("e", "pi", "inf", "nan", "newaxis", "typename", "is_vulkan_available"),
    *("float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"),
    *("sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"),
    *("get_default_device", "set_default_device", "init_num_threads"),
    *("set_default_tensor_type", "set_flush_denormal"),
    *("set_deterministic_debug_mode", "get_deterministic_debug_mode"),
    *("set_warn_always", "is_warn_always_enabled"),
    *("get_num_interop_threads", "set_num_interop_threads"),
]
