"""The less-used half of ``Module``'s API, kept out of ``module.py`` so that file stays short.

``_ModuleAPI`` is a base class of ``Module``: ``set_submodule``, extra state, the state-dict
hook registrations, ``to_empty``, ``type``, ``bfloat16``, ``compile`` and the accelerator moves
that a CPU-only build refuses (``xpu``, ``ipu``, ``mtia``), each as PyTorch has them.
"""

from __future__ import annotations

import functools
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from numtorch import _dtype
from numtorch._namespace.creation import empty
from numtorch.autograd.grad_mode import no_grad
from numtorch.tensor import Tensor
from numtorch.utils.hooks import RemovableHandle

__all__: list[str] = []

# PyTorch's state_dict key suffix for what ``get_extra_state`` returns.
EXTRA_STATE_KEY_SUFFIX = "_extra_state"

_MTIA_MESSAGE = (
    "Torch not compiled with MTIA enabled. Ensure you have `import "
    "mtia.host_runtime.torch_mtia.dynamic_library` in your python src file and include "
    "`//mtia/host_runtime/torch_mtia:torch_mtia` as your target dependency!"
)


class _WrappedHook:
    """A load-state-dict pre-hook, optionally called with its module first (held weakly, so
    the hook does not keep the module alive)."""

    def __init__(self, hook: Callable, module: Any = None) -> None:
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.with_module = module is not None
        if module is not None:
            self.module = weakref.ref(module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.with_module:
            module = self.module()
            if module is None:
                raise RuntimeError("You are trying to call the hook of a dead Module!")
            return self.hook(module, *args, **kwargs)
        return self.hook(*args, **kwargs)

    def __getstate__(self) -> dict:
        state = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            state["module"] = self.module()
        return state

    def __setstate__(self, state: dict) -> None:
        self.hook, self.with_module = state["hook"], state["with_module"]
        if self.with_module:
            if state["module"] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self.module = weakref.ref(state["module"])


def has_extra_state(module: Any) -> bool:
    """Whether ``module``'s class overrides ``get_extra_state`` (so it has extra state)."""
    return getattr(type(module), "get_extra_state", None) is not _ModuleAPI.get_extra_state


def _to_bfloat16(tensor: Any) -> Any:
    bfloat16 = getattr(_dtype, "bfloat16", None)
    if bfloat16 is None:  # a numtorch without the bfloat16 dtype object
        raise TypeError(
            "numtorch does not support torch.bfloat16: NumPy has no bfloat16 type, so a tensor "
            "can't be created with or converted to torch.bfloat16; use torch.float32 (or "
            "torch.float16) instead"
        )
    return tensor.to(bfloat16)


def _empty_like(tensor: Any, device: Any) -> Any:
    return empty(tuple(tensor.shape), dtype=tensor.dtype, device=device)


def _refuse(exc_type: type, message: str) -> Callable:
    def fn(tensor: Any) -> Any:
        raise exc_type(message)

    return fn


_NON_FULL = "Please use register_full_backward_hook to get the documented behavior."


def call_with_non_full_backward_hooks(module: Any, args: tuple, kwargs: dict, call: Any) -> Any:
    """``module(*args)`` with hooks from ``register_backward_hook`` (PyTorch's deprecated
    form): they go on the ``grad_fn`` of forward's first output tensor, as node hooks
    ``hook(module, grad_input, grad_output)``, with PyTorch's warnings where that node's
    gradients are not the module's."""
    hooks = module.__dict__["_backward_hooks"]
    module.__dict__["_backward_hooks"] = OrderedDict()  # not full hooks: keep them out of call
    try:
        result = call(module, args, kwargs)
    finally:
        module.__dict__["_backward_hooks"] = hooks
    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next(v for v in var.values() if isinstance(v, Tensor))
        else:
            var = var[0]
    grad_fn = var.grad_fn
    if grad_fn is not None:
        for hook in hooks.values():
            grad_fn.register_hook(_WrappedHook(hook, module))
        _maybe_warn_non_full_backward_hook(args, result, grad_fn)
    return result


def _warn(message: str) -> None:
    warnings.warn(message, FutureWarning, stacklevel=4)


def _maybe_warn_non_full_backward_hook(inputs: Any, result: Any, grad_fn: Any) -> None:
    """PyTorch's warnings for the cases where a non-full hook misses some gradients."""
    start = "Using non-full backward hooks on a Module that does not "
    end = " is deprecated and will be removed in future versions. This hook will be missing "
    if isinstance(result, Tensor):
        result = (result,)
    elif not (isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result)):
        _warn(
            start + "return a single Tensor or a tuple of Tensors" + end + "some of the "
            "grad_output. " + _NON_FULL
        )
        return
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    elif not (isinstance(inputs, tuple) and all(isinstance(i, Tensor) for i in inputs)):
        _warn(
            start + "take as input a single Tensor or a tuple of Tensors" + end + "some of "
            "the grad_input. " + _NON_FULL
        )
        return
    out_grad_fn = {r.grad_fn for r in result if r.grad_fn is not None}
    if not out_grad_fn or (len(out_grad_fn) == 1 and grad_fn not in out_grad_fn):
        _warn(
            "Using a non-full backward hook when outputs are nested in python data structure"
            + end
            + "some grad_output."
        )
    elif len(out_grad_fn) > 1:
        _warn(
            "Using a non-full backward hook when outputs are generated by different autograd "
            "Nodes" + end + "some grad_output. " + _NON_FULL
        )
    else:
        inputs_grad_fn = {i.grad_fn for i in inputs if i.grad_fn is not None}
        if inputs_grad_fn != {n[0] for n in grad_fn.next_functions}:
            _warn(
                "Using a non-full backward hook when the forward contains multiple autograd "
                "Nodes" + end + "some grad_input. " + _NON_FULL
            )


class _ModuleAPI:
    """Base class of ``Module`` holding the rarely-used methods (see the module docstring)."""

    dump_patches: bool = False
    call_super_init: bool = False
    T_destination = TypeVar("T_destination", bound=dict[str, Any])

    # ------------------------------------------------------------ submodules
    def set_submodule(self, target: str, module: Any, strict: bool = False) -> None:
        """Put ``module`` at dotted path ``target``, replacing a submodule there or (unless
        ``strict``) adding a new one under an existing parent."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        atoms = target.split(".")
        if not isinstance(module, _ModuleAPI):
            raise ValueError("`module` is not an nn.Module, found " + str(type(module)))
        parent = self if len(atoms) == 1 else self.get_submodule(".".join(atoms[:-1]))
        if strict and not hasattr(parent, atoms[-1]):
            raise AttributeError(parent._get_name() + " has no attribute `" + atoms[-1] + "`")
        if hasattr(parent, atoms[-1]):
            if not isinstance(getattr(parent, atoms[-1]), _ModuleAPI):
                raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
        setattr(parent, atoms[-1], module)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Deprecated (use ``register_full_backward_hook``): ``hook(module, grad_input,
        grad_output)`` on the autograd node that made forward's first output, so it sees
        that node's gradients, not necessarily the module's."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(
                "Cannot use both regular backward hooks and full backward hooks on a single "
                "Module. Please use only one of them."
            )
        self._is_full_backward_hook = False
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def _get_backward_hooks(self) -> tuple[list, list]:
        """``(full hooks, non-full hooks)`` registered on this module."""
        hooks = list(self._backward_hooks.values())
        return (hooks, []) if self._is_full_backward_hook is True else ([], hooks)

    def _get_backward_pre_hooks(self) -> list:
        return list(self._backward_pre_hooks.values())

    # ------------------------------------------------------------ extra state
    def get_extra_state(self) -> Any:
        """Extra (picklable) state for ``state_dict``; override with ``set_extra_state``."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug."
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what ``get_extra_state`` returned, from ``load_state_dict``."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug."
        )

    # ------------------------------------------------------------ state-dict hooks
    def _register_state_dict_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict``; a dict it
        returns replaces the root's result (PyTorch's private, older form)."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError(
                "Cannot register the same function as the state dict post hook that was "
                "previously registered via register_state_dict_post_hook"
            )
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata) -> None`` after ``state_dict``;
        it may change the dict in place."""
        hook._from_public_api = True
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, prefix, keep_vars) -> None`` before ``state_dict`` runs."""
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def _register_load_state_dict_pre_hook(
        self, hook: Callable, with_module: bool = False
    ) -> RemovableHandle:
        """``hook([module,] state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its own entries."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = _WrappedHook(
            hook, self if with_module else None
        )
        return handle

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) -> None`` before ``load_state_dict`` loads this module."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, incompatible_keys) -> None`` after ``load_state_dict``; it may edit
        ``incompatible_keys.missing_keys``/``unexpected_keys`` in place (which ``strict``
        then sees)."""
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    def _run_state_dict_post_hooks(self, destination: Any, prefix: str, metadata: Any) -> Any:
        """The post-hooks of ``state_dict``, with PyTorch's rule on their return values."""
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, metadata)
            if not getattr(hook, "_from_public_api", False):
                if result is not None:
                    destination = result
            elif result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    # ------------------------------------------------------------ conversion
    def type(self, dst_type: Any) -> Any:
        """Cast every parameter and buffer to ``dst_type`` (a dtype or a type string)."""
        return self._apply(lambda t: t.type(dst_type))

    def bfloat16(self) -> Any:
        """Cast floating-point parameters and buffers to bfloat16: numtorch's clear error, as
        NumPy has no bfloat16 (a module without floating tensors is returned unchanged)."""
        return self._apply(lambda t: _to_bfloat16(t) if t.is_floating_point() else t)

    def to_empty(self, *, device: Any, recurse: bool = True) -> Any:
        """Replace every parameter's and buffer's values by uninitialised ones of the same
        shape and dtype on ``device`` (only the CPU here), keeping the Parameter objects."""
        modules = self.modules() if recurse else [self]
        with no_grad():
            for module in modules:
                for param in module._parameters.values():
                    if param is not None:
                        param._data = _empty_like(param, device)._data
                for key, buf in module._buffers.items():
                    if buf is not None:
                        module._buffers[key] = _empty_like(buf, device)
        return self

    def xpu(self, device: Any = None) -> Any:
        """PyTorch's CPU build: there is no XPU device."""
        return self._apply(_refuse(AssertionError, "Torch not compiled with XPU enabled"))

    def ipu(self, device: Any = None) -> Any:
        """PyTorch's CPU build: there is no IPU device."""
        message = "PyTorch is not linked with support for ipu devices"
        return self._apply(_refuse(RuntimeError, message))

    def mtia(self, device: Any = None) -> Any:
        """PyTorch's CPU build: there is no MTIA device."""
        return self._apply(_refuse(AssertionError, _MTIA_MESSAGE))

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """``torch.compile`` this module's calls: numtorch has no compiler, so the module keeps
        running eagerly (the same results); returns None, as PyTorch's does."""
        return None
