"""numtorch._kernels: path selection, and each numba kernel against its NumPy twin and against
PyTorch (ties and NaN in max-pooling, non-contiguous inputs, float64, dropped planes).

Every numba kernel and its NumPy twin must agree bit for bit (:func:`same_bits`: signed zeros,
inf and NaN included): a run may start on the twins while numba compiles in the background
(``tests/test_kernel_warmup.py``), and its results must not depend on when it switches.

The numba tests compile each kernel once per dtype; ``cache=True`` keeps later runs fast.
"""

from __future__ import annotations

import functools
import gc
import os
import select
import signal
import threading
import time
import warnings
import weakref

import numpy as np
import pytest
import torch

import numtorch
from numtorch import _kernels
from numtorch._kernels import conv as kconv
from numtorch._kernels import dropout as kdrop
from numtorch._kernels import parallel as kpar
from numtorch._kernels import pointwise as kpoint
from numtorch._kernels import pooling as kpool
from numtorch._kernels import winograd as kwino

needs_numba = pytest.mark.skipif(
    __import__("importlib").util.find_spec("numba") is None, reason="numba is not installed"
)


def both(path, fn):
    """``fn()`` on the numba path, then on the NumPy path."""
    path("numba")
    fast = fn()
    path("numpy")
    return fast, fn()


def same_bits(a, b) -> None:
    """``a`` and ``b`` hold the same bytes: same shape, dtype and values, -0.0 and NaN too."""
    a, b = np.asarray(a), np.asarray(b)
    assert (a.shape, a.dtype) == (b.shape, b.dtype)
    if a.tobytes() != b.tobytes():
        bad = np.flatnonzero(
            a.view(np.uint8).reshape(a.size, -1) != b.view(np.uint8).reshape(b.size, -1)
        )
        raise AssertionError(
            f"{len(bad)} bytes differ; first values {a.flat[bad[0] // a.itemsize]!r} vs {b.flat[bad[0] // b.itemsize]!r}"
        )


def _special(a):
    """``a`` with a NaN, an inf, a -inf and a -0.0 planted (in place); returns ``a``."""
    flat = a.reshape(-1)
    for i, v in zip((1, 5, 7, 11), (np.nan, np.inf, -np.inf, -0.0)):
        if i < flat.size:
            flat[i] = v
    return a


def _rng_array(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ------------------------------------------------------------------ path selection


def test_kernel_path_follows_the_environment(monkeypatch, path):
    monkeypatch.setenv(_kernels.ENV_VAR, "numpy")
    path()
    assert _kernels.kernel_path() == "numpy"
    assert _kernels.numba_module("pooling", np.dtype(np.float32)) is None
    monkeypatch.setenv(_kernels.ENV_VAR, "auto")
    path()
    expected = "numba" if __import__("importlib").util.find_spec("numba") else "numpy"
    assert _kernels.kernel_path() == expected


def test_kernel_path_rejects_unknown_values(monkeypatch, path):
    monkeypatch.setenv(_kernels.ENV_VAR, "cuda")
    path()
    with pytest.raises(ValueError, match="NUMTORCH_KERNELS must be one of .*'cuda'"):
        _kernels.kernel_path()
    with pytest.raises(ValueError, match="kernel path must be 'numba' or 'numpy'"):
        path("fast")


@needs_numba
def test_float16_and_bool_take_the_numpy_path(path):
    path("numba")
    assert _kernels.numba_module("pooling", np.dtype(np.float16)) is None
    assert _kernels.numba_module("pooling", np.dtype(bool)) is None
    assert _kernels.numba_module("pooling", np.dtype(np.float32)) is not None


def test_import_numtorch_does_not_import_numba():
    import subprocess
    import sys

    code = "import sys, numtorch, numtorch.nn; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


_DROPOUT_ONCE = (
    "import numtorch\n"
    "x = numtorch.ones(2, 3, 4, 4)\n"
    "for _ in range(3):\n"
    "    numtorch.nn.functional.dropout2d(x, 0.5, training=True)\n"
)


@needs_numba
@pytest.mark.slow  # two interpreters, one of which compiles a kernel
def test_a_cold_kernel_cache_prints_the_compile_notice_once_and_a_warm_one_nothing(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), NUMTORCH_KERNELS="numba")
    runs = [
        subprocess.run(
            [sys.executable, "-c", _DROPOUT_ONCE], capture_output=True, text=True, env=env
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert runs[0].stderr.count(_kernels.COMPILE_NOTICE) == 1
    assert _kernels.COMPILE_NOTICE not in runs[1].stderr
    assert any(p.suffix == ".nbi" for p in tmp_path.rglob("*"))


# ------------------------------------------------------------------ conv: im2col / col2im

CONV_GEOS = [
    # (N, C, H, W), kernel, stride, padding (t, b, l, r), dilation
    ((3, 2, 7, 6), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((2, 3, 9, 8), (3, 2), (2, 3), (1, 0, 2, 1), (2, 1)),
    ((2, 2, 5, 5), (5, 5), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((1, 1, 4, 3), (3, 3), (1, 1), (3, 3, 3, 3), (1, 2)),  # windows entirely in padding
    # stride 1 with the input's width: each tap one shifted copy (numba's fast path)
    ((2, 2, 8, 7), (3, 3), (1, 1), (2, 2, 2, 2), (2, 2)),
    ((2, 3, 6, 7), (3, 3), (1, 1), (0, 2, 2, 0), (1, 1)),
    ((1, 2, 2, 5), (5, 1), (1, 1), (4, 4, 0, 0), (1, 1)),  # most rows in the padding
    ((2, 2, 3, 4), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((1, 1, 3, 2), (3, 5), (1, 1), (1, 1, 4, 0), (1, 1)),  # some taps with no valid column
]


def _geo(shape, kernel, stride, pad, dil):
    ho = (shape[2] + pad[0] + pad[1] - dil[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    wo = (shape[3] + pad[2] + pad[3] - dil[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    return kernel, stride, pad, dil, (ho, wo)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kernel, stride, pad, dil", CONV_GEOS)
def test_im2col_and_col2im_match_numpy(path, dtype, shape, kernel, stride, pad, dil):
    geo = _geo(shape, kernel, stride, pad, dil)
    x = _rng_array(shape, dtype)
    fast, slow = both(path, lambda: kconv.im2col(x, 1, shape[0], geo))
    same_bits(fast, slow)
    buf = np.full(fast.size + 7, np.nan, dtype)  # a reused buffer is fully overwritten
    path("numba")
    same_bits(kconv.im2col(x, 1, shape[0], geo, buf), slow)
    dcols = _rng_array(fast.shape, dtype, seed=1)

    def adjoint():
        gx = np.full(shape, np.nan, dtype)
        kconv.col2im(dcols, gx, 1, geo)
        return gx[1:]

    fast, slow = both(path, adjoint)
    same_bits(fast, slow)  # the same additions in the same order: kernel offsets row-major
    # <im2col(x), d> == <x, col2im(d)>: col2im is im2col's adjoint
    lhs = np.vdot(kconv.im2col(x, 1, shape[0], geo), dcols)
    np.testing.assert_allclose(lhs, np.vdot(x[1:], fast), rtol=1e-4)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kernel, stride, pad, dil", CONV_GEOS)
def test_im2col_with_a_ones_row_appends_it_to_each_sample_on_both_paths(
    path, dtype, shape, kernel, stride, pad, dil
):
    """The bias row: every sample's columns, then one row of ones (what the GEMMs fold the
    bias into), the same bits on both paths, also in a reused buffer."""
    geo = _geo(shape, kernel, stride, pad, dil)
    x = _special(_rng_array(shape, dtype))
    fast, slow = both(path, lambda: kconv.im2col(x, 1, shape[0], geo, ones_row=True))
    same_bits(fast, slow)
    path("numpy")
    plain = kconv.im2col(x, 1, shape[0], geo)
    same_bits(fast[:, :-1], plain)
    assert fast.shape == (shape[0] - 1, plain.shape[1] + 1, plain.shape[2])
    assert (fast[:, -1] == 1).all()
    buf = np.full(fast.size + 5, np.nan, dtype)
    path("numba")
    same_bits(kconv.im2col(x, 1, shape[0], geo, buf, ones_row=True), slow)


@needs_numba
def test_im2col_reads_non_contiguous_input(path):
    base = _rng_array((2, 3, 6, 7))
    x = base.transpose(0, 1, 3, 2)[:, ::2]
    geo = _geo(x.shape, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1))
    fast, slow = both(path, lambda: kconv.im2col(x, 0, 2, geo))
    same_bits(fast, slow)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kernel, stride, pad, dil", CONV_GEOS)
def test_im2col_and_col2im_twins_agree_on_nan_inf_and_signed_zeros(
    path, dtype, shape, kernel, stride, pad, dil
):
    geo = _geo(shape, kernel, stride, pad, dil)
    x = _special(_rng_array(shape, dtype))
    fast, slow = both(path, lambda: kconv.im2col(x, 0, shape[0], geo))
    same_bits(fast, slow)
    dcols = _special(_rng_array(fast.shape, dtype, seed=1))

    def adjoint():
        gx = np.full(shape, np.nan, dtype)
        kconv.col2im(dcols, gx, 0, geo)
        return gx

    same_bits(*both(path, adjoint))


@pytest.mark.parametrize("kernels", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_on_both_paths_matches_torch(path, kernels, dtype):
    if kernels == "numba" and __import__("importlib").util.find_spec("numba") is None:
        pytest.skip("numba is not installed")
    path(kernels)
    x, w, b = _rng_array((3, 4, 9, 8), dtype), _rng_array((5, 4, 3, 3), dtype), _rng_array(5, dtype)
    ours = [numtorch.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = numtorch.nn.functional.conv2d(*ours, stride=(1, 2), padding=1)
    ref = torch.nn.functional.conv2d(*theirs, stride=(1, 2), padding=1)
    g = _rng_array(tuple(ref.shape), dtype, seed=3)
    out.backward(numtorch.tensor(g))
    ref.backward(torch.tensor(g))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10}
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **tol)


# ------------------------------------------------------------------ Winograd F(2x2, 3x3)

WINO_GEOS = [  # (N, C, H, W), O, (pad top, bottom, left, right)
    ((2, 3, 6, 7), 4, (1, 1, 1, 1)),
    ((3, 2, 5, 5), 3, (0, 0, 0, 0)),
    ((1, 2, 4, 9), 2, (2, 1, 0, 2)),
    ((2, 3, 11, 9), 2, (1, 1, 1, 1)),
]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, o, pad", WINO_GEOS)
def test_winograd_transforms_match_numpy_and_torch(path, dtype, shape, o, pad):
    n, c, h, w = shape
    out_hw = (h + pad[0] + pad[1] - 2, w + pad[2] + pad[3] - 2)
    th, tw = kwino.tiles(out_hw)
    x, wt = _rng_array(shape, dtype), _rng_array((o, c, 3, 3), dtype, seed=1)
    g = _rng_array((n, o) + out_hw, dtype, seed=2)
    u = kwino.weight_transform(wt)

    def passes():
        v = kwino.input_transform(x, 1, n, pad[::2], th, tw)
        out = np.full((n, o) + out_hw, np.nan, dtype)
        kwino.output_transform(np.matmul(v, u), out, 1, n, th, tw)
        dm = kwino.grad_output_transform(g, 1, n, th, tw)
        gx = np.full(shape, np.nan, dtype)
        kwino.input_adjoint(np.matmul(dm, u.transpose(0, 2, 1)), gx, 1, n, pad[::2], th, tw)
        gw = kwino.weight_adjoint(np.matmul(v.transpose(0, 2, 1), dm))
        return out[1:], gx[1:], gw

    fast, slow = both(path, passes)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for a, b in zip(fast, slow):
        same_bits(a, b)
    tx, tw_ = torch.tensor(x[1:], requires_grad=True), torch.tensor(wt, requires_grad=True)
    padded = torch.nn.functional.pad(tx, (pad[2], pad[3], pad[0], pad[1]))
    ref = torch.nn.functional.conv2d(padded, tw_)
    ref.backward(torch.tensor(g[1:]))
    expected = (ref.detach().numpy(), tx.grad.numpy(), tw_.grad.numpy())
    for a, e in zip(fast, expected):
        np.testing.assert_allclose(a, e, **tol)


_WINO_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("o, c", [(5, 3), (1, 1), (16, 8)])
def test_winograd_weight_transforms_are_g_sandwiches(dtype, o, c):
    """``weight_transform`` is ``G w G^T`` per filter, laid out (16, C, O) C-contiguous, and
    ``weight_adjoint`` its adjoint ``G^T du G`` as (O, C, 3, 3): within float rounding of the
    float64 products, and exact zeros where the exact result is zero."""
    w = _rng_array((o, c, 3, 3), dtype)
    w[0, 0] = 0  # a zero filter transforms to exact zeros
    u = kwino.weight_transform(w)
    exact = np.einsum("ik,ockl,jl->ijco", _WINO_G, w.astype(np.float64), _WINO_G)
    assert u.shape == (16, c, o) and u.dtype == dtype and u.flags.c_contiguous
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(u, exact.reshape(16, c, o), rtol=rtol, atol=rtol)
    assert not u[:, 0, 0].any()
    du = _rng_array((16, c, o), dtype, seed=1)
    du[:, 0, 0] = 0
    gw = kwino.weight_adjoint(du)
    d4 = du.astype(np.float64).reshape(4, 4, c, o)
    exact = np.einsum("ki,klco,lj->ocij", _WINO_G, d4, _WINO_G)
    assert gw.shape == (o, c, 3, 3) and gw.dtype == dtype and gw.flags.c_contiguous
    np.testing.assert_allclose(gw, exact, rtol=rtol, atol=rtol)
    assert not gw[0, 0].any()


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, o, pad",
    WINO_GEOS
    + [((2, 5, 3, 3), 3, (2, 2, 2, 2)), ((3, 2, 4, 5), 2, (3, 0, 1, 1))]
    # 8 or more channels and columns: the staging's 8 x 8 blocks, with and without edges
    + [((2, 13, 11, 19), 10, (1, 1, 1, 1)), ((2, 16, 9, 8), 17, (2, 0, 1, 2))],
)
def test_winograd_twins_agree_bit_for_bit_on_each_transform(path, dtype, shape, o, pad):
    """Each transform alone, on inputs with NaN, inf and -0.0, a reused buffer and a bias."""
    n, c, h, w = shape
    out_hw = (h + pad[0] + pad[1] - 2, w + pad[2] + pad[3] - 2)
    th, tw = kwino.tiles(out_hw)
    p = (n - 1) * th * tw
    x = _special(_rng_array(shape, dtype))
    g = _special(_rng_array((n, o) + out_hw, dtype, seed=2))
    mm = _special(_rng_array((kwino.POINTS, p, o), dtype, seed=3))
    dv = _special(_rng_array((kwino.POINTS, p, c), dtype, seed=4))
    bias = _rng_array(o, dtype, seed=5)
    buf = np.full(kwino.POINTS * p * max(c, o) + 3, np.nan, dtype)

    def passes():
        v = kwino.input_transform(x, 1, n, pad[::2], th, tw, buf).copy()
        out = np.full((n, o) + out_hw, np.nan, dtype)
        kwino.output_transform(mm, out, 1, n, th, tw, bias)
        nobias = np.full((n, o) + out_hw, np.nan, dtype)
        kwino.output_transform(mm, nobias, 1, n, th, tw)
        dm = kwino.grad_output_transform(g, 1, n, th, tw, buf).copy()
        gx = np.full(shape, np.nan, dtype)
        kwino.input_adjoint(dv, gx, 1, n, pad[::2], th, tw)
        return v, out, nobias, dm, gx

    for a, b in zip(*both(path, passes)):
        same_bits(a, b)


@pytest.mark.parametrize(
    "shape, o",
    [((12, 16, 32, 32), 16), ((40, 3, 32, 32), 8)],  # Winograd and im2col, 3 chunks each
    ids=["winograd", "im2col"],
)
def test_conv_gradients_are_bit_identical_on_one_two_and_three_threads(shape, o):
    """Each chunk's weight and bias gradients start from the first product (no zeros to add
    into) on several threads, and run through one accumulator on one: the summed gradients
    must not differ in a single bit, signed zeros included (a zero output-gradient region)."""
    x = _rng_array(shape, seed=1)
    w, b = _rng_array((o, shape[1], 3, 3), seed=2), _rng_array(o, seed=3)
    g = _rng_array((shape[0], o) + shape[2:], seed=4)
    g[:, :, :6] = 0.0
    g[::2, :, :2] = -0.0

    def grads():
        ours = [numtorch.tensor(a, requires_grad=True) for a in (x, w, b)]
        numtorch.nn.functional.conv2d(*ours, padding=1).backward(numtorch.tensor(g))
        return [a.grad.numpy().copy() for a in ours]

    saved = kpar.num_threads()
    try:
        runs = []
        for n in (1, 2, 3, 1):
            kpar.set_num_threads(n)
            runs.append(grads())
    finally:
        kpar.set_num_threads(saved)
    for run in runs[1:]:
        for a, r in zip(run, runs[0]):
            same_bits(a, r)


# ------------------------------------------------------------------ max pooling

POOL_GEOS = [
    # kernel, stride, padding, dilation
    ((2, 2), (2, 2), (0, 0), (1, 1)),  # the unrolled 2x2 kernel
    ((3, 3), (2, 2), (1, 1), (1, 1)),
    ((3, 2), (1, 2), (1, 0), (2, 1)),
    ((2, 2), (1, 1), (1, 1), (1, 1)),
]


def _pool_out(shape, kernel, stride, pad, dil):
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(shape[2:], kernel, stride, pad, dil)
    )


def _ties(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, stride, pad, dil", POOL_GEOS)
def test_max_pool2d_kernels_match_numpy_with_ties_and_nan(path, dtype, kernel, stride, pad, dil):
    x = _ties((2, 3, 7, 8), dtype)
    x[0, 0, 1, 1] = x[1, 2, 4, 4] = x[1, 2, 4, 5] = np.nan
    geo = (kernel, stride, pad, dil)
    out_hw = _pool_out(x.shape, *geo)
    (out, arg), (out_np, arg_np) = both(path, lambda: kpool.max_pool2d(x, *geo, out_hw))
    same_bits(out, out_np)
    same_bits(arg, arg_np)
    assert arg.dtype == np.int8 and out.flags.c_contiguous
    g = _special(_rng_array(out.shape, dtype, seed=2))
    g.reshape(-1)[::3] = -0.0  # a lone -0.0 survives only where it is not added to +0
    fast, slow = both(path, lambda: kpool.max_pool2d_backward(g, arg, x.shape, *geo))
    same_bits(fast, slow)  # overlapping windows: the same additions in the same order


@needs_numba
def test_max_pool2d_kernel_matches_torch_on_ties_non_contiguous(path):
    base = _ties((2, 3, 8, 6))
    x = base.transpose(0, 1, 3, 2)  # (2, 3, 6, 8), not contiguous
    path("numba")
    tx = torch.tensor(x, requires_grad=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    nx = numtorch.tensor(x, requires_grad=True)
    out, idx = numtorch.nn.functional.max_pool2d(nx, 2, return_indices=True)
    g = _rng_array(tuple(ref.shape), seed=4)
    ref.backward(torch.tensor(g))
    out.backward(numtorch.tensor(g))
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    np.testing.assert_array_equal(nx.grad.numpy(), tx.grad.numpy())


@needs_numba
def test_max_pool2d_large_window_uses_int32_offsets(path):
    x = _rng_array((1, 2, 13, 12), np.float64)
    geo = ((12, 11), (1, 1), (0, 0), (1, 1))
    (out, arg), (out_np, arg_np) = both(path, lambda: kpool.max_pool2d(x, *geo, (2, 2)))
    assert arg.dtype == np.int32
    np.testing.assert_array_equal(arg, arg_np)
    np.testing.assert_array_equal(out, out_np)


@needs_numba
def test_max_pool2d_kernel_on_integers_matches_torch(path):
    x = np.random.default_rng(0).integers(-9, 9, (2, 3, 5, 5))
    path("numba")
    out, arg = kpool.max_pool2d(x, (2, 2), (1, 1), (1, 1), (1, 1), (6, 6))
    ref = torch.nn.functional.max_pool2d(torch.tensor(x), 2, 1, 1)
    np.testing.assert_array_equal(out, ref.numpy())


# ------------------------------------------------------------------ feature dropout

SCALE = np.array([[2.0, 0.0, 2.0], [0.0, 0.0, 2.0]])


def _dropout_input(dtype):
    x = _rng_array((2, 3, 5, 4), dtype)
    x[0, 1, 0, 0], x[1, 0, 2, 2], x[0, 0, 1, 1] = np.nan, np.inf, np.nan
    return x


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scale_planes_matches_numpy_and_writes_exact_zeros(path, dtype):
    x, s = _dropout_input(dtype), SCALE.astype(dtype)
    fast, slow = both(path, lambda: kdrop.scale_planes(x, s))
    same_bits(fast, slow)
    assert not fast[s == 0].any()  # zeros even where x held NaN or inf
    assert np.isnan(fast[0, 0, 1, 1])  # a kept NaN stays NaN
    kept = s != 0
    np.testing.assert_array_equal(fast[kept], x[kept] * s[kept][:, None, None])
    path("numba")
    y = x.copy()
    assert kdrop.scale_planes(y, s, out=y) is y  # in place
    np.testing.assert_array_equal(y, slow)


@needs_numba
def test_scale_planes_on_non_contiguous_and_3d_input(path):
    x = _rng_array((2, 3, 4, 6)).transpose(0, 1, 3, 2)
    s = SCALE.astype(np.float32)
    fast, slow = both(path, lambda: kdrop.scale_planes(x, s))
    np.testing.assert_array_equal(fast, slow)
    x3 = _rng_array((2, 3, 7))
    fast, slow = both(path, lambda: kdrop.scale_planes(x3, s))
    np.testing.assert_array_equal(fast, x3 * s[:, :, None])


# ------------------------------------------------------------------ the thread pool


def test_map_chunks_runs_every_chunk_once_and_returns_per_unit_results():
    seen = []

    def fn(start, stop, acc):
        seen.append((start, stop))
        return (acc or []) + [start]

    chunks = [(i, i + 3) for i in range(0, 30, 3)]
    results = kpar.map_chunks(fn, chunks)
    assert sorted(seen) == chunks
    # units of consecutive chunks, in order, whichever thread ran them: a fixed reduction order
    assert [s for r in results if r is not None for s in r] == [c[0] for c in chunks]


def test_map_chunks_reduction_is_deterministic():
    rng = np.random.default_rng(0)
    parts = rng.standard_normal((64, 1000)).astype(np.float32) * 10 ** rng.uniform(-3, 3, (64, 1))

    def fn(start, stop, acc):
        return parts[start:stop].sum(axis=0) + (0 if acc is None else acc)

    chunks = [(i, i + 1) for i in range(64)]
    first = sum(kpar.map_chunks(fn, chunks))
    for _ in range(5):
        np.testing.assert_array_equal(sum(kpar.map_chunks(fn, chunks)), first)


def test_map_chunks_propagates_errors_and_restores_blas_threads():
    before = [c.num_threads for c in kpar._blas() if c is not None]

    def fn(start, stop, acc):
        if start == 4:
            raise ValueError("chunk 4 failed")
        return acc

    with pytest.raises(ValueError, match="chunk 4 failed"):
        kpar.map_chunks(fn, [(i, i + 1) for i in range(8)])
    assert [c.num_threads for c in kpar._blas() if c is not None] == before


@functools.cache
def _test_pool(workers: int) -> kpar._Pool:
    """One pool per size for these tests (its daemon threads live as long as the process)."""
    return kpar._Pool(workers)


@pytest.fixture(params=[1, 2], ids=["one-thread", "two-threads"])
def threads(request, monkeypatch):
    """map_chunks on one thread, or on two (this one and a pool thread), whatever the
    machine."""
    monkeypatch.setitem(kpar._state, "threads", request.param)
    if request.param > 1:
        monkeypatch.setitem(kpar._state, "pool", _test_pool(request.param - 1))
        if not kpar._blas():  # without threadpoolctl map_chunks stays on one thread
            monkeypatch.setitem(kpar._state, "blas", [None])
    return request.param


def test_map_chunks_frees_a_failed_call_s_arrays_as_soon_as_the_error_is_handled(threads):
    """A MemoryError in a chunk must not leave the arrays of the call (the chunks' own, the
    finished chunks' results) in a reference cycle with the exception: with the garbage
    collector off, they are freed the moment the ``except`` block ends."""
    refs: list = []
    ran_on: set = set()

    def fn(start, stop, acc):
        ran_on.add(threading.get_ident())
        block = np.ones(2**18)  # 2 MiB
        refs.append(weakref.ref(block))
        if start == 5:
            time.sleep(0.01)  # let the other thread finish chunks of its own
            raise MemoryError("chunk 5 refused")
        return block

    gc.disable()
    try:
        try:
            kpar.map_chunks(fn, [(i, i + 1) for i in range(8)])
        except MemoryError as error:
            assert str(error) == "chunk 5 refused"
        alive = [r for r in refs if r() is not None]
    finally:
        gc.enable()
    assert len(refs) >= 6 and not alive, f"{len(alive)} of {len(refs)} arrays still held"
    assert len(ran_on) == threads


def test_map_chunks_after_a_failure_stops_the_other_threads_and_waits_for_them(threads):
    running: list = []
    done: list = []

    def fn(start, stop, acc):
        running.append(start)
        try:
            if start == 1:
                raise MemoryError("chunk 1 refused")
            time.sleep(0.02)
            done.append(start)
        finally:
            running.remove(start)

    with pytest.raises(MemoryError, match="chunk 1 refused"):
        kpar.map_chunks(fn, [(i, i + 1) for i in range(20)])
    assert not running  # no thread is still inside a chunk (and holding its arrays)
    assert len(done) <= threads  # each thread finished at most the chunk it was in


def test_for_planes_covers_every_plane_exactly_once():
    hits = np.zeros(1000, int)

    def fn(p0, p1):
        hits[p0:p1] += 1

    kpar.for_planes(fn, 1000, 4096)  # several chunks
    assert (hits == 1).all()
    kpar.for_planes(fn, 0, 4096)  # nothing to do
    assert (hits == 1).all()


def test_num_threads_follows_the_environment(monkeypatch):
    monkeypatch.setenv("NUMTORCH_NUM_THREADS", "3")
    saved = kpar._state.pop("threads", None)
    try:
        assert kpar.num_threads() == 3
    finally:
        kpar._state.pop("threads", None)
        if saved is not None:
            kpar._state["threads"] = saved


@pytest.mark.parametrize("shape", [(512, 256, 256), (1000, 300, 70), (6, 300, 2000), (3, 5, 7)])
def test_gemm_equals_a_single_threaded_matmul_bit_for_bit(shape, monkeypatch):
    m, k, n = shape
    a, b = _rng_array((m, k)), _rng_array((k, n), seed=1)
    expected = a @ b  # OpenBLAS at one thread: numtorch's default
    for threads in (1, 2, 3):
        monkeypatch.setitem(kpar._state, "threads", threads)
        got = kpar.gemm(a, b)
        assert got.shape == (m, n) and got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("m", "k", "n", "chunks"),
    [
        (64, 25088, 10, 1),  # a Linear layer at batch 64: one call (every chunk reads all of b)
        (127, 4096, 4096, 1),  # fewer than two 128-row chunks
        (256, 1024, 1024, 2),
        (2048, 128, 512, 8),  # at most four chunks per thread
    ],
)
def test_gemm_splits_only_into_chunks_of_enough_rows(monkeypatch, m, k, n, chunks):
    monkeypatch.setitem(kpar._state, "threads", 2)
    seen: list = []
    real = kpar.map_chunks
    monkeypatch.setattr(kpar, "map_chunks", lambda fn, c: seen.append(c) or real(fn, c))
    a, b = _rng_array((m, k)), _rng_array((k, n), seed=1)
    np.testing.assert_array_equal(kpar.gemm(a, b), a @ b)
    assert (len(seen[0]) if seen else 1) == chunks
    assert all(c[1] - c[0] >= kpar._GEMM_MIN_ROWS for c in (seen[0] if seen else []))


def test_set_num_threads_reuses_the_pool_of_each_size():
    saved = kpar.num_threads()
    try:
        kpar.set_num_threads(3)
        first = kpar._pool(2)
        kpar.set_num_threads(1)
        kpar.set_num_threads(3)
        assert kpar._pool(2) is first
        kpar.set_num_threads(2)
        assert kpar._pool(1) is not first
    finally:
        kpar.set_num_threads(saved)


def test_scratch_buffers_are_reused_per_thread():
    a = kpar.scratch(100, np.dtype(np.float32), "test")
    b = kpar.scratch(50, np.dtype(np.float32), "test")
    assert b.size == 50 and np.shares_memory(a, b)
    c = kpar.scratch(200, np.dtype(np.float32), "test")
    assert c.size == 200 and not np.shares_memory(a, c)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_ones_row_with_no_input_channels(path, dtype):
    """C = 0: the columns are the ones row alone, written even into a dirty buffer."""
    x = np.zeros((3, 0, 5, 5), dtype)
    geo = _geo(x.shape, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1))
    buf = np.full(80, 7, dtype)
    path("numba")
    fast = kconv.im2col(x, 0, 3, geo, buf, ones_row=True)
    path("numpy")
    slow = kconv.im2col(x, 0, 3, geo, ones_row=True)
    assert fast.shape == slow.shape == (3, 1, 25)
    same_bits(fast, slow)
    assert (fast == 1).all()


def test_map_chunks_does_not_wait_for_a_helper_that_never_started(monkeypatch):
    """The calling thread ran every chunk while the pool's thread was busy elsewhere: the
    helper's task is cancelled, not waited for (waking a sleeping thread costs 50-100 us)."""
    monkeypatch.setitem(kpar._state, "threads", 2)
    if not kpar._blas():
        monkeypatch.setitem(kpar._state, "blas", [None])
    gate = threading.Event()
    blocker = kpar._pool(1).submit(lambda: gate.wait(10))  # the pool's one thread, held
    done: list = []
    try:
        caller = threading.Thread(
            target=lambda: done.append(kpar.map_chunks(lambda a, b, acc: a, [(0, 1), (1, 2)]))
        )
        caller.start()
        caller.join(5)
        assert done == [[0, 1]]
    finally:
        gate.set()
        assert blocker.exception() is None


@pytest.mark.parametrize(
    ("mib", "threads", "chunks"),
    [
        (0.5, 2, 1),  # one chunk: the calling thread
        (4, 2, 4),  # 1 MiB chunks
        (64, 2, 8),  # at most four per thread
        (4, 16, 16),  # many threads: 256 KiB chunks, one per thread
        (2, 16, 8),  # ... but none smaller
        (64, 16, 64),
    ],
)
def test_for_planes_chunks_fit_the_thread_count(monkeypatch, mib, threads, chunks):
    monkeypatch.setitem(kpar._state, "threads", threads)
    seen: list = []
    monkeypatch.setattr(kpar, "map_chunks", lambda fn, c: seen.append(c))
    planes = 1024
    ran: list = []
    kpar.for_planes(lambda p0, p1: ran.append((p0, p1)), planes, int(mib * 2**20) // planes)
    found = seen[0] if seen else ran
    assert len(found) == chunks
    assert found[0][0] == 0 and found[-1][1] == planes
    assert all(a[1] == b[0] for a, b in zip(found, found[1:]))


def test_a_pool_task_hands_its_exception_over_once_and_keeps_no_cycle(monkeypatch):
    """A task's exception reaches the caller through ``exception()``, once; neither the task
    nor the pool thread keeps it (or the frames and arrays on its traceback) alive after."""
    pool = kpar._Pool(1)
    refs: list = []

    def fail():
        block = np.ones(2**16)
        refs.append(weakref.ref(block))
        raise MemoryError("refused")

    task = pool.submit(fail)
    gc.disable()
    try:
        error = task.exception()
        assert isinstance(error, MemoryError)
        assert task.error is None  # handed over
        del error
        assert refs[0]() is None  # freed without the garbage collector
    finally:
        gc.enable()
    ran = pool.submit(lambda: None)
    assert ran.exception() is None and not ran.cancel()  # it ran: too late to cancel
    assert ran.exception() is None  # waiting again returns at once


def test_a_cancelled_pool_task_never_runs():
    pool = kpar._Pool(1)
    gate = threading.Event()
    blocker = pool.submit(lambda: gate.wait(10))
    ran: list = []
    task = pool.submit(lambda: ran.append(True))
    assert task.cancel() and task.fn is None  # let go at once
    assert not task.cancel() and task.exception() is None  # no wait for what never runs
    gate.set()
    assert blocker.exception() is None
    assert pool.submit(lambda: None).exception() is None  # the queue moved past the task
    assert ran == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_pool_threads(monkeypatch):
    """The parent's pool threads do not exist in a forked child: the child's map_chunks gets a
    fresh pool (its tasks would otherwise pile up in a queue no thread serves), and a fresh
    lock (here the parent holds it at the fork, as a thread inside map_chunks may)."""
    kpar._pool(max(kpar.num_threads() - 1, 1))  # the parent's pool exists
    if not kpar._blas():
        monkeypatch.setitem(kpar._state, "blas", [None])
    read, write = os.pipe()
    inside, release = threading.Event(), threading.Event()

    def in_map_chunks() -> None:  # another thread, inside map_chunks' BLAS switch at the fork
        with kpar._SingleThreadedBlas(), kpar._lock:
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=in_map_chunks)
    holder.start()
    inside.wait(10)
    pid = -1
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns on fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    finally:
        if pid != 0:
            release.set()
            holder.join()
    if pid == 0:  # pragma: no cover - the child
        try:
            fresh = "pool" not in kpar._state and "pools" not in kpar._state
            fresh = fresh and not kpar._lock.locked() and kpar._SingleThreadedBlas.active == 0
            saved = kpar._state.get("threads")
            kpar._state["threads"] = 2
            seen: set = set()
            out = kpar.map_chunks(
                lambda a, b, acc: seen.add(threading.get_ident()) or a,
                [(i, i + 1) for i in range(64)],
            )
            kpar._state["threads"] = saved
            ok = fresh and out == list(range(64))
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    try:
        answered = select.select([read], [], [], 60)[0]
        if not answered:  # the child hangs (on a lock no thread of its own will release)
            os.kill(pid, signal.SIGKILL)
        assert answered and os.read(read, 1) == b"1"
    finally:
        os.close(read)
        os.waitpid(pid, 0)


# ------------------------------------------------------------------ pointwise


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_grad_kernel_equals_numpy_bit_for_bit(path, dtype):
    """``g * (result != 0)`` in one pass: NaN, infinities and signed zeros in both the
    gradient and the result, into a new array or a given one."""
    g = _special(_rng_array((7, 131), dtype))
    result = np.maximum(_special(_rng_array((7, 131), dtype, seed=1)), 0)
    result.reshape(-1)[::7] = np.nan  # relu's result is 0, positive or NaN
    fast, slow = both(path, lambda: kpoint.relu_grad(g, result))
    same_bits(fast, slow)
    same_bits(slow, np.multiply(g, result != 0))
    out = np.full_like(g, 5)
    path("numba")
    assert kpoint.relu_grad(g, result, out) is out
    same_bits(out, slow)
    strided = kpoint.relu_grad(g[:, ::2], result[:, ::2])  # the NumPy call serves it
    same_bits(strided, slow[:, ::2])
