"""Process entry points for tests/test_multiprocessing.py (a module of its own, so processes
started with ``spawn`` can import them)."""

from __future__ import annotations

import sys

import numpy as np

import numtorch
from numtorch import nn


def add_to_weight(rank: int, model: nn.Module, amount: float) -> None:
    """Write into the model's (shared) weight from another process."""
    with numtorch.no_grad():
        model.weight.add_(amount * (rank + 1))


def add_to_own_weight(rank: int, model: nn.Module, amount: float) -> None:
    """Write into element ``rank`` of the model's (shared) weight: processes that each write
    their own element never race (two unsynchronised ``add_`` on one element can lose one)."""
    with numtorch.no_grad():
        model.weight[0, rank].add_(amount * (rank + 1))


def put_tensor(rank: int, queue: object, received: object) -> None:
    """Send a tensor and stay alive until the parent has it (the sender owns the memory)."""
    queue.put(numtorch.arange(3.0) + rank)
    received.wait(60)


def raise_value_error(rank: int) -> None:
    raise ValueError(f"bad value in rank {rank}")


def exit_with(rank: int, code: int) -> None:
    sys.exit(code)


def regression_data(seed: int = 0) -> tuple[numtorch.Tensor, numtorch.Tensor]:
    """y = x @ w_true + 0.5 for a fixed w_true: a problem SGD solves in a few hundred steps."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 4)).astype(np.float32)
    w_true = np.array([[1.5], [-2.0], [0.5], [3.0]], np.float32)
    return numtorch.from_numpy(x), numtorch.from_numpy(x @ w_true + 0.5)


def loss_of(model: nn.Module) -> float:
    x, y = regression_data()
    with numtorch.no_grad():
        return float(nn.functional.mse_loss(model(x), y))


def hogwild_train(rank: int, model: nn.Module, steps: int) -> None:
    """The Hogwild example's ``train``: each process has its own optimizer and batches and
    updates the shared parameters without locks."""
    numtorch.manual_seed(1 + rank)
    x, y = regression_data()
    optimizer = numtorch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        index = numtorch.randint(0, x.shape[0], (32,))
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x[index]), y[index]).backward()
        optimizer.step()
