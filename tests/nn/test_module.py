"""nn.Module machinery against PyTorch: the same structure is built in both libraries and
their names, order, repr, modes and error messages are compared."""

from __future__ import annotations

import copy
import pickle
import types
from collections import OrderedDict

import numpy as np
import pytest
import torch

import numtorch


def make_net(lib: types.ModuleType):
    """A small tree with every kind of member: nested children, a shared child, persistent
    and non-persistent buffers, None entries, a container."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("scratch", lib.ones(2), persistent=False)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(lib.ones(1))
            self.blocks = nn.Sequential(Block(), Block())
            self.head = nn.Linear(4, 2, bias=False)
            self.alias = self.head
            self.register_parameter("nothing", None)
            self.register_buffer("empty", None)
            self.extra = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])

        def forward(self, x):
            return self.head(self.blocks[1](x)) * self.scale

    return Net()


def both():
    return make_net(torch), make_net(numtorch)


def to_numtorch(sd: dict) -> OrderedDict:
    return OrderedDict((k, numtorch.tensor(v.detach().numpy())) for k, v in sd.items())


def assert_same_error(fn):
    """``fn(lib)`` raises the same exception type and message in torch and numtorch."""
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(numtorch)
    assert str(got.value) == str(expected.value)


# ---------------------------------------------------------------- traversal and naming


def test_state_dict_keys_order_and_shapes_match_torch():
    t, n = both()
    ts, ns = t.state_dict(), n.state_dict()
    assert list(ns.keys()) == list(ts.keys())
    assert [tuple(v.shape) for v in ns.values()] == [tuple(v.shape) for v in ts.values()]
    assert isinstance(ns, OrderedDict)


@pytest.mark.parametrize(
    "method, kwargs",
    [
        ("named_parameters", {}),
        ("named_parameters", {"remove_duplicate": False}),
        ("named_parameters", {"prefix": "model"}),
        ("named_parameters", {"recurse": False}),
        ("named_buffers", {}),
        ("named_buffers", {"recurse": False}),
        ("named_modules", {}),
        ("named_modules", {"remove_duplicate": False}),
        ("named_modules", {"prefix": "root"}),
        ("named_children", {}),
    ],
)
def test_named_iterators_match_torch(method, kwargs):
    t, n = both()
    assert [k for k, _ in getattr(n, method)(**kwargs)] == [
        k for k, _ in getattr(t, method)(**kwargs)
    ]


def test_plain_iterators_match_named_ones():
    n = make_net(numtorch)
    assert list(n.parameters()) == [p for _, p in n.named_parameters()]
    assert [id(b) for b in n.buffers()] == [id(b) for _, b in n.named_buffers()]
    assert list(n.children()) == [m for _, m in n.named_children()]
    assert list(n.modules()) == [m for _, m in n.named_modules()]
    assert len(list(n.parameters())) == len(list(make_net(torch).parameters())) == 8


def test_repr_matches_torch():
    t, n = both()
    assert repr(n) == repr(t)


def test_dir_matches_torch_for_registered_names():
    t, n = both()
    members = {"scale", "blocks", "head", "alias", "nothing", "empty", "extra", "training"}
    assert members <= set(dir(n))
    assert sorted(set(dir(n)) & members) == sorted(set(dir(t)) & members)
    assert dir(n) == sorted(dir(n))
    assert not any(k[0].isdigit() for k in dir(n.blocks))


def test_getattr_finds_members_and_reports_missing():
    n = make_net(numtorch)
    assert n.scale is n._parameters["scale"]
    assert n.nothing is None and n.empty is None
    assert n.blocks[0].running is n.blocks[0]._buffers["running"]
    assert_same_error(lambda lib: make_net(lib).missing)


def test_get_submodule_parameter_buffer():
    n = make_net(numtorch)
    assert n.get_submodule("") is n
    assert n.get_submodule("blocks.1.fc") is n.blocks[1].fc
    assert n.get_parameter("blocks.0.fc.bias") is n.blocks[0].fc.bias
    assert n.get_buffer("blocks.1.running") is n.blocks[1].running
    assert_same_error(lambda lib: make_net(lib).get_submodule("blocks.7"))
    assert_same_error(lambda lib: make_net(lib).get_submodule("scale"))
    assert_same_error(lambda lib: make_net(lib).get_parameter("blocks.0.nope"))
    assert_same_error(lambda lib: make_net(lib).get_parameter("blocks.0.running"))
    assert_same_error(lambda lib: make_net(lib).get_buffer("blocks.0.fc.weight"))
    assert_same_error(lambda lib: make_net(lib).get_buffer("head.nope"))


# ---------------------------------------------------------------- modes


def test_train_eval_propagate_and_return_self():
    t, n = both()
    assert n.eval() is n
    assert [m.training for m in n.modules()] == [False] * len(list(t.modules()))
    n.blocks.train()
    t.eval()
    t.blocks.train()
    assert [m.training for m in n.modules()] == [m.training for m in t.modules()]
    assert n.train() is n and all(m.training for m in n.modules())


@pytest.mark.parametrize("mode", [1, "yes", None])
def test_train_mode_must_be_bool(mode):
    assert_same_error(lambda lib: make_net(lib).train(mode))


def test_requires_grad_and_zero_grad():
    n = make_net(numtorch)
    assert n.requires_grad_(False) is n
    assert not any(p.requires_grad for p in n.parameters())
    n.requires_grad_()
    n(numtorch.randn(5, 3)).sum().backward()
    assert n.blocks[1].fc.weight.grad is not None and n.blocks[0].fc.weight.grad is None
    n.zero_grad(set_to_none=False)
    assert not np.any(n.blocks[1].fc.weight.grad.numpy())
    assert n.blocks[0].fc.weight.grad is None
    n.zero_grad()
    assert all(p.grad is None for p in n.parameters())


def test_apply_visits_children_first_and_returns_self():
    t, n = both()
    seen_t, seen_n = [], []
    assert n.apply(lambda m: seen_n.append(type(m).__name__)) is n
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_n == seen_t


def test_forward_hooks_change_inputs_and_outputs():
    lin = numtorch.nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(out) or out + 1)
    out = lin(numtorch.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1)
    assert len(calls) == 1
    pre.remove()
    post.remove()
    np.testing.assert_allclose(
        lin(numtorch.zeros(1, 2)).detach().numpy(), lin.bias.detach().numpy()[None]
    )


# ---------------------------------------------------------------- registration


def test_assigning_members_routes_them():
    m = numtorch.nn.Module()
    m.w = numtorch.nn.Parameter(numtorch.ones(2))
    m.sub = numtorch.nn.Linear(1, 1)
    m.register_buffer("b", numtorch.zeros(1))
    m.b = numtorch.ones(3)  # a buffer stays a buffer when reassigned a tensor
    m.plain = numtorch.ones(1)  # an unregistered tensor is a plain attribute
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert m._buffers["b"].shape == (3,) and "plain" in m.__dict__
    m.w = None
    assert m._parameters["w"] is None
    m.sub = numtorch.nn.Parameter(numtorch.ones(1))  # replacing a module by a parameter
    assert "sub" not in m._modules and "sub" in m._parameters


def test_delattr_removes_members():
    n = make_net(numtorch)
    del n.scale, n.head
    del n.blocks[0].running
    n.plain = 1
    del n.plain
    assert "scale" not in n._parameters and "head" not in n._modules
    assert "running" not in n.blocks[0]._buffers
    assert "scale" not in dict(n.named_parameters())
    with pytest.raises(AttributeError):
        del n.never


@pytest.mark.parametrize(
    "action",
    [
        lambda lib, m: setattr(m, "weight", lib.ones(2, 2)),  # tensor over a parameter
        lambda lib, m: setattr(m, "weight", 3),
        lambda lib, m: m.register_parameter("weight2", lib.ones(2)),
        lambda lib, m: m.register_parameter(1, None),
        lambda lib, m: m.register_parameter("a.b", None),
        lambda lib, m: m.register_parameter("", None),
        lambda lib, m: m.register_parameter("in_features", None),
        lambda lib, m: m.register_parameter("p", lib.nn.Parameter(lib.ones(1)) * 2),
        lambda lib, m: m.register_buffer("b", [1.0]),
        lambda lib, m: m.register_buffer(2, None),
        lambda lib, m: m.register_buffer("x.y", None),
        lambda lib, m: m.register_buffer("", None),
        lambda lib, m: m.register_buffer("weight", None),
        lambda lib, m: m.add_module("c", lib.ones(1)),
        lambda lib, m: m.add_module(3, lib.nn.ReLU()),
        lambda lib, m: m.add_module("a.b", lib.nn.ReLU()),
        lambda lib, m: m.add_module("", lib.nn.ReLU()),
        lambda lib, m: m.add_module("weight", lib.nn.ReLU()),
    ],
)
def test_registration_errors_match_torch(action):
    assert_same_error(lambda lib: action(lib, lib.nn.Linear(2, 2)))


def test_assigning_wrong_type_over_buffer_or_module():
    def buffer(lib):
        m = lib.nn.Module()
        m.register_buffer("b", lib.zeros(1))
        m.b = 3.0

    def module(lib):
        m = lib.nn.Module()
        m.sub = lib.nn.ReLU()
        m.sub = lib.ones(1)

    assert_same_error(buffer)
    assert_same_error(module)


def test_message_names_double_tensor_type():
    assert_same_error(lambda lib: setattr(lib.nn.Linear(2, 2), "bias", lib.ones(2).double()))


def test_assignment_before_init_is_refused():
    def early(lib, value):
        class Early(lib.nn.Module):
            def __init__(self) -> None:
                self.x = value(lib)

        Early()

    assert_same_error(lambda lib: early(lib, lambda lib: lib.nn.Parameter(lib.ones(1))))
    assert_same_error(lambda lib: early(lib, lambda lib: lib.nn.ReLU()))


def test_missing_forward_and_bad_init_arguments():
    assert_same_error(lambda lib: lib.nn.Module()(1))
    assert_same_error(lambda lib: lib.nn.Module(3))
    assert_same_error(lambda lib: lib.nn.Module(foo=3))


# ---------------------------------------------------------------- state dict


def test_state_dict_values_are_detached_and_share_storage():
    n = make_net(numtorch)
    sd = n.state_dict()
    w = sd["head.weight"]
    assert type(w) is numtorch.Tensor and not w.requires_grad
    assert w._data is n.head.weight._data
    kept = n.state_dict(keep_vars=True)
    assert kept["head.weight"] is n.head.weight
    assert "blocks.0.scratch" not in sd and "empty" not in sd and "nothing" not in sd


def test_state_dict_prefix_and_destination():
    t, n = both()
    dest: OrderedDict = OrderedDict()
    out = n.state_dict(destination=dest, prefix="model.")
    assert out is dest
    assert list(dest) == list(t.state_dict(prefix="model."))


def test_load_state_dict_from_torch_copies_in_place():
    t, n = both()
    weight = n.head.weight
    result = n.load_state_dict(to_numtorch(t.state_dict()))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert n.head.weight is weight and weight.requires_grad
    for k, v in n.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), t.state_dict()[k].numpy())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        n(numtorch.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )


def _edit(sd: OrderedDict, lib) -> OrderedDict:
    sd = OrderedDict(sd)
    del sd["scale"], sd["blocks.1.fc.bias"]
    sd["bogus"] = lib.zeros(1)
    sd["blocks.0.fc.extra"] = lib.zeros(1)
    sd["nowhere.weight"] = lib.zeros(1)
    return sd


def test_load_state_dict_strict_errors_match_torch():
    assert_same_error(
        lambda lib: make_net(lib).load_state_dict(_edit(make_net(lib).state_dict(), lib))
    )


def test_load_state_dict_non_strict_reports_keys_like_torch():
    t, n = both()
    rt = t.load_state_dict(_edit(t.state_dict(), torch), strict=False)
    rn = n.load_state_dict(_edit(n.state_dict(), numtorch), strict=False)
    assert rn.missing_keys == rt.missing_keys and rn.unexpected_keys == rt.unexpected_keys
    assert repr(rn) == repr(rt)


def test_load_state_dict_size_mismatch_matches_torch():
    def load(lib):
        m = make_net(lib)
        sd = m.state_dict()
        sd["head.weight"] = lib.zeros(3, 4)
        sd["blocks.0.running"] = lib.zeros(5)
        m.load_state_dict(sd)

    assert_same_error(load)


def test_load_state_dict_bad_inputs_match_torch():
    assert_same_error(lambda lib: make_net(lib).load_state_dict([1, 2]))

    def not_tensor(lib):
        m = lib.nn.Linear(2, 2)
        m.load_state_dict({"weight": np.zeros((2, 2)), "bias": lib.zeros(2)})

    assert_same_error(not_tensor)


def test_load_state_dict_assign_replaces_tensors():
    n = make_net(numtorch)
    sd = to_numtorch(make_net(torch).state_dict())
    n.load_state_dict(sd, assign=True)
    assert isinstance(n.head.weight, numtorch.nn.Parameter) and n.head.weight.requires_grad
    assert n.blocks[1].fc.weight._data is sd["blocks.1.fc.weight"]._data
    assert n.blocks[0].running is sd["blocks.0.running"]


def test_load_state_dict_casts_dtype_and_takes_one_element_into_scalar():
    m = numtorch.nn.Module()
    m.register_buffer("count", numtorch.tensor(0.0))
    m.w = numtorch.nn.Parameter(numtorch.zeros(2))
    m.load_state_dict({"count": numtorch.tensor([5.0]), "w": numtorch.tensor([1.0, 2.0]).double()})
    assert m.count.item() == 5.0 and m.w.dtype is numtorch.float32
    np.testing.assert_array_equal(m.w.detach().numpy(), [1.0, 2.0])


def test_state_dict_round_trip_through_torch():
    t, n = both()
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in n.state_dict().items()})
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), n.state_dict()[k].numpy())


# ---------------------------------------------------------------- conversion and copying


def test_double_and_float_cast_in_place():
    n = make_net(numtorch)
    n(numtorch.randn(2, 3)).sum().backward()
    weight = n.head.weight
    assert n.double() is n
    assert n.head.weight is weight and weight.dtype is numtorch.float64
    assert weight.grad.dtype is numtorch.float64
    assert all(v.dtype is numtorch.float64 for v in n.state_dict().values())
    out = n(numtorch.randn(2, 3, dtype=numtorch.float64))
    assert out.dtype is numtorch.float64
    assert n.float() is n and n.blocks[0].running.dtype is numtorch.float32


def test_to_accepts_torch_forms_and_keeps_integer_buffers():
    m = numtorch.nn.Linear(2, 2)
    m.register_buffer("steps", numtorch.tensor(3))
    assert m.to("cpu") is m and m.cpu() is m
    m.to(numtorch.float64)
    assert m.weight.dtype is numtorch.float64 and m.steps.dtype is numtorch.int64
    m.to("cpu", numtorch.float32)
    assert m.weight.dtype is numtorch.float32
    m.to(dtype=numtorch.float64)
    assert m.bias.dtype is numtorch.float64
    assert_same_error(lambda lib: lib.nn.Linear(2, 2).to(lib.int64))


def test_deepcopy_is_independent_and_keeps_sharing():
    n = make_net(numtorch)
    c = copy.deepcopy(n)
    assert c.head is c.alias and c.head is not n.head
    assert isinstance(c.head.weight, numtorch.nn.Parameter)
    with numtorch.no_grad():
        c.head.weight.add_(1.0)
    assert not np.array_equal(c.head.weight.detach().numpy(), n.head.weight.detach().numpy())
    assert repr(c) == repr(n)


def test_pickle_round_trip():
    nn = numtorch.nn
    n = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2)))
    n.register_buffer("scratch", numtorch.ones(2), persistent=False)
    n.eval()
    c = pickle.loads(pickle.dumps(n))
    assert list(c.state_dict()) == list(n.state_dict()) and repr(c) == repr(n)
    for k, v in c.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), n.state_dict()[k].numpy())
    assert c.scratch.shape == (2,) and "scratch" not in c.state_dict() and not c[2].training
