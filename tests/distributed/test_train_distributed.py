"""``mpiexec -n K numtorch train --distributed``: one report, K-independent weights, resume at
any K, crashed ranks ending the job, rank-0-only output.

Every case launches real MPI jobs on the bundled digits for a few steps (tiny, but the whole
trainer). ``--optimizer sgd`` where weights are compared: its update is linear in the gradient,
so the gradient's float32 rounding (the ranks sum in another order) stays at rounding level;
Adam divides by the gradient's magnitude and can magnify the rounding of near-zero entries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch.models import ImageClassifier
from tests.distributed.launch import REPO, WORKERS, run_mpi

pytestmark = pytest.mark.slow

CLI = "numtorch"  # python -m numtorch: the numtorch command
PLAN = ("--dropout2d", "0", "--optimizer", "sgd", "--lr", "0.05", "--seed", "3")


def _train(n: int, out: Path, *args: object, **kwargs) -> subprocess.CompletedProcess:
    return run_mpi(CLI, n, "train", "--distributed", "--out", out, *args, timeout=60, **kwargs)


def _weights(run: Path) -> dict[str, np.ndarray]:
    state = numtorch.load(run / "checkpoint.safetensors")
    return {k: v.numpy() for k, v in state["model"].items()}


def _max_rel_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    assert a.keys() == b.keys()
    return max(float(np.abs(a[k] - b[k]).max() / max(np.abs(a[k]).max(), 1e-12)) for k in a)


def test_two_ranks_write_one_report_and_only_rank_0_prints(tmp_path: Path) -> None:
    done = _train(2, tmp_path / "run", "--epochs", "2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # one run folder
    files = sorted(p.name for p in (tmp_path / "run").iterdir())
    expected = ["best.safetensors", "checkpoint.safetensors", "curves.png", "dropped_maps.png"]
    assert files == expected + ["metrics.csv", "metrics.json", "summary.md"]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["history"]] == [1, 2]
    assert 0 < metrics["test_acc"] <= 1
    # every line rank 0 prints appears once: rank 1 printed nothing
    for line in ("numtorch train: ", "Layer ", "p=0.3 epoch 1/2:", "p=0.3 epoch 2/2:", "report:"):
        assert done.stdout.count(line) == 1, done.stdout
    assert "on 2 ranks" in done.stdout
    assert done.stderr == ""


def test_two_and_four_ranks_match_one(tmp_path: Path) -> None:
    runs = {}
    for n in (1, 2, 4):
        _train(n, tmp_path / f"k{n}", "--max-steps", "6", *PLAN)
        runs[n] = _weights(tmp_path / f"k{n}")
    one = runs[1]
    assert _max_rel_diff(one, runs[2]) <= 1e-5
    assert _max_rel_diff(one, runs[4]) <= 1e-5
    assert _max_rel_diff(one, _initial_weights()) > 1e-3  # the runs did train


def _initial_weights() -> dict[str, np.ndarray]:
    """The weights ``--seed 3`` starts the built-in classifier from on the digits."""
    numtorch.manual_seed(3)
    model = ImageClassifier(in_channels=1, num_classes=10, input_size=8, p=0.0)
    return {k: v.numpy() for k, v in model.state_dict().items()}


_BN_MODEL = """
from numtorch import nn


class BNNet(nn.Module):
    def __init__(self, p=0.3):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.drop = nn.Dropout2d(p)
        self.fc = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = self.drop(nn.functional.relu(self.bn(self.conv(x))))
        return self.fc(x.flatten(1))
"""


def test_batchnorm_becomes_sync_batchnorm_and_matches_one_rank(tmp_path: Path) -> None:
    (tmp_path / "bnnet.py").write_text(_BN_MODEL)
    model = ("--model", f"{tmp_path / 'bnnet.py'}:BNNet")
    for n in (1, 2):
        _train(n, tmp_path / f"k{n}", *model, "--model-args", '{"p": 0}', "--max-steps", "4", *PLAN)
    one, two = _weights(tmp_path / "k1"), _weights(tmp_path / "k2")
    assert _max_rel_diff(one, two) <= 1e-5  # running_mean/var too: global-batch statistics
    # with Dropout2d, rank 0's report runs the model alone in training mode for
    # dropped_maps.png, after the ranks left the group: SyncBatchNorm must not wait for them
    _train(2, tmp_path / "p", *model, "--max-steps", "2")
    assert (tmp_path / "p" / "dropped_maps.png").is_file()


def test_resume_at_another_number_of_ranks(tmp_path: Path) -> None:
    plan = ("--epochs", "2", "--val-fraction", "0.5", *PLAN)
    _train(1, tmp_path / "straight", *plan)
    # rank 0 dies once epoch 1 is saved; mpiexec then ends rank 1, waiting in a collective
    crash = {"NUMTORCH_TRAIN_CRASH_AT": "epoch:2", "NUMTORCH_TRAIN_CRASH_RANK": "0"}
    died = _train(2, tmp_path / "cut", *plan, env=crash, check=False)
    assert died.returncode != 0
    assert numtorch.load(tmp_path / "cut" / "checkpoint.safetensors")["epoch"] == 1
    for n in (4, 1):
        again = tmp_path / f"again{n}"
        again.mkdir()
        for name in ("checkpoint.safetensors", "metrics.json"):
            (again / name).write_bytes((tmp_path / "cut" / name).read_bytes())
        run_mpi(CLI, n, "train", "--distributed", "--resume", again / "checkpoint.safetensors")
        assert _max_rel_diff(_weights(tmp_path / "straight"), _weights(again)) <= 1e-5
        rows = json.loads((again / "metrics.json").read_text())["history"]
        assert [r["epoch"] for r in rows] == [1, 2]


def test_resume_at_the_same_ranks_is_bit_identical_with_dropout(tmp_path: Path) -> None:
    plan = ("--epochs", "2", "--val-fraction", "0.5", "--dropout2d", "0.3")
    _train(2, tmp_path / "straight", *plan)
    crash = {"NUMTORCH_TRAIN_CRASH_AT": "epoch:2", "NUMTORCH_TRAIN_CRASH_RANK": "0"}
    assert _train(2, tmp_path / "cut", *plan, env=crash, check=False).returncode != 0
    run_mpi(
        CLI, 2, "train", "--distributed", "--resume", tmp_path / "cut" / "checkpoint.safetensors"
    )
    straight, resumed = _weights(tmp_path / "straight"), _weights(tmp_path / "cut")
    assert all(np.array_equal(straight[k], resumed[k]) for k in straight)


def test_a_rank_failing_mid_run_aborts_the_job_with_its_message(tmp_path: Path) -> None:
    env = {"NUMTORCH_TRAIN_CRASH_AT": "fail:epoch:2", "NUMTORCH_TRAIN_CRASH_RANK": "1"}
    done = _train(2, tmp_path / "run", "--epochs", "3", env=env, check=False)
    assert done.returncode != 0
    assert "numtorch train: error (rank 1): injected failure at epoch:2" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_killed_rank_ends_the_job(tmp_path: Path) -> None:
    env = {"NUMTORCH_TRAIN_CRASH_AT": "epoch:2", "NUMTORCH_TRAIN_CRASH_RANK": "1"}
    done = _train(2, tmp_path / "run", "--epochs", "3", env=env, check=False)
    assert done.returncode != 0  # within run_mpi's timeout: rank 0 was not left waiting
    assert "BAD TERMINATION" in done.stdout  # mpiexec (MPICH's Hydra) names the killed rank


def test_a_rank_failing_at_setup_stops_every_rank_with_one_line(tmp_path: Path) -> None:
    env = {"NUMTORCH_TRAIN_CRASH_AT": "fail:data", "NUMTORCH_TRAIN_CRASH_RANK": "1"}
    done = _train(2, tmp_path / "run", env=env, check=False)
    assert done.returncode == 1
    assert done.stderr == (
        "numtorch train: error: on rank 1: injected failure at data (NUMTORCH_TRAIN_CRASH_AT)\n"
    )
    assert not (tmp_path / "run").exists()  # stopped before rank 0 made the run folder


def test_a_global_batch_smaller_than_the_ranks_is_one_line(tmp_path: Path) -> None:
    done = _train(4, tmp_path / "run", "--batch-size", "2", check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "--batch-size 2 is the global batch: it must be at least the 4 ranks" in done.stderr


def test_every_rank_ends_with_the_same_weights() -> None:
    done = run_mpi(WORKERS / "train_same_weights.py", 2, timeout=60)
    assert done.stdout.count("same weights on 2 ranks") == 1, done.stdout


def test_distributed_without_mpiexec_runs_as_one_rank(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NUMTORCH_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", CLI, "train", "--distributed", "--max-steps", "2"]
    done = subprocess.run(
        [*cmd, "--out", str(tmp_path / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "ranks" not in done.stdout
    assert (tmp_path / "run" / "best.safetensors").is_file()
