"""``torch.distributions`` against PyTorch's: densities, moments, entropies, CDFs and their
gradients, sample shapes and supports, validation errors, ``expand``, ``repr`` and the KL
divergences between pairs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import check_error, parity

import numtorch


def _t(lib, values, requires_grad=False):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


# name -> (constructor(lib, params), parameter values, a value in the support)
_DISTS = {
    "Normal": (lambda D, p: D.Normal(*p), [[0.0, 1.5], [1.0, 2.0]], [0.3, -1.0]),
    "Laplace": (lambda D, p: D.Laplace(*p), [[0.0, 1.5], [1.0, 2.0]], [0.3, -1.0]),
    "Uniform": (lambda D, p: D.Uniform(*p), [[0.0, -1.0], [1.0, 2.0]], [0.3, 1.5]),
    "Exponential": (lambda D, p: D.Exponential(*p), [[0.5, 2.0]], [0.3, 1.5]),
    "Bernoulli probs": (lambda D, p: D.Bernoulli(probs=p[0]), [[0.2, 0.7]], [1.0, 0.0]),
    "Bernoulli logits": (lambda D, p: D.Bernoulli(logits=p[0]), [[-1.0, 2.0]], [1.0, 0.0]),
    "Categorical": (
        lambda D, p: D.Categorical(probs=p[0]),
        [[[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]],
        [2, 0],
    ),
    "Categorical logits": (
        lambda D, p: D.Categorical(logits=p[0]),
        [[[1.0, -0.5, 0.3], [0.0, 2.0, -1.0]]],
        [1, 2],
    ),
    "OneHotCategorical": (
        lambda D, p: D.OneHotCategorical(logits=p[0]),
        [[[1.0, -0.5, 0.3], [0.0, 2.0, -1.0]]],
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
    ),
    "MultivariateNormal": (
        lambda D, p: D.MultivariateNormal(p[0], scale_tril=p[1]),
        [[0.5, -1.0], [[1.0, 0.0], [0.3, 0.8]]],
        [0.2, 0.1],
    ),
    "MultivariateNormal covariance": (
        lambda D, p: D.MultivariateNormal(p[0], covariance_matrix=p[1]),
        [[0.5, -1.0], [[2.0, 0.3], [0.3, 1.0]]],
        [0.2, 0.1],
    ),
    "Independent Normal": (
        lambda D, p: D.Independent(D.Normal(*p), 1),
        [[0.0, 1.5], [1.0, 2.0]],
        [0.3, -1.0],
    ),
}
_METHODS = ("log_prob", "entropy", "mean", "variance", "stddev", "mode", "cdf", "icdf")


def _build(lib, name, grad=False):
    make, params, value = _DISTS[name]
    ps = [_t(lib, p, requires_grad=grad) for p in params]
    return make(lib.distributions, ps), ps, value


@pytest.mark.parametrize("name", _DISTS)
def test_densities_moments_and_their_gradients(name) -> None:
    def run(lib):
        dist, params, value = _build(lib, name, grad=True)
        value = lib.tensor(
            value, dtype=lib.int64 if "Categorical" == name.split()[0] else lib.float64
        )
        record = {
            "repr": repr(dist),
            "batch": list(dist.batch_shape),
            "event": list(dist.event_shape),
        }
        for method in _METHODS:
            try:
                attr = getattr(dist, method)
                if method == "icdf":
                    out = attr(lib.tensor([0.25, 0.6], dtype=lib.float64))
                elif callable(attr):
                    out = attr(value) if method in ("log_prob", "cdf") else attr()
                else:
                    out = attr
            except NotImplementedError as err:
                record[method] = ("NotImplementedError", str(err).split(" ")[-1])
                continue
            record[method] = out
            if out.dtype.is_floating_point and out.requires_grad:
                grads = lib.autograd.grad(out.sum(), params, allow_unused=True, retain_graph=True)
                record[method + " grads"] = [g for g in grads if g is not None]
        return record

    parity(run)


@pytest.mark.parametrize("name", _DISTS)
def test_samples_have_the_right_shape_and_lie_in_the_support(name) -> None:
    numtorch.manual_seed(0)
    dist, params, _ = _build(numtorch, name)
    tdist, _, _ = _build(torch, name)
    for shape in [(), (5,), (2, 3)]:
        s = dist.sample(shape)
        assert tuple(s.shape) == tuple(tdist.sample(shape).shape)
        assert s.dtype.name == str(tdist.sample(shape).dtype).replace("torch.", "")
        assert bool(dist.support.check(s).all())


def test_sample_statistics_match_the_distribution() -> None:
    numtorch.manual_seed(1)
    D = numtorch.distributions
    for dist in [
        D.Normal(numtorch.tensor(2.0), numtorch.tensor(0.5)),
        D.Exponential(numtorch.tensor(3.0)),
        D.Bernoulli(probs=numtorch.tensor(0.3)),
        D.Laplace(numtorch.tensor(-1.0), numtorch.tensor(2.0)),
    ]:
        s = dist.sample((20000,)).double()
        assert abs(s.mean().item() - dist.mean.item()) < 5 * dist.stddev.item() / 141
        assert abs(s.var().item() / dist.variance.item() - 1) < 0.05
    counts = np.bincount(
        D.Categorical(probs=numtorch.tensor([0.2, 0.3, 0.5])).sample((20000,)).numpy(), minlength=3
    )
    np.testing.assert_allclose(counts / 20000, [0.2, 0.3, 0.5], atol=0.015)


def test_rsample_is_differentiable_and_reproducible() -> None:
    D = numtorch.distributions
    loc, scale = _t(numtorch, [0.5, -1.0], True), _t(numtorch, [2.0, 0.5], True)
    numtorch.manual_seed(3)
    x = D.Normal(loc, scale).rsample((4,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(
        scale.grad.numpy(), ((x.detach() - loc.detach()) / scale.detach()).sum(0).numpy()
    )
    numtorch.manual_seed(3)
    np.testing.assert_array_equal(
        D.Normal(loc, scale).rsample((4,)).detach().numpy(), x.detach().numpy()
    )
    assert not D.Normal(loc, scale).sample().requires_grad


_KL_PAIRS = [
    ("Normal", "Normal"),
    ("Laplace", "Laplace"),
    ("Exponential", "Exponential"),
    ("Bernoulli probs", "Bernoulli logits"),
    ("Categorical", "Categorical logits"),
    ("OneHotCategorical", "OneHotCategorical"),
    ("MultivariateNormal", "MultivariateNormal covariance"),
    ("Independent Normal", "Independent Normal"),
    ("Uniform", "Normal"),
    ("Normal", "Laplace"),
    ("Laplace", "Normal"),
    ("Exponential", "Normal"),
    ("Normal", "Uniform"),
    ("Normal", "Exponential"),
    ("Exponential", "Uniform"),
    ("Laplace", "Uniform"),
    ("Laplace", "Exponential"),
]


@pytest.mark.parametrize(("p", "q"), _KL_PAIRS, ids=[f"{p}-{q}" for p, q in _KL_PAIRS])
def test_kl_divergence(p, q) -> None:
    def run(lib):
        dp, params, _ = _build(lib, p, grad=True)
        dq, _, _ = _build(lib, q)
        kl = lib.distributions.kl_divergence(dp, dq)
        return kl, kl.requires_grad and lib.autograd.grad(kl.sum(), params)

    parity(run)


def test_kl_of_an_unregistered_pair_raises() -> None:
    check_error(
        lambda lib: lib.distributions.kl_divergence(
            _build(lib, "Categorical")[0], _build(lib, "Normal")[0]
        ),
        "No KL\\(p \\|\\| q\\) is implemented for p type Categorical and q type Normal",
        NotImplementedError,
    )


def test_validation_errors_as_pytorch() -> None:
    check_error(
        lambda lib: lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0])),
        r"Expected parameter scale \(Tensor of shape \(1,\)\) of distribution Normal\(loc: "
        r"tensor\(\[0\.\]\), scale: tensor\(\[-1\.\]\)\) to satisfy the constraint "
        r"GreaterThan\(lower_bound=0\.0\), but found invalid values",
        ValueError,
    )
    check_error(
        lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.5])).log_prob(
            lib.tensor([0.5])
        ),
        r"Expected value argument \(Tensor of shape \(1,\)\) to be within the support "
        r"\(Boolean\(\)\) of the distribution Bernoulli",
        ValueError,
    )
    check_error(
        lambda lib: lib.distributions.Categorical(
            probs=lib.tensor([0.5, 0.5]), logits=lib.tensor([0.0, 0.0])
        ),
        "Either `probs` or `logits` must be specified, but not both.",
        ValueError,
    )

    def unvalidated(lib):
        dist = lib.distributions.Normal(0.0, -1.0, validate_args=False)
        return dist.scale

    parity(unvalidated)


def test_expand_enumerate_support_and_perplexity() -> None:
    def run(lib):
        D = lib.distributions
        n = D.Normal(_t(lib, 0.0), _t(lib, 1.0)).expand([2, 3])
        b = D.Bernoulli(probs=_t(lib, [0.2, 0.7]))
        c = D.Categorical(probs=_t(lib, [0.2, 0.3, 0.5]))
        return (
            list(n.batch_shape),
            n.log_prob(_t(lib, [[0.0, 1.0, 2.0], [0.5, 0.5, 0.5]])),
            b.enumerate_support(),
            c.enumerate_support(expand=False),
            c.perplexity(),
        )

    parity(run)


def test_deprecated_sample_n_warns() -> None:
    dist = numtorch.distributions.Normal(0.0, 1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tuple(dist.sample_n(3).shape) == (3,)
    assert any(issubclass(w.category, FutureWarning) for w in caught)
