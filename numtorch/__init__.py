"""numtorch: PyTorch's API on NumPy. ``import numtorch as torch`` and build, train and
evaluate CNNs (Conv2d, MaxPool2d, Linear, Dropout2d, ...) without PyTorch installed."""

from numtorch import _threads  # noqa: F401 - thread/BLAS defaults, before NumPy loads OpenBLAS

from numtorch._dtype import (
    bool,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    result_type,
    promote_types,
    set_default_dtype,
    uint8,
)
from numtorch.tensor import (
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
    get_float32_matmul_precision,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_threads,
    use_deterministic_algorithms,
)
from numtorch import accelerator, autograd, backends, cuda, onnx

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
long = int64
int = int32  # noqa: A001

__version__ = "0.1.0"

from numtorch import linalg, nn, optim, testing, utils  # noqa: E402
from numtorch.nn import parallel as _parallel  # noqa: E402, F401 - makes torch.nn.parallel
from numtorch.serialization import load, save  # noqa: E402

# The namespace's ops come from their declarations (numtorch/_namespace); the rest is listed here.
__all__ = [
    *_namespace.__all__,
    *("bool", "dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64"),
    *("uint8", "float", "double", "half", "long", "int"),
    *("get_default_dtype", "set_default_dtype", "result_type", "promote_types"),
    *("Size", "Tensor", "device", "Generator", "default_generator"),
    *("get_rng_state", "set_rng_state", "initial_seed", "manual_seed", "seed"),
    *("enable_grad", "no_grad", "set_grad_enabled", "is_grad_enabled"),
    *("is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"),
    *("autograd", "linalg", "nn", "optim", "utils", "load", "save"),
    *("inference_mode", "is_inference_mode_enabled", "set_num_threads", "get_num_threads"),
    *("use_deterministic_algorithms", "are_deterministic_algorithms_enabled"),
    *("is_deterministic_algorithms_warn_only_enabled", "compile"),
    *("set_float32_matmul_precision", "get_float32_matmul_precision"),
    *("cuda", "backends", "accelerator", "onnx"),
    *("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor"),
    *("CharTensor", "ByteTensor", "BoolTensor"),
]
