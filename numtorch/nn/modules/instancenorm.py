"""Instance normalisation layers: ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d``
and their lazy forms (``LazyInstanceNorm1d``, ...).

Each channel of each sample is normalised over its own spatial elements. The state is
BatchNorm's (``weight``/``bias`` when ``affine``, running statistics when
``track_running_stats``), with PyTorch's defaults ``affine=False, track_running_stats=False``.
Paper: Ulyanov et al., "Instance Normalization: The Missing Ingredient for Fast Stylization",
2016 (https://arxiv.org/abs/1607.08022).
"""

from __future__ import annotations

import warnings
from typing import Any

from numtorch.nn.functional.normalization import instance_norm
from numtorch.nn.modules.batchnorm import _BatchNorm, _expect_dims, _LazyNormBase
from numtorch.tensor import Tensor

__all__ = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]


class _InstanceNorm(_BatchNorm):
    _is_instance_norm = True
    _no_batch_dim = 0
    _dims_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def _check_input_dim(self, input: Tensor) -> None:
        n = self._no_batch_dim
        _expect_dims(input, (n, n + 1), self._dims_text)

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features"
                    f" ({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        if input.dim() == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors
    ) -> None:
        # Checkpoints from before PyTorch 0.4 carry running statistics this layer does not
        # track: report and drop them, as PyTorch does.
        if local_metadata.get("version", None) is None and not self.track_running_stats:
            keys = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if keys:
                klass = type(self).__name__
                errors.append(
                    f"Unexpected running stats buffer(s) {' and '.join(repr(k).replace(chr(39), chr(34)) for k in keys)} "
                    f"for {klass} with track_running_stats=False. If state_dict is a checkpoint "
                    "saved before 0.4.0, this may be expected because "
                    f"{klass} does not track running stats by default since 0.4.0. Please remove "
                    "these keys from state_dict. If the running stats are actually needed, "
                    f"instead set track_running_stats=True in {klass} to enable them. See the "
                    f"documentation of {klass} for details."
                )
                for key in keys:
                    state_dict.pop(key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over (N, C, L) or unbatched (C, L) input.

    Example:
        >>> import numtorch as torch
        >>> torch.nn.InstanceNorm1d(4)
        InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _no_batch_dim, _dims_text = 2, "2D or 3D"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over (N, C, H, W) or unbatched (C, H, W) input (style transfer's
    normalisation)."""

    _no_batch_dim, _dims_text = 3, "3D or 4D"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over (N, C, D, H, W) or unbatched (C, D, H, W) input."""

    _no_batch_dim, _dims_text = 4, "4D or 5D"


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm1d`` with ``num_features`` inferred from the first input (``input.size(1)``)
    and the lazy layers' defaults ``affine=True, track_running_stats=True``."""

    cls_to_become = InstanceNorm1d
    _no_batch_dim, _dims_text = 2, "2D or 3D"


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm2d`` with ``num_features`` inferred from the first input."""

    cls_to_become = InstanceNorm2d
    _no_batch_dim, _dims_text = 3, "3D or 4D"


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm3d`` with ``num_features`` inferred from the first input."""

    cls_to_become = InstanceNorm3d
    _no_batch_dim, _dims_text = 4, "4D or 5D"
