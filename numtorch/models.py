"""The spec's example networks, ``ImageClassifier`` and ``ResidualBlock``, translated to
Python (``x.view([x.shape[0], -1])``, ``out.add(residual)``; the spec's ``layer.forward(x)``
becomes the Python idiom ``layer(x)``, so forward hooks on the layers run), and a small
``ResNet`` built from ``ResidualBlock``. ``examples/`` keeps the spec's literal ``.forward``.

They are plain PyTorch code: with ``import torch`` in place of ``import numtorch as torch``
they run unchanged on PyTorch.
"""

from __future__ import annotations

import numtorch as torch
from numtorch import nn

__all__ = ["ImageClassifier", "ResidualBlock", "ResNet"]


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    if h < 2 or w < 2:
        raise ValueError(f"input_size must be at least 2x2 to survive the 2x2 pool, but got {size}")
    return h, w


class ImageClassifier(nn.Module):
    """The spec's CNN backbone: two 3x3 convolutions (``in_channels`` -> 64 -> 128), each
    followed by ReLU and ``Dropout2d(p)``, a 2x2 max-pool, and a ``Linear`` classifier.

    The spec sizes the ``Linear`` as ``128 * 56 * 56``, which is right for 112x112 input: at
    224x224 (the size in the spec's Dropout2d example) the single pool leaves 112x112 maps and
    the spec's network stops with a shape error. Here the width is computed from
    ``input_size``; the default, 112, rebuilds the spec's network exactly, whose
    ``Linear(401408, 1000)`` holds 1.6 GB of float32 weights, so pass your images' size.

    Args:
        in_channels: channels of the input images. Default: 3.
        num_classes: outputs of the classifier. Default: 1000.
        input_size: height and width of the input (an int or ``(H, W)``). Default: 112.
        p: the probability of both ``Dropout2d`` layers. Default: 0.3.

    Example:
        >>> import numtorch as torch
        >>> from numtorch.models import ImageClassifier
        >>> model = ImageClassifier(in_channels=1, num_classes=10, input_size=8)
        >>> model.fc
        Linear(in_features=2048, out_features=10, bias=True)
        >>> model(torch.randn(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 1000,
        input_size: int | tuple[int, int] = 112,
        p: float = 0.3,
    ) -> None:
        super().__init__()
        h, w = _pair(input_size)
        self.conv1 = nn.Conv2d(in_channels, 64, 3, padding=1)
        self.dropout1 = nn.Dropout2d(p)  # 30% dropout in the spec
        self.conv2 = nn.Conv2d(64, 128, 3, padding=1)
        self.dropout2 = nn.Dropout2d(p)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(128 * (h // 2) * (w // 2), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))
        x = self.dropout1(x)  # drop entire feature maps
        x = torch.relu(self.conv2(x))
        x = self.dropout2(x)
        x = self.pool(x)
        x = x.view([x.shape[0], -1])
        return self.fc(x)


class ResidualBlock(nn.Module):
    """The spec's ResNet-style block: ``relu(x + drop(conv(drop(relu(conv(x))))))``.

    Two 3x3 convolutions that keep ``channels`` and the spatial size, each followed by
    ``Dropout2d(p)``, and the identity shortcut added before the final ReLU.

    Args:
        channels: input and output channels.
        p: the probability of both ``Dropout2d`` layers. Default: 0.2, as in the spec.
    """

    def __init__(self, channels: int, p: float = 0.2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.dropout1 = nn.Dropout2d(p)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.dropout2 = nn.Dropout2d(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        out = torch.relu(self.conv1(x))
        out = self.dropout1(out)
        out = self.conv2(out)
        out = self.dropout2(out)
        return torch.relu(out.add(residual))  # residual connection


class ResNet(nn.Module):
    """A small residual network for the trainer's ``--model resnet``.

    A 3x3 stem convolution to ``width`` channels with ReLU, a 2x2 max-pool, ``num_blocks``
    ``ResidualBlock``s, global average pooling, and a ``Linear`` classifier. Works for any
    input of at least 2x2 pixels.

    Args:
        in_channels: channels of the input images.
        num_classes: outputs of the classifier.
        dropout2d: the ``Dropout2d`` probability inside every block. Default: 0.2.
        width: channels of the stem and the blocks. Default: 32.
        num_blocks: how many residual blocks. Default: 2.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        dropout2d: float = 0.2,
        width: int = 32,
        num_blocks: int = 2,
    ) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.blocks = nn.Sequential(*(ResidualBlock(width, dropout2d) for _ in range(num_blocks)))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.stem(x)))
        x = self.avgpool(self.blocks(x))
        return self.fc(x.view([x.shape[0], -1]))
