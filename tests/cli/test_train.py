"""``numtorch train`` end to end on the bundled digits: files written, exact resume, Ctrl-C,
--compare, missing matplotlib, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch.cli import plot
from numtorch.cli.main import main
from numtorch.cli.progress import Progress

FAST = ["--batch-size", "64"]
SMALL = [*FAST, "--model", "resnet"]  # a tiny ResNet: the checks that train several epochs


def _model_arrays(path: Path) -> dict[str, np.ndarray]:
    state = numtorch.load(path)
    return {k: v.numpy() for k, v in state["model"].items()}


@pytest.mark.slow  # a real training run
def test_one_epoch_end_to_end_writes_the_report(training_runs: dict[str, Path]) -> None:
    """``python -m numtorch train --epochs 1 --batch-size 64 --seed 1`` in a fresh interpreter:
    the session's shared run (tests/conftest.py), which has exited 0."""
    out = training_runs["a"]
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1"]
    assert 0.5 < float(rows[0]["val_acc"]) <= 1.0 and "test_acc" not in rows[0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"][0]["epoch"] == 1 and metrics["best_epoch"] == 1
    assert 0.5 < metrics["test_acc"] <= 1.0
    state = numtorch.load(out / "checkpoint.safetensors")
    assert state["epoch"] == 1 and "conv1.weight" in state["model"]
    assert numtorch.load(out / "best.safetensors")["epoch"] == 1
    summary = (out / "summary.md").read_text()
    assert "checkpoint.safetensors" in summary and "metrics.csv" in summary
    assert f"| {metrics['test_acc']:.4f} |" in summary
    if plot.have_matplotlib():
        assert (out / "curves.png").stat().st_size > 1000
        assert (out / "dropped_maps.png").stat().st_size > 1000


def _interrupt_after_batches(monkeypatch, batches: int) -> None:
    """Raise KeyboardInterrupt after ``batches`` optimizer steps, as a Ctrl-C would."""
    real = Progress.update
    calls = []

    def update(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == batches:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Progress, "update", update)


@pytest.mark.slow  # a real training run
def test_ctrl_c_before_the_first_epoch_ends_writes_nothing(tmp_path, monkeypatch, capsys):
    _interrupt_after_batches(monkeypatch, 3)
    assert main(["train", "--epochs", "2", "--out", str(tmp_path), *FAST]) == 130
    assert "no checkpoint was written" in capsys.readouterr().out
    assert not (tmp_path / "checkpoint.safetensors").exists()


@pytest.mark.slow  # a real training run
def test_ctrl_c_then_resume_is_bit_identical_to_an_uninterrupted_run(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    assert main(["train", "--epochs", "2", "--out", str(tmp_path / "a"), *SMALL]) == 0
    with monkeypatch.context() as m:
        _interrupt_after_batches(m, 21 + 5)  # 21 batches of 64 per epoch: stop inside epoch 2
        assert main(["train", "--epochs", "2", "--out", str(tmp_path / "b"), *SMALL]) == 130
    ckpt = tmp_path / "b" / "checkpoint.safetensors"
    assert "--resume" in capsys.readouterr().out
    assert numtorch.load(ckpt)["epoch"] == 1
    assert main(["train", "--resume", str(ckpt)]) == 0
    a, b = _model_arrays(tmp_path / "a" / "checkpoint.safetensors"), _model_arrays(ckpt)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    hist_a = numtorch.load(tmp_path / "a" / "checkpoint.safetensors")["history"]
    hist_b = numtorch.load(ckpt)["history"]
    assert [r["val_loss"] for r in hist_a] == [r["val_loss"] for r in hist_b]


@pytest.mark.slow  # a real training run
def test_resume_refuses_a_different_plan(tmp_path: Path, capsys) -> None:
    assert main(["train", "--epochs", "1", "--out", str(tmp_path), *SMALL]) == 0
    ckpt = tmp_path / "checkpoint.safetensors"
    assert main(["train", "--resume", str(ckpt), "--lr", "0.01"]) == 2
    assert "--lr 0.01 differs from the checkpoint's 0.002" in capsys.readouterr().err
    assert main(["train", "--resume", str(ckpt), "--val-fraction", "0.2"]) == 2
    assert "--val-fraction 0.2 differs from the checkpoint's 0.1" in capsys.readouterr().err


@pytest.mark.slow  # a real training run
def test_compare_trains_one_model_per_p(tmp_path: Path) -> None:
    assert (
        main(["train", "--epochs", "1", "--compare", "0,0.5", "--out", str(tmp_path), *SMALL]) == 0
    )
    for sub in ("p=0", "p=0.5"):
        assert (tmp_path / sub / "metrics.csv").exists()
    summary = (tmp_path / "summary.md").read_text()
    assert "| 0 |" in summary and "| 0.5 |" in summary


@pytest.mark.slow  # a real training run
def test_without_matplotlib_figures_are_skipped_with_a_notice(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)
    assert main(["train", "--epochs", "1", "--out", str(tmp_path), *SMALL]) == 0
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not (tmp_path / "curves.png").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "imagenet"], "invalid choice: 'imagenet'"),
        (["--epochs", "-3"], "--epochs must be at least 1, but got -3"),
        (["--epochs", "two"], "invalid int value: 'two'"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--dropout2d", "1.5"], "--dropout2d must be between 0 and 1, but got 1.5"),
        (["--dropout2d", "nan"], "--dropout2d must be between 0 and 1, but got nan"),
        (["--compare", "0,x"], "--compare takes comma-separated probabilities"),
        (["--compare", "0,2"], "each --compare value must be between 0 and 1"),
        (["--dataset", "mnist"], "--dataset mnist needs --data-dir"),
        (["--dataset", "mnist", "--data-dir", "/nonexistent/mnist"], "/nonexistent/mnist"),
        (["--dataset", "cifar10", "--data-dir", "."], "."),
        (["--resume", "/nonexistent/ckpt.safetensors"], "does not exist"),
        (["--val-fraction", "1"], "--val-fraction must be in [0, 1), but got 1.0"),
        (["--val-fraction", "-0.1"], "--val-fraction must be in [0, 1), but got -0.1"),
        (["--val-fraction", "nan"], "--val-fraction must be in [0, 1), but got nan"),
        (["--patience", "0"], "--patience must be at least 1, but got 0"),
        (["--patience", "2", "--val-fraction", "0"], "it needs --val-fraction > 0"),
        (["--max-steps", "0"], "--max-steps must be at least 1, but got 0"),
        (["--threads", "0"], "--threads must be at least 1, but got 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        sys.exit(main(["train", *args]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_unwritable_out_is_refused(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--out", str(blocker / "sub")]) == 2
    assert "cannot write to --out" in capsys.readouterr().err


def test_corrupt_checkpoint_is_refused(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "ckpt.safetensors"
    bad.write_bytes(b"not a checkpoint")
    assert main(["train", "--resume", str(bad)]) == 2
    assert "cannot read checkpoint" in capsys.readouterr().err
