"""numtorch._kernels.special: erf and exact GELU (forward and gradient) on the numba and the NumPy
path. The numba kernels are ``math.erf`` exactly (float32: ``float32(math.erf(float64(x)))``),
the two paths agree within an ulp, GELU matches PyTorch (values and gradients, NaN, inf and
-0.0 included), and splitting over threads (``parallel.pointwise``) keeps the one-call bits."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch

import numtorch
from numtorch import _kernels
from numtorch._kernels import parallel as kpar
from numtorch._kernels import special

needs_numba = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba is not installed"
)
DTYPES = [np.float32, np.float64]
PATHS = ["numba", "numpy"]
# tests/nn/test_activation.py's parity tolerances
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}
_TAIL = float(np.array(0x4006DB6E00000000, dtype=np.uint64).view(np.float64))  # ~1/0.35
# fdlibm's range bounds
_BOUNDS = (2.0**-1015, 2.0**-28, 0.84375, 1.25, _TAIL, 1 / 0.35, 6.0, 28.0)


def use(path, name):
    if name == "numba" and importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed")
    path(name)


def grid(dtype) -> np.ndarray:
    """Signed zeros, subnormals, tiny values, each range bound and its neighbours, +-6,
    +-inf, NaN, and a dense sweep of [-7, 7]."""
    f = np.finfo(dtype)
    values = [0.0, f.smallest_subnormal, 3 * f.smallest_subnormal, f.tiny, 1e-30, 1e-10, 1e-5]
    values += [0.1, 0.5, 1.0, 2.0, 3.0, 5.9, 6.0, 6.5, 10.0, 30.0, f.max]
    for b in _BOUNDS:
        v = np.array(b, dtype=dtype)
        values += [float(np.nextafter(v, -np.inf)), float(v), float(np.nextafter(v, np.inf))]
    x = np.array(values, dtype=dtype)
    x = np.concatenate([x, -x, np.linspace(-7, 7, 20001, dtype=dtype)])
    return np.concatenate([x, np.array([np.inf, -np.inf, np.nan], dtype=dtype)])


def math_erf(x: np.ndarray) -> np.ndarray:
    """``math.erf`` of each element in float64, rounded once to ``x``'s dtype."""
    return np.array([math.erf(float(v)) for v in x.astype(np.float64)]).astype(x.dtype)


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ulps between ``a`` and ``b`` in their dtype (0 where equal or both NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    bits = {4: np.int32, 8: np.int64}[a.itemsize]
    ia, ib = (v.view(bits).astype(np.int64) for v in (a, b))
    sign = np.int64(np.iinfo(bits).min)
    ia, ib = (np.where(v < 0, sign - v, v) for v in (ia, ib))
    both_nan = np.isnan(a) & np.isnan(b)
    return np.where(both_nan, 0, np.abs(ia - ib))


def same_bits(a, b) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert (a.shape, a.dtype) == (b.shape, b.dtype)
    assert a.tobytes() == b.tobytes()


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_numba_erf_is_math_erf(dtype, path):
    path("numba")
    assert _kernels.numba_module("special", np.dtype(dtype)) is not None
    x = grid(dtype)
    got = special.erf(x)
    assert got.dtype == dtype
    same_bits(got, math_erf(x))
    assert np.signbit(special.erf(np.array([-0.0], dtype)))[0]


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_numba_erf_is_math_erf_on_random_values(dtype, path):
    """The vectorised rational forms (``2**-28 <= |x| < 1.25``) and the gathered calls of the
    rest, on values of every scale: still ``math.erf``'s bits, and GELU's erf too."""
    path("numba")
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [rng.standard_normal(40000) * s for s in (0.3, 1.0, 3.0)]
        + [rng.uniform(-1.3, 1.3, 40000), np.exp(rng.uniform(-750, 2, 40000))]
    )
    x = np.where(rng.random(x.size) < 0.5, -x, x).astype(dtype)
    same_bits(special.erf(x), math_erf(x))
    # GELU's erf is of x * (1/sqrt(2)) in the dtype, rounded to it: recover it from the output
    t = x.dtype.type
    u = x * t(1 / math.sqrt(2))
    expected = x * (t(0.5) * (1 + math_erf(u)))
    same_bits(special.gelu(x), expected)
    if dtype == np.float64:  # the gradient's exp is glibc's too (float32's is vectorised)
        g = rng.standard_normal(x.size)
        gauss = np.array([math.exp(v) for v in -0.5 * x * x])
        expected = g * (0.5 * (1 + math_erf(u)) + x * (1 / math.sqrt(2 * math.pi)) * gauss)
        same_bits(special.gelu_grad(g, x), expected)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_numba_and_numpy_paths_within_an_ulp(dtype, path):
    x = np.concatenate([grid(dtype), (3 * np.random.default_rng(0).standard_normal(5000))])
    x = x.astype(dtype)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    results = {}
    for name in PATHS:
        path(name)
        with np.errstate(all="ignore"):  # (-inf * 0; the autograd Function ignores it too)
            results[name] = special.erf(x), special.gelu(x), special.gelu_grad(g, x)
    for fast, slow in zip(*results.values()):
        assert fast.dtype == slow.dtype == dtype
        assert np.array_equal(np.isnan(fast), np.isnan(slow))
    fast, slow = results["numba"][0], results["numpy"][0]
    assert ulps(fast, slow).max() <= 1  # erf itself
    # GELU's 1 + erf cancels for negative x, so erf's ulp is |x| ulps of the result's scale
    eps = np.finfo(dtype).eps
    x64, g64 = np.abs(x.astype(np.float64)), np.abs(g.astype(np.float64))
    bounds = (2 * eps * x64, 2 * eps * g64 * (1 + x64))  # forward, gradient
    for fast, slow, bound in zip(results["numba"][1:], results["numpy"][1:], bounds):
        same = (fast == slow) | (np.isnan(fast) & np.isnan(slow))
        with np.errstate(invalid="ignore"):
            close = np.abs(fast.astype(np.float64) - slow) <= bound + 4 * eps * np.abs(slow)
        assert (same | close).all(), x[~(same | close)][:5]


def _torch_gelu(x_np, g_np):
    x = torch.tensor(x_np, requires_grad=True)
    y = torch.nn.functional.gelu(x)
    y.backward(torch.tensor(g_np))
    return y.detach().numpy(), x.grad.numpy()


def _numtorch_gelu(x_np, g_np):
    x = numtorch.tensor(x_np, requires_grad=True)
    y = numtorch.nn.functional.gelu(x)
    y.backward(numtorch.tensor(g_np))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_matches_torch(dtype, name, path):
    use(path, name)
    x = grid(dtype)
    x = np.concatenate([x, 3 * np.random.default_rng(2).standard_normal(4000).astype(dtype)])
    g = np.random.default_rng(3).uniform(-1, 1, x.shape).astype(dtype)
    ours, theirs = _numtorch_gelu(x, g), _torch_gelu(x, g)
    # PyTorch's float32 GELU gives NaN at +inf (its vectorised erf; float64's gives inf) and
    # overflows to inf at the largest float32 (numtorch: x * (0.5 * 2) is x)
    keep = ~((x >= np.finfo(dtype).max) & (dtype == np.float32))
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a[keep], b[keep], **TOLERANCES[dtype])  # NaN where torch's


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_as_torch(dtype, name, path):
    use(path, name)
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -50.0, 50.0], dtype=dtype)
    g = np.ones_like(x)
    keep = ~((x == np.inf) & (dtype == np.float32))  # (see test_gelu_matches_torch)
    for a, b in zip(_numtorch_gelu(x, g), _torch_gelu(x, g)):
        np.testing.assert_array_equal(a[keep], b[keep])  # NaN where PyTorch's is
        assert np.array_equal(np.signbit(a[:2]), np.signbit(b[:2]))  # gelu(-0.0) is -0.0
    ours = numtorch.erf(numtorch.tensor(x)).numpy()
    theirs = torch.erf(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert np.array_equal(np.signbit(ours[:4]), np.signbit(theirs[:4]))


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_erf_matches_torch_and_keeps_dtype(dtype, name, path):
    use(path, name)
    x = grid(dtype)
    ours = numtorch.erf(numtorch.tensor(x))
    assert ours.dtype == getattr(numtorch, np.dtype(dtype).name)
    np.testing.assert_allclose(ours.numpy(), torch.erf(torch.tensor(x)).numpy(), rtol=1e-6)
    # non-contiguous input and a 0-d one
    strided = x[::3]
    np.testing.assert_array_equal(special.erf(strided), special.erf(strided.copy()))
    assert special.erf(np.array(0.5, dtype)).shape == ()


@pytest.mark.parametrize("name", PATHS)
def test_other_dtypes_take_the_numpy_path(name, path):
    use(path, name)
    x = np.linspace(-3, 3, 13).astype(np.float16)
    assert special.erf(x).dtype == np.float16
    expected = np.array([math.erf(v) for v in x.astype(np.float64)]).astype(np.float16)
    np.testing.assert_array_equal(special.erf(x), expected)
    ints = numtorch.erf(numtorch.tensor([0, 1, 2]))
    np.testing.assert_allclose(ints.numpy(), [math.erf(v) for v in (0, 1, 2)], rtol=1e-6)


def _special(shape, dtype, seed=0, scale=3, at=0):
    """Normal values with NaNs of both signs, infinities and zeros of both signs."""
    x = (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)
    flat = x.reshape(-1)
    flat[at::97] = np.nan
    flat[at + 5 :: 101] = -np.nan
    flat[at + 1 :: 89] = -0.0
    flat[at + 2 :: 83] = np.inf
    flat[at + 3 :: 79] = -np.inf
    flat[-3:] = [np.nan, -np.nan, np.nan]
    return x


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_split_equals_one_call(dtype, name, path, monkeypatch):
    """GELU forward and backward and erf, split over 1 and 2 threads: the one-call bits."""
    use(path, name)
    shape = (3, 64, 64, 131) if dtype == np.float32 else (3, 32, 64, 131)  # over 4 MiB
    x_np = _special(shape, dtype)
    g_np = _special(shape, dtype, seed=1, scale=0.25, at=40)
    assert kpar.splits(x_np, g_np)

    def run():
        x = numtorch.tensor(x_np, requires_grad=True)
        y = numtorch.nn.functional.gelu(x)
        y.backward(numtorch.tensor(g_np))
        return y.detach().numpy(), x.grad.numpy(), numtorch.erf(numtorch.tensor(x_np)).numpy()

    calls = []
    for_planes = kpar.for_planes
    monkeypatch.setattr(kpar, "for_planes", lambda fn, *a: calls.append(a) or for_planes(fn, *a))
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 1 << 62)
    reference = run()
    assert calls == []
    monkeypatch.setattr(kpar, "_POINTWISE_BYTES", 4 * 2**20)
    for threads in (1, 2):
        monkeypatch.setitem(kpar._state, "threads", threads)
        calls.clear()
        split = run()
        assert len(calls) == 3  # forward, backward and erf all split
        for got, one_call in zip(split, reference):
            same_bits(got, one_call)


@pytest.mark.parametrize("name", PATHS)
def test_dispatchers_write_into_out(name, path):
    use(path, name)
    x = np.linspace(-4, 4, 101).astype(np.float32)
    g = np.full_like(x, 0.5)
    for fn, args in ((special.erf, (x,)), (special.gelu, (x,)), (special.gelu_grad, (g, x))):
        out = np.empty_like(x)
        assert fn(*args, out=out) is out
        same_bits(out, fn(*args))


# ------------------------------------------------------------------ float32 sigmoid and SiLU


def _sigmoid_exact(x: np.ndarray) -> np.ndarray:
    """The float32 rounding of sigmoid computed with Python's float64 ``math.exp``."""
    out = []
    for v in x.astype(np.float64):
        if math.isnan(v):
            out.append(v)
            continue
        e = math.exp(-abs(v))
        out.append(1 / (1 + e) if v >= 0 else e / (1 + e))
    return np.array(out)


@pytest.mark.parametrize("name", PATHS)
def test_float32_sigmoid_and_silu_are_within_an_ulp_of_float64(name, path):
    use(path, name)
    x = grid(np.float32)
    s = _sigmoid_exact(x)
    with np.errstate(invalid="ignore"):  # -inf * 0
        g = np.float32(0.75)
        expected = {
            "sigmoid": s.astype(np.float32),
            "silu": (x.astype(np.float64) * s).astype(np.float32),
            "silu_grad": (g * (s * (1 + x.astype(np.float64) * (1 - s)))).astype(np.float32),
        }
        t = numtorch.tensor(x, requires_grad=True)
        y = numtorch.nn.functional.silu(t)
        y.backward(numtorch.full_like(y, 0.75))
        got = {"sigmoid": numtorch.sigmoid(numtorch.tensor(x)).numpy(), "silu": y.detach().numpy()}
        got["silu_grad"] = t.grad.numpy()
    for key, value in got.items():
        assert value.dtype == np.float32
        finite = np.isfinite(expected[key])
        if name == "numba":  # float64 arithmetic, rounded once
            assert ulps(value[finite], expected[key][finite]).max() <= 1, key
        else:  # float32 arithmetic (SiLU's gradient cancels near x = -1.28)
            np.testing.assert_allclose(
                value[finite], expected[key][finite], **TOLERANCES[np.float32]
            )
        np.testing.assert_array_equal(np.isnan(value), np.isnan(expected[key]))


def test_float32_sigmoid_kernel_lays_its_result_out_like_the_input():
    x = numtorch.randn(64, 300).t()
    assert numtorch.sigmoid(x).stride() == x.stride() == (1, 300)
    assert numtorch.nn.functional.silu(x).stride() == (1, 300)
    np.testing.assert_array_equal(
        numtorch.sigmoid(x).numpy(), numtorch.sigmoid(x.contiguous()).numpy()
    )


def test_float32_sigmoid_family_dispatchers():
    x = np.linspace(-5, 5, 101, dtype=np.float32)
    if importlib.util.find_spec("numba") is None or _kernels.kernel_path() != "numba":
        assert special.sigmoid(x) is None
        return
    out = np.empty_like(x)
    assert special.sigmoid(x, out=out) is out
    assert special.silu(x.astype(np.float64)) is None  # float64 keeps NumPy's arithmetic
    assert special.silu_grad(np.ones_like(x), x).dtype == np.float32


@pytest.mark.parametrize("name", PATHS)
def test_results_are_laid_out_like_the_input_as_pytorch(name, path):
    """A transposed input gives a transposed result (PyTorch's element-wise ops keep the
    input's strides), with the values of the contiguous input; a gradient likewise."""
    use(path, name)
    for dtype in (numtorch.float32, numtorch.float64):
        y = numtorch.randn(40, 50, dtype=dtype).t()
        t = torch.from_numpy(y.numpy())
        for ours, theirs in [
            (numtorch.erf, torch.erf),
            (numtorch.nn.functional.gelu, torch.nn.functional.gelu),
            (numtorch.sigmoid, torch.sigmoid),
            (numtorch.nn.functional.silu, torch.nn.functional.silu),
        ]:
            got = ours(y)
            assert got.stride() == theirs(t).stride() == (1, 50)
            np.testing.assert_array_equal(got.numpy(), ours(y.contiguous()).numpy())
        a = numtorch.randn(40, 50, dtype=dtype, requires_grad=True)
        numtorch.nn.functional.gelu(a.t()).sum().backward()
        assert a.grad.is_contiguous()
