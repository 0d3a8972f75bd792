"""glibc malloc settings for array-sized blocks, so a training loop stops faulting in fresh pages.

Every NumPy array is one ``malloc`` block. glibc serves a block above its *mmap threshold*
(128 KiB at start, raised to the size of each larger mmapped block freed, up to 32 MiB) with
a fresh ``mmap``, whose pages the kernel zeroes one 4 KiB fault at a time, and returns the free
memory at the top of the heap to the kernel once it exceeds the *trim threshold* (twice the
mmap threshold). A training step allocates and frees the same activation- and gradient-sized
arrays every step, in an order that keeps crossing those thresholds: measured here, a
Dropout2d forward and backward on (64, 32, 8, 8) took 428 µs with 224 page faults per call,
160 µs with none once both thresholds were fixed; the small ResNet's training step faulted
on 1,000-4,000 pages (4-16 MB) per step, PyTorch's on about 50.

So, on Linux with glibc, ``import numtorch`` fixes the mmap threshold at glibc's maximum
(:data:`MMAP_THRESHOLD`, 32 MiB: arrays up to that size come from the heap and are reused)
and the trim threshold at :data:`TRIM_THRESHOLD` (512 MiB: up to that much freed memory stays
with the process for the next step instead of going back to the kernel and faulting in again).
That is the whole cost: a process keeps up to 512 MiB it freed resident, as a caching
allocator would. Arrays above 32 MiB are still mapped and unmapped each time.

Only where the user has not tuned malloc (none of ``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``, ``MALLOC_MMAP_MAX_``, nor a ``glibc.malloc``
tunable in ``GLIBC_TUNABLES``); ``NUMTORCH_MALLOC_DEFAULTS=0`` turns it off. Elsewhere (macOS,
Windows, musl, Pyodide) nothing is done. :func:`report` says what happened.
"""

from __future__ import annotations

import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "apply_defaults", "report"]

MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit (HEAP_MAX_SIZE / 2)
TRIM_THRESHOLD = 512 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers
_USER_VARIABLES = (
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)
_state: dict[str, object] = {}


def _skip_reason() -> str | None:
    """Why the defaults do not apply here, or None when they do."""
    if os.environ.get("NUMTORCH_MALLOC_DEFAULTS", "").strip() == "0":
        return "NUMTORCH_MALLOC_DEFAULTS=0"
    for name in _USER_VARIABLES:
        if name in os.environ:
            return f"{name} is set"
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return "GLIBC_TUNABLES sets glibc.malloc"
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform})"
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        libc = ""
    if not libc.startswith("glibc"):
        return "not glibc"
    return None


def apply_defaults() -> bool:
    """Set the two thresholds (once per process) unless :func:`_skip_reason` says not to;
    whether they were set."""
    if "applied" in _state:
        return bool(_state["applied"])
    reason = _skip_reason()
    if reason is None:
        try:
            import ctypes

            mallopt = ctypes.CDLL(None).mallopt
            ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            ok = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
            reason = None if ok else "mallopt refused the values"
        except (ImportError, OSError, AttributeError) as err:  # no ctypes, no libc symbol
            reason = f"mallopt unavailable ({err})"
    _state["applied"], _state["reason"] = reason is None, reason
    return reason is None


def report() -> dict[str, object]:
    """``{"applied": bool, "reason": why not (or None), "mmap_threshold", "trim_threshold"}``."""
    apply_defaults()
    return {
        "applied": _state["applied"],
        "reason": _state["reason"],
        "mmap_threshold": MMAP_THRESHOLD,
        "trim_threshold": TRIM_THRESHOLD,
    }


apply_defaults()
