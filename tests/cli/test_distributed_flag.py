"""``numtorch train --distributed`` in one process: the missing-mpi4py line, the batch shares
and the checks that need no MPI launch (the MPI jobs are in tests/distributed)."""

from __future__ import annotations

import pytest

from numtorch.cli import distributed as cli_dist
from numtorch.cli.config import UsageError
from numtorch.cli.distributed import World
from numtorch.cli.main import main


def test_without_mpi4py_one_line_names_the_extra(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli_dist.dist, "is_available", lambda: False)
    assert main(["train", "--distributed"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("numtorch train: error: --distributed runs on MPI through mpi4py")
    assert "pip install 'numtorch[mpi]'" in err


def test_shares_cover_the_batch_once_in_order() -> None:
    for n, size in ((32, 3), (7, 7), (100, 4), (5, 2)):
        shares = [World(r, size).share(n) for r in range(size)]
        covered = [i for s in shares for i in range(n)[s]]
        assert covered == list(range(n))
        assert max(s.stop - s.start for s in shares) - min(s.stop - s.start for s in shares) <= 1


def test_a_global_batch_smaller_than_the_ranks_is_refused() -> None:
    cli_dist.check_batches(34, 8, World(0, 1))  # one rank: anything goes
    cli_dist.check_batches(37, 8, World(0, 4))  # a last batch of 5 for 4 ranks
    cli_dist.check_batches(32, 8, World(0, 4))  # no last partial batch
    with pytest.raises(UsageError, match="last batch of each epoch holds 2 of the 34"):
        cli_dist.check_batches(34, 8, World(0, 4))
    with pytest.raises(UsageError, match="--batch-size 3 is the global batch"):
        cli_dist.check_batches(30, 3, World(0, 4))


def test_one_rank_sums_and_agrees_without_collectives() -> None:
    world = World()
    assert world.sum([1.5, 2]) == [1.5, 2]
    assert world.agree(lambda: 7) == 7
    assert world.broadcast("x") == "x"
    with pytest.raises(UsageError, match="boom"):
        world.agree(lambda: (_ for _ in ()).throw(UsageError("boom")))


def test_threads_share_the_cores_among_the_ranks(monkeypatch) -> None:
    monkeypatch.setattr(cli_dist, "available_cores", lambda: 8)
    threads = [cli_dist.default_threads(World(0, 16, local_size=k)) for k in (1, 2, 3, 16)]
    assert threads == [8, 4, 2, 1]  # the ranks on this machine share its cores
