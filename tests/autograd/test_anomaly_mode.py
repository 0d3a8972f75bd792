"""Anomaly detection: the first backward that returns NaN raises, named as PyTorch names it."""

from __future__ import annotations

import math

import pytest
import torch

import numtorch
from numtorch.autograd import anomaly_mode

WARNING = "Anomaly Detection has been enabled"


@pytest.fixture(autouse=True)
def _reset_anomaly():
    """Every test starts and ends with anomaly mode off, in both libraries."""
    numtorch.autograd.set_anomaly_enabled(False)
    torch.set_anomaly_enabled(False)
    yield
    numtorch.autograd.set_anomaly_enabled(False)
    torch.set_anomaly_enabled(False)


def _sqrt_negative(lib, x):
    return lib.sqrt(x - 2).sum()


def _log_times_zero(lib, x):
    return (lib.log(x - 1) * 0).sum()


def _zero_over_zero(lib, x):
    return (x * 0 / (x * 0)).sum()


def _nan_in_softmax(lib, x):
    return lib.softmax(x * math.inf, 0).sum()


CASES = [_sqrt_negative, _log_times_zero, _zero_over_zero, _nan_in_softmax]


def _message(lib, fn) -> str:
    x = lib.tensor([1.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        fn(lib, x).backward()
    return str(info.value)


def _torch_message(fn) -> str:
    # torch reports the forward traceback as a UserWarning; numtorch as an exception note.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _message(torch, fn)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_first_nan_raises_like_torch(fn):
    torch.autograd.set_detect_anomaly(True)
    numtorch.autograd.set_detect_anomaly(True)
    expected = _torch_message(fn)
    assert expected.startswith("Function '") and "returned nan values" in expected
    assert _message(numtorch, fn) == expected


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_off_by_default_nan_flows_silently(fn):
    assert not numtorch.autograd.is_anomaly_enabled()
    x = numtorch.tensor([1.0, 1.0], requires_grad=True)
    fn(numtorch, x).backward()
    assert numtorch.isnan(x.grad).any()


def test_check_nan_false_does_not_raise():
    with numtorch.autograd.set_detect_anomaly(True, check_nan=False):
        assert numtorch.autograd.is_anomaly_enabled()
        assert not numtorch.autograd.is_anomaly_check_nan_enabled()
        x = numtorch.tensor([1.0], requires_grad=True)
        _sqrt_negative(numtorch, x).backward()
    assert math.isnan(x.grad.item())


def test_set_detect_anomaly_acts_at_once_and_restores_in_a_block():
    numtorch.autograd.set_detect_anomaly(True)
    assert numtorch.autograd.is_anomaly_enabled()
    with numtorch.autograd.set_detect_anomaly(False):
        assert not numtorch.autograd.is_anomaly_enabled()
    assert numtorch.autograd.is_anomaly_enabled()
    numtorch.autograd.set_detect_anomaly(False)
    assert not numtorch.autograd.is_anomaly_enabled()


def test_detect_anomaly_warns_like_torch_and_restores():
    with pytest.warns(UserWarning, match=WARNING):
        ctx = numtorch.autograd.detect_anomaly(check_nan=False)
    with ctx:
        assert numtorch.autograd.is_anomaly_enabled()
        assert not numtorch.autograd.is_anomaly_check_nan_enabled()
    assert not numtorch.autograd.is_anomaly_enabled()
    assert numtorch.autograd.is_anomaly_check_nan_enabled()


def test_detect_anomaly_raises_inside_block():
    with pytest.warns(UserWarning, match=WARNING), numtorch.autograd.detect_anomaly():
        x = numtorch.tensor([0.0], requires_grad=True)
        y = _log_times_zero(numtorch, x + 1)
        with pytest.raises(RuntimeError, match=r"Function 'LogBackward0' returned nan values"):
            y.backward()


def test_error_carries_forward_traceback_note():
    numtorch.autograd.set_detect_anomaly(True)
    x = numtorch.tensor([1.0], requires_grad=True)
    y = numtorch.sqrt(x - 2)  # FORWARD-LINE
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    note = "\n".join(getattr(info.value, "__notes__", []))
    assert "Error detected in SqrtBackward0" in note
    assert "FORWARD-LINE" in note and "test_anomaly_mode.py" in note
    assert "_functions.py" not in note  # numtorch's own plumbing is trimmed


def test_other_backward_errors_are_annotated_too():
    numtorch.autograd.set_detect_anomaly(True)
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)  # invalidates the output ExpBackward0 saved
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        y.sum().backward()
    assert "Error detected in ExpBackward0" in "\n".join(info.value.__notes__)


def test_inf_alone_is_not_an_anomaly():
    # PyTorch checks for NaN only: log'(0) = inf passes.
    numtorch.autograd.set_detect_anomaly(True)
    x = numtorch.tensor([0.0], requires_grad=True)
    numtorch.log(x).sum().backward()
    assert x.grad.item() == math.inf


def test_finite_graph_unchanged_in_anomaly_mode():
    x = numtorch.tensor([0.5, 2.0], requires_grad=True)
    numtorch.log(x).exp().pow(2).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    with numtorch.autograd.set_detect_anomaly(True):
        numtorch.log(x).exp().pow(2).sum().backward()
    assert (x.grad.numpy() == plain).all()


def test_off_records_no_forward_stack():
    x = numtorch.tensor([1.0], requires_grad=True)
    assert "_forward_stack" not in vars((x * 2).grad_fn)
    with numtorch.autograd.set_detect_anomaly(True):
        assert "_forward_stack" in vars((x * 2).grad_fn)


def test_autograd_grad_is_checked_too():
    numtorch.autograd.set_detect_anomaly(True)
    x = numtorch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="SqrtBackward0"):
        numtorch.autograd.grad(_sqrt_negative(numtorch, x), x)


def test_module_level_switch_is_the_same_state():
    anomaly_mode.set_anomaly_enabled(True, False)
    assert numtorch.autograd.is_anomaly_enabled()
    assert not numtorch.autograd.is_anomaly_check_nan_enabled()
