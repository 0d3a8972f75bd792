"""Fuzzing numtorch.load: mutated checkpoints must load as a well-formed object or raise a
RuntimeError naming the file -- never another exception, a hang or a crash.

The example counts are bounded and derandomized under the ``ci`` hypothesis profile (the
default, see tests/conftest.py); ``--hypothesis-profile=long`` or ``NUMTORCH_FUZZ_EXAMPLES=<n>``
runs many more, from random seeds.
"""

from __future__ import annotations

import io
import json
import os
from collections import OrderedDict

import numpy as np
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numtorch
from numtorch.nn import Parameter
from numtorch.serialization import _safetensors_bytes, load

NAME = "fuzzed.safetensors"
_ENV = int(os.environ.get("NUMTORCH_FUZZ_EXAMPLES", "0"))


def fuzz_settings(ci_examples: int) -> settings:
    """Bounded and deterministic in CI; more (and random) under a long profile or the env var."""
    return settings(
        max_examples=_ENV or max(ci_examples, settings().max_examples),
        derandomize=not _ENV and settings().derandomize,  # the "ci" profile is derandomized
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Named(io.BytesIO):
    name = NAME


def _checkpoint() -> dict:
    gen = numtorch.Generator().manual_seed(3)
    w = numtorch.randn(3, 2, generator=gen)
    return {
        "model": OrderedDict([("w", Parameter(w)), ("b", numtorch.zeros(3))]),
        "optim": {0: {"step": numtorch.tensor(2.0), "avg": w * 0.5}, "betas": (0.9, 0.99)},
        "epoch": 4,
        "mask": numtorch.tensor([True, False]),
        "empty": numtorch.zeros(0, 2),
        "ids": numtorch.arange(5),
        "misc": [None, float("nan"), "s", np.float32(1.5), numtorch.float16, numtorch.Size([2])],
    }


def _blob(obj) -> bytes:
    """``obj`` as numtorch's safetensors bytes (what a ``.safetensors`` path gets)."""
    return _safetensors_bytes(obj)


SEEDS = [
    _blob(_checkpoint()),
    _blob({"a.weight": numtorch.ones(2, 3), "a.bias": numtorch.zeros(2)}),
    safetensors.numpy.save({"x": np.arange(6, dtype=np.int16).reshape(2, 3)}),
]
_LEAVES = (str, int, float, bool, type(None), np.ndarray, np.generic, numtorch.dtype)


def assert_well_formed(obj, depth: int = 0) -> None:
    """Only the types ``save`` writes, tensors holding plain writable C-contiguous arrays."""
    assert depth < 200
    if isinstance(obj, numtorch.Tensor):
        array = obj._data
        assert type(array) is np.ndarray and array.flags.c_contiguous and array.flags.writeable
        numtorch._dtype.from_numpy_dtype(array.dtype)
        if array.dtype == np.bool_:
            assert set(np.unique(array.view(np.uint8)).tolist()) <= {0, 1}
    elif isinstance(obj, dict):
        for key, value in obj.items():
            assert_well_formed(key, depth + 1)
            assert_well_formed(value, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            assert_well_formed(value, depth + 1)
    else:
        assert isinstance(obj, _LEAVES), type(obj)


def check_load(blob: bytes) -> None:
    """The one allowed pair of outcomes."""
    try:
        obj = load(Named(blob))
    except RuntimeError as err:
        assert NAME in str(err), err
        return
    assert_well_formed(obj)


@st.composite
def byte_mutations(draw, seeds=SEEDS) -> bytes:
    """A valid file with a few byte flips, overwrites, insertions, deletions or a truncation."""
    blob = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "header"]))
        pos = draw(st.integers(0, max(len(blob) - 1, 0)))
        if kind == "flip" and blob:
            blob[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and blob:
            blob[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            blob[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del blob[pos : pos + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del blob[pos:]
        elif kind == "header":  # the JSON region: most of the interesting structure
            end = min(len(blob), 8 + int.from_bytes(bytes(blob[:8]), "little"))
            if end > 8:
                blob[draw(st.integers(8, end - 1))] = draw(st.sampled_from(b'{}[]",:0123456789-.e'))
    return bytes(blob)


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    _containers,
    max_leaves=12,
)


def _with_header(blob: bytes, header: dict) -> bytes:
    size = int.from_bytes(blob[:8], "little")
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + blob[8 + size :]


@st.composite
def header_mutations(draw) -> bytes:
    """A valid file whose parsed header has one field replaced by arbitrary JSON (dtype, shape,
    offsets, an entry, or a node of the numtorch metadata)."""
    blob = draw(st.sampled_from(SEEDS))
    header = json.loads(blob[8 : 8 + int.from_bytes(blob[:8], "little")])
    keys = sorted(k for k in header if k != "__metadata__")
    key = draw(st.sampled_from(keys))
    field = draw(st.sampled_from(["dtype", "shape", "data_offsets", None, "meta"]))
    value = draw(_JSON | st.lists(st.integers(-2, 2**64), max_size=3))
    if field == "meta" and "numtorch" in header.get("__metadata__", {}):
        meta = json.loads(header["__metadata__"]["numtorch"])
        node = meta["object"]
        while isinstance(node, dict) and "dict" in node and node["dict"] and draw(st.booleans()):
            node = node["dict"][draw(st.integers(0, len(node["dict"]) - 1))][1]
        if isinstance(node, dict) and node:
            node[draw(st.sampled_from(sorted(node)))] = value
        header["__metadata__"]["numtorch"] = json.dumps(meta)
    elif field in ("dtype", "shape", "data_offsets"):
        header[key][field] = value
    else:
        header[key] = value
    return _with_header(blob, header)


@fuzz_settings(300)
@given(byte_mutations())
def test_byte_mutations_load_or_raise_runtime_error(blob):
    check_load(blob)


@fuzz_settings(300)
@given(header_mutations())
def test_header_mutations_load_or_raise_runtime_error(blob):
    check_load(blob)


@fuzz_settings(100)
@given(st.binary(max_size=64))
def test_random_bytes_are_refused(blob):
    check_load(blob)


def test_seeds_load():
    """The fuzzers start from files that load (so mutations explore near valid inputs)."""
    for blob in SEEDS:
        assert_well_formed(load(Named(blob)))
