"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (what
``nn.MultiheadAttention`` and the Transformer layers run), composed of differentiable ops as
PyTorch's reference implementation is, with its masks, shapes, checks and messages.

Masks follow PyTorch: a boolean ``attn_mask`` marks the positions that *take part* in
attention (``True``), a float mask is added to the scores; ``key_padding_mask`` marks the
keys to *ignore* (``True``). A query row whose keys are all masked attends to nothing and
gives zeros (PyTorch's CPU kernels do the same rather than NaN).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from numtorch import _dtype
from numtorch import _namespace as _ops
from numtorch._checks import check_tensor
from numtorch.nn.functional.dropout import dropout
from numtorch.nn.functional.linear import linear
from numtorch.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _attention_bias(
    attn_mask: Tensor | None, is_causal: bool, length: int, source: int, dtype: _dtype.dtype
) -> Tensor | None:
    """The additive bias of the scores: 0 where attention is allowed, -inf where not."""
    allowed = None
    if is_causal:
        allowed = np.tril(np.ones((length, source), bool))
    if attn_mask is not None and attn_mask.dtype is _dtype.bool:
        mask = attn_mask._data
        allowed = mask if allowed is None else mask & allowed
    bias = None
    if allowed is not None:
        bias = Tensor._make(np.where(allowed, 0.0, -np.inf).astype(dtype.numpy))
    if attn_mask is not None and attn_mask.dtype is not _dtype.bool:
        bias = attn_mask if bias is None else attn_mask + bias
    return bias


def _softmax_or_zero(scores: Tensor) -> Tensor:
    """Softmax over the last dimension; a row of only -inf gives zeros instead of NaN."""
    empty = np.isneginf(scores._data).all(axis=-1, keepdims=True)
    if not empty.any():
        return scores.softmax(-1)
    safe = scores.masked_fill(Tensor._make(empty), 0.0)
    return safe.softmax(-1).masked_fill(Tensor._make(empty), 0.0)


def _check_sdpa(query: Tensor, key: Tensor, value: Tensor) -> None:
    for name, t, position in (("query", query, 1), ("key", key, 2), ("value", value, 3)):
        check_tensor(t, "scaled_dot_product_attention", name, position)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """Each head of ``t`` (..., H, S, E) repeated ``groups`` times in place (grouped-query
    attention: ``repeat_interleave`` on dimension -3)."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + bias) @ value`` over the last two dimensions
    (queries L, keys S), with dropout ``dropout_p`` on the attention weights.

    ``scale`` defaults to ``1 / sqrt(E)``; ``is_causal`` lets query ``i`` see keys ``<= i``
    (combined with ``attn_mask`` when both are given, as PyTorch's CPU kernel does);
    ``enable_gqa`` repeats the key/value heads to the query's head count.

    Example:
        >>> import numtorch as torch
        >>> q = k = v = torch.ones(1, 2, 3, 4)
        >>> torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        torch.Size([1, 2, 3, 4])
    """
    _check_sdpa(query, key, value)
    if enable_gqa and key.ndim > 2 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = _ops.matmul(query * factor, key.transpose(-2, -1))
    bias = _attention_bias(attn_mask, is_causal, query.shape[-2], key.shape[-2], query.dtype)
    if bias is not None:
        scores = scores + bias
    weights = _softmax_or_zero(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return _ops.matmul(weights, value)


def _canonical_mask(
    mask: Tensor | None,
    mask_name: str,
    other_type: _dtype.dtype | None,
    other_name: str,
    target_type: _dtype.dtype,
    check_other: bool = True,
) -> Tensor | None:
    """A boolean mask as a float one (``True`` -> -inf), with PyTorch's checks."""
    if mask is None:
        return None
    if mask.dtype is not _dtype.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type "
            "for both instead.",
            stacklevel=3,
        )
    if mask.dtype is _dtype.bool:
        return Tensor._make(np.where(mask._data, -np.inf, 0.0).astype(target_type.numpy))
    return mask


def _mha_shape_check(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    key_padding_mask: Tensor | None,
    attn_mask: Tensor | None,
    num_heads: int,
) -> bool:
    """Whether the input is batched, after PyTorch's checks of the ranks."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.ndim}-D query tensor"
        )
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
            f"{key.ndim}-D and {value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
            f"{query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None) -> tuple:
    """Project query, key and value with the packed (3E, E) weight, as PyTorch does (one
    matmul when they are the same tensor)."""
    e = q.shape[-1]
    if k is v and q is k:
        proj = linear(q, w, b).unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2)
        proj = proj.squeeze(-2).contiguous()
        return proj[0], proj[1], proj[2]
    if k is v:
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2)
        kv = kv.squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q: Tensor, k: Tensor, v: Tensor, weights: tuple, biases: tuple) -> tuple:
    """Project with separate weights (``kdim``/``vdim`` differ from ``embed_dim``)."""
    eq = q.shape[-1]
    names = ("query", "key", "value")
    for name, t, w, b in zip(names, (q, k, v), weights, biases):
        if tuple(w.shape) != (eq, t.shape[-1]):
            raise AssertionError(
                f"expecting {name} weights shape of {(eq, t.shape[-1])}, but got {w.shape}"
            )
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {name} bias shape of {(eq,)}, but got {b.shape}")
    return tuple(linear(t, w, b) for t, w, b in zip((q, k, v), weights, biases))


def _pad_last(t: Tensor | None) -> Tensor | None:
    """``F.pad(t, (0, 1))``: one zero column appended to the last dimension."""
    if t is None:
        return None
    zeros = _ops.zeros((*t.shape[:-1], 1), dtype=t.dtype)
    return _ops.cat([t, zeros], -1)


def _check_attn_mask(attn_mask: Tensor, tgt_len: int, src_len: int, heads: int) -> Tensor:
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                f"{(tgt_len, src_len)}."
            )
        return attn_mask.unsqueeze(0)
    if attn_mask.ndim == 3:
        if tuple(attn_mask.shape) != (heads, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                f"{(heads, tgt_len, src_len)}."
            )
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")


def _heads(t: Tensor, bsz: int, num_heads: int, head_dim: int, static: Tensor | None, name: str):
    """(S, N, E) -> (N * heads, S, head_dim), or the given static key/value after checks."""
    if static is None:
        return t.view(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz * num_heads:
        raise AssertionError(
            f"expecting {name}.size(0) of {bsz * num_heads}, but got {static.shape[0]}"
        )
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on (L, N, E) query and (S, N, E) key/value (or unbatched (L, E)
    and (S, E)): PyTorch's ``F.multi_head_attention_forward``, step for step. Returns the
    output and, with ``need_weights``, the attention weights (averaged over heads when
    ``average_attn_weights``)."""
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(
        key_padding_mask,
        "key_padding_mask",
        None if attn_mask is None else attn_mask.dtype,
        "attn_mask",
        query.dtype,
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the scaled-dot-product call applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(
                    f"use_separate_proj_weight is True but {name}_proj_weight is None"
                )
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
        q, k, v = _in_projection(query, key, value, weights, biases)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, key.shape[0], bsz * num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = _ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _ops.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, bsz, num_heads, head_dim, static_k, "static_k")
    v = _heads(v, bsz, num_heads, head_dim, static_v, "static_v")
    if add_zero_attn:
        zeros = _ops.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)
        k, v = _ops.cat([k, zeros], 1), _ops.cat([v, zeros], 1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(
                f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}"
            )
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(
                f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                f"{key_padding_mask.shape[1]}"
            )
        key_padding_mask = (
            key_padding_mask.view(bsz, 1, 1, src_len)
            .expand(-1, num_heads, -1, -1)
            .reshape(bsz * num_heads, 1, src_len)
        )
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = _ops.bmm(q * math.sqrt(1.0 / float(head_dim)), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = _ops.bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    return (out if batched else out.squeeze(1)), None
