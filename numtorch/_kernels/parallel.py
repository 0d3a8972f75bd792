"""Data parallelism over chunks of a batch: a few threads, each running single-threaded BLAS
and single-threaded kernels on its own chunks, pulled from a shared counter.

Why not one multi-threaded GEMM and one parallel kernel after another? Every such call splits
its work statically between the cores and ends in a barrier, and an im2col -> GEMM -> col2im
pipeline has hundreds of them per layer, each waking a different thread pool. Here each thread
instead takes whole chunks (im2col, GEMMs, col2im of a few samples, hot in its own cache),
synchronising once per pass; and since a thread takes the next chunk when it is done, a core
that is busy with something else simply processes fewer chunks. NumPy and the numba kernels
(``nogil=True``) release the GIL, so the threads run truly in parallel.

OpenBLAS is switched to one thread for the duration (through ``threadpoolctl`` when it is
installed, and restored after); without ``threadpoolctl`` the chunks run on the calling thread
and OpenBLAS keeps its own threads. ``NUMTORCH_NUM_THREADS`` sets the number of threads
(default: the CPUs this process may run on) and bounds OpenBLAS's pool too, as
:func:`set_num_threads` does (``numtorch/_threads.py``: one setting governs every pool).
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
from collections.abc import Callable

import numpy as np

from numtorch import _threads

__all__ = [
    "num_threads",
    "set_num_threads",
    "map_chunks",
    "for_planes",
    "pointwise",
    "splits",
    "gemm",
    "bmm",
    "update_in_blocks",
    "scratch",
]

# A plane-wise kernel call is split into chunks of about this many bytes (and one chunk, run
# on the calling thread, below it: waking a thread costs more than it saves).
_PLANE_CHUNK_BYTES = 2**20
# ... but on many threads down to this size, so that each thread gets a chunk (a 4 MiB relu on
# 16 threads: 16 chunks, not 4). With two threads every split call has two chunks anyway.
_MIN_PLANE_CHUNK_BYTES = 2**18
# Work units per thread in map_chunks: enough for a busy core to hand its share to the others.
_UNITS_PER_THREAD = 4
# gemm: below this many multiply-adds per chunk the product runs on the calling thread.
_GEMM_CHUNK_MACS = 2**22
# ... and below this many rows of the result per chunk: every chunk reads all of ``b``, so
# thin row blocks turn a product into a pass over ``b`` per chunk (measured on 2 cores, one
# call against 3-8 row chunks: a Linear layer's (64, 25088) @ (25088, 10) 0.75 against 1.25 ms,
# (32, 4096) @ (4096, 4096) 16 against 35-100 ms, (128, 1024) @ (1024, 1024) 2.0 against 4.8).
_GEMM_MIN_ROWS = 128
_state: dict[str, object] = {}
_lock = threading.Lock()
_local = threading.local()


def num_threads() -> int:
    """Threads that :func:`map_chunks` uses (``NUMTORCH_NUM_THREADS``, else the usable CPUs)."""
    n = _state.get("threads")
    if n is None:
        n = _state["threads"] = _threads.requested_threads() or _usable_cpus()
    return n  # type: ignore[return-value]


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


def set_num_threads(n: int) -> None:
    """Use ``n`` threads from now on, in numtorch's pool and (bounded) in OpenBLAS's. A pool is
    kept per size, so switching back and forth (the benchmarks' interleaved thread-scaling
    runs) starts no new threads."""
    pools = _state.setdefault("pools", {})
    _state.update(threads=n, pool=pools.get(n - 1))  # type: ignore[union-attr]
    _threads.set_blas_threads(n)


def _blas() -> list:
    """threadpoolctl controllers of the loaded OpenBLAS libraries ([] without threadpoolctl:
    then :func:`map_chunks` stays on one thread)."""
    found = _state.get("blas")
    if found is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            found = []
        else:
            libs = ThreadpoolController().lib_controllers
            found = [c for c in libs if c.internal_api == "openblas"] or [None]
        _state["blas"] = found
    return found  # type: ignore[return-value]


class _SingleThreadedBlas:
    """OpenBLAS at one thread while any ``map_chunks`` is running (nesting-safe)."""

    active = 0
    saved: list = []

    def __enter__(self) -> None:
        with _lock:
            if _SingleThreadedBlas.active == 0:
                libs = [c for c in _blas() if c is not None]
                _SingleThreadedBlas.saved = [(c, c.num_threads) for c in libs]
                for c in libs:
                    c.set_num_threads(1)
            _SingleThreadedBlas.active += 1

    def __exit__(self, *exc) -> None:
        with _lock:
            _SingleThreadedBlas.active -= 1
            if _SingleThreadedBlas.active == 0:
                for c, n in _SingleThreadedBlas.saved:
                    c.set_num_threads(n)


def _pool(workers: int) -> _Pool:
    pool = _state.get("pool")
    if pool is None:
        pools = _state.setdefault("pools", {})
        pool = pools.get(workers)  # type: ignore[union-attr]
        if pool is None:
            pool = pools[workers] = _Pool(workers)  # type: ignore[index]
        _state["pool"] = pool
    return pool  # type: ignore[return-value]


class _Task:
    """One call of ``fn`` on a pool thread: the part of a ``concurrent.futures.Future`` that
    :func:`_run` uses, on two bare locks. ``claim`` is taken by whichever comes first, a pool
    thread about to run it or :meth:`cancel`; ``done`` is held until it has run."""

    __slots__ = ("fn", "claim", "done", "error")

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn: Callable[[], None] | None = fn
        self.claim = threading.Lock()
        self.done = threading.Lock()
        self.done.acquire()
        self.error: BaseException | None = None

    def cancel(self) -> bool:
        """Whether it was cancelled: True if no thread had started it (none ever will, and
        the call's arrays are let go now, not when a pool thread dequeues it)."""
        if self.claim.acquire(False):
            self.fn = None
            self.done.release()  # exception() returns at once
            return True
        return False

    def exception(self) -> BaseException | None:
        """Wait until it has run; the exception it raised, or None (handed over once)."""
        with self.done:
            error, self.error = self.error, None
        return error


def _execute(task: _Task) -> None:
    """Run ``task`` unless it was cancelled. Its exception's traceback holds this frame, so the
    frame lets go of the task before the exception is stored in it (no reference cycle)."""
    if not task.claim.acquire(False):
        return
    fn, task.fn, done = task.fn, None, task.done
    try:
        fn()  # type: ignore[misc]
    except BaseException as exc:  # noqa: BLE001 - handed to the caller through exception()
        task.error, task = exc, None
    finally:
        fn = None
        done.release()


class _Pool:
    """``workers`` daemon threads serving :class:`_Task` s from one queue.

    ``concurrent.futures.ThreadPoolExecutor`` did this with a Future (a Condition and its
    notifications), a work item and an executor check per call: measured on this 2-core
    machine, a 4 MiB relu split between two threads after a 0.2 ms pause (as between the ops
    of a training step) took 330-380 us with it, 260 us on bare locks (one thread: 255-290).
    """

    def __init__(self, workers: int) -> None:
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(workers):
            threading.Thread(
                target=_serve, args=(self.tasks,), name=f"numtorch_{i}", daemon=True
            ).start()

    def submit(self, fn: Callable[[], None]) -> _Task:
        task = _Task(fn)
        self.tasks.put(task)
        return task


def _serve(tasks: queue.SimpleQueue) -> None:
    get = tasks.get
    while True:
        task = get()
        _execute(task)
        task = None  # the next wait must not keep this task (or its exception) alive


def _forget_pools() -> None:
    """In a forked child: the parent's pool threads do not exist here, so start afresh (else
    every call would queue tasks that no thread takes). Nor do the parent's other threads: one
    may have held ``_lock`` or been inside a ``map_chunks`` at the fork, so the child gets a
    new lock, and OpenBLAS back at the thread count that call had saved."""
    global _lock
    _state.pop("pool", None)
    _state.pop("pools", None)
    _lock = threading.Lock()
    if _SingleThreadedBlas.active:
        _SingleThreadedBlas.active = 0
        for c, n in _SingleThreadedBlas.saved:
            c.set_num_threads(n)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def map_chunks(fn: Callable, chunks: list[tuple[int, int]]) -> list:
    """Run ``acc = fn(start, stop, acc)`` over the chunks; return the non-None results.

    On one thread a single accumulator (``acc`` starts as None, e.g. a weight gradient) runs
    through every chunk. On several, each chunk starts from None and the results come back in
    chunk order, whichever thread ran them: callers sum them in a fixed order, so the same
    input gives bit-identical results run after run (dynamic scheduling must not change the
    order of floating-point additions).

    Chunks must write disjoint outputs. Every thread runs under the caller's NumPy error state
    (``np.errstate``: a pool thread would otherwise warn where the caller silenced, or raise).
    The first exception of any chunk propagates to the
    caller once every thread has stopped, holding nothing of this call's (so a MemoryError's
    arrays are freed as soon as it is handled, not at the next garbage collection).
    """
    threads = min(num_threads(), len(chunks))
    if threads <= 1 or not _blas():
        acc = None
        for start, stop in chunks:
            acc = fn(start, stop, acc)
        return [] if acc is None else [acc]
    counter = itertools.count()
    results: list = [None] * len(chunks)
    failed: list = []  # set by the first failing chunk: the other threads stop
    errors = np.geterr()  # NumPy's error state is per thread: the pool runs under the caller's

    def worker() -> None:
        with np.errstate(**errors):
            for i in iter(counter.__next__, None):
                if i >= len(chunks) or failed:
                    return
                try:
                    results[i] = fn(*chunks[i], None)
                except BaseException:
                    failed.append(True)
                    raise

    with _SingleThreadedBlas():
        error = _run(worker, threads - 1)
    if error is not None:
        results.clear()  # the finished chunks' results, until the exception is handled
        try:
            raise error
        finally:
            error = None  # this frame is on the traceback: it must not hold the exception
    return [r for r in results if r is not None]


def _run(worker: Callable[[], None], helpers: int) -> BaseException | None:
    """Run ``worker`` on this thread and on ``helpers`` pool threads; wait for every one of
    them that started (a thread still running would hold its chunk's arrays) and return the
    first exception raised (or None), without raising it. A helper that has not started when
    this thread runs out of chunks is cancelled instead of waited for: waking a sleeping pool
    thread takes 50-100 us on this machine's virtual CPUs, as long as a small call's work.

    Raising a future's exception here would put this frame, whose ``futures`` hold the
    exception, on the exception's traceback: a reference cycle that keeps every array the
    failed chunks' frames hold (gigabytes after a MemoryError) until ``gc.collect()``.
    """
    futures = [_pool(num_threads() - 1).submit(worker) for _ in range(helpers)]
    error = raised = None
    try:
        worker()
    except BaseException as caught:  # noqa: BLE001 - handed to the caller, re-raised there
        error = caught
    for f in futures:
        if f.cancel():  # not started yet: this thread ran out of chunks first, no need to wait
            continue
        raised = f.exception()  # waits for the thread; does not raise
        error = error or raised
    futures.clear()
    try:
        return error
    finally:
        error = raised = None


def for_planes(fn: Callable[[int, int], object], planes: int, bytes_per_plane: int) -> None:
    """Run ``fn(p0, p1)`` over chunks of ``planes`` independent planes on :func:`map_chunks`'
    threads, sized by :func:`_plane_chunk_count` (on the calling thread when one
    ``_PLANE_CHUNK_BYTES`` chunk covers them all)."""
    total = planes * max(bytes_per_plane, 1)
    if 0 < total <= _PLANE_CHUNK_BYTES:  # one chunk: this thread, no pool bookkeeping
        fn(0, planes)
        return
    count = _plane_chunk_count(total, num_threads())
    step = max(1, -(-planes // max(count, 1)))
    chunks = [(i, min(i + step, planes)) for i in range(0, planes, step)]
    map_chunks(lambda p0, p1, acc: fn(p0, p1), chunks)


def _plane_chunk_count(total: int, threads: int) -> int:
    """Chunks for ``total`` bytes of plane-wise work: about ``_PLANE_CHUNK_BYTES`` each, few
    enough that the calls stay cheap (at most four per thread) and, when there are more
    threads than that gives, smaller (down to ``_MIN_PLANE_CHUNK_BYTES``) so each gets one.
    The split never changes a result: the planes are independent."""
    count = -(-total // _PLANE_CHUNK_BYTES)
    count = max(count, min(threads, -(-total // _MIN_PLANE_CHUNK_BYTES)))
    return min(count, 4 * threads)


# Below this size a pointwise op is one NumPy call on the calling thread (waking a thread
# costs more than it saves: measured on 2 cores, a 2 MiB relu ran slower split, 4 MiB faster).
_POINTWISE_BYTES = 4 * 2**20
# A pointwise op's chunks start at multiples of this many bytes and hold at least as many.
_POINTWISE_ALIGN_BYTES = 2**18


def splits(*arrays: np.ndarray) -> bool:
    """Whether :func:`pointwise` spreads an op on ``arrays`` over the threads: arrays (not
    scalars) of one shape and dtype, C-contiguous, at least ``_POINTWISE_BYTES`` each."""
    first = arrays[0]
    return (
        isinstance(first, np.ndarray)
        and first.nbytes >= _POINTWISE_BYTES
        and all(
            isinstance(a, np.ndarray)
            and a.shape == first.shape
            and a.dtype == first.dtype
            and a.flags.c_contiguous
            for a in arrays
        )
    )


def pointwise(fn: Callable, *arrays: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``fn(*pieces, out=out_piece)`` over contiguous flat ranges of ``arrays`` (which
    :func:`splits` accepts) on :func:`for_planes`' threads, into ``out`` (one of ``arrays``
    itself for an in-place op, or a new array like the first). Element by element, the
    chunk-sized temporaries (a comparison's mask) staying in cache.

    The result is the one-call result bit for bit at any thread count, NaN's signs included,
    because the chunks start at multiples of 256 KiB and none is shorter. The bits of a NaN
    made from two NaNs depend on where NumPy's loops put the element: add and multiply run
    SIMD vectors, then a scalar remainder whose compiled code may swap the operands; mixed
    dtypes go through 8192-element casting buffers; and a temporary of 256 KiB or more is
    reused in place (``g * tmp`` runs as ``tmp *= g``). At these boundaries (a multiple of
    8192 elements for any itemsize up to 32) a chunk's vectors and buffers are the one call's,
    and chunks this long reuse their temporaries as the one call does. (``fn`` that ends in
    ``np.multiply(g, tmp, out=out)`` does not get NumPy's in-place rewrite, so an op whose
    one-call form is ``g * tmp`` computes that expression and copies it into ``out``.)
    """
    out = np.empty_like(arrays[0]) if out is None else out
    flats, flat_out = [a.reshape(-1) for a in arrays], out.reshape(-1)
    planes, edge = _aligned_planes(flat_out.size, _POINTWISE_ALIGN_BYTES // out.itemsize)

    def chunk(p0: int, p1: int) -> None:
        i, j = edge(p0), edge(p1)
        fn(*[f[i:j] for f in flats], out=flat_out[i:j])

    for_planes(chunk, planes, _POINTWISE_ALIGN_BYTES)
    return out


def _aligned_planes(size: int, step: int) -> tuple[int, Callable[[int], int]]:
    """Planes of ``step`` elements over ``size`` (the remainder joins the last one, so none is
    shorter), and where plane ``p`` starts (``edge(planes)`` is ``size``): the boundaries at
    which split element-wise work gives the one call's bits (see :func:`pointwise`)."""
    planes = max(size // step, 1)
    return planes, lambda p: size if p == planes else p * step


# Elements per block of an in-place update (:func:`update_in_blocks`): small enough that each
# operation finds the block the previous one left in cache (measured on 20M-parameter SGD and
# Adam steps: 2**16 ran 6-15% slower, 2**15 40%, and 2**18 as fast).
_UPDATE_BLOCK = 1 << 17


def update_in_blocks(fn: Callable[..., object], *arrays: np.ndarray) -> None:
    """Run ``fn(*pieces)``, an element-wise update of its arguments in place (an optimizer's
    step), over flat blocks of ``_UPDATE_BLOCK`` elements of ``arrays`` spread over the
    threads, when :func:`splits` accepts them; else as one call on the whole arrays.

    A step written as whole-array NumPy operations makes a pass over memory per operation;
    block by block each operation reads what the previous one left in cache. On 2 cores, 20M
    parameters: SGD with momentum 57 -> 24 ms (PyTorch 20), Adam 174 -> 74 ms (PyTorch 85).
    Every element gets the same operations in the same order, and the blocks have
    :func:`pointwise`'s aligned boundaries (a multiple of 8192 elements, none shorter), so the
    result is the one-call result bit for bit at any thread count, NaN's signs included.
    """
    if not splits(*arrays):
        fn(*arrays)
        return
    flats = [a.reshape(-1) for a in arrays]
    blocks, edge = _aligned_planes(flats[0].size, _UPDATE_BLOCK)

    def chunk(b0: int, b1: int) -> None:
        for b in range(b0, b1):
            i, j = edge(b), edge(b + 1)
            fn(*[f[i:j] for f in flats])

    for_planes(chunk, blocks, _UPDATE_BLOCK * flats[0].itemsize)


def gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D arrays, split by rows over :func:`map_chunks`' threads, each chunk a
    single-threaded BLAS call of at least ``_GEMM_CHUNK_MACS`` multiply-adds and
    ``_GEMM_MIN_ROWS`` rows; smaller products run on the calling thread. numtorch keeps
    OpenBLAS at one thread (``numtorch/_threads.py``): this is how a large matmul still uses
    every core, pulling chunks dynamically, so a core busy with other work holds no one up.
    The result equals the unsplit product bit for bit (chunks this large take OpenBLAS's
    general kernel, whose sums over the inner dimension do not depend on the row count;
    splitting columns would change them: measured, 135 of 500 shapes, every M = 1 product
    among them), whatever the threads."""
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    return _split_product(a, b, out, batched=False)


def bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 3-D arrays with equal batches (attention's scores and weighted values,
    the batched products of ``bmm``/``baddbmm``), split by batch over :func:`map_chunks`'
    threads once each chunk has at least ``_GEMM_CHUNK_MACS`` multiply-adds; smaller products
    run on the calling thread. Each matrix of the batch is the same single-threaded BLAS call
    whichever chunk holds it, so the result equals the unsplit product bit for bit."""
    out = np.empty((a.shape[0], a.shape[1], b.shape[2]), np.result_type(a, b))
    return _split_product(a, b, out, batched=True)


def _split_product(a: np.ndarray, b: np.ndarray, out: np.ndarray, batched: bool) -> np.ndarray:
    """``np.matmul(a, b, out=out)`` split along the first axis of ``a`` and ``out`` (rows of a
    matrix, or matrices of a batch, which also splits ``b``), in chunks of at least
    ``_GEMM_CHUNK_MACS`` multiply-adds; one call on this thread when there are not two."""
    n, k = out.shape[0], a.shape[-1]
    rows = n if batched else n // _GEMM_MIN_ROWS
    chunks = min(_UNITS_PER_THREAD * num_threads(), out.size * k // _GEMM_CHUNK_MACS, rows)
    if chunks < 2:
        np.matmul(a, b, out=out)
        return out
    step = -(-n // chunks)

    def part(i0: int, i1: int, acc: object) -> None:
        np.matmul(a[i0:i1], b[i0:i1] if batched else b, out=out[i0:i1])

    map_chunks(part, [(i, min(i + step, n)) for i in range(0, n, step)])
    return out


_threads.bound_blas()  # NUMTORCH_NUM_THREADS bounds OpenBLAS before numtorch's first BLAS call


def scratch(size: int, dtype: np.dtype, slot: str = "cols") -> np.ndarray:
    """A per-thread 1-D work buffer of at least ``size`` elements, reused across calls so
    chunk after chunk writes the same cache-hot memory instead of faulting in fresh pages."""
    buffers = _local.__dict__.setdefault("buffers", {})
    buf = buffers.get((slot, dtype))
    if buf is None or buf.size < size:
        buf = buffers[(slot, dtype)] = np.empty(size, dtype)
    return buf[:size]
