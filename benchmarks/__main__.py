"""Run every benchmark case, PyTorch and numtorch interleaved in this one process.

    python -m benchmarks [--quick] [--threads N] [--paths numba,numpy] [--repeats N]
                         [--scaling | --no-scaling] [--budget S] [--json F] [--md F]
    python -m benchmarks --many-core-check [--out DIR] [--budget S]

Prints the environment (BLAS and its core type, thread counts, numtorch's kernel path and the
thread-pool defaults it set, how busy the machine was with other work), a Markdown table
(medians, min-max, ratio = numtorch / torch, the issue's target) for each numtorch kernel path,
Dropout2d's bandwidth against a plain copy, the per-op overhead (``benchmarks/overhead.py``),
the spread of step times on a loaded machine (max / median over 10 steps, one busy process
added), where the thread pool's time goes in a training step (``benchmarks/pool.py``), the
Fashion-MNIST run (``benchmarks/fashion_mnist.py``; skipped with a notice without
the data), the cold start (``import numtorch`` + first step, empty then warm numba cache), the
first-step latency and the peak memory of a training step (``benchmarks/probe.py``), whether
training is bit-identical run to run and across thread counts, and the thread-scaling table
(1, 2, 4, ... threads up to the usable CPUs, both libraries, every case); all of it goes to
JSON (``--json``) and Markdown (``--md``).

``--threads N`` runs everything at N threads in both libraries (``set_num_threads``, which
bounds numtorch's pool and OpenBLAS's together). ``--quick`` is a subset of a few minutes
(without the scaling table unless ``--scaling``). ``--budget S`` skips the sections that would
start after S seconds (the report lists them). ``--many-core-check`` is the prepared run for a
many-core machine (``benchmarks/many_core.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time

import numpy as np
import torch

import numtorch
from benchmarks import cases, fashion_mnist, overhead, pool, probe
from benchmarks.harness import busy_load, compare, format_table, machine_load, spread
from numtorch import _kernels, _malloc
from numtorch._kernels import parallel


def environment(paths: list[str]) -> dict:
    from benchmarks import THREAD_DEFAULTS

    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "numtorch_threads": parallel.num_threads(),
        "kernel_paths": paths,
        "numtorch_thread_defaults": THREAD_DEFAULTS,
        "numtorch_malloc_defaults": _malloc.report(),
        "env": {
            k: v
            for k, v in os.environ.items()
            if k.startswith(("OMP_", "OPENBLAS_", "NUMBA_", "NUMTORCH_", "MKL_", "MALLOC_"))
        },
    }
    try:
        from threadpoolctl import threadpool_info

        info["thread_pools"] = [
            f"{p['internal_api']} {p.get('version')} {p.get('architecture') or ''} "
            f"({p['num_threads']} threads) {os.path.basename(p['filepath'])}"
            for p in threadpool_info()
        ]
    except ImportError:
        info["thread_pools"] = "threadpoolctl not installed"
    return info


def plan(quick: bool) -> list[tuple[str, object, tuple, float | None]]:
    """(name, builder, args, target) for every timed case."""
    shapes = cases.DROPOUT_SHAPES[:3] if quick else cases.DROPOUT_SHAPES
    t = cases.TARGETS
    items = []
    for s in shapes:
        items.append((f"Dropout2d fwd {s}", cases.dropout2d_forward, (s,), None))
        items.append(
            (f"Dropout2d fwd+bwd {s}", cases.dropout2d_forward_backward, (s,), t["dropout"])
        )
        items.append(
            (f"MaxPool2d(2) fwd+bwd {s}", cases.maxpool_forward_backward, (s,), t["maxpool"])
        )
    items.append((f"Dropout2d eval {shapes[0]}", cases.dropout2d_eval, (shapes[0],), None))
    for n, ci, co, hw in cases.CONV_CASES:
        name = f"Conv2d 3x3 fwd+bwd ({n},{ci}->{co},{hw}x{hw})"
        items.append((name, cases.conv_forward_backward, (n, ci, co, hw), t["conv"]))
    items.append(
        ("LSTM 2x128 seq 50 batch 32 fwd+bwd", cases.lstm_forward_backward, (), t["sequence"])
    )
    name = "TransformerEncoderLayer d128 h4 batch 32 seq 64 fwd+bwd"
    items.append((name, cases.transformer_layer_forward_backward, (), t["sequence"]))
    for act in cases.ACTIVATION_CASES:
        label = "GELU (exact)" if act == "gelu" else act
        name = f"{label} fwd+bwd (32, 64, 512)"
        items.append((name, cases.activation_forward_backward, (act,), None))
    for model, n, size in cases.TRAIN_CASES:
        label = "ImageClassifier" if model == "classifier" else "small ResNet"
        name = f"train step {label} {n}x3x{size}x{size}"
        items.append((name, cases.training_step, (model, n, size), t["train"]))
    for opt, kwargs in cases.OPTIMIZER_CASES:  # after the training steps, which a budget keeps
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        name = f"{opt}({args}) step, {cases.OPTIMIZER_PARAMS // 10**6}M parameters"
        items.append((name, cases.optimizer_step, (opt, kwargs), None))
    return items


def _contenders(builder, args, paths: list[str]) -> dict:
    out = {"torch": (builder(torch, *args), None)}
    for p in paths:
        _kernels._reset(p)  # the numtorch objects are built on the path they will run on
        out[p] = (builder(numtorch, *args), lambda p=p: _kernels._reset(p))
    return out


def bandwidth(rows: list[dict], paths: list[str], quick: bool) -> list[dict]:
    """Dropout2d forward time against a copy of the same array (both write a new array)."""
    out = []
    for shape in [s for s in cases.DROPOUT_SHAPES if np.prod(s) >= 4_000_000][: 1 if quick else 2]:
        res = compare(f"copy {shape}", {"torch": (cases.copy(shape), None)}, 11)
        copy_s = res.median_ms("torch") / 1e3
        row = next(r for r in rows if r["case"] == f"Dropout2d fwd {shape}")
        gb = 2 * np.prod(shape) * 4 / 1e9  # read + write of a float32 array
        item = {"shape": shape, "copy_GBps": gb / copy_s}
        for p in paths:
            item[f"{p}_GBps"] = gb / (row[p]["median_ms"] / 1e3)
            item[f"{p}_vs_copy"] = copy_s / (row[p]["median_ms"] / 1e3)
        item["torch_GBps"] = gb / (row["torch"]["median_ms"] / 1e3)
        out.append(item)
    return out


def probes(quick: bool) -> list[dict]:
    """First-step latency (a normal process) and peak memory (a process with malloc's caching
    off), each in a fresh interpreter per library and model."""
    todo = (
        [("classifier", 32)] if quick else [("classifier", 16), ("classifier", 32), ("resnet", 32)]
    )
    out = []
    for model, size in todo:
        for lib in ("torch", "numtorch"):
            timing = probe.run(lib, model, size)
            memory = probe.run(lib, model, size, memory=True)
            keep = ("peak_rss_mb", "peak_traced_mb", "error")
            out.append(
                {
                    "model": f"{model} {size}x{size}",
                    **timing,
                    **{k: v for k, v in memory.items() if k in keep},
                }
            )
    return out


def thread_defaults_effect() -> list[dict]:
    """The ResNet training step, torch and numtorch interleaved in a fresh process, with and
    without numtorch's thread-pool defaults (``numtorch/_threads.py``)."""
    out = []
    for label, env in (
        ("defaults", {}),
        ("NUMTORCH_THREAD_DEFAULTS=0", {"NUMTORCH_THREAD_DEFAULTS": "0"}),
    ):
        out.append({"setting": label, **probe.run("both", "resnet", 32, env=env)})
    return out


def set_threads(n: int) -> None:
    """``n`` threads in both libraries (numtorch's call bounds OpenBLAS's pool too)."""
    numtorch.set_num_threads(n)
    torch.set_num_threads(n)


def thread_counts(most: int) -> list[int]:
    """1, 2, 4, ... below ``most``, then ``most``."""
    counts, n = [], 1
    while n < most:
        counts.append(n)
        n *= 2
    return counts + [most]


def scaling(quick: bool, path: str, repeats: int, deadline: float) -> list[dict]:
    """Every case at each thread count, torch and numtorch[path], all thread counts
    interleaved run by run (``enter`` switches the count, untimed), so load that comes and
    goes affects every column alike; the speed-up of each library from 1 (and from 2) threads
    to the most. Restores the thread counts it found."""
    found = numtorch.get_num_threads(), torch.get_num_threads()
    counts = thread_counts(parallel._usable_cpus())
    rows = []
    for name, builder, params, _ in plan(quick):
        if time.monotonic() > deadline:
            rows.append({"case": name, "skipped": "budget"})
            continue
        _kernels._reset(path)
        fns = {"torch": builder(torch, *params), "numtorch": builder(numtorch, *params)}
        contenders = {
            f"{lib}@{n}": (fn, lambda n=n: (set_threads(n), _kernels._reset(path)))
            for n in counts
            for lib, fn in fns.items()
        }
        res = compare(name, contenders, repeats)
        t = {
            n: {
                "torch_ms": res.median_ms(f"torch@{n}"),
                "numtorch_ms": res.median_ms(f"numtorch@{n}"),
            }
            for n in counts
        }
        for cell in t.values():
            cell["ratio"] = cell["numtorch_ms"] / cell["torch_ms"]
        row: dict = {"case": name, "threads": t}
        for lib in ("torch", "numtorch"):
            row[f"{lib}_speedup_1_to_{counts[-1]}"] = t[1][f"{lib}_ms"] / t[counts[-1]][f"{lib}_ms"]
            if len(counts) > 2:
                row[f"{lib}_speedup_2_to_{counts[-1]}"] = (
                    t[2][f"{lib}_ms"] / t[counts[-1]][f"{lib}_ms"]
                )
        rows.append(row)
        print(f"  scaling {name}: {json.dumps(t)}", file=sys.stderr, flush=True)
    numtorch.set_num_threads(found[0])
    torch.set_num_threads(found[1])
    _kernels._reset()
    return rows


def format_scaling(rows: list[dict]) -> str:
    """The scaling table in Markdown: ms (torch / numtorch) at each thread count, speed-ups."""
    done = [r for r in rows if "threads" in r]
    if not done:
        return "(no scaling rows)"
    counts = list(done[0]["threads"])
    speedups = [k for k in done[0] if "speedup" in k]
    head = "| case | " + " | ".join(f"{n} thr: torch / numtorch ms (ratio)" for n in counts)
    head += " | " + " | ".join(speedups) + " |"
    lines = [head, "|---|" + "---:|" * (len(counts) + len(speedups))]
    for r in done:
        cells = [
            f"{c['torch_ms']:.1f} / {c['numtorch_ms']:.1f} ({c['ratio']:.2f})"
            for c in r["threads"].values()
        ]
        cells += [f"{r[k]:.2f}x" for k in speedups]
        lines.append(f"| {r['case']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_pool(rows: list[dict]) -> str:
    """``pool.run``'s rows in Markdown."""
    lines = [
        "| case | threads | step ms | split ops | helper start µs (median / p90) "
        "| helpers cancelled | hand-over ms | waiting ms | share of the step |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['threads']} | {r['step_ms']:.1f} | "
            f"{r['split_ops_per_step']:.0f} | {r['helper_start_us_median']:.0f} / "
            f"{r['helper_start_us_p90']:.0f} | {r['helpers_cancelled_per_step']:.0f} | "
            f"{r['handover_ms_per_step']:.2f} | "
            f"{r['wait_ms_per_step']:.2f} | {100 * r['handover_and_wait_share']:.1f}% |"
        )
    return "\n".join(lines)


def step_spread(quick: bool) -> dict:
    """Max / median of 10 ImageClassifier-32 training steps per library, interleaved, with
    one busy-looping process added to whatever else loads the machine."""
    fns = {
        "torch": cases.training_step(torch, "classifier", 32, 32),
        "numtorch": cases.training_step(numtorch, "classifier", 32, 32),
    }
    with busy_load(1):
        out = spread(fns, steps=10)
    out["target"] = "numtorch max/median <= torch's"
    return out


def determinism() -> dict:
    """Losses of 3 training steps, twice at each of 1 thread and all the usable CPUs: are they
    bit-identical for a fixed thread count, and across thread counts?"""
    found = numtorch.get_num_threads()
    runs: dict[int, list] = {}
    for n in sorted({1, parallel._usable_cpus()}):
        numtorch.set_num_threads(n)
        runs[n] = [cases.training_losses(numtorch, "resnet", 8, 32) for _ in range(2)]
    numtorch.set_num_threads(found)
    firsts = [r[0] for r in runs.values()]
    return {
        "same_for_a_fixed_thread_count": all(a == b for a, b in runs.values()),
        "same_across_thread_counts": all(f == firsts[0] for f in firsts),
        "losses": {n: [float.fromhex(v) for v in r[0]] for n, r in runs.items()},
    }


_ONLY: set[str] = set()  # --only: the sections to run (empty: all)


def _section(report: dict, key: str, deadline: float, fn, *args) -> None:
    """``report[key] = fn(*args)``, or a note when the budget is spent or it fails; nothing
    when ``--only`` leaves it out."""
    if _ONLY and key not in _ONLY:
        return
    if time.monotonic() > deadline:
        report.setdefault("skipped_for_budget", []).append(key)
        return
    start = time.monotonic()
    try:
        report[key] = fn(*args)
    except Exception as err:  # noqa: BLE001 - one broken section must not lose the others
        report[key] = {"error": f"{type(err).__name__}: {err}"}
    print(f"  {key}: {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)


def markdown(report: dict, paths: list[str]) -> str:
    """Every table of ``report`` as one Markdown document."""
    env = report["environment"]
    parts = [
        "# numtorch vs PyTorch",
        f"{env['date']}; {env['cpu']}; {env['cpu_count']} CPUs, {env['usable_cpus']} usable; "
        f"threads: numtorch {env['numtorch_threads']}, torch {env['torch_threads']}; "
        "other processes' share of all CPU time: "
        f"{_share(env.get('other_processes_cpu_share'))} during the cases, "
        f"{_share(env.get('other_processes_cpu_share_whole_run'))} during the whole run",
        "## Cases (medians, ratio = numtorch / torch)",
        format_table(report["results"], paths),
    ]
    if isinstance(report.get("per_op"), list):
        parts += ["## Per-op overhead (10-element tensors)", overhead.format_rows(report["per_op"])]
    for key, title in (
        ("step_spread", "Step-time spread under load (max / median, 10 steps)"),
        ("fashion_mnist", "Fashion-MNIST"),
        ("cold_start", "Cold start"),
        ("determinism", "Determinism"),
        ("first_step_and_peak_memory", "First step and peak memory"),
    ):
        if key in report:
            parts += [f"## {title}", "```json\n" + json.dumps(report[key], indent=1) + "\n```"]
    if isinstance(report.get("pool_waits"), list):
        parts += ["## Thread pool per training step", format_pool(report["pool_waits"])]
    if "scaling" in report:
        parts += ["## Thread scaling", format_scaling(report["scaling"])]
    if report.get("skipped_for_budget"):
        parts.append(f"Skipped for the time budget: {', '.join(report['skipped_for_budget'])}")
    return "\n\n".join(parts) + "\n"


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="a subset of a few minutes")
    parser.add_argument("--threads", type=int, default=None, help="threads in both libraries")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--paths", default=None, help="numtorch kernel paths (default: numba,numpy, or numpy)"
    )
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--scaling", action="store_true", default=None, help="thread scaling")
    scale.add_argument("--no-scaling", dest="scaling", action="store_false")
    parser.add_argument("--budget", type=float, default=None, help="seconds; skip what is late")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--md", default=None, help="also write the tables as Markdown here")
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated sections: cases, per_op, step_spread, pool_waits, fashion_mnist, "
        "cold_start, determinism, first_step_and_peak_memory, thread_defaults_effect, scaling",
    )
    parser.add_argument("--many-core-check", action="store_true")
    parser.add_argument("--out", default="benchmarks/many-core", help="--many-core-check's folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.many_core_check:
        from benchmarks import many_core

        return many_core.run(args.out, args.budget or many_core.BUDGET_S)
    deadline = time.monotonic() + (args.budget or float("inf"))
    whole_run = machine_load().__enter__()
    only = set(args.only.split(",")) if args.only else None
    _ONLY.clear()
    _ONLY.update(only or ())
    if args.threads:
        set_threads(args.threads)
    repeats = args.repeats or (5 if args.quick else 11)
    default = "numba,numpy" if importlib.util.find_spec("numba") else "numpy"
    paths = (args.paths or default).split(",")
    rows = []
    with machine_load() as load:
        for name, builder, params, target in plan(args.quick):
            if time.monotonic() > deadline or (only and "cases" not in only):
                break
            res = compare(name, _contenders(builder, params, paths), repeats, target=target)
            rows.append(res.row())
            ratios = ", ".join(f"{p} {res.ratio(p):.2f}" for p in paths)
            print(f"  {name}: {ratios}", file=sys.stderr, flush=True)
        _kernels._reset()
        bw = bandwidth(rows, paths, args.quick) if rows else []
    env = environment(paths)
    env.update(
        other_processes_cpu_share=load.other,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        cpu=_cpu_model(),
        usable_cpus=parallel._usable_cpus(),
    )
    report = {"environment": env, "results": rows, "dropout_bandwidth": bw}
    report["eval_dropout2d_no_copy"] = {
        "numtorch": cases.eval_is_identity(numtorch),
        "torch": cases.eval_is_identity(torch),
    }
    if args.scaling:  # asked for explicitly (the many-core check): before the rest
        _section(report, "scaling", deadline, scaling, args.quick, paths[0], repeats, deadline)
    per_op = {k: v for k, v in overhead.TARGETED.items()}
    _section(report, "per_op", deadline, overhead.measure, 5 if args.quick else 11, per_op)
    _section(report, "step_spread", deadline, step_spread, args.quick)
    _section(report, "pool_waits", deadline, pool.run)
    images, epochs = (1280, 1) if args.quick else (fashion_mnist.IMAGES, fashion_mnist.EPOCHS)
    reps = 1 if args.quick else 3
    _section(report, "fashion_mnist", deadline, fashion_mnist.run, None, images, epochs, reps)
    if "skipped" in report.get("fashion_mnist", {}):
        print(f"Fashion-MNIST skipped: {report['fashion_mnist']['skipped']}", file=sys.stderr)
    _section(report, "cold_start", deadline, probe.cold_start)
    _section(report, "determinism", deadline, determinism)
    _section(report, "first_step_and_peak_memory", deadline, probes, args.quick)
    if not args.quick:
        _section(report, "thread_defaults_effect", deadline, thread_defaults_effect)
    if args.scaling is None and not args.quick:
        _section(report, "scaling", deadline, scaling, args.quick, paths[0], repeats, deadline)
    whole_run.__exit__(None, None, None)
    env["other_processes_cpu_share_whole_run"] = whole_run.other
    text = markdown(report, paths)
    print(text)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2, default=str)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
