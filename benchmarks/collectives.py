"""All-reduce latency and bandwidth of numtorch.distributed, next to raw mpi4py.

    mpiexec -n 2 python -m benchmarks.collectives [--sizes 4K,1M,100M] [--seconds 0.5]
    python -m benchmarks.collectives --step      # one ImageClassifier training step, 1 process
    python -m benchmarks.collectives --model [--alpha 30e-6 --step-seconds 0.9]  # on paper

Under mpiexec, rank 0 prints a Markdown table: for each message size (float32 tensors), the
median time of ``numtorch.distributed.all_reduce`` (the slowest rank's time per repetition,
after a barrier), the same for ``comm.Allreduce`` on the bare NumPy array (the transport's
own cost), the algorithmic bandwidth S/t and the ring "bus bandwidth" 2(K-1)/K * S/t that
``docs/distributed.md`` compares with the network. ``--step`` times the step the cost model
in the docs sets against the all-reduce: ImageClassifier on 32x32 RGB, batch 64, SGD.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import numtorch
import numtorch.distributed as dist
from numtorch.distributed._mpi import mpi
from numtorch.models import ImageClassifier

DEFAULT_SIZES = "4K,64K,1M,4.8M,16M,46.8M,100M"
_UNITS = {"K": 1e3, "M": 1e6, "G": 1e9}


def parse_size(text: str) -> int:
    """``"4.8M"`` -> 4800000 bytes (decimal units, as network bandwidths are quoted)."""
    unit = _UNITS.get(text[-1].upper(), 1)
    number = text[:-1] if text[-1].upper() in _UNITS else text
    return int(float(number) * unit)


def _timed(comm, run, seconds: float, min_reps: int = 5, max_reps: int = 200) -> float:
    """Median over repetitions of the slowest rank's time for ``run()``."""
    run()  # warm-up: first-touch of buffers, MPI's shared-memory setup
    times: list[float] = []
    start = time.perf_counter()
    while True:
        comm.Barrier()
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        enough = len(times) >= min_reps and time.perf_counter() - start >= seconds
        if comm.bcast(enough or len(times) >= max_reps, root=0):  # rank 0's clock decides
            break
    slowest = np.empty(len(times))
    comm.Allreduce(np.asarray(times), slowest, op=mpi().MAX)
    return float(np.median(slowest))


def measure(nbytes: int, seconds: float) -> tuple[float, float]:
    """(numtorch all_reduce, raw mpi4py Allreduce) median seconds for ``nbytes`` of float32."""
    comm = dist._mpi_comm()
    tensor = numtorch.ones(max(1, nbytes // 4))
    array = np.ones(max(1, nbytes // 4), np.float32)
    ours = _timed(comm, lambda: dist.all_reduce(tensor), seconds)
    raw = _timed(comm, lambda: comm.Allreduce(mpi().IN_PLACE, array, op=mpi().SUM), seconds)
    return ours, raw


def _fmt_time(t: float) -> str:
    return f"{t * 1e6:.0f} µs" if t < 1e-3 else f"{t * 1e3:.2f} ms"


def _fmt_size(nbytes: int) -> str:
    return f"{nbytes / 1e6:g} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:g} KB"


def run_allreduce(sizes: list[int], seconds: float) -> None:
    dist.init_process_group()
    k, rank = dist.get_world_size(), dist.get_rank()
    rows = []
    for nbytes in sizes:
        ours, raw = measure(nbytes, seconds)
        algbw = nbytes / ours / 1e9
        rows.append(
            f"| {_fmt_size(nbytes)} | {_fmt_time(ours)} | {_fmt_time(raw)} | {algbw:.2f} GB/s "
            f"| {algbw * 2 * (k - 1) / k:.2f} GB/s |"
        )
    dist.barrier()
    t_barrier = _timed(dist._mpi_comm(), dist._mpi_comm().Barrier, seconds)
    if rank == 0:
        print(f"all_reduce (SUM, float32), {k} ranks, median of the slowest rank per repetition\n")
        print("| size | numtorch all_reduce | mpi4py Allreduce | algbw S/t | busbw 2(K-1)/K·S/t |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))
        print(f"\nbarrier: {_fmt_time(t_barrier)}")
    dist.destroy_process_group()


def run_step(reps: int) -> None:
    """Median wall time of one training step of ImageClassifier(3, 10, 32) at batch 64."""
    numtorch.manual_seed(0)
    model = ImageClassifier(in_channels=3, num_classes=10, input_size=32)
    opt = numtorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = numtorch.randn(64, 3, 32, 32), numtorch.randint(0, 10, (64,))
    times = []
    for _ in range(reps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        numtorch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    params = sum(p.numel() for p in model.parameters())
    print(
        f"ImageClassifier(3, 10, 32): {params:,} parameters ({params * 4 / 1e6:.1f} MB float32); "
        f"one SGD step at batch 64, 32x32: median {np.median(times[1:]) * 1e3:.0f} ms "
        f"over {reps} steps ({numtorch.get_num_threads()} threads)"
    )


def ring_allreduce_seconds(nbytes: float, k: int, gbit: float, alpha: float) -> float:
    """The ring all-reduce model: 2(K-1)/K * S/BW + 2(K-1) * alpha (bandwidth in Gbit/s)."""
    return 2 * (k - 1) / k * nbytes / (gbit * 1e9 / 8) + 2 * (k - 1) * alpha


def print_cost_model(alpha: float, step: float) -> None:
    """The docs' paper tables: ring all-reduce time per step for the two model sizes. For the
    small CNN, whose single-process step takes ``step`` seconds (measured with ``--step``),
    each cell also gives the strong-scaling efficiency of splitting that batch over K ranks:
    (step/K) / (step/K + all-reduce)."""
    ks = (2, 4, 8, 16, 32, 64)
    models = (
        ("small CNN, 1.2M floats = 4.8 MB", 4.8e6, step),
        ("ResNet-18, 11.7M floats = 46.8 MB", 46.8e6, None),
    )
    for name, nbytes, compute in models:
        print(f"\n{name}; alpha = {alpha * 1e6:.0f} µs\n")
        print("| network | " + " | ".join(f"K={k}" for k in ks) + " |")
        print("|---|" + "---|" * len(ks))
        for gbit in (10, 25, 100):
            cells = []
            for k in ks:
                t = ring_allreduce_seconds(nbytes, k, gbit, alpha)
                eff = "" if compute is None else f" ({compute / k / (compute / k + t):.0%})"
                cells.append(f"{t * 1e3:.1f} ms{eff}")
            print(f"| {gbit} Gbit/s | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated, e.g. 4K,1M")
    parser.add_argument("--seconds", type=float, default=0.5, help="time budget per size")
    parser.add_argument("--step", action="store_true", help="time one training step instead")
    parser.add_argument("--reps", type=int, default=10, help="steps timed with --step")
    parser.add_argument("--model", action="store_true", help="print the ring cost-model tables")
    parser.add_argument("--alpha", type=float, default=30e-6, help="per-message latency (s)")
    parser.add_argument("--step-seconds", type=float, default=0.9, help="step time for --model")
    args = parser.parse_args(argv)
    if args.model:
        print_cost_model(args.alpha, args.step_seconds)
    elif args.step:
        run_step(args.reps)
    else:
        run_allreduce([parse_size(s) for s in args.sizes.split(",")], args.seconds)


if __name__ == "__main__":
    main()
