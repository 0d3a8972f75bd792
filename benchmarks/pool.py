"""Where numtorch's thread pool spends a training step's time: the diagnostic behind the
many-core rows.

Every op numtorch splits over its threads (``numtorch._kernels.parallel.map_chunks``) runs
chunks on the calling thread and hands one task to each helper thread. A helper has to wake
up and take Python's GIL before it runs a chunk, and the caller waits for every helper that
started; on a virtual CPU a wake-up costs 50-100 µs, and the GIL is handed over at least twice
per helper per op. This measures, per training step at the current thread count: how many ops
were split, how long after its hand-over each helper that ran started (median and 90th
percentile), how many helper tasks never ran (the calling thread had done every chunk before
the helper woke, and cancelled it: the latency figures leave those out, so they understate
how late helpers are), and how long the calling thread spent handing tasks over and waiting
for helpers to finish, in milliseconds and as a share of the step.

    python -m benchmarks --only pool_waits
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numtorch
from benchmarks import cases
from numtorch._kernels import parallel

STEPS = 5


class _Recorder:
    """Wraps the pool's hand-over (``_Pool.submit``), cancellation (``_Task.cancel``) and wait
    (``_Task.exception``) while active, restoring them on exit."""

    def __init__(self) -> None:
        self.splits = 0
        self.cancelled = 0
        self.submit_s = 0.0
        self.wait_s = 0.0
        self.start_latencies: list[float] = []

    def __enter__(self) -> _Recorder:
        self._submit, self._exception = parallel._Pool.submit, parallel._Task.exception
        self._run, self._cancel = parallel._run, parallel._Task.cancel
        recorder, submit, exception, run = self, self._submit, self._exception, self._run
        cancel = self._cancel

        def timed_run(worker: Callable[[], None], helpers: int):
            recorder.splits += 1
            return run(worker, helpers)

        def timed_submit(pool, fn: Callable[[], None]):
            handed = time.perf_counter()

            def started() -> None:
                recorder.start_latencies.append(time.perf_counter() - handed)
                fn()

            task = submit(pool, started)
            recorder.submit_s += time.perf_counter() - handed
            return task

        def counted_cancel(task) -> bool:
            cancelled = cancel(task)
            recorder.cancelled += cancelled
            return cancelled

        def timed_exception(task):
            begin = time.perf_counter()
            try:
                return exception(task)
            finally:
                recorder.wait_s += time.perf_counter() - begin

        parallel._run, parallel._Pool.submit = timed_run, timed_submit
        parallel._Task.exception, parallel._Task.cancel = timed_exception, counted_cancel
        return self

    def __exit__(self, *exc) -> None:
        parallel._run, parallel._Pool.submit = self._run, self._submit
        parallel._Task.exception, parallel._Task.cancel = self._exception, self._cancel


def measure(model: str, size: int, steps: int = STEPS) -> dict:
    """Per-step pool figures for ``steps`` training steps of ``model`` (batch 32)."""
    step = cases.training_step(numtorch, model, 32, size)
    step()
    step()
    with _Recorder() as rec:
        begin = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - begin
    lat = sorted(rec.start_latencies) or [0.0]
    return {
        "case": f"{model} {size}x{size}",
        "threads": parallel.num_threads(),
        "step_ms": 1e3 * elapsed / steps,
        "split_ops_per_step": rec.splits / steps,
        "helper_start_us_median": 1e6 * statistics.median(lat),
        "helper_start_us_p90": 1e6 * lat[int(0.9 * (len(lat) - 1))],
        "helpers_cancelled_per_step": rec.cancelled / steps,
        "handover_ms_per_step": 1e3 * rec.submit_s / steps,
        "wait_ms_per_step": 1e3 * rec.wait_s / steps,
        "handover_and_wait_share": (rec.submit_s + rec.wait_s) / elapsed,
    }


def run() -> list[dict]:
    """:func:`measure` for each of the benchmarks' training steps."""
    return [measure(model, size) for model, _, size in cases.TRAIN_CASES]
