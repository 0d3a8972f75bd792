"""Losses against PyTorch: values and gradients (input and target) for every option, float64
gradchecks, numerical stability, the loss modules, and PyTorch's errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import check_gradcheck, check_op

RNG = np.random.default_rng(42)
W5 = RNG.random(5).astype(np.float32) + 0.1


def _targets(shape, n_classes=5, ignore=None, seed=0):
    t = np.random.default_rng(seed).integers(0, n_classes, shape).astype(np.int64)
    if ignore is not None and t.size:
        t.flat[::3] = ignore
    return t


def _id(kw: dict) -> str:
    """A short test id: option names, with values unless they are arrays."""
    parts = [k if isinstance(v, np.ndarray) else f"{k}={v}" for k, v in kw.items()]
    return ",".join(parts) or "defaults"


def _f(lib):
    return lib.nn.functional


def _same_error(fn) -> None:
    """``fn(lib)`` raises the same exception type with the same message in both libraries."""

    def run(lib):
        try:
            fn(lib)
        except Exception as err:  # noqa: BLE001 - the exception itself is compared
            return type(err).__name__, str(err)
        return None

    expected = run(torch)
    assert expected is not None, "torch accepted it"
    assert run(numtorch) == expected


def _ce(**kw):
    return lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, **_weights(lib, kw))


def _weights(lib, kw: dict) -> dict:
    """Keyword arguments with ndarray weights turned into (constant) tensors of ``lib``."""
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


# ---------------------------------------------------------------- cross_entropy, nll_loss

SHAPES = [
    ((6, 5), (6,)),
    ((2, 5, 4), (2, 4)),
    ((2, 5, 3, 2), (2, 3, 2)),
    ((2, 5, 2, 1, 2), (2, 2, 1, 2)),
    ((5,), ()),
]
OPTIONS = [
    {},
    {"weight": W5},
    {"ignore_index": 1},
    {"weight": W5, "ignore_index": 2},
    {"label_smoothing": 0.2},
    {"label_smoothing": 0.3, "weight": W5, "ignore_index": 0},
    {"label_smoothing": 1.0, "ignore_index": 3},
    {"label_smoothing": -0.5},  # accepted and ignored, as in PyTorch
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", OPTIONS, ids=_id)
@pytest.mark.parametrize("x_shape, t_shape", SHAPES, ids=str)
def test_cross_entropy_class_indices(x_shape, t_shape, kw, reduction):
    t = _targets(t_shape, ignore=kw.get("ignore_index"))
    check_op(_ce(reduction=reduction, **kw), x_shape, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", OPTIONS[:4], ids=_id)
@pytest.mark.parametrize("x_shape, t_shape", SHAPES[:3], ids=str)
def test_nll_loss(x_shape, t_shape, kw, reduction):
    t = _targets(t_shape, ignore=kw.get("ignore_index"))

    def fn(lib, x, t):
        return lib.nn.functional.nll_loss(x, t, reduction=reduction, **_weights(lib, kw))

    check_op(fn, x_shape, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kw",
    [{}, {"weight": W5}, {"label_smoothing": 0.25}, {"weight": W5, "label_smoothing": 0.1}],
    ids=_id,
)
@pytest.mark.parametrize("shape", [(4, 5), (2, 5, 3), (5,)])
def test_cross_entropy_probabilities(shape, kw, reduction):
    # the target gets a gradient too, as in PyTorch
    check_op(_ce(reduction=reduction, **kw), shape, shape)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_empty_batch(reduction):
    check_op(_ce(reduction=reduction), (0, 5), np.zeros(0, np.int64))
    check_op(_ce(reduction=reduction), (0, 5), (0, 5))


def test_cross_entropy_all_ignored_is_nan_with_zero_gradient():
    t = np.full(3, -100, np.int64)
    check_op(_ce(), (3, 5), t)
    check_op(_ce(label_smoothing=0.1), (3, 5), t)
    check_op(_ce(reduction="sum"), (3, 5), t)


def test_cross_entropy_zero_weights_give_nan_like_torch():
    check_op(_ce(weight=np.zeros(5, np.float32)), (3, 5), _targets(3))


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 3e4, 3e4]], np.float32)
    check_op(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), x, np.array([1, 2]))
    out = numtorch.nn.functional.cross_entropy(numtorch.tensor(x), numtorch.tensor([1, 2]))
    assert np.isfinite(out.item()) and out.item() > 1e3


def test_cross_entropy_non_contiguous_and_uint8_targets():
    t = _targets(4)
    check_op(lambda lib, x, t: lib.nn.functional.cross_entropy(x.t(), t), (5, 4), t)
    t8 = t.astype(np.uint8)
    check_op(lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(t8)), (4, 5))


@pytest.mark.parametrize("kw", OPTIONS[:6], ids=_id)
def test_cross_entropy_float64(kw):
    kw = {k: v.astype(np.float64) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    t = _targets((3, 2), ignore=kw.get("ignore_index"))
    check_op(_ce(**kw), (3, 5, 2), t, dtype=np.float64, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", OPTIONS[:6], ids=_id)
def test_cross_entropy_gradcheck(kw):
    kw = {k: v.astype(np.float64) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    t = _targets((3, 2), ignore=kw.get("ignore_index"))
    check_gradcheck(_ce(**kw), (3, 5, 2), t)
    check_gradcheck(_ce(reduction="none", **kw), (3, 5), t[:, 0])
    check_gradcheck(_ce(label_smoothing=0.2), (3, 4), (3, 4))


def test_nll_loss_gradcheck():
    t = _targets(4, ignore=-100)
    w = W5.astype(np.float64)
    check_gradcheck(
        lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor(t), lib.tensor(w)), (4, 5)
    )


# ---------------------------------------------------------------- binary cross-entropy


def _bcel(**kw):
    return lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, **_weights(lib, kw)
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kw",
    [{}, {"weight": W5}, {"pos_weight": W5 * 3}, {"weight": W5[:, None].T, "pos_weight": W5}],
    ids=_id,
)
def test_bce_with_logits(kw, reduction):
    check_op(_bcel(reduction=reduction, **kw), (4, 5), (4, 5))
    check_gradcheck(_bcel(reduction=reduction, **kw), (2, 5), (2, 5))


def test_bce_with_logits_is_stable_for_huge_logits():
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], np.float32)
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0], np.float32)
    check_op(_bcel(pos_weight=W5), x, t)
    check_op(_bcel(reduction="none"), x, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, W5, W5[:1]], ids=["none", "per-class", "scalar"])
def test_binary_cross_entropy(weight, reduction):
    def fn(lib, x, t):
        kw = {} if weight is None else {"weight": lib.tensor(weight)}
        loss = lib.nn.functional.binary_cross_entropy
        return loss(lib.sigmoid(x), lib.sigmoid(t), reduction=reduction, **kw)

    check_op(fn, (3, 5), (3, 5))
    check_gradcheck(fn, (2, 5), (2, 5))


def test_binary_cross_entropy_at_0_and_1_is_clamped_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0], np.float32)
    check_op(lambda lib, p, t: lib.nn.functional.binary_cross_entropy(p, t, reduction="none"), p, t)


# ---------------------------------------------------------------- regression losses

REGRESSION = {
    "mse": lambda lib, **kw: lambda x, y: lib.nn.functional.mse_loss(x, y, **kw),
    "l1": lambda lib, **kw: lambda x, y: lib.nn.functional.l1_loss(x, y, **kw),
    "smooth_l1": lambda lib, **kw: lambda x, y: lib.nn.functional.smooth_l1_loss(x, y, **kw),
    "huber": lambda lib, **kw: lambda x, y: lib.nn.functional.huber_loss(x, y, **kw),
}
EXTRA = {
    "smooth_l1": [{"beta": 0.0}, {"beta": 0.5}, {"beta": 2.0}],
    "huber": [{"delta": 0.5}, {"delta": 2.0}],
}


def _regression_cases():
    for name in REGRESSION:
        for extra in [{}, *EXTRA.get(name, [])]:
            for reduction in ("mean", "sum", "none"):
                yield name, {**extra, "reduction": reduction}


@pytest.mark.parametrize(
    "name, kw", list(_regression_cases()), ids=lambda v: _id(v) if isinstance(v, dict) else v
)
def test_regression_losses(name, kw):
    fn = lambda lib, x, y: REGRESSION[name](lib, **kw)(x, y)  # noqa: E731
    check_op(fn, (3, 4), (3, 4))
    check_gradcheck(fn, (2, 3), (2, 3))


@pytest.mark.parametrize("name", ["mse", "l1", "huber"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_weighted(name, reduction):
    w = RNG.random((3, 4)).astype(np.float32)

    def fn(lib, x, y):
        return REGRESSION[name](lib, reduction=reduction, weight=lib.tensor(w))(x, y)

    check_op(fn, (3, 4), (3, 4))


@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_broadcast_target_warns_like_torch(name):
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\) that"):
        check_op(lambda lib, x, y: REGRESSION[name](lib)(x, y), (3, 4), (3, 1))


def test_regression_mixed_dtypes_promote():
    check_op(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), (3,), np.arange(3))
    check_op(lambda lib, x, y: lib.nn.functional.l1_loss(x, y.double()), (3,), (3,))


def test_regression_empty_is_nan():
    check_op(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), (0, 2), (0, 2))


# ---------------------------------------------------------------- modules

MODULES = [
    ("CrossEntropyLoss", {"weight": W5, "ignore_index": 1, "label_smoothing": 0.1}, "int"),
    ("NLLLoss", {"weight": W5, "reduction": "sum"}, "int"),
    ("BCEWithLogitsLoss", {"weight": W5, "pos_weight": W5}, "float"),
    ("BCELoss", {"weight": W5, "reduction": "none"}, "prob"),
    ("MSELoss", {"reduction": "sum"}, "float"),
    ("L1Loss", {}, "float"),
    ("SmoothL1Loss", {"beta": 0.5}, "float"),
    ("HuberLoss", {"delta": 0.7, "reduction": "none"}, "float"),
]


@pytest.mark.parametrize("name, kw, target", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_match_torch(name, kw, target):
    t = _targets(4, ignore=1) if target == "int" else (4, 5)

    def fn(lib, x, t):
        module = getattr(lib.nn, name)(**_weights(lib, kw))
        assert repr(module) == f"{name}()"
        keys = [k for k in ("weight", "pos_weight") if k in kw]
        assert list(module.state_dict()) == keys
        if target == "prob":
            return module(lib.sigmoid(x), lib.sigmoid(t))
        return module(x, t)

    check_op(fn, (4, 5), t)


def test_loss_modules_defaults_match_torch():
    for name, _, _ in MODULES:
        mine, theirs = getattr(numtorch.nn, name)(), getattr(torch.nn, name)()
        for attr in ("reduction", "ignore_index", "label_smoothing", "beta", "delta", "weight"):
            assert getattr(mine, attr, "absent") == getattr(theirs, attr, "absent"), attr


def test_legacy_size_average_maps_to_a_reduction_with_a_warning():
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        assert numtorch.nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="please use reduction='none' instead"):
        assert numtorch.nn.CrossEntropyLoss(reduce=False).reduction == "none"
    with pytest.warns(UserWarning, match="reduction='sum'"):
        check_op(lambda lib, x, y: lib.nn.functional.l1_loss(x, y, size_average=False), (3,), (3,))


def test_module_reduction_is_checked_when_called():
    loss = numtorch.nn.L1Loss(reduction="foo")  # accepted here, as in PyTorch
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        loss(numtorch.zeros(2), numtorch.zeros(2))


# ---------------------------------------------------------------- errors

BAD = {
    "out of range": lambda L: _f(L).cross_entropy(L.zeros(3, 5), L.tensor([0, 10, 1])),
    "negative target": lambda L: _f(L).nll_loss(L.zeros(3, 5), L.tensor([0, -1, 1])),
    "out of range 4d": lambda L: _f(L).cross_entropy(
        L.zeros(2, 3, 1, 2), L.tensor([[[0, 5]], [[1, -3]]])
    ),
    "float target": lambda L: _f(L).cross_entropy(L.zeros(3, 5), L.tensor([0.0, 1, 1])),
    "int32 target": lambda L: _f(L).nll_loss(L.zeros(3, 5), L.tensor([0, 1, 1], dtype=L.int32)),
    "batch mismatch": lambda L: _f(L).cross_entropy(L.zeros(3, 5), L.tensor([0, 1])),
    "2d target": lambda L: _f(L).nll_loss(L.zeros(3, 5), L.zeros(3, 2, dtype=L.int64)),
    "1d target size": lambda L: _f(L).cross_entropy(L.zeros(5), L.tensor([1, 2])),
    "0d input": lambda L: _f(L).nll_loss(L.tensor(1.0), L.tensor(0)),
    "3d target shape": lambda L: _f(L).cross_entropy(
        L.zeros(2, 3, 4), L.zeros(2, 5, dtype=L.int64)
    ),
    "4d target shape": lambda L: _f(L).cross_entropy(
        L.zeros(2, 3, 4, 5), L.zeros(2, 4, 4, dtype=L.int64)
    ),
    "weight size": lambda L: _f(L).cross_entropy(
        L.zeros(3, 5), L.tensor([0, 1, 1]), weight=L.ones(3)
    ),
    "weight dtype": lambda L: _f(L).cross_entropy(
        L.zeros(3, 5), L.tensor([0, 1, 1]), weight=L.ones(5, dtype=L.float64)
    ),
    "prob weight size": lambda L: _f(L).cross_entropy(
        L.zeros(3, 5), L.zeros(3, 5), weight=L.ones(3)
    ),
    "long prob target": lambda L: _f(L).cross_entropy(L.tensor(1.0), L.tensor(0)),
    "reduction": lambda L: _f(L).cross_entropy(L.zeros(3, 5), L.tensor([0, 1, 1]), reduction="avg"),
    "mse reduction": lambda L: _f(L).mse_loss(L.zeros(3), L.zeros(3), reduction="avg"),
    "weighted reduction": lambda L: _f(L).l1_loss(
        L.zeros(3), L.zeros(3), reduction="x", weight=L.ones(3)
    ),
    "weight shape": lambda L: _f(L).mse_loss(L.zeros(3), L.zeros(3), weight=L.ones(2)),
    "smoothing": lambda L: _f(L).cross_entropy(
        L.zeros(3, 5), L.tensor([0, 1, 1]), label_smoothing=1.5
    ),
    "prob smoothing": lambda L: _f(L).cross_entropy(
        L.zeros(3, 5), L.zeros(3, 5), label_smoothing=2.0
    ),
    "bce logits shape": lambda L: _f(L).binary_cross_entropy_with_logits(L.zeros(3), L.zeros(4)),
    "bce logits long": lambda L: _f(L).binary_cross_entropy_with_logits(
        L.zeros(3), L.zeros(3, dtype=L.int64)
    ),
    "bce logits weight": lambda L: _f(L).binary_cross_entropy_with_logits(
        L.zeros(3), L.zeros(3), weight=L.ones(2, 3)
    ),
    "bce shape": lambda L: _f(L).binary_cross_entropy(L.zeros(3), L.zeros(1)),
    "bce range": lambda L: _f(L).binary_cross_entropy(L.tensor([1.5]), L.zeros(1)),
    "bce target range": lambda L: _f(L).binary_cross_entropy(L.zeros(1), L.tensor([-0.5])),
    "bce dtype": lambda L: _f(L).binary_cross_entropy(L.zeros(1), L.zeros(1, dtype=L.float64)),
    "huber delta": lambda L: _f(L).huber_loss(L.zeros(1), L.zeros(1), delta=0.0),
    "smooth beta": lambda L: _f(L).smooth_l1_loss(L.zeros(1), L.zeros(1), beta=-1.0),
    "not a tensor": lambda L: _f(L).cross_entropy([1.0, 2.0], L.tensor(0)),
    "weight grad": lambda L: _f(L).nll_loss(
        L.zeros(2, 5), L.tensor([0, 1]), weight=L.ones(5, requires_grad=True)
    ),
    "pos_weight grad": lambda L: _f(L).binary_cross_entropy_with_logits(
        L.zeros(5), L.zeros(5), pos_weight=L.ones(5, requires_grad=True)
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises_like_torch(case):
    _same_error(BAD[case])


def test_out_of_range_target_message():
    with pytest.raises(IndexError, match=r"^Target 10 is out of bounds\.$"):
        BAD["out of range"](numtorch)


def test_ignored_target_may_be_out_of_range():
    t = np.array([7, 1, 7], np.int64)
    check_op(_ce(ignore_index=7), (3, 5), t)
