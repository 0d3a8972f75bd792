"""``torch.utils.checkpoint``: the same values, gradients and warnings as PyTorch's, and a
reentrant replay that draws the same dropout masks as the forward pass."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from helpers import check_error, parity

import numtorch


def _ckpt(lib):
    return importlib.import_module(f"{lib.__name__}.utils.checkpoint")


def _fixed(lib, *modules):
    with lib.no_grad():
        for m in modules:
            for p in m.parameters():
                p.copy_(lib.arange(p.numel(), dtype=lib.float32).reshape(p.shape) / 10 - 0.3)
    return modules


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_matches_pytorch(reentrant) -> None:
    def run(lib):
        first, second = _fixed(lib, lib.nn.Linear(3, 4), lib.nn.Linear(4, 2))
        x = lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], requires_grad=True)
        h = _ckpt(lib).checkpoint(lambda t: lib.tanh(first(t)), x, use_reentrant=reentrant)
        second(h).pow(2).sum().backward()
        return h, h.grad_fn.name(), x.grad, first.weight.grad, first.bias.grad

    parity(run)


def test_checkpoint_sequential_matches_pytorch() -> None:
    def run(lib):
        seq = lib.nn.Sequential(
            lib.nn.Linear(3, 3), lib.nn.ReLU(), lib.nn.Linear(3, 3), lib.nn.Tanh()
        )
        _fixed(lib, seq)
        x = lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], requires_grad=True)
        y = _ckpt(lib).checkpoint_sequential(seq, 2, x, use_reentrant=True)
        y.sum().backward()
        return y, x.grad, seq[0].weight.grad, seq[2].weight.grad

    parity(run)


def test_the_replay_draws_the_forward_pass_dropout_masks() -> None:
    """Backward replays the block with the random state its forward pass had, and leaves the
    random stream where it was."""
    layer, drop = _fixed(numtorch, numtorch.nn.Linear(8, 8))[0], numtorch.nn.Dropout(0.5)

    def grads(checkpointed: bool) -> tuple:
        numtorch.manual_seed(3)
        x = numtorch.ones(4, 8, requires_grad=True)
        layer.zero_grad()
        block = lambda t: drop(layer(t))  # noqa: E731
        if checkpointed:
            h = _ckpt(numtorch).checkpoint(block, x, use_reentrant=True)
        else:
            h = block(x)
        h.pow(2).sum().backward()
        return x.grad.numpy(), layer.weight.grad.numpy(), numtorch.rand(3).numpy()

    for direct, replayed in zip(grads(False), grads(True)):
        np.testing.assert_array_equal(direct, replayed)


def test_checkpoint_warnings_and_errors() -> None:
    def unspecified(lib):
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            out = _ckpt(lib).checkpoint(lambda t: t * 2, lib.ones(2, requires_grad=True))
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            quiet = _ckpt(lib).checkpoint(lambda t: t * 2, lib.ones(2), use_reentrant=True)
        return out, quiet.requires_grad

    parity(unspecified)
    check_error(
        lambda lib: _ckpt(lib).checkpoint(lambda t: t, lib.ones(1), use_reentrant=True, foo=1),
        "Unexpected keyword arguments: foo",
        ValueError,
    )


def test_reentrant_checkpoint_refuses_gradients_of_chosen_inputs() -> None:
    def run(lib):
        a, w = lib.ones(2, requires_grad=True), lib.nn.Parameter(lib.ones(2))
        y = _ckpt(lib).checkpoint(lambda t: t * w, a, use_reentrant=True)
        y.sum().backward(inputs=[a])

    check_error(run, "incompatible with .grad\\(\\) or passing an `inputs` parameter", RuntimeError)
