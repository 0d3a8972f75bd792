"""The torch.* forms of the neural-network functions (numtorch/_nn_forms.py), called with
PyTorch's native signatures: values and gradients equal PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_gradcheck, check_op

import numtorch

IDX = np.array([[1, 4, 0], [2, 2, 3]])
TARGET01 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], np.float32)
SIGNS = np.array([1.0, -1.0, 1.0], np.float32)

CASES = [
    ("conv1d", lambda lib, x, w: lib.conv1d(x, w, None, 1, 1), (2, 3, 7), (4, 3, 3)),
    ("conv2d", lambda lib, x, w: lib.conv2d(x, w, stride=2, padding=1), (2, 3, 6, 6), (4, 3, 3, 3)),
    ("conv3d", lambda lib, x, w: lib.conv3d(x, w), (1, 2, 4, 4, 4), (3, 2, 2, 2, 2)),
    ("conv_transpose1d", lambda lib, x, w: lib.conv_transpose1d(x, w, None, 2), (2, 3, 5), (3, 4, 3)),
    ("conv_transpose2d", lambda lib, x, w: lib.conv_transpose2d(x, w, None, 2, 1, 1), (2, 3, 4, 4), (3, 2, 3, 3)),
    ("conv_transpose3d", lambda lib, x, w: lib.conv_transpose3d(x, w), (1, 2, 3, 3, 3), (2, 2, 2, 2, 2)),
    ("convolution", lambda lib, x, w: lib.convolution(x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1), (2, 3, 5, 5), (4, 3, 3, 3)),
    ("convolution transposed", lambda lib, x, w: lib.convolution(x, w, None, [2, 2], [0, 0], [1, 1], True, [1, 1], 1), (2, 3, 4, 4), (3, 2, 3, 3)),
    ("avg_pool1d", lambda lib, x: lib.avg_pool1d(x, 3, 2, 1), (2, 3, 9)),
    ("max_pool1d", lambda lib, x: lib.max_pool1d(x, 2), (2, 3, 8)),
    ("max_pool1d_with_indices", lambda lib, x: lib.max_pool1d_with_indices(x, 3, 2)[0], (2, 3, 9)),
    ("max_pool2d", lambda lib, x: lib.max_pool2d(x, 2, 2), (2, 3, 6, 6)),
    ("max_pool3d", lambda lib, x: lib.max_pool3d(x, 2), (1, 2, 4, 4, 4)),
    ("adaptive_avg_pool1d", lambda lib, x: lib.adaptive_avg_pool1d(x, 4), (2, 3, 9)),
    ("adaptive_max_pool1d", lambda lib, x: lib.adaptive_max_pool1d(x, 3)[0], (2, 3, 9)),
    ("batch_norm", lambda lib, x, w, b: lib.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False), (4, 3, 2), (3,), (3,)),
    ("instance_norm", lambda lib, x, w, b: lib.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False), (2, 3, 5), (3,), (3,)),
    ("layer_norm", lambda lib, x, w, b: lib.layer_norm(x, [4], w, b), (2, 3, 4), (4,), (4,)),
    ("group_norm", lambda lib, x, w, b: lib.group_norm(x, 2, w, b), (2, 4, 3), (4,), (4,)),
    ("rms_norm", lambda lib, x, w: lib.rms_norm(x, [4], w), (2, 3, 4), (4,)),
    ("dropout eval", lambda lib, x: lib.dropout(x, 0.5, False), (2, 3)),
    ("alpha_dropout eval", lambda lib, x: lib.alpha_dropout(x, 0.5, False), (2, 3)),
    ("feature_dropout eval", lambda lib, x: lib.feature_dropout(x, 0.5, False), (2, 3, 4)),
    ("feature_alpha_dropout eval", lambda lib, x: lib.feature_alpha_dropout(x, 0.5, False), (2, 3, 4)),
    ("embedding", lambda lib, w: lib.embedding(w, lib.tensor(IDX)), (5, 3)),
    ("embedding padding", lambda lib, w: lib.embedding(w, lib.tensor(IDX), 2), (5, 3)),
    ("embedding_bag", lambda lib, w: lib.embedding_bag(w, lib.tensor(IDX.reshape(-1)), lib.tensor([0, 2]), False, 1)[0], (5, 3)),
    ("bilinear", lambda lib, a, b, w: lib.bilinear(a, b, w), (4, 3), (4, 2), (5, 3, 2)),
    ("norm_except_dim", lambda lib, x: lib.norm_except_dim(x), (3, 4, 5)),
    ("norm_except_dim 3 2", lambda lib, x: lib.norm_except_dim(x, 3, 2), (3, 4, 5)),
    ("norm_except_dim all", lambda lib, x: lib.norm_except_dim(x, 2, -1), (3, 4)),
    ("pixel_shuffle", lambda lib, x: lib.pixel_shuffle(x, 2), (1, 8, 3, 3)),
    ("pixel_unshuffle", lambda lib, x: lib.pixel_unshuffle(x, 2), (1, 2, 4, 4)),
    ("channel_shuffle", lambda lib, x: lib.channel_shuffle(x, 2), (1, 4, 3, 3)),
    ("selu", lambda lib, x: lib.selu(x), (2, 3)),
    ("celu", lambda lib, x: lib.celu(x, 0.7), (2, 3)),
    ("rrelu eval", lambda lib, x: lib.rrelu(x), (2, 3)),
    ("prelu", lambda lib, x, w: lib.prelu(x, w), (2, 3, 4), (3,)),
    ("Tensor.prelu", lambda lib, x, w: x.prelu(w), (2, 3, 4), (3,)),
    ("binary_cross_entropy_with_logits", lambda lib, x: lib.binary_cross_entropy_with_logits(x, lib.tensor(TARGET01).to(x.dtype)), (2, 3)),
    ("bce logits sum", lambda lib, x: lib.binary_cross_entropy_with_logits(x, lib.tensor(TARGET01).to(x.dtype), lib.tensor([0.5, 1.0, 2.0]).to(x.dtype), lib.tensor([1.0, 2.0, 0.5]).to(x.dtype), 2), (2, 3)),
    ("bce logits mean", lambda lib, x: lib.binary_cross_entropy_with_logits(x, lib.tensor(TARGET01).to(x.dtype), None, None, 1), (2, 3)),
    ("kl_div mean", lambda lib, x, y: lib.kl_div(x, y, 1), (2, 3), (2, 3)),
    ("ctc_loss", lambda lib, x: lib.ctc_loss(x.log_softmax(2), lib.tensor([[1, 2], [1, 1]]), [5, 5], [2, 2]), (5, 2, 4)),
    ("kl_div", lambda lib, x, y: lib.kl_div(x.log_softmax(1), y.softmax(1), 0), (2, 3), (2, 3)),
    ("kl_div log_target", lambda lib, x, y: lib.kl_div(x, y, 2, log_target=True), (2, 3), (2, 3)),
    ("cosine_embedding_loss", lambda lib, a, b: lib.cosine_embedding_loss(a, b, lib.tensor([1.0, -1.0]), 0.1), (2, 3), (2, 3)),
    ("hinge_embedding_loss", lambda lib, x: lib.hinge_embedding_loss(x, lib.tensor(np.sign(TARGET01 - 0.5))), (2, 3)),
    ("margin_ranking_loss", lambda lib, a, b: lib.margin_ranking_loss(a, b, lib.tensor(SIGNS), 0.2), (3,), (3,)),
    ("triplet_margin_loss", lambda lib, a, p, n: lib.triplet_margin_loss(a, p, n, swap=True), (2, 3), (2, 3), (2, 3)),
    ("poisson_nll_loss", lambda lib, x, y: lib.poisson_nll_loss(x, y.abs(), True, False, 1e-8, 1), (2, 3), (2, 3)),
    ("lstm_cell", lambda lib, x, h, c, wi, wh: lib.lstm_cell(x, (h, c), wi, wh)[0], (2, 3), (2, 4), (2, 4), (16, 3), (16, 4)),
    ("gru_cell", lambda lib, x, h, wi, wh, bi, bh: lib.gru_cell(x, h, wi, wh, bi, bh), (2, 3), (2, 4), (12, 3), (12, 4), (12,), (12,)),
    ("rnn_tanh_cell", lambda lib, x, h, wi, wh: lib.rnn_tanh_cell(x, h, wi, wh), (2, 3), (2, 4), (4, 3), (4, 4)),
    ("rnn_relu_cell", lambda lib, x, h, wi, wh: lib.rnn_relu_cell(x, h, wi, wh), (2, 3), (2, 4), (4, 3), (4, 4)),
    ("lstm", lambda lib, x, h, c, wi, wh, bi, bh: lib.lstm(x, (h, c), (wi, wh, bi, bh), True, 1, 0.0, False, False, False)[0], (5, 2, 3), (1, 2, 4), (1, 2, 4), (16, 3), (16, 4), (16,), (16,)),
    ("gru", lambda lib, x, h, wi, wh: lib.gru(x, h, (wi, wh), False, 1, 0.0, False, False, True)[1], (2, 5, 3), (1, 2, 4), (12, 3), (12, 4)),
    ("rnn_tanh", lambda lib, x, h, wi, wh: lib.rnn_tanh(x, h, (wi, wh), False, 1, 0.0, False, False, False)[0], (5, 2, 3), (1, 2, 4), (4, 3), (4, 4)),
    ("rnn_relu", lambda lib, x, h, wi, wh: lib.rnn_relu(x, h, (wi, wh), False, 1, 0.0, False, False, False)[0], (5, 2, 3), (1, 2, 4), (4, 3), (4, 4)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "fn", "specs"), [(c[0], c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_form_matches_torch(name, fn, specs) -> None:
    check_op(fn, *specs, rtol=1e-4, atol=1e-5)
    tol = 1e-7 if name == "celu" else 1e-10  # PyTorch rounds celu's 1/alpha to float32
    check_op(fn, *specs, dtype=np.float64, rtol=tol, atol=tol)


def test_native_channel_shuffle_matches_torch_without_a_gradient() -> None:
    check_op(lambda lib, x: lib.native_channel_shuffle(x, 2), (1, 4, 3, 3), grad=False)


@pytest.mark.parametrize("name", ["layer_norm", "conv2d", "lstm_cell", "kl_div", "embedding"])
def test_form_gradcheck(name: str) -> None:
    _, fn, *specs = next(c for c in CASES if c[0] == name)
    check_gradcheck(fn, *specs)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.dropout(x, 0.5, True),
        lambda lib, x: lib.feature_dropout(x, 0.5, True),
        lambda lib, x: lib.alpha_dropout(x, 0.5, True),
        lambda lib, x: lib.rrelu(x, 0.1, 0.3, True),
    ],
)
def test_random_forms_in_training_draw_like_torch(call) -> None:
    """Zeroed fraction (dropouts) or the negative slope's range (rrelu) as PyTorch's."""
    x = -np.abs(np.random.default_rng(0).standard_normal((64, 32, 8))).astype(np.float32) - 0.1
    t, n = call(torch, torch.tensor(x)).numpy(), call(numtorch, numtorch.tensor(x)).numpy()
    assert abs((t == 0).mean() - (n == 0).mean()) < 0.05
    assert abs((t / x).mean() - (n / x).mean()) < 0.1


def test_inplace_forms_write_into_their_input() -> None:
    for lib in (torch, numtorch):
        x = lib.tensor([-1.0, 2.0])
        assert lib.selu_(x) is x and lib.celu_(x, 1.0) is x and lib.dropout_(x, 0.5, False) is x
        assert lib.rrelu_(x) is x
    a, b = torch.tensor([-1.0, 2.0]), numtorch.tensor([-1.0, 2.0])
    torch.selu_(a), numtorch.selu_(b)
    assert_close(b, a, 1e-6, 1e-6, "selu_")


def test_embedding_renorm_matches_torch() -> None:
    table = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32) * 3
    out = []
    for lib in (torch, numtorch):
        w = lib.tensor(table.copy())
        lib.embedding_renorm_(w, lib.tensor([0, 2, 2]), 1.0, 2.0)
        out.append(w)
    assert_close(out[1], out[0], 1e-6, 1e-6, "renormalised table")


@pytest.mark.parametrize("cell", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
@pytest.mark.parametrize("given", ["b_ih", "b_hh"])
def test_a_cell_with_one_bias_adds_that_one(cell, given) -> None:
    """``torch.rnn_tanh_cell(x, h, w_ih, w_hh, None, b_hh)``: PyTorch adds the bias given."""
    gates = {"gru_cell": 3, "lstm_cell": 4}.get(cell, 1)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (2, 4), (2, 4)]]
    weights = [rng.standard_normal(s).astype(np.float32) for s in [(4 * gates, 3), (4 * gates, 4)]]
    bias = rng.standard_normal(4 * gates).astype(np.float32)
    results = []
    for lib in (torch, numtorch):
        x, h, c = (lib.tensor(a) for a in arrays)
        hx = (h, c) if cell == "lstm_cell" else h
        biases = (lib.tensor(bias), None) if given == "b_ih" else (None, lib.tensor(bias))
        out = getattr(lib, cell)(x, hx, *(lib.tensor(w) for w in weights), *biases)
        results.append(out[0] if isinstance(out, tuple) else out)
    assert_close(results[1], results[0], 1e-5, 1e-6, cell)
