"""Statistics of the Dropout family's masks at scale: keep rate, independence of the samples of
one call, and independence of successive calls.

Every check is a tail bound for a binomial count, so a correct implementation fails it with
probability below ``DELTA = 1e-7`` per test (the issue asks for < 1e-6):

* **Chernoff–Hoeffding (KL) bound.** For ``X ~ Binomial(n, a)`` and ``a < u <= 1``,
  ``P(X/n >= u) <= exp(-n * D(u || a))`` and likewise below ``a``, where ``D(u || a) =
  u ln(u/a) + (1-u) ln((1-u)/(1-a))`` is the Bernoulli KL divergence. ``_interval(n, a, d)``
  solves ``exp(-n D) = d/2`` on each side (bisection), so ``P(X/n outside (lo, hi)) <= d``.
  It is tighter than Hoeffding's ``2 exp(-2 n t^2)`` near ``a = 0`` or ``1``, which is what
  lets p = 0.05 and p = 0.8 catch a mask shared by two samples.
* **Keep rate.** The ``n`` mask entries are i.i.d. Bernoulli(q = 1 - p): one interval at ``d =
  DELTA``.
* **Pairs.** For two independent rows of i.i.d. Bernoulli(q) entries, the number of positions
  where they agree is exactly ``Binomial(M, q^2 + (1-q)^2)``. Correlated rows (a shared or
  copied mask, a mask reused by the next call) agree too often, anti-correlated ones too
  rarely. All ``K`` pairs are tested, each at ``d = DELTA / K`` (union bound).
* **Positions.** Each mask position (channel, or element) across ``R`` independent rows is
  ``Binomial(R, q)``: a channel that is always kept or always dropped fails. ``K`` positions,
  each at ``DELTA / K``.

Seeds are fixed, so the tests are deterministic; the bounds say that a correct implementation
fails for a vanishing fraction of seeds, so a failure means a bug. ``test_checks_have_power``
shows each check rejects the mistake it is for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import numtorch
import numtorch.nn.functional as F
from numtorch import nn

DELTA = 1e-7
PS = [0.05, 0.3, 0.5, 0.8]
SEEDS = [0, 1]

# name: (layer, functional form, batched input shape (N = 64 samples), per-sample mask size)
VARIANTS = {
    "Dropout": (nn.Dropout, F.dropout, (64, 8, 8, 8)),
    "AlphaDropout": (nn.AlphaDropout, F.alpha_dropout, (64, 8, 8, 8)),
    "Dropout1d": (nn.Dropout1d, F.dropout1d, (64, 512, 3)),
    "Dropout2d": (nn.Dropout2d, F.dropout2d, (64, 512, 2, 2)),
    "Dropout3d": (nn.Dropout3d, F.dropout3d, (64, 512, 1, 2, 2)),
    "FeatureAlphaDropout": (nn.FeatureAlphaDropout, F.feature_alpha_dropout, (64, 512, 2, 2)),
}
# Other shapes, for the keep rate: small batches, unbatched input, odd sizes.
OTHER_SHAPES = {
    "Dropout": [(7, 3, 5), (100_003,)],
    "AlphaDropout": [(7, 3, 5), (100_003,)],
    "Dropout1d": [(4096, 3), (3, 1000, 1)],
    "Dropout2d": [(4096, 2, 2), (3, 1000, 1, 5)],
    "Dropout3d": [(4096, 1, 1, 2), (3, 1000, 1, 1, 1)],
    "FeatureAlphaDropout": [(3, 1000, 1), (2, 2000, 1, 1, 2)],
}


def _kl(u: float, a: float) -> float:
    """Bernoulli KL divergence D(u || a), with 0 ln 0 = 0."""
    out = 0.0
    if u > 0:
        out += u * math.log(u / a)
    if u < 1:
        out += (1 - u) * math.log((1 - u) / (1 - a))
    return out


def _side(n: int, a: float, d: float, end: float) -> float:
    """The point between ``a`` and ``end`` where ``exp(-n D(x || a)) = d / 2``; past ``end``
    (at distance 1e-9) if even ``end`` is more likely than that."""
    target = math.log(2 / d) / n
    if _kl(end, a) < target:
        return end + math.copysign(1e-9, end - a)
    lo, hi = a, end
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _kl(mid, a) < target else (lo, mid)
    return hi


def _interval(n: int, a: float, d: float) -> tuple[float, float]:
    """``(lo, hi)`` with ``P(X/n <= lo or X/n >= hi) <= d`` for ``X ~ Binomial(n, a)``."""
    return _side(n, a, d, 0.0), _side(n, a, d, 1.0)


def _inside(freqs: np.ndarray, n: int, a: float, d: float) -> tuple[bool, str]:
    lo, hi = _interval(n, a, d)
    freqs = np.atleast_1d(freqs)
    ok = bool(((freqs > lo) & (freqs < hi)).all())
    return (
        ok,
        f"frequencies in [{freqs.min():.4f}, {freqs.max():.4f}], allowed ({lo:.4f}, {hi:.4f})",
    )


def _keep_rate_ok(mask: np.ndarray, q: float) -> tuple[bool, str]:
    return _inside(mask.mean(), mask.size, q, DELTA)


def _pairs_ok(rows: np.ndarray, q: float) -> tuple[bool, str]:
    """No two rows agree more (or less) often than independent Bernoulli(q) rows would."""
    x = rows.reshape(len(rows), -1).astype(np.float64)
    agree = x @ x.T + (1 - x) @ (1 - x).T
    i, j = np.triu_indices(len(rows), k=1)
    m = x.shape[1]
    return _inside(agree[i, j] / m, m, q * q + (1 - q) ** 2, DELTA / len(i))


def _positions_ok(rows: np.ndarray, q: float) -> tuple[bool, str]:
    """Every mask position is kept at rate q across independent rows."""
    x = rows.reshape(len(rows), -1)
    return _inside(x.mean(0), len(x), q, DELTA / x.shape[1])


def _layer_mask(name: str, p: float, shape: tuple) -> np.ndarray:
    layer = VARIANTS[name][0](p)
    layer(numtorch.ones(shape))
    return layer.last_mask.numpy()


def _functional_mask(name: str, p: float, shape: tuple, g: numtorch.Generator) -> np.ndarray:
    """The keep-mask of one call, read off the output: with the generator rewound, inputs 1 and
    2 give equal outputs exactly where the element was dropped (for the alpha forms too)."""
    fn, state = VARIANTS[name][1], g.get_state()
    one = fn(numtorch.ones(shape), p, True, generator=g).numpy()
    g.set_state(state)
    two = fn(numtorch.full(shape, 2.0), p, True, generator=g).numpy()
    return one != two


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("name", VARIANTS)
def test_keep_rate_batched(name, p, seed):
    numtorch.manual_seed(seed)
    ok, why = _keep_rate_ok(_layer_mask(name, p, VARIANTS[name][2]), 1 - p)
    assert ok, why


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("name", VARIANTS)
def test_keep_rate_other_shapes(name, which, p):
    numtorch.manual_seed(10 + which)
    ok, why = _keep_rate_ok(_layer_mask(name, p, OTHER_SHAPES[name][which]), 1 - p)
    assert ok, why


@pytest.mark.parametrize("p", [0.05, 0.5, 0.8])
@pytest.mark.parametrize("name", VARIANTS)
def test_functional_generator_keep_rate_and_same_stream_as_layer(name, p):
    shape = VARIANTS[name][2]
    mask = _functional_mask(name, p, shape, numtorch.Generator().manual_seed(5))
    k = mask.ndim if name in ("Dropout", "AlphaDropout") else 2
    per_unit = mask.reshape(shape[:k] + (-1,))
    assert (per_unit == per_unit[..., :1]).all(), "a feature map is partly dropped"
    ok, why = _keep_rate_ok(per_unit[..., 0], 1 - p)
    assert ok, why
    numtorch.manual_seed(5)  # the layer draws from the default generator, the same way
    assert np.array_equal(_layer_mask(name, p, shape), per_unit[..., 0])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("name", VARIANTS)
def test_samples_of_one_call_are_independent(name, p, seed):
    numtorch.manual_seed(100 + seed)
    mask = _layer_mask(name, p, VARIANTS[name][2])  # 64 samples: 2016 pairs
    ok, why = _pairs_ok(mask, 1 - p)
    assert ok, why


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("name", VARIANTS)
def test_successive_calls_are_independent(name, p, seed):
    numtorch.manual_seed(200 + seed)
    layer, shape = VARIANTS[name][0](p), (16,) + VARIANTS[name][2][1:]
    masks = []
    for _ in range(24):  # 276 pairs of calls, each mask 16 samples
        layer(numtorch.ones(shape))
        masks.append(layer.last_mask.numpy())
    masks = np.stack(masks)
    ok, why = _pairs_ok(masks, 1 - p)
    assert ok, "calls: " + why
    ok, why = _positions_ok(masks.reshape(-1, masks[0][0].size), 1 - p)
    assert ok, "positions: " + why


@pytest.mark.parametrize("p", [0.3, 0.8])
@pytest.mark.parametrize("name", VARIANTS)
def test_functional_generator_stream(name, p):
    """Successive calls on one generator are independent; rewinding it repeats the masks;
    a different seed gives an independent mask."""
    shape = VARIANTS[name][2]
    g = numtorch.Generator().manual_seed(7)
    calls = [_functional_mask(name, p, shape, g) for _ in range(6)]
    g.manual_seed(7)
    assert np.array_equal(_functional_mask(name, p, shape, g), calls[0])
    other = _functional_mask(name, p, shape, numtorch.Generator().manual_seed(8))
    ok, why = _pairs_ok(np.stack(calls + [other]), 1 - p)
    assert ok, why


def _bernoulli(shape: tuple, q: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape) < q


@pytest.mark.parametrize("q", [1 - p for p in PS])
def test_checks_have_power(q):
    """Each check rejects the bug it is for, at the sizes the tests above use."""
    good = _bernoulli((64, 512), q)
    assert _keep_rate_ok(good, q)[0] and _pairs_ok(good, q)[0] and _positions_ok(good, q)[0]
    assert not _keep_rate_ok(_bernoulli((64, 512), 1 - q), q)[0] or q == 0.5  # p for 1 - p
    assert not _keep_rate_ok(_bernoulli((64, 512), q - 0.02), q)[0]  # a slightly biased draw
    shared = good.copy()
    shared[1] = shared[0]  # two samples share a mask
    assert not _pairs_ok(shared, q)[0]
    flipped = good.copy()
    flipped[5] = ~flipped[4]  # one sample's mask is the complement of another's
    assert not _pairs_ok(flipped, q)[0]
    calls = np.stack([_bernoulli((16, 512), q, s) for s in range(24)])
    calls[3] = calls[2]  # a mask reused by the next call
    assert not _pairs_ok(calls, q)[0]
    stuck = _bernoulli((384, 512), q)
    stuck[:, 17] = q < 0.5  # one channel always kept (or always dropped)
    assert not _positions_ok(stuck, q)[0]


def test_interval_is_a_valid_binomial_bound():
    """The KL interval is never narrower than the exact binomial quantiles it bounds."""
    n, a, d = 200, 0.3, 1e-3
    lo, hi = _interval(n, a, d)
    k = np.arange(n + 1)
    logpmf = (
        np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
        + k * math.log(a)
        + (n - k) * math.log(1 - a)
    )
    pmf = np.exp(logpmf)
    assert pmf[k / n >= hi].sum() <= d / 2 and pmf[k / n <= lo].sum() <= d / 2
    assert pmf[k / n >= a + 0.05].sum() > d / 2  # and not absurdly wide
    assert lo < a < hi and _interval(n, a, d / 10)[1] > hi
