"""In-place and ``out=`` test arguments for the linalg family's newer ops (see ``core.py``)."""

from __future__ import annotations

import warnings

import numpy as np

_M = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]], np.float32)
_V = np.array([0.5, -1.0, 2.0], np.float32)
_SQUARE = [[0.75, 1.25, 1.9], [0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]


def _t(lib, a) -> object:
    return lib.tensor(np.asarray(a, np.float32))


INPLACE_ARGS: dict = {
    "addmm": lambda lib: (_t(lib, _M), _t(lib, _M.T)),
    "addmv": lambda lib: (_t(lib, _M), _t(lib, [2.0, -0.5])),
    "addr": lambda lib: (_t(lib, _V), _t(lib, _V[::-1].copy())),
    "addbmm": lambda lib: (_t(lib, np.stack([_M, -_M])), _t(lib, np.stack([_M.T, _M.T * 2]))),
    "baddbmm": lambda lib: (_t(lib, _M[None, :1]), _t(lib, _M.T[None])),
    "addcmul": lambda lib: (_t(lib, _V), _t(lib, [2.0, -1.0, 0.5])),
    "addcdiv": lambda lib: (_t(lib, _V), _t(lib, [2.0, -4.0, 0.5])),
}
INPLACE_VALUES: dict = {
    **dict.fromkeys("addmm addr addbmm".split(), _SQUARE),
    "baddbmm": [[[0.75, 1.25, 1.9]]],
}


def _chain_args(lib) -> tuple:
    """``chain_matmul``'s operands, after one call that takes the once-per-process deprecation
    warning (PyTorch's and numtorch's alike; PyTorch's ``out=`` variant has its own), so the test's own calls run warning-free."""
    args = (_t(lib, _M), _t(lib, _M.T), _t(lib, _M))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib.chain_matmul(*args)
        lib.chain_matmul(*args, out=lib.empty(0))  # PyTorch warns there separately
    return args


OUT_ARGS: dict = {
    "dot": lambda lib: (_t(lib, _V), _t(lib, _V * 2)),
    "vdot": lambda lib: (_t(lib, _V), _t(lib, _V * 2)),
    "mv": lambda lib: (_t(lib, _M), _t(lib, [2.0, -0.5])),
    "outer": lambda lib: (_t(lib, _V), _t(lib, [2.0, -0.5])),
    "inner": lambda lib: (_t(lib, _M), _t(lib, _M * 3)),
    "tensordot": lambda lib: (_t(lib, _M), _t(lib, _M.T), 1),
    "kron": lambda lib: (_t(lib, _M), _t(lib, _V)),
    "cross": lambda lib: (_t(lib, [_V, _V * 2]), _t(lib, [_V[::-1].copy(), _V]), 1),
    "chain_matmul": _chain_args,
    "addmm": lambda lib: (_t(lib, _SQUARE), _t(lib, _M), _t(lib, _M.T)),
    "addmv": lambda lib: (_t(lib, _V), _t(lib, _M), _t(lib, [2.0, -0.5])),
    "addr": lambda lib: (_t(lib, _M), _t(lib, _V), _t(lib, [2.0, -0.5])),
    "addbmm": lambda lib: (_t(lib, _SQUARE), _t(lib, np.stack([_M, _M])), _t(lib, [_M.T, _M.T])),
    "baddbmm": lambda lib: (_t(lib, [_SQUARE]), _t(lib, [_M]), _t(lib, [_M.T])),
    "addcmul": lambda lib: (_t(lib, _V), _t(lib, _M[:, :1]), _t(lib, _V)),
    "addcdiv": lambda lib: (_t(lib, _V), _t(lib, _M[:, :1]), _t(lib, [2.0, -4.0, 0.5])),
}
