"""The dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``, ``AlphaDropout``
and ``FeatureAlphaDropout``. Each is a thin layer over one mechanism in
``numtorch.nn.functional.dropout``; the layers differ only in the mask's shape.

Two things PyTorch's layers lack: ``p`` is read-only (the spec says so), and ``last_mask``
shows which elements or feature maps the last training-mode forward kept.
"""

from __future__ import annotations

import numpy as np

from numtorch.nn.functional.dropout import _check_p, _dropout
from numtorch.nn.modules.module import Module
from numtorch.ops.dropout import unpack_mask
from numtorch.tensor import Tensor

__all__ = [
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "AlphaDropout",
    "FeatureAlphaDropout",
]


class _DropoutNd(Module):
    """What every dropout layer shares: a read-only ``p``, ``inplace``, and ``last_mask``.

    Subclasses set ``_kind`` (the mask's shape, see ``_mask_dims``) and ``_alpha``.
    """

    _kind = "element"
    _alpha = False

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self._p = p
        self.inplace = inplace
        self._last_mask: np.ndarray | None = None
        self._last_shape: tuple = ()

    @property
    def p(self) -> float:
        """The probability of dropping, fixed at construction.

        Read-only, as the spec says: assigning raises ``AttributeError``. (PyTorch lets you
        assign ``p``; build a new layer instead.)
        """
        return self._p

    @p.setter
    def p(self, value: float) -> None:
        name = type(self).__name__
        raise AttributeError(
            f"{name}.p is read-only (fixed at construction); create a new {name}(p={value!r}) "
            "instead"
        )

    @property
    def last_mask(self) -> Tensor | None:
        """The keep-mask of the last training-mode forward (True = kept), or None before one.

        Shape ``(N, C)`` for the feature layers (``(C,)`` for unbatched input), so a user can
        inspect or plot which feature maps were zeroed; the input's shape for ``Dropout`` and
        ``AlphaDropout``. For the feature layers it is the array the forward drew (one byte per
        entry, no copy); the element-wise layers keep their mask packed, one bit per element,
        and unpack it here. Kept until the next training-mode forward; eval-mode forwards leave
        it unchanged.
        """
        keep = self._last_mask
        if keep is not None and keep.dtype == np.uint8:
            keep = unpack_mask(keep, self._last_shape)
        return None if keep is None else Tensor._make(keep)

    def forward(self, input: Tensor) -> Tensor:
        out, keep = _dropout(input, self.p, self.training, self.inplace, self._kind, self._alpha)
        if keep is not None:  # plain attributes: skip Module.__setattr__'s checks
            self.__dict__.update(_last_mask=keep, _last_shape=tuple(input.shape))
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, zero each element independently with probability ``p``.

    Kept elements are scaled by ``1/(1-p)`` so the expected output equals the input; in eval
    mode the layer returns its input unchanged. Dropout regularises a network by preventing
    co-adaptation of units (Hinton et al., 2012, https://arxiv.org/abs/1207.0580).

    Args:
        p: probability of an element to be zeroed. Default: 0.5. Read-only.
        inplace: overwrite the input with the result. Default: False.

    Shape:
        Input and output: ``(*)``, any shape.
    """


class Dropout1d(_DropoutNd):
    """During training, zero whole channels of 1-D feature maps, e.g. from ``Conv1d``.

    Each ``input[n, c, :]`` is zeroed with probability ``p`` (else scaled by ``1/(1-p)``),
    independently per sample and channel. See ``Dropout2d`` for why.

    Args:
        p: probability of a channel to be zeroed. Default: 0.5. Read-only.
        inplace: overwrite the input with the result. Default: False.

    Shape:
        Input and output: ``(N, C, L)`` or unbatched ``(C, L)``. Other ranks raise
        ``ValueError`` (also a ``RuntimeError``, PyTorch's type).
    """

    _kind = "1d"


class Dropout2d(_DropoutNd):
    """During training, zero whole 2-D feature maps (channels) of image-like input.

    For input ``(N, C, H, W)`` the layer draws one keep decision per sample and channel,
    ``M ~ Bernoulli(1 - p)`` of shape ``(N, C, 1, 1)``, and returns ``M * x / (1 - p)``: a
    channel is either zeroed at every one of its ``H x W`` positions or kept whole and scaled,
    so the expected output equals the input. Each sample gets its own mask. In eval mode
    (``.eval()``) the layer returns its input itself: no copy, no random draw.

    Why whole maps: the filters of a convolutional network produce spatial patterns, and
    neighbouring pixels of a map are strongly correlated. Dropping single pixels (``Dropout``)
    barely regularises such maps (the neighbours carry the same information) and breaks the
    patterns; dropping a whole map removes a feature, which stops feature maps co-adapting and
    acts as a stochastic selection among the learned filters (Tompson et al., 2015,
    https://arxiv.org/abs/1411.4280).

    When to use it: after ``Conv2d`` layers in image classifiers, detection backbones and
    segmentation encoders (ResNet- and VGG-style networks), wherever features are spatially
    coherent. Trade-offs against ``Dropout``: it keeps spatial structure and suits CNNs better,
    but it regularises more strongly (large regions vanish at once), and it assumes each channel
    is one coherent unit, independent of the others. It expects ``(N, C, H, W)`` input, as
    ``Conv2d`` produces; remember ``.train()``/``.eval()``.

    Args:
        p: probability of a feature map to be zeroed. Default: 0.5. **Read-only**: assigning
            raises ``AttributeError`` (PyTorch allows it; the spec makes it read-only).
        inplace: overwrite the input with the result. Default: False.

    Shape:
        Input and output: ``(N, C, H, W)`` or unbatched ``(C, H, W)``. PyTorch documents
        ``(C, H, W)`` as unbatched and announces that reading, though its code still treats 3-D
        input as ``(N, C, L)`` with a warning; numtorch implements the documented reading.
        2-D input warns with PyTorch's words and drops each element, as PyTorch does; other
        ranks raise ``ValueError`` (5-D input belongs to ``Dropout3d``), where PyTorch warns
        that they will be an error in a future release.

    Dropped maps are exactly 0, even where the input held NaN or inf (PyTorch leaves NaN).
    ``p = 0`` returns the input itself, as PyTorch does; ``p = 1`` gives zeros and zero
    gradients. After a training-mode forward, ``last_mask`` holds the ``(N, C)`` keep-mask.

    Example:
        >>> import numtorch as torch
        >>> _ = torch.manual_seed(0)
        >>> m = torch.nn.Dropout2d(p=0.5)
        >>> x = torch.ones(2, 4, 3, 3)
        >>> y = m(x)  # each 3x3 map is all 0 or all 2 = 1 / (1 - p)
        >>> per_map = y.sum((2, 3))
        >>> bool(((per_map == 0) | (per_map == 18)).all())
        True
        >>> bool(((per_map == 18) == m.last_mask).all())
        True
        >>> m.eval()(x) is x
        True
        >>> m
        Dropout2d(p=0.5, inplace=False)
    """

    _kind = "2d"


class Dropout3d(_DropoutNd):
    """During training, zero whole 3-D feature maps (channels), e.g. from ``Conv3d``.

    Each ``input[n, c]`` volume is zeroed with probability ``p`` (else scaled by ``1/(1-p)``).
    See ``Dropout2d`` for why.

    Args:
        p: probability of a channel to be zeroed. Default: 0.5. Read-only.
        inplace: overwrite the input with the result. Default: False.

    Shape:
        Input and output: ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``. Other ranks raise
        ``ValueError`` (PyTorch warns).
    """

    _kind = "3d"


class AlphaDropout(_DropoutNd):
    """Dropout that keeps a SELU network self-normalising (Klambauer et al., 2017,
    https://arxiv.org/abs/1706.02515).

    A dropped element is set to SELU's negative saturation value and everything is then scaled
    and shifted (PyTorch's constants) so that zero-mean, unit-variance input keeps mean 0 and
    variance 1. Use it with ``SELU`` activations, not ``ReLU``.

    Args:
        p: probability of an element to be dropped. Default: 0.5. Read-only.
        inplace: overwrite the input with the result. Default: False. (PyTorch's layer ignores
            it; numtorch honours it.)

    Shape:
        Input and output: ``(*)``, any shape.
    """

    _alpha = True


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels: one decision per (sample, channel) pair.

    The channel-wise counterpart of ``AlphaDropout`` for SELU convolutional networks. As in
    PyTorch's code, the first two dimensions are always (N, C), for any rank >= 2.

    Args:
        p: probability of a channel to be dropped. Default: 0.5. Read-only.
        inplace: overwrite the input with the result. Default: False. (PyTorch's layer ignores
            it; numtorch honours it.)

    Shape:
        Input and output: ``(N, C, *)``.
    """

    _kind = "feature"
    _alpha = True
