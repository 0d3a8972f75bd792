"""Element-wise primitives. Operands arrive with equal shapes, or as constants that NumPy
broadcasts; a tensor that needs a gradient is broadcast beforehand by ``Expand``."""

from __future__ import annotations

import numpy as np

from numtorch.autograd.function import Function


class Add(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: np.ndarray) -> tuple:
        return g, g


class Sub(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def backward(self, g: np.ndarray) -> tuple:
        return g, -g if self.needs_input_grad[1] else None


class Mul(Function):
    saves_inputs = True

    def saved_input_indices(self) -> tuple:
        return tuple(i for i, other in ((1, 0), (0, 1)) if self.needs_input_grad[other])

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return a * b

    def backward(self, g: np.ndarray) -> tuple:
        ga = g * self.b if self.needs_input_grad[0] else None
        gb = g * self.a if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    saves_inputs = True

    def saved_input_indices(self) -> tuple:
        return (0, 1) if self.needs_input_grad[1] else (1,)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return a / b

    def backward(self, g: np.ndarray) -> tuple:
        ga = g / self.b if self.needs_input_grad[0] else None
        gb = -g * self.a / (self.b * self.b) if self.needs_input_grad[1] else None
        return ga, gb


class RoundedDiv(Function):
    """``a / b`` rounded toward zero (``mode='trunc'``) or down (``'floor'``): a step function,
    so its gradient is zero."""

    def forward(self, a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
        dtype = np.result_type(a, b)
        if dtype.kind == "f":
            q = np.floor(a / b) if mode == "floor" else np.trunc(a / b)
        else:
            q = a // b
            if mode == "trunc":  # floor rounds away from zero when the signs differ
                q = q + ((a % b != 0) & ((a < 0) != (b < 0)))
        return np.asarray(q, dtype=dtype)

    def backward(self, g: np.ndarray) -> tuple:
        zero = np.zeros_like(g)
        return (zero if self.needs_input_grad[0] else None), (
            zero if self.needs_input_grad[1] else None
        )


class Neg(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, g: np.ndarray) -> np.ndarray:
        return -g


def _pow(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``a ** e`` where a scalar ``e`` of -0.5 is ``1 / sqrt(a)``, as PyTorch's kernel computes
    it (so ``-inf ** -0.5`` is NaN, not C's 0)."""
    if np.size(e) == 1 and np.all(e == -0.5):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 / np.sqrt(a)
    return a**e


class Pow(Function):
    """``a ** b`` for two tensors (or a tensor and a constant)."""

    saves_inputs = True
    saves_output = True

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g: np.ndarray) -> tuple:
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = np.where(b == 0, 0.0, g * b * _pow(a, np.where(b == 0, 1, b - 1))).astype(a.dtype)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((a == 0) & (b >= 0), 0.0, g * self.out * np.log(a)).astype(b.dtype)
        return ga, gb


class Exp(Function):
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.exp(x)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.out


class Log(Function):
    saves_inputs = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / self.x


class Sqrt(Function):
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            self.out = np.sqrt(x)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (2 * self.out)


class StdSqrt(Sqrt):
    """The square root that ends ``std``: where the deviation is 0 PyTorch's gradient is 0
    (not ``g / 0``), since every input there sits at the mean."""

    def backward(self, g: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.out == 0, 0, g / (2 * self.out)).astype(g.dtype)


class Abs(Function):
    saves_inputs = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return np.abs(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        x = self.x
        return g * ((x > 0).astype(g.dtype) - (x < 0).astype(g.dtype))  # sgn(nan) is 0


class Clamp(Function):
    """Clamp to ``[lo, hi]``; the gradient passes where the input lies inside, ends included."""

    def forward(self, x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        self.inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            self.inside &= x >= lo
        if hi is not None:
            self.inside &= x <= hi
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    def backward(self, g: np.ndarray) -> tuple:
        return g * self.inside, None, None


def _shares(lose_a: np.ndarray, lose_b: np.ndarray, tie: np.ndarray, dt: np.dtype) -> tuple:
    """Each input's share of the gradient: half on ties, none where it lost, else all (so a
    nan, which neither wins nor loses, passes the whole gradient to both, as in PyTorch)."""
    share_a = np.where(tie, 0.5, np.where(lose_a, 0.0, 1.0)).astype(dt)
    share_b = np.where(tie, 0.5, np.where(lose_b, 0.0, 1.0)).astype(dt)
    return share_a, share_b


class Maximum(Function):
    """Element-wise maximum; on ties each input gets half the gradient, as in PyTorch."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shares = _shares(a < b, a > b, a == b, g_dtype(a, b))
        return np.maximum(a, b)

    def backward(self, g: np.ndarray) -> tuple:
        return g * self.shares[0], g * self.shares[1]


class Minimum(Function):
    """Element-wise minimum; on ties each input gets half the gradient, as in PyTorch."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shares = _shares(a > b, a < b, a == b, g_dtype(a, b))
        return np.minimum(a, b)

    def backward(self, g: np.ndarray) -> tuple:
        return g * self.shares[0], g * self.shares[1]


class Where(Function):
    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g: np.ndarray) -> tuple:
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(self.cond, g, zero) if self.needs_input_grad[1] else None
        gb = np.where(self.cond, zero, g) if self.needs_input_grad[2] else None
        return None, ga, gb


class Relu(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.positive = ~(x <= 0)  # nan passes the gradient, as in PyTorch
        return np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.positive


class Sigmoid(Function):
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        # exp of a non-positive number only, so no overflow for large |x|
        e = np.exp(-np.abs(x))
        self.out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.out * (1 - self.out)


class Tanh(Function):
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * (1 - self.out * self.out)


class Cast(Function):
    """Change dtype; the gradient is cast back to the source dtype."""

    def forward(self, x: np.ndarray, np_dtype: np.dtype) -> np.ndarray:
        self.src = x.dtype
        return x.astype(np_dtype)

    def backward(self, g: np.ndarray) -> tuple:
        return g.astype(self.src), None

    def name(self) -> str:
        return "ToCopyBackward0"


def g_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    return np.result_type(a.dtype, b.dtype)


class Clone(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g


class Step(Function):
    """A piecewise-constant map (floor, ceil, round, trunc, sign): its gradient is zero
    almost everywhere, which is what PyTorch returns (not an error, not ``None``)."""

    _FNS = {"Floor": np.floor, "Ceil": np.ceil, "Trunc": np.trunc, "Sign": np.sign}

    def forward(self, x: np.ndarray, kind: str, decimals: int = 0) -> np.ndarray:
        self.kind, self.decimals = kind, decimals
        if kind == "Round":
            return np.round(x, decimals)
        out = self._FNS[kind](x)
        if kind == "Sign" and x.dtype.kind == "f":
            out = np.where(np.isnan(x), 0, out).astype(x.dtype)  # PyTorch's sign(nan) is 0
        return out

    def backward(self, g: np.ndarray) -> tuple:
        return np.zeros_like(g), None, None

    def name(self) -> str:
        suffix = 1 if self.kind == "Round" and self.decimals else 0
        return f"{self.kind}Backward{suffix}"


class Frac(Function):
    """``x - trunc(x)``: the gradient passes through unchanged."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g
