"""numtorch vs PyTorch, side by side in one process: ``python -m benchmarks [--quick]
[--threads N]``; ``python -m benchmarks --many-core-check`` for a many-core machine.

Modules: ``cases`` (the timed units, written once for both libraries), ``harness`` (interleaved
timing, machine load, step-time spread), ``overhead`` (per-op cost), ``fashion_mnist`` (a real
training run), ``probe`` (fresh-process measurements: cold start, first step, peak memory),
``many_core`` (the prepared many-core run), ``accuracy``.

Importing this package applies numtorch's thread-pool defaults (``numtorch/_threads.py``) to
the environment before anything loads NumPy or PyTorch, exactly as ``import numtorch`` does when
it comes first; ``THREAD_DEFAULTS`` records what was set.
"""

from __future__ import annotations

import os
import runpy
import sys

if "numpy" not in sys.modules:
    _path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "numtorch", "_threads.py")
    THREAD_DEFAULTS = runpy.run_path(_path)["report"]()
else:  # pragma: no cover - imported late: whatever numtorch itself did stands
    THREAD_DEFAULTS = {"set_by_numtorch": {}, "numpy_loaded_before": True}
