"""Shape and movement: views, reshapes, joins and splits."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Sequence

import numpy as np

from numtorch import _dtype
from numtorch._checks import (
    normalize_dim,
    normalize_dims,
    type_name,
)
from numtorch._namespace._declare import op
from numtorch._namespace._operands import named
from numtorch._namespace.creation import check_alloc
from numtorch.autograd.grad_mode import is_recording
from numtorch.autograd.graph import set_grad_fn
from numtorch.ops import elementwise as ew
from numtorch.ops import movement
from numtorch.tensor import Tensor


def parse_shape(shape: tuple, name: str = "shape", fn: str = "view") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"{fn}(): argument '{name}' must be tuple of ints, but found element of type "
                f"{type(s).__name__} at pos {i}"
            )
    return tuple(int(s) for s in shape)


def int_arg(value: object, fn: str, name: str, position: int) -> int:
    """``value`` as an int, or PyTorch's TypeError for an argument that must be one."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be int, not "
            f"{type(value).__name__}"
        )
    return int(value)


def infer_shape(shape: tuple, numel: int) -> tuple:
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = int(np.prod([s for s in shape if s != -1]))
    if unknown:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1 :]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def sizes_or_keyword(sizes: tuple, keyword: object, name: str, fn: str) -> tuple:
    """Sizes given as varargs (``x.reshape(2, 3)``, ``x.reshape((2, 3))``) or under PyTorch's
    keyword (``x.reshape(shape=(2, 3))``), not both."""
    if keyword is None:
        return sizes
    if sizes:
        raise TypeError(f"{fn}() got multiple values for argument '{name}'")
    return (keyword,)


@op(method=True)
def reshape(input: Tensor, *sizes: int, shape: Sequence[int] | None = None) -> Tensor:
    """The same data in a new shape (a view when possible, else a copy); ``-1`` is inferred."""
    shape = sizes_or_keyword(sizes, shape, "shape", "reshape")
    target = infer_shape(parse_shape(shape, fn="reshape"), input.numel())
    out = movement.Reshape.apply(input, target, False)
    return named(out, "ViewBackward0" if out._base is not None else "UnsafeViewBackward0")


@op(function=False, method=True)
def view(input: Tensor, *shape: int, size: Sequence[int] | None = None, dtype=None) -> Tensor:
    """A view of ``input``'s data with another shape or dtype (never a copy).

    Like ``reshape`` but never copies: a layout that needs a copy raises PyTorch's error.
    ``view(dtype)`` reads the same memory as another dtype. ``size=``/``dtype=`` are the
    keyword spellings PyTorch also accepts."""
    if not shape and (size is not None or dtype is not None):
        shape = (size if size is not None else dtype,)
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(input, shape[0])
    target = infer_shape(parse_shape(shape), input.numel())
    try:
        return named(movement.Reshape.apply(input, target, True), "ViewBackward0")
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


def _view_dtype(input: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``view(dtype)``: the same memory read as ``dtype`` (the last dimension rescaled when the
    element sizes differ). As in PyTorch it shares storage and the version counter but is not
    differentiable."""
    old, new = input._data.itemsize, np.dtype(dtype.numpy).itemsize
    if old != new:
        what = f"to view {type_name(input.dtype)} as {type_name(dtype)} (different element sizes)"
        if input.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if input.stride(-1) != 1 and input.shape[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {input.stride(-1)}")
        if new > old and input.shape[-1] % (new // old):
            raise RuntimeError(
                f"self.size(-1) must be divisible by {new // old} {what}, but got {input.shape[-1]}"
            )
    out = Tensor._make(input._data.view(dtype.numpy))
    out._version = input._version
    return out


@op(method=True)
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    if input.ndim == 0:  # dims are checked against [-1, 0], as in PyTorch
        normalize_dim(start_dim, 0), normalize_dim(end_dim, 0)
        return reshape(input, 1)
    start, end = (
        normalize_dim(start_dim, input.ndim),
        normalize_dim(end_dim, input.ndim),
    )
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:  # nothing to merge: PyTorch returns the input itself
        return input
    shape = input.shape[:start] + (-1,) + input.shape[end + 1 :]
    if input.numel() == 0:
        shape = (
            input.shape[:start]
            + (int(np.prod(input.shape[start : end + 1])),)
            + input.shape[end + 1 :]
        )
    return reshape(input, shape)


@op(method=True)
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Expand dimension ``dim`` into the shape ``sizes``."""
    axis = normalize_dim(dim, input.ndim)
    inner = infer_shape(tuple(sizes), input.shape[axis])
    return reshape(input, input.shape[:axis] + inner + input.shape[axis + 1 :])


@op(method=True)
def permute(input: Tensor, *order: int, dims: Sequence[int] | None = None) -> Tensor:
    """Reorder dimensions (a view)."""
    dims = sizes_or_keyword(order, dims, "dims", "permute")
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = parse_shape(dims, "dims", "permute")
    if len(dims) != input.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is "
            f"not equal to len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, input.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return movement.Permute.apply(input, axes)


@op(method=True, aliases=("swapaxes", "swapdims"))
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    axes = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    if input.ndim == 0:  # dims are checked against [-1, 0]; the result is still a view
        return named(movement.Permute.apply(input, ()), "TransposeBackward0")
    axes[a], axes[b] = axes[b], axes[a]
    return named(movement.Permute.apply(input, tuple(axes)), "TransposeBackward0")


@op(method=True)
def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-D and 1-D tensors come back unchanged (a view, as in PyTorch)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    dims = (1, 0) if input.ndim == 2 else tuple(range(input.ndim))
    return named(movement.Permute.apply(input, dims), "TBackward0")


@op(method=True)
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    axis = normalize_dim(dim, input.ndim + 1)
    out = reshape(input, input.shape[:axis] + (1,) + input.shape[axis:])
    return named(out, "UnsqueezeBackward0")


@op(method=True)
def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dimensions (only those in ``dim`` when given)."""
    dims = range(input.ndim) if dim is None else normalize_dims(dim, input.ndim) or ()
    drop = {d for d in dims if input.shape[d] == 1}
    out = reshape(input, tuple(n for i, n in enumerate(input.shape) if i not in drop))
    # PyTorch's overloads: squeeze(), squeeze(int) and squeeze(tuple of ints)
    overload = 0 if dim is None else 1 if isinstance(dim, (int, np.integer)) else 2
    return named(out, f"SqueezeBackward{overload}")


def _reshape_in_place(target: Tensor, view: Tensor, node: str) -> Tensor:
    """Give ``target`` the shape of ``view`` (a view of it), as PyTorch's in-place shape methods
    change a tensor's sizes and strides: the storage is shared, the version counter moves on,
    and ``target`` takes over ``view``'s history (PyTorch's ``...Backward1`` nodes)."""
    target._data = view._data
    target._version[0] += 1
    if view._grad_fn is not None:  # PyTorch's rebase_history: output_nr 0, hooks stay behind
        set_grad_fn(target, named(view, node)._grad_fn)
        target._requires_grad = True
    return target


def _check_shape_inplace(target: Tensor) -> None:
    """PyTorch refuses an in-place shape change of a leaf that requires grad (with grad mode
    on), as any in-place op on one."""
    if target.requires_grad and target.is_leaf and is_recording():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


@op(function=False, method=True)
def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """In-place ``unsqueeze``: ``input`` itself gets the new size-1 dimension."""
    view = unsqueeze(input, dim)
    _check_shape_inplace(input)
    return _reshape_in_place(input, view, "UnsqueezeBackward1")


@op(function=False, method=True)
def squeeze_(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """In-place ``squeeze``: ``input`` itself loses its size-1 dimensions (those in ``dim``)."""
    view = squeeze(input, dim)
    _check_shape_inplace(input)
    overload = 3 if dim is None else 4 if isinstance(dim, (int, np.integer)) else 5
    return _reshape_in_place(input, view, f"SqueezeBackward{overload}")


@op(function=False, method=True, aliases=("swapaxes_", "swapdims_"))
def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``transpose``: ``input`` itself has ``dim0`` and ``dim1`` swapped."""
    view = transpose(input, dim0, dim1)
    _check_shape_inplace(input)
    return _reshape_in_place(input, view, "TransposeBackward1")


@op(function=False, method=True)
def t_(input: Tensor) -> Tensor:
    """In-place ``t``: a matrix becomes its transpose; 0-D and 1-D stay as they are."""
    if input.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    view = t(input)
    _check_shape_inplace(input)
    return _reshape_in_place(input, view, "TBackward1")


@op(function=False, method=True)
def expand(input: Tensor, *sizes: int, size: Sequence[int] | None = None) -> Tensor:
    """Broadcast to ``sizes`` without copying; ``-1`` keeps a dimension."""
    sizes = sizes_or_keyword(sizes, size, "size", "expand")
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = parse_shape(sizes, "size", "expand")
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{type_name(input.dtype)}Tensor{{{list(input.shape)}}}, "
            f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    target = list(sizes)
    for i, n in enumerate(input.shape):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = n
        elif n != 1 and n != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({n}) at "
                f"non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
    if builtins.any(s < 0 for s in target):
        raise RuntimeError(
            "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"
        )
    return movement.Expand.apply(input, tuple(target))


@op(method=True)
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """Broadcast ``input`` to ``size`` (a view, as ``expand``)."""
    return expand(input, tuple(size))


@op(function=False, method=True)
def contiguous(input: Tensor, memory_format: object = None) -> Tensor:
    """A tensor with the same values laid out in ``memory_format``.

    Row-major (the default, ``input`` itself when it already is), or channels-last (NHWC / NDHWC
    memory, PyTorch's strides) for ``channels_last`` / ``channels_last_3d``."""
    _dtype.check_memory_format(memory_format, input.ndim, "contiguous")
    if getattr(memory_format, "name", None) in ("channels_last", "channels_last_3d"):
        return _channels_last(input)
    if input._data.flags.c_contiguous:
        return input
    check_materialise(input)
    return named(movement.Contiguous.apply(input), "CloneBackward0")


def _channels_last(input: Tensor) -> Tensor:
    """``input`` copied into channels-last memory (a no-op when it is laid out so already)."""
    order = (0, *range(2, input.ndim), 1)
    if input._data.transpose(order).flags.c_contiguous:
        return input
    check_materialise(input)
    moved = named(movement.Contiguous.apply(permute(input, order)), "CloneBackward0")
    inverse = (0, input.ndim - 1, *range(1, input.ndim - 1))
    return permute(moved, inverse)


def check_materialise(input: Tensor) -> None:
    """An expanded view copied out may need far more memory than it holds: check first."""
    check_alloc(input.shape, input._data.dtype)


@op(method=True)
def flip(input: Tensor, *axes: int | Sequence[int], dims: Sequence[int] | None = None) -> Tensor:
    """Reverse the order of elements along ``dims`` (``x.flip(0, 1)`` or ``torch.flip(x, [0, 1])``)."""
    dims = sizes_or_keyword(axes, dims, "dims", "flip")
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    return movement.Flip.apply(input, normalize_dims(dims, input.ndim) or ())


def _check_same_dtype_list(tensors: Sequence, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    if not tensors and name == "cat":
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}"
            )
    return list(tensors)


@op(out=True, aliases=("concat", "concatenate"))
def cat(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Concatenate tensors along an existing dimension.

    Join tensors along an existing dimension (``dim``, default 0; ``axis=`` is NumPy's
    spelling, which PyTorch also accepts)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("cat() got an unexpected keyword argument 'axis'")
        dim = axis
    dim = 0 if dim is None else dim
    tensors = _check_same_dtype_list(tensors, "cat")
    dt = _dtype.result_type(*(x if x.ndim else x.reshape(1) for x in tensors))
    ref = next((x for x in tensors if x.shape != (0,)), tensors[0])
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ref.ndim)
    parts = []
    for i, x in enumerate(tensors):
        if x.shape == (0,) and ref.ndim != 1:
            continue
        if x.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}"
            )
        for d in range(ref.ndim):
            if d != axis and x.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref.shape[d]} but got size {x.shape[d]} for tensor number {i} in the list."
                )
        parts.append(x if x.dtype is dt else x.to(dt))
    return movement.Cat.apply(*parts, dim=axis)


@op(out=True)
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    tensors = _check_same_dtype_list(tensors, "stack")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(x.shape)} at entry {i}"
            )
    axis = normalize_dim(dim, tensors[0].ndim + 1)
    return named(cat([unsqueeze(x, axis) for x in tensors], axis), "StackBackward0")


@op(method=True)
def split(input: Tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """Split ``input`` into chunks along ``dim``.

    ``split_size=`` is the method's keyword in PyTorch, ``split_size_or_sections=`` the
    function's."""
    if split_size is not None:
        if split_size_or_sections is not None:
            raise TypeError("split() got multiple values for argument 'split_size'")
        split_size_or_sections = split_size
    if split_size_or_sections is None:
        raise TypeError('split() missing 1 required positional argument: "split_size"')
    axis = normalize_dim(dim, input.ndim)
    sizes = split_sizes(input, split_size_or_sections, axis)
    name = (
        "SplitBackward0" if isinstance(split_size_or_sections, int) else "SplitWithSizesBackward0"
    )
    return _multi_output_views(split_pieces(input, sizes, axis, name), name)


def split_sizes(input: Tensor, split_size_or_sections, axis: int) -> list:
    """The piece sizes of ``split`` along ``axis``: pieces of ``split_size`` (the last may be
    smaller), or the given sizes, which must add up to the dimension's length."""
    n = input.shape[axis]
    if isinstance(split_size_or_sections, int) and n == 0 and split_size_or_sections >= 0:
        return [0]  # an empty dimension splits into one empty piece
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
        return sizes
    sizes = list(split_size_or_sections)
    if builtins.sum(sizes) != n:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {axis}), but got split_sizes={sizes}"
        )
    return sizes


def split_pieces(input: Tensor, sizes: Sequence[int], axis: int, name: str) -> list:
    """``input`` cut along ``axis`` into consecutive pieces of ``sizes`` (views, their nodes
    given PyTorch's name ``name``)."""
    out, start = [], 0
    for s in sizes:
        key = (slice(None),) * axis + (slice(start, start + s),)
        out.append(named(input[key], name))
        start += s
    return out


@op(method=True)
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of equal size (the last may be smaller, or fewer pieces)."""
    return split(input, chunk_split_arg(input, chunks, dim), dim)


def chunk_split_arg(input: Tensor, chunks: int, dim: int) -> int | list:
    """``split``'s argument for ``chunk``: the piece size, or (for an empty dimension)
    ``chunks`` zero sizes, as PyTorch gives ``chunks`` empty pieces."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[normalize_dim(dim, input.ndim)]
    return [0] * chunks if n == 0 else builtins.max(1, -(-n // chunks))


@op(method=True)
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    axis = normalize_dim(dim, input.ndim)
    n = input.shape[axis]
    start = start + n if start < 0 else start
    if not 0 <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


@op(method=True)
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Remove dimension ``dim``: a tuple of the slices along it."""
    axis = normalize_dim(dim, input.ndim)
    pieces = [
        named(input[(slice(None),) * axis + (i,)], "UnbindBackward0")
        for i in range(input.shape[axis])
    ]
    return _multi_output_views(pieces, "UnbindBackward0")


def _multi_output_views(pieces: list, node: str) -> tuple:
    """Mark views made by one op for several outputs (PyTorch's split and unbind): once they
    or their base change in place, using their history is PyTorch's error
    (``inplace.refresh_view`` raises it), never a gradient through a stale graph."""
    op_name = node[: node.rfind("Backward")]
    for i, piece in enumerate(pieces):
        if piece._grad_fn is not None:
            piece._multi_view = (op_name, i, piece._version[0])
    return tuple(pieces)


@op(function=False, method=True)
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other.shape)


@op(function=False, method=True)
def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other.shape)


@op(function=False, method=True)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other.shape)


@op(method=True, aliases=("moveaxis",))
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move dimensions ``source`` to positions ``destination`` (a view).

    The other dimensions keep their order."""
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
            f"the same number of dims as destination ({dst} dims)"
        )
    n = input.ndim
    src = [normalize_dim(d, n) for d in src]
    dst = [normalize_dim(d, n) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [d for d in range(n) if d not in src]
    for s_, d_ in sorted(zip(dst, src, strict=True)):
        order.insert(s_, d_)
    axes = tuple(order)
    return named(movement.Permute.apply(input, axes), "PermuteBackward0")


@op(function=False, method=True)
def repeat(input: Tensor, *sizes: int, repeats: Sequence[int] | None = None) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along each dimension.

    The result is a copy; extra leading sizes add dimensions, as in PyTorch."""
    sizes = sizes_or_keyword(sizes, repeats, "repeats", "repeat")
    reps = parse_shape(sizes, "repeats", "repeat")
    if len(reps) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(reps)}: {list(reps)}"
        )
    return named(_tile(input, reps), "RepeatBackward0")


def _tile(input: Tensor, reps: tuple) -> Tensor:
    shape = (1,) * (len(reps) - input.ndim) + tuple(input.shape)
    inter = tuple(v for n in shape for v in (1, n))
    wide = tuple(v for r, n in zip(reps, shape, strict=True) for v in (r, n))
    x = movement.Reshape.apply(input, inter, False)
    x = movement.Expand.apply(x, wide) if wide != inter else x
    out = tuple(r * n for r, n in zip(reps, shape, strict=True))
    return movement.Reshape.apply(x, out, False)


@op(method=True)
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``repeat`` with fewer ``dims`` than dimensions allowed (they are padded with leading 1s)."""
    reps = parse_shape((dims,) if isinstance(dims, (tuple, list)) else (dims,), "dims", "tile")
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, *reps)


def _triangle(input: Tensor, diagonal: int, upper: bool, name: str) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    rows, cols = input.shape[-2:]
    keep = (np.triu if upper else np.tril)(np.ones((rows, cols), dtype=bool), int(diagonal))
    zero = Tensor._make(np.zeros((), dtype=input._data.dtype))
    out = ew.Where.apply(Tensor._make(keep), input, zero)
    return named(out, f"{name.capitalize()}Backward0")


@op(method=True, inplace=True, out=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (on and below ``diagonal``); the rest 0."""
    return _triangle(input, diagonal, False, "tril")


@op(method=True, inplace=True, out=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (on and above ``diagonal``); the rest 0."""
    return _triangle(input, diagonal, True, "triu")


@op(method=True)
def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None):
    """Shift elements along ``dims`` by ``shifts``, wrapping around.

    The result is a copy; without ``dims`` the flattened tensor is rolled and the shape
    restored."""
    shifts = [shifts] if isinstance(shifts, (int, np.integer)) else list(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(
                f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:0"
            )
        flat = movement.Reshape.apply(input, (input.numel(),), False)
        return roll(flat, shifts[0], 0).view(input.shape)
    dims = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    out = input
    for shift, dim in zip(shifts, dims, strict=True):
        axis = normalize_dim(dim, input.ndim)
        n = input.shape[axis]
        k = int(shift) % n if n else 0
        if k:
            out = cat([narrow(out, axis, n - k, k), narrow(out, axis, 0, n - k)], axis)
    return named(out if out is not input else input.clone(), "RollBackward0")


@op()
def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors.

    The grids are views, as PyTorch's: ``indexing="ij"`` (the default,
    with PyTorch's warning when not given) or ``"xy"`` (the first two dimensions swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t_ in tensors:
        if t_.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t_}"
            )
    flat = [movement.Reshape.apply(t_, (t_.numel(),), False) for t_ in tensors]
    shape = tuple(f.numel() for f in flat)
    grids = []
    for i, f in enumerate(flat):
        view = (1,) * i + (shape[i],) + (1,) * (len(flat) - i - 1)
        grids.append(expand(movement.Reshape.apply(f, view, True), *shape))
    if indexing == "xy" and len(grids) >= 2:
        grids = [transpose(g, 0, 1) for g in grids]  # "xy": the first two dimensions swapped
    return tuple(grids)
