"""One thread setting governs every pool: ``NUMTORCH_NUM_THREADS`` at import and
``torch.set_num_threads`` bound numtorch's pool and OpenBLAS's together (``numtorch/_threads.py``).

Each case runs in a fresh interpreter, since OpenBLAS reads its environment once, when NumPy
loads; ``threadpoolctl`` reports what OpenBLAS actually uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import numtorch
from numtorch import _threads

_REPORT = """
import json
def blas():
    from threadpoolctl import threadpool_info
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
"""


def _run(code: str, **env: str) -> dict:
    """Run ``code`` (which prints one JSON line last) in a fresh interpreter."""
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NUMTORCH_", "OPENBLAS_NUM_THREADS"))
    }
    full.update(env)
    script = _REPORT + textwrap.dedent(code)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=full, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a fresh interpreter that imports numtorch
def test_env_var_bounds_blas_and_the_pool_without_importing_threadpoolctl():
    out = _run(
        """
        import sys
        import numtorch
        lazy = "threadpoolctl" not in sys.modules
        print(json.dumps({"lazy": lazy, "blas": blas(), "threads": numtorch.get_num_threads()}))
        """,
        NUMTORCH_NUM_THREADS="1",
    )
    assert out == {"lazy": True, "blas": [1], "threads": 1}


@pytest.mark.slow  # a fresh interpreter that imports numtorch
def test_env_var_applies_when_numpy_was_loaded_first():
    out = _run(
        """
        import numpy
        import numtorch
        print(json.dumps({"blas": blas(), "threads": numtorch.get_num_threads()}))
        """,
        NUMTORCH_NUM_THREADS="1",
    )
    assert out == {"blas": [1], "threads": 1}


@pytest.mark.slow  # a fresh interpreter that imports numtorch
def test_env_var_lowers_a_larger_openblas_setting():
    out = _run(
        "import numtorch\nprint(json.dumps({'blas': blas()}))",
        NUMTORCH_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="2",
    )
    assert out == {"blas": [1]}


_SET_THREADS = """
import numtorch
from numtorch._kernels import parallel
seen = []
for n in (1, 2, 1):
    numtorch.set_num_threads(n)
    seen.append([blas(), numtorch.get_num_threads(), parallel.num_threads()])
print(json.dumps(seen))
"""


@pytest.mark.slow  # a fresh interpreter that imports numtorch
def test_set_num_threads_sizes_the_pool_and_keeps_openblas_at_one_thread_by_default():
    assert _run(_SET_THREADS) == [[[1], 1, 1], [[1], 2, 2], [[1], 1, 1]]


@pytest.mark.slow  # a fresh interpreter that imports numtorch
@pytest.mark.parametrize(
    "env", [{"OPENBLAS_NUM_THREADS": "2"}, {"NUMTORCH_THREAD_DEFAULTS": "0"}], ids=["user", "off"]
)
def test_set_num_threads_bounds_a_multithreaded_openblas_too(env):
    assert _run(_SET_THREADS, **env) == [[[1], 1, 1], [[2], 2, 2], [[1], 1, 1]]


def test_requested_threads_parses_the_environment(monkeypatch):
    monkeypatch.setenv("NUMTORCH_NUM_THREADS", " 3 ")
    assert _threads.requested_threads() == 3
    monkeypatch.setenv("NUMTORCH_NUM_THREADS", "0")
    assert _threads.requested_threads() == 1
    monkeypatch.setenv("NUMTORCH_NUM_THREADS", "")
    assert _threads.requested_threads() is None
    monkeypatch.setenv("NUMTORCH_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="NUMTORCH_NUM_THREADS"):
        _threads.requested_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_rejects_bad_counts(bad):
    with pytest.raises(RuntimeError, match="set_num_threads"):
        numtorch.set_num_threads(bad)
