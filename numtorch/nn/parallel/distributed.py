"""``DistributedDataParallel``: one process per model replica, gradients averaged over MPI.

Each rank runs the wrapped module on its own shard of the batch. At construction rank 0's
parameters and buffers are broadcast, so every replica starts equal; during backward the
gradients are summed across ranks in buckets (``numtorch.nn.parallel._reducer``) and divided
by the world size, so after ``optimizer.step()`` every rank holds the same weights -- the
weights one process would reach on the whole batch when the loss is a mean over it.
Launch under ``mpiexec -n K`` after ``numtorch.distributed.init_process_group()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

from numtorch import distributed as dist
from numtorch.autograd import grad_mode
from numtorch.nn.modules.module import Module
from numtorch.nn.parallel._reducer import Reducer, assign_buckets
from numtorch.nn.parameter import UninitializedParameter
from numtorch.tensor import Tensor

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25
_MB_TO_BYTES = 1024 * 1024
_FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed._DEFAULT_FIRST_BUCKET_BYTES


class DistributedDataParallel(Module):
    """Data-parallel training across processes (PyTorch's ``DistributedDataParallel``).

    The wrapped module is the submodule ``module``, so ``state_dict`` keys gain the
    ``module.`` prefix as in PyTorch. Gradients are summed in buckets of about
    ``bucket_cap_mb`` MiB (by default 1 MiB for the model's first parameters, as PyTorch
    assigns them), reduced in reverse parameter order, each posted as a non-blocking
    all-reduce as soon as its gradients are complete, then divided by the world size.
    Unlike PyTorch, the buckets are never rebuilt in the order gradients arrived: a fixed
    order is what makes the sums, and so the weights, reproducible run to run.

    ``bucket_cap_mb_list`` gives each bucket its own cap, as in PyTorch;
    ``skip_all_reduce_unused_params`` and ``batched_grad_copy`` (performance switches) are
    accepted; ``delay_all_reduce_named_params``, ``param_to_hook_all_reduce``,
    ``mixed_precision`` and ``device_mesh`` raise ``NotImplementedError`` when given.

    Args:
        module: the module to replicate.
        device_ids, output_device: for GPU modules; must be empty here (CPU).
        dim: the batch dimension (kept for PyTorch's signature; inputs are not split).
        broadcast_buffers: deprecated in PyTorch 2.13 (``FutureWarning`` when given): sync
            buffers at construction and before each forward. Default: ``True``.
        init_sync: broadcast rank 0's parameters and buffers at construction.
        process_group: the group to average over (None: the default group).
        bucket_cap_mb: bucket size in MiB. Default: 25.
        find_unused_parameters: find the parameters the forward's output does not reach and
            treat them as ready; a parameter no rank used keeps its ``.grad``.
        check_reduction: deprecated, ignored (``FutureWarning``).
        gradient_as_bucket_view: accepted; gradients are copied back into ``.grad``.
        static_graph: accepted; the reducer does not need it.
        forward_sync_buffers: broadcast rank 0's buffers before each synced forward
            (buffers are always synced at construction when it is given).

    ``no_sync()`` accumulates gradients locally; the first synced backward after it averages
    the accumulated sums. A parameter that gets no gradient in a synced backward (with
    ``find_unused_parameters=False``) makes the next forward raise PyTorch's RuntimeError.
    """

    def __init__(
        self,
        module: Module,
        device_ids: list | None = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool | None = None,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params: Any = None,
        param_to_hook_all_reduce: Any = None,
        mixed_precision: Any = None,
        device_mesh: Any = None,
        skip_all_reduce_unused_params: bool = False,
        bucket_cap_mb_list: list[int] | None = None,
        batched_grad_copy: bool = False,
        forward_sync_buffers: bool | None = None,
    ) -> None:
        super().__init__()
        _refuse_unsupported(
            delay_all_reduce_named_params=delay_all_reduce_named_params,
            param_to_hook_all_reduce=param_to_hook_all_reduce,
            mixed_precision=mixed_precision,
            device_mesh=device_mesh,
        )
        if not dist.is_initialized():
            raise ValueError(
                "Default process group has not been initialized, please make sure to call "
                "init_process_group."
            )
        self.process_group = process_group
        ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self.parameters_to_ignore = ignore
        _check_module(module, ignore, device_ids, output_device)
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.module = module
        self.forward_sync_buffers, init_buffers = _buffer_flags(
            broadcast_buffers, forward_sync_buffers
        )
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        if check_reduction:
            warnings.warn(
                "The `check_reduction` argument in `DistributedDataParallel` module is "
                "deprecated. Please avoid using it.",
                FutureWarning,
                stacklevel=2,
            )
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * _MB_TO_BYTES)
        self.broadcast_bucket_size = 250 * _MB_TO_BYTES
        params = self._build_params_for_reducer()
        if init_sync:
            _verify_param_shapes(params, process_group)
            self._sync_module_states(init_buffers)
        if bucket_cap_mb_list:
            limits = [int(mb * _MB_TO_BYTES) for mb in bucket_cap_mb_list]
            self.bucket_bytes_cap = max(limits)
        else:
            first = self.bucket_bytes_cap if bucket_cap_mb is not None else _FIRST_BUCKET_BYTES
            limits = [first, self.bucket_bytes_cap] if first < self.bucket_bytes_cap else [first]
        buckets = assign_buckets(params, limits)
        self.reducer = Reducer(params, buckets[::-1], process_group, find_unused_parameters)

    @property
    def broadcast_buffers(self) -> bool:
        """Whether buffers are broadcast from rank 0 before each synced forward."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    # ------------------------------------------------------------ construction
    def _build_params_for_reducer(self) -> list:
        """The parameters to reduce: requiring grad, not ignored, each once (a tied weight is
        reduced once), in ``named_modules`` order; also records the buffers to sync."""
        params, seen = [], set()
        for module_name, module in self.module.named_modules():
            for name, p in module.named_parameters(recurse=False):
                full = f"{module_name}.{name}" if module_name else name
                if p.requires_grad and full not in self.parameters_to_ignore and id(p) not in seen:
                    seen.add(id(p))
                    params.append(p)
        self._assign_modules_buffers()
        return params

    def _assign_modules_buffers(self) -> None:
        """The module's buffers that are synced (re-read each time: a module may reassign)."""
        self.named_module_buffers = {
            name: b
            for name, b in self.module.named_buffers()
            if name not in self.parameters_to_ignore
        }
        self.modules_buffers = list(self.named_module_buffers.values())

    def _sync_module_states(self, buffers: bool) -> None:
        """Broadcast rank 0's parameters (and buffers) so every replica starts equal."""
        tensors = [
            p for n, p in self.module.named_parameters() if n not in self.parameters_to_ignore
        ]
        if buffers:
            tensors += self.modules_buffers
        _broadcast_coalesced(tensors, self.process_group)

    # ------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        self._pre_forward()
        output = self.module(*inputs, **kwargs)
        return self._post_forward(output)

    def _pre_forward(self) -> None:
        if self.will_sync_module_buffers():
            self._sync_buffers()

    def _post_forward(self, output: Any) -> Any:
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            found = _find_tensors(output) if self.find_unused_parameters else []
            self.reducer.prepare_for_backward(found)
        else:
            self.require_forward_param_sync = False
        return output

    def will_sync_module_buffers(self) -> bool:
        """Buffers are broadcast before a forward that follows a synced one."""
        return (
            self.require_forward_param_sync
            and self.forward_sync_buffers
            and len(self.modules_buffers) > 0
        )

    def _sync_buffers(self) -> None:
        """Broadcast rank 0's buffers. Their version counters are left alone (PyTorch's
        ``_unsafe_preserve_version_counter``): a graph that saved one still back-propagates."""
        self._assign_modules_buffers()
        _broadcast_coalesced(self.modules_buffers, self.process_group)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within it, forward-backward passes accumulate gradients locally without
        communication; the first synced backward after it averages the accumulated sums.
        The forward must run inside the context too."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def train(self, mode: bool = True) -> DistributedDataParallel:
        super().train(mode)
        return self


def _refuse_unsupported(**arguments: Any) -> None:
    for name, value in arguments.items():
        if value is not None:
            raise NotImplementedError(
                f"DistributedDataParallel: {name} is not supported by numtorch (got {value!r})"
            )


def _check_module(module: Module, ignore: set, device_ids: Any, output_device: Any) -> None:
    """PyTorch's construction checks, with its exception types and messages."""
    params = [p for n, p in module.named_parameters() if n not in ignore]
    if not any(p.requires_grad for p in params):
        raise RuntimeError(
            "DistributedDataParallel is not needed when a module doesn't have any parameter "
            "that requires a gradient."
        )
    if device_ids is not None and len(device_ids) > 1:
        raise ValueError("device_ids can only be None or contain a single element.")
    if device_ids or output_device:
        devices = {p.device for p in params}
        raise ValueError(
            "DistributedDataParallel device_ids and output_device arguments only work with "
            "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
            f"{device_ids}, output_device {output_device}, and module parameters {devices}."
        )
    if any(isinstance(p, UninitializedParameter) for p in params):
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with "
            "`DistributedDataParallel`. Run a dummy forward pass to correctly initialize the "
            "modules"
        )


def _buffer_flags(broadcast_buffers: bool | None, forward_sync: bool | None) -> tuple[bool, bool]:
    """(sync buffers before each forward, sync them at construction), with PyTorch 2.13's
    deprecation of ``broadcast_buffers`` in favour of ``forward_sync_buffers``."""
    if broadcast_buffers is not None:
        if forward_sync is not None:
            message = (
                "Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                "`broadcast_buffers` is deprecated and its value is ignored when "
                "`forward_sync_buffers` is provided."
            )
        else:
            message = (
                "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. "
                "IMPORTANT: unlike `broadcast_buffers=False`, `forward_sync_buffers=False` "
                "still syncs buffers at init. If you rely on buffers NOT being synced at init "
                "(e.g. rank-local buffers), keep using `broadcast_buffers=False` until "
                "`init_sync_buffers` is available."
            )
        warnings.warn(message, FutureWarning, stacklevel=3)
    if forward_sync is not None:
        return forward_sync, True
    effective = True if broadcast_buffers is None else bool(broadcast_buffers)
    return effective, effective


def _verify_param_shapes(params: list, group: Any) -> None:
    """PyTorch's check that every rank wraps the same model: as many parameters, of the same
    shapes as rank 0's (a rank that differs raises, and its excepthook ends the job)."""
    meta = np.array([n for p in params for n in (p._data.ndim, *p._data.shape)], np.int64)
    mine = Tensor._make(np.array([len(params), meta.size], np.int64))
    rows = [Tensor._make(np.empty(2, np.int64)) for _ in range(dist.get_world_size(group))]
    dist.all_gather(rows, mine, group=group)
    for other, row in enumerate(rows):
        if int(row._data[0]) != len(params):
            raise RuntimeError(
                f"DDP expects same model across all ranks, but Rank {dist.get_rank(group)} has "
                f"{len(params)} params, while rank {other} has inconsistent {int(row._data[0])} "
                "params."
            )
    longest = max(int(row._data[1]) for row in rows)
    first = Tensor._make(np.pad(meta, (0, longest - meta.size), constant_values=-1))
    dist.broadcast(first, group=group, group_src=0)  # rank 0's shapes, padded alike
    expected = iter(first._data.tolist())
    for i, p in enumerate(params):
        ndim = next(expected, -1)
        if [next(expected, -1) for _ in range(max(ndim, 0))] != list(p._data.shape):
            raise RuntimeError(
                f"[{dist.get_rank(group)}]: params[{i}] in this process with sizes "
                f"{list(p._data.shape)} appears not to match sizes of the same param in "
                "process 0."
            )


def _broadcast_coalesced(tensors: list[Tensor], group: Any) -> None:
    """Broadcast ``tensors`` from the group's rank 0, one flat message per dtype. Written
    with ``np.copyto``: no version counter moves."""
    by_dtype: dict[np.dtype, list[Tensor]] = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for group_tensors in by_dtype.values():
        flat = np.concatenate([t._data.reshape(-1) for t in group_tensors])
        dist.broadcast(Tensor._make(flat), group=group, group_src=0)
        start = 0
        for t in group_tensors:
            np.copyto(t._data, flat[start : start + t._data.size].reshape(t._data.shape))
            start += t._data.size


def _find_tensors(obj: Any) -> list[Tensor]:
    """Every tensor in a forward's output: nested lists, tuples, dicts and dataclasses."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _find_tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _find_tensors(item)]
    if is_dataclass(obj) and not isinstance(obj, type):
        return [t for f in fields(obj) for t in _find_tensors(getattr(obj, f.name))]
    return []
