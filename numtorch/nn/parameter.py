"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from collections.abc import Iterable
from multiprocessing import reduction
from typing import Any

from numtorch._checks import check_tensor
from numtorch._namespace.creation import empty
from numtorch._namespace.sharing import reduce_tensor
from numtorch.tensor import Size, Tensor, python_state

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a ``Module`` attribute registers it.

    It shares ``data``'s storage (and version counter) and is always a leaf; by default it
    requires grad.

    Args:
        data: the tensor to wrap (an empty float tensor when None).
        requires_grad: whether autograd records operations on it. Default: ``True``.

    Example:
        >>> import numtorch as torch
        >>> p = torch.nn.Parameter(torch.ones(2))
        >>> p
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        >>> p.is_leaf, p.requires_grad
        (True, True)
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = empty(0)
        check_tensor(data, "_make_subclass", "data", 2)
        self._init(data._data, None)
        self._version = data._version
        if requires_grad:
            if not data.dtype.is_floating_point:
                raise RuntimeError(
                    "Only Tensors of floating point and complex dtype can require gradients"
                )
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> tuple:
        """Pickle the values, ``requires_grad`` and the Python attributes, as PyTorch does
        (its ``deepcopy`` above carries none of them)."""
        state = python_state(self)  # (PyTorch's drops a parameter's hooks without a warning)
        args = (type(self), self._data, self.requires_grad)
        return (_rebuild_parameter, args) + ((state,) if state else ())


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` holds for any tensor marked as a buffer (``_is_buffer``), as
    ``Buffer(...)`` itself returns a plain ``Tensor``."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if (
            cls is Buffer
            and isinstance(instance, Tensor)
            and getattr(instance, "_is_buffer", False)
        ):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor that is module state but not a parameter (BatchNorm's ``running_mean``):
    assigning it to a ``Module`` attribute registers it as a buffer, as
    ``register_buffer(name, tensor, persistent)`` does.

    ``Buffer(data)`` returns ``data`` detached (a plain ``Tensor`` sharing its storage, with its
    ``requires_grad``), marked as a buffer.

    Args:
        data: the buffer's tensor (an empty float tensor when None).
        persistent: whether it is part of the module's ``state_dict``. Default: ``True``.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.Module()
        >>> m.steps = torch.nn.Buffer(torch.zeros(2), persistent=False)
        >>> m.scale = torch.nn.Buffer(torch.ones(1))
        >>> [name for name, _ in m.named_buffers()], list(m.state_dict())
        (['steps', 'scale'], ['scale'])
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (a lazy module's, before its first
    forward): reading its shape raises PyTorch's error until ``materialize`` gives it one and
    turns it into the concrete class (``cls_to_become``)."""

    cls_to_become: type

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Become an uninitialised ``cls_to_become`` of ``shape`` (this dtype unless given)."""
        data = empty(shape, device=device, dtype=self._data.dtype if dtype is None else dtype)
        self._data = data._data
        self._version[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> Size:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. "
            "This error usually happens in `load_state_dict` when trying to load "
            "an uninitialized parameter into an initialized one. "
            "Call `forward` to initialize the parameters before accessing their attributes."
        )

    def size(self, dim: int | None = None) -> Any:
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    def share_memory_(self) -> None:
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. "
            "Call `forward` to initialize the parameters before calling "
            "`module.share_memory()`."
        )

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (self.__class__, (self.requires_grad,))


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` without a shape yet; ``materialize`` makes it a ``Parameter``.

    Example:
        >>> import numtorch as torch
        >>> p = torch.nn.parameter.UninitializedParameter()
        >>> p
        <UninitializedParameter>
        >>> p.materialize((2, 3)); type(p).__name__, p.shape
        ('Parameter', torch.Size([2, 3]))
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(empty(0, device=device, dtype=dtype), requires_grad)

    def __deepcopy__(self, memo: dict) -> UninitializedParameter:
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, None, self.data.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer without a shape yet; ``materialize`` makes it a plain ``Tensor``."""

    cls_to_become = Tensor

    def __init__(
        self, requires_grad: bool = False, device: Any = None, dtype: Any = None, persistent=True
    ) -> None:
        self._init(empty(0, device=device, dtype=dtype)._data, None)
        if requires_grad:
            self.requires_grad_(True)
        self.persistent = persistent
        self._is_buffer = True


def _rebuild_parameter(cls: type, array: Any, requires_grad: bool) -> Parameter:
    """Unpickle a ``Parameter`` (module-level so pickle can find it)."""
    return cls(Tensor._make(array), requires_grad)


def _zero_grad(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset each tensor's ``.grad``, for ``Module.zero_grad`` and ``Optimizer.zero_grad``:
    drop it (None), or detach it from any graph and fill it with zeros in place."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_()
            p.grad.zero_()


# A Parameter sent to another process shares its values, as a Tensor does (torch.multiprocessing)
reduction.ForkingPickler.register(Parameter, reduce_tensor)
