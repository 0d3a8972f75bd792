"""Run every benchmark case, numtorch and PyTorch interleaved in this one process.

    OMP_WAIT_POLICY=PASSIVE python -m benchmarks [--quick] [--json out.json]

Prints a Markdown table (medians, ratio = numtorch / torch) and the environment (BLAS, thread
counts, numtorch's kernel path), and writes the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import numtorch  # noqa: E402
from benchmarks import cases  # noqa: E402
from benchmarks.harness import compare, format_table  # noqa: E402


def environment() -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "numtorch": numtorch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "kernel_path": getattr(numtorch, "_kernel_path", lambda: "numpy")(),
    }
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads)" for p in threadpool_info()
        ]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    return info


def plan(quick: bool) -> list[tuple[str, object, tuple]]:
    shapes = cases.DROPOUT_SHAPES[:3] if quick else cases.DROPOUT_SHAPES
    items = []
    for s in shapes:
        items.append((f"Dropout2d fwd {s}", cases.dropout2d_forward, (s,)))
        items.append((f"Dropout2d fwd+bwd {s}", cases.dropout2d_forward_backward, (s,)))
        items.append((f"MaxPool2d(2) fwd+bwd {s}", cases.maxpool_forward_backward, (s,)))
    items.append((f"Dropout2d eval {shapes[0]}", cases.dropout2d_eval, (shapes[0],)))
    for n, ci, co, hw in cases.CONV_CASES:
        items.append((f"Conv2d 3x3 fwd+bwd ({n},{ci}->{co},{hw}x{hw})", cases.conv_forward_backward, (n, ci, co, hw)))
    for size in (16, 32):
        items.append((f"train step ImageClassifier 32x3x{size}x{size}", cases.training_step, ("classifier", 32, size)))
    items.append(("train step small ResNet 32x3x32x32", cases.training_step, ("resnet", 32, 32)))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="a one-minute subset")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--json", default="benchmarks/results.json")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 11)
    env = environment()
    print("environment:", json.dumps(env))
    rows = []
    for name, builder, params in plan(args.quick):
        result = compare(name, builder(torch, *params), builder(numtorch, *params), repeats)
        rows.append(result.row())
        print(f"  {name}: ratio {result.ratio:.2f}", file=sys.stderr, flush=True)
    print(format_table(rows))
    with open(args.json, "w") as f:
        json.dump({"environment": env, "results": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
