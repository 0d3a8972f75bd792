"""Time the trainer's optimizer steps (``numtorch train``'s own loop) at K ranks x T threads.

    mpiexec -n 2 python tests/distributed/workers/train_step_times.py --threads 1 --steps 300
    mpiexec -n 1 python tests/distributed/workers/train_step_times.py --threads 2 --steps 300

Trains the built-in classifier on the bundled digits (--batch-size 32 global, Dropout2d 0.3,
Adam) for --steps steps after --warmup untimed ones; rank 0 prints the median and mean step
time (wall clock between consecutive steps: forward, backward, gradient all-reduce, update).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numtorch
from numtorch.cli import data, loop
from numtorch.cli import distributed as cli_dist
from numtorch.cli.config import Config
from numtorch.cli.progress import Progress


class _Clock(Progress):
    """A silent Progress that records when each step ended."""

    def __init__(self, total: int, stream) -> None:
        super().__init__(total, "timing", stream)
        self.stamps: list[float] = []

    def update(self, n: int, loss: float, acc: float) -> None:
        self.stamps.append(time.perf_counter())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    world = cli_dist.start(True)
    numtorch.set_num_threads(args.threads)
    dataset = data.load("digits", None, None)
    run = loop._Run(Config(epochs=100), dataset, world)
    clock = _Clock(run.n_train, world.quiet or open("/dev/null", "w"))  # noqa: SIM115
    total = args.warmup + args.steps
    while len(clock.stamps) < total:
        limit = total - len(clock.stamps)
        loop.train_epoch(run.stepper, run.loader, run.optimizer, clock, limit, world)
    steps = [b - a for a, b in zip(clock.stamps[args.warmup :], clock.stamps[args.warmup + 1 :])]
    print(
        f"{world.size} rank(s) x {args.threads} thread(s): median step "
        f"{statistics.median(steps) * 1e3:.2f} ms, mean {statistics.fmean(steps) * 1e3:.2f} ms "
        f"over {len(steps)} steps",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
