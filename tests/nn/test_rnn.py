"""RNN, LSTM (incl. proj_size), GRU and their cells, and nn.utils.rnn, against PyTorch with
PyTorch's weights copied in: outputs, final states, gradients for the input, the initial
states and every parameter (layers, directions, batch_first, unbatched, packed
variable-length batches), float64 gradcheck, state_dict names, repr, init and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close, check_error

import numtorch

RNG = np.random.default_rng(0)
# PyTorch's note that its oneDNN kernels lack LSTM projections (it falls back, same values)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _pair(kind: str, args: tuple, kwargs: dict, dtype=np.float32) -> tuple:
    tm = getattr(torch.nn, kind)(*args, **kwargs)
    nm = getattr(numtorch.nn, kind)(*args, **kwargs)
    if dtype == np.float64:
        tm, nm = tm.double(), nm.double()
    nm.load_state_dict({k: numtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, nm


def _flatten(result) -> list:
    """The tensors of a result: ``(out, h)``, ``(out, (h, c))``, a packed output, a cell's."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flatten(r)]
    if hasattr(result, "batch_sizes"):
        return [result.data]
    return [result]


def _compare(kind, args, kwargs, call, inputs, dtype=np.float32) -> None:
    """``call(lib, module, *tensors)`` on both: equal outputs and gradients of everything."""
    tm, nm = _pair(kind, args, kwargs, dtype)
    found = []
    for lib, m in ((torch, tm), (numtorch, nm)):
        xs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
        outs = _flatten(call(lib, m, *xs))
        loss = sum(
            (
                o
                * lib.tensor(
                    np.sin(np.arange(o.numel()) + 1.0).reshape(tuple(o.shape)).astype(dtype)
                )
            ).sum()
            for o in outs
        )
        loss.backward()
        found.append(
            ([o.detach() for o in outs], [x.grad for x in xs], [p.grad for p in m.parameters()])
        )
    tol = 1e-5 if dtype == np.float32 else 1e-11
    (to, tx, tp), (no, nx, np_) = found
    assert len(to) == len(no)
    for i, (t, n) in enumerate(zip(to, no)):
        assert_close(n, t, tol, tol, f"output {i}")
    for i, (t, n) in enumerate(zip(tx, nx)):
        assert_close(n, t, tol * 10, tol * 10, f"input {i} gradient")
    for (name, _), t, n in zip(tm.named_parameters(), tp, np_):
        assert_close(n, t, tol * 10, tol * 10, f"{name} gradient")


X = RNG.standard_normal((5, 3, 4))  # (L, N, H_in)
H0 = RNG.standard_normal((4, 3, 6))  # up to 2 layers x 2 directions, N=3, H=6
C0 = RNG.standard_normal((4, 3, 6))

CASES = [
    ("LSTM", (4, 6), {}, lambda lib, m, x: m(x), [X]),
    ("LSTM", (4, 6, 2), {"bidirectional": True}, lambda lib, m, x, h, c: m(x, (h, c)), [X, H0, C0]),
    ("LSTM", (4, 6), {"batch_first": True, "bias": False}, lambda lib, m, x: m(x), [X.transpose(1, 0, 2)]),
    ("LSTM", (4, 6, 2), {"proj_size": 3}, lambda lib, m, x, h, c: m(x, (h, c)), [X, H0[:2, :, :3], C0[:2]]),
    ("LSTM", (4, 6), {"proj_size": 2, "bidirectional": True}, lambda lib, m, x: m(x), [X]),
    ("LSTM", (4, 6), {}, lambda lib, m, x, h, c: m(x, (h, c)), [X[:, 0], H0[:1, 0], C0[:1, 0]]),
    ("GRU", (4, 6), {}, lambda lib, m, x: m(x), [X]),
    ("GRU", (4, 6, 2), {"bidirectional": True, "batch_first": True}, lambda lib, m, x, h: m(x, h), [X.transpose(1, 0, 2), H0]),
    ("GRU", (4, 6), {"bias": False}, lambda lib, m, x: m(x), [X[:, 0]]),
    ("RNN", (4, 6, 2), {}, lambda lib, m, x, h: m(x, h), [X, H0[:2]]),
    ("RNN", (4, 6), {"nonlinearity": "relu", "bidirectional": True}, lambda lib, m, x: m(x), [X]),
    ("RNN", (4, 6, 1, "relu", False), {}, lambda lib, m, x: m(x), [X]),
]  # fmt: skip
_IDS = [f"{k}{a}{kw}-{i}" for i, (k, a, kw, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("kind", "args", "kwargs", "call", "inputs"), CASES, ids=_IDS)
def test_layer_matches_torch(kind, args, kwargs, call, inputs, dtype) -> None:
    _compare(kind, args, kwargs, call, inputs, dtype)


LENGTHS = [5, 2, 4]


def _packed_call(enforce_sorted: bool):
    def call(lib, m, x):
        lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, hidden = m(packed)
        padded, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(out, total_length=6)
        assert out_lengths.tolist() == lengths
        return padded, hidden

    return call


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [("LSTM", {"bidirectional": True, "num_layers": 2}), ("GRU", {"bidirectional": True}),
     ("RNN", {}), ("LSTM", {"proj_size": 2})],
)  # fmt: skip
def test_packed_variable_length_batches_match_torch(kind, kwargs, enforce_sorted) -> None:
    _compare(kind, (4, 6), kwargs, _packed_call(enforce_sorted), [X])
    _compare(kind, (4, 6), kwargs, _packed_call(enforce_sorted), [X], np.float64)


CELLS = [
    ("LSTMCell", (4, 6), {}, lambda lib, m, x, h, c: m(x, (h, c)), [X[0], H0[0], C0[0]]),
    ("LSTMCell", (4, 6), {"bias": False}, lambda lib, m, x: m(x), [X[0, 0]]),
    ("GRUCell", (4, 6), {}, lambda lib, m, x, h: m(x, h), [X[0], H0[0]]),
    ("RNNCell", (4, 6), {"nonlinearity": "relu"}, lambda lib, m, x, h: m(x, h), [X[0], H0[0]]),
    ("RNNCell", (4, 6), {}, lambda lib, m, x, h: m(x, h), [X[0, 0], H0[0, 0]]),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("kind", "args", "kwargs", "call", "inputs"),
    CELLS,
    ids=[c[0] + str(i) for i, c in enumerate(CELLS)],
)
def test_cell_matches_torch(kind, args, kwargs, call, inputs, dtype) -> None:
    _compare(kind, args, kwargs, call, inputs, dtype)


def test_cell_unrolled_equals_the_layer() -> None:
    """An LSTMCell stepped through time gives the LSTM layer's outputs."""
    layer = numtorch.nn.LSTM(4, 6)
    cell = numtorch.nn.LSTMCell(4, 6)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = numtorch.tensor(X.astype(np.float32))
    h = c = numtorch.zeros(3, 6)
    steps = []
    for t in range(5):
        h, c = cell(x[t], (h, c))
        steps.append(h)
    assert_close(numtorch.stack(steps), layer(x)[0].detach(), 1e-6, 1e-6, "unrolled")


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_gradcheck(kind: str) -> None:
    numtorch.manual_seed(0)
    m = getattr(numtorch.nn, kind)(2, 3, 2, bidirectional=True).double()
    x = numtorch.tensor(RNG.standard_normal((3, 2, 2)), requires_grad=True)
    packed_x = numtorch.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)

    def packed(t):
        p = numtorch.nn.utils.rnn.pack_padded_sequence(t, [4, 1, 3], enforce_sorted=False)
        return m(p)[0].data

    assert numtorch.autograd.gradcheck(lambda t: m(t)[0], (x,))
    assert numtorch.autograd.gradcheck(packed, (packed_x,))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.LSTM(10, 20, 2, batch_first=True, dropout=0.5, bidirectional=True, proj_size=5),
        lambda lib: lib.nn.GRU(10, 20, bias=False),
        lambda lib: lib.nn.RNN(10, 20, nonlinearity="relu"),
        lambda lib: lib.nn.LSTMCell(10, 20),
        lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="relu", bias=False),
        lambda lib: lib.nn.GRUCell(10, 20),
    ],
)  # fmt: skip
def test_repr_parameter_names_shapes_and_init_bounds(make) -> None:
    tm, nm = make(torch), make(numtorch)
    assert repr(nm) == repr(tm)
    ts, ns = tm.state_dict(), nm.state_dict()
    assert list(ns) == list(ts)
    assert all(tuple(ns[k].shape) == tuple(ts[k].shape) for k in ts)
    bound = 1 / np.sqrt(20)
    assert all(np.abs(v.numpy()).max() <= bound for v in ns.values())
    if hasattr(tm, "all_weights"):
        assert [[tuple(w.shape) for w in ws] for ws in nm.all_weights] == [
            [tuple(w.shape) for w in ws] for ws in tm.all_weights
        ]


def test_inter_layer_dropout_is_random_in_training_and_off_in_eval() -> None:
    m = numtorch.nn.LSTM(4, 6, 2, dropout=0.5)
    x = numtorch.tensor(X.astype(np.float32))
    numtorch.manual_seed(1)
    a = m(x)[0]
    numtorch.manual_seed(1)
    b = m(x)[0]
    c = m(x)[0]
    assert numtorch.equal(a, b) and not numtorch.equal(a, c)
    m.eval()
    assert numtorch.equal(m(x)[0], m(x)[0])


def test_dropout_with_one_layer_warns_like_torch() -> None:
    for lib in (torch, numtorch):
        with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
            lib.nn.GRU(3, 4, dropout=0.2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda lib: lib.nn.LSTM(4, 6)(lib.ones(2, 3, 5)), "input.size\\(-1\\) must be equal to input_size. Expected 4, got 5"),
        (lambda lib: lib.nn.LSTM(4, 6)(lib.ones(2, 3, 4, 1)), "LSTM: Expected input to be 2D or 3D, got 4D instead"),
        (lambda lib: lib.nn.RNN(4, 6)(lib.ones(2)), "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
        (lambda lib: lib.nn.GRU(4, 6)(lib.ones(2, 3, 4), lib.ones(2, 3, 6)), "Expected hidden size \\(1, 3, 6\\), got \\[2, 3, 6\\]"),
        (lambda lib: lib.nn.LSTM(4, 6)(lib.ones(2, 3, 4), (lib.ones(1, 3, 6), lib.ones(1, 2, 6))), "Expected hidden\\[1\\] size \\(1, 3, 6\\), got \\[1, 2, 6\\]"),
        (lambda lib: lib.nn.LSTM(4, 6)(lib.ones(2, 3, 4), (lib.ones(3, 6), lib.ones(3, 6))), "For batched 3-D input, hx and cx should also be 3-D but got \\(2-D, 2-D\\) tensors"),
        (lambda lib: lib.nn.GRU(4, 6)(lib.ones(2, 4), lib.ones(1, 1, 6)), "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
        (lambda lib: lib.nn.LSTM(4, 6)(lib.ones(2, 3, 4, dtype=lib.float64)), "RNN input dtype \\(torch.float64\\) does not match weight dtype \\(torch.float32\\)"),
        (lambda lib: lib.nn.LSTM(4, 6, proj_size=6), "proj_size has to be smaller than hidden_size"),
        (lambda lib: lib.nn.GRU(4, 6, proj_size=2), "proj_size argument is only supported for LSTM, not RNN or GRU"),
        (lambda lib: lib.nn.RNN(4, 6, nonlinearity="sigmoid"), "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
        (lambda lib: lib.nn.LSTM(4, 0), "hidden_size must be greater than zero"),
        (lambda lib: lib.nn.LSTM(4, 6, dropout=1.5), "dropout should be a number in range \\[0, 1\\]"),
        (lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 5)), "input has inconsistent input_size: got 5 expected 3"),
        (lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.ones(3, 4), lib.ones(3, 4))), "Input batch size 2 doesn't match hidden0 batch size 3"),
        (lambda lib: lib.nn.GRUCell(3, 4)(lib.ones(2, 3), lib.ones(2, 2)), "hidden0 has inconsistent hidden_size: got 2, expected 4"),
        (lambda lib: lib.nn.GRUCell(3, 4)(lib.ones(2, 3, 1)), "GRUCell: Expected input to be 1D or 2D, got 3D instead"),
        (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3, 2, 1), [2, 3]), "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
        (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3, 2, 1), [3, 0]), "Length of all samples has to be greater than 0"),
        (lambda lib: lib.nn.utils.rnn.pad_packed_sequence(lib.nn.utils.rnn.pack_sequence([lib.ones(3), lib.ones(2)]), total_length=2),
         "Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 and max sequence length being 3"),
    ],
)  # fmt: skip
def test_errors_match_torch(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(call, match)


def test_rnn_utils_match_torch() -> None:
    seqs = [RNG.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    found = []
    for lib in (torch, numtorch):
        ts = [lib.tensor(s, requires_grad=True) for s in seqs]
        right = lib.nn.utils.rnn.pad_sequence(ts, batch_first=True, padding_value=-1.0)
        left = lib.nn.utils.rnn.pad_sequence(ts, padding_side="left")
        packed = lib.nn.utils.rnn.pack_sequence(ts, enforce_sorted=False)
        unpacked = lib.nn.utils.rnn.unpack_sequence(packed)
        unpadded = lib.nn.utils.rnn.unpad_sequence(right, lib.tensor([3, 5, 1]), batch_first=True)
        total = (right * 2).sum() + (left * 3).sum() + (packed.data**2).sum()
        total = total + sum((u * 5).sum() for u in unpacked) + sum((u**3).sum() for u in unpadded)
        total.backward()
        found.append((right.detach(), left.detach(), packed.data.detach(), packed.batch_sizes,
                      packed.sorted_indices, packed.unsorted_indices, [s.grad for s in ts]))  # fmt: skip
    for i, (t, n) in enumerate(zip(*found)):
        if isinstance(t, list):
            for a, b in zip(t, n):
                assert_close(b, a, 1e-6, 1e-6, f"gradient {i}")
        else:
            assert_close(n, t, 1e-6, 1e-6, f"item {i}")
