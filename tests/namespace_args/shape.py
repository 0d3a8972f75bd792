"""In-place and ``out=`` test arguments for the shape family's newer ops (see ``core.py``)."""

from __future__ import annotations

INPLACE_ARGS: dict = {}
INPLACE_VALUES: dict = {}
OUT_ARGS: dict = {
    **dict.fromkeys("hstack vstack dstack column_stack".split(), (("list",), ())),
    "narrow_copy": (("x",), (1, 1, 2)),
    "diag": (("x",), (1,)),
    "as_strided_copy": (("x",), ((2, 2), (1, 2), 1)),
    "expand_copy": (("x",), ((2, 2, 3),)),
    "permute_copy": (("x",), ((1, 0),)),
    "select_copy": (("x",), (1, -1)),
    "slice_copy": (("x",), (1, 0, 3, 2)),
    "squeeze_copy": (("x",), (0,)),
    "transpose_copy": (("x",), (0, 1)),
    "unfold_copy": (("x",), (1, 2, 1)),
    "unsqueeze_copy": (("x",), (1,)),
    "view_copy": (("x",), ((3, 2),)),
    "diagonal_copy": (("x",), (0, 1, 0)),
}
