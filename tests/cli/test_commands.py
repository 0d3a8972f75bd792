"""The ``numtorch`` command itself: ``--version``, bare ``numtorch``, the nearest flag for a
mistyped one, run folders no two runs share, and a non-empty ``--out`` refused unless
``--overwrite``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch.cli import checkpoint, runfolder, train
from numtorch.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"numtorch {numtorch.__version__}"


def test_bare_numtorch_prints_usage(capsys) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: numtorch") and "train" in out and "predict" in out


@pytest.mark.parametrize(
    "args, nearest",
    [
        (["train", "--epoch", "3"], "--epochs"),
        (["train", "--batchsize", "3"], "--batch-size"),
        (["train", "--overwrit"], "--overwrite"),
        (["predict", "--checkpont", "x", "--data", "y"], "--checkpoint"),
    ],
)
def test_an_unknown_flag_names_the_nearest_one(args, nearest, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unrecognized arguments" in err and f"(did you mean {nearest}?)" in err


def test_flags_are_not_abbreviated(capsys) -> None:
    """``--ep 3`` is refused, not taken as ``--epochs 3`` (a later flag could change its
    meaning)."""
    with pytest.raises(SystemExit):
        main(["train", "--ep", "3"])
    assert "unrecognized arguments: --ep" in capsys.readouterr().err


def test_nothing_close_suggests_nothing(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--zzzzzz"])
    assert "did you mean" not in capsys.readouterr().err


def test_run_folders_started_in_the_same_second_differ(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(train.time, "strftime", lambda _fmt: "20260101-000000")
    monkeypatch.chdir(tmp_path)
    folders = [train.prepare_out(None) for _ in range(3)]
    assert [f.name for f in folders] == [
        "20260101-000000",
        "20260101-000000-2",
        "20260101-000000-3",
    ]
    assert all(f.parent == Path("runs") and f.is_dir() for f in folders)


def test_a_non_empty_out_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code = main(["train", "--epochs", "1", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"--out {str(tmp_path)!r} is not empty (notes.txt)" in err and "--overwrite" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # lock gone, nothing new


def test_only_the_lock_and_dead_writers_temps_count_as_empty(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(done.stdout)
    (tmp_path / f".checkpoint.safetensors.{dead}.0badc0de.tmp").write_bytes(b"\0")
    with runfolder.locked(tmp_path):
        runfolder.remove_stale_temps(tmp_path)
        train.check_empty(tmp_path)  # the lock file alone is not content


@pytest.mark.slow  # a real training run (a tiny one)
def test_overwrite_writes_into_a_used_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    x = np.random.default_rng(0).normal(size=(60, 1, 4, 4)).astype(np.float32)
    y = np.arange(60) % 2
    np.savez(tmp_path.parent / "img.npz", x_train=x, y_train=y)
    args = ["train", "--data", str(tmp_path.parent / "img.npz"), "--epochs", "1"]
    assert main([*args, "--out", str(tmp_path), "--overwrite"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    state = numtorch.load(tmp_path / "checkpoint.safetensors")
    assert state["config"]["model"] == "classifier" and state["data_stats"]["num_classes"] == 2
    # a built-in model on --data images: the checkpoint resumes and passes every check
    resumed = checkpoint.load(str(tmp_path / "checkpoint.safetensors"))
    assert resumed["epoch"] == 1


@pytest.mark.slow  # a fresh interpreter
def test_the_console_entry_point_without_arguments() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "numtorch"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and done.stdout.startswith("usage: numtorch")
