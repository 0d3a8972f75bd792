"""Measurements that need a fresh process: import time, first-step latency (numba's JIT or
cache load, PyTorch's one-off set-up) and the peak memory of a training step.

    python -m benchmarks.probe LIB MODEL SIZE [--memory]
    python -m benchmarks.probe both MODEL SIZE
    python -m benchmarks.probe cold [MODEL SIZE]

LIB is ``numtorch`` or ``torch``; prints one JSON object. ``both`` times the training step of
both libraries interleaved (the way ``python -m benchmarks`` does) in a fresh process: with
``NUMTORCH_THREAD_DEFAULTS=0`` in its environment, that shows what numtorch's thread-pool
defaults are worth. ``run`` starts a probe from the parent benchmark. (``-m benchmarks.probe``
imports the ``benchmarks`` package first, which applies those defaults unless disabled.)
How memory is measured:

* ``peak_rss_mb``: the rise of the process's resident set (``VmHWM``, reset through
  ``/proc/self/clear_refs`` just before the step) during one training step, after two warm-up
  steps. The parent sets ``MALLOC_MMAP_THRESHOLD_=65536`` for this run, so glibc's malloc
  (which both NumPy and PyTorch's CPU allocator use) maps every large block fresh and unmaps
  it on free: the rise is then the peak of the step's live large allocations, the same
  yardstick for both libraries. Linux only.
* ``peak_traced_mb`` (numtorch only): ``tracemalloc``'s peak of live NumPy allocations during
  the step, above what was live before it (NumPy reports its data buffers to tracemalloc).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time


def _status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            m = re.search(rf"{field}:\s+(\d+) kB", f.read())
    except OSError:
        return None
    return int(m.group(1)) * 1024 if m else None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _measure(lib_name: str, model: str, size: int, memory: bool) -> dict:
    start = begin = time.perf_counter()
    if lib_name == "numtorch":
        import numtorch as lib  # first: its thread defaults precede NumPy's BLAS
    else:
        import torch as lib
    out: dict = {"lib": lib_name, "import_s": time.perf_counter() - start}
    from benchmarks import cases

    step = cases.training_step(lib, model, 32, size)
    start = time.perf_counter()
    step()
    out["first_step_ms"] = 1e3 * (time.perf_counter() - start)
    if lib_name == "numtorch":  # numba compiles (or loads) in the background, the NumPy
        # twins running the steps until it is done: the steady steps are numba's, and a cold
        # run leaves the cache full
        lib._kernels.wait_for_kernels()
        out["kernels_ready_s"] = time.perf_counter() - begin  # from the import on
    times = []
    for _ in range(5):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    out["steady_step_ms"] = 1e3 * statistics.median(times)
    out["first_step_extra_ms"] = out["first_step_ms"] - out["steady_step_ms"]
    if memory:
        out.update(_memory(step, lib_name))
    return out


def _memory(step, lib_name: str) -> dict:
    out: dict = {}
    before = _status("VmRSS")
    if before is not None and _reset_peak_rss():
        step()
        out["peak_rss_mb"] = (_status("VmHWM") - before) / 2**20
    if lib_name == "numtorch":
        import tracemalloc

        tracemalloc.start()
        step()  # the optimizer's momentum buffers exist already; settle the traced baseline
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        out["peak_traced_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()
    return out


def _interleaved(model: str, size: int) -> dict:
    import torch

    import numtorch
    from benchmarks import cases
    from benchmarks.harness import compare

    fns = {
        lib.__name__: (cases.training_step(lib, model, 32, size), None) for lib in (torch, numtorch)
    }
    res = compare(f"{model} {size}", fns, 9)
    return {
        "torch_ms": res.median_ms("torch"),
        "numtorch_ms": res.median_ms("numtorch"),
        "ratio": res.ratio("numtorch"),
    }


def run(lib_name: str, model: str, size: int, memory: bool = False, env: dict | None = None):
    """Run the probe in a fresh interpreter; its JSON result, or ``{"error": ...}``."""
    cmd = [sys.executable, "-m", "benchmarks.probe", lib_name, model, str(size)]
    if memory:
        cmd.append("--memory")
    full_env = _with_bytecode(dict(os.environ, **(env or {})))
    if full_env.get("NUMTORCH_THREAD_DEFAULTS") == "0":  # drop what this process's defaults set
        from benchmarks import THREAD_DEFAULTS

        for name in THREAD_DEFAULTS["set_by_numtorch"]:
            full_env.pop(name, None)
    if memory:
        full_env["MALLOC_MMAP_THRESHOLD_"] = "65536"
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=_ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        return {"error": (proc.stderr or proc.stdout).strip()[-500:]}
    out = json.loads(lines[-1])
    out["compile_notice"] = COMPILE_NOTICE in proc.stderr
    return out


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_warmed: list[str | None] = []  # the bytecode caches (PYTHONPYCACHEPREFIX or None) filled
# Untimed, before the first probe: numtorch's modules compiled (its kernel modules load lazily,
# so an import alone would leave them out), then the libraries the probes import.
_FILL_BYTECODE = (
    "import compileall; compileall.compile_dir('numtorch', quiet=1); "
    "compileall.compile_dir('benchmarks', quiet=1); import numba, torch, numtorch"
)


def _with_bytecode(env: dict) -> dict:
    """``env`` as a pip install runs: Python's bytecode of numtorch (and of the benchmarks)
    compiled, as pip compiles it at install and Python caches it at a first import. This
    project's machine sets ``PYTHONDONTWRITEBYTECODE=1``, under which every ``import numtorch``
    compiled its 220 modules from source again (0.42 s instead of 0.11, and 40 ms more in the
    first step); installed packages' bytecode (PyTorch's, numba's) came with their wheels. The
    bytecode goes where Python puts it (the checkout's gitignored ``__pycache__`` folders, or
    the user's ``PYTHONPYCACHEPREFIX``, where the dependencies' bytecode is filled too), once
    per process, untimed; a read-only checkout is compiled from source at every import, as
    before."""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    prefix = env.get("PYTHONPYCACHEPREFIX")
    if prefix not in _warmed:
        fill = [sys.executable, "-c", _FILL_BYTECODE]
        subprocess.run(fill, env=env, cwd=_ROOT, capture_output=True, check=False)
        _warmed.append(prefix)
    return env


COMPILE_NOTICE = "compiling kernels, first run only"
COLD_TARGETS = {"cold_total_s": 3.0, "warm_first_step_extra_ms": 300.0, "import_s": 0.5}


def cold_start(model: str = "classifier", size: int = 32) -> dict:
    """``import numtorch`` + the first training step in a fresh interpreter, first with an
    empty numba cache (``NUMBA_CACHE_DIR`` a new folder), then again with that cache warm;
    whether the one-line compile notice was printed each time, and the issue's targets."""
    import shutil
    import tempfile

    cache = tempfile.mkdtemp(prefix="numtorch-cold-cache-")
    try:
        cold = run("numtorch", model, size, env={"NUMBA_CACHE_DIR": cache})
        warm = run("numtorch", model, size, env={"NUMBA_CACHE_DIR": cache})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    out: dict = {"model": f"{model} {size}x{size}", "cold": cold, "warm": warm}
    if "error" not in cold and "error" not in warm:
        out["cold_total_s"] = cold["import_s"] + cold["first_step_ms"] / 1e3
        out["warm_total_s"] = warm["import_s"] + warm["first_step_ms"] / 1e3
        out["warm_first_step_extra_ms"] = warm["first_step_extra_ms"]
        out["import_s"] = warm["import_s"]
    out["targets"] = COLD_TARGETS
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args[0] == "cold":
        print(
            json.dumps(cold_start(*(args[1:2] or ["classifier"]), *map(int, args[2:3])), indent=1)
        )
    elif args[0] == "both":
        print(json.dumps(_interleaved(args[1], int(args[2]))))
    else:
        print(json.dumps(_measure(args[0], args[1], int(args[2]), "--memory" in sys.argv)))
