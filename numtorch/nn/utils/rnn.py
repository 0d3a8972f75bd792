"""Variable-length batches for the recurrent layers: ``PackedSequence`` and
``pack_padded_sequence``, ``pad_packed_sequence``, ``pad_sequence``, ``pack_sequence``,
``unpad_sequence``, ``unpack_sequence`` (PyTorch's ``torch.nn.utils.rnn``).

A packed sequence stores the time steps one after another, step ``t`` holding the first
``batch_sizes[t]`` sequences (sorted by decreasing length; ``sorted_indices`` maps back).
Packing and padding are differentiable: gradients flow between the padded and packed forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from numtorch import _dtype
from numtorch import _namespace as _ops
from numtorch.tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """The data and batch sizes of a packed batch of sequences (build it with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand)."""

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence(*packed) from a (data, batch_sizes) pair
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same sequence with ``data`` converted (``batch_sizes`` stays int64 on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=_dtype.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dtype.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_dtype.float16)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``range(n)`` (None stays None)."""
    if permutation is None:
        return None
    inverse = np.empty_like(permutation._data)
    inverse[permutation._data] = np.arange(permutation.numel())
    return Tensor._make(inverse)


def _lengths(lengths: Any) -> np.ndarray:
    data = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    return data.astype(np.int64).reshape(-1)


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | Sequence[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of the
    given ``lengths``. With ``enforce_sorted`` the lengths must not increase; otherwise the
    batch is sorted here and ``sorted_indices`` records how."""
    lengths_np = _lengths(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths_np, kind="stable")
        lengths_np = lengths_np[order]
        sorted_indices = Tensor._make(order.astype(np.int64))
        input = input[:, order] if not batch_first else input[order]
    if lengths_np.size and lengths_np.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if enforce_sorted and np.any(np.diff(lengths_np) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
            "to sidestep this requirement if you do not need ONNX exportability."
        )
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths_np.size and lengths_np[0] > steps:
        raise RuntimeError(
            f"Expected sequence length to be larger than or equal to {lengths_np[0]} (got {steps})"
        )
    batch_sizes = (
        lengths_np[None, :] > np.arange(int(lengths_np[0]) if lengths_np.size else 0)[:, None]
    ).sum(1)
    rows = np.concatenate([t * batch + np.arange(n) for t, n in enumerate(batch_sizes)])
    data = input.reshape(steps * batch, *input.shape[2:])[Tensor._make(rows.astype(np.int64))]
    return PackedSequence(data, Tensor._make(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded batch (T, B, *) (or (B, T, *)) of a packed sequence, in the original batch
    order, and the lengths of its sequences."""
    data, batch_sizes = sequence.data, sequence.batch_sizes._data
    steps, batch = len(batch_sizes), int(batch_sizes[0]) if len(batch_sizes) else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps_out = total_length
    else:
        steps_out = steps
    index = np.full((steps_out, batch), data.shape[0], np.int64)
    start = 0
    for t, n in enumerate(batch_sizes):
        index[t, :n] = start + np.arange(n)
        start += int(n)
    fill = _ops.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = _ops.cat([data, fill])[Tensor._make(index)]
    lengths = _sorted_lengths(batch_sizes)
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices._data
        padded = padded[:, Tensor._make(order)]
        lengths = lengths[order]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths.astype(np.int64))


def _sorted_lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """The length of each (sorted) sequence: how many steps have it in their batch."""
    batch = int(batch_sizes[0]) if len(batch_sizes) else 0
    return (np.asarray(batch_sizes)[:, None] > np.arange(batch)[None, :]).sum(0)


def pad_sequence(
    sequences: Tensor | Iterable[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes (L_i, *) into (T, B, *) (or (B, T, *)), padding each to the
    longest with ``padding_value`` on the right (or the left)."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    sequences = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    rest = tuple(sequences[0].shape[1:])
    data = _ops.cat(
        list(sequences) + [_ops.full((1, *rest), padding_value, dtype=sequences[0].dtype)]
    )
    index = np.full((longest, len(sequences)), data.shape[0] - 1, np.int64)
    start = 0
    for b, s in enumerate(sequences):
        n = s.shape[0]
        rows = start + np.arange(n)
        if padding_side == "right":
            index[:n, b] = rows
        else:
            index[longest - n :, b] = rows
        start += n
    padded = data[Tensor._make(index)]
    return padded.transpose(0, 1) if batch_first else padded


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False
) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length (the inverse of ``pad_sequence``)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences, _lengths(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes (L_i, *) (longest first, unless ``enforce_sorted``
    is False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences of a packed batch, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
