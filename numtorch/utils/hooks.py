"""Hook plumbing, as in ``torch.utils.hooks``: ``RemovableHandle`` (what every
``register_*hook`` returns), ``call_with_hooks`` (a module call with its forward hooks: PyTorch's
``Module._call_impl``) and ``BackwardHook``, which gives ``nn.Module`` its full backward hooks.

``RemovableHandle`` is defined with the graph nodes (``numtorch.autograd.graph``), because
tensors and nodes hand them out and the core cannot import this package; this module is its
public home.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch.autograd.grad_mode import is_recording
from numtorch.autograd.graph import Node, Primitive, RemovableHandle
from numtorch.tensor import Tensor, warn_if_has_hooks

__all__ = [
    "RemovableHandle",
    "BackwardHook",
    "call_with_hooks",
    "unserializable_hook",
    "warn_if_has_hooks",
]


# Hooks on every module (``nn.modules.module.register_module_forward_hook`` and the others):
# PyTorch runs them before each module's own hooks of the same kind.
GLOBAL_FORWARD_PRE_HOOKS: OrderedDict = OrderedDict()
GLOBAL_FORWARD_HOOKS: OrderedDict = OrderedDict()
GLOBAL_FORWARD_HOOKS_WITH_KWARGS: OrderedDict = OrderedDict()
GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED: OrderedDict = OrderedDict()
GLOBAL_BACKWARD_PRE_HOOKS: OrderedDict = OrderedDict()
GLOBAL_BACKWARD_HOOKS: OrderedDict = OrderedDict()


def has_global_hooks() -> bool:
    return bool(
        GLOBAL_FORWARD_PRE_HOOKS
        or GLOBAL_FORWARD_HOOKS
        or GLOBAL_BACKWARD_PRE_HOOKS
        or GLOBAL_BACKWARD_HOOKS
    )


def unserializable_hook(f: Callable) -> Callable:
    """Mark ``f`` as a hook that pickling a tensor may drop without a warning."""
    f.__torch_unserializable__ = True
    return f


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks: forward pre-hooks, backward hooks set up on
    the inputs, ``forward``, forward hooks, backward hooks set up on the outputs. When
    ``forward`` raises, the ``always_call`` forward hooks still run."""
    called: set = set()
    result = None
    try:
        args, kwargs = _run_forward_pre_hooks(module, args, kwargs)
        bw_hook = None
        hooks = [*GLOBAL_BACKWARD_HOOKS.values(), *module._backward_hooks.values()]
        pre_hooks = [*GLOBAL_BACKWARD_PRE_HOOKS.values(), *module._backward_pre_hooks.values()]
        if hooks or pre_hooks:
            bw_hook = BackwardHook(module, hooks, pre_hooks)
            args = bw_hook.setup_input_hook(args)
        result = module.forward(*args, **kwargs)
        result = _run_forward_hooks(module, args, kwargs, result, called)
        if bw_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor or a "
                    f"tuple of Tensors but received {type(result)}",
                    stacklevel=3,
                )
            result = bw_hook.setup_output_hook(result)
        return result
    except Exception:
        _run_always_called_hooks(module, args, kwargs, result, called)
        raise


def _run_forward_pre_hooks(module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    for hook_id, hook in [*GLOBAL_FORWARD_PRE_HOOKS.items(), *module._forward_pre_hooks.items()]:
        if hook_id in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple of (new_args, "
                        f"new_kwargs), but got {result}."
                    )
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    return args, kwargs


def _run_forward_hooks(module: Any, args: tuple, kwargs: dict, result: Any, called: set) -> Any:
    for hook_id, hook in [*GLOBAL_FORWARD_HOOKS.items(), *module._forward_hooks.items()]:
        if _always_called(module, hook_id):
            called.add(hook_id)
        if _with_kwargs(module, hook_id):
            out = hook(module, args, kwargs, result)
        else:
            out = hook(module, args, result)
        if out is not None:
            result = out
    return result


def _always_called(module: Any, hook_id: int) -> bool:
    return (
        hook_id in module._forward_hooks_always_called
        or hook_id in GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED
    )


def _with_kwargs(module: Any, hook_id: int) -> bool:
    return (
        hook_id in module._forward_hooks_with_kwargs or hook_id in GLOBAL_FORWARD_HOOKS_WITH_KWARGS
    )


def _run_always_called_hooks(
    module: Any, args: tuple, kwargs: dict, result: Any, called: set
) -> None:
    """After ``forward`` raised: the ``always_call`` hooks that have not run yet; an error in
    one becomes a warning, so the original error is what propagates."""
    for hook_id, hook in [*GLOBAL_FORWARD_HOOKS.items(), *module._forward_hooks.items()]:
        if not _always_called(module, hook_id) or hook_id in called:
            continue
        try:
            if _with_kwargs(module, hook_id):
                hook(module, args, kwargs, result)
            else:
                hook(module, args, result)
        except Exception as e:
            warnings.warn(
                "module forward hook with ``always_call=True`` raised an exception that was "
                f"silenced as another error was raised in forward: {e}",
                stacklevel=3,
            )


class BackwardHookFunction(Primitive):
    """Identity on each tensor argument, as one node with one output per argument: the node a
    module's backward hooks watch. Each output is a view of its argument."""

    @staticmethod
    def forward(ctx: Primitive, *arrays: np.ndarray) -> tuple:
        ctx._name = "BackwardHookFunctionBackward"  # PyTorch's name for a Python Function's node
        outs = tuple(a.view() for a in arrays)
        ctx.mark_non_differentiable(*[o for o, n in zip(outs, ctx.needs_input_grad) if not n])
        return outs

    @staticmethod
    def backward(ctx: Primitive, *grads: np.ndarray) -> tuple:
        return grads


class BackwardHook:
    """One module call's backward hooks (``register_full_backward_hook`` and
    ``register_full_backward_pre_hook``), with PyTorch's firing rules.

    The module's tensor arguments and its tensor outputs each pass through a
    ``BackwardHookFunction`` node. When the outputs' node runs, the pre-hooks see (and may
    replace) ``grad_output``; when the inputs' node runs, the hooks see ``grad_input`` (one
    entry per positional argument, None for non-tensors) and may replace it. If no input
    requires grad, the hooks fire at the outputs' node with ``grad_input`` all None.
    """

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = -1
        self.input_tensors_index: list | None = None
        self.output_tensors_index: list | None = None

    def setup_input_hook(self, args: tuple) -> tuple:
        """Wrap the module's tensor arguments; the returned args go to ``forward``."""
        res, self.input_tensors_index = _apply_on_tensors(self._input_hook, args)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result: Any) -> Any:
        """Wrap the module's tensor outputs; the returned value goes to the caller."""
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        res, self.output_tensors_index = _apply_on_tensors(self._output_hook, outputs)
        self.n_outputs = len(outputs)
        return res[0] if single else res

    def _input_hook(self, grad_input: tuple, _: tuple) -> tuple | None:
        if self.grad_outputs is None:  # the gradient bypassed the module's outputs
            return None
        res = _pack(self.input_tensors_index, grad_input, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, got "
                    f"{len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_tensors_index)

    def _output_hook(self, _: tuple, grad_output: tuple) -> tuple:
        self.grad_outputs = _pack(self.output_tensors_index, grad_output, self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(self.grad_outputs):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, got "
                    f"{len(out)}, but expected {len(self.grad_outputs)}"
                )
            self.grad_outputs = out
        grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            self._fire_without_inputs()
        return tuple(grad_outputs[i] for i in self.output_tensors_index)

    def _fire_without_inputs(self) -> None:
        warnings.warn(
            "Full backward hook is firing when gradients are computed with respect to module "
            "outputs since no inputs require gradients. See "
            "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
            "#torch.nn.Module.register_full_backward_hook for more details.",
            stacklevel=9,  # the caller of Tensor.backward
        )
        grad_inputs = (None,) * self.n_inputs
        for hook in self.user_hooks:
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                raise RuntimeError(
                    "Backward hook for Modules where no input requires gradient should always "
                    "return None or None for all gradients."
                )
        self.grad_outputs = None


def _pack(indices: list, values: tuple, size: int) -> tuple:
    res: list = [None] * size
    for i, v in zip(indices, values):
        res[i] = v
    return tuple(res)


def _apply_on_tensors(hook: Callable, args: tuple) -> tuple[Any, list | None]:
    """Pass the tensors of ``args`` through one ``BackwardHookFunction`` node that runs
    ``hook`` after its backward; return the new args and the tensors' positions."""
    index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    tensors = [args[i] for i in index]
    if not (any(t.requires_grad for t in tensors) and is_recording()):
        return args, None
    outs = BackwardHookFunction.apply(*tensors)
    for t, o in zip(tensors, outs):
        o._version = t._version
        o._base = t if t._base is None else t._base
    node: Node = next(o.grad_fn for o in outs if o.grad_fn is not None)
    node.register_hook(hook)
    new = list(args)
    for i, o in zip(index, outs):
        new[i] = o
    return (tuple(new) if type(args) is tuple else type(args)(*new)), index
