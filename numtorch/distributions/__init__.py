"""``torch.distributions``: probability distributions with PyTorch's API — parameters and
their constraints, ``sample``/``rsample`` (reparameterised, differentiable), ``log_prob``,
``entropy``, ``cdf``/``icdf``, moments, ``expand`` — and ``kl_divergence``.

Ported from PyTorch 2.13's ``torch/distributions`` (BSD-3-Clause), which is written on the
tensor API numtorch provides, for the distributions reinforcement learning and variational
autoencoders use most: ``Normal``, ``MultivariateNormal``, ``Bernoulli``, ``Categorical``,
``OneHotCategorical``, ``Uniform``, ``Exponential``, ``Laplace`` and ``Independent``. Samples
come from numtorch's random stream (``manual_seed``), so they differ from PyTorch's numbers;
densities, moments, entropies and divergences are PyTorch's. Validation is on by default, as in
PyTorch (``Distribution.set_default_validate_args``).
"""

from numtorch.distributions import constraints
from numtorch.distributions.bernoulli import Bernoulli
from numtorch.distributions.categorical import Categorical
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.exp_family import ExponentialFamily
from numtorch.distributions.exponential import Exponential
from numtorch.distributions.independent import Independent
from numtorch.distributions.kl import kl_divergence, register_kl
from numtorch.distributions.laplace import Laplace
from numtorch.distributions.multivariate_normal import MultivariateNormal
from numtorch.distributions.normal import Normal
from numtorch.distributions.one_hot_categorical import OneHotCategorical
from numtorch.distributions.uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Exponential",
    "ExponentialFamily",
    "Independent",
    "Laplace",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
