"""Run a script under ``mpiexec`` from a pytest case, bounded by a timeout.

``run_mpi(script, n, *args)`` starts ``n`` ranks in their own process group, with one thread
per rank (the machine's cores are shared), and fails the calling test with every rank's output
on a nonzero exit or a timeout. A timeout kills the whole process group, so no rank is left
behind. mpi4py and mpiexec are required, never skipped: CI installs them with
``pip install -e '.[mpi]'``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["REPO", "WORKERS", "mpiexec", "run_mpi"]

REPO = Path(__file__).resolve().parents[2]
WORKERS = Path(__file__).resolve().parent / "workers"
_INSTALL = "pip install -e '.[mpi]'"


def mpiexec() -> str:
    """The ``mpiexec`` next to this interpreter (the venv's, from the mpich wheel), else PATH's.

    Fails the test (not a skip) when mpi4py or mpiexec is missing.
    """
    if importlib.util.find_spec("mpi4py") is None:
        pytest.fail(f"mpi4py is not installed; the distributed tests need it: {_INSTALL}")
    local = Path(sys.executable).parent / "mpiexec"
    found = str(local) if local.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.fail(f"mpiexec was not found next to {sys.executable} or on PATH: {_INSTALL}")
    return found


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_WAIT_POLICY="PASSIVE", NUMTORCH_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):  # launch-specific: MPI decides them
        env.pop(var, None)
    env.update(extra or {})
    return env


def _command(script: str | Path, n: int, args: tuple) -> list[str]:
    """``mpiexec -n N python script.py args`` or, for a dotted module name, ``python -m``."""
    target = str(script)
    is_file = target.endswith(".py") or os.sep in target
    runner = [sys.executable, target] if is_file else [sys.executable, "-m", target]
    return [mpiexec(), "-n", str(n), *runner, *map(str, args)]


def run_mpi(
    script: str | Path,
    n: int,
    *args: object,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run ``script`` (a path, or a module name for ``python -m``) on ``n`` MPI ranks.

    Args:
        script: a ``.py`` path (e.g. ``WORKERS / "x.py"``) or a dotted module name.
        n: the number of ranks.
        *args: command-line arguments for every rank.
        timeout: seconds before the whole job is killed and the test fails.
        env: extra environment variables.
        check: fail the test on a nonzero exit (pass False to inspect a failure yourself).

    Returns:
        The completed process, stdout and stderr as text (all ranks interleaved).
    """
    cmd = _command(script, n, args)
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a timeout kills every rank
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} timed out after {timeout} s\n{_report(out, err)}")
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited with {done.returncode}\n{_report(out, err)}")
    return done


def _report(out: str, err: str) -> str:
    return f"--- stdout (all ranks) ---\n{out}\n--- stderr (all ranks) ---\n{err}"
