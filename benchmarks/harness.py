"""Timing tools: run the same case on PyTorch and on numtorch (one or both kernel paths),
interleaved in one process, and report medians.

The machine is shared and noisy, so each repetition runs every contender back to back, in a
rotating order (none always runs on a warmer cache), and the table reports medians and the
ratio of medians (numtorch / torch: lower is better). ``machine_load`` measures how busy the
CPUs were with *other* processes meanwhile, so a reader can tell a noisy run.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    """Seconds per run of each contender (``"torch"``, ``"numba"``, ``"numpy"``)."""

    name: str
    times: dict[str, list[float]] = field(default_factory=dict)
    target: float | None = None

    def median_ms(self, who: str) -> float:
        return 1e3 * statistics.median(self.times[who])

    def ratio(self, who: str) -> float:
        return statistics.median(self.times[who]) / statistics.median(self.times["torch"])

    def row(self) -> dict:
        out: dict = {"case": self.name, "target": self.target}
        for who, t in self.times.items():
            out[who] = {
                "median_ms": 1e3 * statistics.median(t),
                "min_ms": 1e3 * min(t),
                "max_ms": 1e3 * max(t),
                "runs": len(t),
            }
            if who != "torch":
                out[who]["ratio"] = self.ratio(who)
        return out


def _wait_for_kernels() -> None:
    """On a cold kernel cache the warm-up runs numtorch on its NumPy twins while numba compiles
    in the background (``numtorch/_kernels/__init__.py``): time the compiled kernels."""
    from numtorch._kernels import wait_for_kernels

    wait_for_kernels()


def _time_once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(
    name: str,
    contenders: dict[str, tuple[Callable, Callable[[], None] | None]],
    repeats: int,
    warmup: int = 2,
    target: float | None = None,
) -> Result:
    """Warm every contender up, then run them ``repeats`` times in rotating order.

    ``contenders`` maps a name to ``(fn, enter)``: ``enter()`` (if any) is called before each
    of that contender's runs, untimed (it switches numtorch's kernel path).
    """
    names = list(contenders)
    for _ in range(warmup):
        for who in names:
            fn, enter = contenders[who]
            if enter:
                enter()
            fn()
    _wait_for_kernels()
    gc.collect()
    times: dict[str, list[float]] = {who: [] for who in names}
    for i in range(repeats):
        for who in names[i % len(names) :] + names[: i % len(names)]:
            fn, enter = contenders[who]
            if enter:
                enter()
            times[who].append(_time_once(fn))
    return Result(name, times, target)


def spread(
    contenders: dict[str, Callable[[], object]], steps: int = 10, warmup: int = 2
) -> dict[str, dict]:
    """Max / median of ``steps`` step times per contender, interleaved step by step: how much
    a step stalls (a pool spinning or waiting on a busy core), not how fast it is."""
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    _wait_for_kernels()
    times: dict[str, list[float]] = {who: [] for who in contenders}
    for _ in range(steps):
        for who, fn in contenders.items():
            times[who].append(_time_once(fn))
    return {
        who: {
            "median_ms": 1e3 * statistics.median(t),
            "max_ms": 1e3 * max(t),
            "max_over_median": max(t) / statistics.median(t),
        }
        for who, t in times.items()
    }


class busy_load:  # noqa: N801 - used as a context manager, like a function
    """``processes`` busy-looping Python processes while the block runs (a loaded machine);
    each is ended by its own pid afterwards."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> busy_load:
        code = "while True: pass"
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(self.processes)]
        time.sleep(0.2)  # let them get scheduled
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class machine_load:  # noqa: N801 - used as a context manager, like a function
    """Share of the machine's CPU time spent by *other* processes (not this one nor its
    children) while the block ran."""

    def __enter__(self) -> machine_load:
        self.ticks, self.own = _cpu_ticks(), os.times()
        self.wall = time.perf_counter()
        self.other: float | None = None
        return self

    def __exit__(self, *exc) -> None:
        ticks, own = _cpu_ticks(), os.times()
        if self.ticks is None or ticks is None:
            return
        hz = os.sysconf("SC_CLK_TCK")
        busy = ticks[0] - self.ticks[0]
        total = max(ticks[1] - self.ticks[1], 1)
        used = [a - b for a, b in zip(own[:4], self.own[:4], strict=True)]
        mine = sum(used) * hz  # this process and its children (the probes, the added load)
        self.other = max(0.0, (busy - mine) / total)


def format_table(rows: list[dict], paths: list[str]) -> str:
    """A Markdown table: torch median, then per numtorch path its median (min-max) and ratio."""
    head = "| case | target | torch median ms |"
    rule = "|---|---:|---:|"
    for p in paths:
        head += f" numtorch[{p}] median ms (min-max) | ratio [{p}] |"
        rule += "---:|---:|"
    lines = [head, rule]
    for r in rows:
        target = f"<= {r['target']}" if r.get("target") else ""
        line = f"| {r['case']} | {target} | {r['torch']['median_ms']:.2f} |"
        for p in paths:
            c = r[p]
            ok = ""
            if r.get("target"):
                ok = " ✓" if c["ratio"] <= r["target"] else " ✗"
            line += (
                f" {c['median_ms']:.2f} ({c['min_ms']:.2f}-{c['max_ms']:.2f}) |"
                f" {c['ratio']:.2f}{ok} |"
            )
        lines.append(line)
    return "\n".join(lines)
