"""The pickle safety scan's numba walker against the genops-based reference: the same verdict
and message on random, mutated and hostile pickles, for every ``max_depth``; the same set of
globals vetted; the arrays it grows; and its speed on large pickles (a loose bound).
"""

from __future__ import annotations

import pickle
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_serialization_fuzz import fuzz_settings

from numtorch import _pickle_scan
from numtorch._kernels import pickle_scan as kernel

try:
    from numtorch._kernels import _numba_pickle_scan as nb
except ImportError:  # pragma: no cover - numba absent: only the reference runs
    nb = None

needs_numba = pytest.mark.skipif(nb is None, reason="numba is not installed")


class Refused(Exception):
    pass


def _outcome(scan, data: bytes, max_depth: int) -> tuple[tuple, frozenset]:
    """(verdict, globals vetted): ("ok",) or the exception's type and message."""
    seen = set()

    def on_global(module: str, name: str) -> None:
        seen.add((module, name))
        if module in ("os", "evil"):
            raise Refused(f"global {module}.{name}")

    try:
        scan(data, Refused, max_depth, on_global)
        verdict = ("ok",)
    except Exception as err:  # noqa: BLE001 - compared, whatever it is
        verdict = (type(err).__name__, str(err))
    return verdict, frozenset(seen)


def _numba_scan(data, refused, max_depth, on_global):
    kernel._scan_numba(nb, data, refused, max_depth, on_global)


def _agree(data: bytes, max_depth: int = _pickle_scan.MAX_DEPTH) -> tuple:
    """Both scans' outcome on ``data``, asserted equal."""
    expected = _outcome(kernel.scan_reference, data, max_depth)
    assert _outcome(_numba_scan, data, max_depth) == expected, data[:200]
    return expected[0]


_SNIPPETS = [
    b"(", b"N", b"K\x01", b"M\x01\x02", b"J\xff\xff\xff\xff", b"\x8a\x01\x05", b"\x8b\xff\xff\xff\xff",
    b"G" + b"\0" * 8, b"]", b"}", b")", b"t", b"l", b"d", b"\x85", b"\x86", b"\x87", b"\x8f",
    b"\x90", b"\x91", b"R", b"b", b"a", b"e", b"s", b"u", b"0", b"1", b"2", b"Q", b"\x92",
    b"\x93", b"\x81", b"\x82\x01", b"\x83\x01\x00", b"\x84\x01\x00\x00\x00", b"\x94", b"\x95" + b"\0" * 8,
    b"q\x00", b"q\x01", b"q\x05", b"h\x00", b"h\x01", b"h\x09", b"r\x00\x00\x00\x00",
    b"r\x01\x00\x00\x00", b"j\x00\x00\x00\x00", b"j\xff\xff\x00\x00", b"p0\n", b"p1\n", b"p00\n",
    b"p01\n", b"p-1\n", b"p 1\n", b"g0\n", b"g1\n", b"g01\n", b"g-1\n", b"g1_0\n",
    b"X\x03\x00\x00\x00abc", b"X\x02\x00\x00\x00\xc3\xa9", b"X\x02\x00\x00\x00\xc3\x28",
    b"X\x03\x00\x00\x00\xed\xa0\x80", b"X\x04\x00\x00\x00\xf4\x90\x80\x80", b"X\xff\xff\xff\x7f",
    b"\x8c\x03abc", b"\x8c\x01\xff", b"\x8d\x01" + b"\0" * 7 + b"a", b"C\x02ab", b"B\x01\x00\x00\x00z",
    b"\x8e\x01" + b"\0" * 7 + b"z", b"\x96\x00" + b"\0" * 7, b"U\x02ab", b"T\x01\x00\x00\x00a",
    b"T\xff\xff\xff\xff", b"I1\n", b"I-12\n", b"I00\n", b"I 1\n", b"I1_0\n", b"Ix\n", b"I" + b"9" * 30 + b"\n",
    b"L5L\n", b"L-7\n", b"LxL\n", b"F1.5\n", b"F-2e3\n", b"F.5\n", b"Finf\n", b"F1e\n", b"Fx\n",
    b"S'abc'\n", b'S"q"\n', b"S'a\\n'\n", b"S'\\q'\n", b"S'\\x4'\n", b"S'\\x41\\101\\0\\t'\n", b"S'\\x80'\n", b"S'\\200'\n", b"S'\\400'\n", b"S'a\\'\n", b"S'\xc3'\n", b"Sabc\n", b"S'a\n",
    b"Vabc\n", b"V\xe9\n", b"V\\u00e9\n", b"V\\u00\n", b"Pid\n", b"P\xff\n", b"\x80\x02", b"\x80\x05",
    b"ctorch\nSize\n", b"cbuiltins\nset\n", b"cos\nsystem\n", b"cevil\nthing\n",
    b"cmod\xff\nx\n", b"cmod\\x41\nx\n", b"cmod\\x\nx\n", b"cmod\\q\nx\n", b"cmod\n", b"ia\nb\n", b"i\xff\nb\n",
]  # fmt: skip


@needs_numba
@fuzz_settings(600)
@given(
    st.lists(st.sampled_from(_SNIPPETS), max_size=40),
    st.sampled_from([b"", b".", b".junk"]),
    st.integers(0, 6) | st.just(_pickle_scan.MAX_DEPTH),
)
def test_random_opcode_strings_agree(snippets, end, max_depth):
    _agree(b"".join(snippets) + end, max_depth)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4) | st.frozensets(st.integers()),
    max_leaves=20,
)  # fmt: skip


@st.composite
def _mutated(draw) -> bytes:
    """A real pickle (any protocol) with a few flips, overwrites, insertions or deletions."""
    value = draw(_VALUES)
    blob = bytearray(pickle.dumps(value, protocol=draw(st.integers(0, 5))))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(len(blob) - 1, 0)))
        if kind == "flip" and blob:
            blob[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and blob:
            blob[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            blob[pos:pos] = draw(st.sampled_from(_SNIPPETS) | st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del blob[pos : pos + draw(st.integers(1, 8))]
        else:
            del blob[pos:]
    return bytes(blob)


@needs_numba
@fuzz_settings(600)
@given(_mutated(), st.integers(1, 5) | st.just(_pickle_scan.MAX_DEPTH))
def test_mutated_pickles_agree(data, max_depth):
    _agree(data, max_depth)


@needs_numba
@fuzz_settings(200)
@given(st.binary(max_size=64))
def test_random_bytes_agree(data):
    _agree(data)


def _big(count: int) -> dict[str, bytes]:
    """Pickles that fill the walker's arrays (stack, memo, deferred queue) several times."""
    return {
        "legitimate list": pickle.dumps([(i, str(i), b"x") for i in range(count)], protocol=4),
        "protocol 0": pickle.dumps([(i, str(i), 1.5) for i in range(count)], protocol=0),
        "many marks": b"\x80\x02" + b"(" * count + b".",
        "deep lists": b"\x80\x02" + b"]" * count + b"a" * (count - 1) + b".",
        "memo churn": b"\x80\x02N" + b"\x94" * count + b"h\x00" * count + b".",
        "escaped strings": b"\x80\x02(" + b"S'\\n'\n" * count + b"l.",
        "deferred strings": b"\x80\x02(" + b"S'\xe9'\n" * count + b"l.",
        "many globals": b"\x80\x02(" + b"".join(b"cm\nn%d\n" % (i % 40) for i in range(count))
        + b"l.",
        "stack of globals": b"\x80\x02" + b"ctorch\nSize\n" * count + b".",
        "bad utf-8 late": b"\x80\x02(" + b"X\x01\x00\x00\x00a" * count + b"X\x01\x00\x00\x00\xff",
    }  # fmt: skip


@needs_numba
@pytest.mark.parametrize("case", list(_big(10)))
def test_large_pickles_agree(case):
    _agree(_big(20_000)[case])


def test_dispatcher_matches_the_reference():  # whichever path is active
    for data in _big(3_000).values():
        assert _outcome(_pickle_scan.scan, data, 64) == _outcome(kernel.scan_reference, data, 64)


@needs_numba
def test_numba_scan_is_fast():  # ~10 MB in well under a second (measured: hundreds of MB/s)
    data = pickle.dumps([(i, str(i)) for i in range(1_000_000)], protocol=4)
    hostile = b"\x80\x02" + b"]" * 5_000_000 + b"\x94" * 5_000_000 + b"."
    for blob in (data, hostile):
        _outcome(_numba_scan, blob, 64)  # compiled (or loaded from the cache) by now
        start = time.perf_counter()
        _outcome(_numba_scan, blob, 64)
        assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("index", [b"-1", b" 1", b"1_0", b"+2"])
def test_a_text_memo_index_no_pickler_writes_is_refused_at_once(index):
    """``int`` accepts these, pickle never writes them: refusing them keeps a hostile file from
    sending the scan to its slow path (one such opcode after megabytes of list items)."""
    data = b"(lp0\n" + b"I1\na" * 200_000 + b"g" + index + b"\n."
    start = time.perf_counter()
    with pytest.raises(ValueError, match="bad memo index"):
        _pickle_scan.scan(data, ValueError, 64)
    assert time.perf_counter() - start < 5.0
    assert pickle.loads(b"(lp0\nI1\nag0\n.") == [1]  # the digits-only form stays accepted
    _pickle_scan.scan(b"(lp0\nI1\nag0\n.", ValueError, 64)
