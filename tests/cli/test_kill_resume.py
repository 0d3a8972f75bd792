"""The kill -9 campaign: ``python -m numtorch train`` is killed at chosen points -- between
epochs, halfway through writing the metrics, the checkpoint or the summary, just before the
report -- through the ``NUMTORCH_TRAIN_CRASH_AT`` seam (the process SIGKILLs itself there, so no
cleanup runs), or from outside while it trains. Whatever it left must load, and ``--resume``
must end with the same checkpoint bytes and metrics as a run that was never killed, a complete
report, no temporary files and no lock.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import numtorch
from numtorch.cli import plot, runfolder

pytestmark = [
    pytest.mark.slow,  # trains for real in fresh interpreters
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9"),
]

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--epochs", "3", "--batch-size", "256"]
CKPT = "checkpoint.safetensors"
BEST = "best.safetensors"
ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
ENV |= {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "numtorch", "train", *args]


def _env(crash: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != runfolder.CRASH_ENV}
    env |= ENV
    if crash:
        env[runfolder.CRASH_ENV] = crash
    return env


def _run(args: list[str], crash: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(*args), cwd=ROOT, env=_env(crash), capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A run that was never interrupted."""
    out = tmp_path_factory.mktemp("reference")
    done = _run([*ARGS, "--out", str(out)])
    assert done.returncode == 0, done.stderr
    return out


def _rows(folder: Path) -> list[dict]:
    rows = json.loads((folder / "metrics.json").read_text())["history"]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def _everything_left_loads(out: Path) -> int | None:
    """Check each file the killed run left is whole; returns the checkpoint's epoch."""
    epoch = numtorch.load(out / CKPT)["epoch"] if (out / CKPT).exists() else None
    if (out / "metrics.json").exists():
        rows = json.loads((out / "metrics.json").read_text())["history"]
        assert [r["epoch"] for r in rows] == list(range(1, len(rows) + 1))
    if (out / BEST).exists():
        assert numtorch.load(out / BEST)["epoch"] <= (epoch or 0)
    if (out / "metrics.csv").exists():
        with open(out / "metrics.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["epoch"]) for r in rows] == list(range(1, len(rows) + 1))
    return epoch


def _temps(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp"))


def _check_resumed_run_equals(out: Path, reference: Path) -> None:
    assert (out / CKPT).read_bytes() == (reference / CKPT).read_bytes()
    assert (out / BEST).read_bytes() == (reference / BEST).read_bytes()
    assert _rows(out) == _rows(reference)
    metrics, done = (json.loads((f / "metrics.json").read_text()) for f in (out, reference))
    assert metrics["test_acc"] == done["test_acc"] and metrics["best_epoch"] == done["best_epoch"]
    seconds = [r["seconds"] for r in metrics["history"]]
    assert all(isinstance(s, float) and s > 0 for s in seconds), seconds
    with open(out / "metrics.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    summary = (out / "summary.md").read_text()
    assert f"| {sum(seconds):.1f} |" in summary and "not recorded" not in summary
    if plot.have_matplotlib():
        assert (out / "curves.png").stat().st_size > 1000
    assert _temps(out) == [] and not (out / runfolder.LOCK_NAME).exists()


# crash point -> (the checkpoint's epoch after the kill, a temporary file left behind)
POINTS = {
    "epoch:2": (1, False),
    "write:metrics.csv@2": (1, True),
    "write:metrics.json@2": (1, True),
    "write:checkpoint.safetensors@2": (1, True),
    "write:metrics.json@3": (2, True),
    "write:checkpoint.safetensors@3": (2, True),
    "write:best.safetensors@2": (2, True),
    "report": (3, False),
    "write:summary.md": (3, True),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_at_a_point_then_resume_ends_like_an_uninterrupted_run(
    point: str, reference: Path, tmp_path: Path
) -> None:
    killed = _run([*ARGS, "--out", str(tmp_path)], crash=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    epoch, temp_left = POINTS[point]
    assert _everything_left_loads(tmp_path) == epoch
    assert bool(_temps(tmp_path)) == temp_left
    assert (tmp_path / runfolder.LOCK_NAME).exists()  # the dead holder's: taken over below
    resumed = _run(["--resume", str(tmp_path / CKPT)])
    assert resumed.returncode == 0, resumed.stderr
    _check_resumed_run_equals(tmp_path, reference)


def test_a_half_written_checkpoint_is_left_as_a_checkpoint_sized_temp(tmp_path: Path) -> None:
    killed = _run([*ARGS, "--out", str(tmp_path)], crash="write:checkpoint.safetensors@2")
    assert killed.returncode == -signal.SIGKILL
    (temp,) = _temps(tmp_path)
    assert temp.startswith(f".{CKPT}.") and (tmp_path / temp).stat().st_size > 1000
    assert numtorch.load(tmp_path / CKPT)["epoch"] == 1


def test_kill_from_outside_while_training_then_resume(reference: Path, tmp_path: Path) -> None:
    """A real ``kill -9`` once the first checkpoint is there, while a second trainer waits."""
    proc = subprocess.Popen(
        _command(*ARGS, "--out", str(tmp_path)),
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / CKPT).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = _run([*ARGS, "--out", str(tmp_path)])
        running = proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    if running:  # the first trainer still held the folder: the second was refused
        assert second.returncode == 2 and "is in use by another numtorch train" in second.stderr
    assert _everything_left_loads(tmp_path) in (1, 2, 3)
    resumed = _run(["--resume", str(tmp_path / CKPT)])
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / CKPT).read_bytes() == (reference / CKPT).read_bytes()
    assert _rows(tmp_path) == _rows(reference)
    assert _temps(tmp_path) == [] and not (tmp_path / runfolder.LOCK_NAME).exists()
