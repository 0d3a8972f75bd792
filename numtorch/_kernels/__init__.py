"""Accelerated kernels for the memory-bound primitives, each with a pure-NumPy twin.

Every kernel family lives in two files: ``<family>.py`` holds the NumPy implementation and a
dispatcher, ``_numba_<family>.py`` the numba version (``@njit(cache=True, nogil=True)``,
serial: ``parallel.py`` spreads chunks of planes or samples over a few threads, which balances
a busy core better than numba's static ``prange``). Families: ``conv`` (im2col / col2im),
``winograd`` (F(2x2, 3x3) convolution), ``pooling`` (max-pool with argmax), ``dropout``
(per-plane scaling), ``pointwise`` (relu's gradient), ``special`` (erf and exact GELU, and
float32 sigmoid and SiLU: its kernels call glibc's ``erf`` and compute the sigmoid in float64,
which the NumPy path matches only to an ulp, so it loads synchronously, outside the background
compiler) and ``pickle_scan`` (not numeric). The
dispatcher picks the path once per process:

* ``NUMTORCH_KERNELS=numba`` forces numba (an ``ImportError`` at first use if it is missing);
* ``NUMTORCH_KERNELS=numpy`` forces the NumPy path (what Pyodide gets, where numba cannot run);
* unset or ``auto``: numba when it is installed, else NumPy.

numba itself is imported only when a kernel first runs, so ``import numtorch`` stays fast, and
each kernel compiles per dtype, cached on disk by ``cache=True``. Dtypes numba does not handle
(float16, bool) always take the NumPy path.

**A cold cache compiles in the background.** Compiling the numeric families takes seconds (a
fresh install, an empty ``NUMBA_CACHE_DIR``). When such a family loads on the ``auto`` path and
not all of its kernels are in numba's on-disk cache, one daemon thread compiles it: each kernel
run once on tiny inputs with the signatures the callers use (``warm_up(dtype)`` in each numba
module), one (family, dtype) after another in the order first asked for; until that pair is
ready :func:`numba_module` answers None and the NumPy twin runs. A warm cache loads
synchronously (numba's fixed cost, about 250 ms, is then paid once in the first step, less than
the contention of loading it beside the twins; ``_numba_cache`` spares it numba's context
refresh, which cached kernels do not need: 100-150 ms more), as do a forced path
(``NUMTORCH_KERNELS=numba`` or ``_reset("numba")``: the kernel tests must run numba itself) and
``pickle_scan``; except ``LAZY_FAMILIES`` (``pointwise``), whose twins cost about what their
kernels save: they load in the background even from a warm cache (30 ms less on the first
step). At exit the thread stops after the kernel it is compiling (each is cached as it
completes) and the next run carries on in the background.

**Why this is deterministic.** Each NumPy twin computes bit for bit what its numba kernel
computes: the same IEEE additions and multiplications in the same order (numba compiles without
fastmath, so neither side reassociates), vectorised over whole arrays instead of looped per
element (``tests/test_kernels.py`` compares every family's two paths byte for byte, NaN, inf
and signed zeros included). The algorithm and the GEMM shapes depend on the chosen path
(:func:`numba_path`), never on whether a kernel has compiled yet: a run that starts on the
twins and moves to numba mid-step, on any thread, gives the same numbers as one on numba
throughout.

When some of a family's kernels are not cached on disk, one line goes to stderr, once per
process (:data:`COMPILE_NOTICE`), so a reader knows why the first steps run slower. A warm cache
prints nothing. (stderr, not a warning: warnings are errors in tests.)

Example:
    >>> from numtorch._kernels import kernel_path
    >>> kernel_path() in ("numba", "numpy")
    True
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import sys
import threading
import warnings
from types import ModuleType

import numpy as np

__all__ = ["kernel_path", "numba_path", "wait_for_kernels", "ENV_VAR", "COMPILE_NOTICE"]

ENV_VAR = "NUMTORCH_KERNELS"
_CHOICES = ("auto", "numba", "numpy")
_state: dict[str, object] = {}
_NUMBA_KINDS = frozenset("fiu")  # floats and integers (float16 is excluded by its size)
COMPILE_NOTICE = "numtorch: compiling kernels, first run only (cached on disk afterwards)"
# Families whose NumPy twins are bit-identical to their kernels: these compile in the
# background on a cold cache.
BACKGROUND_FAMILIES = frozenset({"conv", "winograd", "pooling", "dropout", "pointwise"})
# Families whose twins cost about what their kernels save: even from a warm cache they load
# in the background, so the first step does not wait for them.
LAZY_FAMILIES = frozenset({"pointwise"})
_announced: list[bool] = []  # not in _state: _reset() must not make it print twice
_announce_lock = threading.Lock()  # pool threads may load a family at the same time
_load_lock = threading.RLock()  # one import and cache check per family


def kernel_path() -> str:
    """The active kernel path, ``"numba"`` or ``"numpy"`` (decided once, from ``NUMTORCH_KERNELS``
    and whether numba is installed)."""
    path = _state.get("path")
    if path is None:
        path = _state["path"] = _choose()
    return path  # type: ignore[return-value]


def _choose() -> str:
    wanted = _wanted()
    if wanted not in _CHOICES:
        raise ValueError(f"{ENV_VAR} must be one of {', '.join(_CHOICES)}, but got {wanted!r}")
    _state["forced"] = wanted == "numba"
    if wanted == "auto":
        return "numba" if importlib.util.find_spec("numba") is not None else "numpy"
    return wanted


def _wanted() -> str:
    return os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"


def _reset(path: str | None = None) -> None:
    """Force ``path`` (or re-read the environment when None); for tests and benchmarks. A
    forced ``"numba"`` loads and compiles synchronously."""
    _state.clear()
    if path is not None:
        if path not in _CHOICES[1:]:
            raise ValueError(f"kernel path must be 'numba' or 'numpy', but got {path!r}")
        _state.update(path=path, forced=path == "numba")


def numba_path(*dtypes: np.dtype) -> bool:
    """Whether the numba path serves arrays of ``dtypes``, compiled yet or not: what an
    algorithm choice may depend on (:func:`numba_module` also says whether it is ready)."""
    if kernel_path() != "numba":
        return False
    return all(dt.kind in _NUMBA_KINDS and (dt.kind != "f" or dt.itemsize >= 4) for dt in dtypes)


def wait_for_kernels() -> None:
    """Block until the background compiler has compiled everything asked of it so far (for
    benchmarks: time numba, not the twins; a no-op on a warm cache or a forced path)."""
    _background.wait()


def numba_module(family: str, *dtypes: np.dtype) -> ModuleType | None:
    """``numtorch._kernels._numba_<family>`` when the numba path is active, handles every one
    of ``dtypes`` and is ready for them; None means: use the NumPy implementation."""
    if not numba_path(*dtypes):
        return None
    module = _state.get(f"module:{family}")
    if module is None:
        module = _load(family)
        if module is None:
            return None
    if family in _background.families and not _state.get("forced"):
        return _background.module(family, dtypes)
    return module  # type: ignore[return-value]


def _load(family: str) -> ModuleType | None:
    """Import the family's numba module (once); unless all its kernels are cached on disk,
    announce it and, for a numeric family on the ``auto`` path, hand it to the background
    compiler."""
    with _load_lock:
        key = f"module:{family}"
        module = _state.get(key)
        if module is not None:
            return module  # type: ignore[return-value]
        try:
            module = importlib.import_module(f"numtorch._kernels._numba_{family}")
        except ImportError as err:  # a broken numba install: fall back unless it was asked for
            if _state.get("forced") or _wanted() == "numba":
                raise
            warnings.warn(f"numba failed to load ({err}); using the NumPy kernels", stacklevel=3)
            _state["path"] = "numpy"
            return None
        importlib.import_module("numtorch._kernels._numba_cache").load_lightly(module)
        if not _cached(module):
            _announce()
            if family in BACKGROUND_FAMILIES and not _state.get("forced"):
                _background.families[family] = module
        elif family in LAZY_FAMILIES and not _state.get("forced"):
            _background.families[family] = module  # loads from the cache off the first step
        _state[key] = module
        return module


def _cache_index_paths(module: ModuleType) -> list[str]:
    """The on-disk cache index file of each numba kernel in ``module``, less the helpers
    inlined into the others (never cached on their own). numba's private attributes: [] if
    they change, and then nothing is announced or compiled in the background."""
    paths = []
    for obj in vars(module).values():
        try:
            if obj.targetoptions.get("inline") != "always":
                paths.append(obj._cache._cache_file._index_path)
        except AttributeError:
            continue
    return paths


def _cached(module: ModuleType) -> bool:
    """Whether every kernel of ``module`` is in numba's on-disk cache (for some dtype: a
    dtype not compiled before compiles synchronously at its first call)."""
    return all(os.path.exists(p) for p in _cache_index_paths(module))


def _announce() -> None:
    """Print :data:`COMPILE_NOTICE` to stderr, once per process."""
    with _announce_lock:
        if not _announced:
            _announced.append(True)
            print(COMPILE_NOTICE, file=sys.stderr, flush=True)


class _Background:
    """One daemon thread that compiles (family, dtype) pairs in the order first asked for, by
    running the family's ``warm_up(dtype)`` one kernel at a time. Module state, not in
    ``_state``: the compiled kernels outlive a :func:`_reset`.

    At interpreter exit it stops after the kernel it is compiling (each kernel is cached on disk
    as it finishes, so the next run carries on from there): the exit waits at most one kernel's
    compile, and LLVM is never torn down under a running compile (which aborts the process).
    A fork likewise waits for the kernel being compiled; the parent then carries on, and the
    child does not compile: its twins serve what the parent had not finished.
    """

    def __init__(self) -> None:
        self.families: dict[str, ModuleType] = {}  # the families it serves, and their modules
        self._lock = threading.Lock()
        self._done: set[tuple[str, str]] = set()
        self._asked: set[tuple[str, str]] = set()
        self._queue: list[tuple[str, np.dtype]] = []
        self._thread: threading.Thread | None = None
        self.paused = False  # set at exit, in a forked child, and by tests to hold the queue
        self._resume = False  # whether to carry on after a fork

    def module(self, family: str, dtypes: tuple) -> ModuleType | None:
        """The family's module when compiled for every one of ``dtypes``, else None (and the
        missing pairs are queued)."""
        missing = [dt for dt in dtypes if (family, dt.str) not in self._done]
        if missing:
            self._ask(family, missing)
            return None
        return self.families[family]

    def _ask(self, family: str, dtypes: list) -> None:
        with self._lock:
            for dt in dtypes:
                if (family, dt.str) not in self._asked:
                    self._asked.add((family, dt.str))
                    self._queue.append((family, dt))
            self._start()

    def resume(self) -> None:
        """Start compiling what is queued (after ``paused`` was cleared)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._queue and self._thread is None and not self.paused:
            _register_fork_hooks()
            self._thread = threading.Thread(
                target=self._run, name="numtorch-kernel-compiler", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self.paused:
                    self._thread = None
                    return
                family, dtype = self._queue[0]
            if self._compile(family, dtype):
                self._done.add((family, dtype.str))
            with self._lock:
                if not self.paused:  # else it stays queued (and unfinished)
                    self._queue.pop(0)

    def _compile(self, family: str, dtype: np.dtype) -> bool:
        """Run the family's warm-up for ``dtype``; whether it got through (a failure leaves the
        pair to the NumPy twin, with one line on stderr)."""
        try:
            for _ in self.families[family].warm_up(dtype):
                if self.paused:
                    return False
        except Exception as err:  # noqa: BLE001 - the twin keeps serving this pair
            print(
                f"numtorch: compiling the {family} kernels for {dtype} failed ({err!r});"
                " the NumPy kernels serve them",
                file=sys.stderr,
                flush=True,
            )
            return False
        return True

    def wait(self) -> None:
        """Block until everything asked for so far is compiled (or the compiler paused)."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join()

    def stop(self) -> None:
        """Pause, and wait for the kernel being compiled (the interpreter is exiting)."""
        self.paused = True
        self.wait()

    def _before_fork(self) -> None:
        """No compile may run across a fork (the child would inherit numba's compiler lock
        held by a thread it does not have): pause after the current kernel."""
        self._resume = not self.paused and self._thread is not None
        if self._resume:
            self.stop()

    def _after_fork_in_parent(self) -> None:
        if self._resume:
            self.paused = False
            self.resume()

    def _after_fork_in_child(self) -> None:
        self.paused, self._thread, self._lock = True, None, threading.Lock()


_background = _Background()
atexit.register(_background.stop)


def _register_fork_hooks() -> None:
    """Once, when the compiler thread first starts, so the hooks run before those registered
    earlier (``os.fork`` runs them last-registered first): logging's, which numba's import
    registers, holds the lock that the compiler thread needs to finish its kernel."""
    if _fork_hooks or not hasattr(os, "register_at_fork"):
        return
    _fork_hooks.append(True)
    os.register_at_fork(
        before=lambda: _background._before_fork(),
        after_in_parent=lambda: _background._after_fork_in_parent(),
        after_in_child=lambda: _background._after_fork_in_child(),
    )


_fork_hooks: list[bool] = []
