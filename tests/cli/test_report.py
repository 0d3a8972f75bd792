"""The dropped-maps capture: what it returns, and that it leaves the model as it found it (train
/eval flags, ``forward``, hooks)."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch import nn
from numtorch.cli.report import capture_dropped_maps


def _model() -> nn.Module:
    numtorch.manual_seed(0)
    head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 3))
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Dropout2d(0.5), nn.MaxPool2d(2), head)


def _modes(model: nn.Module) -> dict[str, bool]:
    return {name: m.training for name, m in model.named_modules()}


@pytest.mark.parametrize("training", [True, False])
def test_capture_leaves_every_module_in_the_mode_it_found(training: bool) -> None:
    model = _model().train(training)
    model[3].train(not training)  # a submodule in the other mode must keep it too
    model[3][1].train(training)  # and its own child, back in the first mode
    before = _modes(model)
    assert len(set(before.values())) == 2
    capture_dropped_maps(model, numtorch.randn(1, 8, 8))
    assert _modes(model) == before


def test_capture_restores_modes_when_the_forward_fails() -> None:
    model = _model().eval()
    before = _modes(model)
    with pytest.raises(RuntimeError):
        capture_dropped_maps(model, numtorch.randn(2, 8, 8))  # 2 channels: the conv refuses
    assert _modes(model) == before
    assert not model[1]._forward_hooks


def test_capture_observes_with_a_hook_and_removes_it() -> None:
    model = _model()
    layer = model[1]
    replaced = []
    # runs inside the capture's forward, just before the Dropout2d is called
    model[0].register_forward_hook(lambda *_: replaced.append("forward" in layer.__dict__))
    mine = layer.register_forward_hook(lambda *_: None)
    capture_dropped_maps(model, numtorch.randn(1, 8, 8))
    assert replaced == [False]
    assert "forward" not in layer.__dict__
    assert list(layer._forward_hooks) == [mine.id]  # the user's hook stays, the capture's goes
    mine.remove()
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in layer.modules())


def test_capture_returns_the_layer_input_and_its_keep_mask() -> None:
    model = _model().eval()
    image = numtorch.randn(1, 8, 8)
    before, keep, p = capture_dropped_maps(model, image)
    with numtorch.no_grad():
        expected = model[0](image.unsqueeze(0)).numpy()[0]
    np.testing.assert_allclose(before, expected, rtol=1e-6)
    assert keep.dtype == bool and keep.shape == (8,)
    np.testing.assert_array_equal(keep, model[1].last_mask.numpy()[0].astype(bool))
    assert p == 0.5


def test_capture_without_a_dropout2d_returns_none() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Dropout(0.5)).eval()
    assert capture_dropped_maps(model, numtorch.randn(1, 8, 8)) is None
    assert not model.training


class _CallsForward(nn.Module):
    """Calls its layer as ``layer.forward(x)``, as the spec's models do: hooks never run."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout2d(0.5)

    def forward(self, x: numtorch.Tensor) -> numtorch.Tensor:
        return self.drop.forward(x)


def test_capture_of_a_layer_called_past_its_hooks_is_none_and_leaves_no_trace() -> None:
    model = _CallsForward().eval()
    assert capture_dropped_maps(model, numtorch.randn(2, 4, 4)) is None
    assert not model.training and not model.drop.training
    assert not model.drop._forward_hooks and "forward" not in model.drop.__dict__
