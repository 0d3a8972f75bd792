"""``F.ctc_loss`` and ``nn.CTCLoss`` against PyTorch: losses and PyTorch's gradient for padded
and concatenated targets, unbatched input, every reduction, ``zero_infinity``, infeasible
alignments, a float64 gradcheck through ``log_softmax``, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import check_error, check_gradcheck, check_op, check_saved_versions

T, N, C = 7, 3, 5
PADDED = np.array([[1, 2, 2, 4], [3, 1, 0, 0], [2, 2, 2, 2]], np.int64)
LENGTHS = [
    ([7, 6, 7], [4, 2, 2]),
    ([7, 2, 5], [4, 2, 3]),
    ([0, 7, 7], [0, 0, 1]),
    ([7, 1, 3], [4, 2, 2]),  # sample 1 cannot align: infinite loss
]


def _concatenated(tl: list) -> np.ndarray:
    return np.concatenate([PADDED[i, :n] for i, n in enumerate(tl)]).astype(np.int64)


def _ctc(targets: np.ndarray, il, tl, as_tensors: bool = False, softmax: bool = True, **kw):
    def fn(lib, x):
        lp = lib.nn.functional.log_softmax(x, -1) if softmax else x
        lengths = (lib.tensor(il), lib.tensor(tl)) if as_tensors else (il, tl)
        return lib.nn.functional.ctc_loss(lp, lib.tensor(targets), *lengths, **kw)

    return fn


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("il, tl", LENGTHS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_padded_targets(il, tl, reduction, zero_infinity, dtype):
    fn = _ctc(PADDED, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    check_op(fn, (T, N, C), dtype=dtype, **tol)


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("il, tl", LENGTHS[:3], ids=str)
def test_concatenated_targets_and_tensor_lengths(il, tl, reduction):
    check_op(_ctc(_concatenated(tl), il, tl, True, reduction=reduction), (T, N, C))


def test_gradient_on_raw_log_probs_is_torchs():
    """PyTorch's gradient includes ``exp(log_probs)``; it is kept, so a graph that does not
    start with ``log_softmax`` gets the same gradient as in PyTorch."""
    check_op(_ctc(PADDED, [7, 6, 7], [4, 2, 2], softmax=False), (T, N, C))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_unbatched(reduction):
    check_op(_ctc(PADDED[0], [7], [4], reduction=reduction), (T, C))
    check_op(_ctc(PADDED[0, :3], 6, 3, True, reduction=reduction), (T, C))


@pytest.mark.parametrize("blank", [0, 4])
def test_other_blank_and_repeats(blank):
    targets = np.array([[1, 1, 3], [2, 3, 3]], np.int64) - (blank == 4) * 1
    check_op(_ctc(targets, [7, 6], [3, 3], blank=blank), (7, 2, C))


def test_gradcheck_through_log_softmax():
    check_gradcheck(_ctc(PADDED, [7, 6, 5], [4, 2, 2], reduction="sum"), (T, N, C))
    check_gradcheck(_ctc(_concatenated([3, 1, 2]), [6, 7, 4], [3, 1, 2]), (T, N, C))


def test_module_matches_torch():
    for kw in ({}, {"blank": 4, "reduction": "sum", "zero_infinity": True}):
        mine, theirs = numtorch.nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        assert repr(mine) == repr(theirs) == "CTCLoss()"
        assert (mine.blank, mine.reduction, mine.zero_infinity) == (
            theirs.blank,
            theirs.reduction,
            theirs.zero_infinity,
        )
        assert list(mine.state_dict()) == []
    targets = PADDED + 0  # no blank-4 labels for the second module
    targets[targets == 4] = 1

    def fn(lib, x):
        return lib.nn.CTCLoss(blank=4)(x.log_softmax(2), lib.tensor(targets), [7, 6, 7], [4, 2, 2])

    check_op(fn, (T, N, C))


def _bad(lib, **kw):
    args = {
        "log_probs": lib.randn(T, N, C).log_softmax(2),
        "targets": lib.tensor(PADDED),
        "input_lengths": [7, 6, 7],
        "target_lengths": [4, 2, 2],
    }
    args.update({k: v(lib) if callable(v) else v for k, v in kw.items()})
    return lib.nn.functional.ctc_loss(**args)


BAD = {
    "float input lengths": (
        {"input_lengths": lambda L: L.tensor([7.0, 6, 7]), "target_lengths": lambda L: L.ones(3)},
        "input_lengths must be integral",
    ),
    "float target lengths": (
        {
            "input_lengths": lambda L: L.ones(3, dtype=L.int64),
            "target_lengths": lambda L: L.ones(3),
        },
        "target_lengths must be integral",
    ),
    "mixed lengths": (
        {"input_lengths": lambda L: L.tensor([7, 6, 7])},
        "received an invalid combination of arguments",
    ),
    "input lengths size": ({"input_lengths": [7, 6]}, "input_lengths must be of size batch_size"),
    "target lengths size": ({"target_lengths": [4]}, "target_lengths must be of size batch_size"),
    "input too long": ({"input_lengths": [8, 6, 7]}, "to have value at most 7, but got value 8"),
    "negative input": ({"input_lengths": [-1, 6, 7]}, "at least 0, but got value -1"),
    "target too long": ({"target_lengths": [5, 2, 2]}, "size at least 5 at dimension 1"),
    "negative target length": ({"target_lengths": [-1, 2, 2]}, "at least 0, but got value -1"),
    "concatenated size": ({"targets": lambda L: L.tensor([1, 2, 3])}, "to have size 8 at dim"),
    "padded batch": ({"targets": lambda L: L.tensor(PADDED[:2])}, "to have size 3 at dim"),
    "blank": ({"blank": 5}, "blank must be in label range"),
    "negative blank": ({"blank": -1}, "blank must be in label range"),
    "1-D input": ({"log_probs": lambda L: L.randn(T)}, "Expected 3-dimensional tensor"),
    "4-D input": ({"log_probs": lambda L: L.randn(T, N, C, 1)}, "but got 5-dimensional"),
    "reduction": ({"reduction": "x"}, "x is not a valid value for reduction"),
    "int input": ({"log_probs": lambda L: L.zeros(T, N, C, dtype=L.int32)}, "ctc_loss_cpu"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises_like_torch(case):
    kw, match = BAD[case]
    check_error(lambda lib: _bad(lib, **kw), match)


def test_int_lengths_are_a_type_error():
    with pytest.raises(TypeError, match="input_lengths"):
        _bad(numtorch, input_lengths=7)


def test_out_of_range_label_is_refused():
    with pytest.raises(RuntimeError, match=r"target labels must be in \[0, 5\)"):
        _bad(numtorch, targets=lambda L: L.tensor(PADDED + 3))


def test_saved_values_are_version_checked_like_torch():
    def fn(lib, x):
        return lib.nn.functional.ctc_loss(
            x, lib.tensor(PADDED), [7, 6, 7], [4, 2, 2], reduction="sum"
        )

    check_saved_versions(fn, (T, N, C))
