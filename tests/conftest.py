"""pytest configuration: the oracle must be present, each test starts from a known seed, and
the training runs the subprocess suites read are made once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

try:
    import torch  # noqa: F401  (the numerical oracle: a missing torch is a failure, not a skip)
except ImportError as err:  # pragma: no cover
    raise RuntimeError(
        "PyTorch (torch==2.13.0) is required to run numtorch's tests: pip install -e '.[test]'"
    ) from err

import numtorch
from numtorch.autograd import function

# Every node keeps its arrays through save_for_backward, where the version check sees them.
function.STRICT = True

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


@pytest.fixture
def path():
    """``path(name)`` forces a kernel path (``numtorch._kernels._reset``: "numba" or "numpy")
    for the rest of the test; the environment's choice is restored afterwards."""
    from numtorch import _kernels

    yield _kernels._reset
    _kernels._reset()


@pytest.fixture(autouse=True)
def _seed() -> None:
    numtorch.manual_seed(0)
    torch.manual_seed(0)


ROOT = Path(__file__).resolve().parents[1]

# One BLAS thread per process: the three runs go side by side without oversubscribing the CPU.
_THREADS = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _start_training(out: Path, seed: int, hash_seed: int) -> subprocess.Popen:
    """One epoch of the bundled digits run, ``python -m numtorch train``, in a fresh interpreter."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED=str(hash_seed), **_THREADS)
    cmd = [sys.executable, "-m", "numtorch", "train", "--epochs", "1", "--batch-size", "64"]
    cmd += ["--seed", str(seed), "--out", str(out)]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture(scope="session")
def training_runs(tmp_path_factory) -> dict[str, Path]:
    """The output folders of three one-epoch trainer runs, made once and shared by the
    determinism tests (``a`` and ``b``: same seed; ``c``: another) and the CLI's end-to-end test
    (``a``). Each run must exit 0 and write its checkpoint."""
    base = tmp_path_factory.mktemp("training_runs")
    # Different PYTHONHASHSEEDs: str hashing (set and dict order) must not leak into the result.
    procs = {
        name: _start_training(base / name, seed, hs)
        for name, seed, hs in [("a", 1, 0), ("b", 1, 1), ("c", 2, 2)]
    }
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        assert (base / name / "checkpoint.safetensors").is_file()
    return {name: base / name for name in procs}
