"""``Tensor``'s attributes and conversions, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_error, check_op, check_same

import numtorch


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 1, 4)])
def test_shape_size_dim_numel(shape: tuple) -> None:
    t, n = torch.zeros(shape), numtorch.zeros(shape)
    assert repr(n.shape) == repr(t.shape)
    assert repr(n.size()) == repr(t.size())
    assert n.shape == t.shape and isinstance(n.shape, tuple)
    assert n.dim() == t.dim() and n.ndim == t.ndim
    assert n.numel() == t.numel() and n.shape.numel() == t.shape.numel()
    for d in range(-len(shape), len(shape)):
        assert n.size(d) == t.size(d)
    assert len(n) == len(t) if shape else True


@pytest.mark.parametrize("dim", [2, -3, 5])
def test_size_dim_out_of_range(dim: int) -> None:
    check_error(lambda lib: lib.zeros(2, 3).size(dim), r"Dimension out of range")


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2.0], "torch.float32"),
        ([1, 2], "torch.int64"),
        ([True, False], "torch.bool"),
        ([1, 2.5], "torch.float32"),
        ([True, 1], "torch.int64"),
        ([True, 2.5], "torch.float32"),
        ([], "torch.float32"),
        (3, "torch.int64"),
        (3.0, "torch.float32"),
        (False, "torch.bool"),
        (np.float64(2.0), "torch.float64"),
        (np.array([1, 2], dtype=np.int32), "torch.int32"),
        (np.array([1.0], dtype=np.float64), "torch.float64"),
        ([np.float64(1.5)], "torch.float64"),
    ],
)
def test_inferred_dtype(data: object, dtype: str) -> None:
    assert str(torch.tensor(data).dtype) == dtype
    assert str(numtorch.tensor(data).dtype) == dtype


def test_dtype_objects() -> None:
    n = numtorch.zeros(2)
    assert n.dtype is numtorch.float32 and repr(n.dtype) == "torch.float32"
    assert n.is_floating_point() and not numtorch.zeros(2, dtype=numtorch.int64).is_floating_point()


def test_requires_grad_flags() -> None:
    x = numtorch.ones(2)
    assert not x.requires_grad and x.grad is None and x.grad_fn is None and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert x.requires_grad_(False) is x and not x.requires_grad
    with numtorch.no_grad():
        z = numtorch.ones(2, requires_grad=True) * 2
    assert not z.requires_grad and z.is_leaf


def test_requires_grad_errors() -> None:
    check_error(
        lambda lib: lib.tensor([1, 2]).requires_grad_(),
        "only Tensors of floating point dtype can require gradients",
    )
    check_error(
        lambda lib: lib.tensor([1, 2], requires_grad=True),
        "Only Tensors of floating point and complex dtype can require gradients",
    )
    check_error(
        lambda lib: (lib.ones(2, requires_grad=True) * 2).requires_grad_(False),
        "you can only change requires_grad flags of leaf variables",
    )


def test_grad_after_backward() -> None:
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, numtorch.Tensor) and x.grad.tolist() == [2.0, 4.0]
    assert not x.grad.requires_grad


def test_detach_shares_memory_and_cuts_graph() -> None:
    x = numtorch.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 10.0
    assert y.tolist() == [10.0, 2.0, 2.0]


def test_numpy_shares_memory() -> None:
    x = numtorch.zeros(3)
    arr = x.numpy()
    arr[1] = 5.0
    assert x.tolist() == [0.0, 5.0, 0.0]
    x.add_(1)
    assert arr.tolist() == [1.0, 6.0, 1.0]
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32


def test_numpy_refused_when_requires_grad() -> None:
    check_error(
        lambda lib: lib.ones(2, requires_grad=True).numpy(),
        r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\)",
    )
    assert numtorch.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor(2.5),
        lambda lib: lib.tensor([7]),
        lambda lib: lib.tensor([[True]]),
        lambda lib: lib.tensor(3),
        lambda lib: lib.tensor([1.5], dtype=lib.float64),
    ],
)
def test_item(make) -> None:
    check_same(lambda lib: make(lib).item())


def test_item_errors() -> None:
    check_error(lambda lib: lib.zeros(2, 3).item(), "a Tensor with 6 elements cannot be converted")
    check_error(lambda lib: lib.zeros(0).item(), "a Tensor with 0 elements cannot be converted")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([[1.5, 2.0], [3.0, 4.0]]),
        lambda lib: lib.tensor([1, 2, 3]),
        lambda lib: lib.tensor(2.0),
        lambda lib: lib.tensor([True, False]),
        lambda lib: lib.zeros(2, 0),
    ],
)
def test_tolist(make) -> None:
    n, t = make(numtorch).tolist(), make(torch).tolist()
    assert n == t and repr(n) == repr(t)


def test_clone_has_own_storage_and_keeps_graph() -> None:
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and c.tolist() == [1.0, 2.0]
    with numtorch.no_grad():
        c[0] = 5.0
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", "float32"),
        ("double", "float64"),
        ("long", "int64"),
        ("int", "int32"),
        ("bool", "bool"),
        ("half", "float16"),
    ],
)
def test_conversion_methods(method: str, dtype: str) -> None:
    check_same(lambda lib: getattr(lib.tensor([-1.7, 0.0, 2.5]), method)())
    assert str(getattr(numtorch.zeros(2), method)().dtype) == f"torch.{dtype}"


@pytest.mark.parametrize(
    "convert",
    [
        lambda lib, x: x.to(lib.float64),
        lambda lib, x: x.to(dtype=lib.int32),
        lambda lib, x: x.to("cpu", lib.float64),
        lambda lib, x: x.to(lib.zeros(1, dtype=lib.float64)),
        lambda lib, x: x.to("cpu"),
        lambda lib, x: x.type(lib.float64),
        lambda lib, x: x.type(lib.DoubleTensor),
        lambda lib, x: x.type("torch.IntTensor"),
    ],
)
def test_to(convert) -> None:
    check_same(lambda lib: convert(lib, lib.tensor([1.25, -2.5])))


def test_to_same_dtype_returns_self() -> None:
    x = numtorch.zeros(2)
    assert x.to(numtorch.float32) is x and x.float() is x
    assert x.to(numtorch.float32, copy=True) is not x


def test_to_errors() -> None:
    with pytest.raises(TypeError):
        numtorch.zeros(2).to(5)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        numtorch.zeros(2).to("cuda")


def test_to_float64_in_graph() -> None:
    check_op(lambda lib, x: x.to(lib.float64) * 3, (2, 3))
    check_op(lambda lib, x: x.double().float() * x, (4,))


def test_misc_protocol() -> None:
    check_same(lambda lib: float(lib.tensor([2.5])))
    check_same(lambda lib: int(lib.tensor(3.7)))
    check_same(lambda lib: bool(lib.tensor([0.0])))
    check_same(lambda lib: [v.item() for v in lib.tensor([1, 2, 3])])
    check_same(lambda lib: 2 in lib.tensor([1, 2, 3]))
    check_error(lambda lib: bool(lib.zeros(2)), "Boolean value of Tensor with more than one")
    check_error(lambda lib: len(lib.tensor(1.0)), "len\\(\\) of a 0-d tensor")
    check_error(lambda lib: iter(lib.tensor(1.0)), "iteration over a 0-d tensor")


def test_device_and_contiguity() -> None:
    x = numtorch.zeros(2, 3)
    assert str(x.device) == "cpu" and x.is_contiguous() and not x.t().is_contiguous()
    assert x.t().stride() == torch.zeros(2, 3).t().stride()
    assert x.cpu() is x


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.Tensor([1, 2]),
        lambda lib: lib.Tensor(np.ones(2)),
        lambda lib: lib.Tensor(2, 3).shape,
        lambda lib: lib.Tensor([2, 3]).shape,
        lambda lib: lib.Tensor(),
        lambda lib: lib.Tensor(np.array([[1, 2]], dtype=np.int64)),
    ],
)
def test_legacy_constructor(make) -> None:
    check_same(make)
    check_error(lambda lib: lib.Tensor(2.5), "data must be a sequence")


def test_comparison_with_non_numbers() -> None:
    check_same(lambda lib: lib.ones(2) == None)  # noqa: E711 - the operator is what we test
    check_same(lambda lib: lib.ones(2) != None)  # noqa: E711
    check_same(lambda lib: lib.ones(2) == "a")
    check_same(lambda lib: lib.ones(2) in [None, "x"])
    check_error(lambda lib: lib.ones(2) < None, "'<' not supported between instances of 'Tensor'")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(2) * np.float32(2),
        lambda lib: lib.ones(2, dtype=lib.int64) * np.float32(2.5),
        lambda lib: lib.ones(2, dtype=lib.int64) * np.int32(2),
        lambda lib: np.float32(2) * lib.ones(2, dtype=lib.int64),
        lambda lib: lib.ones(2, dtype=lib.float16) * np.float64(2),
        lambda lib: lib.ones(2) + np.bool_(True),
        lambda lib: np.int64(3) - lib.ones(2),
    ],
)
def test_numpy_scalars_act_as_python_numbers(make) -> None:
    check_same(make)


def test_scalar_conversion_errors() -> None:
    check_error(lambda lib: float(lib.ones(2)), "only one element tensors can be converted")
    check_error(lambda lib: int(lib.ones(2)), "only one element tensors can be converted")
    check_same(lambda lib: f"{lib.tensor(2.0):.2f}")
    check_error(lambda lib: f"{lib.ones(2):.2f}", "unsupported format string")


def test_requires_grad_must_be_bool() -> None:
    check_error(
        lambda lib: lib.ones(1).requires_grad_("yes"),
        "requires_grad_\\(\\): argument 'requires_grad' \\(position 1\\) must be bool, not str",
    )


def test_size_is_a_torch_size() -> None:
    n, t = numtorch.zeros(2, 3, 4).shape, torch.zeros(2, 3, 4).shape
    for f in (
        lambda s: s[1:],
        lambda s: s[::-1],
        lambda s: s + (5,),
        lambda s: (1,) + s,
        lambda s: s * 2,
        lambda s: s[0],
        lambda s: s.numel(),
        lambda s: s == (2, 3, 4),
        lambda s: str(s),
    ):
        assert repr(f(n)) == repr(f(t))
    assert repr(numtorch.Size()) == "torch.Size([])"
    check_error(
        lambda lib: lib.Size([1.5]),
        "torch.Size\\(\\) takes an iterable of 'int' \\(item 0 is 'float'\\)",
    )


@pytest.mark.parametrize("name", ["torch.FloatTensor", "torch.DoubleTensor", "torch.LongTensor"])
def test_type_names(name: str) -> None:
    check_same(lambda lib: lib.tensor([1.5, -2.0]).type(name))
    check_same(lambda lib: lib.tensor([1.5, -2.0]).type(name).type())
    check_error(lambda lib: lib.ones(1).type("torch.Nope"), "invalid type: 'torch.Nope'")


def test_copy_and_pickle() -> None:
    import copy
    import pickle

    def run(lib, how):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        (x * 3).sum().backward()
        y = how(x)
        assert y is not x and y.requires_grad and y.is_leaf
        with lib.no_grad():
            y.add_(1)
        return x.detach(), y.detach(), y.grad

    for how in (copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))):
        check_same(lambda lib, how=how: run(lib, how))
    check_error(lambda lib: copy.deepcopy(lib.ones(2, requires_grad=True) * 2), "graph leaves")
    p = copy.deepcopy(numtorch.nn.Parameter(numtorch.ones(2)))
    assert isinstance(p, numtorch.nn.Parameter) and p.requires_grad


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
)
def test_type_names_match_torch(dtype: str) -> None:
    check_same(lambda lib: lib.zeros(2, dtype=getattr(lib, dtype)).type())


# ---------------------------------------------------------------- grad / requires_grad setters


def _assign(lib, attr: str, value_fn, requires_grad: bool = True, nonleaf: bool = False):
    x = lib.ones(2, requires_grad=requires_grad)
    x = x * 2 if nonleaf else x
    setattr(x, attr, value_fn(lib, x))
    return x


@pytest.mark.parametrize(
    "value_fn, match",
    [
        (lambda lib, x: lib.ones(3), r"gradient of size '\[3\]' to a tensor of size '\[2\]'"),
        (lambda lib, x: lib.ones(2, dtype=lib.float64), "gradient with dtype 'double'"),
        (lambda lib, x: lib.ones(2, dtype=lib.int64), "gradient with dtype 'long int'"),
        (lambda lib, x: [1.0, 2.0], "expected to be a Tensor or None but got grad of type list"),
        (lambda lib, x: x, "can't assign Variable as its own grad"),
    ],
)
def test_grad_assignment_is_checked_like_torch(value_fn, match):
    check_error(lambda lib: _assign(lib, "grad", value_fn), match)


@pytest.mark.parametrize("nonleaf", [False, True])
def test_grad_assignment_of_a_matching_tensor_or_none(nonleaf):
    x = _assign(numtorch, "grad", lambda lib, x: lib.full((2,), 3.0), nonleaf=nonleaf)
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    assert x.grad is None


@pytest.mark.parametrize(
    "value, requires_grad, nonleaf, match",
    [
        (False, True, True, "If you want to use a computed variable"),
        (True, True, True, r"only change requires_grad flags of leaf variables\.$"),
        (1, True, False, "requires_grad must be a bool"),
        (None, False, False, "requires_grad must be a bool"),
    ],
)
def test_requires_grad_assignment_is_checked_like_torch(value, requires_grad, nonleaf, match):
    check_error(
        lambda lib: _assign(lib, "requires_grad", lambda lib, x: value, requires_grad, nonleaf),
        match,
    )


def test_requires_grad_assignment_refuses_integer_tensors():
    check_error(
        lambda lib: setattr(lib.zeros(2, dtype=lib.int64), "requires_grad", True),
        "only Tensors of floating point and complex dtype can require gradients",
    )


def test_requires_grad_assignment_on_a_leaf():
    x = numtorch.ones(2)
    x.requires_grad = True
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.requires_grad = False
    assert not (x * 3).requires_grad


# ---------------------------------------------------------------- index_put_


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(accumulate):
    def fn(lib, x, v):
        idx = (lib.tensor([0, 2, 0]), lib.tensor([1, 1, 1]))
        return (x * 1).index_put_(idx, v.detach() if accumulate else v, accumulate=accumulate)

    check_op(fn, (3, 4), (3,))


def test_index_put_out_of_range_and_bad_indices_raise_like_torch():
    check_error(
        lambda lib: lib.zeros(2, 3).index_put_((lib.tensor([5]),), lib.tensor(1.0)),
        "index 5 is out of bounds for dimension 0 with size 2",
    )
    check_error(
        lambda lib: lib.zeros(2, 3).index_put_((lib.tensor([5]),), lib.tensor(1.0), True),
        "out of bounds",
    )
    check_error(
        lambda lib: lib.zeros(2).index_put_(lib.tensor([1]), lib.tensor(1.0)),
        "must be tuple of Tensors, not Tensor",
    )


def test_index_put_out_of_place_leaves_the_input():
    x = numtorch.zeros(3)
    y = x.index_put((numtorch.tensor([1, 1]),), numtorch.tensor(2.0), accumulate=True)
    assert x.tolist() == [0.0, 0.0, 0.0] and y.tolist() == [0.0, 4.0, 0.0]


def test_accumulated_values_that_need_grad_are_refused():
    v = numtorch.ones(1, requires_grad=True)
    with pytest.raises(NotImplementedError, match="cannot differentiate 'values'"):
        numtorch.zeros(3).index_put_((numtorch.tensor([1]),), v, accumulate=True)


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda lib: lib.randn(2) | lib.randn(2), "\"bitwise_or_cpu\" not implemented for 'Float'"),
        (
            lambda lib: lib.randn(2) ^ lib.randn(2),
            "\"bitwise_xor_cpu\" not implemented for 'Float'",
        ),
        (lambda lib: lib.tensor([1, 2]) & 1.5, "\"bitwise_and_cpu\" not implemented for 'Float'"),
        (lambda lib: lib.tensor(1.0).flatten(0, 1), r"range of \[-1, 0\], but got 1\)"),
        (lambda lib: lib.tensor(1.0).flatten(-2), r"range of \[-1, 0\], but got -2\)"),
    ],
)
def test_bitwise_on_floats_and_0d_flatten_raise_like_torch(fn, match):
    check_error(fn, match)


def test_bitwise_on_integers_and_bools_and_0d_flatten_still_work():
    check_same(lambda lib: lib.tensor([6, 3]) & lib.tensor([3, 1]))
    check_same(lambda lib: lib.tensor([True, False]) ^ lib.tensor([True, True]))
    check_same(lambda lib: lib.tensor(2.0).flatten(-1, 0))
