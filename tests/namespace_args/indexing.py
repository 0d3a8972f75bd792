"""In-place and ``out=`` test arguments for the indexing family's newer ops (see ``core.py``)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

import numtorch

# ``index_reduce`` warns once per process that it is in beta (PyTorch's ``TORCH_WARN_ONCE``,
# which numtorch copies); the tests turn warnings into errors, so the one warning of each
# library is given here, where it is expected.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    for _lib in (torch, numtorch):
        _lib.zeros(1).index_reduce(0, _lib.tensor([0]), _lib.ones(1), "prod")


def _index(lib, *values):
    return lib.tensor(list(values))


INPLACE_ARGS: dict = {
    "scatter": lambda lib: (0, _index(lib, 2, 0), lib.tensor([5.0, -1.0])),
    "scatter_add": lambda lib: (0, _index(lib, 2, 0, 2), lib.tensor([1.0, 2.0, 3.0])),
    "scatter_reduce": lambda lib: (0, _index(lib, 2, 0, 2), lib.tensor([1.0, 4.0, 3.0]), "amax"),
    "index_add": lambda lib: (0, _index(lib, 2, 0, 2), lib.tensor([1.0, 2.0, 3.0])),
    "index_copy": lambda lib: (0, _index(lib, 2, 0), lib.tensor([1.0, 2.0])),
    "index_fill": lambda lib: (0, _index(lib, 1), -1.0),
    "index_reduce": lambda lib: (0, _index(lib, 2, 0, 2), lib.tensor([1.5, 2.0, 3.0]), "prod"),
    "masked_scatter": lambda lib: (lib.tensor([True, False, True]), lib.tensor([5.0, 6.0, 7.0])),
    "put": lambda lib: (_index(lib, 2, 0, 2), lib.tensor([4.0, 5.0, 6.0]), True),
}
INPLACE_VALUES: dict = {}

_X = np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]], np.float32)
_SRC = np.array([[4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], np.float32)


def _x(lib):
    return lib.tensor(_X)


def _src(lib):
    return lib.tensor(_SRC)


_IDX = [[1, 0, 1], [0, 0, 0]]

OUT_ARGS: dict = {
    "scatter": lambda lib: (_x(lib), 0, lib.tensor([[1, 0, 1]]), _src(lib)),
    "scatter_add": lambda lib: (_x(lib), 0, lib.tensor(_IDX), _src(lib)),
    "scatter_reduce": lambda lib: (_x(lib), 1, lib.tensor(_IDX), _src(lib), "mean"),
    "index_select": lambda lib: (_x(lib), 1, lib.tensor([2, 0, 2])),
    "index_add": lambda lib: (_x(lib), 1, lib.tensor([2, 0, 2]), _src(lib)),
    "index_copy": lambda lib: (_x(lib), 1, lib.tensor([2, 0]), _src(lib)[:, :2]),
    "index_reduce": lambda lib: (_x(lib), 1, lib.tensor([2, 0, 2]), _src(lib), "amin"),
    "masked_select": lambda lib: (_x(lib), _x(lib) > 0),
    "take": lambda lib: (_x(lib), lib.tensor([[5, -1], [0, 0]])),
    "take_along_dim": lambda lib: (_x(lib), lib.tensor([[1, 0, 1]]), 0),
    "slice_scatter": lambda lib: (_x(lib), _src(lib)[:, :2], 1, 1),
}
