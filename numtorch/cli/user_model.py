"""Your own model: ``--model FILE.py:CLASS`` or ``--model package.module:CLASS`` with
``--model-args`` JSON keyword arguments. The class is an ordinary ``numtorch.nn.Module``; every
way it can fail to load, build or run on the data is one ``UsageError`` line (exit code 2)."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numtorch as torch
from numtorch import nn
from numtorch.cli.config import UsageError, is_model_spec


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def canonical_args(text: str | None) -> str:
    """``--model-args`` as canonical JSON text (sorted keys), refusing anything but an object."""
    if text is None:
        return "{}"
    try:
        value = json.loads(text)
    except ValueError as err:
        raise UsageError(f"--model-args is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise UsageError(f"--model-args must be a JSON object of keyword arguments, not {text!r}")
    return json.dumps(value, sort_keys=True)


def canonical_spec(spec: str) -> str:
    """A file spec with its path made absolute (so ``--resume`` and ``predict`` work from any
    folder); a module spec unchanged."""
    where, _, name = spec.rpartition(":")
    if where.endswith(".py"):
        return f"{Path(where).resolve()}:{name}"
    return spec


def _load_file(path: str) -> ModuleType:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--model file {path!r} does not exist")
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:12]
    name = f"_numtorch_user_model_{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise UsageError(f"--model file {path!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the user's code: any failure is one line
        sys.modules.pop(name, None)
        raise UsageError(f"--model file {path!r} failed to import: {_first_line(err)}") from None
    return module


def _load_module(dotted: str) -> ModuleType:
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as err:
        raise UsageError(f"--model module {dotted!r} not found ({err})") from None
    except Exception as err:  # the user's code: any failure is one line
        raise UsageError(
            f"--model module {dotted!r} failed to import: {_first_line(err)}"
        ) from None


def load_class(spec: str) -> type:
    """The ``nn.Module`` subclass ``spec`` names."""
    if not is_model_spec(spec):
        raise UsageError(f"--model {spec!r} is not FILE.py:CLASS or package.module:CLASS")
    where, _, name = spec.rpartition(":")
    module = _load_file(where) if where.endswith(".py") else _load_module(where)
    cls = getattr(module, name, None)
    if cls is None:
        raise UsageError(f"--model {spec!r}: {where} has no class {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise UsageError(f"--model {spec!r}: {name} is not a numtorch.nn.Module subclass")
    return cls


def build(spec: str, model_args: str, sample: torch.Tensor, num_classes: int) -> nn.Module:
    """Build the user's model and check it maps ``sample`` (a small batch) to one logit per
    class; the model is left in training mode."""
    kwargs: dict[str, Any] = json.loads(model_args)
    cls = load_class(spec)
    try:
        model = cls(**kwargs)
    except Exception as err:  # the user's constructor
        raise UsageError(
            f"--model {spec!r}: constructing {cls.__name__} failed: {_first_line(err)}"
        ) from None
    _check_output(model, spec, sample, num_classes)
    return model


def _check_output(model: nn.Module, spec: str, sample: torch.Tensor, num_classes: int) -> None:
    model.eval()
    try:
        with torch.no_grad():
            out = model(sample)
    except Exception as err:  # the user's forward
        shape = "x".join(str(n) for n in sample.shape)
        raise UsageError(
            f"--model {spec!r} failed on a batch of the data ({shape}): {_first_line(err)}"
        ) from None
    finally:
        model.train()
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != len(sample):
        got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise UsageError(f"--model {spec!r} must return (batch, classes) logits, but gave {got}")
    if out.shape[1] < num_classes:
        raise UsageError(
            f"--model {spec!r} gives {out.shape[1]} outputs, but the data has {num_classes} classes"
        )


def require_named(saved_spec: str, given: str | None, command: str) -> None:
    """Refuse to import code only because a checkpoint names it: a checkpoint trained with
    ``--model FILE.py:CLASS`` or ``module:CLASS`` resumes or predicts only when the command
    line names the same model again (checkpoints are untrusted input; the code is not)."""
    if not is_model_spec(saved_spec):
        return
    if given is None or canonical_spec(given) != saved_spec:
        raise UsageError(
            f"this checkpoint's model is code, {saved_spec!r}: numtorch runs code only when "
            f"you name it, so pass --model {saved_spec} to {command}"
        )
