"""``LazyModuleMixin``: layers whose input size is inferred from the first input.

A lazy layer starts with ``UninitializedParameter``/``UninitializedBuffer`` members. A forward
pre-hook calls ``initialize_parameters(*args)`` on the first call, which materialises them with
shapes read from the input; the hooks are then removed and the module becomes its concrete class
(``cls_to_become``: ``LazyLinear`` -> ``Linear``). Loading a state_dict into a lazy module
materialises its members with the checkpoint's shapes.
"""

from __future__ import annotations

import itertools
from typing import Any

from numtorch.autograd.grad_mode import no_grad
from numtorch.nn.parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin (listed before the concrete layer) for modules that infer their parameters' shapes
    from the first input; subclasses implement ``initialize_parameters``."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(
            self._infer_parameters, with_kwargs=True
        )

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """As ``Module``'s, but an uninitialised member is saved as it is (not detached)."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = (
                    param if is_lazy(param) or keep_vars else param.detach()
                )
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if is_lazy(buf) or keep_vars else buf.detach()

    def _lazy_load_hook(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors
    ) -> None:
        """Materialise each uninitialised member with the shape of the tensor being loaded."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                input_param = state_dict[key]
                if not is_lazy(input_param):
                    with no_grad():
                        param.materialize(input_param.shape)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise the uninitialised members from the first call's arguments."""
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {self.__class__.__name__}"
        )

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still uninitialised."""
        members = itertools.chain(self._parameters.values(), self._buffers.values())
        return any(is_lazy(member) for member in members)

    def _infer_parameters(self, module: Any, args: tuple, kwargs: dict | None = None) -> None:
        """The first call's pre-hook: initialise, drop the hooks, become ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self) -> None:
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with `DataParallel`. Run a "
            "dummy forward pass to correctly initialize the modules"
        )
