"""In-place and ``out=`` test arguments for the comparison, logical and bitwise family's newer
ops (see ``core.py``)."""

from __future__ import annotations

INPLACE_ARGS: dict = {
    **dict.fromkeys(
        "logical_and logical_or logical_xor".split(), lambda lib: (lib.tensor([1.0, 0.0, 3.0]),)
    ),
}
INPLACE_VALUES: dict = {
    "logical_not": [0.0, 1.25, -0.0],
}
OUT_ARGS: dict = {
    **dict.fromkeys(
        "bitwise_xor bitwise_left_shift bitwise_right_shift".split(), (("i", "i2"), ())
    ),
    "isin": (("i", "i2"), ()),
    **dict.fromkeys(
        "isposinf isneginf signbit".split(),
        lambda lib: (lib.tensor([[float("inf"), -float("inf"), -0.0], [1.0, -2.0, 0.0]]),),
    ),
}
