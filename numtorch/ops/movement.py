"""Shape and indexing primitives. Most return NumPy views; those share a version counter
with their source (``is_view``)."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function


class Reshape(Function):
    def forward(self, x: np.ndarray, shape: tuple, must_view: bool) -> np.ndarray:
        self.shape = x.shape
        out = np.reshape(x, shape)
        # a reshape is a view or a fresh copy, so overlapping bounds mean a view
        self.is_view = np.may_share_memory(out, x) if out.size else True
        if must_view and not self.is_view:
            raise ValueError("the reshape needs a copy")
        return out

    def backward(self, g: np.ndarray) -> tuple:
        return np.reshape(g, self.shape), None, None


class Expand(Function):
    """Broadcast to ``shape``; backward sums the gradient back. The only un-broadcasting op."""

    is_view = True

    def forward(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        self.shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, g: np.ndarray) -> tuple:
        return sum_to_shape(g, self.shape), None


def sum_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach its shape."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g.reshape(shape)


class Permute(Function):
    is_view = True

    def forward(self, x: np.ndarray, dims: tuple) -> np.ndarray:
        self.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    def backward(self, g: np.ndarray) -> tuple:
        return np.transpose(g, self.inverse), None


class Contiguous(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.ascontiguousarray(x) if x.ndim else x  # ascontiguousarray makes 0-d into 1-d
        self.is_view = out is x
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g


class Index(Function):
    """``x[key]`` with basic or integer-array/boolean indexing."""

    def forward(self, x: np.ndarray, key: object) -> np.ndarray:
        self.shape, self.dtype, self.key = x.shape, x.dtype, key
        out = x[key]
        if not isinstance(out, np.ndarray):  # all-integer keys give a scalar: ask for a 0-d view
            out = x[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        self.is_view = isinstance(out, np.ndarray) and np.may_share_memory(out, x)
        return np.asarray(out)

    def backward(self, g: np.ndarray) -> tuple:
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.is_view:
            out[self.key] = g
        else:
            np.add.at(out, self.key, g)
        return out, None


class IndexPut(Function):
    """``x[key] = value`` out of place: the result is a copy of x with the slots replaced."""

    def forward(self, x: np.ndarray, key: object, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[key] = value
        self.key, self.value_shape = key, np.shape(value)
        return out

    def backward(self, g: np.ndarray) -> tuple:
        gx = None
        if self.needs_input_grad[0]:
            gx = g.copy()
            gx[self.key] = 0
        gv = None
        if self.needs_input_grad[2]:
            gv = sum_to_shape(np.asarray(g[self.key]), self.value_shape)
        return gx, None, gv


class Cat(Function):
    def forward(self, *arrays: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        self.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    def backward(self, g: np.ndarray) -> tuple:
        return tuple(np.split(g, self.bounds, axis=self.dim))


class Flip(Function):
    is_view = True

    def forward(self, x: np.ndarray, dims: tuple) -> np.ndarray:
        self.dims = dims
        return np.flip(x, dims)

    def backward(self, g: np.ndarray) -> tuple:
        return np.flip(g, self.dims), None
