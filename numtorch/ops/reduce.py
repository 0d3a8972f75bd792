"""Reductions and the fused softmax family. ``dim`` arrives normalised: a tuple of
non-negative axes, or None for all."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function


def _expand_back(g: np.ndarray, shape: tuple, dims: tuple | None, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the input's shape (a view, no copy)."""
    if not keepdim:
        axes = range(len(shape)) if dims is None else dims
        g = np.expand_dims(g, tuple(sorted(axes)))
    return np.broadcast_to(g, shape)


class Sum(Function):
    def forward(self, x: np.ndarray, dims: tuple | None, keepdim: bool, np_dtype) -> np.ndarray:
        self.shape, self.dims, self.keepdim = x.shape, dims, keepdim
        return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype))

    def backward(self, g: np.ndarray) -> tuple:
        return _expand_back(g, self.shape, self.dims, self.keepdim), None, None, None


class Amax(Function):
    """Max over ``dims``; the gradient is shared evenly between tied maxima, as in PyTorch."""

    def forward(self, x: np.ndarray, dims: tuple | None, keepdim: bool, use_min: bool):
        reduce = np.min if use_min else np.max
        out = np.asarray(reduce(x, axis=dims, keepdims=True))
        hits = x == out
        self.share = hits / np.sum(hits, axis=dims, keepdims=True).astype(x.dtype)
        self.dims, self.keepdim = dims, keepdim
        return out if keepdim else np.asarray(np.squeeze(out, axis=dims))

    def backward(self, g: np.ndarray) -> tuple:
        g = _expand_back(g, self.share.shape, self.dims, self.keepdim)
        return g * self.share, None, None, None


class Gather(Function):
    """``take_along_axis``: out[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim``."""

    def forward(self, x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        self.shape, self.index, self.dim = x.shape, index, dim
        # the output takes index's shape: other axes of x beyond it are not read
        window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(x[window], index, axis=dim)

    def backward(self, g: np.ndarray) -> tuple:
        out = np.zeros(self.shape, dtype=g.dtype)
        _scatter_add(out, self.index, g, self.dim)
        return out, None, None


def _scatter_add(out: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> None:
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    np.add.at(out, tuple(idx), src)


class LogSoftmax(Function):
    saves_output = True

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.max(x, axis=dim, keepdims=True)
        with np.errstate(invalid="ignore"):
            self.out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        self.dim = dim
        return self.out

    def backward(self, g: np.ndarray) -> tuple:
        return g - np.exp(self.out) * np.sum(g, axis=self.dim, keepdims=True), None


class Softmax(Function):
    saves_output = True

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=dim, keepdims=True))
        self.out = e / np.sum(e, axis=dim, keepdims=True)
        self.dim = dim
        return self.out

    def backward(self, g: np.ndarray) -> tuple:
        gy = g * self.out
        return gy - self.out * np.sum(gy, axis=self.dim, keepdims=True), None
