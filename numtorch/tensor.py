"""``Tensor``: an ndarray with the fields autograd needs. Every method is one line that calls
the operation of the same name in ``numtorch._functions``; grep finds each definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch.autograd.function import Function, retain

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
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """The device a tensor lives on; numtorch has one, the CPU."""

    def __init__(self, type: str = "cpu", index: int | None = None) -> None:
        if str(type) not in ("cpu", "cpu:0"):
            raise RuntimeError(f"numtorch only supports the 'cpu' device, but got {type!r}")
        self.type = "cpu"

    def __eq__(self, other: object) -> bool:
        return str(other) in ("cpu", "cpu:0") or isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"


_CPU = device()


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
        "grad_fn",
        "_version",
        "_base",
        "__weakref__",
        "__dict__",
    )
    __array_ufunc__ = None  # make NumPy scalars defer to Tensor's reflected operators

    def __init__(self, *args: Any, requires_grad: bool = False) -> None:
        from numtorch._creation import _to_array, parse_size

        default = _dtype.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            if not isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            array = _to_array(args[0], default)
        else:
            array = np.zeros(parse_size(args, "Tensor") if args else (0,), default.numpy)
        self._init(array, None)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, array: np.ndarray, grad_fn: Function | None) -> None:
        self._data = array
        self._grad = None
        self.grad_fn = grad_fn
        self._requires_grad = grad_fn is not None
        self._version = [0]
        self._base = None

    @classmethod
    def _make(cls, array: np.ndarray, grad_fn: Function | None = None) -> Tensor:
        """Wrap an ndarray without copying or checking (internal fast path)."""
        t = object.__new__(cls)
        t._init(array if isinstance(array, np.ndarray) else np.asarray(array), grad_fn)
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
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return F.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        return F.transpose(self, -2, -1)

    @property
    def is_cuda(self) -> bool:
        return False

    def size(self, dim: int | None = None) -> Size | int:
        return self.shape if dim is None else self._data.shape[F.normalize_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None) -> tuple | int:
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[F.normalize_dim(dim, self.ndim)]

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def item(self) -> int | float | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
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
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from numtorch.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            retain(self.grad_fn, self)

    @property
    def retains_grad(self) -> bool:
        ref = getattr(self.grad_fn, "_retained", None)
        return ref is not None and ref() is self

    def register_post_accumulate_grad_hook(self, hook: Any) -> None:
        self.__dict__.setdefault("_post_accumulate_hooks", []).append(hook)

    @property
    def _post_accumulate_hooks(self) -> list:
        return self.__dict__.get("_post_accumulate_hooks", [])

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, cut from the graph."""
        out = Tensor._make(self._data)
        out._version = self._version
        return out

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self) -> Tensor:
        return F.clone(self)

    # ------------------------------------------------------------ conversion
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert dtype (``to(torch.float64)``); ``'cpu'`` is accepted and changes nothing."""
        return F.to(self, *args, **kwargs)

    def type(self, dtype: Any = None) -> Tensor | str:
        """The type name (``'torch.FloatTensor'``), or a conversion to a dtype or type name."""
        if dtype is None:
            return f"torch.{_dtype.scalar_type_name(self.dtype)}Tensor"
        if isinstance(dtype, str):
            by_name = {f"torch.{_dtype.scalar_type_name(d)}Tensor": d for d in _dtype._ALL}
            if dtype not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = by_name[dtype]
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool)

    def cpu(self) -> Tensor:
        return self

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        from numtorch._creation import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        from numtorch._creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        from numtorch._creation import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(
        self, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        from numtorch._creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    # ------------------------------------------------------------ python protocol
    def __repr__(self) -> str:
        from numtorch._tensor_str import tensor_repr

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
        return iter(F.unbind(self, 0))

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
        return out

    def __reduce_ex__(self, protocol: Any) -> tuple:
        """Pickle the values and ``requires_grad`` only (not ``.grad``), as PyTorch does."""
        return _rebuild_tensor, (self._data, self.requires_grad)

    def __getitem__(self, key: Any) -> Tensor:
        return F.index(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        F.index_put_(self, key, value)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """``self[indices] = values`` in place; with ``accumulate``, ``+=`` where repeated
        indices add up. numtorch does not differentiate an accumulated ``values`` (it raises
        NotImplementedError if asked to); the gradient to ``self`` flows as in PyTorch."""
        if not isinstance(indices, (tuple, list)):
            raise TypeError(
                "index_put_(): argument 'indices' (position 1) must be tuple of Tensors, not "
                f"{type(indices).__name__}"
            )
        key = tuple(indices)
        if not accumulate:
            return F.index_put_(self, key, values)
        return _accumulate_put(self, key, values)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """Out-of-place ``index_put_`` on a copy."""
        return self.clone().index_put_(indices, values, accumulate)

    def __contains__(self, element: Any) -> bool:
        return bool(np.any(self._data == getattr(element, "_data", element)))

    # ------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        return F.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return F.add(other, self)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __sub__(self, other: Any) -> Tensor:
        return F.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return F.sub(other, self)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __mul__(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return F.mul(other, self)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return F.div(other, self)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __floordiv__(self, other: Any) -> Tensor:
        return F.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return F.div(other, self, rounding_mode="floor")

    def __mod__(self, other: Any) -> Tensor:
        return F.remainder(self, other)

    def __pow__(self, other: Any) -> Tensor:
        return F.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return F.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __invert__(self) -> Tensor:
        return F.bitwise_not(self)

    def __and__(self, other: Any) -> Tensor:
        return (
            F.logical_and(self, other) if self.dtype is _dtype.bool else F.bitwise_and(self, other)
        )

    def __or__(self, other: Any) -> Tensor:
        return F.logical_or(self, other) if self.dtype is _dtype.bool else F.bitwise_or(self, other)

    def __xor__(self, other: Any) -> Tensor:
        return F.logical_xor(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.eq(self, other) if _is_operand(other) else NotImplemented

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.ne(self, other) if _is_operand(other) else NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        return F.lt(self, other) if _is_operand(other) else NotImplemented

    def __le__(self, other: Any) -> Tensor:
        return F.le(self, other) if _is_operand(other) else NotImplemented

    def __gt__(self, other: Any) -> Tensor:
        return F.gt(self, other) if _is_operand(other) else NotImplemented

    def __ge__(self, other: Any) -> Tensor:
        return F.ge(self, other) if _is_operand(other) else NotImplemented

    # ------------------------------------------------------------ element-wise
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return F.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return F.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return F.mul(self, other)

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return F.div(self, other, rounding_mode=rounding_mode)

    divide = div

    def neg(self) -> Tensor:
        return F.neg(self)

    negative = neg

    def pow(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def square(self) -> Tensor:
        return F.square(self)

    def exp(self) -> Tensor:
        return F.exp(self)

    def log(self) -> Tensor:
        return F.log(self)

    def sqrt(self) -> Tensor:
        return F.sqrt(self)

    def rsqrt(self) -> Tensor:
        return F.rsqrt(self)

    def abs(self) -> Tensor:
        return F.abs(self)

    def sign(self) -> Tensor:
        return F.sign(self)

    def floor(self) -> Tensor:
        return F.floor(self)

    def ceil(self) -> Tensor:
        return F.ceil(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        return F.round(self, decimals=decimals)

    def trunc(self) -> Tensor:
        return F.trunc(self)

    def fix(self) -> Tensor:
        return F.fix(self)

    def frac(self) -> Tensor:
        return F.frac(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return F.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return F.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return F.minimum(self, other)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        return F.where(condition, self, other)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        return F.masked_fill(self, mask, value)

    def relu(self) -> Tensor:
        return F.relu(self)

    def sigmoid(self) -> Tensor:
        return F.sigmoid(self)

    def tanh(self) -> Tensor:
        return F.tanh(self)

    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return F.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return F.log_softmax(self, dim, dtype)

    def matmul(self, other: Tensor) -> Tensor:
        return F.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        return F.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        return F.bmm(self, mat2)

    # ------------------------------------------------------------ comparisons
    def eq(self, other: Any) -> Tensor:
        return F.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return F.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return F.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return F.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return F.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return F.ge(self, other)

    def equal(self, other: Tensor) -> bool:
        return F.equal(self, other)

    def allclose(
        self, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> bool:
        return F.allclose(self, other, rtol, atol, equal_nan)

    def isnan(self) -> Tensor:
        return F.isnan(self)

    def isinf(self) -> Tensor:
        return F.isinf(self)

    def isfinite(self) -> Tensor:
        return F.isfinite(self)

    def logical_not(self) -> Tensor:
        return F.logical_not(self)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.any(self, dim, keepdim)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.all(self, dim, keepdim)

    # ------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.mean(self, dim, keepdim, dtype=dtype)

    def var(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.min(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return F.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return F.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.argmin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return F.logsumexp(self, dim, keepdim)

    def count_nonzero(self, dim: int | None = None) -> Tensor:
        return F.count_nonzero(self, dim)

    # ------------------------------------------------------------ shape
    def view(self, *shape: Any) -> Tensor:
        return F.view(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return F.view(self, other.shape)

    def reshape(self, *shape: Any) -> Tensor:
        return F.reshape(self, *shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return F.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        return F.unflatten(self, dim, sizes)

    def permute(self, *dims: Any) -> Tensor:
        return F.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return F.transpose(self, dim0, dim1)

    swapaxes = transpose

    def t(self) -> Tensor:
        return F.t(self)

    def unsqueeze(self, dim: int) -> Tensor:
        return F.unsqueeze(self, dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        return F.squeeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return F.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return F.expand(self, other.shape)

    def contiguous(self) -> Tensor:
        return F.contiguous(self)

    def flip(self, *dims: Any) -> Tensor:
        return F.flip(
            self, dims[0] if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
        )

    def split(self, split_size: Any, dim: int = 0) -> tuple:
        return F.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        return F.chunk(self, chunks, dim)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return F.narrow(self, dim, start, length)

    def unbind(self, dim: int = 0) -> tuple:
        return F.unbind(self, dim)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return F.gather(self, dim, index)

    # ------------------------------------------------------------ in place
    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return F.inplace(self, F.add, other, alpha=alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return F.inplace(self, F.sub, other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        return F.inplace(self, F.mul, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return F.inplace(self, F.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent: Any) -> Tensor:
        return F.inplace(self, F.pow, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return F.inplace(self, F.clamp, min, max)

    clip_ = clamp_

    def relu_(self) -> Tensor:
        return F.inplace(self, F.relu)

    def neg_(self) -> Tensor:
        return F.inplace(self, F.neg)

    def sqrt_(self) -> Tensor:
        return F.inplace(self, F.sqrt)

    def exp_(self) -> Tensor:
        return F.inplace(self, F.exp)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return F.inplace(self, F.masked_fill, mask, value)

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        return F.copy_(self, src)

    def zero_(self) -> Tensor:
        return F.fill_(self, 0)

    def fill_(self, value: Any) -> Tensor:
        return F.fill_(self, value)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        return F.uniform_(self, a, b, generator=generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        return F.normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p: float = 0.5, *, generator: Any = None) -> Tensor:
        return F.bernoulli_(self, p, generator=generator)


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    """Unpickle a ``Tensor`` (module-level so pickle can find it)."""
    out = Tensor._make(array)
    out._requires_grad = requires_grad
    return out


def _is_operand(x: object) -> bool:
    """Whether ``x`` can meet a tensor in arithmetic or a comparison (else Python decides)."""
    return isinstance(x, (Tensor, bool, int, float, np.number, np.bool_))


from numtorch import _functions as F  # noqa: E402  (the operations need Tensor defined first)

# C++ type names, as PyTorch's grad-assignment message prints the gradient's dtype
_CPP_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


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
            f"attempting to assign a gradient with dtype '{_CPP_NAMES[g.dtype.name]}' to a tensor "
            f"with grad_dtype '{_dtype.scalar_type_name(t.dtype)}'. The gradient must match the "
            "tensor's grad_dtype (defaults to the tensor's dtype)."
        )
    if g.shape != t.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g.shape)}' to a tensor of size "
            f"'{list(t.shape)}'. Please ensure that the gradient and the tensor are the same size"
        )


def _accumulate_put(t: Tensor, key: tuple, values: Any) -> Tensor:
    """``t[key] += values`` with repeated indices adding up (``np.add.at``)."""
    from numtorch.autograd.grad_mode import is_grad_enabled

    if isinstance(values, Tensor) and values.requires_grad and is_grad_enabled():
        raise NotImplementedError(
            "index_put_(accumulate=True): numtorch cannot differentiate 'values'"
        )
    k = F._index_key(key)
    F._check_index(t.shape, k)
    delta = np.zeros_like(t._data)
    try:
        np.add.at(delta, k, np.asarray(getattr(values, "_data", values), dtype=t._data.dtype))
    except IndexError as err:
        raise F._reraise_index(err) from None
    return t.add_(Tensor._make(delta))
