"""Tests for numtorch.serialization: safetensors round trips, torch interop, atomic writes,
and clear errors for damaged files."""

from __future__ import annotations

import io
import json
import math
import os
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
from numtorch.serialization import load, save


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
        save({"a": [{1, 2}]}, tmp_path / "x")
    with pytest.raises(TypeError, match="type object"):
        save(object(), tmp_path / "x")
    with pytest.raises(TypeError, match=r"can't store a dict key of type frozenset at obj\['m'\]"):
        save({"m": {frozenset(): 1}}, tmp_path / "x")
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        save(np.zeros(2, complex), tmp_path / "x")
    assert not (tmp_path / "x").exists()


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
    path_free = io.BytesIO()
    save(_training_checkpoint(), path_free)
    return path_free.getvalue()


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


def test_torch_save_zip_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="pickle checkpoint .*never unpickles") as err:
        load(path)
    assert str(path) in str(err.value)


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
