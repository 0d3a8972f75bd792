"""Run under ``mpiexec -n K``: the last rank raises while the others wait in a collective.

Without numtorch's excepthook the others would block in ``barrier`` forever; with it, the
failing rank prints its traceback tagged with its rank and aborts the whole job."""

from __future__ import annotations

import numtorch as torch
import numtorch.distributed as dist


def main() -> None:
    dist.init_process_group()
    rank, k = dist.get_rank(), dist.get_world_size()
    dist.all_reduce(torch.ones(2))
    if rank == k - 1:
        raise ValueError(f"deliberate failure on rank {rank}")
    dist.barrier()  # the surviving ranks would wait here forever
    dist.all_reduce(torch.ones(2))
    print(f"rank {rank} passed the barrier: the crash did not stop the job", flush=True)


if __name__ == "__main__":
    main()
