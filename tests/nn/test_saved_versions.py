"""PyTorch's version checks for every differentiable ``nn.functional`` op: each floating input
and each output is changed in place after the forward, then backward runs on both libraries.
Where PyTorch refuses ("modified by an inplace operation") numtorch must refuse too; where
PyTorch computes gradients numtorch must compute the same ones (``check_saved_versions``).

Weights PyTorch does not differentiate (class weights, ``pos_weight``, running statistics)
enter as ``w.detach()`` of an input: the detached tensor shares the input's version counter,
so changing the input in place changes the weight the op saw, as a user's ``w.add_()`` would.
``CASES`` is also the table ``test_node_names.py`` runs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
import numtorch.nn  # noqa: F401  (until numtorch/__init__.py re-exports nn)
from tests.helpers import _run_and_change, check_saved_versions, make_inputs

_RNG = np.random.default_rng(7)
P = _RNG.uniform(0.05, 0.95, (4, 5))  # probabilities (BCE input and target)
P2 = _RNG.uniform(0.05, 0.95, (4, 5))
W5 = _RNG.uniform(0.5, 1.5, (5,))  # per-class weights
WE = _RNG.uniform(0.5, 1.5, (4, 5))  # per-element weights
T4 = np.array([0, 3, 1, 4], dtype=np.int64)  # class indices for a (4, 5) input
T4I = np.array([0, -100, 1, 4], dtype=np.int64)  # one ignored
T3D = np.array([[0, 2, 4], [1, 3, 0]], dtype=np.int64)  # for a (2, 5, 3) input
STATS = np.linspace(0.5, 1.5, 3)  # running mean / var of 3 channels
X1 = (4, 3, 5, 5)  # a batch of images, 3 channels


def _f(lib):
    return lib.nn.functional


def _case(name: str, fn, *specs) -> tuple:
    return name, fn, specs


ACTIVATIONS = [
    _case("relu", lambda lib, x: _f(lib).relu(x), (4, 5)),
    _case("relu_inplace", lambda lib, x: _f(lib).relu(x * 1, inplace=True), (4, 5)),
    _case("relu6", lambda lib, x: _f(lib).relu6(x * 4), (4, 5)),
    _case("relu6_inplace", lambda lib, x: _f(lib).relu6(x * 4, inplace=True), (4, 5)),
    _case("leaky_relu_negative_slope", lambda lib, x: _f(lib).leaky_relu(x, -0.3), (4, 5)),
    _case("leaky_relu", lambda lib, x: _f(lib).leaky_relu(x, 0.2), (4, 5)),
    _case("leaky_relu_inplace", lambda lib, x: _f(lib).leaky_relu(x * 1, 0.2, True), (4, 5)),
    _case("elu", lambda lib, x: _f(lib).elu(x), (4, 5)),
    _case("elu_inplace", lambda lib, x: _f(lib).elu(x * 1, 0.7, True), (4, 5)),
    _case("selu", lambda lib, x: _f(lib).selu(x), (4, 5)),
    _case("selu_inplace", lambda lib, x: _f(lib).selu(x * 1, inplace=True), (4, 5)),
    _case("celu", lambda lib, x: _f(lib).celu(x, 0.5), (4, 5)),
    _case("celu_inplace", lambda lib, x: _f(lib).celu(x * 1, 0.5, inplace=True), (4, 5)),
    _case("gelu", lambda lib, x: _f(lib).gelu(x), (4, 5)),
    _case("gelu_tanh", lambda lib, x: _f(lib).gelu(x, approximate="tanh"), (4, 5)),
    _case("silu", lambda lib, x: _f(lib).silu(x), (4, 5)),
    _case("silu_inplace", lambda lib, x: _f(lib).silu(x * 1, inplace=True), (4, 5)),
    _case("softplus", lambda lib, x: _f(lib).softplus(x, 2.0, 1.0), (4, 5)),
    _case("softplus_default", lambda lib, x: _f(lib).softplus(x), (4, 5)),
    _case("hardtanh", lambda lib, x: _f(lib).hardtanh(x, -0.5, 0.5), (4, 5)),
    _case("hardtanh_inplace", lambda lib, x: _f(lib).hardtanh(x * 1, -0.5, 0.5, True), (4, 5)),
    _case("sigmoid", lambda lib, x: _f(lib).sigmoid(x), (4, 5)),
    _case("tanh", lambda lib, x: _f(lib).tanh(x), (4, 5)),
    _case("softmax", lambda lib, x: _f(lib).softmax(x, 1), (4, 5)),
    _case("softmin", lambda lib, x: _f(lib).softmin(x, 0), (4, 5)),
    _case("log_softmax", lambda lib, x: _f(lib).log_softmax(x, -1), (4, 5)),
    _case("log_softmax_3d", lambda lib, x: _f(lib).log_softmax(x, 1), (2, 3, 4)),
]

LINEAR = [
    _case("linear_2d", lambda lib, x, w, b: _f(lib).linear(x, w, b), (4, 3), (5, 3), (5,)),
    _case("linear_2d_no_bias", lambda lib, x, w: _f(lib).linear(x, w), (4, 3), (5, 3)),
    _case("linear_3d", lambda lib, x, w, b: _f(lib).linear(x, w, b), (2, 4, 3), (5, 3), (5,)),
    _case("linear_3d_no_bias", lambda lib, x, w: _f(lib).linear(x, w), (2, 4, 3), (5, 3)),
    _case("linear_1d", lambda lib, x, w, b: _f(lib).linear(x, w, b), (3,), (5, 3), (5,)),
    _case("linear_1d_no_bias", lambda lib, x, w: _f(lib).linear(x, w), (3,), (5, 3)),
    _case("linear_vector_weight", lambda lib, x, w: _f(lib).linear(x, w), (4, 3), (3,)),
    _case("linear_row_bias", lambda lib, x, w, b: _f(lib).linear(x, w, b), (4, 3), (5, 3), (1, 5)),
]


def _ce(**kw):
    def fn(lib, x, t, *w):
        weight = {"weight": w[0].detach()} if w else {}
        return _f(lib).cross_entropy(x, t, **weight, **kw)

    return fn


def _nll(**kw):
    def fn(lib, x, t, *w):
        weight = {"weight": w[0].detach()} if w else {}
        return _f(lib).nll_loss(x, t, **weight, **kw)

    return fn


def _bce_logits(**kw):
    def fn(lib, x, t, w, pw):
        return _f(lib).binary_cross_entropy_with_logits(
            x, t, weight=w.detach(), pos_weight=pw.detach(), **kw
        )

    return fn


LOSSES = [
    _case("cross_entropy", _ce(), (4, 5), T4),
    _case("cross_entropy_sum", _ce(reduction="sum"), (4, 5), T4),
    _case("cross_entropy_none", _ce(reduction="none"), (4, 5), T4),
    _case("cross_entropy_weight", _ce(), (4, 5), T4, W5),
    _case("cross_entropy_ignore_index", _ce(), (4, 5), T4I),
    _case("cross_entropy_smoothing", _ce(label_smoothing=0.2), (4, 5), T4),
    _case("cross_entropy_smoothing_weight", _ce(label_smoothing=0.2), (4, 5), T4I, W5),
    _case("cross_entropy_3d", _ce(), (2, 5, 3), T3D),
    _case("cross_entropy_1d", _ce(), (5,), np.array(2, dtype=np.int64)),
    _case("cross_entropy_probs", _ce(), (4, 5), P),
    _case("cross_entropy_probs_weight", _ce(label_smoothing=0.1), (4, 5), P, W5),
    _case("nll_loss", _nll(), (4, 5), T4),
    _case("nll_loss_weight_ignore", _nll(ignore_index=1), (4, 5), T4, W5),
    _case("nll_loss_sum", _nll(reduction="sum"), (4, 5), T4),
    _case("nll_loss_none", _nll(reduction="none"), (2, 5, 3), T3D),
    _case("mse_loss", lambda lib, x, t: _f(lib).mse_loss(x, t), (4, 5), (4, 5)),
    _case(
        "mse_loss_none", lambda lib, x, t: _f(lib).mse_loss(x, t, reduction="none"), (4, 5), (4, 5)
    ),
    _case(
        "mse_loss_weight", lambda lib, x, t, w: _f(lib).mse_loss(x, t, weight=w), (4, 5), (4, 5), WE
    ),
    _case("mse_loss_broadcast", lambda lib, x, t: _f(lib).mse_loss(x, t), (4, 5), (5,)),
    _case("l1_loss", lambda lib, x, t: _f(lib).l1_loss(x, t), (4, 5), (4, 5)),
    _case("l1_loss_sum", lambda lib, x, t: _f(lib).l1_loss(x, t, reduction="sum"), (4, 5), (4, 5)),
    _case(
        "l1_loss_weight", lambda lib, x, t, w: _f(lib).l1_loss(x, t, weight=w), (4, 5), (4, 5), WE
    ),
    _case("smooth_l1_loss", lambda lib, x, t: _f(lib).smooth_l1_loss(x, t), (4, 5), (4, 5)),
    _case(
        "smooth_l1_loss_beta",
        lambda lib, x, t: _f(lib).smooth_l1_loss(x, t, beta=0.5),
        (4, 5),
        (4, 5),
    ),
    _case(
        "smooth_l1_loss_beta0",
        lambda lib, x, t: _f(lib).smooth_l1_loss(x, t, beta=0.0),
        (4, 5),
        (4, 5),
    ),
    _case("huber_loss", lambda lib, x, t: _f(lib).huber_loss(x, t, delta=0.5), (4, 5), (4, 5)),
    _case("huber_loss_none", lambda lib, x, t: _f(lib).huber_loss(x, t, "none"), (4, 5), (4, 5)),
    _case(
        "huber_loss_weight",
        lambda lib, x, t, w: _f(lib).huber_loss(x, t, weight=w),
        (4, 5),
        (4, 5),
        WE,
    ),
    _case("binary_cross_entropy", lambda lib, x, t: _f(lib).binary_cross_entropy(x, t), P, P2),
    _case(
        "binary_cross_entropy_weight",
        lambda lib, x, t, w: _f(lib).binary_cross_entropy(x, t, w.detach(), reduction="sum"),
        P,
        P2,
        WE,
    ),
    _case(
        "binary_cross_entropy_none",
        lambda lib, x, t: _f(lib).binary_cross_entropy(x, t, reduction="none"),
        P,
        P2,
    ),
    _case(
        "bce_with_logits",
        lambda lib, x, t: _f(lib).binary_cross_entropy_with_logits(x, t),
        (4, 5),
        P,
    ),
    _case("bce_with_logits_weights", _bce_logits(), (4, 5), P, WE, W5),
    _case("bce_with_logits_weights_none", _bce_logits(reduction="none"), (4, 5), P, WE, W5),
]


def _bn(training, affine=True, running=True, **kw):
    def fn(lib, x, w, b, rm, rv):
        stats = (rm.detach(), rv.detach()) if running else (None, None)
        wb = (w, b) if affine else (None, None)
        return _f(lib).batch_norm(x, *stats, *wb, training=training, **kw)

    return fn


NORMALIZATION = [
    _case("batch_norm_train", _bn(True), X1, (3,), (3,), STATS, STATS),
    _case("batch_norm_train_no_affine", _bn(True, affine=False), X1, (3,), (3,), STATS, STATS),
    _case("batch_norm_train_no_stats", _bn(True, running=False), X1, (3,), (3,), STATS, STATS),
    _case("batch_norm_train_bare", _bn(True, False, False), (6, 3), (3,), (3,), STATS, STATS),
    _case("batch_norm_eval", _bn(False), X1, (3,), (3,), STATS, STATS),
    _case("batch_norm_eval_no_affine", _bn(False, affine=False), (6, 3), (3,), (3,), STATS, STATS),
    _case("batch_norm_eval_3d", _bn(False), (2, 3, 4), (3,), (3,), STATS, STATS),
]


def _mp(**kw):
    return lambda lib, x: _f(lib).max_pool2d(x, **kw)


POOLING = [
    _case("max_pool2d", _mp(kernel_size=2), X1),
    _case("max_pool2d_stride_pad", _mp(kernel_size=3, stride=2, padding=1), X1),
    _case("max_pool2d_ceil_dilation", _mp(kernel_size=2, dilation=2, ceil_mode=True), X1),
    _case("max_pool2d_indices", _mp(kernel_size=2, return_indices=True), X1),
    _case("max_pool2d_3d_input", _mp(kernel_size=2), (3, 5, 5)),
    _case("avg_pool2d", lambda lib, x: _f(lib).avg_pool2d(x, 2), X1),
    _case("avg_pool2d_pad", lambda lib, x: _f(lib).avg_pool2d(x, 3, 2, 1, False, False), X1),
    _case("adaptive_avg_pool2d", lambda lib, x: _f(lib).adaptive_avg_pool2d(x, 1), X1),
    _case("adaptive_avg_pool2d_uneven", lambda lib, x: _f(lib).adaptive_avg_pool2d(x, 3), X1),
    _case("adaptive_max_pool2d", lambda lib, x: _f(lib).adaptive_max_pool2d(x, (2, 3)), X1),
    _case(
        "adaptive_max_pool2d_indices",
        lambda lib, x: _f(lib).adaptive_max_pool2d(x, 2, return_indices=True),
        X1,
    ),
]

CONV = [
    _case("conv2d", lambda lib, x, w, b: _f(lib).conv2d(x, w, b), X1, (2, 3, 3, 3), (2,)),
    _case("conv2d_no_bias", lambda lib, x, w: _f(lib).conv2d(x, w, padding=1), X1, (2, 3, 3, 3)),
    _case(
        "conv2d_stride_groups",
        lambda lib, x, w: _f(lib).conv2d(x, w, stride=2, groups=3),
        X1,
        (3, 1, 2, 2),
    ),
]

# Random masks differ between the libraries, so dropout runs with p = 0 or 1 (or in eval).
DROPOUT = [
    _case("dropout_p0", lambda lib, x: _f(lib).dropout(x, 0.0), (4, 5)),
    _case("dropout_p1", lambda lib, x: _f(lib).dropout(x, 1.0), (4, 5)),
    _case("dropout_eval", lambda lib, x: _f(lib).dropout(x, 0.5, training=False), (4, 5)),
    _case("dropout_inplace", lambda lib, x: _f(lib).dropout(x * 1, 1.0, inplace=True), (4, 5)),
    _case("dropout2d_p1", lambda lib, x: _f(lib).dropout2d(x, 1.0), X1),
    _case("alpha_dropout_p0", lambda lib, x: _f(lib).alpha_dropout(x, 0.0, True), (4, 5)),
    _case(
        "feature_alpha_dropout_p0", lambda lib, x: _f(lib).feature_alpha_dropout(x, 0.0, True), X1
    ),
]

# (id, fn(lib, *inputs), input specs): every differentiable nn.functional op and calling form
CASES = ACTIVATIONS + LINEAR + LOSSES + NORMALIZATION + POOLING + CONV + DROPOUT


def params(cases: list, xfails: dict) -> list:
    """``cases`` as pytest params, rows named in ``xfails`` marked strict xfail with its reason
    (a difference in a file this table's author does not own, listed for its owner)."""
    marks = {k: pytest.mark.xfail(strict=True, reason=v) for k, v in xfails.items()}
    unknown = set(xfails) - {name for name, _, _ in cases}
    assert not unknown, f"xfail for rows that do not exist: {unknown}"
    return [
        pytest.param(fn, specs, id=name, marks=marks.get(name, ())) for name, fn, specs in cases
    ]


VERSION_XFAILS: dict[str, str] = {}


@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")
@pytest.mark.parametrize("fn, specs", params(CASES, VERSION_XFAILS))
def test_saved_versions_match_torch(fn, specs):
    results = check_saved_versions(fn, *specs)
    assert results  # every row changes at least one tensor


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
def test_class_targets_changed_in_place_are_refused_as_in_torch(loss):
    """The integer target is saved too (the table changes only floating inputs)."""
    for lib in (numtorch, torch):
        x = lib.tensor(np.linspace(-1, 1, 20).reshape(4, 5), requires_grad=True)
        t = lib.tensor(T4)
        out = getattr(_f(lib), loss)(x, t)
        t.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: _f(lib).dropout(x, 0.5),
        lambda lib, x: _f(lib).dropout2d(x, 0.5),
        lambda lib, x: _f(lib).dropout(x * 1, 0.5, inplace=True),
    ],
    ids=["dropout", "dropout2d", "dropout_inplace"],
)
def test_dropout_with_random_masks_refuses_where_torch_does(fn):
    """The masks differ between the libraries, so only the refusals are compared."""
    arrays = make_inputs((X1,), np.float64)
    for target in [("input", 0), ("output", 0)]:
        results = [_run_and_change(lib, fn, arrays, target, 0)[0] for lib in (torch, numtorch)]
        assert results[1] == results[0], f"{target}: torch {results[0]}, numtorch {results[1]}"
