"""PyTorch's version checks, op by op: what each backward reads is checked, and nothing else.

Every differentiable op of the namespace and of ``Tensor`` runs through ``check_saved_versions``:
each floating input and each output is changed in place after the forward, then backward runs
on both libraries. Where PyTorch refuses ("modified by an inplace operation") numtorch must
refuse; where PyTorch computes a gradient numtorch must compute the same one (never a gradient
at the changed value). Tensors that are not floating (a ``where`` condition, ``max``'s indices,
an index) are changed by the tests below the table. ``CASES`` is also the table of
``test_op_node_names.py``; ``nn.functional`` has its own (``tests/nn/test_saved_versions.py``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import check_error, check_saved_versions

import numtorch

# Inputs an op needs positive (log, sqrt, real powers, a divisor) or with ties.
POS = np.array([[0.7, 1.3, 2.1], [0.9, 1.6, 0.6]])
POS_ROW = np.array([1.1, 0.8, 1.9])
TIES = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])
UNIT = np.array([[-0.9, -0.3, 0.1], [0.2, 0.55, 0.95]])  # asin, acos, atanh, erfinv
ABOVE_ONE = np.array([[1.1, 1.5, 3.0], [2.2, 1.05, 7.0]])  # acosh
INDEX = np.array([[0, 2], [1, 1]], dtype=np.int64)
WITH_ZERO = np.array([[0.7, 0.0, 2.1], [0.9, 1.6, 0.6]])
MASK = np.array([[True, False, True], [False, False, True]])

# (id, fn(lib, *inputs), *input specs): one row per op and calling form
CASES = [
    # arithmetic and the Python operators
    ("add", lambda lib, x, y: x + y, (2, 3), (2, 3)),
    ("add broadcast", lambda lib, x, y: lib.add(x, y), (2, 3), (3,)),
    ("add scalar", lambda lib, x: x + 2, (2, 3)),
    ("radd scalar", lambda lib, x: 2.5 + x, (2, 3)),
    ("add alpha", lambda lib, x, y: x.add(y, alpha=2.5), (2, 3), (3,)),
    ("sub", lambda lib, x, y: x - y, (2, 3), (2, 3)),
    ("sub scalar", lambda lib, x: x - 1.5, (2, 3)),
    ("rsub scalar", lambda lib, x: 1 - x, (2, 3)),
    ("sub number first", lambda lib, x: lib.sub(1.0, x), (2, 3)),
    ("rsub", lambda lib, x: lib.rsub(x, 1.5), (2, 3)),
    ("rsub tensor alpha", lambda lib, x, y: lib.rsub(x, y, alpha=2), (2, 3), (2, 3)),
    ("sub alpha", lambda lib, x, y: lib.sub(x, y, alpha=0.5), (2, 3), (2, 3)),
    ("subtract", lambda lib, x, y: lib.subtract(x, y), (2, 3), (3,)),
    ("mul", lambda lib, x, y: x * y, (2, 3), (2, 3)),
    ("mul broadcast", lambda lib, x, y: lib.mul(x, y), (2, 3), (3,)),
    ("mul scalar", lambda lib, x: x * 3, (2, 3)),
    ("rmul scalar", lambda lib, x: 3.0 * x, (2, 3)),
    ("mul self", lambda lib, x: x * x, (2, 3)),
    ("multiply", lambda lib, x, y: lib.multiply(x, y), (2, 3), (2, 3)),
    ("div", lambda lib, x, y: x / y, (2, 3), POS),
    ("div broadcast", lambda lib, x, y: lib.div(x, y), (2, 3), POS_ROW),
    ("div scalar", lambda lib, x: x / 4, (2, 3)),
    ("rdiv scalar", lambda lib, y: 2 / y, POS),
    ("rdiv one", lambda lib, y: 1.0 / y, POS),
    ("div number first", lambda lib, y: lib.div(2.0, y), POS),
    ("reciprocal", lambda lib, y: y.reciprocal(), POS),
    ("torch.reciprocal", lambda lib, y: lib.reciprocal(y), POS),
    ("divide", lambda lib, x, y: lib.divide(x, y), (2, 3), POS),
    ("true_divide", lambda lib, x, y: x.true_divide(y), (2, 3), POS),
    ("div floor", lambda lib, x, y: x.div(y, rounding_mode="floor"), (2, 3), POS),
    ("div trunc scalar", lambda lib, x: lib.div(x, 0.3, rounding_mode="trunc"), (2, 3)),
    ("remainder", lambda lib, x, y: x % y, (2, 3), POS),
    ("remainder scalar", lambda lib, x: lib.remainder(x, 0.7), (2, 3)),
    ("remainder method", lambda lib, x, y: x.remainder(y), (2, 3), POS_ROW),
    ("neg", lambda lib, x: -x, (2, 3)),
    ("negative", lambda lib, x: lib.negative(x), (2, 3)),
    ("pow 2", lambda lib, x: x**2, (2, 3)),
    ("pow 3", lambda lib, x: lib.pow(x, 3), (2, 3)),
    ("pow 0", lambda lib, x: x**0, (2, 3)),
    ("pow negative real", lambda lib, y: y**-1.5, POS),
    ("pow tensor", lambda lib, y, x: y**x, POS, (2, 3)),
    ("pow tensor broadcast", lambda lib, y, x: y.pow(x), POS, (3,)),
    ("rpow scalar", lambda lib, x: 2**x, (2, 3)),
    ("pow 0-d tensor base", lambda lib, x: lib.pow(lib.tensor(2.0, dtype=x.dtype), x), (2, 3)),
    ("square", lambda lib, x: x.square(), (2, 3)),
    # unary maps
    ("exp", lambda lib, x: x.exp(), (2, 3)),
    ("erf", lambda lib, x: lib.erf(x), (2, 3)),
    ("log", lambda lib, y: y.log(), POS),
    ("sqrt", lambda lib, y: lib.sqrt(y), POS),
    ("rsqrt", lambda lib, y: y.rsqrt(), POS),
    ("abs", lambda lib, x: x.abs(), (2, 3)),
    ("abs builtin", lambda lib, x: abs(x), (2, 3)),
    ("absolute", lambda lib, x: lib.absolute(x), (2, 3)),
    ("sigmoid", lambda lib, x: x.sigmoid(), (2, 3)),
    ("tanh", lambda lib, x: lib.tanh(x), (2, 3)),
    ("relu", lambda lib, x: lib.relu(x), (2, 3)),
    ("relu method", lambda lib, x: x.relu(), (2, 3)),
    ("sign", lambda lib, x: x.sign(), (2, 3)),
    ("floor", lambda lib, x: lib.floor(x), (2, 3)),
    ("ceil", lambda lib, x: x.ceil(), (2, 3)),
    ("trunc", lambda lib, x: x.trunc(), (2, 3)),
    ("fix", lambda lib, x: lib.fix(x), (2, 3)),
    ("round", lambda lib, x: x.round(), (2, 3)),
    ("round decimals", lambda lib, x: lib.round(x, decimals=1), (2, 3)),
    ("frac", lambda lib, x: x.frac(), (2, 3)),
    ("sin", lambda lib, x: lib.sin(x), (2, 3)),
    ("cos", lambda lib, x: x.cos(), (2, 3)),
    ("tan", lambda lib, x: x.tan(), (2, 3)),
    ("asin", lambda lib, x: x.asin(), UNIT),
    ("arcsin", lambda lib, x: lib.arcsin(x), UNIT),
    ("acos", lambda lib, x: lib.acos(x), UNIT),
    ("atan", lambda lib, x: x.atan(), (2, 3)),
    ("arctan", lambda lib, x: lib.arctan(x), (2, 3)),
    ("sinh", lambda lib, x: x.sinh(), (2, 3)),
    ("cosh", lambda lib, x: lib.cosh(x), (2, 3)),
    ("asinh", lambda lib, x: lib.asinh(x), (2, 3)),
    ("acosh", lambda lib, x: x.acosh(), ABOVE_ONE),
    ("atanh", lambda lib, x: x.atanh(), UNIT),
    ("arctanh", lambda lib, x: lib.arctanh(x), UNIT),
    ("expm1", lambda lib, x: x.expm1(), (2, 3)),
    ("log1p", lambda lib, y: lib.log1p(y), POS),
    ("log2", lambda lib, y: y.log2(), POS),
    ("log10", lambda lib, y: lib.log10(y), POS),
    ("exp2", lambda lib, x: lib.exp2(x), (2, 3)),
    ("erfc", lambda lib, x: x.erfc(), (2, 3)),
    ("erfinv", lambda lib, x: lib.erfinv(x), UNIT),
    ("sgn", lambda lib, x: lib.sgn(x) + x, (2, 3)),
    ("nan_to_num", lambda lib, x: x.nan_to_num(), (2, 3)),
    ("nan_to_num values", lambda lib, x: lib.nan_to_num(x, 1.0, 2.0, -2.0), (2, 3)),
    ("clamp_min", lambda lib, x: x.clamp_min(-0.2), (2, 3)),
    ("clamp_min tensor", lambda lib, x, lo: lib.clamp_min(x, lo), (2, 3), (2, 3)),
    ("clamp_max", lambda lib, x: lib.clamp_max(x, 0.3), (2, 3)),
    ("clamp_max tensor", lambda lib, x, hi: x.clamp_max(hi), (2, 3), (2, 3)),
    ("atan2", lambda lib, x, y: lib.atan2(x, y), (2, 3), (2, 3)),
    ("arctan2 method", lambda lib, x, y: x.arctan2(y), (2, 3), (2, 3)),
    ("hypot", lambda lib, x, y: lib.hypot(x, y), (2, 3), (2, 3)),
    ("logaddexp", lambda lib, x, y: x.logaddexp(y), (2, 3), (2, 3)),
    ("xlogy", lambda lib, x, y: lib.xlogy(x, y), (2, 3), POS),
    ("xlogy scalar other", lambda lib, x: x.xlogy(2.5), (2, 3)),
    ("xlogy scalar self", lambda lib, y: lib.xlogy(1.5, y), POS),
    ("lerp", lambda lib, x, y: lib.lerp(x, y, 0.3), (2, 3), (2, 3)),
    ("lerp tensor weight", lambda lib, x, y, w: x.lerp(y, w), (2, 3), (2, 3), (2, 3)),
    ("fmod", lambda lib, x, y: lib.fmod(x, y), (2, 3), POS),
    ("fmod scalar", lambda lib, x: x.fmod(0.7), (2, 3)),
    # clamping and selection
    ("clamp min", lambda lib, x: x.clamp(min=-0.2), (2, 3)),
    ("clamp max", lambda lib, x: x.clamp(max=0.3), (2, 3)),
    ("clamp both", lambda lib, x: lib.clamp(x, -0.5, 0.5), (2, 3)),
    ("clamp tensor min", lambda lib, x, lo: x.clamp(min=lo), (2, 3), (2, 3)),
    ("clamp tensor both", lambda lib, x, lo, hi: x.clamp(lo, hi + 1), (2, 3), (2, 3), (2, 3)),
    ("clamp tensor max broadcast", lambda lib, x, hi: lib.clamp(x, max=hi), (2, 3), (3,)),
    ("clamp tensor bounds crossed", lambda lib, x, lo, hi: x.clamp(lo, hi), (2, 3), (3,), (3,)),
    ("clip", lambda lib, x: x.clip(-0.1, 0.1), (2, 3)),
    ("clip tensor", lambda lib, x, lo: x.clip(min=lo), (2, 3), (2, 3)),
    ("maximum", lambda lib, x, y: lib.maximum(x, y), (2, 3), (2, 3)),
    ("maximum broadcast", lambda lib, x, y: x.maximum(y), (2, 3), (3,)),
    ("minimum", lambda lib, x, y: lib.minimum(x, y), (2, 3), (2, 3)),
    ("max of two", lambda lib, x, y: lib.max(x, y), (2, 3), (2, 3)),
    ("min of two", lambda lib, x, y: x.min(y), (2, 3), (2, 3)),
    ("where", lambda lib, x, y: lib.where(x > 0, x, y), (2, 3), (2, 3)),
    ("where broadcast", lambda lib, x, y: lib.where(y > 0, x, y), (2, 3), (3,)),
    ("where scalar", lambda lib, x: lib.where(x > 0, x, 0.0), (2, 3)),
    ("where scalar first", lambda lib, x: lib.where(x > 0, 1.0, x), (2, 3)),
    ("tensor.where", lambda lib, x, y: x.where(x < 0, y), (2, 3), (2, 3)),
    ("masked_fill", lambda lib, x: x.masked_fill(lib.tensor(MASK), -1.0), (2, 3)),
    ("masked_fill tensor", lambda lib, x: x.masked_fill(lib.tensor(MASK), lib.tensor(2.0)), (2, 3)),
    # 0-d operands: NumPy gives scalars there, the saved result must still be the output
    ("exp 0-d", lambda lib, x: x.exp(), ()),
    ("sqrt 0-d", lambda lib, y: y.sqrt(), np.array(1.7)),
    ("rsqrt 0-d", lambda lib, y: y.rsqrt(), np.array(1.7)),
    ("reciprocal 0-d", lambda lib, y: y.reciprocal(), np.array(1.7)),
    ("sigmoid 0-d", lambda lib, x: x.sigmoid(), ()),
    ("tanh 0-d", lambda lib, x: x.tanh(), ()),
    ("relu 0-d", lambda lib, x: x.relu(), np.array(0.4)),
    ("pow tensor 0-d", lambda lib, y, x: y**x, np.array(1.3), ()),
    ("rpow 0-d", lambda lib, x: 3.0**x, ()),
    ("maximum 0-d", lambda lib, x, y: lib.maximum(x, y), (), ()),
    ("clamp 0-d", lambda lib, x: x.clamp(-0.1, 0.1), ()),
    ("tan 0-d", lambda lib, x: x.tan(), ()),
    ("expm1 0-d", lambda lib, x: x.expm1(), ()),
    ("exp2 0-d", lambda lib, x: x.exp2(), ()),
    ("hypot 0-d", lambda lib, x, y: lib.hypot(x, y), (), ()),
    ("erfinv 0-d", lambda lib, x: x.erfinv(), np.array(0.3)),
    ("erfc 0-d", lambda lib, x: x.erfc(), ()),
    ("sgn 0-d", lambda lib, x: lib.sgn(x) + x, ()),
    ("nan_to_num 0-d", lambda lib, x: x.nan_to_num(), ()),
    ("atan2 0-d", lambda lib, x, y: lib.atan2(x, y), (), ()),
    ("xlogy 0-d", lambda lib, x, y: lib.xlogy(x, y), (), np.array(1.7)),
    ("lerp 0-d", lambda lib, x, y: lib.lerp(x, y, 0.6), (), ()),
    ("fmod 0-d", lambda lib, x, y: lib.fmod(x, y), (), np.array(0.7)),
    ("matmul dot 0-d result", lambda lib, a, b: lib.matmul(a, b), (4,), (4,)),
    # reductions
    ("sum", lambda lib, x: x.sum(), (2, 3)),
    ("sum dim", lambda lib, x: lib.sum(x, 1), (2, 3)),
    ("sum keepdim", lambda lib, x: x.sum((0, 1), keepdim=True), (2, 3)),
    ("sum dtype", lambda lib, x: x.sum(dtype=lib.float32), (2, 3)),
    ("mean", lambda lib, x: x.mean(), (2, 3)),
    ("mean dim", lambda lib, x: lib.mean(x, 0), (2, 3)),
    ("var", lambda lib, x: x.var(), (2, 3)),
    ("var dim", lambda lib, x: lib.var(x, 1), (2, 3)),
    ("var correction 0 keepdim", lambda lib, x: x.var(0, keepdim=True, correction=0), (2, 3)),
    ("std", lambda lib, x: x.std(), (2, 3)),
    ("std dim", lambda lib, x: lib.std(x, 1, keepdim=True), (2, 3)),
    ("max", lambda lib, x: x.max(), (2, 3)),
    ("max ties", lambda lib, x: x.max(), TIES),
    ("max dim", lambda lib, x: x.max(1), (2, 3)),
    ("max dim keepdim", lambda lib, x: lib.max(x, 0, keepdim=True), (2, 3)),
    ("min", lambda lib, x: lib.min(x), (2, 3)),
    ("min dim", lambda lib, x: x.min(dim=1), (2, 3)),
    ("amax", lambda lib, x: x.amax(), (2, 3)),
    ("amax dim", lambda lib, x: lib.amax(x, 1), (2, 3)),
    ("amax ties keepdim", lambda lib, x: x.amax(1, keepdim=True), TIES),
    ("amin dim", lambda lib, x: x.amin(0), (2, 3)),
    ("softmax", lambda lib, x: x.softmax(1), (2, 3)),
    ("softmax dim 0", lambda lib, x: lib.softmax(x, 0), (2, 3)),
    ("log_softmax", lambda lib, x: x.log_softmax(-1), (2, 3)),
    ("log_softmax torch", lambda lib, x: lib.log_softmax(x, dim=0), (2, 3)),
    ("logsumexp", lambda lib, x: lib.logsumexp(x, 1), (2, 3)),
    ("logsumexp keepdim", lambda lib, x: x.logsumexp((0, 1), keepdim=True), (2, 3)),
    ("logsumexp all", lambda lib, x: lib.logsumexp(x, (0, 1)), (2, 3)),
    ("sum 0-d", lambda lib, x: x.sum(0), ()),
    ("max 0-d", lambda lib, x: x.max(), ()),
    ("max dim 0-d", lambda lib, x: x.max(0), ()),
    ("amax 0-d", lambda lib, x: x.amax(), ()),
    ("std 0-d result", lambda lib, x: x.std((0, 1)), (2, 3)),
    ("softmax 0-d", lambda lib, x: x.softmax(0), ()),
    ("log_softmax 0-d", lambda lib, x: x.log_softmax(-1), ()),
    ("logsumexp 0-d", lambda lib, x: x.logsumexp(0), ()),
    ("sum axis", lambda lib, x: x.sum(axis=1, keepdims=True), (2, 3)),
    ("mean axis", lambda lib, x: lib.mean(x, axis=0), (2, 3)),
    ("prod", lambda lib, x: x.prod(), (2, 3)),
    ("prod dim", lambda lib, x: lib.prod(x, 1), (2, 3)),
    ("prod dim zero", lambda lib, x: x.prod(1, keepdim=True), WITH_ZERO),
    ("prod 0-d", lambda lib, x: x.prod(0), ()),
    ("cumsum", lambda lib, x: x.cumsum(1), (2, 3)),
    ("cumsum torch", lambda lib, x: lib.cumsum(x, dim=0), (2, 3)),
    ("cumprod", lambda lib, x: x.cumprod(1), (2, 3)),
    ("cumprod zero", lambda lib, x: lib.cumprod(x, 1), WITH_ZERO),
    ("logcumsumexp", lambda lib, x: x.logcumsumexp(1), (2, 3)),
    ("sort", lambda lib, x: x.sort(), (2, 3)),
    ("sort descending", lambda lib, x: lib.sort(x, 0, descending=True), (2, 3)),
    ("msort", lambda lib, x: x.msort(), (2, 3)),
    ("topk", lambda lib, x: x.topk(2), (2, 3)),
    ("topk smallest", lambda lib, x: lib.topk(x, 1, dim=0, largest=False), (2, 3)),
    ("kthvalue", lambda lib, x: x.kthvalue(2), (2, 3)),
    ("kthvalue keepdim", lambda lib, x: lib.kthvalue(x, 1, 0, keepdim=True), (2, 3)),
    ("median", lambda lib, x: x.median(), (2, 3)),
    ("median ties", lambda lib, x: lib.median(x), TIES),
    ("median dim", lambda lib, x: x.median(1), (2, 3)),
    ("cummax", lambda lib, x: x.cummax(1), (2, 3)),
    ("cummin", lambda lib, x: lib.cummin(x, 0), (2, 3)),
    ("aminmax", lambda lib, x: x.aminmax(), (2, 3)),
    ("aminmax dim", lambda lib, x: lib.aminmax(x, dim=1, keepdim=True), (2, 3)),
    ("nansum", lambda lib, x: x.nansum(), (2, 3)),
    ("nansum dim", lambda lib, x: lib.nansum(x, 1), (2, 3)),
    ("nanmean", lambda lib, x: x.nanmean(), (2, 3)),
    ("nanmean dim", lambda lib, x: lib.nanmean(x, 0, keepdim=True), (2, 3)),
    ("var_mean", lambda lib, x: lib.var_mean(x), (2, 3)),
    ("var_mean dim", lambda lib, x: lib.var_mean(x, 1, correction=0), (2, 3)),
    ("std_mean", lambda lib, x: lib.std_mean(x, 0, keepdim=True), (2, 3)),
    ("norm", lambda lib, x: x.norm(), (2, 3)),
    ("norm 2 dim", lambda lib, x: lib.norm(x, 2, 1), (2, 3)),
    ("norm 1", lambda lib, x: x.norm(p=1, dim=0), (2, 3)),
    ("norm inf", lambda lib, x: x.norm(float("inf")), (2, 3)),
    # matrix products
    ("matmul", lambda lib, a, b: a @ b, (2, 3), (3, 4)),
    ("matmul vector matrix", lambda lib, a, b: lib.matmul(a, b), (3,), (3, 4)),
    ("matmul matrix vector", lambda lib, a, b: a.matmul(b), (2, 3), (3,)),
    ("matmul dot", lambda lib, a, b: a @ b, (3,), (3,)),
    ("matmul batched", lambda lib, a, b: a @ b, (2, 2, 3), (2, 3, 4)),
    ("matmul batched matrix", lambda lib, a, b: a @ b, (2, 2, 3), (3, 4)),
    ("matmul matrix batched", lambda lib, a, b: a @ b, (2, 3), (2, 3, 4)),
    ("matmul broadcast batch", lambda lib, a, b: a @ b, (2, 1, 2, 3), (3, 3, 4)),
    ("mm", lambda lib, a, b: lib.mm(a, b), (2, 3), (3, 4)),
    ("mm method", lambda lib, a, b: a.mm(b), (2, 3), (3, 4)),
    ("bmm", lambda lib, a, b: lib.bmm(a, b), (2, 2, 3), (2, 3, 4)),
    ("matmul batched vector", lambda lib, a, b: a @ b, (2, 2, 3), (3,)),
    ("matmul vector batched", lambda lib, a, b: a @ b, (3,), (2, 3, 4)),
    ("matmul batch of one", lambda lib, a, b: a @ b, (1, 2, 3), (2, 3, 4)),
    ("matmul 4-d", lambda lib, a, b: a @ b, (2, 2, 2, 3), (2, 2, 3, 4)),
    ("matmul transposed batch", lambda lib, a, b: a.transpose(0, 1) @ b, (2, 2, 3), (2, 3, 4)),
    ("matmul permuted 4-d", lambda lib, a, b: a.permute(1, 0, 2, 3) @ b, (2, 2, 2, 3), (2, 3, 4)),
    ("matmul one input", lambda lib, a: a @ lib.ones(3, 4, dtype=a.dtype), (2, 2, 3)),
    ("matmul other input", lambda lib, b: lib.ones(2, 3, dtype=b.dtype) @ b, (2, 3, 4)),
    # shape and movement
    ("reshape", lambda lib, x: x.reshape(3, 2), (2, 3)),
    ("reshape copy", lambda lib, x: lib.reshape(x.t(), (-1,)), (2, 3)),
    ("view", lambda lib, x: x.view(6), (2, 3)),
    ("view_as", lambda lib, x, y: x.view_as(y), (2, 3), (3, 2)),
    ("reshape_as", lambda lib, x, y: x.reshape_as(y), (2, 3), (6,)),
    ("flatten", lambda lib, x: x.flatten(), (2, 3, 2)),
    ("flatten dims", lambda lib, x: lib.flatten(x, 1), (2, 3, 2)),
    ("unflatten", lambda lib, x: x.unflatten(1, (3, 1)), (2, 3)),
    ("permute", lambda lib, x: x.permute(2, 0, 1), (2, 3, 2)),
    ("transpose", lambda lib, x: lib.transpose(x, 0, 2), (2, 3, 2)),
    ("swapaxes", lambda lib, x: x.swapaxes(0, 1), (2, 3)),
    ("t", lambda lib, x: x.t(), (2, 3)),
    ("T", lambda lib, x: x.T, (2, 3)),
    ("mT", lambda lib, x: x.mT, (2, 2, 3)),
    ("squeeze", lambda lib, x: x.squeeze(), (2, 1, 3)),
    ("squeeze dim", lambda lib, x: lib.squeeze(x, 1), (2, 1, 3)),
    ("squeeze dims", lambda lib, x: x.squeeze((0, 1)), (1, 1, 3)),
    ("squeeze 0-d", lambda lib, x: x.squeeze(), ()),
    ("transpose 0-d", lambda lib, x: x.transpose(0, -1), ()),
    ("t 1-d", lambda lib, x: x.t(), (3,)),
    ("t 0-d", lambda lib, x: lib.t(x), ()),
    ("flatten 0-d", lambda lib, x: x.flatten(), ()),
    ("flatten 1-d", lambda lib, x: x.flatten(), (3,)),
    ("flatten one dim", lambda lib, x: x.flatten(1, 1), (2, 3)),
    ("reshape 0-d", lambda lib, x: x.reshape(1), ()),
    ("unsqueeze", lambda lib, x: x.unsqueeze(1), (2, 3)),
    ("expand", lambda lib, x: x.expand(2, 3), (1, 3)),
    ("expand_as", lambda lib, x, y: x.expand_as(y), (3,), (2, 3)),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2, 2, 3)), (2, 3)),
    ("contiguous", lambda lib, x: x.t().contiguous(), (2, 3)),
    ("contiguous already", lambda lib, x: x.contiguous(), (2, 3)),
    ("flip", lambda lib, x: x.flip(0), (2, 3)),
    ("flip dims", lambda lib, x: lib.flip(x, [0, 1]), (2, 3)),
    ("cat", lambda lib, x, y: lib.cat([x, y]), (2, 3), (1, 3)),
    ("cat dim 1", lambda lib, x, y: lib.cat((x, y), dim=1), (2, 3), (2, 1)),
    ("concat", lambda lib, x, y: lib.concat([x, y], -1), (2, 3), (2, 2)),
    ("stack", lambda lib, x, y: lib.stack([x, y]), (2, 3), (2, 3)),
    ("stack dim 1", lambda lib, x, y: lib.stack((x, y), 1), (2, 3), (2, 3)),
    ("split", lambda lib, x: x.split(2, dim=1), (2, 3)),
    ("split sizes", lambda lib, x: lib.split(x, [1, 2], 1), (2, 3)),
    ("chunk", lambda lib, x: x.chunk(2), (4, 3)),
    ("chunk uneven", lambda lib, x: lib.chunk(x, 2, 1), (2, 3)),
    ("narrow", lambda lib, x: x.narrow(1, 1, 2), (2, 3)),
    ("unbind", lambda lib, x: x.unbind(1), (2, 3)),
    ("gather", lambda lib, x: x.gather(1, lib.tensor(INDEX)), (2, 3)),
    ("index int", lambda lib, x: x[1], (2, 3)),
    ("index slice", lambda lib, x: x[:, 1:], (2, 3)),
    ("index array", lambda lib, x: x[lib.tensor([1, 0, 1])], (2, 3)),
    ("index mask", lambda lib, x: x[lib.tensor(MASK)], (2, 3)),
    # conversions
    ("clone", lambda lib, x: x.clone(), (2, 3)),
    ("to dtype", lambda lib, x: x.to(lib.float32), (2, 3)),
    ("to copy", lambda lib, x: x.to(lib.float64, copy=True), (2, 3)),
    ("float", lambda lib, x: x.float(), (2, 3)),
    ("double already", lambda lib, x: x.double(), (2, 3)),
    ("type", lambda lib, x: x.type(lib.float32), (2, 3)),
    ("type_as", lambda lib, x, y: x.type_as(y.float()), (2, 3), (2,)),
    # random fills of a tensor in the graph: a zero gradient, nothing saved
    ("uniform_", lambda lib, x: (x * 1).uniform_(), (2, 3)),
    ("normal_", lambda lib, x: (x * 1).normal_(0.5, 2.0), (2, 3)),
    ("bernoulli_", lambda lib, x: (x * 1).bernoulli_(0.3), (2, 3)),
]


# In-place forms (numtorch/_namespace/inplace.py) on a tensor in the graph: ``x * 1`` saves
# nothing, so what is refused is what the in-place op's own node saved.
INPLACE_CASES = [
    ("exp_", lambda lib, x: (x * 1).exp_(), (2, 3)),
    ("sigmoid_", lambda lib, x: (x * 1).sigmoid_(), (2, 3)),
    ("tanh_", lambda lib, x: (x * 1).tanh_(), (2, 3)),
    ("relu_", lambda lib, x: (x * 1).relu_(), (2, 3)),
    ("sqrt_", lambda lib, y: (y * 1).sqrt_(), POS),
    ("abs_", lambda lib, x: (x * 1).abs_(), (2, 3)),
    ("clamp_", lambda lib, x: (x * 1).clamp_(-0.5, 0.5), (2, 3)),
    ("pow_", lambda lib, x: (x * 1).pow_(2), (2, 3)),
    ("mul_ tensor", lambda lib, x, y: (x * 1).mul_(y), (2, 3), (2, 3)),
    ("div_ tensor", lambda lib, x, y: (x * 1).div_(y), (2, 3), POS),
    ("add_ tensor", lambda lib, x, y: (x * 1).add_(y), (2, 3), (2, 3)),
    ("sub_ scalar", lambda lib, x: (x * 1).sub_(2.0), (2, 3)),
    ("masked_fill_", lambda lib, x: (x * 1).masked_fill_(lib.tensor(MASK), 0.5), (2, 3)),
    ("sin_", lambda lib, x: (x * 1).sin_(), (2, 3)),
    ("tan_", lambda lib, x: (x * 1).tan_(), (2, 3)),
    ("expm1_", lambda lib, x: (x * 1).expm1_(), (2, 3)),
    ("log1p_", lambda lib, y: (y * 1).log1p_(), POS),
    ("clamp_min_", lambda lib, x: (x * 1).clamp_min_(0.1), (2, 3)),
    ("atan2_", lambda lib, x, y: (x * 1).atan2_(y), (2, 3), (2, 3)),
    ("hypot_", lambda lib, x, y: (x * 1).hypot_(y), (2, 3), (2, 3)),
    ("lerp_ tensor weight", lambda lib, x, y, w: (x * 1).lerp_(y, w), (2, 3), (2, 3), (2, 3)),
    ("fmod_ tensor", lambda lib, x, y: (x * 1).fmod_(y), (2, 3), POS),
    ("setitem", lambda lib, x, y: _setitem(x * 1, y), (2, 3), (3,)),
    ("zero_", lambda lib, x: (x * 1).zero_(), (2, 3)),
    ("fill_", lambda lib, x: (x * 1).fill_(2.0), (2, 3)),
    ("copy_", lambda lib, x, y: (x * 1).copy_(y), (2, 3), (3,)),
]


def _setitem(t, value):
    t[0] = value
    return t


CASES_BY_ID = {c[0]: c for c in CASES + INPLACE_CASES}
assert len(CASES_BY_ID) == len(CASES) + len(INPLACE_CASES), "row ids must be unique"

# Rows whose output cannot be written in place in either library (an expanded view repeats
# its memory): the test changes a copy of it (``test_write_into_expanded_is_refused`` checks
# that both refuse the write itself).
EXPANDED = {"expand", "expand_as", "broadcast_to"}

# Rows whose outputs are views made by one node for several outputs: PyTorch refuses any later
# change of their base or of one of them with its own error (``test_multi_output_views``).
MULTI_OUTPUT_VIEWS = {"split", "split sizes", "chunk", "chunk uneven", "unbind"}

SAVED_XFAILS: dict[str, str] = {}


def _params(rows: list, xfails: dict) -> list:
    unknown = set(xfails) - {r[0] for r in rows}
    assert not unknown, f"xfail for rows that do not exist: {unknown}"
    return [
        pytest.param(
            r[1],
            r[2:],
            id=r[0],
            marks=pytest.mark.xfail(strict=True, reason=xfails[r[0]]) if r[0] in xfails else (),
        )
        for r in rows
        if r[0] not in MULTI_OUTPUT_VIEWS
    ]


def _copy_of_output(fn):
    return lambda lib, *xs: fn(lib, *xs).clone()


@pytest.mark.parametrize(("fn", "specs"), _params(CASES + INPLACE_CASES, SAVED_XFAILS))
def test_saved_versions(request, fn, specs) -> None:
    if request.node.callspec.id in EXPANDED:
        fn = _copy_of_output(fn)
    results = check_saved_versions(fn, *specs)
    assert results  # every row changes at least one tensor


@pytest.mark.parametrize("row", sorted(EXPANDED))
def test_write_into_expanded_is_refused(row: str) -> None:
    _, fn, *specs = CASES_BY_ID[row]

    def write(lib):
        xs = [lib.tensor(np.ones(s), requires_grad=True) for s in specs]
        out = fn(lib, *xs)
        with lib.no_grad():
            out.add_(0.5)

    check_error(write, "more than one element of the written-to tensor refers to a single")


def _expand_write_base(lib):
    x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
    out = x.expand(1, 2, 3)  # no element repeats: PyTorch writes into it
    with lib.no_grad():
        out.add_(0.5)
    (out * 2).sum().backward()
    return x.grad


def test_write_into_expand_without_repeats() -> None:
    """An expanded view in which no element repeats can be written, as in PyTorch."""
    np.testing.assert_array_equal(_expand_write_base(numtorch).numpy(), _expand_write_base(torch))


@pytest.mark.parametrize("row", sorted(MULTI_OUTPUT_VIEWS))
@pytest.mark.parametrize("target", ["input", "output 0", "output 1"])
def test_multi_output_views(row: str, target: str) -> None:
    _, fn, *specs = CASES_BY_ID[row]

    def change_then_backward(lib):
        x = lib.tensor(np.arange(float(np.prod(specs[0]))).reshape(specs[0]), requires_grad=True)
        outs = fn(lib, x)
        with lib.no_grad():
            (x if target == "input" else outs[int(target[-1])]).add_(0.5)
        lib.autograd.backward(list(outs), [lib.ones_like(o) for o in outs])

    check_error(change_then_backward, "is a view and its base or another view of its base has been")


def _refused(lib, make, change) -> bool:
    """Whether backward refuses after ``change`` runs on what ``make`` saved."""
    x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=lib.float64, requires_grad=True)
    out, other = make(lib, x)
    change(other)
    try:
        out.sum().backward()
    except RuntimeError as err:
        assert "modified by an inplace operation" in str(err)
        return True
    return False


def _set_first(t) -> None:
    t[0] = t[0]  # the same values: only the version changes


# (id, make(lib, x) -> (result, non-floating tensor its node saved)): PyTorch refuses each
CHANGED_NON_FLOATING = [
    ("where condition", lambda lib, x: (lambda c: (lib.where(c, x, 0.0), c))(x > 0)),
    ("max indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.max(1))),
    ("min indices keepdim", lambda lib, x: (lambda r: (r[0], r[1]))(x.min(0, keepdim=True))),
    ("gather index", lambda lib, x: (lambda i: (x.gather(1, i), i))(lib.tensor(INDEX))),
    ("masked_fill mask", lambda lib, x: (lambda m: (x.masked_fill(m, 1.0), m))(x > 0)),
    ("sort indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.sort(1))),
    ("topk indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.topk(2))),
    ("kthvalue indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.kthvalue(2, 1))),
    ("median indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.median(1))),
    ("cummax indices", lambda lib, x: (lambda r: (r.values, r.indices))(x.cummax(1))),
]
NON_FLOATING_XFAILS: dict[str, str] = {}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            make,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=NON_FLOATING_XFAILS[name])]
            if name in NON_FLOATING_XFAILS
            else [],
        )
        for name, make in CHANGED_NON_FLOATING
    ],
)
def test_changed_non_floating_saved_tensor_is_refused(make) -> None:
    assert _refused(torch, make, _set_first)
    assert _refused(numtorch, make, _set_first)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: (lib.where(x > 0, x, 0.0), x > 0),
        lambda lib, x: (x.max(1).values, x.max(1).indices),
    ],
    ids=["where, another condition", "max, other indices"],
)
def test_equal_but_unsaved_non_floating_tensor_is_not_refused(make) -> None:
    """A tensor equal to the saved one but not it: changing it changes nothing saved."""
    assert not _refused(torch, make, _set_first)
    assert not _refused(numtorch, make, _set_first)


def _mixed(dtype: str):
    """A float64 ``x`` and a ``y`` of ``dtype`` (a float32 ``y`` requires grad too)."""

    def make(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=lib.float64)
        y = lib.tensor([[1, 2, 3], [2, 1, 3]], dtype=getattr(lib, dtype))
        return x.requires_grad_(), y.requires_grad_() if dtype == "float32" else y

    return make


# (op, fn(lib, x, y)) whose operands PyTorch promotes inside the kernel: what its node keeps
# is the operand as given, so a change to it is refused (numtorch: the primitive casts)
PROMOTED = [
    ("mul", lambda lib, x, y: x * y),
    ("div", lambda lib, x, y: x / y),
    ("rdiv", lambda lib, x, y: y / (x.abs() + 1)),
    ("pow", lambda lib, x, y: x.abs() ** y),
    ("maximum", lambda lib, x, y: lib.maximum(x, y)),
    ("remainder", lambda lib, x, y: x % y),
    ("add", lambda lib, x, y: x + y),
]


_NOT_FOR_BOOL = ("div", "remainder", "pow", "maximum")
_PROMOTED_CASES = [
    pytest.param(op, fn, changed, dtype, id=f"{op}-{changed}-{dtype}")
    for op, fn in PROMOTED
    for changed in ("x", "y")
    for dtype in ("float32", "int64", "bool")
    if not (dtype == "bool" and op in _NOT_FOR_BOOL)
]


@pytest.mark.parametrize(("op", "fn", "changed", "dtype"), _PROMOTED_CASES)
def test_promoted_operands_are_kept_as_given(op: str, fn, changed: str, dtype: str) -> None:

    def refused(lib) -> bool:
        x, y = _mixed(dtype)(lib)
        out = fn(lib, x, y)
        with lib.no_grad():
            _set_first(x if changed == "x" else y)
        try:
            out.sum().backward()
        except RuntimeError as err:
            assert "modified by an inplace operation" in str(err)
            return True
        return False

    assert refused(numtorch) == refused(torch)


# (id, fn(lib, *operands)): binary and ternary maps whose node keeps an operand only for the
# gradients that read it (PyTorch saves per needed gradient): every combination of operands
# needing a gradient, each operand changed in turn
PARTIAL = [
    ("fmod", lambda lib, a, b: lib.fmod(a, b)),
    ("atan2", lambda lib, a, b: lib.atan2(a, b)),
    ("hypot", lambda lib, a, b: lib.hypot(a, b)),
    ("logaddexp", lambda lib, a, b: lib.logaddexp(a, b)),
    ("xlogy", lambda lib, a, b: lib.xlogy(a, b)),
    ("clamp_min tensor", lambda lib, a, b: lib.clamp_min(a, b)),
    ("clamp_max tensor", lambda lib, a, b: lib.clamp_max(a, b)),
    ("lerp", lambda lib, a, b: lib.lerp(a, b, 0.3)),
    ("lerp tensor weight", lambda lib, a, b, w: lib.lerp(a, b, w)),
]


def _refused_after_change(lib, fn, needs: tuple, changed: int) -> bool:
    ts = [
        lib.tensor(np.array([0.7, 1.3, 2.1]) * (i + 1) / 4, requires_grad=r)
        for i, r in enumerate(needs)
    ]
    out = fn(lib, *ts)
    with lib.no_grad():
        ts[changed].add_(0.5)
    try:
        out.sum().backward()
    except RuntimeError as err:
        assert "modified by an inplace operation" in str(err)
        return True
    return False


@pytest.mark.parametrize("fn", [r[1] for r in PARTIAL], ids=[r[0] for r in PARTIAL])
def test_operands_kept_only_for_the_gradients_needed(fn) -> None:
    n = fn.__code__.co_argcount - 1
    for needs in itertools.product([True, False], repeat=n):
        for changed in range(n if any(needs) else 0):
            expected = _refused_after_change(torch, fn, needs, changed)
            assert _refused_after_change(numtorch, fn, needs, changed) == expected, (needs, changed)
