"""``model_summary``: its rows, shapes and parameter counts against the same architecture built
in PyTorch, and that it leaves the model and the random streams exactly as it found them."""

from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np
import pytest
import torch

import numtorch
from numtorch import nn
from numtorch.cli.summary import model_summary
from numtorch.models import ImageClassifier, ResNet
from numtorch.random import default_generator

MODELS_PY = Path(numtorch.__file__).parent / "models.py"


def _torch_models() -> types.ModuleType:
    """numtorch/models.py run on PyTorch: its docstring says it is plain PyTorch code."""
    source = MODELS_PY.read_text()
    source = source.replace("import numtorch as torch", "import torch")
    source = source.replace("from numtorch import nn", "from torch import nn")
    module = types.ModuleType("torch_models")
    exec(compile(source, "torch_models", "exec"), module.__dict__)
    return module


def _table(text: str) -> dict[str, tuple[str, str, str]]:
    """``{layer name: (type, output shape, params)}`` from the summary's table body."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if set(line) == {"-"}]
    assert len(rules) == 2, text
    rows = {}
    for line in lines[rules[0] + 1 : rules[1]]:
        cells = re.split(r"\s{2,}", line.strip())
        name, kind, shape = cells[:3]
        rows[name] = (kind, shape, cells[3] if len(cells) == 4 else "")
    return rows


def _footer(text: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}: (.+)$", text, re.MULTILINE)
    assert match, text
    return match.group(1)


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _torch_shapes(model: torch.nn.Module, x: torch.Tensor) -> dict[str, str]:
    """Each submodule's output shape in a torch forward, as the summary writes it."""
    shapes, handles = {}, []
    for name, module in model.named_modules():
        if name:
            hook = _torch_recorder(shapes, name)
            handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model.eval()(x)
    for handle in handles:
        handle.remove()
    return shapes


def _torch_recorder(shapes: dict[str, str], name: str):
    def hook(module, args, output) -> None:
        shapes[name] = _torch_shape(output)

    return hook


def _torch_shape(value) -> str:
    if isinstance(value, torch.Tensor):
        return str(list(value.shape))
    return "(" + ", ".join(_torch_shape(v) for v in value) + ")"


def _check_against_torch(ours: nn.Module, theirs: torch.nn.Module, shape: tuple) -> str:
    """Compare every row and the totals with ``theirs``; return the summary text."""
    text = model_summary(ours, numtorch.zeros(*shape))
    rows = _table(text)
    torch_shapes = _torch_shapes(theirs, torch.zeros(*shape))
    expected_names = [name for name, _ in theirs.named_modules() if name]
    assert list(rows) == expected_names
    for name, module in theirs.named_modules():
        if not name:
            continue
        kind, out_shape, params = rows[name]
        assert kind == type(module).__name__
        assert out_shape == torch_shapes[name]
        own = sum(p.numel() for p in module.parameters(recurse=False))
        is_leaf = not list(module.children())
        assert params == (f"{own:,}" if own or is_leaf else "")
    total = sum(p.numel() for p in theirs.parameters())
    assert _count(_footer(text, "Total params")) == total
    assert _count(_footer(text, "Trainable params")) == total
    assert _count(_footer(text, "Non-trainable params")) == 0
    assert float(_footer(text, "Params size (MB)")) == pytest.approx(total * 4 / 1e6, abs=5e-4)
    return text


def test_image_classifier_rows_match_pytorch() -> None:
    ours = ImageClassifier(in_channels=1, num_classes=10, input_size=8)
    theirs = _torch_models().ImageClassifier(in_channels=1, num_classes=10, input_size=8)
    text = _check_against_torch(ours, theirs, (2, 1, 8, 8))
    assert list(_table(text)) == ["conv1", "dropout1", "conv2", "dropout2", "pool", "fc"]
    assert _table(text)["fc"] == ("Linear", "[2, 10]", "20,490")  # 128*4*4*10 + 10
    assert "Input shape: [2, 1, 8, 8]   Output shape: [2, 10]" in text


def test_resnet_nested_blocks_match_pytorch() -> None:
    ours = ResNet(3, 5, width=8, num_blocks=2)
    theirs = _torch_models().ResNet(3, 5, width=8, num_blocks=2)
    text = _check_against_torch(ours, theirs, (1, 3, 6, 6))
    rows = _table(text)
    assert rows["blocks.1"] == ("ResidualBlock", "[1, 8, 3, 3]", "")  # a container: no own params
    assert rows["blocks.1.conv2"] == ("Conv2d", "[1, 8, 3, 3]", f"{8 * 8 * 9 + 8:,}")
    assert "\n    blocks.0.conv1 " in text  # nested rows are indented under their parent


def test_user_sequential_matches_pytorch() -> None:
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Sequential(nn.Linear(64, 7), nn.Tanh())
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Sequential(torch.nn.Linear(64, 7), torch.nn.Tanh()),
    )
    _check_against_torch(ours, theirs, (3, 1, 6, 6))


def test_lstm_tuple_output_shows_every_shape() -> None:
    ours, theirs = nn.LSTM(4, 6, num_layers=2), torch.nn.LSTM(4, 6, num_layers=2)
    text = model_summary(nn.Sequential(ours), numtorch.zeros(5, 3, 4))
    kind, shape, params = _table(text)["0"]
    assert kind == "LSTM"
    assert shape == "([5, 3, 6], ([2, 3, 6], [2, 3, 6]))"
    assert _count(params) == sum(p.numel() for p in theirs.parameters())
    assert "Output shape: ([5, 3, 6], ([2, 3, 6], [2, 3, 6]))" in text


def test_frozen_parameters_are_non_trainable() -> None:
    model = nn.Sequential(nn.Linear(10, 20), nn.Linear(20, 3))
    for param in model[0].parameters():
        param.requires_grad_(False)
    text = model_summary(model, numtorch.zeros(1, 10))
    assert _count(_footer(text, "Total params")) == 220 + 63
    assert _count(_footer(text, "Trainable params")) == 63
    assert _count(_footer(text, "Non-trainable params")) == 220


def test_a_shared_layer_counts_once_and_lists_each_call() -> None:
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    text = model_summary(model, numtorch.zeros(2, 3))
    assert _count(_footer(text, "Total params")) == 12
    assert list(_table(text)) == ["0", "1"]  # named_modules lists the shared layer once
    assert _table(text)["0"][1] == "[2, 3] (x2 calls)"


class _Noisy(nn.Module):
    """Draws from the default generator even in eval mode, and tracks batch statistics."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4, 2)

    def forward(self, x: numtorch.Tensor) -> numtorch.Tensor:
        return self.fc(self.drop(self.bn(x + numtorch.randn(*x.shape))))


def test_leaves_rng_state_dict_and_modes_unchanged() -> None:
    numtorch.manual_seed(3)
    model = _Noisy().train()
    model.fc.eval()  # a submodule in the other mode must keep it
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    modes = {name: m.training for name, m in model.named_modules()}
    rng = default_generator.get_state().numpy().copy()
    model_summary(model, numtorch.ones(8, 4))
    assert np.array_equal(default_generator.get_state().numpy(), rng)
    after = model.state_dict()
    assert list(after) == list(state)
    for key, value in state.items():
        assert np.array_equal(after[key].numpy(), value), key
    assert {name: m.training for name, m in model.named_modules()} == modes
    assert all(not m._forward_hooks for m in model.modules())


class _Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x: numtorch.Tensor) -> numtorch.Tensor:
        numtorch.randn(3)
        raise RuntimeError("boom")


def test_a_failing_forward_still_removes_hooks_and_restores_state() -> None:
    model = _Broken().train()
    rng = default_generator.get_state().numpy().copy()
    with pytest.raises(RuntimeError, match="boom"):
        model_summary(model, numtorch.zeros(1, 2))
    assert all(not m._forward_hooks for m in model.modules())
    assert all(m.training for m in model.modules())
    assert np.array_equal(default_generator.get_state().numpy(), rng)
