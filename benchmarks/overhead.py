"""Per-op overhead: small tensors, where the time is numtorch's Python and not NumPy's work.

    OMP_WAIT_POLICY=PASSIVE python -m benchmarks.overhead [--repeats N]

Each case runs a batch of calls of one small op on PyTorch and numtorch, interleaved in this
process (``benchmarks.harness.compare``), and prints microseconds per call and the ratio
numtorch / torch. Issue 13's targets: ``a + b``, ``a * b``, ``relu(a)`` and ``a.sum()`` on
10-element tensors at most 5 µs per call under ``no_grad`` and 10 µs with autograd.
``python -m benchmarks`` runs these cases too (:func:`measure`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch

import numtorch
from benchmarks.harness import compare

_CALLS = 2000


_TARGET_US = {False: 5.0, True: 10.0}  # per call: no grad, with autograd


def _pair(lib, requires_grad: bool) -> tuple:
    a = lib.tensor(np.arange(10, dtype=np.float32) - 4.5, requires_grad=requires_grad)
    b = lib.tensor(np.ones(10, dtype=np.float32), requires_grad=requires_grad)
    return a, b


def _unit(op: Callable, requires_grad: bool) -> Callable:
    """A builder running ``op(lib, a, b)`` ``_CALLS`` times: under ``no_grad``, or on inputs
    that require grad with grad mode on (each call records its graph node)."""

    def make(lib) -> Callable:
        a, b = _pair(lib, requires_grad)

        def run() -> None:
            with lib.enable_grad() if requires_grad else lib.no_grad():
                for _ in range(_CALLS):
                    op(lib, a, b)

        return run

    return make


def add(lib, requires_grad: bool = False) -> Callable:
    a, b = _pair(lib, requires_grad)

    def run() -> None:
        for _ in range(_CALLS):
            a + b

    return run


def method_abs(lib) -> Callable:
    a, _ = _pair(lib, False)

    def run() -> None:
        for _ in range(_CALLS):
            a.abs()

    return run


def namespace_mul(lib) -> Callable:
    a, b = _pair(lib, False)

    def run() -> None:
        for _ in range(_CALLS):
            lib.mul(a, b)

    return run


def chain_backward(lib) -> Callable:
    a, b = _pair(lib, True)

    def run() -> None:
        for _ in range(_CALLS // 20):
            ((a * b + a).exp().sum()).backward()

    return run


_OPS = {
    "a + b": lambda lib, a, b: a + b,
    "a * b": lambda lib, a, b: a * b,
    "relu(a)": lambda lib, a, b: lib.relu(a),
    "a.sum()": lambda lib, a, b: a.sum(),
}
# name -> (builder, calls per run, target µs per call or None)
TARGETED = {
    f"{name} ({'requires grad' if grad else 'no grad'})": (
        _unit(op, grad),
        _CALLS,
        _TARGET_US[grad],
    )
    for grad in (False, True)
    for name, op in _OPS.items()
}
CASES = {
    **{name: (make, calls) for name, (make, calls, _) in TARGETED.items()},
    "a.abs()": (method_abs, _CALLS),
    "torch.mul(a, b)": (namespace_mul, _CALLS),
    "((a*b + a).exp().sum()).backward()": (chain_backward, _CALLS // 20),
}


def measure(repeats: int = 15, cases: dict | None = None) -> list[dict]:
    """µs per call of each case on both libraries (medians, interleaved) and the target."""
    rows = []
    for name, (make, calls, *target) in (cases or CASES).items():
        target = target[0] if target else TARGETED.get(name, (None, None, None))[2]
        result = compare(
            name, {"torch": (make(torch), None), "numtorch": (make(numtorch), None)}, repeats
        )
        t = result.median_ms("torch") * 1e3 / calls
        n = result.median_ms("numtorch") * 1e3 / calls
        rows.append(
            {"case": name, "torch_us": t, "numtorch_us": n, "ratio": n / t, "target_us": target}
        )
    return rows


def format_rows(rows: list[dict]) -> str:
    """The per-op table in Markdown."""
    lines = [
        "| case | torch µs/call | numtorch µs/call | ratio | target µs |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        target = ""
        if r["target_us"]:
            target = f"<= {r['target_us']:g} {'✓' if r['numtorch_us'] <= r['target_us'] else '✗'}"
        lines.append(
            f"| {r['case']} | {r['torch_us']:.2f} | {r['numtorch_us']:.2f} | {r['ratio']:.2f} | {target} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(format_rows(measure(args.repeats)))


if __name__ == "__main__":
    main()
