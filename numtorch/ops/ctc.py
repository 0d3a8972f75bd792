"""The connectionist temporal classification loss (Graves et al. 2006) as one primitive,
PyTorch's ``_ctc_loss`` (node ``CtcLossBackward0``): the forward (alpha) recursion in log
space gives each sample's negative log-likelihood; backward runs the beta recursion and
returns PyTorch's gradient.

The recursions run over time only, vectorised over the batch and the extended label
sequence (blanks between and around the targets), in the input's dtype with PyTorch's
log-sum-exp, so values round as PyTorch's do. PyTorch's gradient with respect to
``log_probs[t, n, c]`` is ``exp(log_probs) - occupancy / likelihood``: the gradient for
log-softmax outputs taken with respect to the logits (the two agree once chained through
``log_softmax``, whose backward cancels the ``exp`` term). It is 0 at and beyond each input
length, and 0 for a sample with infinite loss when ``zero_infinity`` is set.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive


def _extended_labels(targets: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, blank: int):
    """(N, 2 S + 1) labels (blank, t1, blank, t2, ..., blank), the mask of the positions
    inside each sample's sequence, and the mask of positions that may skip from ``s - 2``."""
    n, s_max = len(lengths), int(lengths.max(initial=0))
    width = 2 * s_max + 1
    labels = np.full((n, width), blank, dtype=np.int64)
    for b in range(n):
        row = targets[offsets[b] : offsets[b] + lengths[b]] if targets.ndim == 1 else targets[b]
        labels[b, 1 : 2 * lengths[b] : 2] = row[: lengths[b]]
    valid = np.arange(width)[None, :] < (2 * lengths[:, None] + 1)
    skip = np.zeros((n, width), dtype=bool)
    skip[:, 2:] = labels[:, 2:] != labels[:, :-2]
    return labels, valid, skip


def _logaddexp3(a1: np.ndarray, a2: np.ndarray, a3: np.ndarray) -> np.ndarray:
    """PyTorch's three-term log-sum-exp: the max taken out, 0 when all are -inf."""
    m = np.maximum(np.maximum(a1, a2), a3)
    m = np.where(m == -np.inf, 0, m)
    return np.log(np.exp(a1 - m) + np.exp(a2 - m) + np.exp(a3 - m)) + m


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` moved ``k`` places along the last axis (right for k > 0), -inf filled."""
    out = np.full_like(a, -np.inf)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


def _alpha(lp_ext: np.ndarray, valid, skip) -> np.ndarray:
    """Log-alpha (T, N, S'), computed for every step (each sample reads its own last one)."""
    t_max = lp_ext.shape[0]
    neg_inf = lp_ext.dtype.type(-np.inf)
    alpha = np.full(lp_ext.shape, neg_inf, dtype=lp_ext.dtype)
    if t_max:
        alpha[0, :, :2] = lp_ext[0, :, :2]
        alpha[0] = np.where(valid, alpha[0], neg_inf)
    for t in range(1, t_max):
        prev = alpha[t - 1]
        a3 = np.where(skip, _shift(prev, 2), neg_inf)
        alpha[t] = np.where(valid, _logaddexp3(prev, _shift(prev, 1), a3) + lp_ext[t], neg_inf)
    return alpha


def _nll(alpha: np.ndarray, in_len, tg_len) -> np.ndarray:
    """Each sample's ``-log(alpha[T-1, 2S] + alpha[T-1, 2S-1])`` (0 or inf for no input)."""
    n = alpha.shape[1]
    nll = np.empty(n, dtype=alpha.dtype)
    for b in range(n):
        if in_len[b] == 0:
            nll[b] = 0 if tg_len[b] == 0 else np.inf
            continue
        row = alpha[in_len[b] - 1, b]
        l1 = row[2 * tg_len[b]]
        l2 = row[2 * tg_len[b] - 1] if tg_len[b] > 0 else -np.inf
        m = max(l1, l2)
        m = 0 if m == -np.inf else m
        nll[b] = -(np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m)
    return nll


def _beta(lp_ext: np.ndarray, valid, skip, in_len, tg_len) -> np.ndarray:
    """Log-beta (T, N, S'), started at each sample's last input step."""
    t_max, n, width = lp_ext.shape
    neg_inf = lp_ext.dtype.type(-np.inf)
    beta = np.full(lp_ext.shape, neg_inf, dtype=lp_ext.dtype)
    ends = np.stack([2 * tg_len, 2 * tg_len - 1], axis=1)  # the two final positions
    start = np.full((n, width), neg_inf, dtype=lp_ext.dtype)
    rows = np.arange(n)
    start[rows, ends[:, 0]] = 0
    has_target = tg_len > 0
    start[rows[has_target], ends[has_target, 1]] = 0
    skip_next = np.zeros_like(skip)
    skip_next[:, :-2] = skip[:, 2:]  # s may reach s + 2
    for t in range(t_max - 1, -1, -1):
        if t + 1 < t_max:
            nxt = beta[t + 1]
            b3 = np.where(skip_next, _shift(nxt, -2), neg_inf)
            rec = _logaddexp3(nxt, _shift(nxt, -1), b3) + lp_ext[t]
        else:
            rec = np.full((n, width), neg_inf, dtype=lp_ext.dtype)
        first = (start + lp_ext[t]).astype(lp_ext.dtype)
        last = (t == in_len - 1)[:, None]
        inside = (t < in_len - 1)[:, None]
        beta[t] = np.where(valid & last, first, np.where(valid & inside, rec, neg_inf))
    return beta


def _occupancy(alpha, beta, labels, n_classes) -> np.ndarray:
    """log sum over the positions s labelled c of alpha + beta, per (t, n, c)."""
    lab = alpha + beta
    m = np.max(lab, axis=2, keepdims=True)
    m = np.where(m == -np.inf, 0, m)
    onehot = (labels[:, :, None] == np.arange(n_classes)).astype(lab.dtype)  # (N, S', C)
    summed = np.einsum("tns,nsc->tnc", np.exp(lab - m), onehot)
    with np.errstate(divide="ignore"):
        return np.log(summed) + m


class CtcLoss(Primitive):
    """Per-sample CTC negative log-likelihoods of (T, N, C) ``log_probs``.

    ``targets`` are int64, padded (N, S) or concatenated 1-D; ``in_len``/``tg_len`` are int64
    arrays of N lengths (checked by the caller). Saves ``log_probs`` and ``targets`` (as
    PyTorch does) plus the alphas and the extended labels.
    """

    @staticmethod
    def forward(
        ctx: Primitive, log_probs, targets, in_len, tg_len, blank: int, zero_infinity: bool
    ) -> np.ndarray:
        offsets = np.concatenate([[0], np.cumsum(tg_len)[:-1]]).astype(np.int64)
        labels, valid, skip = _extended_labels(targets, offsets, tg_len, blank)
        index = np.broadcast_to(labels, (log_probs.shape[0], *labels.shape))
        lp_ext = np.take_along_axis(log_probs, index, 2)  # (T, N, S'): log p of each label
        alpha = _alpha(lp_ext, valid, skip)
        nll = _nll(alpha, in_len, tg_len)
        ctx.zero_infinity = zero_infinity
        saved = (alpha, nll, labels, valid, skip, lp_ext, in_len, tg_len)
        ctx.save_for_backward(log_probs, targets, *saved)
        return nll

    @staticmethod
    def backward(ctx: Primitive, g: np.ndarray) -> tuple:
        log_probs, _, alpha, nll, labels, valid, skip, lp_ext, in_len, tg_len = ctx.saved_tensors
        beta = _beta(lp_ext, valid, skip, in_len, tg_len)
        occ = _occupancy(alpha, beta, labels, log_probs.shape[2])
        with np.errstate(invalid="ignore", over="ignore"):
            grad = np.exp(log_probs) - np.exp(occ + nll[None, :, None] - log_probs)
            grad = grad * g[None, :, None]
        inside = np.arange(log_probs.shape[0])[:, None] < in_len[None, :]  # (T, N)
        keep = inside if not ctx.zero_infinity else inside & (nll != np.inf)[None, :]
        grad = np.where(keep[:, :, None], grad, 0).astype(log_probs.dtype, copy=False)
        return grad, None, None, None, None, None
