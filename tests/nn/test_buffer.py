"""``nn.Buffer`` against PyTorch: what ``Buffer(...)`` returns, registration by attribute
assignment (``persistent=`` honoured in ``state_dict``), reassignment, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import torch

import numtorch
from tests.helpers import check_error


def _module(lib, persistent: bool = True):
    m = lib.nn.Module()
    m.a = lib.nn.Buffer(lib.arange(3.0), persistent=persistent)
    m.b = lib.nn.Buffer(lib.ones(2))
    m.c = lib.ones(1)  # a plain tensor is an ordinary attribute
    return m


def test_buffer_is_a_marked_detached_tensor():
    for lib in (torch, numtorch):
        x = lib.ones(2, requires_grad=True)
        b = lib.nn.Buffer(x)
        assert type(b) is lib.Tensor and isinstance(b, lib.nn.Buffer)
        assert b.persistent and b._is_buffer and b.requires_grad and b.is_leaf
        assert b.grad_fn is None and repr(b) == "tensor([1., 1.], requires_grad=True)"
        b.data[0] = 5.0  # shares the storage
        assert float(x.detach()[0]) == 5.0
        y = (x * 2).detach()
        assert not isinstance(y, lib.nn.Buffer) and not isinstance(lib.ones(1), lib.nn.Buffer)
        empty = lib.nn.Buffer(persistent=False)
        assert tuple(empty.shape) == (0,) and not empty.persistent
        assert empty.dtype == lib.float32
        assert isinstance(lib.nn.parameter.UninitializedBuffer(), lib.nn.Buffer)
        assert not isinstance(lib.nn.Parameter(lib.ones(1)), lib.nn.Buffer)


def test_assignment_registers_and_honours_persistent():
    for persistent in (True, False):
        t, n = _module(torch, persistent), _module(numtorch, persistent)
        assert [k for k, _ in n.named_buffers()] == [k for k, _ in t.named_buffers()]
        assert list(n.state_dict()) == list(t.state_dict())
        assert n._non_persistent_buffers_set == t._non_persistent_buffers_set
        np.testing.assert_array_equal(n.state_dict()["b"].numpy(), t.state_dict()["b"].numpy())
        assert "c" not in n._buffers and "c" in n.__dict__


def test_reassignment_keeps_or_replaces_persistence():
    for lib in (torch, numtorch):
        m = lib.nn.Module()
        m.register_buffer("x", lib.zeros(1), persistent=False)
        m.x = lib.ones(2)  # a plain tensor keeps the name's persistence
        assert "x" in m._buffers and "x" not in m.state_dict()
        m.x = lib.nn.Buffer(lib.ones(2))  # a Buffer brings its own
        assert "x" in m.state_dict()
        m.x = None
        assert m.x is None and "x" in m._buffers
        m.y = lib.nn.Parameter(lib.ones(1))
        del m.y
        m.y = lib.nn.Buffer(lib.ones(1), persistent=False)
        assert "y" in m._buffers and "y" not in m.state_dict()


def test_buffer_in_a_subclass_and_submodule():
    def build(lib):
        class Counter(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(2, 2)
                self.steps = lib.nn.Buffer(lib.tensor(0))
                self.cache = lib.nn.Buffer(lib.zeros(2), persistent=False)

            def forward(self, x):
                self.steps += 1
                return self.lin(x) + self.cache

        outer = lib.nn.Sequential(Counter())
        outer(lib.ones(1, 2))
        return outer

    t, n = build(torch), build(numtorch)
    assert list(n.state_dict()) == list(t.state_dict())
    assert int(n.state_dict()["0.steps"]) == 1
    assert [k for k, _ in n.named_buffers()] == [k for k, _ in t.named_buffers()]
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})


def test_register_buffer_override_without_persistent():
    def legacy(lib, persistent):
        class Legacy(lib.nn.Module):
            def register_buffer(self, name, tensor):
                super().register_buffer(name, tensor)

        m = Legacy()
        m.x = lib.nn.Buffer(lib.ones(1), persistent=persistent)
        return m

    for lib in (torch, numtorch):
        assert "x" in legacy(lib, True).state_dict()
    check_error(
        lambda lib: legacy(lib, False),
        "Registering a non-persistent buffer on a Module subclass that implements "
        r"register_buffer\(\) without the persistent argument is not allowed",
    )


def test_buffer_errors():
    def before_init(lib):
        class Early(lib.nn.Module):
            def __init__(self):
                self.x = lib.nn.Buffer(lib.ones(1))

        Early()

    check_error(before_init, r"cannot assign buffer before Module.__init__\(\) call")

    def over_attribute(lib):
        m = lib.nn.Module()
        m.x = 1
        m.x = lib.nn.Buffer(lib.ones(1))

    check_error(over_attribute, "attribute 'x' already exists")

    def over_parameter(lib):
        m = lib.nn.Linear(1, 1)
        m.weight = lib.nn.Buffer(lib.ones(1))

    check_error(over_parameter, r"cannot assign '.*' as parameter 'weight'")

    def over_module(lib):
        m = lib.nn.Sequential(lib.nn.ReLU())
        setattr(m, "0", lib.nn.Buffer(lib.ones(1)))

    check_error(over_module, "cannot assign '.*' as child module '0'")
    check_error(lambda lib: lib.nn.Buffer([1.0]), "'list' object has no attribute 'detach'")
