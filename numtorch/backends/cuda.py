"""``torch.backends.cuda`` on a CPU build: not built. The switches programs set at start-up
(``torch.backends.cuda.matmul.allow_tf32 = True``, the scaled-dot-product-attention kernel
choices) are kept as PyTorch keeps them, and nothing reads them: numtorch computes in float32
or float64 as asked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = [
    "is_built",
    "matmul",
    "flash_sdp_enabled",
    "enable_flash_sdp",
    "mem_efficient_sdp_enabled",
    "enable_mem_efficient_sdp",
    "math_sdp_enabled",
    "enable_math_sdp",
    "cudnn_sdp_enabled",
    "enable_cudnn_sdp",
    "sdp_kernel",
]


def is_built() -> bool:
    """False: numtorch is not built with CUDA."""
    return False


class _Matmul:
    """``torch.backends.cuda.matmul``: its precision flags, with PyTorch's defaults; another
    attribute raises, as in PyTorch."""

    _FLAGS = {
        "allow_tf32": False,
        "allow_fp16_reduced_precision_reduction": True,
        "allow_bf16_reduced_precision_reduction": True,
        "fp32_precision": "ieee",
    }

    def __init__(self) -> None:
        for name, value in self._FLAGS.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"Unknown attribute {name}")


matmul = _Matmul()
_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled() -> bool:
    return _SDP["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    _SDP["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    return _SDP["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _SDP["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return _SDP["math"]


def enable_math_sdp(enabled: bool) -> None:
    _SDP["math"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    return _SDP["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    _SDP["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(
    enable_flash: bool = True,
    enable_math: bool = True,
    enable_mem_efficient: bool = True,
    enable_cudnn: bool = True,
) -> Iterator[None]:
    """PyTorch's (deprecated) context manager choosing the attention kernels: sets the
    switches inside the block and restores them after (numtorch has one kernel)."""
    saved = dict(_SDP)
    _SDP.update(
        flash=bool(enable_flash),
        math=bool(enable_math),
        mem_efficient=bool(enable_mem_efficient),
        cudnn=bool(enable_cudnn),
    )
    try:
        yield
    finally:
        _SDP.update(saved)
