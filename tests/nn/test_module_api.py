"""The rest of nn.Module's API against PyTorch: set_submodule, extra state, the state-dict
hooks, to_empty, type, bfloat16, compile and the accelerator moves a CPU build refuses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numtorch
from tests.helpers import assert_close, check_error


def tree(lib):
    nn = lib.nn
    root = nn.Module()
    root.net_b = nn.Module()
    root.net_b.net_c = nn.Module()
    root.net_b.net_c.conv = nn.Linear(3, 3)
    root.net_b.linear = nn.Linear(3, 3)
    return root


def test_no_module_method_missing():
    missing = set(dir(torch.nn.Module)) - set(dir(numtorch.nn.Module))
    allowed = {  # PyTorch internals of its C++ dispatch, TorchScript and DataParallel
        "_call_impl",
        "_compiled_call_impl",
        "_get_backward_hooks",
        "_get_backward_pre_hooks",
        "_maybe_warn_non_full_backward_hook",
        "_replicate_for_data_parallel",
        "_slow_forward",
        "_wrapped_call_impl",
    }
    assert missing <= allowed, sorted(missing - allowed)


def test_set_submodule():
    def run(lib):
        root = tree(lib)
        root.set_submodule("net_b.net_c.conv", lib.nn.Linear(1, 1))
        root.set_submodule("net_b.extra", lib.nn.ReLU())
        root.set_submodule("top", lib.nn.Tanh(), strict=False)
        return repr(root)

    assert run(numtorch) == run(torch)
    check_error(lambda lib: tree(lib).set_submodule("", lib.nn.ReLU()), "without a target name")
    check_error(
        lambda lib: tree(lib).set_submodule("net_b.conv", lib.nn.ReLU(), strict=True),
        "Module has no attribute `conv`",
    )
    check_error(
        lambda lib: tree(lib).set_submodule("net_b.nope.x", lib.nn.ReLU()),
        "Module has no attribute `nope`",
    )
    check_error(
        lambda lib: tree(lib).set_submodule("net_b.linear.weight", lib.nn.ReLU()),
        "`weight` is not an nn.Module",
    )
    with pytest.raises(ValueError, match="`module` is not an nn.Module"):
        tree(numtorch).set_submodule("net_b", 3)


def with_extra_state(lib):
    class Counter(lib.nn.Linear):
        def __init__(self):
            super().__init__(2, 2)
            self.count = 3

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    return Counter()


def test_extra_state():
    t, n = with_extra_state(torch), with_extra_state(numtorch)
    assert list(n.state_dict()) == list(t.state_dict()) == ["weight", "bias", "_extra_state"]
    state = n.state_dict()
    state["_extra_state"] = {"count": 7}
    n.load_state_dict(state)
    assert n.count == 7
    del state["_extra_state"]
    check_error(
        lambda lib: with_extra_state(lib).load_state_dict(
            {k: v for k, v in with_extra_state(lib).state_dict().items() if k != "_extra_state"}
        ),
        'Missing key\\(s\\) in state_dict: "_extra_state"',
    )
    check_error(lambda lib: lib.nn.Linear(1, 1).get_extra_state(), "should never be called")
    check_error(lambda lib: lib.nn.Linear(1, 1).set_extra_state(1), "should never be called")


def record_state_dict_hooks(lib):
    calls = []
    root = tree(lib)
    child = root.net_b.linear
    child.register_state_dict_pre_hook(lambda m, prefix, keep: calls.append(("pre", prefix, keep)))

    def post(module, state, prefix, meta):
        calls.append(("post", prefix, sorted(state)))
        state[prefix + "added"] = lib.ones(1)

    child.register_state_dict_post_hook(post)
    handle = root.register_state_dict_pre_hook(lambda m, p, k: calls.append(("root", p)))
    keys = list(root.state_dict(keep_vars=True))
    handle.remove()
    root.state_dict()
    return calls, keys


def test_state_dict_hooks():
    n_calls, n_keys = record_state_dict_hooks(numtorch)
    t_calls, t_keys = record_state_dict_hooks(torch)
    assert n_calls == t_calls
    assert n_keys == t_keys


def test_state_dict_post_hook_rules():
    def returns_value(lib):
        m = lib.nn.Linear(1, 1)
        m.register_state_dict_post_hook(lambda *a: {})
        return m.state_dict()

    check_error(returns_value, "state_dict post-hook must return None")

    def private_replaces(lib):
        m = lib.nn.Linear(1, 1)
        m._register_state_dict_hook(lambda *a: {"replaced": 1})
        return m.state_dict()

    assert private_replaces(numtorch) == private_replaces(torch) == {"replaced": 1}

    def both(lib):
        m = lib.nn.Linear(1, 1)

        def hook(*args):
            return None

        m.register_state_dict_post_hook(hook)
        m._register_state_dict_hook(hook)

    check_error(both, "Cannot register the same function as the state dict post hook")


def record_load_hooks(lib):
    calls = []
    root = tree(lib)
    child = root.net_b.linear
    state = root.state_dict()

    def pre(module, sd, prefix, meta, strict, missing, unexpected, errors):
        calls.append(("pre", module is child, prefix, sorted(sd)))
        sd[prefix + "weight"] = sd[prefix + "weight"] * 0 + 2

    def post(module, keys):
        calls.append(("post", module is child, list(keys.missing_keys)))
        keys.unexpected_keys.clear()

    child.register_load_state_dict_pre_hook(pre)
    child.register_load_state_dict_post_hook(post)
    state["junk"] = lib.ones(1)
    result = root.load_state_dict(state, strict=False)
    return calls, result.missing_keys, result.unexpected_keys, child.weight.detach().numpy()


def test_load_state_dict_hooks():
    n = record_load_hooks(numtorch)
    t = record_load_hooks(torch)
    assert n[0] == t[0]
    assert n[1:3] == t[1:3]
    np.testing.assert_array_equal(n[3], t[3])

    def post_clears(lib):
        m = lib.nn.Linear(2, 2)
        m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        return m.load_state_dict({}, strict=True)

    assert repr(post_clears(numtorch)) == repr(post_clears(torch))

    def post_returns(lib):
        m = lib.nn.Linear(2, 2)
        m.register_load_state_dict_post_hook(lambda mod, keys: 1)
        m.load_state_dict(m.state_dict())

    check_error(post_returns, "are not expected to return new values")


def test_to_empty_type_and_casts():
    n = numtorch.nn.BatchNorm1d(3)
    weight = n.weight
    assert n.to_empty(device="cpu") is n
    assert n.weight is weight and n.weight.shape == (3,) and n.running_mean.shape == (3,)
    t = torch.nn.BatchNorm1d(3).type(torch.float64)
    n = numtorch.nn.BatchNorm1d(3).type(numtorch.float64)
    assert [str(v.dtype) for v in n.state_dict().values()] == [
        str(v.dtype) for v in t.state_dict().values()
    ]
    n = numtorch.nn.Linear(2, 2).type("torch.DoubleTensor")
    assert n.weight.dtype == numtorch.float64 and isinstance(n.weight, numtorch.nn.Parameter)
    with pytest.raises(TypeError, match="bfloat16"):
        numtorch.nn.Linear(2, 2).bfloat16()
    assert isinstance(numtorch.nn.ReLU().bfloat16(), numtorch.nn.ReLU)


def test_accelerators_refused_compile_noop():
    check_error(lambda lib: lib.nn.Linear(2, 2).xpu(), "Torch not compiled with XPU enabled")
    check_error(lambda lib: lib.nn.Linear(2, 2).ipu(), "not linked with support for ipu devices")
    check_error(lambda lib: lib.nn.Linear(2, 2).mtia(), "Torch not compiled with MTIA enabled")
    m = numtorch.nn.Linear(2, 2)
    x = numtorch.ones(1, 2)
    before = m(x)
    assert m.compile() is None
    assert_close(m(x), before, 0, 0, "compiled output")
    assert numtorch.nn.Module.dump_patches is False
    assert numtorch.nn.Module.call_super_init is False


def record_non_full_hook(lib):
    """A deprecated non-full backward hook on a one-node module (ReLU): what it sees."""
    m = lib.nn.ReLU()
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((module is m, [tuple(g.shape) for g in grad_input], len(grad_output)))
        return (grad_input[0] * 2,)

    handle = m.register_backward_hook(hook)
    x = lib.tensor([[-1.0, 2.0, 3.0]], requires_grad=True)
    with pytest.warns(FutureWarning, match="non-full backward hook"):
        y = m(x)
    y.sum().backward()
    handle.remove()
    m(x).sum().backward()  # removed: x.grad gains 1 per positive element
    return seen, x.grad.numpy().tolist()


def test_register_backward_hook():
    assert record_non_full_hook(numtorch) == record_non_full_hook(torch)

    def mixed(lib):
        m = lib.nn.ReLU()
        m.register_backward_hook(lambda *a: None)
        m.register_full_backward_hook(lambda *a: None)

    check_error(mixed, "Cannot use both regular backward hooks and full backward hooks")

    def mixed_other_way(lib):
        m = lib.nn.ReLU()
        m.register_full_backward_hook(lambda *a: None)
        m.register_backward_hook(lambda *a: None)

    check_error(mixed_other_way, "Cannot use both regular backward hooks and full backward hooks")
