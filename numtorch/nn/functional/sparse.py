"""Index-to-vector functions (PyTorch's "sparse functions" section): ``one_hot``,
``embedding`` and ``embedding_bag`` (with ``embedding_renorm_``, what ``max_norm`` runs)."""

from __future__ import annotations

import numpy as np

from numtorch._checks import check_tensor
from numtorch._checks import type_name as _type_name
from numtorch._dtype import int32, int64
from numtorch.autograd.grad_mode import no_grad
from numtorch.ops.embedding import MODES, Embedding, EmbeddingBag
from numtorch.tensor import Tensor

__all__ = ["one_hot", "embedding", "embedding_bag"]


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


def _check_indices(indices: Tensor, fn: str, argument: str = "indices") -> np.ndarray:
    if indices.dtype not in (int64, int32):
        raise RuntimeError(
            f"Expected tensor for argument #1 '{argument}' to have one of the following scalar "
            f"types: Long, Int; but got torch.{_type_name(indices.dtype)}Tensor instead (while "
            f"checking arguments for {fn})"
        )
    return indices._data


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int:
    """PyTorch's normalisation of ``padding_idx``: -1 for none, negatives counted from the end."""
    if padding_idx is None:
        return -1
    if padding_idx >= num_embeddings or padding_idx < -num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _check_range(flat: np.ndarray, num_embeddings: int) -> None:
    if flat.size and (flat.min() < 0 or flat.max() >= num_embeddings):
        raise IndexError("index out of range in self")


def embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale, in place, each row of ``weight`` that ``input`` refers to whose ``norm_type``
    norm exceeds ``max_norm``, to norm ``max_norm`` (PyTorch's ``max_norm / (norm + 1e-7)``)."""
    rows = np.unique(_check_indices(input, "embedding_renorm_").reshape(-1))
    _check_range(rows, weight.shape[0])
    with no_grad():
        table = weight._data
        norms = np.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
        over = norms > max_norm
        scale = (max_norm / (norms[over] + 1e-7)).astype(table.dtype)
        table[rows[over]] *= scale[:, None]
        weight._version[0] += 1
    return weight


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) by the integer ``input`` of any
    shape: the result has shape ``input.shape + (embedding_dim,)``.

    ``padding_idx``'s row gets no gradient; ``max_norm`` first renormalises, in place, the rows
    used; ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.
    ``sparse=True`` (a sparse gradient) is refused: numtorch's gradients are dense.

    Example:
        >>> import numtorch as torch
        >>> table = torch.arange(6.0).reshape(3, 2)
        >>> torch.nn.functional.embedding(torch.tensor([[2, 0]]), table).tolist()
        [[[4.0, 5.0], [0.0, 1.0]]]
    """
    check_tensor(input, "embedding", "indices", 2)
    check_tensor(weight, "embedding", "weight", 1)
    _check_sparse(sparse)
    padding = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, input.contiguous(), max_norm, norm_type)
    indices = _check_indices(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_range(indices, weight.shape[0])
    return Embedding.apply(weight, indices=indices, padding_idx=padding, by_freq=scale_grad_by_freq)


def _check_sparse(sparse: bool) -> None:
    if sparse:
        raise NotImplementedError(
            "sparse=True asks for a sparse weight gradient, and numtorch has no sparse tensors; "
            "use sparse=False (a dense gradient, which every numtorch optimizer accepts)"
        )


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple:
    """``(flat indices, bag starts)`` from a 2-D input (fixed-length bags) or a 1-D input with
    ``offsets``, with PyTorch's checks."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}"
            )
        flat = _check_indices(input, "embedding_bag").reshape(-1)
        return flat, np.arange(0, flat.size, max(input.shape[1], 1))[: input.shape[0]]
    if input.ndim != 1:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}"
        )
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    flat = _check_indices(input, "embedding_bag")
    starts = _check_indices(offsets, "embedding_bag").astype(np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {starts[0]}"
        )
    if starts.size and starts[-1] > flat.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {flat.size} but got "
            f"offsets[-1] of {starts[-1]}"
        )
    return flat, starts[:-1] if include_last_offset else starts


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sum, mean or maximum of the ``weight`` rows of each bag of indices, without building the
    (indices, embedding_dim) rows: bags are the rows of a 2-D ``input``, or the slices of a 1-D
    ``input`` starting at ``offsets``. ``per_sample_weights`` scales each row (sum mode only);
    ``padding_idx``'s rows are left out of every bag (and of the mean's count); an empty bag
    gives zeros. ``scale_grad_by_freq`` divides each row's gradient by the row's count in
    ``input``, as ``embedding`` does (PyTorch 2.13's CPU kernel divides by the count of
    another index whenever an index repeats; numtorch keeps the documented rule)."""
    check_tensor(input, "embedding_bag", "input", 1)
    check_tensor(weight, "embedding_bag", "weight", 2)
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape})"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    flat, starts = _bags(input, offsets, include_last_offset)
    if mode not in MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    _check_sparse(sparse)
    if max_norm is not None:
        embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )
    _check_range(flat, weight.shape[0])
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    return EmbeddingBag.apply(
        weight,
        psw,
        indices=flat,
        offsets=starts,
        mode=mode,
        padding_idx=_padding_index(padding_idx, weight.shape[0]),
        by_freq=scale_grad_by_freq,
    )
