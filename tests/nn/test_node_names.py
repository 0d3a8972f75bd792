"""The root ``grad_fn`` of every differentiable ``nn.functional`` op has PyTorch's name
(``MseLossBackward0``, ``AddmmBackward0``, ``NativeBatchNormBackward0``, ...).

Rows are ``test_saved_versions.CASES`` plus calling forms whose name depends on ranks,
reductions or bias shapes. Where numtorch's graph is shaped differently (one fused node for
PyTorch's chain, e.g. ``linear`` of a 3-D input: PyTorch's ``view(addmm(view(x), t(w)))``),
the root node still has the name of PyTorch's root.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import _outputs, make_inputs
from tests.nn.test_saved_versions import CASES, P, params

_RNG = np.random.default_rng(3)


def _f(lib):
    return lib.nn.functional


def _linear(transpose: bool):
    def fn(lib, x, w, *b):
        return _f(lib).linear(x.transpose(0, -1) if transpose else x, w, *b)

    return fn


def _targets(shape) -> np.ndarray:
    return _RNG.integers(0, 5, shape).astype(np.int64)


# PyTorch's linear: addmm for a matrix; a contiguous input of another rank flattened into addmm
# when the bias is a vector (the product viewed back); else matmul, then the bias added
_LINEAR_NAMES = [
    (f"linear {x} bias {b}{' transposed' if t else ''}", _linear(t), x, (5, 3), *([b] if b else []))
    for x, t in [((3,), False), ((4, 3), False), ((2, 4, 3), False), ((3, 4, 2), True)]
    for b in [None, (5,), (1, 5), (1,), (4, 5)]
    if not (x == (3,) and b == (4, 5))  # (refused by PyTorch)
]

_NLL_NAMES = [
    (f"{name} {x} {reduction}", fn, x, _targets((x[0],) + x[2:]) if len(x) > 1 else t1)
    for x in [(5,), (4, 5), (2, 5, 3), (2, 5, 3, 2), (2, 5, 2, 2, 2)]
    for t1 in [np.array(1, dtype=np.int64)]
    for reduction in ["mean", "sum", "none"]
    for name, fn in [
        ("nll_loss", lambda lib, x, t, r=reduction: _f(lib).nll_loss(x, t, reduction=r)),
        ("cross_entropy", lambda lib, x, t, r=reduction: _f(lib).cross_entropy(x, t, reduction=r)),
    ]
]

_OTHER_NAMES = (
    [
        (
            f"cross_entropy probabilities {r}",
            lambda lib, x, t, r=r: _f(lib).cross_entropy(x, t, reduction=r),
            (4, 5),
            P,
        )
        for r in ["mean", "sum", "none"]
    ]
    + [
        (
            f"{loss} {r}",
            lambda lib, x, t, loss=loss, r=r: getattr(_f(lib), loss)(x, t, reduction=r),
            P,
            P,
        )
        for loss in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy"]
        for r in ["mean", "sum", "none"]
    ]
    + [
        (
            f"adaptive_avg_pool2d {o}",
            lambda lib, x, o=o: _f(lib).adaptive_avg_pool2d(x, o),
            (2, 3, 4, 4),
        )
        for o in [1, (1, 1), 2, (1, 2), (4, 4)]
    ]
    + [
        ("nn.Linear", lambda lib, x: lib.nn.Linear(3, 2, dtype=lib.float64)(x), (4, 3)),
        (
            "nn.BatchNorm2d",
            lambda lib, x: lib.nn.BatchNorm2d(3, dtype=lib.float64)(x),
            (2, 3, 2, 2),
        ),
        ("nn.BatchNorm1d eval", lambda lib, x: lib.nn.BatchNorm1d(3).eval()(x.float()), (4, 3)),
        (
            "nn.CrossEntropyLoss",
            lambda lib, x, t: lib.nn.CrossEntropyLoss()(x, t),
            (4, 5),
            _targets(4),
        ),
        ("nn.MSELoss", lambda lib, x, t: lib.nn.MSELoss()(x, t), (4, 5), (4, 5)),
        ("nn.BCEWithLogitsLoss", lambda lib, x, t: lib.nn.BCEWithLogitsLoss()(x, t), (4, 5), P),
        ("nn.ReLU", lambda lib, x: lib.nn.ReLU()(x), (4, 5)),
        ("nn.GELU", lambda lib, x: lib.nn.GELU()(x), (4, 5)),
        ("nn.CELU", lambda lib, x: lib.nn.CELU()(x), (4, 5)),
        ("nn.SELU", lambda lib, x: lib.nn.SELU()(x), (4, 5)),
    ]
)

NAME_CASES = CASES + [(r[0], r[1], r[2:]) for r in _LINEAR_NAMES + _NLL_NAMES + _OTHER_NAMES]

NAME_XFAILS: dict[str, str] = {}


def _names(lib, fn, arrays) -> list:
    leaves = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs = _outputs(fn(lib, *leaves))
    return [None if o.grad_fn is None else o.grad_fn.name() for o in outs]


@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")
@pytest.mark.parametrize("fn, specs", params(NAME_CASES, NAME_XFAILS))
def test_root_node_name_matches_torch(fn, specs):
    arrays = make_inputs(specs, np.float64)
    assert _names(numtorch, fn, arrays) == _names(torch, fn, arrays)


def test_node_repr_names_the_node():
    x = numtorch.randn(4, 5, requires_grad=True)
    loss = numtorch.nn.functional.mse_loss(x, numtorch.zeros(4, 5))
    assert repr(loss.grad_fn).startswith("<MseLossBackward0 object at 0x")
    assert "grad_fn=<MseLossBackward0>" in repr(loss)
