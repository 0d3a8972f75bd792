"""``gradcheck``: compare backward's gradients with float64 central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from numtorch.autograd.engine import grad as autograd_grad
from numtorch.autograd.grad_mode import no_grad
from numtorch.tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


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
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )
    for t in diff:
        if t.dtype.name != "float64":
            raise ValueError(f"gradcheck expects float64 inputs, but got an input of {t.dtype}")
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
            flat = t._data.reshape(-1) if t._data.flags.c_contiguous else None
            if flat is None:
                raise ValueError("gradcheck needs contiguous inputs")
            col = []
            for i in range(flat.size):
                orig = flat[i]
                flat[i] = orig + eps
                plus = _as_outputs(func(*inputs))[index]._data.astype(np.float64).ravel()
                flat[i] = orig - eps
                minus = _as_outputs(func(*inputs))[index]._data.astype(np.float64).ravel()
                flat[i] = orig
                col.append((plus - minus) / (2 * eps))
            cols.append(np.array(col).T if col else np.zeros((0, 0)))
    return cols
