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
from numtorch.tensor import Size, Tensor, device
from numtorch._creation import *  # noqa: F403
from numtorch._functions import *  # noqa: F403
from numtorch._functions import abs, all, any, max, min, pow, round, sum  # noqa: A004
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
from numtorch import autograd

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
long = int64
int = int32  # noqa: A001

__version__ = "0.1.0"

from numtorch import nn, optim, utils  # noqa: E402
from numtorch.serialization import load, save  # noqa: E402
