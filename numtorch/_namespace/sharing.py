"""Shared memory for tensors (``Tensor.share_memory_``, ``Tensor.is_shared``): what
``numtorch.multiprocessing`` and ``Module.share_memory`` build on."""

from __future__ import annotations
