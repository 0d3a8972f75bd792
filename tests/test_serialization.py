"""Tests for numtorch.serialization: safetensors round trips, torch interop, atomic writes,
and clear errors for damaged files."""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import numtorch
from numtorch import serialization as ser
from numtorch.nn import Module, Parameter
from numtorch.serialization import _safetensors_bytes, load, save


# ------------------------------------------------------------------ helpers
def assert_same(a, b):
    """``a`` and ``b`` have the same structure, exact types and values (NaN equals NaN)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, numtorch.Tensor):
        assert a.dtype is b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a._data, b._data)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            assert_same(ka, kb)
            assert_same(va, vb)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, (float, np.floating)) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def roundtrip(obj, tmp_path):
    path = tmp_path / "obj.safetensors"
    save(obj, path)
    return load(path)


def _t(array):
    return numtorch.tensor(np.asarray(array))


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
VALUES = {
    "none": None,
    "true": True,
    "false": False,
    "zero": 0,
    "negative int": -3,
    "big int": 2**70,
    "float": 1.5,
    "integral float": 2.0,
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "str": "héllo",
    "empty str": "",
    "empty list": [],
    "empty tuple": (),
    "empty dict": {},
    "list": [1, 2.0, "x", None],
    "tuple": (0.9, 0.999),
    "nested tuple": ((1, 2), [3, (4,)]),
    "int keys": {0: "a", 1: "b", -5: "c"},
    "mixed keys": {
        1: "int",
        "1": "str",
        1.5: "float",
        None: "none",
        False: "bool",
        (1, "a"): "tuple",
    },
    "colliding tensor paths": {1: _t([1.0]), "1": _t([2.0])},
    "ordered": OrderedDict([("b", 1), ("a", 2)]),
    "scalar tensor": _t(3.5),
    "empty tensor": numtorch.zeros(0, 3),
    "non-contiguous": numtorch.arange(6.0).reshape(2, 3).t(),
    "requires grad": numtorch.ones(2, requires_grad=True),
    "ndarray": np.arange(4, dtype=np.int16),
    "np float32": np.float32(0.25),
    "np int64": np.int64(-7),
    "np bool": np.bool_(True),
    "np nan": np.float64("nan"),
    "dtype": numtorch.float16,
    "size": numtorch.Size([2, 3]),
    "bare tensor": _t([[1, 2], [3, 4]]),
}
VALUES.update({f"{d} tensor": _t(np.arange(-2, 4).astype(d)) for d in DTYPES})


@pytest.mark.parametrize("name", list(VALUES))
def test_round_trip_every_supported_type(tmp_path, name):
    assert_same(roundtrip(VALUES[name], tmp_path), VALUES[name])


def test_round_trip_inside_a_dict(tmp_path):
    obj = {name: value for name, value in VALUES.items()}
    assert_same(roundtrip(obj, tmp_path), obj)


def test_parameter_comes_back_as_parameter(tmp_path):
    p = Parameter(numtorch.ones(2, 2))
    got = roundtrip({"p": p, "frozen": Parameter(numtorch.zeros(1), requires_grad=False)}, tmp_path)
    assert type(got["p"]) is Parameter and got["p"].requires_grad
    assert type(got["frozen"]) is Parameter and not got["frozen"].requires_grad


def test_loaded_tensors_are_writable_and_independent(tmp_path):
    got = roundtrip({"w": numtorch.ones(3)}, tmp_path)
    got["w"]._data += 1  # optimizers update loaded state in place
    np.testing.assert_array_equal(got["w"].numpy(), [2.0, 2.0, 2.0])


def _training_checkpoint():
    gen = numtorch.Generator().manual_seed(42)
    w = numtorch.randn(3, 2, generator=gen)
    return {
        "model": OrderedDict([("0.weight", w), ("0.bias", numtorch.zeros(3))]),
        "optimizer": {
            "state": {
                0: {"step": numtorch.tensor(3.0), "exp_avg": w * 0.1, "exp_avg_sq": w * w},
                1: {"step": numtorch.tensor(3.0), "momentum_buffer": None},
            },
            "param_groups": [
                {
                    "lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
                    "amsgrad": False, "foreach": None, "maximize": False, "params": [0, 1],
                }
            ],
        },
        "scheduler": {"step_size": 5, "gamma": 0.1, "last_epoch": 7, "_last_lr": [0.001]},
        "epoch": 7,
        "rng_state": numtorch.get_rng_state(),
        "generator_state": gen.get_state(),
        "metrics": {"train_loss": [2.3, 1.1, float("nan")], "best_acc": 0.97, "name": "run"},
    }  # fmt: skip


def test_training_checkpoint_round_trip(tmp_path):
    ckpt = _training_checkpoint()
    got = roundtrip(ckpt, tmp_path)
    assert_same(got, ckpt)
    assert got["rng_state"].dtype is numtorch.uint8
    assert list(got["optimizer"]["state"]) == [0, 1]  # int keys stay ints
    gen = numtorch.Generator().set_state(got["generator_state"])
    again = numtorch.Generator().set_state(ckpt["generator_state"])
    assert numtorch.equal(numtorch.rand(4, generator=gen), numtorch.rand(4, generator=again))


def test_unsupported_types_are_named(tmp_path):
    with pytest.raises(TypeError, match=r"can't store an object of type set at obj\['a'\]\[0\]"):
        save({"a": [{1, 2}]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="type object"):
        save(object(), tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"can't store a dict key of type frozenset at obj\['m'\]"):
        save({"m": {frozenset(): 1}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        save(np.zeros(2, complex), tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


# ------------------------------------------------------------------ PyTorch interop
class _Linear(Module):
    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = Parameter(numtorch.randn(fan_out, fan_in))
        self.bias = Parameter(numtorch.randn(fan_out))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


class _MLP(Module):
    """Same state_dict keys as torch.nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3))."""

    def __init__(self):
        super().__init__()
        self.add_module("0", _Linear(4, 8))
        self.add_module("2", _Linear(8, 3))

    def forward(self, x):
        return self._modules["2"](self._modules["0"](x).relu())


def _torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def test_numtorch_state_dict_loads_in_torch(tmp_path):
    ours = _MLP()
    path = tmp_path / "model.safetensors"
    save(ours.state_dict(), path)
    state = safetensors.torch.load_file(path)
    assert (
        sorted(state) == sorted(ours.state_dict()) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    )
    theirs = _torch_mlp()
    result = theirs.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(
        ours(numtorch.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6
    )


def test_torch_state_dict_loads_in_numtorch(tmp_path):
    theirs = _torch_mlp()
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), path)
    state = load(path)
    assert type(state) is dict and all(type(v) is numtorch.Tensor for v in state.values())
    assert sorted(state) == sorted(theirs.state_dict())
    ours = _MLP()
    ours.load_state_dict(state, strict=True)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(
        ours(numtorch.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6
    )


def test_torch_reads_every_numtorch_dtype(tmp_path):
    sd = {d: _t(np.arange(3).astype(d)) for d in DTYPES}
    save(sd, tmp_path / "d.safetensors")
    back = safetensors.torch.load_file(tmp_path / "d.safetensors")
    for d in DTYPES:
        assert str(back[d].dtype) == f"torch.{d}"
        np.testing.assert_array_equal(back[d].numpy(), sd[d].numpy())


# ------------------------------------------------------------------ files and atomicity
def test_file_objects(tmp_path):
    buf = io.BytesIO()
    save({"x": numtorch.ones(2), "n": 3}, buf)
    buf.seek(0)
    assert_same(load(buf), {"x": numtorch.ones(2), "n": 3})


def test_str_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save([1, 2], "rel.safetensors")
    assert load(str(tmp_path / "rel.safetensors")) == [1, 2]


def test_overwrite_and_file_mode_like_open(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"v": 1}, path)
    save({"v": 2}, path)
    assert load(path) == {"v": 2}
    reference = tmp_path / "ref"
    reference.write_bytes(b"")
    assert path.stat().st_mode == reference.stat().st_mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.safetensors", "ref"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_crash_mid_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch, error):
    path = tmp_path / "ckpt.safetensors"
    save({"epoch": 1, "w": numtorch.ones(1000)}, path)
    old_bytes = path.read_bytes()
    real_write = ser._write_all

    def crash(out, data):
        real_write(out, data[: len(data) // 2])
        raise error

    monkeypatch.setattr(ser, "_write_all", crash)
    with pytest.raises(type(error)):
        save({"epoch": 2, "w": numtorch.zeros(1000)}, path)
    assert path.read_bytes() == old_bytes
    assert load(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]
    with pytest.raises(type(error)):
        save({"epoch": 3}, tmp_path / "new.safetensors")
    assert not (tmp_path / "new.safetensors").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]


def test_save_is_fsynced_before_rename(tmp_path, monkeypatch):
    events = []
    monkeypatch.setattr(ser.os, "fsync", lambda fd: events.append("fsync"))
    real_replace = os.replace
    monkeypatch.setattr(
        ser.os, "replace", lambda a, b: events.append("replace") or real_replace(a, b)
    )
    save({"a": 1}, tmp_path / "f")
    assert events[:2] == ["fsync", "replace"]


def test_save_bad_destinations(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        save({}, tmp_path / "missing" / "x.safetensors")
    with pytest.raises(TypeError, match="f must be a path or a binary file object, but got int"):
        save({}, 3)
    with pytest.raises(TypeError, match="f must be a path or a binary file object, but got list"):
        load([])


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.safetensors")


def test_map_location(tmp_path):
    save({"a": numtorch.ones(1)}, tmp_path / "m")
    assert load(tmp_path / "m", map_location="cpu", weights_only=True)["a"].tolist() == [1.0]
    with pytest.raises(RuntimeError, match="only supports the 'cpu' device"):
        load(tmp_path / "m", map_location="cuda:0")


# ------------------------------------------------------------------ damaged files
def _good_bytes():
    """A training checkpoint as numtorch's safetensors bytes."""
    return _safetensors_bytes(_training_checkpoint())


@pytest.mark.parametrize("cut", [0, 3, 8, 20, -200, -1])
def test_truncated_files_name_the_file(tmp_path, cut):
    blob = _good_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(blob[:cut])
    with pytest.raises(RuntimeError) as err:
        load(path)
    assert str(path) in str(err.value)
    assert "truncated" in str(err.value) or "empty" in str(err.value) or "corrupt" in str(err.value)


def test_trailing_garbage_is_refused(tmp_path):
    path = tmp_path / "long.safetensors"
    path.write_bytes(_good_bytes() + b"junk")
    with pytest.raises(RuntimeError, match="corrupt or truncated") as err:
        load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"hello, this is not a checkpoint at all", "bad header length"),
        ((10).to_bytes(8, "little") + b"{not json}", "unreadable safetensors header"),
        ((2).to_bytes(8, "little") + b"[]", "not a JSON object"),
        (b"\x80\x02}q\x00.", "never unpickles"),
        (b"\x80\x02" + b"}q\x00X\x01\x00\x00\x00aq\x01K\x01s." * 50, "never unpickles"),
    ],
)
def test_garbage_files(tmp_path, blob, message):
    path = tmp_path / "garbage.bin"
    path.write_bytes(blob)
    with pytest.raises(RuntimeError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


def test_torch_save_zip_loads_as_its_tensors(tmp_path):
    """A file written by ``torch.save`` loads (weights-only) with the same values."""
    path = tmp_path / "model.pt"
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "n": 3}, path)
    got = load(path)
    assert got["n"] == 3 and got["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


@pytest.mark.parametrize(
    "meta, message",
    [
        ("{broken", "bad numtorch metadata"),
        (json.dumps({"version": 99, "object": None}), "unsupported format version 99"),
        (json.dumps({"version": 1, "object": {"tensor": "missing"}}), "bad numtorch metadata"),
        (json.dumps({"version": 1, "object": {"what": 1}}), "unknown node"),
        (json.dumps({"version": 1}), "bad numtorch metadata"),
    ],
)
def test_damaged_metadata(tmp_path, meta, message):
    path = tmp_path / "meta.safetensors"
    safetensors.numpy.save_file({"a": np.ones(2)}, str(path), metadata={"numtorch": meta})
    with pytest.raises(RuntimeError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


def test_bit_flip_in_header_is_reported(tmp_path):
    blob = bytearray(_good_bytes())
    blob[9] = ord("!")  # inside the JSON header
    path = tmp_path / "flip.safetensors"
    path.write_bytes(bytes(blob))
    with pytest.raises(RuntimeError, match="corrupt") as err:
        load(path)
    assert str(path) in str(err.value)


def test_plain_file_without_numtorch_metadata_keeps_header_order(tmp_path):
    path = Path(tmp_path / "plain.safetensors")
    safetensors.numpy.save_file({"b": np.ones(1), "a": np.zeros(2, np.float32)}, str(path))
    got = load(path)
    assert sorted(got) == ["a", "b"] and got["a"].dtype is numtorch.float32


def test_header_length_that_looks_like_a_pickle_opcode(tmp_path):
    """A 640-byte header starts with 0x80 0x02, like a pickle: it must still load, and a
    truncated copy must be reported as truncated, not as a pickle."""
    for pad in range(700):
        blob = safetensors.numpy.save({"a": np.ones(2)}, metadata={"pad": "x" * pad})
        if blob[:2] == b"\x80\x02":
            break
    assert blob[:2] == b"\x80\x02"
    path = tmp_path / "tricky.safetensors"
    path.write_bytes(blob)
    assert load(path)["a"].tolist() == [1.0, 1.0]
    path.write_bytes(blob[:100])
    with pytest.raises(RuntimeError, match="truncated or not a safetensors file"):
        load(path)


def test_unsupported_dtype_is_named(tmp_path):
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, path)
    with pytest.raises(RuntimeError, match="tensor 'w' has safetensors dtype BF16") as err:
        load(path)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------ hostile files
# Each hostile header is refused by numtorch's own validation, before safetensors sees the file
# and before anything is allocated from the sizes the header claims. safetensors 0.8 also
# rejects most of them on its own, but accepts unknown extra fields, entries that are not
# objects and duplicate keys (the last one wins); it can't judge the numtorch metadata at all.
F = "F32"


def _blob(header, data=b"", raw=None, length=None):
    text = raw if raw is not None else json.dumps(header).encode()
    n = len(text) if length is None else length
    return n.to_bytes(8, "little") + text + data


def _one(shape=(2,), offsets=(0, 8), dtype=F, **extra):
    return {"a": {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets), **extra}}


D8 = bytes(8)
HOSTILE_HEADERS = {
    "header length 2**63": (_blob(None, D8, raw=b"{}", length=2**63), "bad header length"),
    "header length 2**64-1": (_blob(None, D8, raw=b"{}", length=2**64 - 1), "bad header length"),
    "header longer than the file": (_blob(None, D8, raw=b"{}", length=1000), "bad header length"),
    "header over the 100 MB cap": (
        _blob(None, D8, raw=b"{}", length=100_000_001),
        "exceeds the 100000000-byte limit",
    ),
    "overlapping offsets": (
        _blob({"a": _one()["a"], "b": _one(offsets=(4, 12))["a"]}, bytes(12)),
        "overlapping or with a gap",
    ),
    "gap between tensors": (
        _blob({"a": _one()["a"], "b": _one(offsets=(12, 20))["a"]}, bytes(20)),
        "overlapping or with a gap",
    ),
    "zero-size tensor inside another": (
        _blob({"a": _one()["a"], "b": _one(shape=(0,), offsets=(4, 4))["a"]}, D8),
        "overlapping or with a gap",
    ),
    "offsets past the data": (_blob(_one(offsets=(8, 16)), D8), "outside the 8-byte data section"),
    "end before begin": (_blob(_one(offsets=(8, 0)), D8), "outside the 8-byte data section"),
    "negative offset": (_blob(_one(offsets=(-8, 0)), D8), "bad data_offsets"),
    "float offsets": (_blob(_one(offsets=(0.0, 8.0)), D8), "bad data_offsets"),
    "string offsets": (_blob(_one(offsets=("0", "8")), D8), "bad data_offsets"),
    "bool offsets": (
        _blob(_one(shape=(1,), offsets=(False, True), dtype="U8"), b"\0"),
        "bad data_offsets",
    ),
    "three offsets": (_blob(_one(offsets=(0, 8, 8)), D8), "bad data_offsets"),
    "offsets past 2**64": (_blob(_one(offsets=(0, 2**64 + 8)), D8), "bad data_offsets"),
    "byte count disagrees with shape": (
        _blob(_one(shape=(3,)), D8),
        r"shape \[3\] of F32 needs 12 bytes",
    ),
    "byte count disagrees with dtype": (_blob(_one(dtype="F64"), D8), "needs 16 bytes"),
    "huge shape": (_blob(_one(shape=(2**40, 2**40)), D8), "too large for any array"),
    "huge shape, no data": (
        _blob(_one(shape=(2**20, 2**20), offsets=(0, 0))),
        "needs 4398046511104 bytes",
    ),
    "zero dimension beside huge ones": (
        _blob(_one(shape=(0, 2**62, 4), offsets=(0, 0))),
        "too large for any array",
    ),
    "shape overflowing 64 bits to zero": (
        _blob(_one(shape=(2**32, 2**32), offsets=(0, 0), dtype="U8")),
        "too large for any array",
    ),
    "negative dimension": (_blob(_one(shape=(-2,)), D8), "bad shape"),
    "float dimension": (_blob(_one(shape=(2.0,)), D8), "bad shape"),
    "65 dimensions": (_blob(_one(shape=(1,) * 64 + (2,))), "more than 64 dimensions"),
    "unknown dtype": (
        _blob(_one(dtype="Q7")),
        "safetensors dtype Q7, which numtorch can't represent",
    ),
    "non-string dtype": (_blob(_one(dtype=4)), "safetensors dtype 4, which"),
    "bfloat16": (_blob(_one(dtype="BF16", shape=(4,))), "safetensors dtype BF16"),
    "missing field": (
        _blob({"a": {"dtype": F, "shape": [2]}}, D8),
        "needs exactly dtype, shape and data_offsets",
    ),
    "extra field": (_blob(_one(extra=1), D8), "needs exactly dtype, shape and data_offsets"),
    "entry not an object": (
        _blob({"a": [F, [2], [0, 8]]}, D8),
        "needs exactly dtype, shape and data_offsets",
    ),
    "duplicate keys": (
        _blob(
            None,
            D8,
            raw=b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}',
        ),
        "duplicate key 'a'",
    ),
    "non-UTF-8 header": (_blob(None, D8, raw=b'{"\xff\xfe": 1}'), "unreadable safetensors header"),
    "UTF-16 header": (_blob(None, b"", raw="{}".encode("utf-16")), "unreadable safetensors header"),
    "invalid JSON": (_blob(None, D8, raw=b'{"a": {'), "unreadable safetensors header"),
    "NaN in the header": (_blob(None, D8, raw=b'{"a": NaN}'), "unreadable safetensors header"),
    "header not an object": (_blob(None, D8, raw=b"[1, 2]"), "not a JSON object"),
    "deeply nested header": (
        _blob(None, b"", raw=b"[" * 100_000 + b"]" * 100_000),
        "nests too deeply",
    ),
    "deeply nested object in header": (
        _blob(None, b"", raw=b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        "nests too deeply",
    ),
    "metadata not an object": (_blob({"__metadata__": [1]}), "__metadata__ must map str to str"),
    "metadata value not a string": (
        _blob({"__metadata__": {"numtorch": {"version": 1}}}),
        "__metadata__ must map str to str",
    ),
    "trailing bytes": (
        _blob(_one(), bytes(12)),
        "the tensors span 8 bytes but the data section holds 12",
    ),
    "missing bytes": (
        _blob(_one(shape=(4,), offsets=(0, 16)), D8),
        "outside the 8-byte data section",
    ),
}


def _meta_blob(obj_node, version=1, arrays=("a",)):
    header = {
        k: {"dtype": F, "shape": [2], "data_offsets": [8 * i, 8 * i + 8]}
        for i, k in enumerate(arrays)
    }
    desc = (
        obj_node
        if isinstance(obj_node, str)
        else json.dumps({"version": version, "object": obj_node})
    )
    header["__metadata__"] = {"numtorch": desc}
    return _blob(header, bytes(8 * len(arrays)))


HOSTILE_METADATA = {
    "missing tensor": (_meta_blob({"tensor": "zzz"}), "missing tensor 'zzz'"),
    "tensor referenced twice": (
        _meta_blob([{"tensor": "a"}, {"ndarray": "a"}]),
        "referenced twice",
    ),
    "tensor name not a string": (_meta_blob({"tensor": ["a"]}), r"missing tensor \['a'\]"),
    "deep nesting": (
        _meta_blob('{"version": 1, "object": ' + "[" * 300 + "]" * 300 + "}"),
        "nests deeper than 100 levels",
    ),
    "recursion bomb": (
        _meta_blob('{"version": 1, "object": ' + "[" * 200_000 + "]" * 200_000 + "}"),
        "nests too deeply",
    ),
    "dict of an int": (_meta_blob({"dict": 5}), "bad dict node"),
    "dict item not a pair": (_meta_blob({"dict": [[1, 2, 3]]}), "too many values"),
    "unhashable key": (_meta_blob({"dict": [[{"dict": []}, 1]]}), "bad dict key"),
    "tensor as a key": (_meta_blob({"dict": [[{"tensor": "a"}, 1]]}), "bad dict key"),
    "object scalar": (_meta_blob({"scalar": "object", "value": 1}), "bad NumPy scalar dtype"),
    "str scalar": (_meta_blob({"scalar": "str", "value": "x"}), "bad NumPy scalar"),
    "scalar overflow": (_meta_blob({"scalar": "uint8", "value": 300}), "out of bounds"),
    "tuple of an int": (_meta_blob({"tuple": 3}), "expected a list"),
    "size of floats": (_meta_blob({"size": [1.5]}), r"torch.Size\(\) takes an iterable of 'int'"),
    "dtype not a string": (_meta_blob({"dtype": 5}), "bad dtype node"),
    # found by fuzzing: NumPy parses "a,b" dtype strings with ast.literal_eval (SyntaxError)
    "dtype name with commas": (_meta_blob({"dtype": "float,,,,16"}), "bad dtype name"),
    "scalar name with commas": (_meta_blob({"scalar": "u1,,2", "value": 1}), "bad NumPy scalar"),
    "unknown dtype name": (_meta_blob({"dtype": "complex128"}), "dtype"),
    "float of a number": (_meta_blob({"float": 1}), "bad float node"),
    "float of junk": (_meta_blob({"float": "junk"}), "could not convert"),
    "flag not a bool": (
        _meta_blob({"tensor": "a", "requires_grad": "yes"}),
        "requires_grad must be a bool",
    ),
    "integer parameter": (None, "floating point"),
    "unknown node": (_meta_blob({"eval": "__import__('os')"}), "unknown node"),
    "description not an object": (_meta_blob("[1]"), "unsupported format version None"),
    "wrong version": (_meta_blob({"x": 1}, version=3), "unsupported format version 3"),
    "no object": (_meta_blob('{"version": 1}'), "KeyError"),
    "invalid JSON": (_meta_blob('{"version": 1, "object": [}'), "Expecting value"),
    "NaN in the metadata": (_meta_blob('{"version": 1, "object": NaN}'), "NaN is not valid JSON"),
    "duplicate keys in the metadata": (
        _meta_blob('{"version": 1, "version": 1, "object": 1}'),
        "duplicate key 'version'",
    ),
}
_INT_PARAM = {
    "a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]},
    "__metadata__": {
        "numtorch": json.dumps(
            {"version": 1, "object": {"tensor": "a", "parameter": True, "requires_grad": True}}
        )
    },
}
HOSTILE_METADATA["integer parameter"] = (_blob(_INT_PARAM, bytes(8)), "floating point")


class _NamedBytes(io.BytesIO):
    name = "hostile.safetensors"


@pytest.mark.parametrize("case", list(HOSTILE_HEADERS) + list(HOSTILE_METADATA))
def test_hostile_files_are_refused_naming_the_file(case, tmp_path):
    blob, message = {**HOSTILE_HEADERS, **HOSTILE_METADATA}[case]
    path = tmp_path / "hostile.safetensors"
    path.write_bytes(blob)
    with pytest.raises(RuntimeError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("case", list(HOSTILE_HEADERS))
def test_hostile_headers_refused_from_file_objects(case):
    """File objects (seekable, or buffered when not) get the same validation as paths."""
    with pytest.raises(RuntimeError, match=HOSTILE_HEADERS[case][1]) as err:
        load(_NamedBytes(HOSTILE_HEADERS[case][0]))
    assert "hostile.safetensors" in str(err.value)


@pytest.mark.parametrize("case", ["huge shape", "header length 2**63", "huge shape, no data"])
def test_huge_claims_allocate_nothing(tmp_path, case):
    """Files claiming 2**80 elements, 4 TiB of data or a 2**63-byte header are refused from the
    header alone, in a process limited to 2 GiB of address space."""
    import subprocess
    import sys

    path = tmp_path / "huge.safetensors"
    path.write_bytes(HOSTILE_HEADERS[case][0])
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))\n"
        "from numtorch.serialization import load\n"
        "try:\n    load(sys.argv[1])\nexcept RuntimeError as e:\n    print('refused', e)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused") and str(path) in out.stdout
    assert re.search(HOSTILE_HEADERS[case][1], out.stdout)


def test_damaged_bool_bytes_load_as_plain_bools(tmp_path):
    blob = bytearray(safetensors.numpy.save({"m": np.array([True, False, True])}))
    blob[-1] = 7  # not a valid bool byte
    path = tmp_path / "b.safetensors"
    path.write_bytes(bytes(blob))
    got = load(path)["m"]
    assert got.tolist() == [True, False, True]
    assert got._data.view(np.uint8).tolist() == [1, 0, 1]


def test_deep_objects_are_refused_on_save(tmp_path):
    obj = []
    for _ in range(ser._MAX_DEPTH + 1):
        obj = [obj]
    with pytest.raises(ValueError, match="nested 100 or more levels deep"):
        save(obj, tmp_path / "deep.safetensors")
    assert not (tmp_path / "deep.safetensors").exists()
    shallow = []
    for _ in range(ser._MAX_DEPTH - 2):
        shallow = [shallow]
    assert roundtrip(shallow, tmp_path) == shallow


def test_file_object_returning_text_is_refused():
    with pytest.raises(TypeError, match="f.read\\(\\) must return bytes, but got str"):
        load(io.StringIO("{}"))


# ------------------------------------------------------------------ crashes mid-save
def _crash_at(point, error, monkeypatch):
    """Make ``save`` fail at ``point`` (after doing part of its work there)."""

    def boom(*args, **kwargs):
        raise error

    if point == "encode":
        monkeypatch.setattr(ser, "_encode_array", boom)
    elif point == "serialize":
        monkeypatch.setattr(ser, "_safetensors_parts", boom)
    elif point == "open":
        monkeypatch.setattr(ser.os, "fdopen", boom)
    elif point == "write":
        real_write = ser._write_all

        def half(out, data):
            real_write(out, data[: len(data) // 2])
            raise error

        monkeypatch.setattr(ser, "_write_all", half)
    elif point == "fsync":
        monkeypatch.setattr(ser.os, "fsync", boom)
    elif point == "replace":
        monkeypatch.setattr(ser.os, "replace", boom)


@pytest.mark.parametrize("point", ["encode", "serialize", "open", "write", "fsync", "replace"])
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt(), MemoryError()])
def test_crash_at_any_point_keeps_old_file(tmp_path, monkeypatch, point, error):
    path = tmp_path / "ckpt.safetensors"
    save({"epoch": 1, "w": numtorch.ones(100)}, path)
    old_bytes = path.read_bytes()
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with monkeypatch.context() as patch:
        _crash_at(point, error, patch)
        with pytest.raises(type(error)):
            save({"epoch": 2, "w": numtorch.zeros(100)}, path)
        with pytest.raises(type(error)):
            save({"epoch": 2, "w": numtorch.zeros(100)}, tmp_path / "fresh.safetensors")
    assert path.read_bytes() == old_bytes
    assert load(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temp, no fresh
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds  # no leaked file descriptor
    save({"epoch": 3, "w": numtorch.zeros(100)}, path)  # and the next save works
    assert load(path)["epoch"] == 3


@pytest.mark.parametrize("dtype", [numtorch.uint16, numtorch.uint32, numtorch.uint64])
def test_unsigned_dtypes_round_trip_in_safetensors(tmp_path, dtype):
    """U16/U32/U64 were written but refused on load before the reader handled them."""
    t = numtorch.arange(5).to(dtype)
    path = tmp_path / "u.safetensors"
    save({"t": t}, path)
    got = load(path)["t"]
    assert got.dtype == dtype and got.tolist() == [0, 1, 2, 3, 4]


def test_save_takes_pytorchs_keywords(tmp_path) -> None:
    """``torch.save(obj, f, pickle_protocol=2, _use_new_zipfile_serialization=...)`` as old
    scripts call it: PyTorch reads the file either way; another pickle module is refused."""
    import pickle

    import torch

    path = tmp_path / "old_style.pt"
    numtorch.save(
        {"w": numtorch.ones(2)},
        path,
        pickle_module=pickle,
        pickle_protocol=2,
        _use_new_zipfile_serialization=False,
    )
    assert torch.load(path, weights_only=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="pickle_module=json is not supported"):
        numtorch.save({}, tmp_path / "x.pt", pickle_module=json)
