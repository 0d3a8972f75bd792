"""In-place and ``out=`` test arguments for the reduction family's newer ops (see ``core.py``),
the statistics ops included."""

from __future__ import annotations

INPLACE_ARGS: dict = {
    "renorm": lambda lib: (2, 0, 1.5),
}
INPLACE_VALUES: dict = {
    "renorm": [[0.75, 1.25, 1.9], [0.5, -1.0, 0.2], [1.5, 0.3, -0.7]],
}
OUT_ARGS: dict = {
    "quantile": (("x",), (0.3, 1)),
    "nanquantile": (("x",), (0.6,)),
    "histc": (("x",), (4,)),
    "renorm": (("x",), (2, 0, 1.5)),
    "diff": (("x",), (1, 0)),
    "bucketize": lambda lib: (lib.tensor([[0.5, 3.0], [2.0, 9.0]]), lib.tensor([1.0, 2.0, 5.0])),
    "searchsorted": lambda lib: (lib.tensor([1.0, 2.0, 5.0]), lib.tensor([[0.5, 3.0], [2.0, 9.0]])),
}
