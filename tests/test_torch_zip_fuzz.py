"""Hostile and fuzzed PyTorch zip checkpoints against ``numtorch.load``.

Every input must load or raise one of the documented exceptions -- RuntimeError (a damaged
or hostile archive, naming the file) or ``pickle.UnpicklingError`` (a damaged pickle or a
refused global) -- never anything else, never run code from the file, and stay within a
bounded amount of memory and time: zip bombs, entries whose declared sizes exceed the archive,
duplicate names, path tricks, several record prefixes, malicious reduces, memo abuse, huge
lengths, deep nesting, copy amplification. The hypothesis examples are bounded and derandomized
under the ``ci`` profile; ``NUMTORCH_FUZZ_EXAMPLES=<n>`` runs more from random seeds.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import struct
import time
import tracemalloc
import warnings
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numtorch
from numtorch import _torch_zip
from numtorch.serialization import load, save

NAME = "fuzzed.pt"
_ENV = int(os.environ.get("NUMTORCH_FUZZ_EXAMPLES", "0"))
_RAN: list = []  # what a sentinel global would record if any pickle ever called it
_MAX_PEAK = 48 << 20


def _sentinel(*args):  # pragma: no cover - must never run
    _RAN.append(args)


def fuzz_settings(ci_examples: int) -> settings:
    return settings(
        max_examples=_ENV or max(ci_examples, settings().max_examples),
        derandomize=not _ENV and settings().derandomize,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Named(io.BytesIO):
    name = NAME


def _outcome(blob: bytes):
    """Load ``blob``; return the object or the documented exception, with peak memory."""
    _RAN.clear()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = load(Named(blob))
    except (RuntimeError, pickle.UnpicklingError) as err:
        result = err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert not _RAN, "a pickle ran code"
    assert peak <= _MAX_PEAK + 4 * len(blob), peak
    assert time.perf_counter() - start < 10
    if isinstance(result, RuntimeError):
        assert NAME in str(result)
    return result


def _zip(entries: list[tuple[str, bytes]], method=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names warn
        with zipfile.ZipFile(out, "w", method) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return out.getvalue()


def _with_pkl(pkl: bytes, storage: bytes = b"\0" * 16, record: str = "archive") -> bytes:
    return _zip(
        [
            (f"{record}/data.pkl", pkl),
            (f"{record}/byteorder", b"little"),
            (f"{record}/data/0", storage),
            (f"{record}/version", b"3\n"),
        ]
    )


def _patch_central(blob: bytes, entry: str, **fields: int) -> bytes:
    """Rewrite fields of ``entry``'s central directory record (sizes or header offset)."""
    out = bytearray(blob)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len] == entry.encode():
            for key, offset in (("compress_size", 20), ("file_size", 24), ("offset", 42)):
                if key in fields:
                    struct.pack_into("<I", out, at + offset, fields[key])
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(entry)


def _valid() -> bytes:
    buf = io.BytesIO()
    save({"w": numtorch.arange(6.0), "n": 3, "t": (numtorch.ones(2, dtype=numtorch.int64),)}, buf)
    return buf.getvalue()


VALID = _valid()


def _tensor_pkl(offset: bytes, shape: bytes, stride: bytes) -> bytes:
    persid = (
        b"(X\x07\x00\x00\x00storagec"
        + b"torch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ"
    )
    return (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n("
        + persid
        + offset
        + shape
        + stride
        + b"\x89ccollections\nOrderedDict\n)RtR."
    )


HOSTILE_ARCHIVES = {
    "zip bomb (deflated byteorder)": (
        _zip(
            [("archive/data.pkl", b"\x80\x02K\x01."), ("archive/byteorder", b"\0" * (20 << 20))],
            zipfile.ZIP_DEFLATED,
        ),
        "a zip bomb",
    ),
    "declared size beyond the archive": (
        _patch_central(
            _with_pkl(b"\x80\x02K\x01."),
            "archive/data/0",
            file_size=1 << 31,
            compress_size=1 << 31,
        ),
        "beyond the archive",
    ),
    "stored sizes disagree": (
        _patch_central(_with_pkl(b"\x80\x02K\x01."), "archive/data/0", file_size=1 << 30),
        "beyond the archive",
    ),
    "duplicate names": (
        _zip([("archive/data.pkl", b"\x80\x02K\x01."), ("archive/data.pkl", b"\x80\x02K\x02.")]),
        "duplicate entry names",
    ),
    "dot-dot name": (
        _zip([("archive/data.pkl", b"\x80\x02K\x01."), ("archive/../../etc/x", b"")]),
        "is not a plain path",
    ),
    "absolute name": (
        _zip([("/archive/data.pkl", b"\x80\x02K\x01.")]),
        "is not a plain path",
    ),
    "backslash name": (
        _zip([("archive/data.pkl", b"\x80\x02K\x01."), ("archive\\..\\x", b"")]),
        "is not a plain path",
    ),
    "two record prefixes": (
        _zip([("archive/data.pkl", b"\x80\x02K\x01."), ("other/data/0", b"")]),
        "more than one record prefix",
    ),
    "overlapping entries": (
        _patch_central(_with_pkl(b"\x80\x02K\x01."), "archive/data/0", offset=0),
        "overlap|bad local header|beyond",
    ),
    "compressed storage": (
        _zip(
            [
                ("archive/data.pkl", _tensor_pkl(b"K\x00", b"K\x04\x85", b"K\x01\x85")),
                ("archive/data/0", b"\0" * 16),
            ],
            zipfile.ZIP_DEFLATED,
        ),
        "compressed",
    ),
    "150 001 entries (zip64)": (
        _zip(
            [("archive/data.pkl", b"\x80\x02K\x01.")]
            + [(f"archive/{i}", b"") for i in range(150_000)]
        ),
        "lists 150001 entries",
    ),
    "not a checkpoint": (_zip([("archive/readme", b"hi")]), "not a PyTorch checkpoint"),
}

HOSTILE_PICKLES = {
    "os.system": (b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.", "Unsupported global"),
    "sentinel": (
        b"\x80\x02ctest_torch_zip_fuzz\n_sentinel\n)R.",
        "Unsupported global",
    ),
    "bytearray of 2**40": (
        b"\x80\x02cbuiltins\nbytearray\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.",
        "much more data than the file holds",
    ),
    "set amplification": (
        b"\x80\x02cbuiltins\nset\nq\x00]q\x01("
        + b"K\x01" * 5000
        + b"e"
        + b"("
        + b"h\x00h\x01\x85R" * 3000
        + b"l.",
        "much more data than the file holds",
    ),
    "state on an allow-listed global": (
        b"\x80\x02ctorch\nFloatStorage\n}X\n\x00\x00\x00dtype_nameX\x07\x00\x00\x00float64sb.",
        "set state on a global",
    ),
    "state on a global via memo": (
        b"\x80\x02ctorch\nfloat32\nq\x00h\x00}b.",
        "set state on a global",
    ),
    "deep nesting": (b"\x80\x02" + b"]" * 100 + b"a" * 99 + b".", "nested more than 64"),
    "deep tuples": (b"\x80\x02K\x01" + b"\x85" * 100_000 + b".", "nested more than 64"),
    "memo get of nothing": (b"\x80\x02h\x05.", "never stored"),
    "memo index 2**31": (b"\x80\x02K\x01r\xff\xff\xff\x7f.", "bad memo index"),
    "string claiming 2 GB": (b"\x80\x02X\xff\xff\xff\x7fabc.", "damaged data.pkl"),
    "bytes claiming 4 GB": (b"\x80\x03B\xff\xff\xff\xffabc.", "damaged data.pkl"),
    "long claiming 2 GB": (b"\x80\x02\x8b\xff\xff\xff\x7f\x01.", "damaged data.pkl"),
    "view past its storage": (
        _tensor_pkl(b"K\x02", b"K\x04\x85", b"K\x01\x85"),
        "reaches element 5 of a storage of 4",
    ),
    "huge shape": (
        _tensor_pkl(b"K\x00", b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40\x85", b"K\x00\x85"),
        "bad tensor size",
    ),
    "rebuild_from_type_v2 calling bytearray": (
        b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(cbuiltins\nbytearray\nN"
        b"\x8a\x05\x00\x00\x00\x00\x01\x85NtR.",
        "other than a tensor rebuild",
    ),
    "layout returning a global": (
        b"\x80\x02ctorch.serialization\n_get_layout\nctorch\nFloatStorage\n\x85R}b.",
        "set state on a global|layout is not a name",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_ARCHIVES))
def test_hostile_archives_are_refused(case):
    blob, message = HOSTILE_ARCHIVES[case]
    result = _outcome(blob)
    assert isinstance(result, RuntimeError), repr(result)
    assert re.search(message, str(result)), str(result)


@pytest.mark.parametrize("case", list(HOSTILE_PICKLES))
def test_hostile_pickles_are_refused(case):
    pkl, message = HOSTILE_PICKLES[case]
    result = _outcome(_with_pkl(pkl))
    assert isinstance(result, (RuntimeError, pickle.UnpicklingError)), repr(result)
    assert re.search(message, str(result)), str(result)


def test_a_zero_stride_view_of_2_60_elements_costs_nothing():
    pkl = _tensor_pkl(b"K\x00", b"\x8a\x08" + (2**60).to_bytes(8, "little") + b"\x85", b"K\x00\x85")
    result = _outcome(_with_pkl(pkl))  # as torch.save writes expanded tensors: loads, as a view
    assert result.shape == (2**60,) and result._data.strides == (0,)


def test_refused_state_leaves_the_allow_list_intact():
    _outcome(_with_pkl(HOSTILE_PICKLES["state on an allow-listed global"][0]))
    assert _torch_zip._SAFE["torch.FloatStorage"].dtype_name == "float32"
    assert load(Named(VALID))["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_crc_mismatch_in_a_storage_is_caught_unless_verify_is_false():
    blob = bytearray(VALID)
    at = blob.find(struct.pack("<6f", *range(6)))
    blob[at + 5] ^= 0x10
    with pytest.raises(RuntimeError, match="fails its CRC-32 check"):
        load(Named(bytes(blob)))
    assert load(Named(bytes(blob)), verify=False)["n"] == 3


# ------------------------------------------------------------------ hypothesis
@fuzz_settings(300)
@given(st.data())
def test_mutated_archives_load_or_raise_documented_errors(data):
    blob = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "byte", "cut", "insert", "int"]))
        at = data.draw(st.integers(0, len(blob) - 1))
        if kind == "flip":
            blob[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "byte":
            blob[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del blob[at : at + data.draw(st.integers(1, 64))]
        elif kind == "insert":
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        elif at + 4 <= len(blob):  # a size, offset or length field set to something large
            value = data.draw(st.sampled_from([0, 1, 2**31 - 1, 2**32 - 1, len(blob), 2**16]))
            blob[at : at + 4] = value.to_bytes(4, "little")
        if not blob:
            blob = bytearray(b"PK\x03\x04")
    _outcome(bytes(blob))


_SNIPPETS = [
    b"K\x01",
    b"K\x00",
    b"J\xff\xff\xff\x7f",
    b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40",
    b"X\x01\x00\x00\x000",
    b"X\x03\x00\x00\x00cpu",
    b"N",
    b"\x88",
    b"\x89",
    b"(",
    b")",
    b"]",
    b"}",
    b"t",
    b"l",
    b"d",
    b"\x85",
    b"\x86",
    b"\x87",
    b"R",
    b"b",
    b"a",
    b"e",
    b"s",
    b"u",
    b"Q",
    b"0",
    b"q\x00",
    b"q\x01",
    b"h\x00",
    b"h\x01",
    b"r\x00\x00\x00\x00",
    b"j\xff\xff\x00\x00",
    b"X\xff\xff\xff\x7f",
    b"\x94",
    b"\x8c\x03abc",
    b"ctorch._utils\n_rebuild_tensor_v2\n",
    b"ctorch._utils\n_rebuild_parameter\n",
    b"ctorch\nFloatStorage\n",
    b"ctorch\nfloat32\n",
    b"ctorch\nSize\n",
    b"ccollections\nOrderedDict\n",
    b"cbuiltins\nbytearray\n",
    b"cbuiltins\nset\n",
    b"c_codecs\nencode\n",
    b"ctorch._tensor\n_rebuild_from_type_v2\n",
    b"ctorch.serialization\n_get_layout\n",
    b"cos\nsystem\n",
    b"cbuiltins\neval\n",
    b"ctest_torch_zip_fuzz\n_sentinel\n",
    b"cnumtorch\nones\n",
    b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ",
]


@fuzz_settings(400)
@given(st.lists(st.sampled_from(_SNIPPETS), max_size=40), st.booleans())
def test_random_pickles_load_or_raise_documented_errors(snippets, stop):
    pkl = b"\x80\x02" + b"".join(snippets) + (b"." if stop else b"")
    _outcome(_with_pkl(pkl))


@fuzz_settings(100)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "archive/data.pkl",
                    "archive/byteorder",
                    "archive/data/0",
                    "archive/../x",
                    "/abs",
                    "other/y",
                    "archive/data/1",
                    "archive/",
                ]
            ),
            st.binary(max_size=64),
            st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
        ),
        max_size=6,
    )
)
def test_random_archives_load_or_raise_documented_errors(entries):
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w") as zf:
            for name, data, method in entries:
                zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    _outcome(out.getvalue())


def test_crc32_is_what_zip_uses():  # the streaming reader's check matches zipfile's
    assert zlib.crc32(b"abc") == zipfile.crc32(b"abc")


# ------------------------------------------------------------------ crafted Parameters
_T = _tensor_pkl(b"K\x00", b"K\x04\x85", b"K\x01\x85")[2:-1]  # a float tensor of 4 zeros
_P = b"ctorch.nn.parameter\nParameter\n"
_RP = b"ctorch._utils\n_rebuild_parameter\n("
_RPS = b"ctorch._utils\n_rebuild_parameter_with_state\n("
_OD = b"ccollections\nOrderedDict\n)R"


def _state(key: bytes, value: bytes = b"K\x01") -> bytes:
    return b"}X" + struct.pack("<I", len(key)) + key + value + b"s"


# what PyTorch's weights-only loader makes of each: None where it loads a Parameter (numtorch
# loads the same one), else the refusal numtorch gives (PyTorch fails too, in its own words)
CRAFTED_PARAMETERS = {
    "NEWOBJ Parameter()": (_P + b")\x81", None),
    "NEWOBJ Parameter(t)": (_P + _T + b"\x85\x81", None),
    "NEWOBJ Parameter(t, False)": (_P + _T + b"\x89\x86\x81", None),
    "NEWOBJ Parameter(1)": (_P + b"K\x01\x85\x81", "data is of type int, not a tensor"),
    "NEWOBJ Parameter(t) + BUILD of a dict": (_P + _T + b"\x85\x81" + _state(b"foo") + b"b",
                                              "set state on a Parameter"),
    "NEWOBJ Parameter(t) + BUILD of slots": (_P + _T + b"\x85\x81N" + _state(b"_data") + b"\x86b",
                                             "set state on a Parameter"),
    "REDUCE Parameter()": (_P + b")R", None),
    "REDUCE Parameter(t) + BUILD (False, None, None)": (_P + _T + b"\x85R(\x89NNtb", None),
    "REDUCE Parameter(t) + BUILD (1, None, None)": (_P + _T + b"\x85R(K\x01NNtb",
                                                    "set state on a Parameter"),
    "REDUCE Parameter(t, 1)": (_P + _T + b"K\x01\x86R", "requires_grad is of type int"),
    "_rebuild_parameter(None)": (_RP + b"N\x88" + _OD + b"tR", None),
    "_rebuild_parameter(t) + BUILD": (_RP + _T + b"\x88" + _OD + b"tR" + _state(b"foo") + b"b",
                                      "set state on a Parameter"),
    "_rebuild_parameter of a Parameter": (_RP + _RP + _T + b"\x88" + _OD + b"tR\x88" + _OD + b"tR",
                                          None),
    "with state {foo: 1}": (_RPS + _T + b"\x88" + _OD + _state(b"foo") + b"tR", None),
    "with state (None, {requires_grad: False})": (
        _RPS + _T + b"\x88" + _OD + b"N" + _state(b"requires_grad", b"\x89") + b"\x86tR", None),
    "with state {data: 1}": (_RPS + _T + b"\x88" + _OD + _state(b"data") + b"tR",
                             "state sets 'data', which it may not"),
    "with state {_data: 1}": (_RPS + _T + b"\x88" + _OD + _state(b"_data") + b"tR",
                              "state sets '_data', which it may not"),
    "with state 5": (_RPS + _T + b"\x88" + _OD + b"K\x05tR", "state is of type int"),
    "tensor + BUILD of slots": (_T + b"N" + _state(b"_data") + b"\x86b", "set state on a tensor"),
    "tensor + BUILD of a dict": (_T + _state(b"add") + b"b", "set state on a tensor"),
}  # fmt: skip


# PyTorch's Parameter has no ``_data``: there the state adds a harmless attribute; numtorch's
# array lives in that slot, so the state would replace the tensor's data
_PYTORCH_LOADS = {"with state {_data: 1}"}


def _both_load(body: bytes, refusal: str | None, pytorch_loads: bool):
    """Load the crafted pickle ``body`` with PyTorch's weights-only loader and numtorch's.
    Where numtorch refuses it (``refusal``: words of its message), PyTorch fails too unless
    ``pytorch_loads``, and None is returned; else both load the same ``requires_grad`` and
    attributes, and ``(theirs, ours)`` is returned for the caller's type checks."""
    import torch

    blob = _with_pkl(b"\x80\x02" + body + b".")
    try:
        theirs = torch.load(io.BytesIO(blob), weights_only=True)
    except Exception as err:  # noqa: BLE001 - PyTorch's own words differ
        theirs = err
    ours = _outcome(blob)
    if refusal is not None:
        assert isinstance(theirs, Exception) != pytorch_loads, theirs
        assert isinstance(ours, pickle.UnpicklingError), ours
        assert NAME in str(ours) and refusal in str(ours)
        return None
    assert not isinstance(theirs, Exception), theirs
    assert ours.requires_grad == theirs.requires_grad
    assert vars(ours) == vars(theirs)  # the guard is gone; only the state's own attributes
    return theirs, ours


@pytest.mark.parametrize("case", list(CRAFTED_PARAMETERS))
def test_crafted_parameters_load_valid_or_are_refused_as_pytorch_does(case):
    import torch

    loaded = _both_load(*CRAFTED_PARAMETERS[case], case in _PYTORCH_LOADS)
    if loaded is not None:
        theirs, ours = loaded
        assert isinstance(theirs, torch.nn.Parameter) and type(ours) is numtorch.nn.Parameter
        assert type(ours._data) is np.ndarray and ours._data.tolist() == theirs.tolist()


def test_the_build_guard_is_gone_after_a_load():
    buf = io.BytesIO()
    save({"p": numtorch.nn.Parameter(numtorch.ones(2)), "t": numtorch.zeros(3)}, buf)
    loaded = load(Named(buf.getvalue()))
    assert vars(loaded["p"]) == {} and vars(loaded["t"]) == {}
    with pytest.raises(pickle.UnpicklingError, match="set state on a tensor"):
        load(Named(_with_pkl(b"\x80\x02" + _T + b"}b.")))


# ------------------------------------------------------------------ tensors with Python state
_ARGS = (  # _rebuild_tensor_v2's arguments for a float tensor of 4 zeros
    b"((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ"
    b"K\x00K\x04\x85K\x01\x85\x89" + _OD + b"t"
)
_RFT = (
    b"ctorch._tensor\n_rebuild_from_type_v2\n(ctorch._utils\n_rebuild_tensor_v2\nctorch\nTensor\n"
)

# what PyTorch writes for a tensor with attributes of its own (a buffer's mark, a user's), and
# crafted variants: None where PyTorch's weights-only loader loads it, else numtorch's refusal
CRAFTED_TENSOR_STATES = {
    "state {foo: 1}": (_RFT + _ARGS + _state(b"foo") + b"tR", None),
    "state None": (_RFT + _ARGS + b"NtR", None),
    "state (None, {foo: 1})": (_RFT + _ARGS + b"N" + _state(b"foo") + b"\x86tR", None),
    "state {requires_grad: True}": (_RFT + _ARGS + _state(b"requires_grad", b"\x88") + b"tR", None),
    "state {requires_grad: 1}": (_RFT + _ARGS + _state(b"requires_grad") + b"tR",
                                 "a tensor's requires_grad is of type int"),
    "state {data: 1}": (_RFT + _ARGS + _state(b"data") + b"tR", "state sets 'data'"),
    "state {_data: 1}": (_RFT + _ARGS + _state(b"_data") + b"tR", "state sets '_data'"),
    "state {add: 1}": (_RFT + _ARGS + _state(b"add") + b"tR", "state sets 'add'"),
    "state 5": (_RFT + _ARGS + b"K\x05tR", "state is of type int"),
    "torch.Tensor called": (b"ctorch\nTensor\n)R", "only as a rebuilt tensor's type"),
}  # fmt: skip
# PyTorch's Tensor has no ``_data`` (a harmless attribute there), it lets a state shadow a
# method with an attribute (``t.add`` is then 1), and it calls ``torch.Tensor()`` (an empty
# tensor); numtorch refuses all three: a file only adds attributes, and tensors come from the
# rebuild functions, which check what they read
_PYTORCH_LOADS_TENSOR = {"state {_data: 1}", "state {add: 1}", "torch.Tensor called"}


@pytest.mark.parametrize("case", list(CRAFTED_TENSOR_STATES))
def test_tensors_with_state_load_as_pytorchs_or_are_refused(case):
    import torch

    loaded = _both_load(*CRAFTED_TENSOR_STATES[case], case in _PYTORCH_LOADS_TENSOR)
    if loaded is not None:
        theirs, ours = loaded
        assert type(theirs) is torch.Tensor and type(ours) is numtorch.Tensor
        assert ours.tolist() == theirs.tolist()


def _with_attributes(lib) -> dict:
    b = lib.nn.Buffer(lib.ones(2), persistent=False)
    t = lib.ones(3)
    t.note = 5
    p = lib.nn.Parameter(lib.ones(2))
    p.note = 6
    return {"b": b, "t": t, "p": p, "plain": lib.zeros(2)}


@pytest.mark.parametrize("writer", ["torch", "numtorch"])
@pytest.mark.parametrize("weights_only", [True, False])
def test_python_attributes_round_trip_between_the_libraries(writer, weights_only):
    """A buffer's mark and a tensor's or parameter's own attributes survive ``save`` and
    ``load`` in either direction, as they do through PyTorch alone."""
    import torch

    lib = torch if writer == "torch" else numtorch
    buf = io.BytesIO()
    lib.save(_with_attributes(lib), buf)
    theirs = torch.load(io.BytesIO(buf.getvalue()), weights_only=weights_only)
    ours = numtorch.load(io.BytesIO(buf.getvalue()), weights_only=weights_only)
    for key in ("b", "t", "p", "plain"):
        assert type(ours[key]).__name__ == type(theirs[key]).__name__
        assert vars(ours[key]) == vars(theirs[key]) and ours[key].tolist() == theirs[key].tolist()
    assert vars(ours["b"]) == {"persistent": False, "_is_buffer": True}
    assert isinstance(ours["b"], numtorch.nn.Buffer)
