"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against PyTorch."""

from __future__ import annotations

import types
from collections import OrderedDict

import numpy as np
import pytest
import torch

import numtorch


def seq(lib: types.ModuleType):
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))


def assert_same(fn):
    """``fn(lib)`` gives the same repr, or the same exception type and message, in both."""

    def run(lib):
        try:
            return ("ok", repr(fn(lib)))
        except Exception as err:  # noqa: BLE001 - the exception itself is what is compared
            return (type(err).__name__, str(err).replace("numtorch.", "torch."))

    assert run(numtorch) == run(torch)


# ---------------------------------------------------------------- Sequential


def test_sequential_forward_matches_torch():
    t, n = seq(torch), seq(numtorch)
    n.load_state_dict({k: numtorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        n(numtorch.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5
    )
    assert list(n.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize(
    "op",
    [
        lambda s, lib: s,
        lambda s, lib: s[1:4],
        lambda s, lib: s[::-2],
        lambda s, lib: s[-1],
        lambda s, lib: s[0],
        lambda s, lib: len(s),
        lambda s, lib: [type(m).__name__ for m in s],
        lambda s, lib: s.append(lib.nn.Sigmoid()),
        lambda s, lib: s.insert(1, lib.nn.Sigmoid()),
        lambda s, lib: s.insert(-1, lib.nn.Sigmoid()),
        lambda s, lib: s.extend([lib.nn.Sigmoid(), lib.nn.ReLU()]),
        lambda s, lib: s + lib.nn.Sequential(lib.nn.Sigmoid()),
        lambda s, lib: s[:2] * 2,
        lambda s, lib: 2 * s[:2],
        lambda s, lib: (s.pop(1), s),
        lambda s, lib: s.__delitem__(slice(1, 3)) or s,
        lambda s, lib: s.__delitem__(-2) or s,
        lambda s, lib: s.__setitem__(1, lib.nn.ELU()) or s,
        lambda s, lib: s[7],
        lambda s, lib: s[-6],
        lambda s, lib: s["a"],
        lambda s, lib: s.insert(9, lib.nn.ReLU()),
        lambda s, lib: s.insert(0, "relu"),
        lambda s, lib: s + [lib.nn.ReLU()],
        lambda s, lib: s * 0,
        lambda s, lib: s * 1.5,
        lambda s, lib: s.append(3),
    ],
)
def test_sequential_operations_match_torch(op):
    assert_same(lambda lib: op(seq(lib), lib))


def test_sequential_iadd_and_ordered_dict_constructor():
    def build(lib):
        s = lib.nn.Sequential(OrderedDict([("conv", lib.nn.Linear(2, 3)), ("act", lib.nn.ReLU())]))
        s += lib.nn.Sequential(lib.nn.Tanh())
        return s, list(s.state_dict())

    assert_same(build)
    assert_same(lambda lib: build(lib)[0][1:])


def test_sequential_shares_modules_when_multiplied():
    s = numtorch.nn.Sequential(numtorch.nn.Linear(2, 2)) * 3
    assert s[0] is s[1] is s[2]
    assert len(list(s.parameters())) == 2


def test_empty_sequential_is_identity():
    x = numtorch.randn(2)
    assert numtorch.nn.Sequential()(x) is x
    assert repr(numtorch.nn.Sequential()) == repr(torch.nn.Sequential())


def test_sequential_dir_hides_indices():
    assert not any(k.isdigit() for k in dir(seq(numtorch)))


# ---------------------------------------------------------------- ModuleList


def mlist(lib):
    nn = lib.nn
    return nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.ReLU(), nn.ReLU()])


@pytest.mark.parametrize(
    "op",
    [
        lambda m, lib: m,
        lambda m, lib: lib.nn.ModuleList(),
        lambda m, lib: lib.nn.ModuleList([lib.nn.Tanh()] * 3),
        lambda m, lib: m[1:3],
        lambda m, lib: m[-1],
        lambda m, lib: len(m),
        lambda m, lib: m.append(lib.nn.Tanh()),
        lambda m, lib: m.extend([lib.nn.Tanh()]),
        lambda m, lib: m + [lib.nn.Tanh()],
        lambda m, lib: (m.insert(1, lib.nn.Tanh()), m),
        lambda m, lib: (m.pop(0), m),
        lambda m, lib: m.__delitem__(slice(0, 4, 2)) or m,
        lambda m, lib: m.__setitem__(-1, lib.nn.Tanh()) or m,
        lambda m, lib: m.__iadd__([lib.nn.Tanh()]),
        lambda m, lib: [k for k, _ in m.named_parameters()],
        lambda m, lib: m[5],
        lambda m, lib: m.extend(3),
        lambda m, lib: m(1),
        lambda m, lib: lib.nn.ModuleList([lib.nn.Module(), 3]),
    ],
)
def test_module_list_operations_match_torch(op):
    assert_same(lambda lib: op(mlist(lib), lib))


def test_module_list_nested_repr_matches_torch():
    def build(lib):
        nn = lib.nn
        block = lambda: nn.Sequential(nn.Linear(3, 3), nn.ReLU())  # noqa: E731
        return nn.Sequential(nn.ModuleList([block(), block(), nn.Linear(3, 1)]), nn.Tanh())

    assert_same(build)


# ---------------------------------------------------------------- ModuleDict


def mdict(lib):
    nn = lib.nn
    return nn.ModuleDict({"lin": nn.Linear(2, 3), "act": nn.ReLU()})


@pytest.mark.parametrize(
    "op",
    [
        lambda d, lib: d,
        lambda d, lib: d["lin"],
        lambda d, lib: list(d),
        lambda d, lib: list(d.keys()),
        lambda d, lib: [type(v).__name__ for v in d.values()],
        lambda d, lib: [k for k, _ in d.items()],
        lambda d, lib: ("act" in d, "x" in d, len(d)),
        lambda d, lib: (d.pop("act"), d),
        lambda d, lib: (d.clear(), d),
        lambda d, lib: d.__setitem__("new", lib.nn.Tanh()) or d,
        lambda d, lib: d.__delitem__("lin") or d,
        lambda d, lib: d.update([("a", lib.nn.Tanh()), ("lin", lib.nn.Sigmoid())]) or d,
        lambda d, lib: d.update(lib.nn.ModuleDict({"z": lib.nn.Tanh()})) or d,
        lambda d, lib: list(d.state_dict()),
        lambda d, lib: d["missing"],
        lambda d, lib: d.update(3),
        lambda d, lib: d.update([3]),
        lambda d, lib: d.update([("a", lib.nn.Tanh(), 1)]),
        lambda d, lib: d.__setitem__("a.b", lib.nn.Tanh()),
        lambda d, lib: d.__setitem__("x", 3),
    ],
)
def test_module_dict_operations_match_torch(op):
    assert_same(lambda lib: op(mdict(lib), lib))


# ---------------------------------------------------------------- ParameterList / Dict


def plist(lib):
    return lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])


@pytest.mark.parametrize(
    "op",
    [
        lambda p, lib: p,
        lambda p, lib: len(p),
        lambda p, lib: [type(v).__name__ for v in p],
        lambda p, lib: [k for k, _ in p.named_parameters()],
        lambda p, lib: p[1:],
        lambda p, lib: p.append(lib.ones(1, dtype=lib.float64)),
        lambda p, lib: p.extend([lib.ones(1)]),
        lambda p, lib: p.__setitem__(0, lib.zeros(5)) or p,
        lambda p, lib: p[3],
        lambda p, lib: p.extend(lib.ones(3)),
        lambda p, lib: p(1),
    ],
)
def test_parameter_list_matches_torch(op):
    assert_same(lambda lib: op(plist(lib), lib))


def pdict(lib):
    return lib.nn.ParameterDict({"w": lib.ones(2, 2), "b": lib.nn.Parameter(lib.zeros(2))})


@pytest.mark.parametrize(
    "op",
    [
        lambda p, lib: p,
        lambda p, lib: (len(p), list(p), "w" in p, "z" in p),
        lambda p, lib: [k for k, _ in p.named_parameters()],
        lambda p, lib: type(p["w"]).__name__,
        lambda p, lib: p.get("z", 3),
        lambda p, lib: (p.pop("w"), p),
        lambda p, lib: p.update({"c": lib.ones(1)}) or p,
        lambda p, lib: (p.clear(), p),
        lambda p, lib: p.__setitem__("x", lib.ones(3)) or list(p.state_dict()),
        lambda p, lib: p.__delitem__("b") or p,
        lambda p, lib: list(p.keys()),
        lambda p, lib: [type(v).__name__ for v in p.values()],
        lambda p, lib: p[1],
        lambda p, lib: p(1),
    ],
)
def test_parameter_dict_matches_torch(op):
    assert_same(lambda lib: op(pdict(lib), lib))


def test_parameter_containers_register_gradients():
    p = numtorch.nn.ParameterList([numtorch.ones(2)])
    d = numtorch.nn.ParameterDict({"a": numtorch.ones(2)})
    (p[0] * d["a"]).sum().backward()
    np.testing.assert_array_equal(p[0].grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(d["a"].grad.numpy(), [1.0, 1.0])
