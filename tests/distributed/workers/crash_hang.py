"""Run under ``mpiexec -n K`` with a file path: every rank appends its pid, then the job hangs
(rank 0 sleeps, the others wait for it in a barrier) until the launcher's timeout kills it."""

from __future__ import annotations

import os
import sys
import time

import numtorch.distributed as dist


def main() -> None:
    dist.init_process_group()
    with open(sys.argv[1], "a") as f:
        f.write(f"{os.getpid()}\n")
    dist.barrier()
    if dist.get_rank() == 0:
        time.sleep(600)
    dist.barrier()


if __name__ == "__main__":
    main()
