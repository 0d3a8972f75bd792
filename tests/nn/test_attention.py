"""scaled_dot_product_attention, MultiheadAttention and the Transformer layers against
PyTorch with PyTorch's weights copied in: outputs, attention weights, input and parameter
gradients (masks of every kind, padded batches, batch_first, kdim/vdim, bias_kv, zero_attn,
unbatched), float64 gradcheck, state_dict keys, repr and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_gradcheck, check_op

import numtorch

RNG = np.random.default_rng(0)
BOOL_MASK = RNG.uniform(size=(3, 5)) > 0.3
BOOL_MASK[:, 0] = True  # every query sees one key at least
FLOAT_MASK = RNG.standard_normal((3, 5)).astype(np.float32)


SDPA = [
    ("plain", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v)),
    ("causal", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)),
    ("bool mask", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, lib.tensor(BOOL_MASK))),
    ("float mask", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, lib.tensor(FLOAT_MASK).to(q.dtype))),
    ("mask and causal", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, lib.tensor(BOOL_MASK), is_causal=True)),
    ("scale", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3)),
    ("3-D", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q[0], k[0], v[0])),
    ("gqa", lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k[:, :1], v[:, :1], enable_gqa=True)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fn"), SDPA, ids=[n for n, _ in SDPA])
def test_sdpa_matches_torch_and_gradchecks(name, fn) -> None:
    specs = ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4))
    check_op(fn, *specs)
    check_op(fn, *specs, dtype=np.float64, rtol=1e-10, atol=1e-10)
    check_gradcheck(fn, *specs)


def test_sdpa_fully_masked_row_gives_zeros_like_torch() -> None:
    mask = np.ones((3, 5), bool)
    mask[1] = False
    check_op(
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, lib.tensor(mask)),
        (1, 3, 4), (1, 5, 4), (1, 5, 4),
    )  # fmt: skip


def test_sdpa_dropout_uses_numtorchs_generator() -> None:
    q = numtorch.randn(1, 4, 6, 8)
    numtorch.manual_seed(3)
    a = numtorch.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    numtorch.manual_seed(3)
    b = numtorch.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    c = numtorch.nn.functional.scaled_dot_product_attention(q, q, q)
    assert numtorch.equal(a, b) and not numtorch.equal(a, c)


def _copy(tm, nm) -> None:
    nm.load_state_dict({k: numtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def _parity(make, call, inputs: list, dtype=np.float32, train: bool = True) -> None:
    """The module from ``make(lib)`` (torch's weights copied into numtorch's), called as
    ``call(module, lib, *tensors)``: equal outputs, input gradients and parameter gradients."""
    tm, nm = make(torch), make(numtorch)
    tdt, ndt = (
        (torch.float64, numtorch.float64)
        if dtype == np.float64
        else (torch.float32, numtorch.float32)
    )
    tm, nm = tm.to(tdt), nm.to(ndt)
    _copy(tm, nm)
    tm.train(train), nm.train(train)
    results = []
    for lib, m in ((torch, tm), (numtorch, nm)):
        xs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
        out = call(m, lib, *xs)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
        total = sum(
            (
                o * lib.tensor(np.cos(np.arange(o.numel())).reshape(tuple(o.shape)).astype(dtype))
            ).sum()
            for o in outs
        )
        total.backward()
        results.append((outs, [x.grad for x in xs], [p.grad for p in m.parameters()]))
    tol = 2e-5 if dtype == np.float32 else 1e-10
    (touts, tgx, tgp), (nouts, ngx, ngp) = results
    assert len(touts) == len(nouts)
    for t, n in zip(touts, nouts):
        assert_close(n.detach(), t.detach(), tol, tol, "output")
    for t, n in zip(tgx, ngx):
        if t is None:  # an input the call does not use
            assert n is None
            continue
        assert_close(n, t, tol * 10, tol * 10, "input gradient")
    for (name, _), t, n in zip(tm.named_parameters(), tgp, ngp):
        if t is None:
            assert n is None or not n.numpy().any(), name
        else:
            assert_close(n, t, tol * 10, tol * 10, f"{name} gradient")


X = RNG.standard_normal((5, 2, 8))  # (L, N, E)
MEM = RNG.standard_normal((6, 2, 8))
PAD = np.array([[False, False, False, True, True, True], [False] * 6])
PAD5 = PAD[:, 1:]
MASK3 = RNG.uniform(size=(4, 5, 6)) > 0.8


MHA = [
    ("self", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, x, x), [X, MEM]),
    ("cross", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, k, k), [X, MEM]),
    ("no weights", lambda lib: lib.nn.MultiheadAttention(8, 4), lambda m, lib, x, k: m(x, k, k, need_weights=False), [X, MEM]),
    ("per-head weights", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, k, k, average_attn_weights=False), [X, MEM]),
    ("batch_first", lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=True), lambda m, lib, x, k: m(x, k, k), [X.transpose(1, 0, 2), MEM.transpose(1, 0, 2)]),
    ("kdim vdim", lambda lib: lib.nn.MultiheadAttention(8, 2, kdim=3, vdim=5), lambda m, lib, x, k: m(x, k[..., :3], k[..., 3:]), [X, MEM]),
    ("no bias", lambda lib: lib.nn.MultiheadAttention(8, 2, bias=False), lambda m, lib, x, k: m(x, k, k), [X, MEM]),
    ("bias kv zero attn", lambda lib: lib.nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True), lambda m, lib, x, k: m(x, k, k, key_padding_mask=lib.tensor(PAD)), [X, MEM]),
    ("padding mask", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, k, k, key_padding_mask=lib.tensor(PAD)), [X, MEM]),
    ("padding no weights", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, k, k, key_padding_mask=lib.tensor(PAD), need_weights=False), [X, MEM]),
    ("float attn mask", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, x, x, attn_mask=lib.tensor(np.triu(np.full((5, 5), -1e9), 1)).to(x.dtype)), [X, MEM]),
    ("bool attn mask causal", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, x, x, attn_mask=lib.tensor(np.triu(np.ones((5, 5), bool), 1)), is_causal=True, need_weights=False), [X, MEM]),
    ("3-D attn mask", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x, k, k, attn_mask=lib.tensor(MASK3)), [X, MEM]),
    ("unbatched", lambda lib: lib.nn.MultiheadAttention(8, 2), lambda m, lib, x, k: m(x[:, 0], k[:, 0], k[:, 0], key_padding_mask=lib.tensor(PAD[0])), [X, MEM]),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "make", "call", "inputs"), MHA, ids=[m[0] for m in MHA])
def test_multihead_attention_matches_torch(name, make, call, inputs, dtype) -> None:
    _parity(make, call, inputs, dtype)


LAYERS = [
    ("encoder layer", lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), lambda m, lib, x, k: m(x), [X, MEM]),
    ("encoder layer norm_first gelu", lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", norm_first=True), lambda m, lib, x, k: m(x, src_key_padding_mask=lib.tensor(PAD5)), [X, MEM]),
    ("encoder layer batch_first causal", lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True, bias=False), lambda m, lib, x, k: m(x, src_mask=lib.nn.Transformer.generate_square_subsequent_mask(5), is_causal=True), [X.transpose(1, 0, 2), MEM]),
    ("decoder layer", lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), lambda m, lib, x, k: m(x, k, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(5), memory_key_padding_mask=lib.tensor(PAD)), [X, MEM]),
    ("decoder layer norm_first", lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0, lib.nn.functional.gelu, norm_first=True), lambda m, lib, x, k: m(x, k), [X, MEM]),
    ("transformer", lambda lib: lib.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0), lambda m, lib, x, k: m(k, x, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(5), src_key_padding_mask=lib.tensor(PAD)), [X, MEM]),
    ("encoder stack", lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2, lib.nn.LayerNorm(8)), lambda m, lib, x, k: m(x, src_key_padding_mask=lib.tensor(PAD5)), [X.transpose(1, 0, 2), MEM]),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "make", "call", "inputs"), LAYERS, ids=[m[0] for m in LAYERS])
def test_transformer_layers_match_torch(name, make, call, inputs, dtype) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the nested-tensor note, checked below
        _parity(make, call, inputs, dtype)


def test_encoder_eval_without_grad_zeroes_padded_positions_like_torch() -> None:
    """PyTorch's nested-tensor inference path returns zeros at padded positions."""
    outs = []
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        outs.append(lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(8)).eval())
    _copy(*outs)
    x = X.transpose(1, 0, 2).astype(np.float32)
    mask = np.array([[False] * 3 + [True] * 2, [False] * 5])
    with torch.no_grad(), numtorch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's "nested tensors are a prototype" note
        t = outs[0](torch.tensor(x), src_key_padding_mask=torch.tensor(mask))
        n = outs[1](numtorch.tensor(x), src_key_padding_mask=numtorch.tensor(mask))
    assert_close(n, t, 2e-5, 2e-5, "eval output")


def test_nested_tensor_warning_matches_torch() -> None:
    for batch_first in (False, True):
        messages = []
        for lib in (torch, numtorch):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                layer = lib.nn.TransformerEncoderLayer(8, 2, batch_first=batch_first)
                lib.nn.TransformerEncoder(layer, 1)
            messages.append([str(w.message) for w in caught])
        assert messages[0] == messages[1]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.MultiheadAttention(8, 2),
        lambda lib: lib.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False),
        lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16),
        lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, norm_first=True),
        lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16),
    ],
)
def test_state_dict_keys_shapes_and_repr_match_torch(make) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, nm = make(torch), make(numtorch)
    assert repr(nm) == repr(tm)
    ts, ns = tm.state_dict(), nm.state_dict()
    assert list(ns) == list(ts)
    assert all(tuple(ns[k].shape) == tuple(ts[k].shape) for k in ts)


def test_multihead_attention_initialisation_matches_torch_statistics() -> None:
    numtorch.manual_seed(0)
    m = numtorch.nn.MultiheadAttention(64, 4)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (64 + 192))  # xavier_uniform_ on the (192, 64) packed weight
    assert w.max() <= bound and w.min() >= -bound and abs(w.std() - bound / np.sqrt(3)) < 0.005
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()


def test_generate_square_subsequent_mask_matches_torch() -> None:
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    n = numtorch.nn.Transformer.generate_square_subsequent_mask(4)
    assert_close(n, t, 0, 0, "mask")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.nn.MultiheadAttention(8, 3), "embed_dim must be divisible by num_heads"),
        (lambda lib: lib.nn.MultiheadAttention(0, 3), "embed_dim and num_heads must be greater than 0"),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 8), lib.ones(6, 8), lib.ones(6, 8)),
         "For batched \\(3-D\\) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D"),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 6), lib.ones(6, 2, 6), lib.ones(6, 2, 6)),
         "was expecting embedding dimension of 8, but got 6"),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 8), lib.ones(6, 2, 8), lib.ones(6, 2, 8), attn_mask=lib.ones(5, 5, dtype=lib.bool)),
         "The shape of the 2D attn_mask is torch.Size\\(\\[5, 5\\]\\), but should be \\(5, 6\\)."),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 8), lib.ones(6, 2, 8), lib.ones(6, 2, 8), attn_mask=lib.ones(5, 6, dtype=lib.int64)),
         "only bool and floating types of attn_mask are supported"),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 8), lib.ones(6, 2, 8), lib.ones(6, 2, 8), key_padding_mask=lib.zeros(2, 5, dtype=lib.bool)),
         "Expected key_padded_mask.shape\\[1\\] to be 6, but got 5"),
        (lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.ones(5, 2, 8), lib.ones(6, 2, 8), lib.ones(6, 2, 8), is_causal=True),
         "Need attn_mask if specifying the is_causal hint"),
        (lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.ones(3), lib.ones(2, 3), lib.ones(2, 3)),
         "Expected query, key, and value to all be  at least 2 dimensional"),
        (lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="tanh"), "activation should be relu/gelu, not tanh"),
        (lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(4, 2, 8), lib.ones(3, 3, 8)), "the batch number of src and tgt must be equal"),
        (lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(4, 2, 8), lib.ones(3, 2, 6)), "the feature number of src and tgt must be equal to d_model"),
    ],
)  # fmt: skip
def test_errors_match_torch(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(call, match)
