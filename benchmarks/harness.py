"""Timing tools: run the same case on PyTorch and numtorch, interleaved, and report medians.

The machine is shared and noisy, so each repetition times torch then numtorch back to back and
the table reports medians and the ratio of medians (numtorch / torch: lower is better).
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Result:
    name: str
    torch_times: list[float]
    numtorch_times: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.numtorch_times) / statistics.median(self.torch_times)

    def row(self) -> dict:
        t, n = self.torch_times, self.numtorch_times
        return {
            "case": self.name,
            "torch_median_ms": 1e3 * statistics.median(t),
            "numtorch_median_ms": 1e3 * statistics.median(n),
            "numtorch_min_ms": 1e3 * min(n),
            "numtorch_max_ms": 1e3 * max(n),
            "ratio": self.ratio,
        }


def _time_once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(name: str, torch_fn: Callable, numtorch_fn: Callable, repeats: int, warmup: int = 2) -> Result:
    """Warm both up, then alternate torch and numtorch ``repeats`` times."""
    for _ in range(warmup):
        torch_fn()
        numtorch_fn()
    gc.collect()
    t_times, n_times = [], []
    for i in range(repeats):
        # alternate which goes first, so neither always runs on a warmer cache
        if i % 2:
            n_times.append(_time_once(numtorch_fn))
            t_times.append(_time_once(torch_fn))
        else:
            t_times.append(_time_once(torch_fn))
            n_times.append(_time_once(numtorch_fn))
    return Result(name, t_times, n_times)


def format_table(rows: list[dict]) -> str:
    head = "| case | torch median (ms) | numtorch median (ms) | numtorch min / max (ms) | ratio |"
    lines = [head, "|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['torch_median_ms']:.2f} | {r['numtorch_median_ms']:.2f} | "
            f"{r['numtorch_min_ms']:.2f} / {r['numtorch_max_ms']:.2f} | {r['ratio']:.2f} |"
        )
    return "\n".join(lines)
