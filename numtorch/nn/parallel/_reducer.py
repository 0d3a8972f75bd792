"""DistributedDataParallel's gradient reducer: buckets, readiness, and the end of backward.

PyTorch's ``Reducer`` (torch/csrc/distributed/c10d/reducer.cpp) on NumPy. Parameters are
grouped by dtype into buckets of about ``bucket_cap`` bytes, in parameter order, and the
buckets are reduced in reverse (the order backward produces gradients). Each parameter's
post-accumulate-grad hook copies its gradient into its slice of the bucket's flat buffer;
when a bucket's last gradient arrives, the bucket's non-blocking sum all-reduce is posted --
always in bucket order, so every rank issues the same collectives in the same sequence. At
the end of backward (an engine callback) the reducer waits for each bucket, divides by the
world size and copies the averages back into ``.grad``. Every rank ends with the same bits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from numtorch import distributed as dist
from numtorch.autograd.engine import Variable
from numtorch.nn.parameter import Parameter
from numtorch.tensor import Tensor

__all__: list[str] = []

_UNUSED_BASE = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. "
)
_OUTPUTS_HINT = "making sure all `forward` function outputs participate in calculating loss. "
_DDP_BUG_HINT = (
    "\nIf you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` "
    "function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable)."
)
_MARKED_TWICE = (
    "Expected to mark a variable ready only once. This error is caused by one of the "
    "following reasons: 1) Use of a module parameter outside the `forward` function. Please "
    "make sure model parameters are not shared across multiple concurrent forward-backward "
    "passes. 2) Reused parameters in multiple reentrant backward passes. 3) Incorrect unused "
    "parameter detection."
)


def assign_buckets(params: list[Parameter], limits: list[int]) -> list[list[int]]:
    """PyTorch's ``compute_bucket_assignment_by_size``: indices of ``params`` grouped by dtype,
    a bucket closing once it holds at least its limit in bytes (the first limit for a dtype's
    first bucket, the last one after), ordered by their first index."""
    result: list[list[int]] = []
    open_buckets: dict[object, tuple[list[int], int, int]] = {}  # dtype -> indices, bytes, nr
    for i, p in enumerate(params):
        key = p._data.dtype
        indices, size, number = open_buckets.get(key, ([], 0, 0))
        indices.append(i)
        size += p._data.nbytes
        if size >= limits[min(number, len(limits) - 1)]:
            result.append(indices)
            indices, size, number = [], 0, number + 1
        open_buckets[key] = (indices, size, number)
    result.extend(indices for indices, _, _ in open_buckets.values() if indices)
    return sorted(result, key=lambda b: b[0])


class _Bucket:
    """A flat buffer holding the gradients of some parameters, back to back."""

    __slots__ = ("indices", "offsets", "flat", "pending", "work")

    def __init__(self, indices: list[int], params: list[Parameter]) -> None:
        self.indices = indices
        sizes = [params[i]._data.size for i in indices]
        self.offsets = dict(zip(indices, np.cumsum([0, *sizes[:-1]]).tolist()))
        self.flat = np.zeros(sum(sizes), params[indices[0]]._data.dtype)
        self.pending = len(indices)
        self.work: dist.Work | None = None

    def view(self, index: int, param: Parameter) -> np.ndarray:
        start = self.offsets[index]
        return self.flat[start : start + param._data.size].reshape(param._data.shape)


class Reducer:
    """Averages the gradients of ``params`` over ``process_group`` during backward.

    Args:
        params: the parameters to reduce, each once, all requiring grad.
        bucket_indices: the buckets in reduction order (lists of indices into ``params``).
        process_group: the group (None: the default one).
        find_unused_parameters: mark parameters the forward's output does not reach ready
            at the start of backward, and keep the ``.grad`` of those unused on every rank.
    """

    def __init__(
        self,
        params: list[Parameter],
        bucket_indices: list[list[int]],
        process_group: object,
        find_unused_parameters: bool,
    ) -> None:
        self.params = params
        self.bucket_indices = bucket_indices
        self.process_group = process_group
        self.find_unused_parameters = find_unused_parameters
        self.world_size = dist.get_world_size(process_group)
        self.rank = dist.get_rank(process_group)
        self.bucket_of = {i: b for b, indices in enumerate(bucket_indices) for i in indices}
        self.expect_hooks = False  # a synced forward ran: hooks mark parameters ready
        self.require_finalize = False  # parameters were marked ready; backward not finished
        self.unused: list[int] = []
        self.local_used = np.zeros(len(params), np.int32)
        self.buckets = [_Bucket(indices, params) for indices in bucket_indices]
        self._reset()
        for i, p in enumerate(params):
            p.register_post_accumulate_grad_hook(self._hook(i))

    def _reset(self) -> None:
        """A new iteration: no parameter ready, no bucket posted. (Every slot of a bucket is
        written when its parameter is marked ready, so the buffers are reused as they are.)"""
        for bucket in self.buckets:
            bucket.pending, bucket.work = len(bucket.indices), None
        self.ready: set[int] = set()
        self.next_bucket = 0
        self.marked_unused = False
        self.callback_queued = False

    # ------------------------------------------------------------ forward side
    def prepare_for_backward(self, outputs: Iterable[Tensor]) -> None:
        """Called after a synced forward: check the last backward finished, then expect the
        hooks of this one (with ``find_unused_parameters``, find what ``outputs`` miss)."""
        self.ensure_prior_reduction_finished()
        self._reset()
        self.expect_hooks = True
        if self.find_unused_parameters:
            reached = _reached_leaves(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def ensure_prior_reduction_finished(self) -> None:
        """PyTorch's error when the previous backward left some parameter without a gradient."""
        if not self.require_finalize:
            return
        for bucket in self.buckets[: self.next_bucket]:
            bucket.work.wait()  # posted collectives complete before the error unwinds
        unmarked = [i for i in range(len(self.params)) if i not in self.ready]
        if self.find_unused_parameters:
            message = (
                _UNUSED_BASE + "Since `find_unused_parameters=True` is enabled, this likely  "
                "means that not all `forward` outputs participate in computing loss. You can "
                "fix this by " + _OUTPUTS_HINT + _DDP_BUG_HINT
            )
        else:
            message = (
                _UNUSED_BASE + "You can enable unused parameter detection by passing the "
                "keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by \n"
                + _OUTPUTS_HINT
                + _DDP_BUG_HINT
            )
        self.require_finalize = False
        self.expect_hooks = False
        raise RuntimeError(
            message + "\nParameter indices which did not receive grad for rank "
            f"{self.rank}: {' '.join(map(str, unmarked))}\n In addition, you can set the "
            "environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print "
            "out information about which particular parameters did not receive gradient on "
            "this rank as part of this error"
        )

    # ------------------------------------------------------------ backward side
    def _hook(self, index: int) -> Callable[[Tensor], None]:
        """The post-accumulate-grad hook of parameter ``index``."""

        def hook(param: Tensor) -> None:
            self.autograd_hook(index)

        return hook

    def autograd_hook(self, index: int) -> None:
        """A parameter's gradient is complete for this backward."""
        if self.find_unused_parameters and self.params[index].grad is not None:
            self.local_used[index] = 1
        if not self.expect_hooks:  # no_sync(), or no synced forward: accumulate locally
            return
        if not self.marked_unused:
            self.marked_unused = True
            for unused in self.unused:
                self.mark_ready(unused)
        self.mark_ready(index)

    def mark_ready(self, index: int) -> None:
        """Copy the parameter's gradient into its bucket; post every bucket now complete."""
        if index in self.ready:
            raise RuntimeError(_MARKED_TWICE)
        self.ready.add(index)
        self.require_finalize = True
        if not self.callback_queued:
            self.callback_queued = True
            Variable._execution_engine.queue_callback(self.finalize_backward)
        param = self.params[index]
        bucket = self.buckets[self.bucket_of[index]]
        view = bucket.view(index, param)
        if param.grad is None:
            view.fill(0)
        else:
            np.copyto(view, param.grad._data)
        bucket.pending -= 1
        while self.next_bucket < len(self.buckets) and not self.buckets[self.next_bucket].pending:
            ready = self.buckets[self.next_bucket]
            ready.work = dist.all_reduce(
                Tensor._make(ready.flat), group=self.process_group, async_op=True
            )
            self.next_bucket += 1

    def finalize_backward(self) -> None:
        """End of backward: if every bucket was posted, wait for each and write the averaged
        gradients into ``.grad``; otherwise leave the error for the next forward."""
        if self.next_bucket < len(self.buckets):
            return
        unused_everywhere = self._globally_unused()
        for bucket in self.buckets:
            bucket.work.wait()
            np.divide(bucket.flat, self.world_size, out=bucket.flat)
            for index in bucket.indices:
                if index not in unused_everywhere:
                    _write_grad(self.params[index], bucket.view(index, self.params[index]))
        self.expect_hooks = False
        self.require_finalize = False

    def _globally_unused(self) -> set[int]:
        """With ``find_unused_parameters``: the parameters no rank used since the last sync."""
        if not self.find_unused_parameters:
            return set()
        used = Tensor._make(self.local_used.copy())
        dist.all_reduce(used, group=self.process_group)
        self.local_used[:] = 0
        return {i for i, count in enumerate(used._data.tolist()) if count == 0}


def _write_grad(param: Parameter, averaged: np.ndarray) -> None:
    """``param.grad`` takes the averaged value, in place when it exists (as PyTorch copies)."""
    if param.grad is None:
        param.grad = Tensor._make(averaged.copy())
    else:
        param.grad._data = averaged.astype(param.grad._data.dtype, copy=True)


def _reached_leaves(outputs: Iterable[Tensor]) -> set[int]:
    """The ids of the leaves the autograd graphs of ``outputs`` reach (iterative walk)."""
    reached: set[int] = set()
    seen: set[int] = set()
    stack = []
    for t in outputs:
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            reached.add(id(t))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for child, nr in node._next:
            if child is None:
                continue
            if nr < 0:
                reached.add(id(child))
            else:
                stack.append(child)
    return reached
