"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, their ``_like`` forms and the
in-place fills (``uniform_``, ``random_``, ``exponential_``, ...) and the samplers of given
parameters (``normal``, ``bernoulli``, ``multinomial``, ``poisson``, ``binomial``), each drawing
from a ``numtorch.Generator``. A sample's gradient with respect to its parameters is zero, as
PyTorch defines it (``NormalBackward3``...); where PyTorch has no derivative
(``bernoulli(input, p)``, ``binomial``) backward raises its error."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._namespace import factories, windows  # noqa: F401 - declare their ops
from numtorch._namespace._declare import op
from numtorch._namespace._factory import (
    FactoryOptions,
    check_alloc,
    check_factory,
    parse_size,
    set_requires_grad,
)
from numtorch._namespace._operands import broadcast_shapes, named
from numtorch._namespace.creation import like_factory
from numtorch._namespace.inplace import check_leaf_inplace, inplace, write_out
from numtorch.autograd.graph import Primitive
from numtorch.random import Generator, _rng
from numtorch.tensor import Tensor


@op()
def rand(
    *size: Any,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Samples from U[0, 1), drawn from ``generator`` (the default generator when None)."""
    options = FactoryOptions("rand", dtype, layout, device, pin_memory, requires_grad, out)
    draw = lambda shape, d: _rng(generator).random(shape, dtype=np.float64)  # noqa: E731
    return _drawn(options, size, kwargs, "check_uniform_bounds", draw)


@op()
def randn(
    *size: Any,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Samples from the standard normal distribution."""
    options = FactoryOptions("randn", dtype, layout, device, pin_memory, requires_grad, out)
    return _drawn(options, size, kwargs, "normal_kernel_cpu", _standard_normal(generator))


_Draw = Callable[[tuple, np.dtype], np.ndarray]  # (shape, dtype) -> samples


def _drawn(options: FactoryOptions, size: tuple, kwargs: dict, kernel: str, draw: _Draw) -> Tensor:
    """``rand`` and ``randn``: ``draw(shape, dtype)`` in the sizes given, in a floating dtype
    (``kernel`` names the kernel of PyTorch's error for an integer one)."""
    opts = options.checked()
    shape = opts.sizes(size, kwargs)
    d = opts.float_dtype(kernel)
    check_alloc(shape, d)
    return opts.finish(draw(shape, d).astype(d, copy=False))


def _standard_normal(generator: Generator | None) -> _Draw:
    """``randn``'s draw: NumPy samples float32 and float64 directly, other dtypes via float64."""
    return lambda shape, d: _rng(generator).standard_normal(
        shape, dtype=d if d in (np.float32, np.float64) else np.float64
    )


@op()
def randint(
    *args: Any,
    low: Any = None,
    high: Any = None,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of random integers drawn uniformly from ``[low, high)``.

    Integers from ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``,
    each argument positional or by keyword."""
    opts = check_factory("randint", dtype, layout, device, pin_memory, requires_grad, out)
    low, high, size = _randint_args(list(args), low, high, size)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    shape = parse_size((size,), "randint")
    d = _dtype.int64 if opts.dtype is None else _dtype.to_dtype(opts.dtype)
    if not d.is_floating_point:
        _check_random_bounds(d, low, high - 1)
    check_alloc(shape, d.numpy)
    return opts.finish(_rng(generator).integers(low, high, shape).astype(d.numpy))


def _randint_args(args: list, low: Any, high: Any, size: Any) -> tuple:
    """``(low, high, size)`` of ``randint``'s overloads ``(high, size)`` and
    ``(low, high, size)``, from positional arguments and keywords."""
    if size is None and args and isinstance(args[-1], (list, tuple)):
        size = args.pop()
    given = [v for v in (low, high) if v is not None]
    if size is None or not 1 <= len(args) + len(given) <= 2 or (low is not None and high is None):
        got = ", ".join(type(a).__name__ for a in args)
        missing = " (randint() missing required argument 'size')" if size is None else ""
        raise TypeError(
            f"randint() received an invalid combination of arguments - got ({got}){missing}, "
            "but expected one of: (int high, tuple of ints size) or (int low, int high, tuple "
            "of ints size)"
        )
    if high is not None:
        return (low if low is not None else args[0] if args else 0), high, size
    return (0, args[0], size) if len(args) == 1 else (args[0], args[1], size)


@op()
def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    opts = check_factory("randperm", dtype, layout, device, pin_memory, requires_grad, out)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _dtype.int64 if opts.dtype is None else _dtype.to_dtype(opts.dtype)
    check_alloc((n,), np.int64)
    return opts.finish(_rng(generator).permutation(n).astype(d.numpy))


@op()
def rand_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Samples from U[0, 1) in ``input``'s shape (and dtype, unless given)."""
    options = FactoryOptions("rand_like", dtype, layout, device, pin_memory, requires_grad)
    make = lambda d: rand(input.shape, generator=generator, dtype=d)  # noqa: E731
    return like_factory(input, options, memory_format, make)


@op()
def randn_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Standard normal samples in ``input``'s shape (and dtype, unless given)."""
    options = FactoryOptions("randn_like", dtype, layout, device, pin_memory, requires_grad)
    make = lambda d: randn(input.shape, generator=generator, dtype=d)  # noqa: E731
    return like_factory(input, options, memory_format, make)


@op()
def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Random integers from ``[low, high)`` in ``input``'s shape and dtype.

    Integers from ``[low, high)`` (``randint_like(input, high)``: from 0) in ``input``'s
    shape and dtype."""
    if high is None:
        low, high = 0, low
    options = FactoryOptions("randint_like", dtype, layout, device, pin_memory, requires_grad)
    make = lambda d: randint(low, high, input.shape, generator=generator, dtype=d)  # noqa: E731
    return like_factory(input, options, memory_format, make)


def _fmt(x: float) -> str:
    """A number as PyTorch's C++ messages print a double (``%g``: ``-1``, ``0.5``, ``1e-05``)."""
    return f"{float(x):g}"


def _random_fill(
    input: Tensor, draw, name: str, floating: str | None = None, params: tuple = ()
) -> Tensor:
    """Write ``draw(rng)`` (an ndarray of input's shape) into ``input``; in a graph the node
    (PyTorch's ``name``; zero gradient for ``input``'s old value and for the tensors in
    ``params``) takes its place. ``floating``: the message for a non-floating input, when the
    fill needs a floating one."""
    check_leaf_inplace(input)
    if floating is not None and not input.dtype.is_floating_point:
        raise _not_floating(floating, input.dtype)
    values = np.asarray(draw(_rng)).astype(input._data.dtype)
    return inplace(input, lambda x: _sampled(values, name, x, *params))


def _not_floating(message: str, d: _dtype.dtype) -> Exception:
    """PyTorch's error for a continuous fill of an integer tensor: a kernel that is not
    implemented (``"name"``) or a sentence naming the dtype (``sentence {}``)."""
    if message.startswith('"'):
        return NotImplementedError(f"{message} not implemented for '{_dtype.scalar_type_name(d)}'")
    return RuntimeError(message.format(_dtype.scalar_type_name(d), _dtype.c_type_name(d)))


@op(function=False, method=True)
def uniform_(
    input: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs: Any
) -> Tensor:
    """Fill with samples from the uniform distribution on ``[from, to)``, in place.

    Fill with samples from U(from, to), drawn from ``generator`` (the default one when
    None). PyTorch's keywords are ``from`` and ``to`` (``uniform_(**{"from": 2, "to": 3})``)."""
    from_ = _from_keyword(kwargs, from_, "uniform_")
    if from_ > to:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}"
        )
    return _random_fill(
        input,
        lambda r: _rng(generator).uniform(from_, to, input.shape),
        "UniformBackward0",
        '"check_uniform_bounds"',
    )


def _from_keyword(kwargs: dict, default: Any, fn: str) -> Any:
    """The ``from`` keyword (a Python keyword, so passed as ``**{"from": x}``) of ``fn``."""
    for name in kwargs:
        if name != "from":
            raise TypeError(f"{fn}() got an unexpected keyword argument '{name}'")
    return kwargs.get("from", default)


@op(function=False, method=True)
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    return _random_fill(
        input,
        lambda r: _rng(generator).normal(mean, std, input.shape),
        "NormalBackward0",
        '"normal_kernel_cpu"',
    )


@op(function=False, method=True)
def bernoulli_(input: Tensor, p: Any = 0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples from Bernoulli distributions, in place.

    Fill with 0/1 samples that are 1 with probability ``p`` (a number, or a tensor of
    probabilities that broadcasts to ``input``)."""
    if isinstance(p, Tensor):
        probs = check_probabilities(p)
        shape = tuple(input.shape)
        if _broadcast_or_none(probs.shape, shape) != shape:
            raise _expand_error(probs.shape, shape)
        draw = lambda r: _rng(generator).random(shape) < probs  # noqa: E731
        return _random_fill(input, draw, "BernoulliBackward1", params=(p,))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    draw = lambda r: _rng(generator).random(input.shape) < p  # noqa: E731
    return _random_fill(input, draw, "BernoulliBackward2")


def _broadcast_or_none(*shapes: tuple) -> tuple | None:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def check_probabilities(p: Tensor) -> np.ndarray:
    """The probabilities of ``bernoulli``'s tensor ``p`` as float64, or PyTorch's errors."""
    if not p.dtype.is_floating_point:
        raise _not_floating('"bernoulli_tensor_cpu_p_"', p.dtype)
    probs = p._data.astype(np.float64)
    if not np.all((probs >= 0) & (probs <= 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
            "message be improved?  If so, please report an enhancement request to PyTorch.)"
        )
    return probs


def _expand_error(shape: tuple, target: tuple) -> RuntimeError:
    """PyTorch's error for expanding ``shape`` to ``target`` when it cannot."""
    for i in range(1, len(shape) + 1):
        t = target[-i] if i <= len(target) else None
        if shape[-i] != 1 and shape[-i] != t:
            return RuntimeError(
                f"The expanded size of the tensor ({t}) must match the existing size "
                f"({shape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(shape)}"
            )
    return RuntimeError(f"cannot expand {list(shape)} to {list(target)}")


_INT_LIMITS = {d: (int(np.iinfo(d.numpy).min), int(np.iinfo(d.numpy).max)) for d in (
    _dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64,
)}  # fmt: skip
# floating dtypes hold every integer up to 2**digits: random_'s default range and its warning
_FLOAT_DIGITS = {_dtype.float16: 11, _dtype.float32: 24, _dtype.float64: 53}


_MISSING = object()


@op(function=False, method=True)
def random_(
    input: Tensor, from_: Any = None, to: Any = _MISSING, *, generator=None, **kwargs: Any
) -> Tensor:
    """Fill with integers drawn uniformly from ``[from, to)``, in place.

    ``random_()`` covers the
    integers the dtype holds exactly (``[0, 2**24]`` for float32), ``random_(to)`` is
    ``[0, to)`` and ``random_(from, None)`` runs up to the dtype's largest."""
    from_ = _from_keyword(kwargs, from_, "random_")
    for v in (from_, to):
        if v not in (None, _MISSING) and (
            isinstance(v, bool) or not isinstance(v, (int, np.integer))
        ):
            raise TypeError(
                "random_() received an invalid combination of arguments - got "
                f"({type(v).__name__}), but expected one of: (int from, int to) or (int to)"
            )
    if from_ is None and to is _MISSING:
        bounds, overload = (0, _top(input.dtype)), 2
    elif to is _MISSING or from_ is None:
        bounds, overload = _random_range(input.dtype, 0, from_ if to is _MISSING else to), 1
    else:
        bounds, overload = _random_range(input.dtype, from_, to), 0
    draw = lambda r: _rng(generator).integers(*bounds, input.shape, endpoint=True)  # noqa: E731
    return _random_fill(input, draw, f"RandomBackward{overload}")


def _top(d: _dtype.dtype) -> int:
    """The largest integer ``random_()`` draws for dtype ``d``."""
    if d is _dtype.bool:
        return 1
    return _INT_LIMITS[d][1] if d in _INT_LIMITS else 2 ** _FLOAT_DIGITS[d]


def _random_range(d: _dtype.dtype, from_: int, to: int | None) -> tuple[int, int]:
    """``random_``'s inclusive ``(low, high)`` for ``[from_, to)`` (``to`` None: the dtype's
    largest), with PyTorch's bound checks."""
    if to is not None and from_ >= to:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}"
        )
    low, high = int(from_), (_top(d) if to is None else int(to) - 1)
    _check_random_bounds(d, low, high)
    return low, high


def _check_random_bounds(d: _dtype.dtype, low: int, high: int) -> None:
    """PyTorch's refusal of bounds the dtype cannot hold (a warning for a floating dtype's
    inexact integers)."""
    if d.is_floating_point:
        limit = 2 ** _FLOAT_DIGITS[d]
        for what, v in (("from", low), ("to - 1", high)):
            if not -limit <= v <= limit:
                warnings.warn(
                    f"{what} is out of bounds [-(2^{_FLOAT_DIGITS[d]}), 2^{_FLOAT_DIGITS[d]}]. "
                    f"Due to precision limitations {_dtype.c_type_name(d)} can support discrete "
                    "uniform distribution only within this range. This warning will become an "
                    "error in version 1.7 release, please fix the code in advance",
                    UserWarning,
                    stacklevel=4,
                )
        return
    lo, hi = (0, 1) if d is _dtype.bool else _INT_LIMITS[d]
    for what, v in (("from", low), ("to - 1", high)):
        if not lo <= v <= hi:
            raise RuntimeError(f"{what} is out of bounds for {_dtype.c_type_name(d)}")


@op(function=False, method=True)
def exponential_(input: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the exponential distribution of rate ``lambd``."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    floating = (
        "Exponential distribution is a continuous probability distribution. dtype must be a "
        "floating point but you specified {0}"
    )
    return _random_fill(
        input,
        lambda r: _rng(generator).exponential(1.0, input.shape) / lambd,
        "ExponentialBackward0",
        floating,
    )


@op(function=False, method=True)
def geometric_(input: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    if input.dtype is _dtype.bool:
        raise _not_floating('"geometric_cpu"', input.dtype)
    return _random_fill(
        input, lambda r: _rng(generator).geometric(p, input.shape), "GeometricBackward0"
    )


@op(function=False, method=True)
def log_normal_(input: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std^2))`` samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    return _random_fill(
        input,
        lambda r: _rng(generator).lognormal(mean, std, input.shape),
        "LogNormalBackward0",
        '"log_normal_cpu"',
    )


@op(function=False, method=True)
def cauchy_(input: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the Cauchy distribution centred on ``median``, scale ``sigma``."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    floating = (
        "Cauchy distribution is a continuous probability distribution. dtype must be a "
        "floating point but you specified {1}"
    )
    return _random_fill(
        input,
        lambda r: median + sigma * _rng(generator).standard_cauchy(input.shape),
        "CauchyBackward0",
        floating,
    )


# ---------------------------------------------------------------- samplers of given parameters


class Sample(Primitive):
    """A sample drawn from its parameters: the sample itself forward, a zero gradient for each
    parameter tensor backward (PyTorch's ``NormalBackward*``, ``BernoulliBackward0``...)."""

    @staticmethod
    def forward(ctx: Primitive, *params: Any, sample: np.ndarray) -> np.ndarray:
        ctx.params = tuple(
            (p.shape, p.dtype) if isinstance(p, np.ndarray) else None for p in params
        )
        return sample

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        return tuple(None if p is None else np.zeros(*p) for p in ctx.params)


class NoDerivative(Primitive):
    """A sample whose derivative PyTorch does not define: backward raises its error."""

    @staticmethod
    def forward(ctx: Primitive, *params: Any, sample: np.ndarray, op: str) -> np.ndarray:
        ctx.op = op
        return sample

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        raise RuntimeError(f"derivative for aten::{ctx.op} is not implemented")

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def __repr__(self) -> str:
        return f"<NotImplemented object at {hex(id(self))}>"


def _sampled(sample: np.ndarray, name: str, *params: Any) -> Tensor:
    """``sample`` as a tensor, recorded (zero gradient) on the parameters that are tensors."""
    return named(Sample.apply(*params, sample=sample), name)


def _with_out(result: Tensor, out: Tensor | None, name: str) -> Tensor:
    return result if out is None else write_out(out, result, name)


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, np.number, np.bool_)) and not isinstance(x, Tensor)


@op()
def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Draw samples from normal distributions.

    Samples from N(mean, std^2): ``mean`` and ``std`` tensors (broadcast together) or
    numbers, or both numbers and a ``size``. The gradient of a sample with respect to a tensor
    ``mean`` or ``std`` is zero, as in PyTorch."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None or dtype is not None or requires_grad:
            raise TypeError(_NORMAL_OVERLOADS.format(_arg_types(mean, std, size)))
        return _with_out(_normal_tensors(mean, std, generator), out, "normal")
    if size is None or not isinstance(size, (list, tuple)) or not _is_number(mean):
        raise TypeError(_NORMAL_OVERLOADS.format(_arg_types(mean, std, size)))
    opts = check_factory("normal", dtype, layout, device, pin_memory, requires_grad, out)
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    shape = parse_size((size,), "normal")
    d = opts.float_dtype("normal_kernel_cpu")
    check_alloc(shape, d)
    sample = Tensor._make((mean + std * _rng(generator).standard_normal(shape)).astype(d))
    return _with_out(set_requires_grad(sample, requires_grad), out, "normal")


_NORMAL_OVERLOADS = (
    "normal() received an invalid combination of arguments - got ({}), but expected one of:\n"
    " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
    "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
    "device = None, bool pin_memory = False, bool requires_grad = False)\n"
)


def _arg_types(*args: Any) -> str:
    return ", ".join(type(a).__name__ for a in args if a is not None)


def _normal_tensors(mean: Any, std: Any, generator: Generator | None) -> Tensor:
    """``normal``'s tensor overloads: the result takes ``mean``'s dtype (``std``'s when
    ``mean`` is a number) and the broadcast shape."""
    like = mean if isinstance(mean, Tensor) else std
    if not like.dtype.is_floating_point:
        raise _not_floating('"normal_kernel_cpu"', like.dtype)
    if isinstance(std, Tensor):
        if not np.all(std._data >= 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    m, s = (x._data if isinstance(x, Tensor) else x for x in (mean, std))
    shape = broadcast_shapes(np.shape(m), np.shape(s))
    sample = (m + s * _rng(generator).standard_normal(shape)).astype(like._data.dtype)
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    overload = 3 if len(tensors) == 2 else 1 if isinstance(mean, Tensor) else 2
    return _sampled(sample, f"NormalBackward{overload}", *tensors)


@op(method=True)
def bernoulli(
    input: Tensor,
    p: float | None = None,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Draw 0/1 samples from Bernoulli distributions.

    0/1 samples, 1 with probability ``input`` (a tensor of probabilities), or with
    probability ``p`` in ``input``'s shape and dtype."""
    if p is not None:
        if out is not None:
            raise TypeError(
                "bernoulli() received an invalid combination of arguments - got (Tensor, "
                "out=Tensor, p=float)"
            )
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        sample = (_rng(generator).random(input.shape) < p).astype(input._data.dtype)
        return NoDerivative.apply(input, sample=sample, op="bernoulli")
    probs = check_probabilities(input)
    sample = (_rng(generator).random(input.shape) < probs).astype(input._data.dtype)
    return _with_out(_sampled(sample, "BernoulliBackward0", input), out, "bernoulli")


@op(method=True)
def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Draw category indices from the rows of ``input``, taken as weights.

    Category indices (int64) drawn from the rows of ``input`` (unnormalised, non-negative
    weights; 1-D or 2-D): with ``replacement``, independently; without, each at most once."""
    _check_multinomial(input, num_samples, replacement, out)
    probs = np.atleast_2d(input._data.astype(np.float64))
    rng = _rng(generator)
    if not replacement or num_samples == 1:
        _check_weights_fast(probs)
        keys = probs / rng.exponential(1.0, probs.shape)  # the exponential trick, as PyTorch
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        _check_weights(probs)
        cdf = np.cumsum(probs, axis=1)
        u = rng.random((probs.shape[0], num_samples)) * cdf[:, -1:]
        picks = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        picks = np.minimum(picks, probs.shape[1] - 1)
    picks = picks.astype(np.int64).reshape(*input.shape[:-1], num_samples)
    return _with_out(Tensor._make(picks), out, "multinomial")


def _check_multinomial(input: Tensor, n: Any, replacement: bool, out: Tensor | None) -> None:
    """``multinomial``'s argument checks, in PyTorch's order."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(
            "multinomial(): argument 'num_samples' (position 2) must be int, not "
            f"{type(n).__name__}"
        )
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{_dtype.scalar_type_name(input.dtype)}"
        )
    if out is not None and out.dtype is not _dtype.int64:
        raise RuntimeError(
            f"multinomial expects Long tensor out, got: {_dtype.scalar_type_name(out.dtype)}"
        )
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n > input.shape[-1]:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    if input.shape[-1] > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if replacement and input.numel() == 0:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
            "identity."
        )


def _check_weights_fast(probs: np.ndarray) -> None:
    """The checks of PyTorch's path without replacement (or for one sample)."""
    if not (np.all(probs < np.inf) and np.all(probs >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(probs.sum(axis=1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def _check_weights(probs: np.ndarray) -> None:
    """The checks of PyTorch's path with replacement."""
    if np.any(np.isinf(probs)):
        raise RuntimeError(
            "invalid multinomial distribution (encountering probability entry = infinity or NaN)"
        )
    if not np.all(probs >= 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if np.any(probs.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


@op()
def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Samples from Poisson distributions of the rates in ``input``."""
    if not input.dtype.is_floating_point:
        raise _not_floating('"poisson_cpu"', input.dtype)
    rates = input._data.astype(np.float64)
    if not np.all(rates >= 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    finite = np.isfinite(rates) & (rates < 1e15)  # NumPy's sampler refuses larger rates
    sample = _rng(generator).poisson(np.where(finite, rates, 0.0))
    sample = np.where(finite, sample, np.where(np.isinf(rates), -(2.0**63), rates))
    return _sampled(sample.astype(input._data.dtype), "PoissonBackward0", input)


@op()
def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Draw samples from binomial distributions.

    Samples from binomial distributions of ``count`` trials with success probability
    ``prob`` (broadcast together; both of one floating dtype)."""
    for name, x in (("count", count), ("prob", prob)):
        if not x.dtype.is_floating_point:
            raise ValueError(
                f"binomial only supports floating-point dtypes for {name}, got: "
                f"{_dtype.scalar_type_name(x.dtype)}"
            )
    if prob.dtype is not count.dtype:
        raise RuntimeError(
            f"Found dtype {_dtype.scalar_type_name(prob.dtype)} but expected "
            f"{_dtype.scalar_type_name(count.dtype)}"
        )
    shape = broadcast_shapes(count.shape, prob.shape)
    n = np.broadcast_to(count._data.astype(np.float64), shape)
    p = np.broadcast_to(prob._data.astype(np.float64), shape)
    valid = np.isfinite(n) & ~np.isnan(p)
    trials = np.where(valid, np.clip(np.floor(n), 0, None), 0).astype(np.int64)
    sample = _rng(generator).binomial(trials, np.where(valid, np.clip(p, 0, 1), 0))
    sample = np.where(valid, sample, np.nan).astype(count._data.dtype)
    return NoDerivative.apply(count, prob, sample=sample, op="binomial")
