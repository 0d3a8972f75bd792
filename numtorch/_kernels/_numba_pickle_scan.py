"""numba pickle-scan walker: the opcodes of a uint8 array, table-driven (see
``numtorch._kernels.pickle_scan`` for the tables, the statuses and what Python does with them).

``walk`` resumes from ``state`` (position, stack size, memo size, deferred count, and in
``state[5]`` the memory estimate so far, refused past ``max_bytes``) and returns
with ``state[4]``: 0 done (STOP reached, all checks passed), 1 stopped at ``state[0]`` (an error
found there: the reference scan raises it, from the stack and memo as they were before that
opcode), 2 paused at ``state[0]`` (an array is full: Python grows or drains it and calls
again), 3 handed over at ``state[0]`` (a form it does not model: the reference scan walks the
rest), 4 over budget at ``state[0]`` (that opcode passed every other check, but the estimate
with it passes ``max_bytes``). The arrays never change below the stack/memo sizes an opcode finds it at
until that opcode has passed every check."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["walk"]

# a stack or memo item is one byte (so the walk's arrays cost at most a byte per opcode): the
# value's nesting depth (at most 126) | _GLOBAL; 255 is a MARK (``pickle_scan`` translates)
_MARK = 255
_GLOBAL = 128
_DEPTH = _GLOBAL - 1
_CACHE = 1024  # slots of the hash set of GLOBAL arguments already vetted (per call)


@njit(cache=True, inline="always")
def _le(data, p, size):
    """The unsigned little-endian integer of ``size`` bytes at ``p``."""
    value = np.uint64(0)
    for k in range(size):
        value |= np.uint64(data[p + k]) << np.uint64(8 * k)
    return value


@njit(cache=True, inline="always")
def _newline(data, p):
    """The index of the first newline at or after ``p``, or -1."""
    n = len(data)
    while p < n:
        if data[p] == 10:
            return p
        p += 1
    return -1


@njit(cache=True, inline="always")
def _utf8(data, s, e):
    """Whether ``data[s:e]`` is UTF-8 (surrogates allowed, as 'surrogatepass' does)."""
    i = s
    while i < e:
        c = data[i]
        if c < 0x80:
            i += 1
            continue
        if c < 0xC2 or c > 0xF4:
            return False
        k = 1 if c < 0xE0 else (2 if c < 0xF0 else 3)
        if i + k >= e:
            return False
        for j in range(1, k + 1):
            if data[i + j] < 0x80 or data[i + j] > 0xBF:
                return False
        b = data[i + 1]
        if (c == 0xE0 and b < 0xA0) or (c == 0xF0 and b < 0x90) or (c == 0xF4 and b > 0x8F):
            return False
        i += k + 1
    return True


@njit(cache=True, inline="always")
def _digits(data, s, e):
    """The value of 1..18 plain decimal digits ``data[s:e]``, or -1."""
    if e - s < 1 or e - s > 18:
        return -1
    value = 0
    for i in range(s, e):
        d = data[i] - 48
        if d < 0 or d > 9:
            return -1
        value = value * 10 + d
    return value


@njit(cache=True, inline="always")
def _all_digits(data, s, e):
    """Whether ``data[s:e]`` is 1..640 decimal digits (``int`` reads that many under any
    ``sys.set_int_max_str_digits`` limit: its smallest is 640)."""
    if e - s < 1 or e - s > 640:
        return False
    for i in range(s, e):
        if data[i] < 48 or data[i] > 57:
            return False
    return True


@njit(cache=True)
def _word(data, s, e, word):
    """Whether ``data[s:e]`` is ``word`` (lowercase ASCII codes) in any case."""
    if e - s != len(word):
        return False
    for i in range(e - s):
        if data[s + i] | 32 != word[i]:
            return False
    return True


_INF, _NAN = (105, 110, 102), (110, 97, 110)
_INFINITY = (105, 110, 102, 105, 110, 105, 116, 121)


@njit(cache=True, inline="always")
def _float(data, s, e):
    """Whether ``data[s:e]`` is a float ``float`` reads: [+-]d*[.d*][(e|E)[+-]d+] with a digit,
    or [+-]inf, infinity or nan in any case (what protocol 0 writes for them)."""
    i = s + 1 if s < e and (data[s] == 45 or data[s] == 43) else s
    if i < e and data[i] | 32 >= 97:  # a letter
        return _word(data, i, e, _INF) or _word(data, i, e, _INFINITY) or _word(data, i, e, _NAN)
    mantissa = 0
    while i < e and 48 <= data[i] <= 57:
        i, mantissa = i + 1, mantissa + 1
    if i < e and data[i] == 46:
        i += 1
        while i < e and 48 <= data[i] <= 57:
            i, mantissa = i + 1, mantissa + 1
    if mantissa == 0:
        return False
    if i < e and (data[i] == 101 or data[i] == 69):
        i += 1
        if i < e and (data[i] == 43 or data[i] == 45):
            i += 1
        start = i
        while i < e and 48 <= data[i] <= 57:
            i += 1
        if i == start:
            return False
    return i == e


@njit(cache=True)
def _ascii(data, s, e):
    """Whether ``data[s:e]`` is ASCII."""
    for i in range(s, e):
        if data[i] >= 0x80:
            return False
    return True


@njit(cache=True)
def _hex(c):
    """The value of hex digit ``c``, or -1."""
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102 or 65 <= c <= 70:
        return (c | 32) - 87
    return -1


@njit(cache=True)
def _escaped_ascii(data, s, e):
    """Whether ``codecs.escape_decode(data[s:e])`` succeeds without a warning and gives ASCII
    (the known one-letter escapes, ``\\ooo`` and ``\\xhh`` below 0x80)."""
    i = s
    while i < e:
        c = data[i]
        i += 1
        if c >= 0x80:
            return False
        if c != 92:
            continue
        if i >= e:
            return False
        c = data[i]
        i += 1
        if c == 120:  # \xhh
            if i + 2 > e or _hex(data[i]) < 0 or _hex(data[i + 1]) < 0:
                return False
            if _hex(data[i]) * 16 + _hex(data[i + 1]) >= 0x80:
                return False
            i += 2
        elif 48 <= c <= 55:  # \o, \oo, \ooo
            value, k = c - 48, 1
            while k < 3 and i < e and 48 <= data[i] <= 55:
                value, i, k = value * 8 + data[i] - 48, i + 1, k + 1
            if value >= 0x80:
                return False
        elif c not in (92, 39, 34, 97, 98, 102, 110, 114, 116, 118, 10):  # \\ \' \" abfnrtv
            return False
    return True


@njit(cache=True, inline="always")
def _text_ok(data, check, s, e):
    """Whether the walk can vouch for a text or string argument ``data[s:e]`` itself."""
    if check == 1:  # V_UTF8
        return _utf8(data, s, e)
    if check == 2:  # V_ASCII (escapes undone)
        return _escaped_ascii(data, s, e)
    if check == 3:  # V_QUOTED: 'text' or "text"
        return (
            e - s >= 2
            and data[s] == data[e - 1]
            and (data[s] == 39 or data[s] == 34)
            and _escaped_ascii(data, s + 1, e - 1)
        )
    if check == 4 or check == 5:  # V_INT, V_LONG
        if check == 5 and e > s and data[e - 1] == 76:
            e -= 1
        if e > s and data[s] == 45:
            s += 1
        return _all_digits(data, s, e)
    if check == 6:
        return _float(data, s, e)
    if check == 7:  # V_RAW: raw-unicode-escape (any other byte is Latin-1)
        return _raw_escapes(data, s, e)
    return True


@njit(cache=True)
def _raw_escapes(data, s, e):
    """Whether ``data[s:e]`` decodes as 'raw-unicode-escape': each backslash before ``u`` or
    ``U`` starts four or eight hex digits (at most U+10FFFF); any other backslash pair is
    literal. A trailing backslash is left to the reference."""
    i = s
    while i < e:
        if data[i] != 92:
            i += 1
            continue
        if i + 1 >= e:
            return False
        c = data[i + 1]
        count = 4 if c == 117 else (8 if c == 85 else 0)
        if count == 0:
            i += 2
            continue
        if i + 2 + count > e:
            return False
        value = 0
        for k in range(i + 2, i + 2 + count):
            digit = _hex(data[k])
            if digit < 0:
                return False
            value = value * 16 + digit
        if value > 0x10FFFF:
            return False
        i += 2 + count
    return True


@njit(cache=True)
def _slot(data, s, e, cache):
    """The slot of ``data[s:e]`` in the open-addressing hash set ``cache`` of (start, end)
    spans: where it is stored, else the empty slot where it would go (-1: the set is full)."""
    h = np.uint64(14695981039346656037)
    for i in range(s, e):  # FNV-1a
        h = (h ^ np.uint64(data[i])) * np.uint64(1099511628211)
    size = len(cache)
    k = np.int64(h % np.uint64(size))
    for _ in range(size):
        cs, ce = cache[k, 0], cache[k, 1]
        if cs < 0:
            return k
        if ce - cs == e - s:
            same = True
            for i in range(e - s):
                if data[cs + i] != data[s + i]:
                    same = False
                    break
            if same:
                return k
        k = (k + 1) % size
    return -1


@njit(cache=True, inline="always")
def _arg(data, tables, code, p):
    """``(start, end, next)`` of the argument at ``p`` of opcode ``code``; next = -1: it
    runs past the data (or has a negative length)."""
    n = len(data)
    layout = tables[0, code]
    if layout == 0:
        return p, p, p
    if layout == 1:
        size = tables[1, code]
        return p, p + size, (p + size if p + size <= n else -1)
    if layout == 6 or layout == 7:
        e = _newline(data, p)
        if e < 0:
            return p, p, -1
        if layout == 7:
            e2 = _newline(data, e + 1)
            return p, e2, (e2 + 1 if e2 >= 0 else -1)
        return p, e, e + 1
    width = 1 if layout == 2 else (4 if layout <= 4 else 8)
    if p + width > n:
        return p, p, -1
    length = _le(data, p, width)
    if layout == 3 and length >= np.uint64(1 << 31):
        return p, p, -1  # a negative int4
    if length > np.uint64(n - p - width):
        return p, p, -1
    s = p + width
    return s, s + np.int64(length), s + np.int64(length)


@njit(cache=True, nogil=True)
def walk(data, tables, stack, memo, deferred, state, max_depth, max_bytes):  # pragma: no cover
    """Walk opcodes from ``state[0]`` until STOP, a refusal or a full array (module doc)."""
    n = len(data)
    pos, sp, nmemo, ndef, spent = state[0], state[1], state[2], state[3], state[5]
    cache = np.full((_CACHE, 2), -1, np.int64)
    ncache = 0
    slot = -1
    status = 1
    while True:
        if sp + 2 > len(stack) or nmemo + 1 > len(memo) or ndef + 1 > len(deferred):
            status = 2
            break
        if pos >= n or tables[0, data[pos]] < 0:
            break
        code = data[pos]
        layout = tables[0, code]
        if layout == 0:  # no argument (helper calls cost more than the walk: kept inline)
            s = e = nxt = pos + 1
        elif layout == 1:
            s, e = pos + 1, pos + 1 + tables[1, code]
            nxt = e
            if e > n:
                break
        else:
            s, e, nxt = _arg(data, tables, code, pos + 1)
            if nxt < 0:
                break
        check, sem = tables[2, code], tables[3, code]
        cost = tables[9, code] + tables[10, code] * (nxt - pos - 1)  # the memory model
        if check == 8:  # GLOBAL: vetted by Python once per distinct name
            slot = _slot(data, s, e, cache)
            defer = slot < 0 or cache[slot, 0] < 0
        elif check == 1 and _ascii(data, s, e):
            defer = False
        else:
            defer = check != 0 and not _text_ok(data, check, s, e)
        if sem == 1:  # MARK
            if spent + cost > max_bytes:
                status = 4
                break
            stack[sp] = _MARK
            sp += 1
        elif sem == 2 or sem == 3 or sem == 4:  # GET, PUT, MEMOIZE
            if sem == 4:
                index = nmemo
            elif tables[0, code] == 1:
                index = np.int64(_le(data, s, tables[1, code]))
            else:
                index = _digits(data, s, e)
                if index < 0:  # a signed or spaced text index: the reference models it
                    status = 3
                    break
            if sem == 2:
                if index >= nmemo:
                    break
                if spent + cost > max_bytes:
                    status = 4
                    break
                stack[sp] = memo[index]
                sp += 1
            else:
                if index > nmemo or sp == 0 or stack[sp - 1] == _MARK:
                    break
                if spent + cost > max_bytes:
                    status = 4
                    break
                memo[index] = stack[sp - 1]
                nmemo = max(nmemo, index + 1)
        else:  # pop what the opcode consumes, push what it produces
            count, pushed, top, above, base = tables[4, code], tables[6, code], sp, sp, sp
            if tables[5, code]:  # through a MARK: the items in [above, top)
                m = sp - 1
                while m >= 0 and stack[m] != _MARK:
                    m -= 1
                if m < 0:
                    break
                above, base = m + 1, m
            lo = base - count
            if lo < 0 or (sem == 5 and stack[lo] & _GLOBAL):  # BUILD on a global
                break
            inner = tables[7, code]  # in place: the container stays, its items nest in it
            depth = stack[lo] & _DEPTH if inner else 0
            flag = stack[lo] & _GLOBAL if inner else (_GLOBAL if tables[8, code] else 0)
            for k in range(lo + inner, base):
                depth = max(depth, (stack[k] & _DEPTH) + inner)
            for k in range(above, top):
                depth = max(depth, (stack[k] & _DEPTH) + inner)
            depth += 1 - inner
            if depth > max_depth:
                break
            cost += tables[11, code] * (top - above)
            if spent + cost > max_bytes:  # every other check passed: Python says so
                status = 4
                break
            for k in range(pushed):
                stack[lo + k] = depth | flag
            sp = lo + pushed
        if defer:  # only once the opcode has passed: a refused one is the reference's
            deferred[ndef] = pos
            ndef += 1
            if check == 8 and slot >= 0 and ncache < _CACHE // 2:  # kept sparse: short probes
                cache[slot, 0], cache[slot, 1] = s, e
                ncache += 1
        spent += cost
        pos = nxt
        if sem == 6:  # STOP
            status = 0
            break
    state[0], state[1], state[2], state[3], state[4] = pos, sp, nmemo, ndef, status
    state[5] = spent
