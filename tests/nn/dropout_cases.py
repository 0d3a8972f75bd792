"""The dropout family as test cases, one row per member, shared by the dropout test files."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from numtorch.ops import dropout as ops


@dataclass(frozen=True)
class Case:
    functional: str  # the name in nn.functional
    module: str  # the layer class in nn
    shape: tuple  # a small batched input shape
    mask_dims: int  # leading dimensions the keep-mask covers for that shape
    alpha: bool

    def __str__(self) -> str:
        return self.functional

    def fn(self, lib):
        return getattr(lib.nn.functional, self.functional)

    def layer(self, lib, *args, **kwargs):
        return getattr(lib.nn, self.module)(*args, **kwargs)

    def mask_shape(self, shape: tuple | None = None) -> tuple:
        return tuple((shape or self.shape)[: self.mask_dims])

    def broadcast(self, keep: np.ndarray, ndim: int) -> np.ndarray:
        """The mask shaped to broadcast over an input of rank ``ndim``."""
        return keep.reshape(keep.shape + (1,) * (ndim - keep.ndim))

    def reference(self, x: np.ndarray, keep: np.ndarray, p: float) -> np.ndarray:
        """``where(keep, a*x + b, c)``, written out with the primitive's constants."""
        a, b, c = ops.affine(p, self.alpha, x.dtype)
        kept = x * a + b if b else x * a
        return np.where(self.broadcast(keep, x.ndim), kept, c).astype(x.dtype)


CASES = [
    Case("dropout", "Dropout", (4, 6, 5), 3, False),
    Case("dropout1d", "Dropout1d", (4, 6, 5), 2, False),
    Case("dropout2d", "Dropout2d", (4, 6, 3, 3), 2, False),
    Case("dropout3d", "Dropout3d", (4, 6, 2, 3, 3), 2, False),
    Case("alpha_dropout", "AlphaDropout", (4, 6, 5), 3, True),
    Case("feature_alpha_dropout", "FeatureAlphaDropout", (4, 6, 3, 3), 2, True),
]
FEATURE = [c for c in CASES if c.mask_dims == 2]
PLAIN = [c for c in CASES if not c.alpha]


def randn(shape: tuple, dtype=np.float32, seed: int = 0, requires_grad: bool = False):
    """A numtorch tensor of standard-normal values (never exactly 0)."""
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return numtorch.tensor(data, requires_grad=requires_grad)


def train(case: Case, x, p: float, **kwargs):
    """The functional form in training mode (the alpha forms default to training=False)."""
    return case.fn(numtorch)(x, p, True, **kwargs)
