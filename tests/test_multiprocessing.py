"""numtorch.multiprocessing and shared memory: ``share_memory_`` really shares (a write in
one process is seen by the others), tensors travel through queues and ``spawn`` arguments
without copies, ``spawn`` forwards failures as PyTorch's does, and the Hogwild pattern
(several processes training one shared model) trains."""

from __future__ import annotations

import mp_workers
import numpy as np
import pytest
import torch

import numtorch
import numtorch.multiprocessing as mp
from numtorch import nn


def test_share_memory_keeps_values_and_marks_the_tensor_shared() -> None:
    x = numtorch.arange(6.0).reshape(2, 3)
    assert not x.is_shared()
    assert x.share_memory_() is x and x.is_shared()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    data = x._data
    x.share_memory_()  # a second call keeps the same memory
    assert x._data is data
    assert x[1:].is_shared()  # a view of shared memory is shared


def test_module_share_memory_shares_parameters_gradients_and_buffers() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model(numtorch.randn(4, 3)).sum().backward()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    weight = model[0].weight
    assert model.share_memory() is model
    assert model[0].weight is weight  # the same Parameter objects, moved
    assert all(p.is_shared() and p.grad.is_shared() for p in model.parameters())
    assert all(b.is_shared() for b in model.buffers())
    for key, value in model.state_dict().items():
        assert numtorch.equal(value, before[key]), key


def test_pytorch_has_the_same_names() -> None:
    assert torch.ones(1).share_memory_().is_shared()
    for name in mp.__all__:
        assert hasattr(torch.multiprocessing, name), name
    assert mp.get_sharing_strategy() == torch.multiprocessing.get_sharing_strategy()


def test_a_write_in_a_forked_child_is_seen_by_the_parent_only_when_shared() -> None:
    context = mp.get_context("fork")
    for shared in (False, True):
        model = nn.Linear(2, 1)
        if shared:
            model.share_memory()
        before = model.weight.detach().clone()
        child = context.Process(target=mp_workers.add_to_weight, args=(0, model, 1.5))
        child.start()
        child.join()
        assert child.exitcode == 0
        expected = before + 1.5 if shared else before
        assert numtorch.equal(model.weight.detach(), expected), shared


def test_spawned_processes_write_into_the_parents_parameters() -> None:
    model = nn.Linear(2, 1)
    model.share_memory()
    before = model.weight.detach().clone()
    mp.spawn(mp_workers.add_to_own_weight, args=(model, 0.25), nprocs=2)
    assert numtorch.allclose(model.weight.detach(), before + numtorch.tensor([[0.25, 0.5]]))


def test_a_tensor_put_on_a_queue_arrives_through_shared_memory() -> None:
    context = mp.get_context("spawn")
    queue, received_all = context.Queue(), context.Event()
    args = (queue, received_all)
    senders = mp.start_processes(mp_workers.put_tensor, args, 2, join=False, start_method="spawn")
    received = sorted((queue.get(timeout=60) for _ in range(2)), key=lambda t: float(t[0]))
    received_all.set()
    while not senders.join():
        pass
    assert [t.tolist() for t in received] == [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]
    assert all(t.is_shared() for t in received)


def test_a_non_leaf_tensor_that_requires_grad_is_refused_like_pytorch() -> None:
    from multiprocessing.reduction import ForkingPickler

    for lib in (torch, numtorch):
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
            ForkingPickler.dumps(y)


def test_spawn_forwards_the_childs_exception_with_its_traceback() -> None:
    with pytest.raises(mp.ProcessRaisedException) as info:
        mp.start_processes(mp_workers.raise_value_error, nprocs=1, start_method="fork")
    message = str(info.value)
    assert "-- Process 0 terminated with the following error:" in message
    assert "ValueError: bad value in rank 0" in message
    assert info.value.error_index == 0


def test_spawn_reports_a_non_zero_exit_code() -> None:
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3"):
        mp.start_processes(mp_workers.exit_with, args=(3,), start_method="fork")


def test_join_false_returns_the_context_and_spawn_warns_on_other_start_methods() -> None:
    context = mp.start_processes(mp_workers.exit_with, args=(0,), nprocs=2, join=False,
                                 start_method="fork")  # fmt: skip
    assert len(context.pids()) == 2
    while not context.join():
        pass
    with pytest.warns(FutureWarning, match="This method only supports start_method=spawn"):
        with pytest.raises(mp.ProcessExitedException):
            mp.spawn(mp_workers.exit_with, args=(2,), start_method="fork")


def test_sharing_strategies() -> None:
    assert mp.get_all_sharing_strategies() == {"file_descriptor"}
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError, match="file_system"):
        mp.set_sharing_strategy("file_system")


def test_hogwild_two_processes_train_one_shared_model() -> None:
    """pytorch/examples' mnist_hogwild pattern: ``model.share_memory()``, then each process
    runs its own SGD on the shared weights. The parent's model must have learnt from both."""
    numtorch.manual_seed(0)
    model = nn.Linear(4, 1)
    model.share_memory()
    start = mp_workers.loss_of(model)
    context = mp.get_context("fork")
    processes = [
        context.Process(target=mp_workers.hogwild_train, args=(rank, model, 150))
        for rank in range(2)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    assert [p.exitcode for p in processes] == [0, 0]
    trained = mp_workers.loss_of(model)
    assert trained < start * 0.01, (start, trained)
    assert np.isfinite(trained)
