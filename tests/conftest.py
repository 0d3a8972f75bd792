"""pytest configuration: the oracle must be present, and each test starts from a known seed."""

from __future__ import annotations

import pytest

try:
    import torch  # noqa: F401  (the numerical oracle: a missing torch is a failure, not a skip)
except ImportError as err:  # pragma: no cover
    raise RuntimeError(
        "PyTorch (torch==2.13.0) is required to run numtorch's tests: pip install -e '.[test]'"
    ) from err

import numtorch


@pytest.fixture(autouse=True)
def _seed() -> None:
    numtorch.manual_seed(0)
    torch.manual_seed(0)
