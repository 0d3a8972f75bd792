"""Train the CLI's classifier for a few steps on every rank (Dropout2d p = 0.3, so each rank
draws its own masks), then compare a checksum of every rank's final weights: DDP must leave
them bitwise equal. Rank 0 prints ``same weights on K ranks``; a difference exits 1."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numtorch.distributed as dist
from numtorch.cli import data, loop
from numtorch.cli import distributed as cli_dist
from numtorch.cli.config import Config


def main() -> int:
    world = cli_dist.start(True)
    dataset = data.load("digits", None, None)
    cfg = Config(max_steps=5, dropout2d=0.3, epochs=2, val_fraction=0.1)
    with tempfile.TemporaryDirectory() as out:  # rank 0 writes the run there
        result = loop.train(cfg, dataset, Path(out), None, world)
    digests = [None] * world.size
    dist.all_gather_object(digests, cli_dist.weights_digest(result.model))
    if len(set(digests)) != 1:
        print(f"rank {world.rank}: the weights differ: {digests}", file=sys.stderr)
        return 1
    print(f"same weights on {world.size} ranks", flush=True)  # rank 0 alone: the others are silent
    return 0


if __name__ == "__main__":
    sys.exit(main())
