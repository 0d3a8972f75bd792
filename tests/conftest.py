"""pytest configuration: the oracle must be present, and each test starts from a known seed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

try:
    import torch  # noqa: F401  (the numerical oracle: a missing torch is a failure, not a skip)
except ImportError as err:  # pragma: no cover
    raise RuntimeError(
        "PyTorch (torch==2.13.0) is required to run numtorch's tests: pip install -e '.[test]'"
    ) from err

import numtorch

# Property tests (tests/property/): CI runs a fixed, derandomised set of examples so a run is
# deterministic and bounded; ``--hypothesis-profile=long`` draws many more for release checks.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("hypothesis_profile", default=None)
    settings.load_profile(profile or "ci")


@pytest.fixture(autouse=True)
def _seed() -> None:
    numtorch.manual_seed(0)
    torch.manual_seed(0)
