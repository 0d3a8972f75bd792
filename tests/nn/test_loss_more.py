"""The second half of the losses against PyTorch: divergences, likelihoods, margin and
embedding losses (values and gradients for input and target, every reduction, float32 and
float64, float64 gradchecks), their modules (repr, state_dict, defaults) and PyTorch's
errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn.modules.distance
from tests.helpers import check_gradcheck, check_op, check_saved_versions

RNG = np.random.default_rng(7)
REDUCTIONS = ["mean", "sum", "none"]
W3 = (RNG.random(3) + 0.1).astype(np.float32)
SOFT_T = RNG.standard_normal((4, 3))


def _sign(shape, seed=0) -> np.ndarray:
    """A float target of 1 and -1."""
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


def _probs(shape, seed=0) -> np.ndarray:
    x = np.random.default_rng(seed).random(shape) + 0.05
    return x / x.sum(-1, keepdims=True)


def _tensor(lib, value):
    return lib.tensor(value) if isinstance(value, np.ndarray) else value


# each case: (name, lambda lib, *tensors, specs, gradcheck specs)
CASES = {
    "kl_div": (lambda F, x, t, **kw: F.kl_div(x, t, **kw), [(4, 3), _probs((4, 3))]),
    "kl_div_log_target": (
        lambda F, x, t, **kw: F.kl_div(x, t, log_target=True, **kw),
        [(4, 3), (4, 3)],
    ),
    "poisson": (lambda F, x, t, **kw: F.poisson_nll_loss(x, t, **kw), [(4, 3), RNG.random((4, 3))]),
    "poisson_rate": (
        lambda F, x, t, **kw: F.poisson_nll_loss(x.abs() + 0.1, t, log_input=False, **kw),
        [(4, 3), RNG.random((4, 3)) * 3],
    ),
    "poisson_full": (
        lambda F, x, t, **kw: F.poisson_nll_loss(x, t, full=True, **kw),
        [(4, 3), RNG.random((4, 3)) * 4 + 0.1],
    ),
    "gaussian": (
        lambda F, x, t, v, **kw: F.gaussian_nll_loss(x, t, v.abs() + 0.1, **kw),
        [(4, 3), (4, 3), (4, 3)],
    ),
    "gaussian_full_last_dim_dropped": (
        lambda F, x, t, v, **kw: F.gaussian_nll_loss(x, t, v.abs() + 0.1, full=True, **kw),
        [(4, 3), (4, 3), (4,)],
    ),
    "gaussian_one_dim_shared": (
        lambda F, x, t, v, **kw: F.gaussian_nll_loss(x, t, v.abs() + 0.4, eps=0.3, **kw),
        [(4, 3, 2), (4, 3, 2), (4, 1, 2)],
    ),
    "margin_ranking": (
        lambda F, a, b, t, **kw: F.margin_ranking_loss(a, b, t, **kw),
        [(6,), (6,), _sign(6)],
    ),
    "margin_ranking_margin": (
        lambda F, a, b, t, **kw: F.margin_ranking_loss(a, b, t, margin=0.5, **kw),
        [(6,), (6,), _sign(6)],
    ),
    "hinge_embedding": (
        lambda F, x, t, **kw: F.hinge_embedding_loss(x, t, **kw),
        [(4, 3), _sign((4, 3))],
    ),
    "hinge_embedding_margin": (
        lambda F, x, t, **kw: F.hinge_embedding_loss(x, t, margin=0.3, **kw),
        [(4, 3), _sign((4, 3))],
    ),
    "soft_margin": (
        lambda F, x, t, **kw: F.soft_margin_loss(x, t, **kw),
        [(4, 3), _sign((4, 3)).astype(np.int64)],
    ),
    "soft_margin_float_target": (
        lambda F, x, **kw: F.soft_margin_loss(x, x.new_tensor(SOFT_T.tolist()), **kw),
        [(4, 3)],
    ),
    "multilabel_soft_margin": (
        lambda F, x, t, **kw: F.multilabel_soft_margin_loss(x, t, **kw),
        [(4, 3), RNG.random((4, 3)).round()],
    ),
    "multilabel_soft_margin_weight": (
        lambda F, x, t, **kw: F.multilabel_soft_margin_loss(
            x, t, weight=x.new_tensor(W3.tolist()), **kw
        ),
        [(4, 3), RNG.random((4, 3)).round()],
    ),
    "cosine_embedding": (
        lambda F, a, b, t, **kw: F.cosine_embedding_loss(a, b, t, **kw),
        [(5, 3), (5, 3), _sign(5)],
    ),
    "cosine_embedding_margin": (
        lambda F, a, b, t, **kw: F.cosine_embedding_loss(a, b, t, margin=0.2, **kw),
        [(5, 3), (5, 3), _sign(5)],
    ),
    "cosine_embedding_unbatched": (
        lambda F, a, b, t, **kw: F.cosine_embedding_loss(a, b, t, **kw),
        [(3,), (3,), np.array(-1.0)],
    ),
    "triplet": (lambda F, a, p, n, **kw: F.triplet_margin_loss(a, p, n, **kw), [(5, 3)] * 3),
    "triplet_p1_swap": (
        lambda F, a, p, n, **kw: F.triplet_margin_loss(a, p, n, p=1, swap=True, margin=2.0, **kw),
        [(5, 3)] * 3,
    ),
    "triplet_p3": (
        lambda F, a, p, n, **kw: F.triplet_margin_loss(a, p, n, p=3, eps=1e-3, **kw),
        [(5, 3)] * 3,
    ),
    "triplet_unbatched": (
        lambda F, a, p, n, **kw: F.triplet_margin_loss(a, p, n, margin=3.0, **kw),
        [(4,)] * 3,
    ),
    "triplet_distance_default": (
        lambda F, a, p, n, **kw: F.triplet_margin_with_distance_loss(a, p, n, margin=2.0, **kw),
        [(5, 3)] * 3,
    ),
    "triplet_distance_custom_swap": (
        lambda F, a, p, n, **kw: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: (x - y).abs().sum(-1), swap=True, **kw
        ),
        [(5, 3)] * 3,
    ),
}


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, reduction, dtype):
    fn, specs = CASES[name]
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    check_op(
        lambda lib, *xs: fn(lib.nn.functional, *xs, reduction=reduction), *specs, dtype=dtype, **tol
    )


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name, reduction):
    fn, specs = CASES[name]
    check_gradcheck(lambda lib, *xs: fn(lib.nn.functional, *xs, reduction=reduction), *specs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kl_div_batchmean_and_legacy_reduction(dtype):
    t = _probs((4, 3))
    check_op(
        lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="batchmean"),
        (4, 3),
        t,
        dtype=dtype,
    )
    check_op(lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="batchmean"), (3,), t[0])
    check_gradcheck(
        lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="batchmean"), (4, 3), t
    )
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        check_op(lambda lib, x, t: lib.nn.functional.kl_div(x, t, size_average=False), (4, 3), t)


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        numtorch.nn.functional.kl_div(numtorch.zeros(2, 3), numtorch.ones(2, 3))


def test_kl_div_zero_target_values_match_torch():
    t = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    check_op(lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="sum"), (2, 3), t)

    def fn(lib, x):
        return lib.nn.functional.kl_div(x, lib.tensor(t, dtype=x.dtype), reduction="sum")

    check_op(fn, (2, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_float_var_and_clamp(reduction):
    check_op(
        lambda lib, x, t: lib.nn.functional.gaussian_nll_loss(x, t, 0.5, reduction=reduction),
        (4, 3),
        (4, 3),
    )
    v = np.array([[1e-9, 0.5, 2.0]])
    check_op(
        lambda lib, x, t, v: lib.nn.functional.gaussian_nll_loss(x, t, v, reduction=reduction),
        (4, 3),
        (4, 3),
        v,
    )


# ---------------------------------------------------------------- class-margin losses

MM_TARGET = np.array([0, 2, 1, 1, 2], np.int64)
ML_TARGET = np.array([[0, 2, -1], [1, -1, 0], [2, 1, 0], [-1, 0, 0], [1, 0, -1]], np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "kw", [{}, {"p": 2}, {"margin": 0.3}, {"weight": W3}, {"p": 2, "margin": 2.0, "weight": W3}]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_margin_loss(kw, reduction, dtype):
    def fn(lib, x):
        extra = {k: _tensor(lib, v.astype(dtype) if k == "weight" else v) for k, v in kw.items()}
        t = lib.tensor(MM_TARGET)
        return lib.nn.functional.multi_margin_loss(x, t, reduction=reduction, **extra)

    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    check_op(fn, (5, 3), dtype=dtype, **tol)
    if dtype == np.float64:
        check_gradcheck(fn, (5, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss_unbatched(reduction):
    def fn(lib, x):
        return lib.nn.functional.multi_margin_loss(x, lib.tensor(2), reduction=reduction)

    check_op(fn, (4,))
    check_op(lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor([1])), (4,))
    check_op(lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor(0)), np.array(0.3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multilabel_margin_loss(reduction, dtype):
    def fn(lib, x):
        t = lib.tensor(ML_TARGET)
        return lib.nn.functional.multilabel_margin_loss(x, t, reduction=reduction)

    check_op(fn, (5, 3), dtype=dtype)
    check_gradcheck(fn, (5, 3))

    def unbatched(lib, x):
        t = lib.tensor([3, 0, -1, 1])
        return lib.nn.functional.multilabel_margin_loss(x, t, reduction=reduction)

    check_op(unbatched, (4,), dtype=dtype)


def test_multilabel_margin_loss_documented_example():
    def fn(lib):
        x = lib.tensor([[0.1, 0.2, 0.4, 0.8]])
        return lib.nn.MultiLabelMarginLoss()(x, lib.tensor([[3, 0, -1, 1]]))

    np.testing.assert_allclose(fn(numtorch).item(), fn(torch).item(), rtol=1e-6)


def test_node_names_match_torch():
    def names(lib):
        F = lib.nn.functional
        x = lib.randn(5, 3, requires_grad=True)
        return [
            F.soft_margin_loss(x, lib.ones(5, 3)).grad_fn.name(),
            F.multi_margin_loss(x, lib.tensor(MM_TARGET)).grad_fn.name(),
            F.multilabel_margin_loss(x, lib.tensor(ML_TARGET)).grad_fn.name(),
            F.kl_div(x, lib.ones(5, 3), reduction="batchmean").grad_fn.name(),
        ]

    assert names(numtorch) == names(torch)


# ---------------------------------------------------------------- modules

MODULES = [
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, 2),
    ("PoissonNLLLoss", {"log_input": True, "full": True, "eps": 1e-6}, 2),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3, "reduction": "sum"}, 3),
    ("MarginRankingLoss", {"margin": 0.2}, 3),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "none"}, 2),
    ("SoftMarginLoss", {"reduction": "sum"}, 2),
    ("MultiLabelSoftMarginLoss", {"weight": W3}, 2),
    ("CosineEmbeddingLoss", {"margin": 0.1}, 3),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, 3),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True}, 3),
    ("MultiMarginLoss", {"p": 2, "weight": W3}, 2),
    ("MultiLabelMarginLoss", {"reduction": "none"}, 2),
]


def _module_inputs(name: str) -> list:
    if name == "GaussianNLLLoss":
        return [(5, 3), (5, 3), RNG.random((5, 3)) + 0.1]
    if name in ("MarginRankingLoss",):
        return [(5,), (5,), _sign(5)]
    if name == "CosineEmbeddingLoss":
        return [(5, 3), (5, 3), _sign(5)]
    if name.startswith("Triplet"):
        return [(5, 3)] * 3
    if name == "MultiMarginLoss":
        return [(5, 3), MM_TARGET]
    if name == "MultiLabelMarginLoss":
        return [(5, 3), ML_TARGET]
    if name == "SoftMarginLoss":  # PyTorch refuses a target that requires grad
        return [(5, 3), _sign((5, 3)).astype(np.int64)]
    if name == "HingeEmbeddingLoss":
        return [(5, 3), _sign((5, 3))]
    if name == "KLDivLoss":
        return [(5, 3), (5, 3)]
    return [(5, 3), RNG.random((5, 3)).round()]


@pytest.mark.parametrize("name, kw, n", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_match_torch(name, kw, n):
    def fn(lib, *xs):
        args = {k: _tensor(lib, v) for k, v in kw.items()}
        module = getattr(lib.nn, name)(**args)
        keys = ["weight"] if "weight" in kw else []
        assert list(module.state_dict()) == keys
        return module(*xs)

    mine = getattr(numtorch.nn, name)(**{k: _tensor(numtorch, v) for k, v in kw.items()})
    theirs = getattr(torch.nn, name)(**{k: _tensor(torch, v) for k, v in kw.items()})
    assert repr(mine) == repr(theirs)
    check_op(fn, *_module_inputs(name))


ATTRS = ("reduction", "log_target", "log_input", "full", "eps", "margin", "p", "swap", "weight")


@pytest.mark.parametrize("name", [m[0] for m in MODULES])
def test_loss_module_defaults_match_torch(name):
    mine, theirs = getattr(numtorch.nn, name)(), getattr(torch.nn, name)()
    assert repr(mine) == repr(theirs)
    for attr in ATTRS:
        assert getattr(mine, attr, "absent") == getattr(theirs, attr, "absent"), attr


def test_legacy_arguments_map_to_a_reduction_with_a_warning():
    with pytest.warns(UserWarning, match="please use reduction='none' instead"):
        assert numtorch.nn.SoftMarginLoss(reduce=False).reduction == "none"
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        check_op(
            lambda lib, x, t: lib.nn.functional.multilabel_soft_margin_loss(
                x, t, size_average=False
            ),
            (4, 3),
            (4, 3),
        )


def test_triplet_with_distance_module_uses_a_custom_distance():
    def fn(lib, a, p, n):
        cos = (
            lib.nn.modules.distance.CosineSimilarity()
            if lib is numtorch
            else lib.nn.CosineSimilarity()
        )
        loss = lib.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: 1 - cos(x, y))
        return loss(a, p, n)

    check_op(fn, (5, 3), (5, 3), (5, 3))


@pytest.mark.parametrize(
    "kw", [{}, {"p": 1.0}, {"eps": 0.1, "keepdim": True}], ids=["default", "p1", "keepdim"]
)
def test_pairwise_distance_module(kw):
    mine = numtorch.nn.modules.distance.PairwiseDistance(**kw)
    theirs = torch.nn.PairwiseDistance(**kw)
    assert repr(mine) == repr(theirs) and mine.norm == theirs.norm

    def fn(lib, a, b):
        m = mine if lib is numtorch else theirs
        return m(a, b)

    check_op(fn, (4, 3), (4, 3))


@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "eps": 0.5}], ids=str)
def test_cosine_similarity_module(kw):
    mine = numtorch.nn.modules.distance.CosineSimilarity(**kw)
    theirs = torch.nn.CosineSimilarity(**kw)
    assert repr(mine) == repr(theirs)

    def fn(lib, a, b):
        m = mine if lib is numtorch else theirs
        return m(a, b)

    check_op(fn, (4, 3), (4, 3))


# ---------------------------------------------------------------- errors


def _f(lib):
    return lib.nn.functional


BAD = {
    "mm int target": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.zeros(4, dtype=L.int32)),
    "mm float target": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.zeros(4)),
    "mm range": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.tensor([0, 3, 1, 1])),
    "mm negative": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.tensor([0, -1, 1, 1])),
    "mm size": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.tensor([0, 1, 1])),
    "mm weight size": lambda L: _f(L).multi_margin_loss(
        L.zeros(4, 3), L.tensor([0, 1, 1, 0]), weight=L.ones(4)
    ),
    "mm weight dim": lambda L: _f(L).multi_margin_loss(
        L.zeros(4, 3), L.tensor([0, 1, 1, 0]), weight=L.ones(1, 3)
    ),
    "mm weight dtype": lambda L: _f(L).multi_margin_loss(
        L.zeros(4, 3), L.tensor([0, 1, 1, 0]), weight=L.ones(3, dtype=L.float64)
    ),
    "mm p": lambda L: _f(L).multi_margin_loss(L.zeros(4, 3), L.tensor([0, 1, 1, 0]), p=3),
    "mm 3d": lambda L: _f(L).multi_margin_loss(L.zeros(2, 3, 4), L.tensor([0, 1])),
    "mm empty": lambda L: _f(L).multi_margin_loss(L.zeros(2, 0), L.tensor([0, 1])),
    "mm reduction": lambda L: _f(L).multi_margin_loss(
        L.zeros(2, 3), L.tensor([0, 1]), reduction="x"
    ),
    "ml int target": lambda L: _f(L).multilabel_margin_loss(
        L.zeros(2, 3), L.zeros(2, 3, dtype=L.int32)
    ),
    "ml size": lambda L: _f(L).multilabel_margin_loss(L.zeros(2, 3), L.zeros(2, 2, dtype=L.int64)),
    "ml range": lambda L: _f(L).multilabel_margin_loss(L.zeros(1, 3), L.tensor([[3, 0, 1]])),
    "ml range neg": lambda L: _f(L).multilabel_margin_loss(L.zeros(1, 3), L.tensor([[-2, 0, 1]])),
    "cos target dim": lambda L: _f(L).cosine_embedding_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.ones(4, 1)
    ),
    "cos input dim": lambda L: _f(L).cosine_embedding_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.ones(())
    ),
    "cos 1d target": lambda L: _f(L).cosine_embedding_loss(L.zeros(3), L.zeros(4, 3), L.ones(4)),
    "triplet dims": lambda L: _f(L).triplet_margin_loss(L.zeros(4, 3), L.zeros(4, 3), L.zeros(3)),
    "triplet margin": lambda L: _f(L).triplet_margin_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.zeros(4, 3), margin=0
    ),
    "triplet distance reduction": lambda L: _f(L).triplet_margin_with_distance_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.zeros(4, 3), reduction="x"
    ),
    "triplet distance margin": lambda L: _f(L).triplet_margin_with_distance_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.zeros(4, 3), margin=-1.0
    ),
    "triplet distance dims": lambda L: _f(L).triplet_margin_with_distance_loss(
        L.zeros(4, 3), L.zeros(3), L.zeros(4, 3)
    ),
    "ranking dims": lambda L: _f(L).margin_ranking_loss(L.zeros(4, 3), L.zeros(4, 3), L.ones(4)),
    "gaussian var size": lambda L: _f(L).gaussian_nll_loss(
        L.zeros(4, 3), L.zeros(4, 3), L.ones(5, 3)
    ),
    "gaussian var negative": lambda L: _f(L).gaussian_nll_loss(L.zeros(4, 3), L.zeros(4, 3), -1.0),
    "gaussian var tensor negative": lambda L: _f(L).gaussian_nll_loss(
        L.zeros(4, 3), L.zeros(4, 3), -L.ones(4, 3)
    ),
    "gaussian reduction": lambda L: _f(L).gaussian_nll_loss(
        L.zeros(4, 3), L.zeros(4, 3), 1.0, reduction="x"
    ),
    "kl reduction": lambda L: _f(L).kl_div(L.zeros(4, 3), L.zeros(4, 3), reduction="x"),
    "poisson reduction": lambda L: _f(L).poisson_nll_loss(L.zeros(3), L.zeros(3), reduction="x"),
    "msm reduction": lambda L: _f(L).multilabel_soft_margin_loss(
        L.zeros(2, 3), L.zeros(2, 3), reduction="x"
    ),
    "hinge reduction": lambda L: _f(L).hinge_embedding_loss(L.zeros(3), L.ones(3), reduction="x"),
    "mm module p": lambda L: L.nn.MultiMarginLoss(p=3),
    "mm module weight": lambda L: L.nn.MultiMarginLoss(weight=L.ones(2, 3)),
    "triplet module margin": lambda L: L.nn.TripletMarginLoss(margin=0.0),
    "triplet distance module margin": lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.0),
    "not a tensor": lambda L: _f(L).soft_margin_loss([1.0], L.ones(1)),
    "soft margin target grad": lambda L: _f(L).soft_margin_loss(
        L.zeros(3), L.ones(3, requires_grad=True)
    ),
    "mm weight grad": lambda L: _f(L).multi_margin_loss(
        L.zeros(2, 3), L.tensor([0, 1]), weight=L.ones(3, requires_grad=True)
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises_like_torch(case):
    def run(lib):
        try:
            BAD[case](lib)
        except Exception as err:  # noqa: BLE001 - the exception itself is compared
            return type(err).__name__, str(err)
        return None

    expected = run(torch)
    assert expected is not None, "torch accepted it"
    if case == "not a tensor":  # PyTorch fails with an accidental AttributeError here
        assert run(numtorch)[0] == "TypeError"
        return
    assert run(numtorch) == expected


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.nn.functional.soft_margin_loss(x, lib.ones(5, 3)),
        lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor(MM_TARGET), p=2),
        lambda lib, x: lib.nn.functional.multilabel_margin_loss(x, lib.tensor(ML_TARGET)),
        lambda lib, x: lib.nn.functional.kl_div(x, lib.ones(5, 3), reduction="batchmean"),
    ],
)
def test_saved_values_are_version_checked_like_torch(fn):
    check_saved_versions(fn, (5, 3))


def test_soft_margin_loss_is_finite_where_torchs_overflows():
    x = np.array([-50.0, -3.0, 0.0, 4.0, 60.0], np.float32)
    check_op(lambda lib, x: lib.nn.functional.soft_margin_loss(x, lib.ones(5), reduction="none"), x)
    big = numtorch.tensor([-200.0, 200.0], requires_grad=True)
    loss = numtorch.nn.functional.soft_margin_loss(big, numtorch.ones(2), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [200.0, 0.0])
    np.testing.assert_allclose(big.grad.numpy(), [-1.0, 0.0])
