"""The prepared run for a many-core machine: ``python -m benchmarks --many-core-check``.

    python -m benchmarks --many-core-check [--out benchmarks/many-core] [--budget 480]

Needs only numpy, numba, torch and threadpoolctl (no network; Fashion-MNIST is skipped with a
notice when its files are absent). Two runs of ``python -m benchmarks --quick``, each in a
fresh interpreter, within ``--budget`` seconds all told (default 8 minutes):

1. ``all-cores``: every usable CPU, with the thread-scaling table (1, 2, 4, ... threads up to
   all of them: numtorch's speed-up from 2 threads to all is one of issue 13's targets);
2. ``2-cores``: pinned to two CPUs with ``taskset`` (the first two this process may use),
   ``--threads 2``, no scaling table.

Each writes ``<name>.json`` and ``<name>.md`` into ``--out``; ``summary.md`` and
``summary.json`` there say what ran, how long, and where each result is. A run that would
overrun its share of the budget skips its remaining sections (listed in its report) rather
than being cut off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

BUDGET_S = 480.0
_ALL_CORES_SHARE = 0.6  # of the budget; the 2-core run gets the rest
_SETTLE_S = 20.0  # a run's own start-up and writing, beyond its --budget


def _commands(out: str, budget: float) -> list[tuple[str, list[str], dict, float]]:
    """(name, command, extra environment, seconds) of each run."""
    py = [sys.executable, "-m", "benchmarks", "--quick"]
    first = budget * _ALL_CORES_SHARE
    runs = [
        (
            "all-cores",
            [*py, "--scaling", "--repeats", "3"],
            {},
            first,
        )
    ]
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = ["taskset", "-c", ",".join(map(str, cpus[:2]))] if shutil.which("taskset") else []
    runs.append(
        (
            "2-cores",
            [*pin, *py, "--threads", "2", "--no-scaling", "--repeats", "5"],
            {"NUMTORCH_NUM_THREADS": "2"},
            budget - first,
        )
    )
    return [
        (
            name,
            [
                *cmd,
                "--budget",
                str(max(seconds - _SETTLE_S, 1)),
                "--json",
                os.path.join(out, f"{name}.json"),
                "--md",
                os.path.join(out, f"{name}.md"),
            ],
            env,
            seconds,
        )
        for name, cmd, env, seconds in runs
    ]


def _one(name: str, cmd: list[str], env: dict, seconds: float, out: str) -> dict:
    """Run one benchmark interpreter with a hard limit a little past its budget."""
    start = time.monotonic()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    log = os.path.join(out, f"{name}.log")
    with open(log, "w") as f:
        try:
            proc = subprocess.run(
                cmd,
                cwd=root,
                env=dict(os.environ, **env),
                stdout=f,
                stderr=subprocess.STDOUT,
                timeout=seconds + _SETTLE_S,
            )
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            status = "timed out"
    return {
        "run": name,
        "status": status,
        "seconds": time.monotonic() - start,
        "command": " ".join(cmd),
        "pinned": cmd[0] == "taskset",
        "log": log,
    }


def run(out: str = "benchmarks/many-core", budget: float = BUDGET_S) -> int:
    """Both runs, then the summary; 0 when both finished (maybe with skipped sections)."""
    os.makedirs(out, exist_ok=True)
    summary = {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "budget_s": budget,
        "runs": [],
    }
    for name, cmd, env, seconds in _commands(out, budget):
        print(f"many-core check: {name} (up to {seconds:.0f} s)", file=sys.stderr, flush=True)
        summary["runs"].append(_one(name, cmd, env, seconds, out))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    lines = [
        "# many-core check",
        f"{summary['usable_cpus']} usable CPUs of {summary['cpu_count']}; budget {budget:.0f} s",
        "| run | status | seconds | results |",
        "|---|---|---:|---|",
    ]
    for r in summary["runs"]:
        lines.append(f"| {r['run']} | {r['status']} | {r['seconds']:.0f} | {r['run']}.md |")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(r["status"] == "ok" for r in summary["runs"]) else 1
