"""Accelerated kernels for the memory-bound primitives, each with a pure-NumPy twin.

Every kernel family lives in two files: ``<family>.py`` holds the NumPy implementation and a
dispatcher, ``_numba_<family>.py`` the numba version (``@njit(cache=True, nogil=True)``,
serial: ``parallel.py`` spreads chunks of planes or samples over a few threads, which balances
a busy core better than numba's static ``prange``). Families: ``conv`` (im2col / col2im),
``winograd`` (F(2x2, 3x3) convolution), ``pooling`` (max-pool with argmax),
``dropout`` (per-plane scaling). The dispatcher picks the path once per process:

* ``NUMTORCH_KERNELS=numba`` forces numba (an ``ImportError`` at first use if it is missing);
* ``NUMTORCH_KERNELS=numpy`` forces the NumPy path (what Pyodide gets, where numba cannot run);
* unset or ``auto``: numba when it is installed, else NumPy.

numba itself is imported only when a kernel first runs, so ``import numtorch`` stays fast, and
each kernel compiles lazily per dtype (cached on disk by ``cache=True``, so only the very first
run on a machine pays the compile). Dtypes numba does not handle (float16, bool) always take
the NumPy path. When a kernel family loads and none of its kernels is in numba's on-disk cache
(a fresh install, or an empty ``NUMBA_CACHE_DIR``), one line goes to stderr, once per process
(:data:`COMPILE_NOTICE`): the first step then takes a few seconds more, and the reader should
know why. A warm cache prints nothing. (stderr, not a warning: warnings are errors in tests.)

Example:
    >>> from numtorch._kernels import kernel_path
    >>> kernel_path() in ("numba", "numpy")
    True
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import warnings
from types import ModuleType

import numpy as np

__all__ = ["kernel_path", "ENV_VAR", "COMPILE_NOTICE"]

ENV_VAR = "NUMTORCH_KERNELS"
_CHOICES = ("auto", "numba", "numpy")
_state: dict[str, object] = {}
_NUMBA_KINDS = frozenset("fiu")  # floats and integers (float16 is excluded by its size)
COMPILE_NOTICE = "numtorch: compiling kernels, first run only (cached on disk afterwards)"
_announced: list[bool] = []  # not in _state: _reset() must not make it print twice
_announce_lock = threading.Lock()  # pool threads may load a family at the same time


def kernel_path() -> str:
    """The active kernel path, ``"numba"`` or ``"numpy"`` (decided once, from ``NUMTORCH_KERNELS``
    and whether numba is installed)."""
    path = _state.get("path")
    if path is None:
        path = _state["path"] = _choose()
    return path  # type: ignore[return-value]


def _choose() -> str:
    wanted = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if wanted not in _CHOICES:
        raise ValueError(f"{ENV_VAR} must be one of {', '.join(_CHOICES)}, but got {wanted!r}")
    if wanted == "auto":
        return "numba" if importlib.util.find_spec("numba") is not None else "numpy"
    return wanted


def _reset(path: str | None = None) -> None:
    """Force ``path`` (or re-read the environment when None); for tests and benchmarks."""
    _state.clear()
    if path is not None:
        if path not in _CHOICES[1:]:
            raise ValueError(f"kernel path must be 'numba' or 'numpy', but got {path!r}")
        _state["path"] = path


def numba_module(family: str, *dtypes: np.dtype) -> ModuleType | None:
    """``numtorch._kernels._numba_<family>`` when the numba path is active and handles every
    one of ``dtypes``; None means: use the NumPy implementation."""
    if kernel_path() != "numba":
        return None
    for dt in dtypes:
        if dt.kind not in _NUMBA_KINDS or (dt.kind == "f" and dt.itemsize < 4):
            return None
    key = f"module:{family}"
    module = _state.get(key)
    if module is None:
        try:
            module = importlib.import_module(f"numtorch._kernels._numba_{family}")
        except ImportError as err:  # a broken numba install: fall back unless it was asked for
            if os.environ.get(ENV_VAR, "auto").strip().lower() == "numba":
                raise
            warnings.warn(f"numba failed to load ({err}); using the NumPy kernels", stacklevel=2)
            _state["path"] = "numpy"
            return None
        _state[key] = module
        _announce_cold_cache(module)
    return module  # type: ignore[return-value]


def _cache_index_paths(module: ModuleType) -> list[str]:
    """The on-disk cache index file of each numba kernel in ``module`` (numba's private
    attributes: [] if they change, and then nothing is announced)."""
    paths = []
    for obj in vars(module).values():
        try:
            paths.append(obj._cache._cache_file._index_path)
        except AttributeError:
            continue
    return paths


def _announce_cold_cache(module: ModuleType) -> None:
    """Print :data:`COMPILE_NOTICE` to stderr, once per process, when none of ``module``'s
    kernels is cached on disk (numba is about to compile them)."""
    with _announce_lock:
        if _announced:
            return
        paths = _cache_index_paths(module)
        if paths and not any(os.path.exists(p) for p in paths):
            _announced.append(True)
            print(COMPILE_NOTICE, file=sys.stderr, flush=True)
