"""numtorch -> PyTorch for issue 12's layers: a numtorch module's state_dict, saved with
``numtorch.save`` and read with ``torch.load(weights_only=True)``, loads into the PyTorch
module with ``strict=True`` and gives the same outputs. (PyTorch -> numtorch is what every
layer's parity test does.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close

import numtorch

RNG = np.random.default_rng(0)
SEQ = RNG.standard_normal((5, 2, 8)).astype(np.float32)
IMG = RNG.standard_normal((2, 4, 6, 6)).astype(np.float32)
VOL = RNG.standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
IDX = np.array([[1, 3, 0], [2, 2, 5]])

LAYERS = [
    ("LayerNorm", lambda lib: lib.nn.LayerNorm(8), lambda lib, m: m(lib.tensor(SEQ))),
    ("GroupNorm", lambda lib: lib.nn.GroupNorm(2, 4), lambda lib, m: m(lib.tensor(IMG))),
    ("RMSNorm", lambda lib: lib.nn.RMSNorm(8), lambda lib, m: m(lib.tensor(SEQ))),
    ("InstanceNorm2d", lambda lib: lib.nn.InstanceNorm2d(4, affine=True, track_running_stats=True), lambda lib, m: m(lib.tensor(IMG))),
    ("BatchNorm1d", lambda lib: lib.nn.BatchNorm1d(2), lambda lib, m: m(lib.tensor(SEQ))),
    ("Embedding", lambda lib: lib.nn.Embedding(6, 4, padding_idx=0), lambda lib, m: m(lib.tensor(IDX))),
    ("EmbeddingBag", lambda lib: lib.nn.EmbeddingBag(6, 4, mode="max"), lambda lib, m: m(lib.tensor(IDX))),
    ("LSTM", lambda lib: lib.nn.LSTM(8, 6, 2, bidirectional=True, proj_size=3), lambda lib, m: m(lib.tensor(SEQ))[0]),
    ("GRU", lambda lib: lib.nn.GRU(8, 6, batch_first=True), lambda lib, m: m(lib.tensor(SEQ))[0]),
    ("RNN", lambda lib: lib.nn.RNN(8, 6, nonlinearity="relu"), lambda lib, m: m(lib.tensor(SEQ))[0]),
    ("LSTMCell", lambda lib: lib.nn.LSTMCell(8, 6), lambda lib, m: m(lib.tensor(SEQ[0]))[0]),
    ("MultiheadAttention", lambda lib: lib.nn.MultiheadAttention(8, 2, kdim=5, vdim=3), lambda lib, m: m(lib.tensor(SEQ), lib.tensor(SEQ[..., :5]), lib.tensor(SEQ[..., :3]))[0]),
    ("TransformerEncoderLayer", lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16), lambda lib, m: m(lib.tensor(SEQ))),
    ("TransformerDecoderLayer", lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, norm_first=True), lambda lib, m: m(lib.tensor(SEQ), lib.tensor(SEQ))),
    ("Transformer", lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16), lambda lib, m: m(lib.tensor(SEQ), lib.tensor(SEQ[:3]))),
    ("ConvTranspose2d", lambda lib: lib.nn.ConvTranspose2d(4, 3, 3, stride=2, output_padding=1), lambda lib, m: m(lib.tensor(IMG))),
    ("Conv3d", lambda lib: lib.nn.Conv3d(2, 3, 2), lambda lib, m: m(lib.tensor(VOL))),
    ("ConvTranspose1d", lambda lib: lib.nn.ConvTranspose1d(2, 3, 3, groups=1), lambda lib, m: m(lib.tensor(SEQ.transpose(1, 2, 0)[:, :2]))),
    ("PReLU", lambda lib: lib.nn.PReLU(4), lambda lib, m: m(lib.tensor(IMG))),
    ("Bilinear", lambda lib: lib.nn.Bilinear(8, 8, 3), lambda lib, m: m(lib.tensor(SEQ), lib.tensor(SEQ))),
    ("LazyLinear", lambda lib: lib.nn.Linear(8, 3), lambda lib, m: m(lib.tensor(SEQ))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "call"), LAYERS, ids=[n for n, _, _ in LAYERS])
def test_numtorch_state_dict_loads_into_torch(tmp_path, name, make, call) -> None:
    numtorch.manual_seed(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Transformer's nested-tensor note, in both
        nm, tm = make(numtorch), make(torch)
    path = tmp_path / f"{name}.pt"
    numtorch.save(nm.state_dict(), path)
    tm.load_state_dict(torch.load(path, weights_only=True), strict=True)
    nm.eval(), tm.eval()
    with torch.no_grad(), numtorch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, got = call(torch, tm), call(numtorch, nm)
    assert_close(got, expected, 2e-5, 2e-5, name)
