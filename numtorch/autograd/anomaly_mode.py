"""Anomaly detection for the backward pass: ``detect_anomaly`` and ``set_detect_anomaly``.

With anomaly mode on, every recorded graph node keeps the stack of the forward call that made
it, and (with ``check_nan``) the engine raises ``RuntimeError`` at the first node whose
backward returns NaN, naming it as PyTorch does: ``Function 'LogBackward0' returned nan values
in its 0th output.`` Off by default; when off, the cost is one flag read per node.

Where numtorch differs from PyTorch, on purpose: the forward traceback is attached to the
raised exception as a note (shown under its traceback) instead of being printed as a separate
``UserWarning``, so it survives ``-W error`` and logging setups that drop warnings. The output
index counts the op's positional arguments (PyTorch counts its differentiable inputs; the two
agree whenever the tensors come first, as in every built-in op).
"""

from __future__ import annotations

import os
import traceback
import warnings

import numpy as np

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]

# Process-wide, as in PyTorch (its AnomalyMode is a global, not per-thread, switch).
_enabled = False
_check_nan = True


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection, when on, checks backward results for NaN."""
    return _check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (PyTorch's ``torch.set_anomaly_enabled``)."""
    global _enabled, _check_nan
    _enabled, _check_nan = bool(enabled), bool(check_nan)


class detect_anomaly:
    """Context manager that turns anomaly detection on inside its block.

    Creating it warns (as PyTorch does) that the mode slows the program down.

    Args:
        check_nan: raise ``RuntimeError`` when a backward function returns NaN.

    Example:
        >>> import warnings
        >>> import numtorch as torch
        >>> x = torch.tensor([-1.0], requires_grad=True)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     with torch.autograd.detect_anomaly():
        ...         y = torch.sqrt(x)
        ...         try:
        ...             y.sum().backward()
        ...         except RuntimeError as err:
        ...             print(err)
        Function 'SqrtBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once when called, restored on leaving a block.

    Args:
        mode: whether to enable anomaly detection.
        check_nan: raise ``RuntimeError`` when a backward function returns NaN.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _forward_stack() -> list[str]:
    """The forward call's stack, up to the last frame outside numtorch's own op plumbing."""
    frames = traceback.extract_stack()[:-2]
    end = len(frames)
    while end > 1 and os.path.abspath(frames[end - 1].filename).startswith(_PACKAGE):
        end -= 1
    return traceback.format_list(frames[:end])


def _check_nan_grads(node, grads: tuple) -> None:
    """Raise PyTorch's error if any gradient ``node``'s backward returned holds NaN."""
    for i, g in enumerate(grads):
        if g is not None and np.isnan(g).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _annotate(err: BaseException, node) -> None:
    """Attach the forward traceback of ``node`` to ``err`` (PyTorch prints it as a warning)."""
    stack = node.__dict__.get("_forward_stack")
    if stack and hasattr(err, "add_note") and not getattr(err, "_numtorch_annotated", False):
        err._numtorch_annotated = True
        err.add_note(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
            + "".join(stack).rstrip()
        )
