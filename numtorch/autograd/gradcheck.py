"""``gradcheck``: compare backward's gradients with float64 central differences;
``gradgradcheck``: the same for the gradients of the gradients (double backward)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from numtorch.autograd.engine import grad as autograd_grad
from numtorch.autograd.grad_mode import no_grad
from numtorch.random import _rng
from numtorch.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical Jacobians disagree."""


def gradcheck(
    func: Callable,
    inputs: Sequence | object,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``func``'s backward against finite differences, one Jacobian column at a time.

    Every floating input that requires grad must be float64, as in PyTorch: float32 finite
    differences are too coarse to tell a wrong gradient from rounding.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = _check_inputs(inputs)
    outputs = _as_outputs(func(*inputs))
    for index, out in enumerate(outputs):
        analytic = _analytic_jacobian(func, inputs, diff, index, out.numel())
        numeric = _numeric_jacobian(func, inputs, diff, index, eps)
        for a, n, t in zip(analytic, numeric, diff):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {index} with respect to an input of shape "
                    f"{tuple(t.shape)},\nnumerical:{n}\nanalytical:{a}"
                )
    return True


def _check_inputs(inputs: tuple) -> list[Tensor]:
    """The inputs that require grad, after PyTorch's checks: at least one, none with a stride
    of 0 (finite differences would move several elements at once); float64 (numtorch refuses
    what PyTorch only warns about)."""
    diff = []
    for idx, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        if t.dtype.name != "float64":
            raise ValueError(f"gradcheck expects float64 inputs, but got an input of {t.dtype}")
        overlapping = not all(st != 0 or n <= 1 for st, n in zip(t._data.strides, t.shape))
        if overlapping and t.numel():  # NumPy gives empty arrays stride 0; nothing overlaps
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck."
            )
        diff.append(t)
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )
    return diff


def _as_outputs(result: object) -> list:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [o for o in items if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _analytic_jacobian(func, inputs, diff, index: int, n_out: int) -> list[np.ndarray]:
    jac = [np.zeros((n_out, t.numel())) for t in diff]
    for k in range(n_out):
        out = _as_outputs(func(*inputs))[index]
        seed = np.zeros(n_out)
        seed[k] = 1.0
        gout = Tensor._make(seed.reshape(out.shape))
        grads = autograd_grad([out], diff, [gout], allow_unused=True)
        for j, g in enumerate(grads):
            if g is not None:
                jac[j][k] = g._data.ravel()
    return jac


def _numeric_jacobian(func, inputs, diff, index: int, eps: float) -> list[np.ndarray]:
    cols = []
    with no_grad():
        for t in diff:
            data = t._data  # the tensor's own array (a strided view when non-contiguous)
            col = []
            for idx in np.ndindex(data.shape):  # C order, as the analytical rows
                orig = data[idx]
                data[idx] = orig + eps
                plus = _as_outputs(func(*inputs))[index]._data.astype(np.float64).ravel()
                data[idx] = orig - eps
                minus = _as_outputs(func(*inputs))[index]._data.astype(np.float64).ravel()
                data[idx] = orig
                col.append((plus - minus) / (2 * eps))
            cols.append(np.array(col).T if col else np.zeros((0, 0)))
    return cols


_NO_DOUBLE_BACKWARD = (
    "gradgradcheck needs double backward (autograd.grad with create_graph=True), which numtorch "
    "does not support: its backward formulas run on ndarrays and record no graph, so the "
    "gradients of the gradients cannot be computed (or checked)"
)


def gradgradcheck(
    func: Callable,
    inputs: Sequence | object,
    grad_outputs: Sequence | object | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check the gradients of ``func``'s gradients against finite differences, as PyTorch:
    ``gradcheck`` of the function that maps ``inputs`` and ``grad_outputs`` to the first-order
    gradients, computed by ``autograd.grad(..., create_graph=True)``.

    Args:
        func: takes ``inputs`` and returns a tensor or a tuple of tensors.
        inputs: the inputs (a tensor or a sequence); those that require grad are checked.
        grad_outputs: the gradients of ``func``'s outputs; None draws them uniformly from
            ``[-1, 1)`` through numtorch's default generator (``manual_seed`` reproduces them),
            one per output that requires grad, requiring grad themselves.
        eps, atol, rtol, raise_exception: as in ``gradcheck``.
        gen_non_contig_grad_outputs: make the drawn ``grad_outputs`` non-contiguous.
        check_fwd_over_rev, check_batched_grad: need forward-mode AD and vmap, which numtorch
            lacks: True raises ``NotImplementedError``.
        nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode, masked: PyTorch's
            signature; they refine checks that numtorch never reaches (see below).

    numtorch's autograd has no double backward (``create_graph=True`` raises), so after the
    argument checks this raises ``NotImplementedError`` for every function -- even with
    ``raise_exception=False``, as PyTorch raises for an op without a double backward -- and
    never returns True for a second derivative it could not check.
    """
    _check_gradgrad_flags(
        check_fwd_over_rev, check_rev_over_rev, check_undefined_grad, check_batched_grad
    )
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _requiring_grad(func(*inputs))
        grad_outputs = tuple(_random_grad_output(o, gen_non_contig_grad_outputs) for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    first_order = _first_order_grads(func, len(inputs), inputs, grad_outputs)
    return gradcheck(
        first_order,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )


def _check_gradgrad_flags(
    fwd_over_rev: bool, rev_over_rev: bool, undefined: bool, batched: bool
) -> None:
    """PyTorch's assertions on the mode flags, then the modes numtorch cannot run."""
    if not (fwd_over_rev or rev_over_rev):
        raise AssertionError(
            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True"
        )
    if undefined and not rev_over_rev:
        raise AssertionError(
            "Setting check_undefined_grad=True requires check_rev_over_rev to be True"
        )
    if batched and not rev_over_rev:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_rev_over_rev to be True"
        )
    if fwd_over_rev:
        raise NotImplementedError("numtorch has no forward-mode AD: check_fwd_over_rev=True")
    if batched:
        raise NotImplementedError("numtorch has no vmap: check_batched_grad=True")


def _as_tuple(value: object) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _requiring_grad(result: object) -> tuple:
    """The outputs that are differentiable: tensors that require grad (PyTorch's rule)."""
    return tuple(o for o in _as_tuple(result) if isinstance(o, Tensor) and o.requires_grad)


def _random_grad_output(out: Tensor, noncontiguous: bool) -> Tensor:
    """A gradient for ``out``: uniform in ``[-1, 1)``, of its dtype (float64 when not floating),
    requiring grad; laid out with a stride of 2 in the last dimension when ``noncontiguous``."""
    np_dtype = out._data.dtype if out.dtype.is_floating_point else np.float64
    data = _rng(None).uniform(-1.0, 1.0, size=tuple(out.shape)).astype(np_dtype)
    if noncontiguous and data.size > 1:
        data = np.repeat(data[..., None], 2, axis=-1)[..., 0]
    return Tensor._make(data).requires_grad_(True)


def _first_order_grads(
    func: Callable, n_inputs: int, inputs: tuple, grad_outputs: tuple
) -> Callable:
    """The function ``gradgradcheck`` checks: ``(*inputs, *grad_outputs)`` to the gradients of
    ``func``'s outputs (weighted by ``grad_outputs``) with respect to the inputs that require
    grad, kept differentiable (``create_graph=True``); unused inputs' gradients are left out."""
    diff_positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args: object) -> tuple:
        ins, gouts = args[:n_inputs], args[n_inputs:]
        outs = _requiring_grad(func(*ins))
        diff = tuple(ins[i] for i in diff_positions)
        try:
            grads = autograd_grad(outs, diff, gouts, create_graph=True, allow_unused=True)
        except NotImplementedError as err:
            raise NotImplementedError(_NO_DOUBLE_BACKWARD) from err
        return tuple(g for g in grads if g is not None)

    return first_order
