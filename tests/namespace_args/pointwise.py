"""In-place and ``out=`` test arguments for the pointwise family's newer ops (see ``core.py``)."""

from __future__ import annotations

INPLACE_ARGS: dict = {
    "copysign": lambda lib: (lib.tensor([-1.0, 2.0, -0.5]),),
    "mvlgamma": lambda lib: (2,),
    "ldexp": lambda lib: (lib.tensor([1.0, -2.0, 0.5]),),
    "nextafter": lambda lib: (lib.tensor([2.0, 0.0, 2.0]),),
    "logit": lambda lib: (0.2,),
}
INPLACE_VALUES: dict = {
    "logit": [0.1, 0.5, 0.9],
}
OUT_ARGS: dict = {
    **dict.fromkeys(
        "copysign fmax fmin logaddexp2 nextafter floor_divide heaviside".split(),
        (("x", "y"), ()),
    ),
    "ldexp": (("x", "i"), ()),
    **dict.fromkeys("gcd lcm".split(), (("i", "i2"), ())),
    **dict.fromkeys("igamma igammac".split(), (("pos", "above_one"), ())),
    "polygamma": lambda lib: (2, lib.tensor([0.5, 1.5, 3.0])),
    "mvlgamma": (("above_one",), (2,)),
    "float_power": (("x",), (2.0,)),
    "threshold": (("x",), (0.5, -1.0)),
    "logit": lambda lib: (lib.tensor([0.2, 0.5, 0.7]),),
}
