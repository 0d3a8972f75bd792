"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad modes (``no_grad``,
``inference_mode``, ...), ``gradcheck`` and ``gradgradcheck``,
anomaly detection, and ``Variable._execution_engine.queue_callback`` (a callback at the end
of the running backward pass)."""

from __future__ import annotations

from numtorch.autograd.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
    set_detect_anomaly,
)
from numtorch.autograd.engine import Variable, _is_checkpoint_valid, backward, grad
from numtorch.autograd.function import Function
from numtorch.autograd.gradcheck import gradcheck, gradgradcheck
from numtorch.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "Function",
    "Variable",
    "backward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "inference_mode",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]
