"""Mixed-precision boilerplate runs unchanged: ``torch.autocast`` (accepted, and off in
numtorch), ``GradScaler`` (PyTorch's loss scaling, step for step) and the deprecated
``torch.cuda.amp`` / ``torch.cpu.amp`` spellings, parity-tested against PyTorch."""

from __future__ import annotations

import math
import warnings

import pytest
import torch
from helpers import check_error, parity

import numtorch


def _model_and_optimizer(lib):
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        model.bias.copy_(lib.tensor([0.05, -0.05]))
    return model, lib.optim.SGD(model.parameters(), lr=0.1)


def _train(lib, scaler, poison_step: int | None = None, steps: int = 5) -> list:
    """A few scaled SGD steps; at ``poison_step`` the input holds inf (that step is skipped)."""
    model, opt = _model_and_optimizer(lib)
    record = []
    for i in range(steps):
        x = lib.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
        if i == poison_step:
            x = x * math.inf
        opt.zero_grad()
        with lib.autocast("cpu", enabled=False):
            loss = model(x).pow(2).mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        record.append((scaler.get_scale(), model.weight.detach().clone()))
    return record + [scaler.state_dict()]


def test_grad_scaler_trains_as_pytorch_s() -> None:
    def run(lib):
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
        return _train(lib, scaler, poison_step=2)

    record = parity(run)
    scales = [r[0] for r in record[:-1]]
    assert scales == [1024.0, 2048.0, 1024.0, 1024.0, 2048.0]  # grow, back off, grow


def test_unscale_before_clipping_and_the_stage_errors() -> None:
    def run(lib):
        model, opt = _model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(model(lib.ones(1, 3)).sum()).backward()
        scaler.unscale_(opt)
        norm = lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        scaler.step(opt)
        scaler.update()
        return norm, model.weight

    parity(run)

    def twice(lib):
        model, opt = _model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(model(lib.ones(1, 3)).sum()).backward()
        scaler.unscale_(opt)
        scaler.unscale_(opt)

    check_error(twice, r"unscale_\(\) has already been called on this optimizer")

    def step_twice(lib):
        model, opt = _model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(model(lib.ones(1, 3)).sum()).backward()
        scaler.step(opt)
        scaler.step(opt)

    check_error(step_twice, r"step\(\) has already been called since the last update\(\)")
    check_error(
        lambda lib: lib.amp.GradScaler("cpu").update(), "Attempted update but _scale is None"
    )


def test_grad_scaler_state_dict_round_trip() -> None:
    def run(lib):
        scaler = lib.amp.GradScaler("cpu", init_scale=256.0, growth_interval=3)
        _train(lib, scaler, steps=2)
        state = scaler.state_dict()
        fresh = lib.amp.GradScaler("cpu")
        fresh.load_state_dict(state)
        return state, fresh.get_scale(), fresh.get_growth_interval()

    parity(run)


def test_a_disabled_or_cuda_scaler_passes_through() -> None:
    """``GradScaler()`` is for "cuda": on a CPU build it warns and disables itself."""

    def run(lib):
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
            scaler = lib.amp.GradScaler()
        off = lib.amp.GradScaler("cpu", enabled=False)
        return (
            _train(lib, scaler, steps=2),
            _train(lib, off, steps=2),
            scaler.get_scale(),
            scaler.is_enabled(),
        )

    parity(run)


def test_autocast_is_accepted_and_off() -> None:
    def run(lib):
        a = lib.ones(2, 2)
        with lib.autocast("cpu", enabled=False):
            quiet = str((a @ a).dtype)
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported"):
            with lib.autocast("cuda"):
                inside = lib.is_autocast_enabled("cuda")
        dtypes = str(lib.get_autocast_dtype("cpu")), str(lib.get_autocast_dtype("cuda"))
        return quiet, inside, dtypes

    parity(run)
    with pytest.warns(UserWarning, match="numtorch runs without autocast"):
        with numtorch.autocast("cpu"):
            assert (numtorch.ones(2, 2) @ numtorch.ones(2, 2)).dtype is numtorch.float32
    check_error(lambda lib: lib.autocast(0), "Expected `device_type` of type `str`", ValueError)
    check_error(lambda lib: lib.autocast("tpu"), "device type at start of device string: tpu")
    check_error(lambda lib: lib.autocast("meta"), "unsupported scalarType")


def test_autocast_as_a_decorator_and_custom_fwd() -> None:
    def run(lib):
        @lib.autocast("cpu", enabled=False)
        def double(x):
            return x * 2

        class Square(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu")
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        Square.apply(double(x)).sum().backward()
        return x.grad

    parity(run)


def test_deprecated_cuda_and_cpu_spellings_warn_as_pytorch() -> None:
    def run(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.cuda.amp.GradScaler()
            with lib.cuda.amp.autocast():
                pass
            lib.cpu.amp.GradScaler()
            with lib.cpu.amp.autocast(enabled=False):
                pass
        return [(w.category.__name__, str(w.message)) for w in caught]

    parity(run)


def test_cpu_queries() -> None:
    parity(
        lambda lib: (
            lib.cpu.is_available(),
            lib.cpu.device_count(),
            lib.cpu.current_device(),
            lib.cpu.synchronize(),
        )
    )
    assert numtorch.amp.is_autocast_available("cpu") == torch.amp.is_autocast_available("cpu")


def test_grad_scaler_refuses_what_pytorch_refuses() -> None:
    def no_grads(lib):
        _, opt = _model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(lib.ones(1))
        scaler.step(opt)

    check_error(no_grads, "No inf checks were recorded for this optimizer.", AssertionError)

    def pickled_mid_iteration(lib):
        import pickle

        model, opt = _model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(model(lib.ones(1, 3)).sum()).backward()
        scaler.unscale_(opt)
        pickle.dumps(scaler)

    check_error(pickled_mid_iteration, "may only be pickled at the beginning", AssertionError)
