"""Run every benchmark case, PyTorch and numtorch interleaved in this one process.

    python -m benchmarks [--quick] [--paths numba,numpy] [--repeats N] [--json out.json]

Prints the environment (BLAS and its core type, thread counts, numtorch's kernel path and the
thread-pool defaults it set, how busy the machine was with other work), a Markdown table
(medians, min-max, ratio = numtorch / torch, the issue's target) for each numtorch kernel path,
Dropout2d's bandwidth against a plain copy, the first-step latency and the peak memory of a
training step (see ``benchmarks/probe.py`` for how), and writes all of it as JSON.
``--quick`` is a subset that takes about a minute.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys

import numpy as np
import torch

import numtorch
from benchmarks import cases, probe
from benchmarks.harness import compare, format_table, machine_load
from numtorch import _kernels
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
        "env": {
            k: v
            for k, v in os.environ.items()
            if k.startswith(("OMP_", "OPENBLAS_", "NUMBA_", "NUMTORCH_", "MKL_"))
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
    for model, n, size in cases.TRAIN_CASES:
        label = "ImageClassifier" if model == "classifier" else "small ResNet"
        name = f"train step {label} {n}x3x{size}x{size}"
        items.append((name, cases.training_step, (model, n, size), t["train"]))
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
    if not quick:
        cold = probe.run("numtorch", "classifier", 32, env={"NUMBA_CACHE_DIR": _tmpdir()})
        out.append({"model": "classifier 32x32, empty numba cache", **cold})
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


def _tmpdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="numtorch-cold-cache-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="a one-minute subset")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--paths", default=None, help="numtorch kernel paths (default: numba,numpy, or numpy)"
    )
    parser.add_argument("--json", default="benchmarks/results.json")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 11)
    default = "numba,numpy" if importlib.util.find_spec("numba") else "numpy"
    paths = (args.paths or default).split(",")
    rows = []
    with machine_load() as load:
        for name, builder, params, target in plan(args.quick):
            res = compare(name, _contenders(builder, params, paths), repeats, target=target)
            rows.append(res.row())
            ratios = ", ".join(f"{p} {res.ratio(p):.2f}" for p in paths)
            print(f"  {name}: {ratios}", file=sys.stderr, flush=True)
        _kernels._reset()
        bw = bandwidth(rows, paths, args.quick)
    env = environment(paths)
    env["other_processes_cpu_share"] = load.other
    report = {"environment": env, "results": rows, "dropout_bandwidth": bw}
    report["eval_dropout2d_no_copy"] = {
        "numtorch": cases.eval_is_identity(numtorch),
        "torch": cases.eval_is_identity(torch),
    }
    report["first_step_and_peak_memory"] = probes(args.quick)
    if not args.quick:
        report["thread_defaults_effect"] = thread_defaults_effect()
        print("thread-pool defaults:", json.dumps(report["thread_defaults_effect"], indent=1))
    print("environment:", json.dumps(env, indent=1))
    print(format_table(rows, paths))
    print("\nDropout2d forward bandwidth vs a copy:", json.dumps(bw, indent=1, default=str))
    print("eval-mode Dropout2d returns its input (no copy):", report["eval_dropout2d_no_copy"])
    print("first step and peak memory:", json.dumps(report["first_step_and_peak_memory"], indent=1))
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
