"""Run under ``mpiexec -n K`` (K even): point-to-point (send/recv, isend/irecv,
batch_isend_irecv, object lists), all_to_all and all_to_all_single with uneven splits, and
monitored_barrier passing and failing, each checked against NumPy's computation of what every
rank sent. A failed check raises, which (through numtorch's excepthook) aborts the job with a
nonzero exit. Each rank prints ``rank R/K: p2p ok`` and its monitored_barrier timings."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from _expect import expect

import numtorch as torch
import numtorch.distributed as dist

DTYPES = (torch.float64, torch.float32, torch.float16, torch.int32, torch.int64, torch.bool)


def payload(src: int, dst: int, dtype: torch.dtype, n: int = 5) -> np.ndarray:
    """What ``src`` sends ``dst``: distinct per pair, exact in every dtype."""
    values = np.arange(n) * (src + 1) + 10 * dst + src
    return (values % 2 == 1) if dtype is torch.bool else values.astype(str(dtype)[6:])


def check(got: torch.Tensor, want: np.ndarray, what: str) -> None:
    g = got.numpy()
    if g.dtype != want.dtype or g.shape != want.shape or not np.array_equal(g, want):
        raise AssertionError(f"{what}: got {g!r}, want {want!r}")


def check_send_recv(rank: int, k: int) -> None:
    """Pairs (0, 1), (2, 3), ...: blocking send/recv in every dtype, both directions."""
    peer = rank ^ 1
    for dtype in DTYPES:
        mine = torch.from_numpy(payload(rank, peer, dtype).copy())
        got = torch.zeros(5, dtype=dtype)
        if rank % 2 == 0:
            dist.send(mine, dst=peer)
            src = dist.recv(got, src=peer)
        else:
            src = dist.recv(got)  # any source
            dist.send(mine, peer)
        if src != peer:
            raise AssertionError(f"recv returned {src}, want {peer}")
        check(got, payload(peer, rank, dtype), f"send/recv {dtype}")
    check_tags(rank, peer)


def check_tags(rank: int, peer: int) -> None:
    """Two messages with different tags, received in the opposite order: tags match them."""
    if rank % 2 == 0:
        works = [dist.isend(torch.full((3,), float(t)), dst=peer, tag=t) for t in (1, 2)]
        for w in works:
            assert w.wait() is True
    else:
        two, one = torch.zeros(3), torch.zeros(3)
        dist.recv(two, src=peer, tag=2)
        dist.recv(one, src=peer, tag=1)
        check(one, np.full(3, 1.0, np.float32), "tag 1")
        check(two, np.full(3, 2.0, np.float32), "tag 2")


def check_ring(rank: int, k: int) -> None:
    """isend right, irecv from the left (by rank and from any source), in one round."""
    right, left = (rank + 1) % k, (rank - 1) % k
    got, anyone = torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.int64)
    works = [
        dist.irecv(got, src=left),
        dist.irecv(anyone, tag=7),
        dist.isend(torch.from_numpy(payload(rank, right, torch.float32, 6).reshape(2, 3)), right),
        dist.isend(torch.full((2, 3), rank, dtype=torch.int64), dst=right, tag=7),
    ]
    for w in works:
        w.wait()
    check(got, payload(left, rank, torch.float32, 6).reshape(2, 3), "ring")
    check(anyone, np.full((2, 3), left, np.int64), "ring any source")
    if works[1]._source_rank() != left or not all(w.is_completed() for w in works):
        raise AssertionError(f"source {works[1]._source_rank()}, want {left}")
    me = torch.zeros(4)
    w = dist.irecv(me, src=rank, tag=3)  # isend/irecv to self are allowed
    dist.isend(torch.arange(4.0), dst=rank, tag=3).wait()
    w.wait()
    check(me, np.arange(4.0, dtype=np.float32), "self")


def check_batch(rank: int, k: int) -> None:
    """batch_isend_irecv: send to both neighbours, receive from both, receives listed first."""
    right, left = (rank + 1) % k, (rank - 1) % k
    from_left, from_right = torch.zeros(4, dtype=torch.float64), torch.zeros(4).double()
    ops = [
        dist.P2POp(dist.irecv, from_left, left, tag=1),
        dist.P2POp(dist.irecv, from_right, group_peer=right, tag=2),
        dist.P2POp(
            dist.isend, torch.from_numpy(payload(rank, right, torch.float64, 4)), right, tag=1
        ),
        dist.P2POp(
            dist.isend, torch.from_numpy(payload(rank, left, torch.float64, 4)), left, tag=2
        ),
    ]
    works = dist.batch_isend_irecv(ops)
    if len(works) != 4:
        raise AssertionError(f"{len(works)} works")
    for w in works:
        w.wait()
    check(from_left, payload(left, rank, torch.float64, 4), "batch from left")  # by tag at K=2
    check(from_right, payload(right, rank, torch.float64, 4), "batch from right")
    want = (
        f"P2POp(isend pg=0, group_src={rank}, group_dst={right},  torch.Size([4]), torch.float64)"
    )
    if repr(ops[2]) != want:
        raise AssertionError(f"{ops[2]!r} != {want}")


def check_subgroup(rank: int, k: int) -> None:
    """On the group {0, k-1}: dst is a global rank, group_dst a group rank."""
    sub = dist.new_group([k - 1, 0])
    if rank not in (0, k - 1):
        if sub != dist.GroupMember.NON_GROUP_MEMBER:
            raise AssertionError("outside rank got a group")
        return
    t = torch.zeros(2, dtype=torch.int64)
    if rank == 0:
        dist.send(torch.tensor([5, 6]), group=sub, group_dst=1)
        dist.send(torch.tensor([7, 8]), dst=k - 1, group=sub)
        if k > 2:
            expect(ValueError, "Global rank 1 is not part of group", dist.send, t, 1, group=sub)
    else:
        if dist.recv(t, group=sub, group_src=0) != 0:
            raise AssertionError("recv on a subgroup did not return global rank 0")
        check(t, np.array([5, 6]), "subgroup group_dst")
        if dist.recv(t, group=sub) != 0:
            raise AssertionError("any-source recv on a subgroup did not return global rank 0")
        check(t, np.array([7, 8]), "subgroup dst")
    dist.destroy_process_group(sub)


def check_objects(rank: int, k: int) -> None:
    """Rank 0 sends each rank its own list of objects; rank k-1 answers with one object."""
    if rank == 0:
        for dst in range(1, k):
            dist.send_object_list([{"to": dst}, "x" * dst, (dst, None)], dst=dst)
        back = [None]
        if dist.recv_object_list(back, src=k - 1) != k - 1 or back != [[k - 1]]:
            raise AssertionError(f"object reply {back}")
    else:
        got = ["old"] * 3
        same = got
        if dist.recv_object_list(got, src=0) != 0:
            raise AssertionError("recv_object_list did not return 0")
        if got is not same or got != [{"to": rank}, "x" * rank, (rank, None)]:
            raise AssertionError(f"objects {got}")
        if rank == k - 1:
            dist.send_object_list([[rank]], group_dst=0)


def check_all_to_all(rank: int, k: int) -> None:
    """Rank i sends rank j i + j + 1 values 100 i + j, in one call, blocking and async."""
    for async_op in (False, True):
        inputs = [torch.full((rank + j + 1,), 100.0 * rank + j) for j in range(k)]
        outputs = [torch.zeros(i + rank + 1) for i in range(k)]
        work = dist.all_to_all(outputs, inputs, async_op=async_op)
        if async_op:
            work.wait()
        for i, out in enumerate(outputs):
            check(out, np.full(i + rank + 1, 100.0 * i + rank, np.float32), f"all_to_all {i}")
    expect(
        RuntimeError,
        "Number of input tensors are not equal to group size",
        dist.all_to_all,
        [torch.zeros(1)] * k,
        [torch.zeros(1)] * (k + 1),
    )
    expect(
        ValueError,
        "Invalid usage of tensors with different dtypes",
        dist.all_to_all,
        [torch.zeros(1)] * k,
        [torch.zeros(1, dtype=torch.int64)] * k,
    )


def rows(src: int, dst: int, n: int) -> np.ndarray:
    """The n rows of shape (2,) that ``src`` sends ``dst`` in all_to_all_single."""
    return np.array([[1000 * src + 10 * dst + r, -r] for r in range(n)], np.int64).reshape(n, 2)


def check_all_to_all_single(rank: int, k: int) -> None:
    """Equal chunks; uneven splits (1..3 rows per pair, 0 for one pair); in place; async."""
    inp = torch.arange(2 * k) + 100 * rank
    out = torch.zeros(2 * k, dtype=torch.int64)
    dist.all_to_all_single(out, inp)
    want = np.concatenate([(np.arange(2 * k) + 100 * i)[2 * rank : 2 * rank + 2] for i in range(k)])
    check(out, want, "all_to_all_single equal")
    dist.all_to_all_single(inp, inp)  # output is input: staged, not aliased
    check(inp, want, "all_to_all_single in place")

    def split(src: int, dst: int) -> int:
        return 0 if (src, dst) == (0, k - 1) else (src + 2 * dst) % 3 + 1

    send_n, recv_n = [split(rank, j) for j in range(k)], [split(i, rank) for i in range(k)]
    inp = torch.from_numpy(np.concatenate([rows(rank, j, send_n[j]) for j in range(k)]))
    want = np.concatenate([rows(i, rank, recv_n[i]) for i in range(k)])
    for async_op in (False, True):
        out = torch.full((sum(recv_n), 2), -1, dtype=torch.int64)
        work = dist.all_to_all_single(out, inp, recv_n, send_n, async_op=async_op)
        if async_op:
            work.wait()
        check(out, want, f"all_to_all_single uneven async={async_op}")
    bad = torch.zeros(2 * k + 1)
    expect(
        RuntimeError,
        "Tensor's dim 0 does not divide equally across group size",
        dist.all_to_all_single,
        bad,
        bad,
    )
    expect(
        RuntimeError,
        "Number of tensor splits not equal to group size",
        dist.all_to_all_single,
        out,
        inp,
        recv_n,
        send_n[:-1],
    )
    expect(
        RuntimeError,
        "Split sizes doesn't match total dim 0 size",
        dist.all_to_all_single,
        out,
        inp,
        recv_n,
        [0] * (k - 1) + [sum(send_n) + 1],
    )


def check_bad_arguments(rank: int, k: int) -> None:
    t = torch.zeros(2)
    self_send = "Invalid destination rank: destination rank should not be the same as the rank"
    expect(ValueError, self_send, dist.send, t, rank)
    expect(ValueError, self_send, dist.send_object_list, [1], rank)
    expect(
        ValueError, "Invalid source rank: source rank should not be the same", dist.recv, t, rank
    )
    expect(ValueError, "Must specify global_rank or group_rank", dist.send, t)
    expect(ValueError, "Must specify global_rank or group_rank", dist.recv_object_list, [None])
    expect(
        ValueError, "Can't specify both group_rank and global_rank", dist.isend, t, 0, group_dst=0
    )
    expect(ValueError, "Invalid peer rank: 99", dist.isend, t, 99)
    expect(RuntimeError, "Tag must be nonnegative", dist.isend, t, (rank + 1) % k, tag=-1)
    expect(
        RuntimeError,
        "input tensor has to be contiguous",
        dist.send,
        torch.zeros(3, 2).t(),
        (rank + 1) % k,
    )
    expect(ValueError, "Must specify global_rank or group_rank", dist.P2POp, dist.irecv, t)
    with_group = dist.P2POp(dist.isend, t, 0, group=dist.new_group())  # all ranks, not WORLD
    expect(
        ValueError,
        "All ops need to use the same group.",
        dist.batch_isend_irecv,
        [dist.P2POp(dist.isend, t, 0), with_group],
    )
    expect(
        TypeError,
        "Expected timeout argument to be of type datetime.timedelta, got 5",
        dist.monitored_barrier,
        timeout=5,
    )


def timed_barrier(**kwargs) -> tuple[float, str]:
    """Run monitored_barrier; return (seconds, error message or "")."""
    start = time.monotonic()
    try:
        dist.monitored_barrier(**kwargs)
    except RuntimeError as e:
        return time.monotonic() - start, str(e)
    return time.monotonic() - start, ""


def check_monitored_barrier(rank: int, k: int) -> list[str]:
    """Passing; the last rank skipping; ranks 1 and 3 skipping (K = 4, all named); rank 0
    skipping (the others name it). After each failure every rank, skipper included, goes on
    to a plain barrier and a monitored_barrier that holds rank 0 until the last rank comes."""
    log = []
    for ok in range(2):
        seconds, err = timed_barrier(timeout=timedelta(seconds=30), wait_all_ranks=bool(ok))
        if err:
            raise AssertionError(f"a monitored_barrier all ranks reached failed: {err}")
    cases = [({k - 1}, 1.0, False, f"Rank {k - 1} failed to pass monitoredBarrier in 1000 ms")]
    if k >= 4:
        cases.append(({1, 3}, 0.5, True, "Ranks 1, 3 failed to pass monitoredBarrier in 500 ms"))
    cases.append(({0}, 0.5, False, "Rank 0 failed to pass monitoredBarrier in 500 ms"))
    for skipping, timeout, all_ranks, want in cases:
        dist.barrier()
        if rank in skipping:
            log.append(f"skipped (missing {sorted(skipping)})")
        else:
            seconds, err = timed_barrier(
                timeout=timedelta(seconds=timeout), wait_all_ranks=all_ranks
            )
            if err != f"[Rank {rank}]: {want}":
                raise AssertionError(f"rank {rank}: {err!r}, want {want!r}")
            limit = timeout * (2 if 0 in skipping else 1)
            if not 0.9 * timeout <= seconds <= limit + 3.0:
                raise AssertionError(f"raised after {seconds:.2f} s (timeout {timeout} s)")
            log.append(f"raised after {seconds:.2f} s: {err}")
        dist.barrier()
        if rank == k - 1:
            time.sleep(0.3)  # rank 0 must wait for it, not take a message left over
        seconds, err = timed_barrier(timeout=timedelta(seconds=30))
        if err or (rank == 0 and seconds < 0.25):
            raise AssertionError(f"monitored_barrier after a failure: {err or seconds}")
    return log


def main() -> None:
    dist.init_process_group()
    rank, k = dist.get_rank(), dist.get_world_size()
    if k % 2:
        raise SystemExit("run with an even number of ranks")
    if dist.get_pg_count() != 1 or dist.get_node_local_rank() != rank:  # one machine
        raise AssertionError(f"pg count {dist.get_pg_count()}, local {dist.get_node_local_rank()}")
    check_send_recv(rank, k)
    check_ring(rank, k)
    check_batch(rank, k)
    check_subgroup(rank, k)
    check_objects(rank, k)
    check_all_to_all(rank, k)
    check_all_to_all_single(rank, k)
    check_bad_arguments(rank, k)
    cur, subs = dist.new_subgroups(2)
    if dist.get_process_group_ranks(cur) != [rank - rank % 2, rank - rank % 2 + 1]:
        raise AssertionError(f"new_subgroups gave {dist.get_process_group_ranks(cur)}")
    if len(subs) != k // 2 or dist.get_pg_count() != 3 + k // 2:
        raise AssertionError(f"{len(subs)} subgroups, pg count {dist.get_pg_count()}")
    for line in check_monitored_barrier(rank, k):
        print(f"rank {rank}/{k}: monitored_barrier {line}", flush=True)
    dist.destroy_process_group()
    print(f"rank {rank}/{k}: p2p ok", flush=True)


if __name__ == "__main__":
    main()
