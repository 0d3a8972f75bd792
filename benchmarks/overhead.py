"""Per-op overhead: small tensors, where the time is numtorch's Python and not NumPy's work.

    OMP_WAIT_POLICY=PASSIVE python -m benchmarks.overhead [--repeats N]

Each case runs a batch of calls of one small op on PyTorch and numtorch, interleaved in this
process (``benchmarks.harness.compare``), and prints microseconds per call and the ratio
numtorch / torch. The issue "house in order" asks that ``a + b`` not get slower when the op
declarations change; this is the measurement.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch

import numtorch
from benchmarks.harness import compare

_CALLS = 2000


def _pair(lib, requires_grad: bool) -> tuple:
    a = lib.tensor(np.arange(16, dtype=np.float32).reshape(4, 4), requires_grad=requires_grad)
    b = lib.tensor(np.ones((4, 4), dtype=np.float32), requires_grad=requires_grad)
    return a, b


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


CASES = {
    "a + b (no grad)": (add, _CALLS),
    "a + b (requires grad)": (lambda lib: add(lib, requires_grad=True), _CALLS),
    "a.abs()": (method_abs, _CALLS),
    "torch.mul(a, b)": (namespace_mul, _CALLS),
    "((a*b + a).exp().sum()).backward()": (chain_backward, _CALLS // 20),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print("| case | torch µs/call | numtorch µs/call | ratio |")
    print("|---|---:|---:|---:|")
    for name, (make, calls) in CASES.items():
        result = compare(
            name, {"torch": (make(torch), None), "numba": (make(numtorch), None)}, args.repeats
        )
        t, n = result.median_ms("torch") * 1e3 / calls, result.median_ms("numba") * 1e3 / calls
        print(f"| {name} | {t:.2f} | {n:.2f} | {n / t:.2f} |")


if __name__ == "__main__":
    main()
