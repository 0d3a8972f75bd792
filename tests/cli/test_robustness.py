"""``numtorch train`` when runs are interrupted, disks fill or files are hostile: atomic metrics
rebuilt from the checkpoint on ``--resume``, Ctrl-C messages and exit code 130, stale temporary
files, one-line errors, and the run folder's lock.

The runs here train the bundled digits with one batch per epoch (``--batch-size 2048``) and no
figures, so each is a fraction of a second; the kill -9 campaign is tests/cli/test_kill_resume.py.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch import serialization
from numtorch.cli import plot, report, runfolder
from numtorch.cli.config import Config
from numtorch.cli.main import main
from numtorch.cli.train import validate

CKPT = "checkpoint.safetensors"


@pytest.fixture(autouse=True)
def _no_figures(monkeypatch) -> None:
    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)


def _tiny(out: Path, epochs: int = 2, *extra: str) -> list[str]:
    return ["train", "--epochs", str(epochs), "--batch-size", "2048", "--out", str(out), *extra]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _history(folder: Path) -> list[dict]:
    """The per-epoch rows of ``folder``'s metrics.json."""
    return json.loads((folder / "metrics.json").read_text())["history"]


def _without_seconds(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def _fail_writes(monkeypatch, error: BaseException, after: int = 0, name: str = "") -> None:
    """Make the ``after``-th and later atomic writes of ``name`` (any file when empty) raise
    ``error`` halfway through, as a full disk or a Ctrl-C would."""
    real_atomic, real_write = serialization._atomic_write, serialization._write_all
    seen = []

    def atomic(path: Path, write) -> None:
        if name in path.name:
            seen.append(path.name)
        if name in path.name and len(seen) > after:

            def half(out, blob: bytes) -> None:
                real_write(out, blob[: len(blob) // 2])
                raise error

            monkeypatch.setattr(serialization, "_write_all", half)
        try:
            real_atomic(path, write)
        finally:
            monkeypatch.setattr(serialization, "_write_all", real_write)

    monkeypatch.setattr(serialization, "_atomic_write", atomic)


def _no_temps(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- 1. atomic metrics, rebuilt from the checkpoint -------------------------------------------


def test_a_failed_metrics_write_keeps_the_old_files(tmp_path: Path, monkeypatch) -> None:
    rows = [{"epoch": 1, "train_loss": 1.0, "train_acc": 0.5, "val_loss": 1.0, "val_acc": 0.5}]
    report.write_metrics(tmp_path, [{**rows[0], "lr": 0.1, "seconds": 1.0}])
    before = {p: (tmp_path / p).read_bytes() for p in ("metrics.csv", "metrics.json")}
    _fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OSError):
        report.write_metrics(tmp_path, [])
    assert {p: (tmp_path / p).read_bytes() for p in before} == before
    _no_temps(tmp_path)


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_full_disk_mid_run_is_one_line_and_resume_completes(tmp_path, monkeypatch, capsys):
    assert main(_tiny(tmp_path / "ref")) == 0
    with monkeypatch.context() as m:
        _fail_writes(m, OSError(errno.ENOSPC, "No space left on device"), after=1, name=CKPT)
        assert main(_tiny(tmp_path / "run")) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err
    assert "holds epoch 1" in err
    run = tmp_path / "run"
    assert numtorch.load(run / CKPT)["epoch"] == 1
    _no_temps(run)
    assert main(["train", "--resume", str(run / CKPT)]) == 0
    assert (run / CKPT).read_bytes() == (tmp_path / "ref" / CKPT).read_bytes()
    ref_rows, rows = _history(tmp_path / "ref"), _history(run)
    assert _without_seconds(rows) == _without_seconds(ref_rows)
    assert all(r["seconds"] > 0 for r in rows)


@pytest.mark.slow  # real training runs (one batch per epoch)
@pytest.mark.parametrize("damage", ["truncated", "missing", "another run's", "hostile"])
def test_resume_at_the_last_epoch_rebuilds_metrics_and_summary(tmp_path, damage, capsys) -> None:
    assert main(_tiny(tmp_path)) == 0
    good = _history(tmp_path)
    csv_before = (tmp_path / "metrics.csv").read_text()
    if damage == "truncated":
        (tmp_path / "metrics.json").write_text((tmp_path / "metrics.json").read_text()[:50])
        (tmp_path / "metrics.csv").write_text(csv_before[:30])
    elif damage == "missing":
        (tmp_path / "metrics.json").unlink()
        (tmp_path / "metrics.csv").unlink()
    elif damage == "hostile":
        rows = [{"epoch": [1]}, {"epoch": 2, "seconds": "x"}, 7, {"epoch": 1, "seconds": -1}]
        (tmp_path / "metrics.json").write_text(json.dumps(rows))
    else:
        other = [{**r, "val_loss": 9.0} for r in good]
        (tmp_path / "metrics.json").write_text(json.dumps({"history": other}))
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    rows = _history(tmp_path)
    assert _without_seconds(rows) == _without_seconds(good)
    assert (tmp_path / "metrics.csv").read_text().splitlines()[0].startswith("epoch,train_loss")
    assert len((tmp_path / "metrics.csv").read_text().splitlines()) == 3
    summary = (tmp_path / "summary.md").read_text()
    assert "| 0.0 |" not in summary and "| not recorded |" in summary


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_full_disk_while_writing_the_report_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    with monkeypatch.context() as m:
        _fail_writes(m, OSError(errno.ENOSPC, "No space left on device"), name="summary.md")
        assert main(_tiny(tmp_path, 1)) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err
    assert not (tmp_path / "summary.md").exists()
    _no_temps(tmp_path)
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    assert "| 1 |" in (tmp_path / "summary.md").read_text()


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_resume_at_the_last_epoch_keeps_the_timings(tmp_path: Path) -> None:
    assert main(_tiny(tmp_path)) == 0
    before = json.loads((tmp_path / "metrics.json").read_text())
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text()) == before
    total = sum(r["seconds"] for r in before["history"])
    assert total > 0 and f"| {total:.1f} |" in (tmp_path / "summary.md").read_text()


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_resume_trims_metrics_that_ran_ahead_of_the_checkpoint(tmp_path, monkeypatch) -> None:
    """A kill between the metrics write and the checkpoint write leaves metrics one epoch
    ahead; the resume rebuilds them from the checkpoint and trains that epoch again."""
    with monkeypatch.context() as m:
        _fail_writes(m, KeyboardInterrupt(), after=1, name=CKPT)
        assert main(_tiny(tmp_path)) == 130
    assert len(_history(tmp_path)) == 2
    assert numtorch.load(tmp_path / CKPT)["epoch"] == 1
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    rows = _history(tmp_path)
    assert [r["epoch"] for r in rows] == [1, 2] and all(r["seconds"] > 0 for r in rows)


# --- 2. Ctrl-C and stale temporary files ------------------------------------------------------


@pytest.mark.slow  # real training runs (one batch per epoch)
@pytest.mark.parametrize(
    "after, message",
    [
        (0, "interrupted while saving epoch 1: no checkpoint was written"),
        (1, "interrupted while saving epoch 2: the checkpoint {} holds epoch 1"),
    ],
)
def test_ctrl_c_during_a_checkpoint_write_names_the_right_epoch(
    tmp_path, monkeypatch, capsys, after, message
) -> None:
    _fail_writes(monkeypatch, KeyboardInterrupt(), after=after, name=CKPT)
    assert main(_tiny(tmp_path)) == 130
    out = capsys.readouterr()
    assert message.format(tmp_path / CKPT) in out.out and "Traceback" not in out.err
    _no_temps(tmp_path)
    assert not (tmp_path / runfolder.LOCK_NAME).exists()


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_ctrl_c_after_the_checkpoint_was_replaced_names_the_new_epoch(
    tmp_path, monkeypatch, capsys
) -> None:
    real = serialization._atomic_write

    def then_interrupt(path: Path, write) -> None:
        real(path, write)
        if path.name == CKPT and numtorch.load(path)["epoch"] == 2:
            raise KeyboardInterrupt  # as if during the directory fsync after os.replace

    monkeypatch.setattr(serialization, "_atomic_write", then_interrupt)
    assert main(_tiny(tmp_path)) == 130
    assert f"the checkpoint {tmp_path / CKPT} holds epoch 2" in capsys.readouterr().out


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_ctrl_c_while_the_report_is_written_is_one_line_and_130(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "_summary", interrupted)
    assert main(_tiny(tmp_path, 1)) == 130
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[-1].startswith("interrupted while writing the report in")
    assert f"numtorch train --resume {tmp_path / CKPT}" in lines[-1]
    assert "Traceback" not in out.err and out.err.strip() == ""
    monkeypatch.undo()
    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    assert (tmp_path / "summary.md").exists()


def test_ctrl_c_before_training_is_130_without_traceback(monkeypatch, capsys) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("numtorch.cli.data.load", interrupted)
    assert main(["train", "--epochs", "1"]) == 130
    out = capsys.readouterr()
    assert out.out.strip() == "numtorch train: interrupted" and out.err == ""


def test_remove_stale_temps_spares_live_writers_and_other_files(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    stale = [f".{CKPT}.{dead}.0badc0de.tmp", f".summary.md.{os.getpid()}.12345678.tmp"]
    kept = [f".{CKPT}.{alive}.0badc0de.tmp", "notes.tmp", ".x.tmp", f".{CKPT}.{dead}.zz.tmp"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"\0")
    assert sorted(p.name for p in runfolder.remove_stale_temps(tmp_path)) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


@pytest.mark.slow  # real training runs (one batch per epoch)
def test_stale_temp_files_are_removed_on_start_and_resume(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    stale = [f".{CKPT}.{dead}.0badc0de.tmp", f".metrics.json.{dead}.12345678.tmp"]
    kept = [f".{CKPT}.{alive}.0badc0de.tmp", "notes.tmp", ".x.tmp"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"\0" * 1000)
    assert main(_tiny(tmp_path, 1, "--overwrite")) == 0  # the kept files make it non-empty
    names = {p.name for p in tmp_path.iterdir()}
    assert not names & set(stale) and set(kept) <= names
    (tmp_path / stale[0]).write_bytes(b"\0" * 1000)
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    assert not (tmp_path / stale[0]).exists() and set(kept) <= names


# --- 4. one-line errors -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", str(2**64), str(10**30)])
def test_seed_out_of_range_is_one_line(seed: str, tmp_path: Path, capsys) -> None:
    assert main(["train", "--seed", seed, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"--seed must be between 0 and 2**64 - 1 (18446744073709551615), but got {seed}" in err
    assert not (tmp_path / "x").exists()


def test_the_largest_seed_is_accepted() -> None:
    assert validate(Config(seed=2**64 - 1)).seed == 2**64 - 1


def _idx(array: np.ndarray) -> bytes:
    code = {"uint8": 0x08}[array.dtype.name]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.tobytes()


@pytest.mark.parametrize("empty", ["train", "t10k"])
def test_mnist_folder_with_no_images_is_one_line(tmp_path: Path, empty: str, capsys) -> None:
    for split in ("train", "t10k"):
        n = 0 if split == empty else 3
        images, labels = np.zeros((n, 28, 28), np.uint8), np.zeros(n, np.uint8)
        (tmp_path / f"{split}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(images)))
        (tmp_path / f"{split}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    code = main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    which = "training" if empty == "train" else "test"
    assert f"--dataset mnist: the {which} set in {tmp_path} has 0 images" in err


# --- 5. the run folder's lock -----------------------------------------------------------------

_HOLD = (
    "import sys, time; from pathlib import Path; from numtorch.cli import runfolder\n"
    "with runfolder.locked(Path(sys.argv[1])):\n"
    "    print('locked', flush=True); time.sleep(60)\n"
)


def _holder(folder: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(folder)], stdout=subprocess.PIPE)
    with proc.stdout:
        assert proc.stdout.readline().strip() == b"locked"
    return proc


def test_a_second_trainer_is_refused_and_a_killed_holders_lock_is_taken_over(
    tmp_path: Path, capsys
) -> None:
    holder = _holder(tmp_path)
    try:
        assert main(_tiny(tmp_path, 1)) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert (
            f"--out {str(tmp_path)!r} is in use by another numtorch train (pid {holder.pid})" in err
        )
        assert not (tmp_path / CKPT).exists()
    finally:
        holder.kill()  # SIGKILL: no cleanup runs, the lock file stays behind
        holder.wait()
    assert (tmp_path / runfolder.LOCK_NAME).read_text().strip() == str(holder.pid)
    with runfolder.locked(tmp_path):  # the dead holder's lock is taken over
        assert (tmp_path / runfolder.LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (tmp_path / runfolder.LOCK_NAME).exists()


def test_the_lock_is_released_on_an_error_inside(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), runfolder.locked(tmp_path):
        raise KeyboardInterrupt
    with runfolder.locked(tmp_path):
        pass
    assert not (tmp_path / runfolder.LOCK_NAME).exists()


def test_the_fallback_lock_file_refuses_a_live_holder_and_takes_over_a_dead_one(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(runfolder, "fcntl", None)
    monkeypatch.setattr(runfolder, "msvcrt", None)
    lock = tmp_path / runfolder.LOCK_NAME
    lock.write_text(f"{os.getppid()}\n")
    with pytest.raises(runfolder.UsageError, match=f"pid {os.getppid()}"):
        with runfolder.locked(tmp_path):
            pass
    lock.write_text(f"{_dead_pid()}\n")
    with runfolder.locked(tmp_path):
        assert lock.read_text().strip() == str(os.getpid())
        with pytest.raises(runfolder.UsageError, match="is in use"):
            with runfolder.locked(tmp_path):
                pass
    assert not lock.exists()


def test_pid_alive() -> None:
    assert runfolder.pid_alive(os.getpid()) and not runfolder.pid_alive(_dead_pid())
    assert not runfolder.pid_alive(0)
