"""The orders libstdc++'s ``std::sort``, ``std::nth_element`` and ``std::partial_sort`` leave
equal elements in, step for step: PyTorch's CPU kernels for ``mode`` and ``topk`` (and
``nanmedian`` of a row of NaNs) pick among tied elements by where these algorithms put them,
so matching PyTorch's indices means running the same algorithm.

Each function works in place on a list of items with a strict ``less(a, b)``; only rows with
ties need them (elsewhere the order is unique and NumPy's sort gives it)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_THRESHOLD = 16  # libstdc++'s _S_threshold: below it, introsort leaves runs to insertion sort

Less = Callable[[object, object], bool]


def sort(a: list, less: Less, first: int = 0, last: int | None = None) -> None:
    """``std::sort(first, last)``: introsort, then a final insertion sort."""
    last = len(a) if last is None else last
    if last - first > 1:
        _introsort_loop(a, first, last, 2 * ((last - first).bit_length() - 1), less)
        _final_insertion_sort(a, first, last, less)


def nth_element(a: list, nth: int, less: Less, first: int = 0, last: int | None = None) -> None:
    """``std::nth_element(first, first + nth, last)``: introselect."""
    last = len(a) if last is None else last
    nth += first
    if first == last or nth == last:
        return
    depth = 2 * ((last - first).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)


def partial_sort(a: list, middle: int, less: Less) -> None:
    """``std::partial_sort(begin, begin + middle, end)``: heap select, then heap sort."""
    _heap_select(a, 0, middle, len(a), less)
    _sort_heap(a, 0, middle, less)


def nth_element_of_equals(n: int, nth: int) -> int:
    """Which original position ``std::nth_element`` leaves at ``nth`` among ``n`` items that
    all compare equal (a row of NaNs)."""
    items = list(range(n))
    nth_element(items, nth, lambda a, b: False)
    return items[nth]


def mode_index(row: np.ndarray) -> int:
    """PyTorch's CPU ``mode`` of one row: ``std::sort`` the (value, index) pairs by value,
    then the smallest value with the longest run wins, at the index that ends its run."""
    pairs = list(zip(row.tolist(), range(len(row))))
    sort(pairs, lambda a, b: a[0] < b[0])
    best_index, best, run = 0, 0, 0
    for i, (value, index) in enumerate(pairs):
        run += 1
        if i == len(pairs) - 1 or value != pairs[i + 1][0]:
            if run > best:
                best_index, best = index, run
            run = 0
    return best_index


def _introsort_loop(a: list, first: int, last: int, depth: int, less: Less) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_select(a, first, last, last, less)
            _sort_heap(a, first, last, less)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def _partition_pivot(a: list, first: int, last: int, less: Less) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(a, first, first + 1, mid, last - 1, less)
    return _unguarded_partition(a, first + 1, last, first, less)


def _move_median_to_first(a: list, result: int, i: int, j: int, k: int, less: Less) -> None:
    if less(a[i], a[j]):
        pick = j if less(a[j], a[k]) else k if less(a[i], a[k]) else i
    else:
        pick = i if less(a[i], a[k]) else k if less(a[j], a[k]) else j
    a[result], a[pick] = a[pick], a[result]


def _unguarded_partition(a: list, first: int, last: int, pivot: int, less: Less) -> int:
    while True:
        while first < len(a) - 1 and less(a[first], a[pivot]):
            first += 1
        last -= 1
        while last > 0 and less(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _insertion_sort(a: list, first: int, last: int, less: Less) -> None:
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            value = a[i]
            a[first + 1 : i + 1] = a[first:i]
            a[first] = value
        else:
            _unguarded_linear_insert(a, i, less, first)


def _unguarded_linear_insert(a: list, last: int, less: Less, floor: int = 0) -> None:
    value = a[last]
    prev = last - 1
    while prev >= floor and less(value, a[prev]):
        a[last] = a[prev]
        last, prev = prev, prev - 1
    a[last] = value


def _final_insertion_sort(a: list, first: int, last: int, less: Less) -> None:
    if last - first > _THRESHOLD:
        _insertion_sort(a, first, first + _THRESHOLD, less)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(a, i, less, first)
    else:
        _insertion_sort(a, first, last, less)


def _heap_select(a: list, first: int, middle: int, last: int, less: Less) -> None:
    _make_heap(a, first, middle, less)
    for i in range(middle, last):
        if less(a[i], a[first]):
            _pop_heap(a, first, middle, i, less)


def _sort_heap(a: list, first: int, last: int, less: Less) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap(a, first, last, last, less)


def _pop_heap(a: list, first: int, last: int, result: int, less: Less) -> None:
    value = a[result]
    a[result] = a[first]
    _adjust_heap(a, first, 0, last - first, value, less)


def _make_heap(a: list, first: int, last: int, less: Less) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(a, first, parent, length, a[first + parent], less)
        if parent == 0:
            return
        parent -= 1


def _adjust_heap(a: list, first: int, hole: int, length: int, value, less: Less) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


# ---------------------------------------------------------------- PyTorch's CPU selections


def _nan(v) -> bool:
    return v != v


def _ascending(a, b) -> bool:
    """PyTorch's sort comparator: NaNs after every number."""
    return (not _nan(a[0]) and _nan(b[0])) or a[0] < b[0]


def _descending(a, b) -> bool:
    return (_nan(a[0]) and not _nan(b[0])) or a[0] > b[0]


def sort_row(row: np.ndarray, descending: bool) -> list:
    """The indices PyTorch's unstable CPU sort gives for one row: ``std::sort`` of the
    (value, index) pairs, NaNs largest."""
    pairs = list(zip(row.tolist(), range(len(row))))
    sort(pairs, _descending if descending else _ascending)
    return [i for _, i in pairs]


def topk_row(row: np.ndarray, k: int, largest: bool, sorted_: bool) -> list:
    """The indices of PyTorch's CPU ``topk`` of one row: a partial sort when ``k`` is small
    against the row (``64 k <= n``), else ``nth_element`` and, when ``sorted``, a sort of the
    first ``k - 1``."""
    pairs = list(zip(row.tolist(), range(len(row))))
    less = _descending if largest else _ascending
    if k == 0:
        return []
    if k * 64 <= len(pairs):
        partial_sort(pairs, k, less)
    else:
        nth_element(pairs, k - 1, less)
        if sorted_:
            sort(pairs, less, 0, k - 1)
    return [i for _, i in pairs[:k]]


def kthvalue_index(row: np.ndarray, k: int) -> int:
    """The index PyTorch's CPU ``kthvalue`` reports for the ``k``-th smallest (0-based) of one
    row: its own quickselect (Sedgewick's partitioning, median-of-three pivot), NaNs largest."""
    values = row.tolist()
    index = list(range(len(values)))

    def gt(x, y) -> bool:
        return (_nan(x) and not _nan(y)) or x > y

    def swap(i: int, j: int) -> None:
        values[i], values[j] = values[j], values[i]
        index[i], index[j] = index[j], index[i]

    lo, hi = 0, len(values) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(values[lo], values[hi]):
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        if gt(values[lo + 1], values[hi]):
            swap(lo + 1, hi)
        if gt(values[lo], values[hi]):
            swap(lo, hi)
        if gt(values[lo + 1], values[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, values[lo]
        while True:
            i += 1
            while gt(pivot, values[i]):
                i += 1
            j -= 1
            while gt(values[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return index[k]
