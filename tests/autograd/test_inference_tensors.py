"""Inference tensors: what ``inference_mode()`` makes, and PyTorch's refusals of them outside it.

Each case runs the same lambda on PyTorch and numtorch: ``is_inference()`` flags compared with
``parity``, refusals message for message with ``check_error``.
"""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest
from helpers import check_error, parity

import numtorch

INPLACE = r"Inplace update to inference tensor outside InferenceMode is not allowed\.You can make"
SAVED = r"Inference tensors cannot be saved for backward\. Please do not use Tensors created in"
REQUIRES_GRAD = (
    r"Setting requires_grad=True on inference tensor outside InferenceMode is not allowed\."
)


def _made_inside(lib, make):
    with lib.inference_mode():
        return make()


# (id, fn(lib) -> tensor made inside inference mode)
MADE_INSIDE = [
    ("ones", lambda lib: lib.ones(3)),
    ("zeros_like", lambda lib: lib.zeros_like(lib.ones(2))),
    ("tensor", lambda lib: lib.tensor([1.0, 2.0])),
    ("Tensor", lambda lib: lib.Tensor([1.0, 2.0])),
    ("arange", lambda lib: lib.arange(4)),
    ("randn", lambda lib: lib.randn(2, 3)),
    ("from_numpy", lambda lib: lib.from_numpy(np.ones(2))),
    ("as_tensor", lambda lib: lib.as_tensor(np.ones(2))),
    ("add", lambda lib: lib.ones(3) + 1),
    ("exp", lambda lib: lib.ones(3).exp()),
    ("sum", lambda lib: lib.ones(3).sum()),
    ("matmul", lambda lib: lib.ones(2, 3) @ lib.ones(3, 2)),
    ("relu", lambda lib: lib.nn.functional.relu(lib.ones(3))),
    ("linear module", lambda lib: lib.nn.Linear(2, 3)(lib.ones(4, 2))),
    ("module parameter", lambda lib: lib.nn.Linear(2, 3).weight),
    ("parameter", lambda lib: lib.nn.Parameter(lib.ones(2))),
    ("unbind piece", lambda lib: lib.ones(3).unbind(0)[1]),
    ("requires grad", lambda lib: lib.ones(2, requires_grad=True)),
]


@pytest.mark.parametrize("make", [c[1] for c in MADE_INSIDE], ids=[c[0] for c in MADE_INSIDE])
def test_made_inside_is_inference(make) -> None:
    assert parity(lambda lib: _made_inside(lib, lambda: make(lib)).is_inference()) is True


def _normal(lib):
    return lib.arange(6.0).reshape(2, 3)


# (id, fn(lib) -> tensor): normal and inference tensors, views, and results, in and out
KINDS = [
    ("normal", lambda lib: _normal(lib)),
    ("normal op", lambda lib: _normal(lib) * 2),
    ("view of normal made inside", lambda lib: _made_inside(lib, lambda: _normal(lib).view(6))),
    ("slice of normal made inside", lambda lib: _made_inside(lib, lambda: _normal(lib)[1:])),
    ("detach of normal made inside", lambda lib: _made_inside(lib, _normal(lib).detach)),
    ("transpose of normal made inside", lambda lib: _made_inside(lib, _normal(lib).t)),
    ("view of inference", lambda lib: _made_inside(lib, lambda: lib.ones(6)).view(2, 3)),
    ("slice of inference", lambda lib: _made_inside(lib, lambda: lib.ones(6))[2:]),
    ("detach of inference", lambda lib: _made_inside(lib, lambda: lib.ones(6)).detach()),
    (".data of inference", lambda lib: _made_inside(lib, lambda: lib.ones(6)).data),
    ("clone of inference", lambda lib: _made_inside(lib, lambda: lib.ones(6)).clone()),
    ("op on inference", lambda lib: _made_inside(lib, lambda: lib.ones(6)) + 1),
    ("stack of inference", lambda lib: lib.stack([_made_inside(lib, lambda: lib.ones(2))] * 2)),
    (
        "made under inference_mode(False)",
        lambda lib: _made_inside(lib, lambda: _off(lib, lambda: lib.ones(2))),
    ),
    ("made under no_grad", lambda lib: _no_grad(lib, lambda: lib.ones(2))),
    ("made by a decorated function", lambda lib: lib.inference_mode()(lambda: lib.ones(2))()),
    ("made by a bare-decorated function", lambda lib: lib.inference_mode(lambda: lib.ones(2))()),
]


def _off(lib, make):
    with lib.inference_mode(False):
        return make()


def _no_grad(lib, make):
    with lib.no_grad():
        return make()


@pytest.mark.parametrize("make", [c[1] for c in KINDS], ids=[c[0] for c in KINDS])
def test_is_inference_matches_pytorch(make) -> None:
    parity(lambda lib: (make(lib).is_inference(), lib.is_inference(make(lib))))


def test_is_inference_needs_a_tensor() -> None:
    check_error(
        lambda lib: lib.is_inference(3),
        r"is_inference\(\): argument 'input' \(position 1\) must be Tensor, not int",
    )


def _inference(lib):
    return _made_inside(lib, lambda: lib.ones(3))


def _write(lib, fn):
    """``fn(t)`` on an inference tensor outside inference mode, then ``t``'s values: PyTorch
    raises after writing, so the values are compared too."""
    t = _inference(lib)
    try:
        fn(t)
    except RuntimeError as error:
        return str(error), t.tolist()
    return "no error", t.tolist()


def _setitem(t, key, value):
    t[key] = value


# (id, fn(lib, t)): an in-place write into the inference tensor ``t``
WRITES = [
    ("add_", lambda lib, t: t.add_(1)),
    ("iadd", lambda lib, t: t.__iadd__(1)),
    ("setitem", lambda lib, t: _setitem(t, 0, 5.0)),
    ("copy_", lambda lib, t: t.copy_(lib.full((3,), 2.0))),
    ("zero_", lambda lib, t: t.zero_()),
    ("fill_", lambda lib, t: t.fill_(4.0)),
    ("view add_", lambda lib, t: t[1:].add_(1)),
    ("neg_", lambda lib, t: t.neg_()),
    ("out=", lambda lib, t: lib.add(lib.ones(3), 1, out=t)),
    ("add_ under no_grad", lambda lib, t: _no_grad(lib, lambda: t.add_(1))),
    ("add_ under inference_mode(False)", lambda lib, t: _off(lib, lambda: t.add_(1))),
    ("mul_ by a tensor that requires grad", lambda lib, t: t.mul_(lib.ones(3, requires_grad=True))),
    ("add_ of a tensor that requires grad", lambda lib, t: t.add_(lib.ones(3, requires_grad=True))),
]


@pytest.mark.parametrize("write", [c[1] for c in WRITES], ids=[c[0] for c in WRITES])
def test_inplace_outside_is_refused(write) -> None:
    message, _ = parity(lambda lib: _write(lib, lambda t: write(lib, t)))
    assert message.startswith("Inplace update to inference tensor outside InferenceMode")


def test_inplace_error_type() -> None:
    check_error(lambda lib: _inference(lib).add_(1), INPLACE, RuntimeError)


def test_inplace_inside_is_allowed() -> None:
    """Inside inference mode both inference and normal tensors take in-place writes; a
    normal tensor's version moves on."""

    def run(lib):
        t, n = _inference(lib), lib.ones(3)
        with lib.inference_mode():
            t.add_(1)
            t[0] = 7.0
            n.mul_(3)
        return t.tolist(), n.tolist(), n.is_inference()

    parity(run)
    n = numtorch.ones(3)
    with numtorch.inference_mode():
        n.add_(1)
    assert n._version[0] == 1


def _w(lib):
    return lib.ones(3, requires_grad=True)


# (id, fn(lib)): an op recorded for backward that saves an inference tensor
SAVES = [
    ("inference * w", lambda lib: _inference(lib) * _w(lib)),
    ("w * inference", lambda lib: _w(lib) * _inference(lib)),
    ("w.exp() * inference", lambda lib: _w(lib).exp() * _inference(lib)),
    ("non-leaf * inference view", lambda lib: (_w(lib) * 2) * _inference(lib)[0]),
    ("matmul", lambda lib: _inference(lib) @ _w(lib)),
    ("linear", lambda lib: lib.nn.functional.linear(_inference(lib), _w(lib).view(1, 3))),
    ("non-leaf mul_ inference", lambda lib: (_w(lib) * 1).mul_(_inference(lib))),
]


@pytest.mark.parametrize("fn", [c[1] for c in SAVES], ids=[c[0] for c in SAVES])
def test_saving_for_backward_is_refused(fn) -> None:
    check_error(fn, SAVED, RuntimeError)


# (id, fn(lib) -> tensor): uses of an inference tensor that PyTorch allows outside the mode
ALLOWED = [
    ("add to w (nothing saved)", lambda lib: (_inference(lib) + _w(lib)).sum()),
    ("op without grad", lambda lib: (_inference(lib) * 2).exp().sum()),
    ("under no_grad", lambda lib: _no_grad(lib, lambda: _inference(lib) * _w(lib)).sum()),
    ("clone then mul", lambda lib: (_inference(lib).clone() * _w(lib)).sum()),
    ("where with an inference mask", lambda lib: lib.where(_inference(lib) > 0, _w(lib), 0.0)),
]


@pytest.mark.parametrize("fn", [c[1] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_allowed_uses(fn) -> None:
    parity(lambda lib: (fn(lib).tolist(), fn(lib).is_inference()))


def test_backward_through_allowed_use() -> None:
    def run(lib):
        w = _w(lib)
        (_inference(lib) + w * 2).sum().backward()
        return w.grad.tolist()

    parity(run)


def test_inference_leaf_that_requires_grad() -> None:
    """Made with ``requires_grad=True`` inside: usable outside where it is not saved."""

    def run(lib):
        p = _made_inside(lib, lambda: lib.ones(2, requires_grad=True))
        (p * 2).sum().backward()
        return p.requires_grad, p.is_inference(), p.grad.tolist(), p.grad.is_inference()

    parity(run)
    check_error(
        lambda lib: _made_inside(lib, lambda: lib.ones(2, requires_grad=True)) * _w(lib)[:2],
        SAVED,
    )


# (id, fn(lib)): asking an inference tensor to require grad outside the mode
REQUIRES = [
    ("requires_grad_()", lambda lib: _inference(lib).requires_grad_()),
    ("requires_grad = True", lambda lib: setattr(_inference(lib), "requires_grad", True)),
    ("view requires_grad_()", lambda lib: _inference(lib)[1:].requires_grad_()),
    ("Parameter", lambda lib: lib.nn.Parameter(_inference(lib))),
]


@pytest.mark.parametrize("fn", [c[1] for c in REQUIRES], ids=[c[0] for c in REQUIRES])
def test_requires_grad_is_refused(fn) -> None:
    check_error(fn, REQUIRES_GRAD, RuntimeError)


def test_requires_grad_allowed_cases() -> None:
    """``requires_grad_(False)``, inside the mode, and the dtype check that comes first."""

    def inside(lib):
        t = _inference(lib)
        with lib.inference_mode():
            t.requires_grad_()
        return t.requires_grad, t.is_inference()

    parity(lambda lib: _inference(lib).requires_grad_(False).requires_grad)
    parity(inside)
    parity(lambda lib: lib.nn.Parameter(_inference(lib), requires_grad=False).is_inference())
    check_error(
        lambda lib: _made_inside(lib, lambda: lib.ones(2, dtype=lib.int64)).requires_grad_(),
        "only Tensors of floating point dtype can require gradients",
    )


def test_copies_are_normal() -> None:
    """deepcopy and pickling give normal tensors, as PyTorch's do."""
    parity(lambda lib: copy.deepcopy(_inference(lib)).is_inference())
    parity(lambda lib: pickle.loads(pickle.dumps(_inference(lib))).is_inference())


def test_optimizer_step_on_inference_parameters_is_refused() -> None:
    def step(lib):
        lin = _made_inside(lib, lambda: lib.nn.Linear(2, 3))
        lin.weight.grad = lib.ones(3, 2)
        lib.optim.SGD([lin.weight], lr=0.1).step()

    check_error(step, INPLACE, RuntimeError)


def test_module_trained_normally_then_run_in_inference() -> None:
    def run(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(2, 1)
        x = lib.ones(4, 2)
        lin(x).sum().backward()
        with lib.inference_mode():
            y = lin(x)
        return y.is_inference(), lin.weight.is_inference(), lin(x).is_inference()

    parity(run)


def test_error_inside_the_block_restores_normal_mode() -> None:
    with pytest.raises(ValueError), numtorch.inference_mode():
        raise ValueError
    assert not numtorch.is_inference_mode_enabled()
    assert not numtorch.ones(2).is_inference()
    assert not (numtorch.ones(2) + 1).is_inference()


def _grad_modes_inside_inference(lib) -> list:
    """Grad mode and what autograd records when ``enable_grad``, ``set_grad_enabled`` or
    ``inference_mode(False)`` open inside an ``inference_mode()`` block (and under
    ``no_grad``), for a normal leaf ``a`` and one made inside."""
    a = lib.ones(2, requires_grad=True)
    out = []
    with lib.inference_mode():
        with lib.enable_grad():
            t = lib.ones(2, requires_grad=True)
            out += [lib.is_grad_enabled(), lib.is_inference_mode_enabled(), t.requires_grad]
            out += [(t * 2).requires_grad, (a * 2).requires_grad, a.exp().grad_fn is None]
            out += [a.clone().requires_grad, lib.relu(a).requires_grad]
            b = lib.ones(2, requires_grad=True)
            b.add_(1)  # no leaf check: autograd is not running
            out += [b.requires_grad, b.grad_fn is None]
        with lib.set_grad_enabled(True):
            out += [lib.is_grad_enabled(), (a * 2).requires_grad]
        with lib.inference_mode(False):
            out += [lib.is_grad_enabled(), (a * 2).requires_grad, lib.is_inference_mode_enabled()]
        out += [lib.is_grad_enabled(), (a * 2).requires_grad]
    with lib.no_grad(), lib.inference_mode(), lib.enable_grad():
        out += [lib.is_grad_enabled(), (a * 2).requires_grad]
    out += [lib.is_grad_enabled(), (a * 2).requires_grad]
    return out


def test_enable_grad_inside_inference_mode_records_nothing() -> None:
    """PyTorch's InferenceMode leaves autograd out whatever the grad mode: ``enable_grad()``
    inside it turns grad mode on (``is_grad_enabled()``) but no op records a graph."""
    got = parity(_grad_modes_inside_inference)
    assert got[:5] == [True, True, True, False, False]  # what the comparison is about


def test_nested_blocks() -> None:
    with numtorch.inference_mode():
        with numtorch.inference_mode():
            a = numtorch.ones(2)
        b = numtorch.ones(2)
    c = numtorch.ones(2)
    assert (a.is_inference(), b.is_inference(), c.is_inference()) == (True, True, False)


def test_other_threads_make_normal_tensors() -> None:
    """Inference mode is per thread: while one thread is in a block, another's tensors stay
    normal, and after it leaves, its own are normal again."""
    entered, release = threading.Event(), threading.Event()
    made = {}

    def worker() -> None:
        with numtorch.inference_mode():
            made["inside"] = numtorch.ones(2) + 1
            entered.set()
            release.wait(10)
        made["after"] = numtorch.ones(2) + 1

    thread = threading.Thread(target=worker)
    thread.start()
    entered.wait(10)
    here = numtorch.ones(2) + 1
    release.set()
    thread.join(10)
    assert made["inside"].is_inference()
    assert not here.is_inference()
    assert not made["after"].is_inference()
