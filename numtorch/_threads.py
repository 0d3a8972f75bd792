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
* ``OPENBLAS_NUM_THREADS=1``: OpenBLAS runs on the calling thread, and numtorch's own pool does
  the parallel work (the convolutions, and ``parallel.gemm`` for a large matmul), pulling
  chunks dynamically so a busy core simply takes fewer. OpenBLAS splits every GEMM above
  m*n*k = 262,144 statically between its threads and waits for the slowest: on a loaded
  machine each small GEMM then waits for a core. Measured on the shared 2-core machine
  (load ~5, medians, numtorch / torch): LSTM step 21.8 with two OpenBLAS threads, 0.97 with
  one; ImageClassifier-32 step 1.20 / 0.95; a 1024² matmul 54 ms / 34 ms. A user who sets
  ``OPENBLAS_NUM_THREADS`` keeps it (bounded by numtorch's thread setting, below).
OPENBLAS_CORETYPE is never changed: forcing kernels OpenBLAS did not pick can give wrong results
or crashes with older builds on some CPUs.

OpenBLAS reads its variables once, when NumPy is first imported, so these take effect only
when ``numtorch`` is imported before ``numpy`` (``numtorch/__init__.py`` imports this module
first; importing this module applies them). ``NUMTORCH_THREAD_DEFAULTS=0`` turns all of it
off; :func:`report` says what was set.

One thread setting governs every pool. ``NUMTORCH_NUM_THREADS=n`` sizes numtorch's pool and
bounds OpenBLAS's at ``min(n, cap)``, the cap being the user's ``OPENBLAS_NUM_THREADS``, else 1
(else none with ``NUMTORCH_THREAD_DEFAULTS=0``). Before NumPy loads this costs nothing (an
environment variable; no ``threadpoolctl`` import); where NumPy was loaded first, or the
user's ``OPENBLAS_NUM_THREADS`` is larger than ``n``, :func:`bound_blas` (run when
``numtorch._kernels.parallel`` is imported, during ``import numtorch``, so before any numtorch
BLAS call) lowers it through ``threadpoolctl``. ``torch.set_num_threads(n)`` calls
:func:`set_blas_threads`, which applies the same ``min(n, cap)``. numba's own parallel layer is not used (``numtorch._kernels`` are
serial numba functions run on numtorch's pool), so there is no third pool to bound. Without
the limit OpenBLAS keeps one thread per core: a 1-thread numtorch process on a loaded machine
then had ImageClassifier-32² steps of 214 ms / 1.16 s / 3.99 s against a steady ~120 ms.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "apply_defaults",
    "report",
    "requested_threads",
    "blas_cap",
    "bound_blas",
    "set_blas_threads",
]

OPENBLAS_THREAD_TIMEOUT = "20"  # 2**20 cycles: a fraction of a millisecond
_state: dict[str, object] = {}


def _defaults() -> dict[str, str]:
    # OPENBLAS_CORETYPE is deliberately never forced: on some CPUs older
    # OpenBLAS builds compute wrong results or crash with kernels they did not pick themselves.
    return {
        "OMP_WAIT_POLICY": "PASSIVE",
        "OPENBLAS_THREAD_TIMEOUT": OPENBLAS_THREAD_TIMEOUT,
        "OPENBLAS_NUM_THREADS": "1",
    }


def requested_threads() -> int | None:
    """``NUMTORCH_NUM_THREADS`` as a positive int, or None when unset or empty."""
    env = os.environ.get("NUMTORCH_NUM_THREADS", "").strip()
    if not env:
        return None
    try:
        n = int(env)
    except ValueError:
        raise ValueError(f"NUMTORCH_NUM_THREADS must be an integer, but got {env!r}") from None
    return max(1, n)


def apply_defaults() -> dict[str, str]:
    """Set each default the user has not set; return what was set (name -> value)."""
    if "applied" in _state:
        return dict(_state["applied"])  # type: ignore[arg-type]
    applied: dict[str, str] = {}
    defaults_on = os.environ.get("NUMTORCH_THREAD_DEFAULTS", "1").strip() not in (
        "0",
        "false",
        "no",
    )
    _state["blas_cap"] = _int_env("OPENBLAS_NUM_THREADS") or (1 if defaults_on else None)
    if defaults_on:
        for name, value in _defaults().items():
            if name not in os.environ:
                os.environ[name] = value
                applied[name] = value
    n = requested_threads()
    if n is not None and "OPENBLAS_NUM_THREADS" not in os.environ:
        os.environ["OPENBLAS_NUM_THREADS"] = applied["OPENBLAS_NUM_THREADS"] = str(n)
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


def _int_env(name: str) -> int | None:
    try:
        return max(1, int(os.environ[name]))
    except (KeyError, ValueError):
        return None


def blas_cap() -> int | None:
    """The most threads OpenBLAS gets: the user's ``OPENBLAS_NUM_THREADS``, else 1 (numtorch's
    default), else None (no cap: ``NUMTORCH_THREAD_DEFAULTS=0``)."""
    return _state.get("blas_cap")  # type: ignore[return-value]


def bound_blas() -> None:
    """Make OpenBLAS honour the thread setting where the environment could not: NumPy loaded
    before numtorch, or a user's ``OPENBLAS_NUM_THREADS`` above ``NUMTORCH_NUM_THREADS``."""
    if "bounded" in _state:
        return
    _state["bounded"] = True
    n, cap = requested_threads(), blas_cap()
    late = _state.get("numpy_was_loaded") and (n is not None or cap is not None)
    if late or (n is not None and cap is not None and cap > n):
        set_blas_threads(n or cap or 1)


def set_blas_threads(n: int) -> None:
    """Limit every BLAS library loaded in this process to ``min(n, blas_cap())`` threads
    (``threadpoolctl``, imported here and only here: about 10 ms; nothing without it)."""
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - a runtime dependency; a broken install keeps going
        return
    cap = blas_cap()
    threadpoolctl.threadpool_limits(min(n, cap) if cap else n, user_api="blas")


apply_defaults()  # on import: numtorch/__init__.py imports this module before anything else
