"""One recurrent layer in one direction, over a whole sequence, as one primitive: the input
projection of every time step is one matrix product, the time loop runs on ndarrays, and
backward is back-propagation through time in one pass (no graph of per-step ops).

The sequence is *packed* (PyTorch's ``PackedSequence`` layout): ``x`` holds the time steps
one after another, step ``t`` being the first ``batch_sizes[t]`` sequences of the batch
(``batch_sizes`` does not increase). A padded batch of equal lengths is the special case
``batch_sizes = [N] * L``. In the reverse direction each sequence starts from its own last
element with the initial state, as PyTorch's bidirectional layers do.

Gates are PyTorch's: LSTM ``i, f, g, o`` (with an optional projection ``h = W_hr (o *
tanh(c))``), GRU ``r, z, n`` with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and
``h' = (1 - z) * n + z * h``, and the Elman RNN ``h' = tanh | relu(W_ih x + b_ih + W_hh h +
b_hh)``.
"""

from __future__ import annotations

import numpy as np

from numtorch.autograd.graph import Primitive

__all__ = ["RecurrentLayer", "MODES"]

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


def _steps(batch_sizes: tuple, reverse: bool) -> list[tuple[int, int, int]]:
    """``(t, first row, batch size)`` of each time step, in the order the layer runs them."""
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    steps = [(t, int(offsets[t]), int(batch_sizes[t])) for t in range(len(batch_sizes))]
    return steps[::-1] if reverse else steps


def _previous_index(batch_sizes: tuple, reverse: bool) -> np.ndarray:
    """For every packed row, where its sequence's previous state is: a packed row, or
    ``total + b`` for sequence ``b``'s initial state (rows of ``concatenate([states, h0])``)."""
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)
    total = int(sum(batch_sizes))
    index = np.empty(total, np.int64)
    for t, bs in enumerate(batch_sizes):
        before = t + 1 if reverse else t - 1
        rows = total + np.arange(bs)
        if 0 <= before < len(batch_sizes):
            n = min(bs, batch_sizes[before])
            rows[:n] = offsets[before] + np.arange(n)
        index[offsets[t] : offsets[t] + bs] = rows
    return index


def _previous(states: np.ndarray, initial: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Every row's previous state (``_previous_index``), gathered in one pass."""
    return np.concatenate([states, initial])[index]


class RecurrentLayer(Primitive):
    """``(output rows, h_n, c_n)`` of one layer and direction; ``c_n`` only for LSTM."""

    @staticmethod
    def forward(
        ctx: Primitive,
        x,
        h0,
        c0,
        w_ih,
        w_hh,
        b_ih,
        b_hh,
        w_hr,
        mode="LSTM",
        batch_sizes=None,
        reverse=False,
    ) -> tuple:
        batch_sizes = tuple(int(n) for n in batch_sizes)
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        xw = x @ w_ih.T
        if b_ih is not None:
            xw += b_ih
        if b_hh is not None and mode != "GRU":
            xw += b_hh
        h, c = h0.copy(), None if c0 is None else c0.copy()
        out = np.empty((x.shape[0], h0.shape[1]), x.dtype)
        extra = _STEP[mode](xw, h, c, out, w_hh, b_hh, w_hr, _steps(batch_sizes, reverse))
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_hh, w_hr, out, *extra)
        return (out, h) if c is None else (out, h, c)

    @staticmethod
    def backward(ctx: Primitive, g_out: np.ndarray, g_h: np.ndarray, g_c=None) -> tuple:
        x, h0, c0, w_ih, w_hh, b_hh, w_hr, out, *extra = ctx.saved_tensors
        previous = _previous_index(ctx.batch_sizes, ctx.reverse)
        steps = _steps(ctx.batch_sizes, not ctx.reverse)
        grads = _BACK[ctx.mode](
            g_out, g_h, g_c, h0, c0, w_hh, b_hh, w_hr, out, extra, steps, previous
        )
        dxw, dh0, dc0, dw_hh, db_hh, dw_hr = grads
        need = ctx.needs_input_grad
        dx = dxw @ w_ih if need[0] else None
        dw_ih = dxw.T @ x if need[3] else None
        db_ih = dxw.sum(axis=0) if need[5] else None
        if ctx.mode != "GRU" and need[6]:
            db_hh = dxw.sum(axis=0)
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh if need[6] else None, dw_hr


# ---------------------------------------------------------------- forward steps


def _lstm_forward(xw, h, c, out, w_hh, b_hh, w_hr, steps) -> tuple:
    """Gates are computed in place in ``gates`` (kept for backward: i, f, g, o activated)."""
    hidden = c.shape[1]
    gates = xw  # each step's rows of the input projection become that step's gates
    cells = np.empty((xw.shape[0], hidden), xw.dtype)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    for _, row, bs in steps:
        a = gates[row : row + bs]
        a += h[:bs] @ w_hh_t
        _sigmoid_(a[:, : 2 * hidden])
        np.tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])
        _sigmoid_(a[:, 3 * hidden :])
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c_bs = c[:bs]
        c_bs *= f
        c_bs += i * g
        cells[row : row + bs] = c_bs
        h_new = o * np.tanh(c_bs)
        if w_hr is not None:
            h_new = h_new @ w_hr.T
        h[:bs] = h_new
        out[row : row + bs] = h_new
    return gates, cells


def _sigmoid_(a: np.ndarray) -> None:
    """``a = sigmoid(a)`` in place, as ``0.5 * tanh(0.5 a) + 0.5`` (no overflow)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _gru_forward(xw, h, c, out, w_hh, b_hh, w_hr, steps) -> tuple:
    hidden = h.shape[1]
    gates = np.empty((xw.shape[0], 3 * hidden), xw.dtype)  # r, z, n
    hidden_n = np.empty((xw.shape[0], hidden), xw.dtype)  # W_hn h + b_hn
    for _, row, bs in steps:
        rows = slice(row, row + bs)
        gh = h[:bs] @ w_hh.T
        if b_hh is not None:
            gh += b_hh
        r = _sigmoid(xw[rows, :hidden] + gh[:, :hidden])
        z = _sigmoid(xw[rows, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden])
        n = np.tanh(xw[rows, 2 * hidden :] + r * gh[:, 2 * hidden :])
        h[:bs] = (1 - z) * n + z * h[:bs]
        out[rows] = h[:bs]
        gates[rows] = np.concatenate([r, z, n], axis=1)
        hidden_n[rows] = gh[:, 2 * hidden :]
    return gates, hidden_n


def _elman_forward(relu: bool):
    def step(xw, h, c, out, w_hh, b_hh, w_hr, steps) -> tuple:
        for _, row, bs in steps:
            rows = slice(row, row + bs)
            a = xw[rows] + h[:bs] @ w_hh.T
            h[:bs] = np.maximum(a, 0) if relu else np.tanh(a)
            out[rows] = h[:bs]
        return ()

    return step


_STEP = {
    "LSTM": _lstm_forward,
    "GRU": _gru_forward,
    "RNN_TANH": _elman_forward(False),
    "RNN_RELU": _elman_forward(True),
}


# ---------------------------------------------------------------- backward steps


def _lstm_backward(g_out, g_h, g_c, h0, c0, w_hh, b_hh, w_hr, out, extra, steps, previous):
    gates, cells = extra
    hidden = cells.shape[1]
    dxw = np.empty_like(gates)
    dh, dc = g_h.copy(), g_c.copy()
    c_prev = _previous(cells, c0, previous)
    dw_hr = None if w_hr is None else np.zeros_like(w_hr)
    for _, row, bs in steps:
        rows = slice(row, row + bs)
        i, f, g, o = (gates[rows, k * hidden : (k + 1) * hidden] for k in range(4))
        tc = np.tanh(cells[rows])
        dh_t = dh[:bs] + g_out[rows]
        if w_hr is not None:
            dw_hr += dh_t.T @ (o * tc)
            dh_t = dh_t @ w_hr
        da = dxw[rows]
        d_o = da[:, 3 * hidden :]
        np.multiply(dh_t, tc, out=d_o)
        dc_t = dc[:bs]
        dh_t *= o
        dh_t *= 1 - tc * tc
        dc_t += dh_t
        np.multiply(dc_t, g, out=da[:, :hidden])
        np.multiply(dc_t, c_prev[rows], out=da[:, hidden : 2 * hidden])
        np.multiply(dc_t, i, out=da[:, 2 * hidden : 3 * hidden])
        da[:, : 2 * hidden] *= gates[rows, : 2 * hidden] * (1 - gates[rows, : 2 * hidden])
        da[:, 2 * hidden : 3 * hidden] *= 1 - g * g
        d_o *= o * (1 - o)
        dh[:bs] = da @ w_hh
        dc_t *= f
    dw_hh = dxw.T @ _previous(out, h0, previous)
    return dxw, dh, dc, dw_hh, None, dw_hr


def _gru_backward(g_out, g_h, g_c, h0, c0, w_hh, b_hh, w_hr, out, extra, steps, previous):
    gates, hidden_n = extra
    hidden = hidden_n.shape[1]
    dxw = np.empty_like(gates)
    dgh_all = np.empty_like(gates)
    dh = g_h.copy()
    h_prev_all = _previous(out, h0, previous)
    for _, row, bs in steps:
        rows = slice(row, row + bs)
        r, z, n = gates[rows, :hidden], gates[rows, hidden : 2 * hidden], gates[rows, 2 * hidden :]
        dh_t = dh[:bs] + g_out[rows]
        da_n = dh_t * (1 - z) * (1 - n * n)
        da_r = da_n * hidden_n[rows] * r * (1 - r)
        da_z = dh_t * (h_prev_all[rows] - n) * z * (1 - z)
        dxw[rows, :hidden], dxw[rows, hidden : 2 * hidden], dxw[rows, 2 * hidden :] = (
            da_r,
            da_z,
            da_n,
        )
        dgh = dgh_all[rows]
        dgh[:, : 2 * hidden] = dxw[rows, : 2 * hidden]
        np.multiply(da_n, r, out=dgh[:, 2 * hidden :])
        dh[:bs] = dh_t * z + dgh @ w_hh
    return dxw, dh, None, dgh_all.T @ h_prev_all, dgh_all.sum(axis=0), None


def _elman_backward(relu: bool):
    def step(g_out, g_h, g_c, h0, c0, w_hh, b_hh, w_hr, out, extra, steps, previous):
        dxw = np.empty_like(out)
        dh = g_h.copy()
        for _, row, bs in steps:
            rows = slice(row, row + bs)
            h = out[rows]
            da = dxw[rows]
            np.add(dh[:bs], g_out[rows], out=da)
            da *= (h > 0) if relu else 1 - h * h
            dh[:bs] = da @ w_hh
        return dxw, dh, None, dxw.T @ _previous(out, h0, previous), None, None

    return step


_BACK = {
    "LSTM": _lstm_backward,
    "GRU": _gru_backward,
    "RNN_TANH": _elman_backward(False),
    "RNN_RELU": _elman_backward(True),
}
