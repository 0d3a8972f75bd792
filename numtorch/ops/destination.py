"""An in-place op's offer of its target's memory to the one primitive that computes it.

``Tensor.relu_()`` computes ``relu`` and writes the result into the tensor. Computed out of
place and then copied, that is a temporary the size of the tensor and a second pass over it
(nn.ReLU(inplace=True) ran slower than the out-of-place form). An op whose whole computation is
one element-wise primitive on its input can write straight into the input instead. Such an op
is marked with :func:`writes_into_input`; ``numtorch._namespace.inplace.inplace`` then offers
the target's array (:func:`offering`) while the op runs, and the primitive's forward takes it
(:func:`take`) when it is handed that very array. Only marked ops get the offer: in an op made
of several primitives, a later one could read the input after an earlier one overwrote it.

Example:
    >>> import numpy as np
    >>> a = np.zeros(3)
    >>> with offering(a):
    ...     take(a) is a, take(a)  # taken once
    (True, None)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["writes_into_input", "may_write_into_input", "offering", "take"]

_offer = threading.local()


def writes_into_input(fn: Callable) -> Callable:
    """Mark ``fn`` (an op that is one element-wise primitive on its first argument) as one
    whose in-place variant may compute straight into the target."""
    fn.writes_into_input = True  # type: ignore[attr-defined]
    return fn


def may_write_into_input(fn: Callable) -> bool:
    """Whether ``fn`` was marked by :func:`writes_into_input`."""
    return getattr(fn, "writes_into_input", False)


@contextmanager
def offering(array: np.ndarray) -> Iterator[None]:
    """Offer ``array`` to the primitive that computes the in-place op running inside."""
    outer = getattr(_offer, "array", None)
    _offer.array = array
    try:
        yield
    finally:
        _offer.array = outer


def take(x: np.ndarray) -> np.ndarray | None:
    """``x`` itself when it is the offered array and writable (the primitive then writes its
    result into it), else None; the offer is taken at most once."""
    offered = getattr(_offer, "array", None)
    if offered is None or offered is not x or not x.flags.writeable:
        return None
    _offer.array = None
    return x
