"""Thread-pool and BLAS defaults, set in the environment before NumPy loads OpenBLAS.

Several thread pools share the cores: OpenBLAS's (every matmul), numtorch's own (the chunked
convolution and the plane-wise kernels, ``numtorch._kernels.parallel``), and any OpenMP pool
(PyTorch's, in a program that also imports it). By default an idle OpenBLAS or OpenMP worker
busy-waits for a while after its work is done, so on a machine with few cores one pool spins
on a core another pool is waiting for. Measured on 2 cores: after a ``Linear`` layer's GEMM
the OpenBLAS worker spins for ~0.1 s, through the next training step's convolutions, which
then run 1.3-1.5x slower (small ResNet step: 71-73 ms without these defaults, 54-56 ms with).
numtorch therefore sets, **only where the user has not set them**:

* ``OMP_WAIT_POLICY=PASSIVE``: idle OpenMP workers sleep at once;
* ``OPENBLAS_THREAD_TIMEOUT=20``: OpenBLAS workers spin about 2**20 cycles (well under a
  millisecond) before sleeping, instead of OpenBLAS's 2**28 (about 0.1 s);
OPENBLAS_CORETYPE is never changed: forcing kernels OpenBLAS did not pick can give wrong results
or crashes with older builds on some CPUs.

OpenBLAS reads its variables once, when NumPy is first imported, so these take effect only
when ``numtorch`` is imported before ``numpy`` (``numtorch/__init__.py`` imports this module
first; importing this module applies them). ``NUMTORCH_THREAD_DEFAULTS=0`` turns all of it
off; :func:`report` says what was set.
"""

from __future__ import annotations

import os
import sys

__all__ = ["apply_defaults", "report"]

OPENBLAS_THREAD_TIMEOUT = "20"  # 2**20 cycles: a fraction of a millisecond
_state: dict[str, object] = {}


def _defaults() -> dict[str, str]:
    # OPENBLAS_CORETYPE is deliberately never forced: on some CPUs older
    # OpenBLAS builds compute wrong results or crash with kernels they did not pick themselves.
    return {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": OPENBLAS_THREAD_TIMEOUT}


def apply_defaults() -> dict[str, str]:
    """Set each default the user has not set; return what was set (name -> value)."""
    if "applied" in _state:
        return dict(_state["applied"])  # type: ignore[arg-type]
    applied: dict[str, str] = {}
    if os.environ.get("NUMTORCH_THREAD_DEFAULTS", "1").strip() not in ("0", "false", "no"):
        for name, value in _defaults().items():
            if name not in os.environ:
                os.environ[name] = value
                applied[name] = value
    _state["applied"] = applied
    _state["numpy_was_loaded"] = "numpy" in sys.modules
    return dict(applied)


def report() -> dict[str, object]:
    """What :func:`apply_defaults` set, and whether NumPy (so OpenBLAS) was already loaded
    then, in which case the OpenBLAS variables had no effect."""
    return {
        "set_by_numtorch": dict(_state.get("applied", {})),  # type: ignore[arg-type]
        "numpy_loaded_before": bool(_state.get("numpy_was_loaded", False)),
    }


apply_defaults()  # on import: numtorch/__init__.py imports this module before anything else
