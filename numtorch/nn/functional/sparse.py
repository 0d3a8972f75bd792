"""Index-to-vector functions (PyTorch's "sparse functions" section): ``one_hot``."""

from __future__ import annotations

import numpy as np

from numtorch._checks import check_tensor
from numtorch._dtype import int64
from numtorch.tensor import Tensor

__all__ = ["one_hot"]


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """Turn int64 class indices of any shape into one-hot vectors along a new last dimension.

    The result has shape ``input.shape + (num_classes,)`` and dtype int64, as in PyTorch.
    ``num_classes=-1`` uses one more than the largest index. Errors are PyTorch's: a non-int64
    input, a negative index, an index ``>= num_classes`` and ``num_classes <= 0`` on an empty
    input raise ``RuntimeError``. The result is a new tensor with no gradient (indices have none).

    Example:
        >>> import numtorch as torch
        >>> torch.nn.functional.one_hot(torch.tensor([0, 2, 1]))
        tensor([[1, 0, 0],
                [0, 0, 1],
                [0, 1, 0]])
    """
    check_tensor(input, "one_hot")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(
            f"one_hot(): argument 'num_classes' (position 2) must be int, not {type(num_classes).__name__}"
        )
    if input.dtype is not int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = input._data
    num_classes = int(num_classes)
    if idx.size == 0:
        if num_classes <= 0:  # PyTorch's check: 0 and -1 alike
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(idx.max()) + 1
        elif idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    if idx.size:
        np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return Tensor._make(out)
