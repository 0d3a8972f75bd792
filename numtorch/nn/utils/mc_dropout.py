"""Monte-Carlo dropout (Gal & Ghahramani, 2016, https://arxiv.org/abs/1506.02142): keep the
dropout layers sampling at test time and read the spread of the predictions as uncertainty."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from numtorch._namespace.shape import stack
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn.modules.dropout import _DropoutNd
from numtorch.nn.modules.module import Module
from numtorch.tensor import Tensor

__all__ = ["mc_dropout", "mc_dropout_predict"]


@contextmanager
def mc_dropout(model: Module) -> Iterator[Module]:
    """Put ``model`` in eval mode except its dropout layers, which sample as in training.

    BatchNorm and every other layer behave as at inference (frozen running statistics), while
    each forward draws fresh dropout masks. On exit every module gets back the exact mode it
    had before, whatever it was. The dropout layers are the ``numtorch.nn`` dropout family
    (``Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout``, ``FeatureAlphaDropout``); functional
    dropout called with ``training=self.training`` follows its module and stays off.

    Example:
        >>> import numtorch as torch
        >>> from numtorch import nn
        >>> from numtorch.nn.utils import mc_dropout
        >>> net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
        >>> with mc_dropout(net):
        ...     print(net.training, net[1].training)
        False True
        >>> net.training, net[1].training
        (True, True)
    """
    if not isinstance(model, Module):
        raise TypeError(f"mc_dropout expects an nn.Module, but got {type(model).__name__}")
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        for m, _ in modes:
            if isinstance(m, _DropoutNd):
                m.training = True
        yield model
    finally:
        for m, mode in modes:
            m.training = mode


def mc_dropout_predict(
    model: Module, input: Tensor, num_samples: int = 30
) -> tuple[Tensor, Tensor]:
    """Predictive mean and variance of ``model(input)`` over ``num_samples`` dropout masks.

    Runs ``num_samples`` stochastic forward passes inside ``mc_dropout(model)`` without
    recording gradients. The mean is the Monte-Carlo prediction (usually better calibrated than
    one eval-mode pass); the variance (unbiased, over the passes, per output element) estimates
    the model's uncertainty: large where the prediction depends on which features happen to be
    dropped, e.g. inputs unlike the training data. Seed with ``numtorch.manual_seed`` for
    reproducible estimates.

    Returns:
        ``(mean, variance)``, each shaped like one output of ``model``.
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 2:
        raise ValueError(
            f"mc_dropout_predict needs an integer num_samples >= 2 to estimate a variance, "
            f"but got {num_samples!r}"
        )
    with no_grad(), mc_dropout(model):
        samples = stack([model(input) for _ in range(num_samples)])
    return samples.mean(0), samples.var(0)
