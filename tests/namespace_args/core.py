"""The argument tables of the in-place and ``out=`` tests (tests/test_namespace.py) for the
ops declared before the families had their own tables. Each family's module in this package
owns its own rows; ``__init__`` merges them."""

from __future__ import annotations

# Extra arguments of in-place ops that take more than ``self``; every other one is unary.
INPLACE_ARGS = {
    "add": lambda lib: (lib.tensor([0.5, -1.0, 2.0]),),
    "sub": lambda lib: (0.25,),
    "mul": lambda lib: (lib.tensor([2.0, -1.0, 0.5]),),
    "div": lambda lib: (lib.tensor([2.0, -4.0, 0.5]),),
    "true_divide": lambda lib: (3.0,),
    "pow": lambda lib: (2.0,),
    "clamp": lambda lib: (0.8, 1.5),
    "remainder": lambda lib: (0.7,),
    "masked_fill": lambda lib: (lib.tensor([True, False, True]), 0.5),
    "clamp_min": lambda lib: (1.0,),
    "clamp_max": lambda lib: (lib.tensor([1.0, 1.0, 2.0]),),
    "atan2": lambda lib: (lib.tensor([0.5, -1.0, 2.0]),),
    "hypot": lambda lib: (lib.tensor([0.5, -1.0, 2.0]),),
    "xlogy": lambda lib: (lib.tensor([0.5, 1.5, 2.0]),),
    "lerp": lambda lib: (lib.tensor([2.0, -1.0, 0.5]), 0.3),
    "fmod": lambda lib: (0.7,),
    "cumsum": lambda lib: (0,),
    "cumprod": lambda lib: (-1,),
}
# Inputs of in-place ops whose domain excludes the default values (which lie in (0.75, 1.9)).
INPLACE_VALUES = {
    **dict.fromkeys("asin acos erfinv".split(), [0.25, -0.5, 0.9]),
    **dict.fromkeys("tril triu".split(), [[0.75, 1.25, 1.9], [0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]),
}

# Arguments for each op declared with out=: (input arrays, extra args), the arrays named as in
# ``tests/test_namespace.py``'s ``_arrays``; or a function of the library returning the
# arguments. Default: (x,).
OUT_ARGS = {
    **dict.fromkeys(
        "eq ne lt le gt ge add sub mul div true_divide maximum minimum remainder atan2 hypot "
        "logaddexp xlogy fmod".split(),
        (("x", "y"), ()),
    ),
    "lerp": (("x", "y"), (0.3,)),
    "clamp_min": (("x",), (0.2,)),
    "clamp_max": (("x",), (0.2,)),
    **dict.fromkeys("asin acos atanh erfinv".split(), (("unit",), ())),
    "acosh": (("above_one",), ()),
    **dict.fromkeys("logical_and logical_or logical_xor".split(), (("b", "b2"), ())),
    **dict.fromkeys("bitwise_and bitwise_or".split(), (("i", "i2"), ())),
    "bitwise_not": (("i",), ()),
    "logical_not": (("b",), ()),
    "pow": (("x",), (2.0,)),
    "clamp": (("x",), (-1.0, 1.0)),
    "where": (("b", "x", "y"), ()),
    "cat": (("list",), (1,)),
    "stack": (("list",), (0,)),
    "gather": (("x",), (1, "idx")),
    "matmul": (("x", "xt"), ()),
    "mm": (("x", "xt"), ()),
    "bmm": (("x3", "x3t"), ()),
    **dict.fromkeys(
        "sum mean var std amax amin argmax argmin logsumexp prod cumsum cumprod logcumsumexp "
        "nansum nanmean".split(),
        (("x",), (1,)),
    ),
    "any": (("b",), ()),
    "all": (("b",), ()),
    **dict.fromkeys("log sqrt rsqrt log1p log2 log10".split(), (("pos",), ())),
}
