"""``Tensor``: an ndarray with the fields autograd needs. Every method is one line that calls
the operation of the same name in ``numtorch._functions``; grep finds each definition."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from numtorch import _dtype
from numtorch._tensor_str import tensor_repr

if TYPE_CHECKING:
    from collections import OrderedDict

    from numtorch.autograd.graph import AccumulateGrad, Node, RemovableHandle

__all__ = ["Tensor", "Size", "device"]


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``torch.Size([2, 3])``, as in PyTorch.

    Slices, concatenation and repetition stay ``Size``s, so ``x.shape[1:]`` prints like torch.
    """

    def __new__(cls, sizes: Any = ()) -> Size:
        sizes = tuple(sizes)
        for i, n in enumerate(sizes):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise TypeError(
                    f"torch.Size() takes an iterable of 'int' (item {i} is '{type(n).__name__}')"
                )
        return super().__new__(cls, (int(n) for n in sizes))

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key: Any) -> Any:
        out = super().__getitem__(key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n: Any) -> Size:
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements."""
        n = 1
        for s in self:
            n *= s
        return n


_DEVICE_TYPES = (
    "cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, "
    "mps, meta, hpu, mtia, privateuseone"
)
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU"}  # what PyTorch's CPU build asserts on use


class device:
    """A device: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``, ``device("mps")``.

    Every kind PyTorch knows can be named, as on PyTorch's CPU build, but tensors live on the
    CPU only: moving a tensor or module to another device, or creating one there, raises the
    CPU build's error (``AssertionError: Torch not compiled with CUDA enabled`` for CUDA).

    Example:
        >>> import numtorch as torch
        >>> torch.device("cuda", 1)
        device(type='cuda', index=1)
        >>> torch.cuda.is_available()
        False
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({_builtin_type(type).__name__}), but expected one of:\n"
                " * (torch.device device)\n * (str type, int index = -1)\n"
            )
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(
                "device(): argument 'index' (position 2) must be int, not "
                f"{_builtin_type(index).__name__}"
            )
        kind, _, text = type.partition(":")
        if not type:
            raise RuntimeError("Device string must not be empty")
        if kind not in _DEVICE_TYPES.split(", "):
            raise RuntimeError(
                f"Expected one of {_DEVICE_TYPES} device type at start of device string: {type}"
            )
        if ":" in type:
            if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError(
                    "type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                )
            index = int(text)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __reduce__(self) -> tuple:
        return device, (self.type, self.index)


_builtin_type = type
_device = device  # for code whose ``device`` parameter hides the class


def check_cpu(where: Any) -> None:
    """Refuse a device other than the CPU as PyTorch's CPU build does (None and ``'cpu'``, any
    index, pass): ``AssertionError`` for CUDA and XPU, a ``RuntimeError`` otherwise."""
    if where is None:
        return
    if isinstance(where, (int, np.integer)) and not isinstance(where, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    kind = device(where).type if isinstance(where, (str, device)) else None
    if kind == "cpu":
        return
    if kind in _NOT_COMPILED:
        raise AssertionError(f"Torch not compiled with {_NOT_COMPILED[kind]} enabled")
    if kind == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    raise RuntimeError(f"numtorch only supports the 'cpu' device, but got {str(where)!r}")


class Tensor:
    """A multi-dimensional array that can record the operations made on it for autograd.

    ``Tensor(data)`` copies a sequence into a tensor of the default float dtype and
    ``Tensor(*sizes)`` makes a zero-filled one, as PyTorch's legacy constructor does (PyTorch
    leaves it uninitialised); prefer ``numtorch.tensor`` and ``numtorch.zeros`` in new code.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y
        tensor(5., grad_fn=<SumBackward0>)
        >>> y.backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = (
        "_data",
        "_grad",
        "_requires_grad",
        "_grad_fn",
        "_version",
        "_base",
        "__weakref__",
        "__dict__",
    )
    __array_ufunc__ = None  # make NumPy scalars defer to Tensor's reflected operators

    # Autograd's rarely set fields: class defaults, set on the instance only when used.
    _output_nr: int = 0  # which output of its grad_fn this tensor is
    _backward_hooks: OrderedDict | None = None  # register_hook
    _post_accumulate_grad_hooks: OrderedDict | None = None
    _grad_accumulator: AccumulateGrad | None = None  # a leaf's node, once asked for

    def __init__(self, *args: Any, requires_grad: bool = False) -> None:
        default = _dtype.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            if not isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            array = _creation._to_array(args[0], default)
        else:
            array = np.zeros(_creation.parse_size(args, "Tensor") if args else (0,), default.numpy)
        self._init(array, None)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, array: np.ndarray, grad_fn: Node | None) -> None:
        self._data = array
        self._grad = None
        self._grad_fn = grad_fn
        self._requires_grad = grad_fn is not None
        self._version = InferenceVersion() if is_inference_mode_enabled() else [0]
        self._base = None

    @classmethod
    def _make(cls, array: np.ndarray, grad_fn: Node | None = None) -> Tensor:
        """Wrap an ndarray without copying or checking (internal fast path)."""
        t = object.__new__(cls)  # ``_init``'s body, inline: this runs for every op's result
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t._grad = None
        t._grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._version = [0]
        t._base = None
        return t

    # ------------------------------------------------------------ storage and metadata
    @property
    def data(self) -> Tensor:
        """The same storage without autograd history (PyTorch's ``.data``)."""
        out = Tensor._make(self._data)
        out._version = self._version
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self) -> Size:
        return tuple.__new__(Size, self._data.shape)  # NumPy's shape is already valid ints

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> device:
        return _CPU

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def T(self) -> Tensor:
        return shape.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        return shape.transpose(self, -2, -1)

    @property
    def is_cuda(self) -> bool:
        return False

    is_xpu = is_mps = is_meta = is_cuda

    @property
    def is_cpu(self) -> bool:
        return True

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a ``torch.Size``, or the size of dimension ``dim``."""
        return (
            self.shape if dim is None else self._data.shape[_checks.normalize_dim(dim, self.ndim)]
        )

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._data.itemsize

    def stride(self, dim: int | None = None) -> tuple | int:
        """The strides in elements, or the stride of dimension ``dim``."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_checks.normalize_dim(dim, self.ndim)]

    def is_contiguous(self) -> bool:
        """Whether the elements are contiguous in memory, in row-major order."""
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """Whether the tensor's dtype is a floating-point type."""
        return self.dtype.is_floating_point

    def item(self) -> int | float | bool:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared memory), refused while the tensor requires grad."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether autograd records operations on this leaf tensor."""
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(
                "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                f"{type(requires_grad).__name__}"
            )
        if not self.is_leaf:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad:
            autograd.graph.check_inference_grad(self)
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise RuntimeError("requires_grad must be a bool")
        if not self.is_leaf:
            message = "you can only change requires_grad flags of leaf variables."
            if not value:
                message += (
                    " If you want to use a computed variable in a subgraph that doesn't require "
                    "differentiation use var_no_grad = var.detach()."
                )
            raise RuntimeError(message)
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        if value:
            autograd.graph.check_inference_grad(self)
        self._requires_grad = bool(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward`` (None until one arrives)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # autograd writes ``_grad`` directly; this checks what user code assigns, as PyTorch does
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    @property
    def grad_fn(self) -> Node | None:
        """The graph node that made this tensor (None for a leaf). A view whose base was
        written into since the view was made gets its history regenerated from the base first
        (``AsStridedBackward0``), as PyTorch does lazily."""
        if self._base is not None:
            inplace.refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Node | None) -> None:
        autograd.graph.set_grad_fn(self, node)

    @property
    def output_nr(self) -> int:
        """Which output of ``grad_fn`` this tensor is."""
        return self._output_nr

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (after its hooks)."""
        autograd.graph.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return autograd.graph.retains_grad(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` each backward, once, with the total gradient of this tensor.

        A tensor the hook returns replaces the gradient (same shape and dtype). On a leaf the
        hooks run before the gradient is added into ``.grad``.

        Returns:
            a ``RemovableHandle``: ``handle.remove()`` unregisters the hook.

        Example:
            >>> import numtorch as torch
            >>> w = torch.ones(2, requires_grad=True)
            >>> h = w.register_hook(lambda g: print(g))
            >>> (w * 2 + w * 3).sum().backward()  # one call, with the sum of both uses
            tensor([5., 5.])
            >>> h.remove()
        """
        return autograd.graph.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(self)`` after backward has added into this leaf's ``.grad``."""
        return autograd.graph.register_post_accumulate_grad_hook(self, hook)

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, cut from the graph."""
        out = Tensor._make(self._data)
        out._version = self._version
        return out

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph that created it, in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------ conversion
    def type(self, dtype: Any = None) -> Tensor | str:
        """The type name (``'torch.FloatTensor'``), or a conversion to a dtype or type name."""
        if dtype is None:
            return f"torch.{_dtype.scalar_type_name(self.dtype)}Tensor"
        if isinstance(dtype, str):
            by_name = {f"torch.{_dtype.scalar_type_name(d)}Tensor": d for d in _dtype._ALL}
            if dtype not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = by_name[dtype]
        elif isinstance(dtype, _LegacyType):  # x.type(torch.DoubleTensor)
            dtype = dtype.dtype
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """``self.to(torch.float32)``."""
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        """``self.to(torch.float64)``."""
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        """``self.to(torch.float16)``."""
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        """``self.to(torch.int64)``."""
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        """``self.to(torch.int32)``."""
        return self.to(_dtype.int32)

    def bool(self) -> Tensor:
        """``self.to(torch.bool)``."""
        return self.to(_dtype.bool)

    def cpu(self) -> Tensor:
        """This tensor on the CPU: ``self`` itself (numtorch has only the CPU)."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """PyTorch's CPU build: ``AssertionError("Torch not compiled with CUDA enabled")``."""
        if isinstance(device, (int, np.integer)):
            check_cpu(device)
        raise AssertionError("Torch not compiled with CUDA enabled")

    # ------------------------------------------------------------ python protocol
    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(shape.unbind(self, 0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self) -> int | float | bool:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __deepcopy__(self, memo: dict) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        if id(self) in memo:
            return memo[id(self)]
        out = object.__new__(type(self))
        out._init(self._data.copy(), None)
        out._requires_grad = self.requires_grad
        memo[id(self)] = out
        out._grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        state = python_state(self)
        if state:
            out.__dict__.update(copy.deepcopy(state, memo))
        return out

    def __reduce_ex__(self, protocol: Any) -> tuple:
        """Pickle the values, ``requires_grad`` and the Python attributes (a buffer's mark, a
        user's own), not ``.grad`` or hooks, as PyTorch does."""
        warn_if_has_hooks(self)
        state = python_state(self)
        return (_rebuild_tensor, (self._data, self.requires_grad)) + ((state,) if state else ())

    def __getitem__(self, key: Any) -> Tensor:
        return indexing.index(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        indexing.setitem(self, key, value)

    def __contains__(self, element: Any) -> bool:
        return bool(np.any(self._data == getattr(element, "_data", element)))

    # ------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        return pointwise.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return pointwise.add(other, self)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __sub__(self, other: Any) -> Tensor:
        return pointwise.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return pointwise.rsub(self, other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __mul__(self, other: Any) -> Tensor:
        return pointwise.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return pointwise.mul(other, self)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __truediv__(self, other: Any) -> Tensor:
        return pointwise.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return pointwise.mul(pointwise.reciprocal(self), other)  # PyTorch's ``other / self``

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __floordiv__(self, other: Any) -> Tensor:
        return pointwise.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return pointwise.div(other, self, rounding_mode="floor")

    def __mod__(self, other: Any) -> Tensor:
        return pointwise.remainder(self, other)

    def __pow__(self, other: Any) -> Tensor:
        return pointwise.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return pointwise.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return linalg.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return linalg.matmul(other, self)

    def __neg__(self) -> Tensor:
        return pointwise.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return pointwise.abs(self)

    def __and__(self, other: Any) -> Tensor:  # the reflected and in-place forms: comparison.py
        return comparison.bitwise_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return comparison.bitwise_or(self, other)

    def __xor__(self, other: Any) -> Tensor:
        return comparison.bitwise_xor(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return comparison.eq(self, other) if _is_operand(other) else NotImplemented

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return comparison.ne(self, other) if _is_operand(other) else NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        return comparison.lt(self, other) if _is_operand(other) else NotImplemented

    def __le__(self, other: Any) -> Tensor:
        return comparison.le(self, other) if _is_operand(other) else NotImplemented

    def __gt__(self, other: Any) -> Tensor:
        return comparison.gt(self, other) if _is_operand(other) else NotImplemented

    def __ge__(self, other: Any) -> Tensor:
        return comparison.ge(self, other) if _is_operand(other) else NotImplemented


# Autograd's fields that live in a tensor's ``__dict__`` (see ``Tensor``): PyTorch keeps them in
# C, so neither its deepcopy nor its pickle carries them; everything else there is Python state.
_AUTOGRAD_FIELDS = frozenset(
    {
        "_output_nr",
        "_backward_hooks",
        "_post_accumulate_grad_hooks",
        "_grad_accumulator",
        "_multi_view",  # a split/unbind piece's view record (numtorch/_namespace/shape.py)
        "_no_grad_view",  # a view made under no_grad of a tensor that requires grad
    }
)


def python_state(t: Tensor) -> dict:
    """The Python attributes of ``t`` that copying and pickling carry (PyTorch's
    ``_get_obj_state``): a buffer's ``_is_buffer`` and ``persistent``, a user's own."""
    return {k: v for k, v in t.__dict__.items() if k not in _AUTOGRAD_FIELDS}


def warn_if_has_hooks(t: Tensor) -> None:
    """Warn for each backward hook of ``t`` that pickling drops, unless it is marked with
    ``numtorch.utils.hooks.unserializable_hook`` (PyTorch's ``warn_if_has_hooks``)."""
    for hook in (t._backward_hooks or {}).values():
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(
                f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, "
                "you can decorate the function with @torch.utils.hooks.unserializable_hook to "
                "suppress this warning",
                stacklevel=3,
            )


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    """Unpickle a ``Tensor`` (module-level so pickle can find it)."""
    out = Tensor._make(array)
    out._requires_grad = requires_grad
    return out


def _is_operand(x: object) -> bool:
    """Whether ``x`` can meet a tensor in arithmetic or a comparison (else Python decides)."""
    return isinstance(x, (Tensor, bool, int, float, np.number, np.bool_))


# The core's one back-edge (docs/how-an-op-flows.md): Tensor's methods call the ops, and the
# ops are built on Tensor, so these modules are imported after the class is defined.
from numtorch import _checks, autograd  # noqa: E402
from numtorch._namespace import comparison, indexing, inplace, linalg, pointwise, shape  # noqa: E402
from numtorch._namespace import creation as _creation  # noqa: E402
from numtorch.autograd.grad_mode import InferenceVersion, is_inference_mode_enabled  # noqa: E402

_CPU = device()


def _check_grad(t: Tensor, g: Any) -> None:
    """PyTorch's checks on ``t.grad = g``: a Tensor of ``t``'s size and dtype, not ``t``."""
    if not isinstance(g, Tensor):
        raise TypeError(
            f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}"
        )
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g.dtype is not t.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_dtype.c_type_name(g.dtype)}' to a "
            f"tensor with grad_dtype '{_dtype.scalar_type_name(t.dtype)}'. The gradient must "
            "match the tensor's grad_dtype (defaults to the tensor's dtype)."
        )
    if g.shape != t.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g.shape)}' to a tensor of size "
            f"'{list(t.shape)}'. Please ensure that the gradient and the tensor are the same size"
        )


class _LegacyType(type):
    """The metaclass of ``FloatTensor`` and kin: ``isinstance(t, torch.LongTensor)`` asks
    whether ``t`` is an int64 tensor, as in PyTorch (the tensors are plain ``Tensor``s)."""

    dtype: _dtype.dtype

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


class _LegacyTensor(metaclass=_LegacyType):
    """PyTorch's legacy typed constructors: ``LongTensor([1, 2])`` copies data into that dtype;
    ``LongTensor(2, 3)`` or ``LongTensor(torch.Size([2, 3]))`` makes a zero-filled tensor of
    that size (PyTorch leaves it uninitialised). Prefer ``torch.tensor(data, dtype=...)``."""

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        kind = None if device is None else _device(device).type
        if kind not in (None, "cpu"):
            raise RuntimeError(
                f"legacy constructor expects device type: cpu but device type: {kind} was passed"
            )
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype is not cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {args[0].dtype})")
            return args[0]
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            if not isinstance(args[0], (list, tuple, np.ndarray)):
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            return Tensor._make(_creation._to_array(args[0], cls.dtype))
        shape = _creation.parse_size(args, cls.__name__) if args else (0,)
        return Tensor._make(np.zeros(shape, cls.dtype.numpy))


def _legacy(name: str, dtype: _dtype.dtype) -> _LegacyType:
    doc = f"PyTorch's legacy constructor of {dtype} tensors (prefer ``torch.tensor(data)``)."
    return _LegacyType(
        name, (_LegacyTensor,), {"dtype": dtype, "__module__": "numtorch", "__doc__": doc}
    )


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
LongTensor = _legacy("LongTensor", _dtype.int64)
IntTensor = _legacy("IntTensor", _dtype.int32)
ShortTensor = _legacy("ShortTensor", _dtype.int16)
CharTensor = _legacy("CharTensor", _dtype.int8)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
BoolTensor = _legacy("BoolTensor", _dtype.bool)
BFloat16Tensor = _legacy("BFloat16Tensor", _dtype.bfloat16)  # every use raises: no NumPy type
