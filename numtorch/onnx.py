"""``torch.onnx``, importable so that programs with ``import torch.onnx`` at the top load;
numtorch has no tracer, so :func:`export` raises ``NotImplementedError``."""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["export", "is_in_onnx_export"]


def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> NoReturn:
    """Not available: numtorch cannot trace a model into an ONNX graph. Train with numtorch,
    save the ``state_dict`` (``numtorch.save``), load it into the same model under PyTorch and
    export from there."""
    raise NotImplementedError(
        "torch.onnx.export is not available in numtorch (there is no graph tracer); load the "
        "saved state_dict into the same model in PyTorch and export it there"
    )


def is_in_onnx_export() -> bool:
    return False
