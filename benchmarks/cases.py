"""The benchmark cases. Each builder takes the library (``torch`` or ``numtorch``) and returns
a zero-argument callable doing one timed unit of work, written once for both libraries."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

DROPOUT_SHAPES = [(32, 64, 56, 56), (128, 64, 16, 16), (64, 32, 8, 8), (32, 64, 224, 224)]
CONV_CASES = [(32, 3, 64, 32), (32, 64, 128, 32), (64, 64, 64, 16)]  # N, C_in, C_out, H=W
TRAIN_CASES = [("classifier", 32, 16), ("classifier", 32, 32), ("resnet", 32, 32)]  # N, H=W
# The targets (numtorch / torch, median).
TARGETS = {"dropout": 0.7, "maxpool": 0.5, "conv": 1.2, "train": 1.0, "sequence": 1.5}


def copy(shape) -> Callable:
    """A plain copy into a new array (allocation included): the bandwidth a dropout forward,
    which must also write a new array, is measured against."""
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    return lambda: x.copy()


def dropout2d_forward(lib, shape) -> Callable:
    x = lib.randn(shape)
    layer = lib.nn.Dropout2d(0.5)
    return lambda: layer(x)


def dropout2d_forward_backward(lib, shape) -> Callable:
    x = lib.randn(shape, requires_grad=True)
    grad = lib.randn(shape)
    layer = lib.nn.Dropout2d(0.5)

    def step():
        layer(x).backward(grad)
        x.grad = None

    return step


def dropout2d_eval(lib, shape) -> Callable:
    x = lib.randn(shape)
    layer = lib.nn.Dropout2d(0.5).eval()
    return lambda: layer(x)


def eval_is_identity(lib, shape=(2, 3, 4, 4)) -> bool:
    """Eval-mode Dropout2d returns its input without copying (the same storage)."""
    x = lib.randn(shape)
    out = lib.nn.Dropout2d(0.5).eval()(x)
    if out is x:
        return True
    if hasattr(out, "_data"):  # numtorch
        return bool(np.shares_memory(out._data, x._data))
    return out.data_ptr() == x.data_ptr()


def maxpool_forward_backward(lib, shape) -> Callable:
    x = lib.randn(shape, requires_grad=True)
    pool = lib.nn.MaxPool2d(2)
    out_shape = (shape[0], shape[1], shape[2] // 2, shape[3] // 2)
    grad = lib.randn(out_shape)

    def step():
        pool(x).backward(grad)
        x.grad = None

    return step


def conv_forward_backward(lib, n, c_in, c_out, size) -> Callable:
    lib.manual_seed(0)
    conv = lib.nn.Conv2d(c_in, c_out, 3, padding=1)
    x = lib.randn(n, c_in, size, size, requires_grad=c_in != 3)
    grad = lib.randn(n, c_out, size, size)

    def step():
        conv(x).backward(grad)
        conv.zero_grad()
        x.grad = None

    return step


def lstm_forward_backward(lib) -> Callable:
    """A 2-layer LSTM, hidden 128, over 50 steps of a batch of 32 (input size 128)."""
    lib.manual_seed(0)
    lstm = lib.nn.LSTM(128, 128, num_layers=2)
    x = lib.randn(50, 32, 128, requires_grad=True)

    def step():
        out, _ = lstm(x)
        out.sum().backward()
        lstm.zero_grad()
        x.grad = None

    return step


def transformer_layer_forward_backward(lib) -> Callable:
    """One TransformerEncoderLayer (d_model 128, 4 heads, PyTorch's defaults otherwise,
    training mode) on a batch of 32 sequences of 64 tokens."""
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(128, 4, batch_first=True)
    x = lib.randn(32, 64, 128, requires_grad=True)

    def step():
        layer(x).sum().backward()
        layer.zero_grad()
        x.grad = None

    return step


ACTIVATION_CASES = ["gelu", "silu", "sigmoid"]  # exact GELU, SiLU, sigmoid: fwd+bwd


def activation_forward_backward(lib, name: str, shape=(32, 64, 512)) -> Callable:
    """An activation's forward and backward (``gelu`` is exact GELU, erf-based: a
    Transformer's feed-forward activation; ``silu``, EfficientNet's and LLaMA's)."""
    lib.manual_seed(0)
    x = lib.randn(shape, requires_grad=True)
    grad = lib.randn(shape)
    fn = getattr(lib.nn.functional, name)

    def step():
        fn(x).backward(grad)
        x.grad = None

    return step


OPTIMIZER_CASES = [("SGD", {"lr": 0.01, "momentum": 0.9}), ("Adam", {"lr": 1e-3})]
OPTIMIZER_PARAMS = 20_000_000  # a large layer's weights (the spec's 224x224 head has 401M)


def optimizer_step(lib, name: str, kwargs: dict, n: int = OPTIMIZER_PARAMS) -> Callable:
    """One ``opt.step()`` of ``name`` over one parameter of ``n`` elements with a fixed
    gradient: the element-wise update a large model spends memory bandwidth on every step."""
    lib.manual_seed(0)
    p = lib.nn.Parameter(lib.rand(n))
    p.grad = lib.rand(n)
    opt = getattr(lib.optim, name)([p], **kwargs)
    opt.step()  # the state exists before the timing
    return opt.step


def classifier(lib, in_channels: int, size: int, p: float = 0.3):
    """The spec's ImageClassifier, written once for either library."""

    class ImageClassifier(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = lib.nn.Conv2d(in_channels, 64, 3, padding=1)
            self.dropout1 = lib.nn.Dropout2d(p)
            self.conv2 = lib.nn.Conv2d(64, 128, 3, padding=1)
            self.dropout2 = lib.nn.Dropout2d(p)
            self.pool = lib.nn.MaxPool2d(2)
            self.fc = lib.nn.Linear(128 * (size // 2) ** 2, 10)

        def forward(self, x):
            x = lib.relu(self.conv1.forward(x))
            x = self.dropout1.forward(x)
            x = lib.relu(self.conv2.forward(x))
            x = self.dropout2.forward(x)
            x = self.pool.forward(x)
            x = x.view([x.shape[0], -1])
            return self.fc.forward(x)

    return ImageClassifier()


def small_resnet(lib, in_channels: int = 3, width: int = 32, blocks: int = 2):
    """A stem conv, the spec's ResidualBlocks, global pooling and a linear head."""

    class ResidualBlock(lib.nn.Module):
        def __init__(self, channels: int) -> None:
            super().__init__()
            self.conv1 = lib.nn.Conv2d(channels, channels, 3, padding=1)
            self.dropout1 = lib.nn.Dropout2d(0.2)
            self.conv2 = lib.nn.Conv2d(channels, channels, 3, padding=1)
            self.dropout2 = lib.nn.Dropout2d(0.2)

        def forward(self, x):
            residual = x
            out = lib.relu(self.conv1.forward(x))
            out = self.dropout1.forward(out)
            out = self.conv2.forward(out)
            out = self.dropout2.forward(out)
            return lib.relu(out.add(residual))

    return lib.nn.Sequential(
        lib.nn.Conv2d(in_channels, width, 3, padding=1),
        lib.nn.ReLU(),
        *[ResidualBlock(width) for _ in range(blocks)],
        lib.nn.MaxPool2d(2),
        lib.nn.Flatten(),
        lib.nn.Linear(width * 16 * 16, 10),
    )


def model(lib, model_name: str, size: int):
    return classifier(lib, 3, size) if model_name == "classifier" else small_resnet(lib)


def training_step(lib, model_name: str, n: int, size: int) -> Callable:
    lib.manual_seed(0)
    net = model(lib, model_name, size)
    size = size if model_name == "classifier" else 32
    opt = lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = lib.randn(n, 3, size, size)
    y = lib.randint(0, 10, (n,))

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    return step


def training_losses(lib, model_name: str, n: int, size: int, steps: int = 3) -> list[str]:
    """The loss of each of ``steps`` training steps from a fixed seed and fixed data, as exact
    hex strings (``float.hex``): equal lists mean bit-identical training."""
    lib.manual_seed(0)
    net = model(lib, model_name, size)
    size = size if model_name == "classifier" else 32
    opt = lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((n, 3, size, size), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, 10, n))
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        out.append(float(loss.item()).hex())
    return out
