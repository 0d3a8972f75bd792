"""The ``torch.*`` forms of the neural-network functions (``torch.conv2d``,
``torch.layer_norm``, ``torch.dropout``, ``torch.embedding``, ``torch.lstm``, ...).

PyTorch exposes its native kernels at the top level with their native signatures, which
differ from ``torch.nn.functional``'s in places: ``torch.dropout(input, p, train)`` has no
defaults, ``torch.batch_norm`` puts the weight before the running statistics,
``torch.embedding(weight, indices, ...)`` takes the table first, losses take ``reduction`` as
an int (0 none, 1 mean, 2 sum) -- and, through a quirk of PyTorch's argument parser, a
loss called without ``reduction`` is not reduced (the schema's ``reduction=Mean`` default
reads as 0), which numtorch reproduces. Each function here adapts those signatures to the
``numtorch.nn.functional`` implementation, so there is one implementation of each maths.

This module sits above ``numtorch.nn`` (the namespace layer below cannot import it), and
``numtorch/__init__.py`` exports its ``__all__``.
"""

from __future__ import annotations

from typing import Any

from numtorch import _namespace as _ops
from numtorch.nn import functional as F
from numtorch.nn.modules.rnn import _run_layers
from numtorch.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "convolution",
    "avg_pool1d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "rms_norm",
    "dropout",
    "dropout_",
    "alpha_dropout",
    "alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "embedding",
    "embedding_bag",
    "embedding_renorm_",
    "bilinear",
    "norm_except_dim",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "rrelu",
    "rrelu_",
    "prelu",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "ctc_loss",
    "lstm",
    "gru",
    "rnn_tanh",
    "rnn_relu",
    "lstm_cell",
    "gru_cell",
    "rnn_tanh_cell",
    "rnn_relu_cell",
]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction: int | str) -> str:
    """The native int (0 none, 1 mean, 2 sum) as ``nn.functional``'s string."""
    return reduction if isinstance(reduction, str) else _REDUCTIONS[int(reduction)]


# ------------------------------------------------------------------ convolution and pooling
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution (``torch.nn.functional.conv1d``)."""
    return F.conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (``torch.nn.functional.conv2d``)."""
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution (``torch.nn.functional.conv3d``)."""
    return F.conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """1-D transposed convolution (``torch.nn.functional.conv_transpose1d``)."""
    return F.conv_transpose1d(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """2-D transposed convolution (``torch.nn.functional.conv_transpose2d``)."""
    return F.conv_transpose2d(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """3-D transposed convolution (``torch.nn.functional.conv_transpose3d``)."""
    return F.conv_transpose3d(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def convolution(
    input, weight, bias, stride, padding, dilation, transposed, output_padding, groups
) -> Tensor:
    """The convolution every ``conv*`` lowers to, chosen by the weight's rank."""
    n = weight.ndim - 2
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


def avg_pool1d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
) -> Tensor:
    """1-D average pooling (``torch.nn.functional.avg_pool1d``)."""
    return F.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def _stride(stride: Any) -> Any:
    """The native default ``stride=[]`` means "the kernel size", as ``None`` does in F."""
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """1-D max pooling (``torch.nn.functional.max_pool1d``)."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(
    input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False
) -> tuple[Tensor, Tensor]:
    """1-D max pooling: ``(output, indices)``."""
    return F.max_pool1d_with_indices(
        input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True
    )


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """2-D max pooling (``torch.nn.functional.max_pool2d``)."""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """3-D max pooling (``torch.nn.functional.max_pool3d``)."""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """1-D adaptive average pooling (``torch.nn.functional.adaptive_avg_pool1d``)."""
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size) -> tuple[Tensor, Tensor]:
    """1-D adaptive max pooling: ``(output, indices)``."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# ------------------------------------------------------------------ normalisation
def batch_norm(
    input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled
) -> Tensor:
    """Batch normalisation (``torch.nn.functional.batch_norm``)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled
) -> Tensor:
    """Instance normalisation (``torch.nn.functional.instance_norm``)."""
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def layer_norm(
    input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True
) -> Tensor:
    """Layer normalisation (``torch.nn.functional.layer_norm``)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True) -> Tensor:
    """Group normalisation (``torch.nn.functional.group_norm``)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """Root-mean-square normalisation (``torch.nn.functional.rms_norm``)."""
    return F.rms_norm(input, normalized_shape, weight, eps)


# ------------------------------------------------------------------ dropout
def dropout(input, p, train) -> Tensor:
    """Dropout: zero each element with probability ``p`` when ``train``."""
    return F.dropout(input, p, train)


def dropout_(input, p, train) -> Tensor:
    """In-place version of :func:`dropout`."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train) -> Tensor:
    """Alpha dropout, which keeps a SELU network's mean and variance."""
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train) -> Tensor:
    """In-place version of :func:`alpha_dropout`."""
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train) -> Tensor:
    """Whole-channel dropout for any rank >= 2 (``dropout2d``'s rule on (N, C, *))."""
    return _feature(F.dropout2d, input, p, train, False)


def feature_dropout_(input, p, train) -> Tensor:
    """In-place version of :func:`feature_dropout`."""
    return _feature(F.dropout2d, input, p, train, True)


def feature_alpha_dropout(input, p, train) -> Tensor:
    """Alpha dropout of whole channels."""
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train) -> Tensor:
    """In-place version of :func:`feature_alpha_dropout`."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def _feature(fn, input: Tensor, p: float, train: bool, inplace: bool) -> Tensor:
    if input.ndim == 4:
        return fn(input, p, train, inplace)
    shape = tuple(input.shape)
    flat = input.reshape(shape[0], shape[1], -1, 1) if input.ndim >= 2 else input
    out = fn(flat, p, train, False).reshape(shape)
    if inplace:
        return _ops.inplace.inplace(input, lambda _: out)
    return out


# ------------------------------------------------------------------ sparse
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor:
    """Look up rows of ``weight`` at ``indices``."""
    padding = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, padding, None, 2.0, scale_grad_by_freq, sparse)


def embedding_bag(
    weight,
    indices,
    offsets,
    scale_grad_by_freq=False,
    mode=0,
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
) -> tuple:
    """Sums, means or maxima of bags of embeddings (PyTorch's native form).

    The bags' reductions (``mode`` 0 sum, 1 mean, 2 max). PyTorch also returns three
    internal bookkeeping tensors; numtorch returns the output and empty placeholders for
    them, so a four-way unpacking works."""
    out = F.embedding_bag(
        indices, weight, offsets, None, 2.0, scale_grad_by_freq, ("sum", "mean", "max")[mode],
        sparse, per_sample_weights, include_last_offset, padding_idx,
    )  # fmt: skip
    empty = _ops.zeros(0, dtype=indices.dtype)
    return out, empty, empty, empty


def embedding_renorm_(input, indices, max_norm, norm_type) -> Tensor:
    """Renormalise the rows of ``input`` at ``indices`` to norm ``max_norm``."""
    return F.sparse.embedding_renorm_(input, indices, max_norm, norm_type)


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """The bilinear map ``input1^T A input2 + b``."""
    return F.bilinear(input1, input2, weight, bias)


def norm_except_dim(v, pow=2, dim=0) -> Tensor:  # noqa: A002 - PyTorch's parameter name
    """The ``pow``-norm of ``v`` over every dimension but ``dim``.

    Those dimensions are kept with size 1 (what weight normalisation divides by); ``dim=-1`` is the
    norm of all of ``v``."""
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.ndim) if d != dim % max(v.ndim, 1))
    return v.norm(pow, others, keepdim=True)


# ------------------------------------------------------------------ rearranging
def pixel_shuffle(input, upscale_factor) -> Tensor:
    """Rearrange (N, C * r^2, H, W) into (N, C, H * r, W * r)."""
    return F.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor) -> Tensor:
    """Rearrange (N, C, H * r, W * r) into (N, C * r^2, H, W)."""
    return F.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups) -> Tensor:
    """Shuffle the channels of ``input`` across ``groups`` groups."""
    return F.channel_shuffle(input, groups)


def native_channel_shuffle(input, groups) -> Tensor:
    """Shuffle the channels of ``input`` across ``groups`` groups."""
    return F.channel_shuffle(input, groups)


# ------------------------------------------------------------------ activations
def selu(input) -> Tensor:
    """Element-wise SELU, ``scale * elu(x, alpha)``."""
    return F.selu(input)


def selu_(input) -> Tensor:
    """In-place version of :func:`selu`."""
    return F.selu(input, inplace=True)


def celu(input, alpha=1.0) -> Tensor:
    """Element-wise CELU, ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return F.celu(input, alpha)


def celu_(input, alpha=1.0) -> Tensor:
    """In-place version of :func:`celu`."""
    return F.celu(input, alpha, inplace=True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    """Randomised leaky ReLU (``torch.nn.functional.rrelu``)."""
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    """In-place version of :func:`rrelu`."""
    return F.rrelu(input, lower, upper, training, inplace=True)


def prelu(input, weight) -> Tensor:
    """Element-wise PReLU, ``max(0, x) + weight * min(0, x)``."""
    return F.prelu(input, weight)


Tensor.prelu = prelu  # PyTorch's Tensor.prelu(weight): the same function as a method


# ------------------------------------------------------------------ losses
def binary_cross_entropy_with_logits(
    input, target, weight=None, pos_weight=None, reduction=0
) -> Tensor:
    """Binary cross-entropy of logits (a sigmoid and BCE in one step)."""
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight
    )


def kl_div(input, target, reduction=0, *, log_target=False) -> Tensor:
    """The Kullback-Leibler divergence loss (PyTorch's native form).

    The native ``kl_div``: ``reduction=1`` is the element mean, without ``F.kl_div``'s
    warning about 'mean' (PyTorch's native function does not warn)."""
    loss = F.kl_div(input, target, reduction="none", log_target=log_target)
    how = _reduction(reduction)
    return loss if how == "none" else loss.mean() if how == "mean" else loss.sum()


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    """The cosine embedding loss, with the reduction given as an enum number."""
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0) -> Tensor:
    """The hinge embedding loss, with the reduction given as an enum number."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    """The margin ranking loss, with the reduction given as an enum number."""
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0
) -> Tensor:
    """The triplet margin loss, with the reduction given as an enum number."""
    return F.triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction)
    )


def poisson_nll_loss(input, target, log_input, full, eps, reduction) -> Tensor:
    """The Poisson negative log-likelihood loss."""
    return F.poisson_nll_loss(
        input, target, log_input, full, eps=eps, reduction=_reduction(reduction)
    )


def ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False
) -> Tensor:
    """The Connectionist Temporal Classification loss."""
    return F.ctc_loss(
        log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
        zero_infinity,
    )  # fmt: skip


# ------------------------------------------------------------------ recurrent
def _sequence(mode: str, input, hx, params, has_biases, num_layers, dropout, train,
              bidirectional, batch_first) -> tuple:  # fmt: skip
    """``torch.lstm``/``gru``/``rnn_*``: the layers over a padded input with a flat list of
    weights in PyTorch's order (``w_ih, w_hh[, b_ih, b_hh]`` per layer and direction)."""
    steps_first = input.transpose(0, 1) if batch_first else input
    steps, batch = steps_first.shape[0], steps_first.shape[1]
    data = steps_first.reshape(steps * batch, steps_first.shape[2])
    states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
    out, h_n, c_n = _run_layers(
        mode, data, (batch,) * steps, states[0], states[1] if mode == "LSTM" else None,
        list(params), has_biases, num_layers, bidirectional, dropout, train,
    )  # fmt: skip
    out = out.reshape(steps, batch, out.shape[-1])
    if batch_first:
        out = out.transpose(0, 1)
    return (out, h_n, c_n) if mode == "LSTM" else (out, h_n)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Run a multi-layer LSTM over a sequence (PyTorch's native form)."""
    return _sequence(
        "LSTM", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first,
    )  # fmt: skip


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Run a multi-layer GRU over a sequence (PyTorch's native form)."""
    return _sequence(
        "GRU", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first,
    )  # fmt: skip


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Run a multi-layer tanh RNN over a sequence (PyTorch's native form)."""
    return _sequence(
        "RNN_TANH", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first,
    )  # fmt: skip


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Run a multi-layer ReLU RNN over a sequence (PyTorch's native form)."""
    return _sequence(
        "RNN_RELU", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first,
    )  # fmt: skip


def _cell(mode: str, input, hx, w_ih, w_hh, b_ih, b_hh):
    states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
    biased = b_ih is not None or b_hh is not None  # PyTorch adds the one given, the other is 0
    if biased:
        b_ih = w_ih.new_zeros(w_ih.shape[0]) if b_ih is None else b_ih
        b_hh = w_hh.new_zeros(w_hh.shape[0]) if b_hh is None else b_hh
    params = [w_ih, w_hh] + ([b_ih, b_hh] if biased else [])
    _, h_n, c_n = _run_layers(
        mode, input, (input.shape[0],), states[0].unsqueeze(0),
        states[1].unsqueeze(0) if mode == "LSTM" else None, params, biased, 1, False, 0.0, False,
    )  # fmt: skip
    return (h_n[0], c_n[0]) if mode == "LSTM" else h_n[0]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple[Tensor, Tensor]:
    """One step of an LSTM cell: ``(h, c)``."""
    return _cell("LSTM", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """One step of a GRU cell."""
    return _cell("GRU", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """One step of a tanh RNN cell."""
    return _cell("RNN_TANH", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """One step of a ReLU RNN cell."""
    return _cell("RNN_RELU", input, hx, w_ih, w_hh, b_ih, b_hh)
