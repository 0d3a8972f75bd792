"""Tensor attributes and conversions (``byte``/``char``/``short``, ``nbytes``, ``itemsize``,
``storage_offset``, ``data_ptr``, ``dim_order``, ``layout``, ``apply_``/``map_``/``map2_``,
``as_subclass``) and the namespace's ``detach``, ``detach_``, ``fill``, ``fill_``, ``zero_``,
compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error, check_gradcheck, check_op, check_same

import numtorch


@pytest.mark.parametrize("name", ["byte", "char", "short", "int", "long", "half", "double"])
def test_dtype_conversion_methods(name: str) -> None:
    check_same(lambda lib: getattr(lib.tensor([[1.5, -2.0, 3.0]]), name)())


def test_conversion_methods_check_memory_format() -> None:
    check_same(lambda lib: lib.ones(1, 2, 2, 2).short(memory_format=lib.channels_last))
    check_error(
        lambda lib: lib.ones(2, 3).byte(memory_format=lib.channels_last),
        "required rank 4 tensor to use channels_last format",
    )


def test_bfloat16_method_raises_a_clear_error() -> None:
    with pytest.raises(TypeError, match="NumPy has no bfloat16 type"):
        numtorch.ones(2).bfloat16()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(2, 3),
        lambda lib: lib.ones(2, 3, dtype=lib.float16)[:, 1:],
        lambda lib: lib.arange(12).reshape(3, 4).t(),
        lambda lib: lib.zeros(0, 3, dtype=lib.int8),
        lambda lib: lib.tensor(True),
    ],
)
def test_size_attributes(make) -> None:
    check_same(lambda lib: (make(lib).nbytes, make(lib).itemsize, make(lib).ndimension()))
    check_same(lambda lib: (make(lib).element_size(), make(lib).layout))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.arange(10),
        lambda lib: lib.arange(10)[3:],
        lambda lib: lib.arange(12).reshape(3, 4)[1:, 2:],
        lambda lib: lib.arange(12).reshape(3, 4).t()[1],
        lambda lib: lib.arange(24).reshape(2, 3, 4)[1].select(1, 2),
        lambda lib: lib.arange(10).view(2, 5)[1],
    ],
)
def test_storage_offset_of_views(make) -> None:
    check_same(lambda lib: make(lib).storage_offset())


def test_data_ptr_follows_the_storage() -> None:
    x = numtorch.arange(10, dtype=numtorch.float32)
    assert x[3:].data_ptr() - x.data_ptr() == 3 * 4
    assert x.const_data_ptr() == x.data_ptr() == x.view(2, 5).data_ptr()
    assert x.clone().data_ptr() != x.data_ptr()
    assert numtorch.empty(0).data_ptr() == torch.empty(0).data_ptr() == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(5),
        lambda lib: lib.ones(()),
        lambda lib: lib.ones(2, 3),
        lambda lib: lib.ones(2, 3).t(),
        lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1),
        lambda lib: lib.ones(2, 3, 4, 5).permute(0, 2, 3, 1),
        lambda lib: lib.ones(2, 1, 4),
        lambda lib: lib.ones(2, 3, 4)[:, ::2],
        lambda lib: lib.ones(4, 1).expand(4, 3),
    ],
)
def test_dim_order(make) -> None:
    check_same(lambda lib: make(lib).dim_order())


def test_dim_order_ambiguity_check() -> None:
    check_same(lambda lib: lib.ones(2, 3).dim_order(ambiguity_check=True))
    check_error(
        lambda lib: lib.ones(1, 2, 3).dim_order(ambiguity_check=True),
        "The tensor does not have unique dim order",
    )
    check_error(
        lambda lib: lib.ones(2, 3).dim_order(ambiguity_check="x"),
        "The ambiguity_check argument must be a bool or a list of memory formats",
    )


# ---------------------------------------------------------------- apply_, map_, map2_
def test_apply_writes_each_element() -> None:
    def call(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, -4.0]])
        view = x[:, 1]
        assert view.apply_(lambda v: v * 10) is view
        ints = lib.tensor([1, 2]).apply_(lambda v: v * 2.7)
        flags = lib.tensor([1.0, 0.0]).apply_(lambda v: v > 0.5)
        return x, ints, flags

    check_same(call)


def test_map_and_map2_broadcast_the_other_tensors() -> None:
    def call(lib):
        a = lib.ones(2, 3).map_(lib.tensor([1.0, 2.0, 3.0]), lambda u, v: u + v * v)
        b = lib.ones(3).map2_(lib.ones(3) * 2, lib.ones(1) * 5, lambda u, v, w: u + v * w)
        c = lib.tensor([1, 2, 3]).map_(lib.tensor([4, 5, 6]), lambda u, v: u * v)
        return a, b, c

    check_same(call)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).apply_(lambda v: v),
            r"Can't call apply_\(\) on Variable that requires grad. Use var.detach\(\).apply_",
        ),
        (
            lambda lib: (lib.ones(2, requires_grad=True) * 1).apply_(lambda v: v),
            r"Can't call apply_\(\) on Variable that requires grad",
        ),
        (
            lambda lib: lib.ones(3).map_(lib.ones(3, requires_grad=True), lambda u, v: u),
            r"Can't call map_\(\) on Variable that requires grad",
        ),
        (
            lambda lib: lib.ones(3, requires_grad=True).map2_(
                lib.ones(3), lib.ones(3), lambda u, v, w: u
            ),
            r"Can't call map2_\(\) on Variable that requires grad",
        ),
        (
            lambda lib: lib.ones(3).map_(lib.ones(3, dtype=lib.int64), lambda u, v: u),
            r"map_: expected torch.FloatTensor for 'other' \(got torch.LongTensor\)",
        ),
        (
            lambda lib: lib.ones(3).map2_(lib.ones(3), lib.ones(3, dtype=lib.int64), lambda *a: 1),
            r"map2_: expected torch.FloatTensor for argument 'y' \(got torch.LongTensor\)",
        ),
        (
            lambda lib: lib.ones(3).map_(2, lambda u, v: u),
            r"map_\(\): argument 'other' \(position 1\) must be Tensor, not int",
        ),
        (
            lambda lib: lib.ones(3).map_(lib.ones(2, 3), lambda u, v: u),
            r"the number of sizes provided \(1\) must be greater or equal",
        ),
        (
            lambda lib: lib.ones(3).map2_(lib.ones(2), lib.ones(3), lambda *a: 1),
            r"The expanded size of the tensor \(3\) must match the existing size \(2\)",
        ),
    ],
)
def test_apply_and_map_errors(call, match: str) -> None:
    check_error(call, match)


def test_apply_and_map_leave_the_version_as_pytorch_does() -> None:
    """PyTorch's ``apply_``/``map_``/``map2_`` write without bumping the version counter."""
    found = []
    for lib in (torch, numtorch):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()
        d = y.detach()
        d.apply_(lambda v: v + 1).map_(d, lambda u, v: u).map2_(d, d, lambda u, v, w: u)
        y.sum().backward()  # no version error: backward reads the new values
        found.append(x.grad)
    assert_close(found[1], found[0], 1e-6, 1e-6, "gradient")


# ---------------------------------------------------------------- as_subclass
def test_as_subclass_shares_data_and_history() -> None:
    found = []
    for lib in (torch, numtorch):

        class Sub(lib.Tensor):
            pass

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.as_subclass(Sub)
        assert type(y) is Sub
        (y * 3).sum().backward()
        plain = lib.ones(2)
        alias = plain.as_subclass(Sub)
        alias.add_(1)
        found.append((y.grad_fn.name(), y.is_leaf, x.grad, plain))
    (tn, tl, tg, tp), (nn, nl, ng, np_) = found
    assert (nn, nl) == (tn, tl)
    assert_close(ng, tg, 0, 0, "gradient")
    assert_close(np_, tp, 0, 0, "shared data")
    check_error(
        lambda lib: lib.ones(2).as_subclass(int),
        "Creating a Tensor subclass from a class that does not inherit from Tensor",
    )


# ---------------------------------------------------------------- namespace functions
def test_torch_detach_and_detach_() -> None:
    def call(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        d = lib.detach(y)
        lib.detach_(y)
        return d, d.requires_grad, y.requires_grad, y.grad_fn is None

    check_same(call)


def test_torch_zero_and_fill_() -> None:
    def call(lib):
        x, y = lib.ones(2, 3), lib.ones(3, dtype=lib.int64)
        assert lib.zero_(x) is x and lib.fill_(y, 2.7) is y
        return x, y

    check_same(call)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.fill(lib.ones(2, 3), 3),
        lambda lib: lib.fill(lib.ones(2, dtype=lib.int64), 2.7),
        lambda lib: lib.fill(lib.ones(2), lib.tensor(3)),
        lambda lib: lib.fill(lib.ones(2, dtype=lib.int32), lib.tensor(1.5)),
    ],
)
def test_fill_values(make) -> None:
    check_same(make)


def test_fill_gradients() -> None:
    check_op(lambda lib, x: lib.fill(x, 2.5), (2, 3))
    check_op(lambda lib, x, v: lib.fill(x, v), (2, 3), ())
    check_gradcheck(lambda lib, x, v: lib.fill(x, v), (2, 3), ())
    for lib in (torch, numtorch):
        result = lib.fill(lib.ones(2), 3.0)
        result.add_(1)  # a fresh, writable tensor
        assert result.tolist() == [4.0, 4.0]


def test_fill_errors() -> None:
    check_error(
        lambda lib: lib.fill(lib.ones(2), lib.tensor([3.0])),
        "fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions",
    )


def test_namespace_names_are_exported() -> None:
    for name in ("detach", "detach_", "fill", "zero_"):
        assert name in numtorch.__all__ and hasattr(torch, name)
    x = numtorch.ones(2, requires_grad=True)
    assert np.shares_memory(numtorch.detach(x).numpy(), x.detach().numpy())


# ---------------------------------------------------------------- kind queries
_KINDS = (
    "is_sparse is_sparse_csr is_quantized is_nested is_mkldnn is_vulkan is_ipu is_xla is_mtia "
    "is_maia"
).split()


@pytest.mark.parametrize(
    "make", [lambda lib: lib.ones(2, 3), lambda lib: lib.arange(4)[1:], lambda lib: lib.tensor(1)]
)
def test_kind_queries(make) -> None:
    check_same(lambda lib: [getattr(make(lib), name) for name in _KINDS])
    check_same(
        lambda lib: [
            lib.is_complex(make(lib)),
            lib.is_conj(make(lib)),
            lib.is_neg(make(lib)),
            make(lib).is_complex(),
            make(lib).is_conj(),
            make(lib).is_neg(),
            make(lib).is_pinned(),
            make(lib).get_device(),
            lib.get_device(make(lib)),
            lib.is_storage(make(lib)),
            lib.is_storage(1),
        ]
    )


def test_is_set_to() -> None:
    def call(lib):
        x = lib.ones(2, 3)
        others = [x, x.view(3, 2), x[:], x.clone(), x.detach(), x[1:], x.t().t()]
        return [x.is_set_to(o) for o in others]

    check_same(call)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.ones(2).pin_memory(), "Cannot access accelerator device"),
        (lambda lib: lib.ones(2).is_set_to(1), r"argument 'tensor' \(position 1\) must be Tensor"),
        (lambda lib: lib.is_complex(1), r"is_complex\(\): argument 'input' \(position 1\)"),
        (lambda lib: lib.get_device(1), r"get_device\(\): argument 'input' \(position 1\)"),
    ],
)
def test_kind_query_errors(call, match: str) -> None:
    check_error(call, match)


def test_is_distributed_and_vulkan() -> None:
    check_same(lambda lib: (lib.ones(2).is_distributed(), lib.is_vulkan_available()))


def test_python2_protocol_names() -> None:
    check_same(lambda lib: (lib.tensor([2.5]).__nonzero__(), lib.tensor(3.7).__long__()))
    check_error(lambda lib: lib.tensor([1, 2]).__nonzero__(), "more than one value is ambiguous")
