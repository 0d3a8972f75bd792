"""Loading kernels from numba's on-disk cache without refreshing its whole context (not a
kernel family: the loader :func:`numtorch._kernels.numba_module` applies to each one).

Before numba loads a kernel from its cache, ``Cache.load_overload`` refreshes the target
context: it imports and installs every implementation registry numba has (strings, typed
containers, random generators, polynomials, datetimes, jitclasses: about 70 modules) and then
the typing context's. A cached kernel is machine code already; loading it needs numba's runtime
(NRT) initialised and nothing from those registries. The refresh took 100-150 ms on the 2-core
machine, a third of a warm cache's first training step, before the first kernel could run.

:func:`load_lightly` gives every kernel of a module a ``load_overload`` that initialises the
runtime and loads. What compiles (a cache miss, a dtype not cached yet, a user's own ``@njit``)
still goes through numba's compiler, which refreshes the context itself before it starts, so no
compilation sees a partial context. Should a light load raise, numba's own load (refresh, then
load) runs instead. A kernel whose machine code needed a symbol that only a registry installs
would not raise but end the process when numba links it (an unresolved symbol, measured): none
of numtorch's kernels does (numba's C helpers, the C math functions glibc's ``erf`` among them,
and the runtime's functions are installed with the context and by ``rtsys.initialize``), and
``tests/test_kernel_warmup.py`` loads every family's kernels this way in a fresh process, so a
new kernel that did would fail there. It relies on two private names, ``Cache._load_overload``
and ``rtsys.initialize``: where a numba version lacks them, kernels keep numba's own load.
"""

from __future__ import annotations

import functools
from types import ModuleType

try:
    from numba.core.caching import Cache
    from numba.core.runtime import rtsys
except ImportError:  # pragma: no cover - a numba without them keeps its own load
    Cache = rtsys = None


def load_lightly(module: ModuleType) -> int:
    """Give every numba kernel in ``module`` the light cache load; how many kernels got it."""
    if rtsys is None or not hasattr(Cache, "_load_overload"):
        return 0
    count = 0
    for kernel in vars(module).values():
        cache = getattr(kernel, "_cache", None)
        if isinstance(cache, Cache) and "load_overload" not in vars(cache):
            cache.load_overload = functools.partial(_load_overload, cache)
            count += 1
    return count


def _load_overload(cache: Cache, sig: object, target_context: object) -> object:
    """numba's ``Cache.load_overload`` less the context refresh (numba holds its compiler lock
    here); the compiled kernel, or None when it is not cached."""
    try:
        rtsys.initialize(target_context)
        return cache._load_overload(sig, target_context)
    except Exception:  # numba's own: refresh everything, then load
        return Cache.load_overload(cache, sig, target_context)
