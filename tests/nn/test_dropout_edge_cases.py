"""The dropout family's contract at its edges, for every member: eval mode, p = 0 and 1, bad
arguments, in-place use, dtypes and layouts, NaN input, and peak memory."""

from __future__ import annotations

import inspect
import tracemalloc

import numpy as np
import pytest
import torch
from dropout_cases import CASES, FEATURE, Case, randn, train

import numtorch
from numtorch.ops import dropout as ops

# ---------------------------------------------------------------- eval mode, p = 0, p = 1


@pytest.mark.parametrize("case", CASES, ids=str)
def test_eval_returns_the_input_itself_without_drawing(case: Case) -> None:
    x = randn(case.shape, requires_grad=True)
    layer = case.layer(numtorch, 0.5).eval()
    state = numtorch.get_rng_state()
    assert layer(x) is x
    assert case.fn(numtorch)(x, 0.5, False) is x
    assert case.fn(numtorch)(x, 0.5, False, True) is x  # in-place on a leaf: nothing happens
    assert numtorch.get_rng_state().equal(state)
    assert layer.last_mask is None


@pytest.mark.parametrize("case", CASES, ids=str)
def test_p_zero_is_the_identity(case: Case) -> None:
    x = randn(case.shape, requires_grad=True)
    state = numtorch.get_rng_state()
    assert train(case, x, 0.0) is x  # as in PyTorch: the input itself
    assert torch_identity(case)
    layer = case.layer(numtorch, 0)
    assert layer(x) is x
    assert layer.last_mask.numpy().all() and layer.last_mask.shape == case.mask_shape()
    assert numtorch.get_rng_state().equal(state)


def torch_identity(case: Case) -> bool:
    t = torch.randn(case.shape)
    return case.fn(torch)(t, 0.0, True) is t


@pytest.mark.parametrize("case", CASES, ids=str)
def test_p_one_gives_zeros_and_zero_gradients(case: Case) -> None:
    data = np.random.default_rng(0).standard_normal(case.shape).astype(np.float32)
    data.flat[0], data.flat[1] = np.nan, np.inf
    x = numtorch.tensor(data, requires_grad=True)
    state = numtorch.get_rng_state()
    with np.errstate(all="raise"):  # no division by zero, no invalid operation
        out = train(case, x, 1.0)
        out.backward(numtorch.ones(case.shape))
    values = out.detach().numpy()
    assert (values == 0).all() and (x.grad.numpy() == 0).all()
    assert not np.signbit(values).any()
    assert numtorch.get_rng_state().equal(state)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_empty_input_is_returned_as_is(case: Case) -> None:
    x = numtorch.zeros((0,) + case.shape[1:])
    assert train(case, x, 0.5) is x
    assert case.fn(torch)(torch.zeros(x.shape), 0.5, True).shape == torch.Size(x.shape)


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf")])
def test_p_outside_zero_one_raises_value_error(case: Case, p: float) -> None:
    msg = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=msg):
        case.layer(numtorch, p)
    with pytest.raises(ValueError, match=msg):
        train(case, randn(case.shape), p)
    if not np.isnan(p):
        with pytest.raises(ValueError, match=msg):
            case.layer(torch, p)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("p", ["0.5", numtorch.tensor(0.5), None, [0.5]])
def test_p_that_is_not_a_real_number_raises_type_error(case: Case, p: object) -> None:
    with pytest.raises(TypeError, match="dropout probability must be a real number, but got"):
        case.layer(numtorch, p)
    with pytest.raises(TypeError, match="must be a real number"):
        train(case, randn(case.shape), p)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_input_that_is_not_a_tensor_raises_type_error(case: Case) -> None:
    with pytest.raises(
        TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not ndarray"
    ):
        train(case, np.ones(case.shape), 0.5)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_integer_input_raises_like_torch(case: Case) -> None:
    x = numtorch.ones(case.shape, dtype=numtorch.int64)
    with pytest.raises(RuntimeError, match="floating-point input, but got torch.int64.*Long"):
        train(case, x, 0.5)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        case.fn(torch)(torch.ones(case.shape, dtype=torch.int64), 0.5, True)
    assert case.fn(numtorch)(x, 0.5, False) is x  # eval mode does not look at the dtype


BAD_RANKS = [
    (c, n)
    for c in FEATURE
    for n in ((0, 1) if c.functional == "feature_alpha_dropout" else range(7))
    if n not in (len(c.shape) - 1, len(c.shape))
    and not (c.functional == "dropout2d" and n == 2)  # PyTorch warns and applies it
]


@pytest.mark.parametrize("case,ndim", BAD_RANKS, ids=str)
def test_feature_dropout_rejects_other_ranks(case: Case, ndim: int) -> None:
    """(N, C, *spatial) or (C, *spatial) only; feature_alpha_dropout takes any rank >= 2."""
    x = numtorch.ones((2,) * ndim)
    for error in (ValueError, RuntimeError):  # numtorch's type, and PyTorch's for dropout1d
        with pytest.raises(error, match=f"received a {ndim}D input|at least 2 dimensions"):
            train(case, x, 0.5)
        if case.functional == "feature_alpha_dropout":  # PyTorch returns before its rank check
            assert case.layer(numtorch, 0.5).eval()(x) is x
            assert case.layer(torch, 0.5).eval()(torch.ones((2,) * ndim)).shape == x.shape
            continue
        with pytest.raises(error, match=f"received a {ndim}D input|at least 2 dimensions"):
            case.layer(numtorch, 0.5).eval()(x)


def test_dropout2d_on_2d_input_warns_as_pytorch_and_drops_elements() -> None:
    """(N, C) input: PyTorch's UserWarning, word for word, then one draw per element."""
    x = numtorch.ones(64, 50, requires_grad=True)
    for run in (
        lambda m: m.nn.functional.dropout2d(x if m is numtorch else torch.ones(64, 50), 0.5),
        lambda m: m.nn.Dropout2d(0.5)(x if m is numtorch else torch.ones(64, 50)),
    ):
        with pytest.warns(UserWarning) as ours:
            y = run(numtorch)
        with pytest.warns(UserWarning) as theirs:
            run(torch)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
        values = y.detach().numpy()
        assert set(np.unique(values)) <= {0.0, 2.0}
        assert 0 < (values == 0).sum() < values.size and not (values == 0).all(axis=1).any()
        x.grad = None
        y.sum().backward()
        assert (x.grad.numpy() == values).all()
    with pytest.warns(UserWarning) as caught:
        numtorch.nn.functional.dropout2d(x)
    assert caught[0].filename == __file__  # the functional warning points at the caller's line
    with pytest.warns(UserWarning, match="Received a 2-D input"):
        assert numtorch.nn.Dropout2d(0.5).eval()(x) is x  # warns in eval mode too, as PyTorch


def test_dropout1d_rank_error_is_pytorchs_message() -> None:
    x = numtorch.ones(5)
    with pytest.raises(RuntimeError) as ours:
        numtorch.nn.functional.dropout1d(x)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.dropout1d(torch.ones(5))
    assert str(ours.value).startswith(str(theirs.value)[:-1])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_generator_must_be_a_numtorch_generator(case: Case) -> None:
    with pytest.raises(TypeError, match="generator must be a numtorch.Generator, but got"):
        train(case, randn(case.shape), 0.5, generator=np.random.default_rng(0))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_signature_matches_torch(case: Case) -> None:
    ours = inspect.signature(case.fn(numtorch)).parameters
    theirs = inspect.signature(case.fn(torch)).parameters
    assert [(n, p.default) for n, p in theirs.items()] == [
        (n, p.default) for n, p in ours.items() if n != "generator"
    ]
    assert ours["generator"].kind is inspect.Parameter.KEYWORD_ONLY


# ---------------------------------------------------------------- in-place


@pytest.mark.parametrize("case", CASES, ids=str)
def test_inplace_writes_into_the_input_and_returns_it(case: Case) -> None:
    x = randn(case.shape)
    before, version = x.numpy().copy(), x._version[0]
    numtorch.manual_seed(5)
    out = train(case, x, 0.5, inplace=True)
    assert out is x and x._version[0] == version + 1
    numtorch.manual_seed(5)
    np.testing.assert_array_equal(x.numpy(), train(case, numtorch.tensor(before), 0.5).numpy())


@pytest.mark.parametrize("case", CASES, ids=str)
def test_inplace_on_a_leaf_that_requires_grad_raises(case: Case) -> None:
    x = randn(case.shape, requires_grad=True)
    msg = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=msg):
        train(case, x, 0.5, inplace=True)
    with pytest.raises(RuntimeError, match=msg):
        case.fn(torch)(torch.ones(case.shape, requires_grad=True), 0.5, True, True)
    with numtorch.no_grad():
        assert train(case, x, 0.5, inplace=True) is x


@pytest.mark.parametrize("case", CASES, ids=str)
def test_inplace_inside_a_graph_keeps_backward_right(case: Case) -> None:
    leaf = randn(case.shape, requires_grad=True)
    hidden = leaf * 3
    layer = case.layer(numtorch, 0.4, inplace=True)
    out = layer(hidden)
    assert out is hidden and hidden.grad_fn is not None and hidden._version[0] == 1
    (out * out).sum().backward()
    keep = case.broadcast(layer.last_mask.numpy(), leaf.ndim)
    a, b, c = ops.affine(0.4, case.alpha, np.float32)
    y = np.where(keep, leaf.detach().numpy() * 3 * a + b, c)
    expected = np.where(keep, 2 * y * a * 3, 0).astype(np.float32)
    np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-6)


def _torch_inplace_with_mask(case: Case, h, keep: np.ndarray, p: float) -> None:
    """PyTorch's in-place dropout of ``h`` with numtorch's mask: ``h*a + b`` kept, ``c``
    dropped, written by in-place ops on ``h`` (PyTorch's streams differ, so the mask is given)."""
    a, b, c = (float(v) for v in ops.affine(p, case.alpha, np.float32))
    h.mul_(torch.tensor(np.where(keep, a, 0.0).astype(np.float32)))
    if case.alpha:
        h.add_(torch.tensor(np.where(keep, b, c).astype(np.float32)))


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("where", ["tensor", "view"])
def test_inplace_on_a_graph_tensor_matches_torch(case: Case, where: str) -> None:
    """In place on a non-leaf (or on a view of one: PyTorch's CopySlices), values and
    gradients equal PyTorch's for the same mask."""
    data = np.random.default_rng(2).standard_normal(case.shape).astype(np.float32)
    x, tx = numtorch.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    h, th = x * 3, tx * 3
    target, t_target = (h[1:], th[1:]) if where == "view" else (h, th)
    layer = case.layer(numtorch, 0.4, inplace=True)
    assert layer(target) is target
    keep = case.broadcast(layer.last_mask.numpy(), target.ndim)
    _torch_inplace_with_mask(case, t_target, np.broadcast_to(keep, target.shape), 0.4)
    (h * h).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    assert h.grad_fn.name() == th.grad_fn.name()


# ---------------------------------------------------------------- dtypes, layouts, NaN


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_preserved(case: Case, dtype) -> None:
    x = randn(case.shape, dtype=dtype, requires_grad=True)
    out = train(case, x, 0.5)
    out.backward(numtorch.ones(case.shape, dtype=x.dtype))
    assert out.dtype is x.dtype and x.grad.dtype is x.dtype


@pytest.mark.parametrize("case", CASES, ids=str)
def test_non_contiguous_input_works_and_keeps_its_layout(case: Case) -> None:
    base = randn(case.shape[:2] + (4,) + case.shape[2:])
    x = base.transpose(0, 1)[:, :, 1]  # a strided view: (C, N, ...) with gaps
    assert not x.is_contiguous()
    numtorch.manual_seed(3)
    out = train(case, x, 0.5)
    numtorch.manual_seed(3)
    np.testing.assert_array_equal(out.numpy(), train(case, x.contiguous(), 0.5).numpy())
    data = np.ones(case.shape, dtype=np.float32)
    permuted, t_permuted = numtorch.tensor(data).transpose(0, 1), torch.tensor(data).transpose(0, 1)
    assert train(case, permuted, 0.5).stride() == case.fn(torch)(t_permuted, 0.5, True).stride()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_dropped_elements_are_exactly_zero_even_for_nan_input(case: Case) -> None:
    """A documented difference: PyTorch multiplies by 0 and leaves NaN in a dropped map."""
    x = numtorch.full(case.shape, float("nan"))
    layer = case.layer(numtorch, 0.5)
    out = layer(x).numpy()
    dropped = ~np.broadcast_to(case.broadcast(layer.last_mask.numpy(), x.ndim), case.shape)
    c = ops.affine(0.5, case.alpha, np.float32)[2]
    assert dropped.any() and (out[dropped] == c).all()
    assert np.isnan(out[~dropped]).all()
    torch.manual_seed(0)
    assert case.fn(torch)(torch.full(case.shape, float("nan")), 0.5, True).isnan().all()


# ---------------------------------------------------------------- memory


def peak_bytes(fn, *args, **kwargs) -> int:
    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def _input_of_64_mb(case: Case, **kwargs) -> numtorch.Tensor:
    shape = (16, 64, 16384) if len(case.shape) == 3 else (16, 64, 128, 128)
    if len(case.shape) == 5:
        shape = (16, 64, 8, 16, 128)
    x = numtorch.full(shape, 1.5, **kwargs)
    assert x.numel() * 4 == 64 * 2**20
    return x


@pytest.mark.parametrize("case", CASES, ids=str)
def test_peak_memory_of_a_64_mb_input(case: Case) -> None:
    """The forward allocates the output and the mask, nothing else: ~1.0x the input for the
    feature variants (an (N, C) mask), 1/32 more for element-wise ones (a bit per float32)."""
    x = _input_of_64_mb(case)
    size = x.numel() * 4
    bound = 1 + 1 / 32 if case.mask_dims == 3 else 1.0
    assert peak_bytes(train, case, x, 0.5) <= bound * size + 2**20
    assert peak_bytes(case.layer(numtorch, 0.5), x) <= bound * size + 2**20
    # in place: nothing full-size, only the mask
    assert peak_bytes(train, case, x, 0.5, inplace=True) <= (bound - 1) * size + 2**20


@pytest.mark.parametrize("case", CASES, ids=str)
def test_inplace_under_autograd_adds_at_most_5_percent_of_a_64_mb_input(case: Case) -> None:
    """On a non-leaf that requires grad, in-place dropout writes straight into the input's
    storage (its backward reads only the mask): the whole call, node included, allocates at
    most 5% of the input (the packed element-wise mask is 1/32 of it)."""
    warm = randn(case.shape, requires_grad=True) * 1.0  # compile kernels outside the count
    train(case, warm, 0.5, inplace=True).sum().backward()
    leaf = _input_of_64_mb(case, requires_grad=True)
    hidden = leaf * 1.0
    peak = peak_bytes(train, case, hidden, 0.5, inplace=True)
    assert peak <= 0.05 * leaf.numel() * 4, f"{peak / (leaf.numel() * 4):.1%} of the input"
    assert (
        hidden.grad_fn.name() == ("AddBackward0" if "alpha" in str(case) else "MulBackward0")
        and hidden._version[0] == 1
    )
    hidden.sum().backward()
    grad = leaf.grad.numpy()
    a = ops.affine(0.5, case.alpha, np.float32)[0]
    assert set(np.unique(grad).tolist()) == {0.0, float(a)}


def test_channel_dropout_in_float16_with_p_near_one_drops_to_zeros_not_nan():
    """1/(1-p) overflows float16 to inf for p = 0.99999: dropped maps are still exact zeros
    (the scale is chosen, not multiplied by the mask: 0 * inf would be NaN)."""
    x = numtorch.ones(64, 64, 2, 2, dtype=numtorch.float16)
    numtorch.manual_seed(0)
    out = numtorch.nn.functional.dropout2d(x, 0.99999)
    assert not np.isnan(out.numpy()).any()
    expected = torch.nn.functional.dropout2d(torch.ones(64, 64, 2, 2, dtype=torch.float16), 0.99999)
    assert not torch.isnan(expected).any()


def test_dropout_scale_is_computed_from_p_as_a_double_whatever_its_type():
    """``p`` given as a NumPy float32 and as a Python float: the same scale (PyTorch's double
    ``1/(1-p)`` rounded once), in either order."""
    x = numtorch.ones(4, 8, 2, 2, dtype=numtorch.float64)
    scales = []
    for p in (np.float32(0.3), float(np.float32(0.3))):
        out = numtorch.nn.functional.dropout2d(x, p).numpy()
        scales.append(np.unique(out[out != 0]).tolist())
    assert scales[0] == scales[1] == [1 / (1 - float(np.float32(0.3)))]
