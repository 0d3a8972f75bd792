"""The Bessel functions of ``torch.special`` without a derivative in PyTorch: ``bessel_j0``,
``bessel_j1``, ``bessel_y0``, ``bessel_y1``, ``modified_bessel_k0``, ``modified_bessel_k1``,
their exponentially scaled forms and the Airy function ``airy_ai``, on float64 arrays. The rational and Chebyshev approximations
and their coefficients are PyTorch's (``ATen/native/Math.h``, from Cephes), so the values agree
with PyTorch's to float64 rounding."""

from __future__ import annotations

import numpy as np

from numtorch.ops.special_numerics import i0, i1

__all__ = ["BESSEL"]

# ---------------------------------------------------------------- Cephes' coefficients

_J0_PP = (
    0.0007969367292973471, 0.08283523921074408, 1.239533716464143, 5.447250030587687,
    8.74716500199817, 5.303240382353949, 1.0,
)  # fmt: skip
_J0_PQ = (
    0.0009244088105588637, 0.08562884743544745, 1.2535274390105895, 5.470977403304171,
    8.761908832370695, 5.306052882353947, 1.0,
)  # fmt: skip
_J0_QP = (
    -0.011366383889846916, -1.2825271867050931, -19.553954425773597, -93.20601521237683,
    -177.68116798048806, -147.07750515495118, -51.41053267665993, -6.050143506007285,
)  # fmt: skip
_J0_QQ = (
    64.3178256118178, 856.4300259769806, 3882.4018360540163, 7240.467741956525,
    5930.727011873169, 2062.0933166032783, 242.0057402402914,
)  # fmt: skip
_J0_RP = (
    -4794432209.782018, 1956174919465.5657, -249248344360967.72, 9708622510473064.0,
)  # fmt: skip
_J0_RQ = (
    499.563147152651, 173785.4016763747, 48440965.83399621, 11185553704.535683,
    2112775201154.892, 310518229857422.56, 3.1812195594320496e+16, 1.7108629408104315e+18,
)  # fmt: skip
_J1_PP = (
    0.0007621256162081731, 0.07313970569409176, 1.1271960812968493, 5.112079511468076,
    8.424045901417724, 5.214515986823615, 1.0,
)  # fmt: skip
_J1_PQ = (
    0.0005713231280725487, 0.06884559087544954, 1.105142326340617, 5.073863861286015,
    8.399855543276042, 5.209828486823619, 1.0,
)  # fmt: skip
_J1_QP = (
    0.05108625947501766, 4.982138729512334, 75.82382841325453, 366.7796093601508,
    710.8563049989261, 597.4896124006136, 211.68875710057213, 25.207020585802372,
)  # fmt: skip
_J1_QQ = (
    74.23732770356752, 1056.4488603826283, 4986.410583376536, 9562.318924047562,
    7997.041604473507, 2826.1927851763908, 336.0936078106983,
)  # fmt: skip
_J1_RP = (
    -899971225.7055594, 452228297998.19403, -72749424522181.83, 3682957328638529.0,
)  # fmt: skip
_J1_RQ = (
    620.8364781180543, 256987.25675774884, 83514679.14319493, 22151159547.97925,
    4749141220799.914, 784369607876235.9, 8.952223361846274e+16, 5.322786203326801e+18,
)  # fmt: skip
_Y0_YP = (
    15592.436785523574, -14663929.59039716, 5435264770.518765, -982136065717.9115,
    87590639439536.7, -3466283033847297.0, 4.4273326857256984e+16, -1.8495080043698668e+16,
)  # fmt: skip
_Y0_YQ = (
    1041.2835366425984, 626107.330137135, 268919633.39381415, 86400248710.3935,
    20297961275010.555, 3171577528429750.5, 2.5059625617265306e+17,
)  # fmt: skip
_Y1_YP = (
    1263204747.9017804, -647355876379.1603, 114509511541823.73, -8127702555013251.0,
    2.024394757135949e+17, -7.788771962659501e+17,
)  # fmt: skip
_Y1_YQ = (
    594.3015923461282, 235564.09294306856, 73481194.44597217, 18760131610.870617,
    3882312774962.3857, 620557727146953.8, 6.871410873553005e+16, 3.9727060811656064e+18,
)  # fmt: skip
_K0_A = (
    1.374465435613523e-16, 4.25981614279661e-14, 1.0349695257633842e-11, 1.904516377220209e-09,
    2.5347910790261494e-07, 2.286212103119452e-05, 0.001264615411446926, 0.0359799365153615,
    0.3442898999246285, -0.5353273932339028,
)  # fmt: skip
_K0_B = (
    5.300433772686263e-18, -1.6475804301524212e-17, 5.2103915050390274e-17,
    -1.678231096805412e-16, 5.512055978524319e-16, -1.848593377343779e-15,
    6.3400764774050706e-15, -2.2275133269916698e-14, 8.032890775363575e-14,
    -2.9800969231727303e-13, 1.140340588208475e-12, -4.514597883373944e-12,
    1.8559491149547177e-11, -7.957489244477107e-11, 3.577397281400301e-10,
    -1.69753450938906e-09, 8.574034017414225e-09, -4.660489897687948e-08,
    2.766813639445015e-07, -1.8317555227191195e-06, 1.39498137188765e-05,
    -0.00012849549581627802, 0.0015698838857300533, -0.0314481013119645, 2.4403030820659555,
)  # fmt: skip
_K1_A = (
    -7.023863479386288e-18, -2.427449850519366e-15, -6.666901694199329e-13,
    -1.4114883926335278e-10, -2.213387630734726e-08, -2.4334061415659684e-06,
    -0.0001730288957513052, -0.006975723859639864, -0.12261118082265715, -0.3531559607765449,
    1.5253002273389478,
)  # fmt: skip
_K1_B = (
    -5.756744483665017e-18, 1.7940508731475592e-17, -5.689462558442859e-17,
    1.838093544366639e-16, -6.057047248373319e-16, 2.038703165624334e-15,
    -7.019837090418314e-15, 2.4771544244813043e-14, -8.976705182324994e-14,
    3.3484196660784293e-13, -1.2891739609510289e-12, 5.13963967348173e-12,
    -2.1299678384275683e-11, 9.218315187605006e-11, -4.1903547593418965e-10,
    2.015049755197033e-09, -1.0345762465678097e-08, 5.7410841254500495e-08,
    -3.5019606030878126e-07, 2.406484947837217e-06, -1.936197974166083e-05,
    0.00019521551847135162, -0.002857816859622779, 0.10392373657681724, 2.7206261904844427,
)  # fmt: skip

_AIRY_AN = (
    0.346538101525629, 12.007595273964581, 76.27960536152345, 168.08922493463058,
    159.75639135016442, 70.53609068404442, 14.026469116338967, 1.0,
)  # fmt: skip
_AIRY_AD = (
    0.5675945326387702, 14.75625625848472, 84.51389701414746, 177.31808814540045,
    164.2346928715297, 71.47784008255756, 14.095913560783403, 1.0,
)  # fmt: skip
_AIRY_AFN = (
    -0.1316963234183318, -0.6264565444319123, -0.6931580360369335, -0.2797799815451191,
    -0.04919001326095003, -0.004062659235948854, -0.0001592764962392621,
    -2.776491081552329e-06, -1.6778769848911465e-08,
)  # fmt: skip
_AIRY_AFD = (
    13.356042070655324, 32.682503279522464, 26.736704094149957, 9.187074029072596,
    1.4752914677166642, 0.11568717379518804, 0.004402916416152112, 7.547203482874142e-05,
    4.5185009297058035e-07,
)  # fmt: skip
_AIRY_AGN = (
    0.01973399320916857, 0.39110302961568827, 1.0657989759959559, 0.9391692298166502,
    0.35146565610554764, 0.06338889196289255, 0.005858041130483885, 0.000282851600836737,
    6.98793669997261e-06, 8.117892395543892e-08, 3.415517847659236e-10,
)  # fmt: skip
_AIRY_AGD = (
    9.30892908077442, 19.835292871831214, 15.564662893286462, 5.476860694229755,
    0.9542936116189619, 0.08645808263523921, 0.004126565238242226, 0.00010125908511650914,
    1.1716673321441352e-06, 4.9183457006293e-09,
)  # fmt: skip

_PI_4, _3PI_4 = 0.785398163397448309615660845819875721, 2.356194490192344928846982537459627163
_SQRT_2_PI = 0.797884560802865355879892119868763737  # sqrt(2 / pi)
_TWO_PI = 0.636619772367581343075535053490057448  # 2 / pi


def _poly(z: np.ndarray, coeffs: tuple) -> np.ndarray:
    """Horner's rule, coefficients highest power first."""
    out = np.zeros_like(z)
    for c in coeffs:
        out = out * z + c
    return out


def _far(x: np.ndarray, pp: tuple, pq: tuple, qp: tuple, qq: tuple, z: np.ndarray, kind: str):
    """The large-argument (``x > 5``) form: ``sqrt(2 / (pi x))`` times a phase-shifted mix of
    ``P(z) cos`` and ``Q(z) sin`` (J) or ``P sin`` and ``Q cos`` (Y)."""
    shift = _PI_4 if kind in ("j0", "y0") else _3PI_4
    p, q = _poly(z, pp) / _poly(z, pq), 5.0 / x * (_poly(z, qp) / _poly(z, qq))
    if kind.startswith("j"):
        mix = p * np.cos(x - shift) - q * np.sin(x - shift)
    else:
        mix = p * np.sin(x - shift) + q * np.cos(x - shift)
    return mix * _SQRT_2_PI / np.sqrt(x)


def bessel_j0(x: np.ndarray) -> np.ndarray:
    """The Bessel function of the first kind, order 0 (even)."""
    x = np.abs(np.asarray(x, np.float64))
    x2 = x * x
    near = (x2 - 5.78318596294678452118e00) * (x2 - 3.04712623436620863991e01)
    near = near * _poly(x2, _J0_RP) / _poly(x2, _J0_RQ)
    near = np.where(x < 1e-5, 1.0 - x2 / 4.0, near)
    far = _far(x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, 25.0 / x2, "j0")
    return np.where(x <= 5.0, near, far)


def bessel_j1(x: np.ndarray) -> np.ndarray:
    """The Bessel function of the first kind, order 1 (odd)."""
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    x2 = ax * ax
    near = _poly(x2, _J1_RP) / _poly(x2, _J1_RQ) * ax
    near = near * (x2 - 1.46819706421238932572e01) * (x2 - 4.92184563216946036703e01)
    z = 5.0 / ax * (5.0 / ax)
    far = _far(ax, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, z, "j1")
    out = np.where(ax <= 5.0, near, far)
    return np.where(x < 0, -out, out)


def bessel_y0(x: np.ndarray) -> np.ndarray:
    """The Bessel function of the second kind, order 0 (-inf at 0, nan below)."""
    x = np.asarray(x, np.float64)
    x2 = x * x
    near = _poly(x2, _Y0_YP) / _poly(x2, _Y0_YQ) + _TWO_PI * np.log(x) * bessel_j0(x)
    far = _far(x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, 25.0 / x2, "y0")
    out = np.where(x <= 5.0, near, far)
    return np.where(x == 0, -np.inf, np.where(x < 0, np.nan, out))


def bessel_y1(x: np.ndarray) -> np.ndarray:
    """The Bessel function of the second kind, order 1 (-inf at 0, nan below)."""
    x = np.asarray(x, np.float64)
    x2 = x * x
    near = x * (_poly(x2, _Y1_YP) / _poly(x2, _Y1_YQ))
    near = near + _TWO_PI * (bessel_j1(x) * np.log(x) - 1.0 / x)
    far = _far(x, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, 5.0 / x * (5.0 / x), "y1")
    out = np.where(x <= 5.0, near, far)
    return np.where(x == 0, -np.inf, np.where(x < 0, np.nan, out))


def _chebyshev(t: np.ndarray, coeffs: tuple) -> np.ndarray:
    """Cephes' ``chbevl`` recurrence, returning ``(a - p) / 2``."""
    p, q, a = np.zeros_like(t), np.zeros_like(t), np.full_like(t, coeffs[0])
    for c in coeffs[1:]:
        p, q = q, a
        a = t * q - p + c
    return 0.5 * (a - p)


def _k(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    """The modified Bessel function of the second kind, order 0 or 1, times ``exp(x)`` when
    ``scaled``: Chebyshev series on ``(0, 2]`` and beyond; inf at 0, nan below."""
    x = np.asarray(x, np.float64)
    a, b = (_K0_A, _K0_B) if order == 0 else (_K1_A, _K1_B)
    small = _chebyshev(x * x - 2.0, a)
    if order == 0:
        near = small - np.log(0.5 * x) * i0(x)
    else:
        near = np.log(0.5 * x) * i1(x) + small / x
    far = _chebyshev(8.0 / x - 2.0, b) / np.sqrt(x)
    if scaled:
        near = near * np.exp(x)
    else:
        far = np.exp(-x) * far
    out = np.where(x <= 2.0, near, far)
    return np.where(x == 0, np.inf, np.where(x < 0, np.nan, out))


def airy_ai(x: np.ndarray) -> np.ndarray:
    """The Airy function ``Ai``: asymptotic forms below -2.09 and from 2.09 up (0 beyond
    103.892), the Maclaurin series between (nan at +-inf)."""
    x = np.asarray(x, np.float64)
    out = np.where(x > 103.892, 0.0, np.nan)
    neg = x < -2.09
    xn = np.where(neg, x, -3.0)
    zeta = -2.0 * xn * np.sqrt(-xn) / 3.0
    z2 = (1.0 / zeta) ** 2
    osc = z2 * _poly(z2, _AIRY_AFN) / _poly(z2, _AIRY_AFD)
    phase = zeta + 0.25 * np.pi
    tail = (1.0 / zeta) * _poly(z2, _AIRY_AGN) / _poly(z2, _AIRY_AGD)
    left = (
        5.64189583547756286948e-01
        / np.sqrt(np.sqrt(-xn))
        * (np.sin(phase) * (1.0 + osc) - np.cos(phase) * tail)
    )
    out = np.where(neg, left, out)
    pos = (x >= 2.09) & (x <= 103.892)
    xp = np.where(pos, x, 3.0)
    zeta = 2.0 * xp * np.sqrt(xp) / 3.0
    ratio = _poly(1.0 / zeta, _AIRY_AN) / _poly(1.0 / zeta, _AIRY_AD)
    right = 5.64189583547756286948e-01 * ratio / (2.0 * np.sqrt(np.sqrt(xp)) * np.exp(zeta))
    out = np.where(pos, right, out)
    mid = (x >= -2.09) & (x < 2.09)
    out = np.where(mid, _airy_series(np.where(mid, x, 0.0)), out)
    return np.where(np.isinf(x), np.nan, out)


def _airy_series(x: np.ndarray) -> np.ndarray:
    """``Ai`` near 0: ``c1 f(x) - c2 g(x)``, each series summed until its terms fall below
    float64's epsilon (per element, as PyTorch's loop)."""
    f, g, k, m, n = np.ones_like(x), x.copy(), np.ones_like(x), np.ones_like(x), x.copy()
    z = x * x * x
    live = np.ones(x.shape, dtype=bool)
    while np.any(live):
        m = np.where(live, m * z / (k + 1), m)
        n = np.where(live, n * z / (k + 2), n)
        m = np.where(live, m / (k + 2), m)
        f = np.where(live, f + m, f)
        n = np.where(live, n / (k + 3), n)
        g = np.where(live, g + n, g)
        k = np.where(live, k + 3, k)
        live &= np.abs(m / f) > np.finfo(np.float64).eps
    return 0.355028053887817239260 * f - 0.258819403792806798405 * g


def _bessel(fn, *args) -> object:
    def run(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(x, *args)

    return run


BESSEL = {
    "bessel_j0": _bessel(bessel_j0),
    "bessel_j1": _bessel(bessel_j1),
    "bessel_y0": _bessel(bessel_y0),
    "bessel_y1": _bessel(bessel_y1),
    "modified_bessel_k0": _bessel(_k, 0, False),
    "modified_bessel_k1": _bessel(_k, 1, False),
    "scaled_modified_bessel_k0": _bessel(_k, 0, True),
    "scaled_modified_bessel_k1": _bessel(_k, 1, True),
    "airy_ai": _bessel(airy_ai),
}
