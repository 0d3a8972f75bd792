"""The spec's networks (numtorch.models) against the same source run on PyTorch: models.py is
plain PyTorch code, so it is executed a second time with ``import torch``, the weights copied
across, and outputs and gradients compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import numtorch
from numtorch.models import ImageClassifier, ResidualBlock, ResNet

SOURCE = Path(numtorch.models.__file__).read_text()


def torch_models() -> dict:
    code = SOURCE.replace(
        "import numtorch as torch\nfrom numtorch import nn", "import torch\nfrom torch import nn"
    )
    assert code != SOURCE
    namespace: dict = {"__name__": "torch_models"}
    exec(compile(code, "torch_models", "exec"), namespace)
    return namespace


def twins(name: str, *args, **kwargs):
    """The numtorch model and its PyTorch twin holding the same weights."""
    ours = getattr(numtorch.models, name)(*args, **kwargs)
    theirs = torch_models()[name](*args, **kwargs)
    state = {k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    return ours, theirs


@pytest.mark.parametrize(
    "name,args,shape",
    [
        ("ImageClassifier", dict(in_channels=2, num_classes=5, input_size=(6, 9)), (3, 2, 6, 9)),
        ("ResidualBlock", dict(channels=3), (2, 3, 5, 5)),
        ("ResNet", dict(in_channels=1, num_classes=4, width=4), (2, 1, 7, 7)),
    ],
)
def test_eval_forward_and_backward_match_torch(name: str, args: dict, shape: tuple) -> None:
    ours, theirs = twins(name, **args)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x, tx = numtorch.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, t_out = ours.eval()(x), theirs.eval()(tx)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    (out * out).sum().backward()
    (t_out * t_out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (k, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=k)


def test_default_classifier_is_the_spec_network() -> None:
    model = ImageClassifier(num_classes=10)  # the spec's 1000 classes would need 1.6 GB
    assert [type(m).__name__ for m in model.children()] == [
        "Conv2d",
        "Dropout2d",
        "Conv2d",
        "Dropout2d",
        "MaxPool2d",
        "Linear",
    ]
    assert (model.conv1.in_channels, model.conv1.out_channels, model.conv2.out_channels) == (
        3,
        64,
        128,
    )
    assert model.dropout1.p == model.dropout2.p == 0.3
    assert model.fc.in_features == 128 * 56 * 56


def test_spec_sizes_with_224_input_fail_with_torchs_shape_error() -> None:
    """The spec's Linear(128 * 56 * 56) after one pool of 224x224 input: a clear error."""
    msg = r"mat1 and mat2 shapes cannot be multiplied \(1x1605632 and 401408x10\)"
    model = ImageClassifier(num_classes=10).eval()
    with numtorch.no_grad(), pytest.raises(RuntimeError, match=msg):
        model(numtorch.zeros(1, 3, 224, 224))
    twin = torch_models()["ImageClassifier"](num_classes=10).eval()
    with torch.no_grad(), pytest.raises(RuntimeError, match=msg):
        twin(torch.zeros(1, 3, 224, 224))


@pytest.mark.parametrize("size,width", [(224, 128 * 112 * 112), (9, 128 * 16), ((5, 8), 128 * 8)])
def test_classifier_width_follows_the_input_size(size, width: int) -> None:
    model = ImageClassifier(in_channels=1, num_classes=1 if size == 224 else 3, input_size=size)
    assert model.fc.in_features == width
    if size == 224:
        return  # a 224x224 forward is slow in a unit test; the width is what matters
    h, w = (size, size) if isinstance(size, int) else size
    assert model(numtorch.randn(2, 1, h, w)).shape == numtorch.Size([2, 3])


@pytest.mark.parametrize("size", [1, 0, (1, 5)])
def test_classifier_rejects_inputs_too_small_for_the_pool(size) -> None:
    with pytest.raises(ValueError, match="input_size must be at least 2x2"):
        ImageClassifier(input_size=size)


def test_residual_block_is_the_identity_plus_relu_when_its_convolutions_are_zero() -> None:
    block = ResidualBlock(4)
    with numtorch.no_grad():
        for conv in (block.conv1, block.conv2):
            conv.weight.zero_()
            conv.bias.zero_()
    x = numtorch.randn(2, 4, 5, 5)
    np.testing.assert_array_equal(block(x).detach().numpy(), np.maximum(x.numpy(), 0))
    assert [m.p for m in (block.dropout1, block.dropout2)] == [0.2, 0.2]


@pytest.mark.parametrize(
    "model",
    [
        lambda: ImageClassifier(in_channels=1, num_classes=4, input_size=6),
        lambda: ResNet(1, 4, dropout2d=0.2, width=8),
    ],
    ids=["classifier", "resnet"],
)
def test_train_mode_varies_eval_is_deterministic_and_sgd_reduces_the_loss(model) -> None:
    net = model()
    x, y = numtorch.randn(8, 1, 6, 6), numtorch.randint(0, 4, (8,))
    with numtorch.no_grad():
        assert net.eval()(x).equal(net(x))
        assert not net.train()(x).equal(net(x))
        before = numtorch.nn.functional.cross_entropy(net.eval()(x), y).item()
    optimizer = numtorch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    net.train()
    for _ in range(6):
        optimizer.zero_grad()
        numtorch.nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    with numtorch.no_grad():
        after = numtorch.nn.functional.cross_entropy(net.eval()(x), y).item()
    assert after < before
