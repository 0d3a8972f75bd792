"""Fuzzing the dataset readers: mutated IDX files (plain and gzipped) and CIFAR-10 pickles
must load as a well-formed array or raise a ValueError naming the file -- never another
exception, a hang, a crash or a huge allocation.

Bounded and derandomized in CI; see tests/test_serialization_fuzz.py for the long settings.
"""

from __future__ import annotations

import gzip
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_serialization_fuzz import byte_mutations, fuzz_settings

from numtorch.datasets import cifar, read_idx


def _idx(array: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


_RNG = np.random.default_rng(7)
IDX_SEEDS = [
    _idx(_RNG.integers(0, 256, (3, 4, 4), dtype=np.uint8), 0x08),
    _idx(np.array([3, 1, 4, 1, 5], np.uint8), 0x08),
    _idx(np.arange(6, dtype=np.int16).reshape(2, 3), 0x0B),
    _idx(np.ones((2, 2), np.float64), 0x0E),
]
IDX_SEEDS += [gzip.compress(blob, mtime=0) for blob in IDX_SEEDS[:2]]
_BATCH = {
    "batch_label": "fuzz",
    "labels": [1, 7],  # printable pixel bytes keep a failing example's repr short
    "data": _RNG.integers(97, 123, (2, 3072), dtype=np.uint8),
    "filenames": ["a.png", "b.png"],
}
CIFAR_SEEDS = [pickle.dumps(_BATCH, protocol=p) for p in (2, 4, 5)]


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "fuzzed-file"


def _check(reader, path: Path, blob: bytes) -> None:
    path.write_bytes(blob)
    try:
        out = reader(path)
    except ValueError as err:  # UnsafePickleError is a ValueError too
        assert str(path) in str(err), err
        return
    for array in out if isinstance(out, tuple) else (out,):
        assert type(array) is np.ndarray and array.dtype.isnative and not array.dtype.hasobject


@fuzz_settings(300)
@given(blob=byte_mutations(IDX_SEEDS))
def test_idx_mutations_load_or_raise_value_error(scratch, blob):
    _check(read_idx, scratch, blob)


@fuzz_settings(200)
@given(blob=byte_mutations(CIFAR_SEEDS))
def test_cifar_mutations_load_or_raise_value_error(scratch, blob):
    _check(cifar._load_batch, scratch, blob)


@fuzz_settings(100)
@given(blob=st.binary(max_size=64))
def test_random_bytes(scratch, blob):
    _check(read_idx, scratch, blob)
    _check(cifar._load_batch, scratch, blob)


def test_seeds_load(scratch):
    for blob in IDX_SEEDS:
        _check(read_idx, scratch, blob)
        assert read_idx(scratch).size > 0
    for blob in CIFAR_SEEDS:
        scratch.write_bytes(blob)
        images, labels = cifar._load_batch(scratch)
        assert images.shape == (2, 3, 32, 32) and labels.tolist() == [1, 7]
