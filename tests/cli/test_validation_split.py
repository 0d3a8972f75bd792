"""``numtorch train``'s evaluation and control: the validation split, the best checkpoint
(best.safetensors), the test set scored once with its weights, --patience, --max-steps,
--threads, raising --epochs on --resume, the model summary and progress off a terminal.

The runs train the built-in classifier on a tiny .npz of 4x4 images (two classes told apart by
their mean) in-process, without figures: each is a fraction of a second.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch.cli import checkpoint, data, loop, plot
from numtorch.cli.config import Config, UsageError
from numtorch.cli.main import main
from numtorch.cli.progress import Progress

CKPT, BEST = "checkpoint.safetensors", "best.safetensors"


@pytest.fixture(autouse=True)
def _no_figures(monkeypatch) -> None:
    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)


@pytest.fixture(scope="module")
def npz(tmp_path_factory) -> Path:
    """200 training and 60 test images of 1x4x4; class 1 is brighter, under heavy noise."""
    rng = np.random.default_rng(0)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(n) % 2
        x = rng.normal(size=(n, 1, 4, 4)) + 0.6 * y[:, None, None, None]
        return x.astype(np.float32), y

    (x, y), (xt, yt) = split(200), split(60)
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x_train=x, y_train=y, x_test=xt, y_test=yt)
    return path


def _train(npz: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(npz), "--batch-size", "32", "--out", str(out), *extra]


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


# --- the split --------------------------------------------------------------------------------


@pytest.mark.parametrize("n, fraction, n_val", [(200, 0.1, 20), (7, 0.1, 1), (10, 0.25, 2)])
def test_the_split_has_the_asked_size_and_no_overlap(n: int, fraction: float, n_val: int) -> None:
    train, val = loop.split_indices(n, fraction, seed=3)
    assert len(val) == n_val and len(train) == n - n_val
    assert not set(train) & set(val) and sorted({*train, *val}) == list(range(n))
    again = loop.split_indices(n, fraction, seed=3)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], val)


def test_the_split_follows_the_seed_and_zero_holds_nothing_out() -> None:
    assert not np.array_equal(
        loop.split_indices(200, 0.1, 0)[1], loop.split_indices(200, 0.1, 1)[1]
    )
    train, val = loop.split_indices(50, 0.0, 0)
    assert len(val) == 0 and list(train) == list(range(50))
    with pytest.raises(UsageError, match="leaves none to train on"):
        loop.split_indices(1, 0.5, 0)


def test_the_run_validates_on_held_out_training_samples(npz: Path) -> None:
    dataset = data.load("digits", None, str(npz))
    run = loop._Run(Config(data=str(npz), val_fraction=0.2), dataset)
    assert len(run.y_val) == 40 and run.n_train == 160
    assert sum(len(y) for _, y in run.loader) == 160
    x_train = dataset.x_train.numpy()
    np.testing.assert_array_equal(run.x_val.numpy(), x_train[run.val_indices])


# --- best checkpoint, test once, patience ------------------------------------------------------


def _val_scores(weights: dict, npz: Path, cfg: Config) -> tuple[float, float]:
    dataset = data.load("digits", None, str(npz))
    run = loop._Run(cfg, dataset)
    run.model.load_state_dict(weights)
    return loop.evaluate(run.model, run.x_val, run.y_val)


@pytest.mark.slow  # a real training run (about 2 s)
def test_patience_stops_and_best_holds_the_best_epochs_weights(npz, tmp_path, capsys) -> None:
    args = _train(npz, tmp_path, "--epochs", "30", "--patience", "2", "--lr", "0.02")
    assert main(args) == 0
    out = capsys.readouterr().out
    metrics = _metrics(tmp_path)
    history, best = metrics["history"], metrics["best_epoch"]
    assert len(history) == best + 2 < 30  # stopped two epochs past the best
    assert "early stopping: no better val_acc in 2 epochs (--patience 2)" in out
    assert f"the best was epoch {best}" in out
    accs = [r["val_acc"] for r in history]
    assert best == accs.index(max(accs)) + 1  # the highest, the earliest on ties
    saved = numtorch.load(tmp_path / BEST)
    assert saved["epoch"] == best and len(saved["history"]) == best
    cfg = Config(**saved["config"])
    loss, acc = _val_scores(saved["model"], npz, cfg)
    assert (loss, acc) == (history[best - 1]["val_loss"], history[best - 1]["val_acc"])
    last = numtorch.load(tmp_path / CKPT)["model"]
    assert any(not np.array_equal(last[k].numpy(), saved["model"][k].numpy()) for k in last)
    # the test set, scored once at the end with the best weights
    assert all("test_acc" not in r and "test_loss" not in r for r in history)
    test = loop.evaluate(_model(saved, npz), *_test_set(npz))
    assert (metrics["test_loss"], metrics["test_acc"]) == test
    assert out.count("test (") == 1 and f"test (best epoch {best}'s weights)" in out
    assert f"acc {test[1]:.4f}" in out
    summary = (tmp_path / "summary.md").read_text()
    assert f"| {best} |" in summary and f"| {test[1]:.4f} |" in summary


def _model(state: dict, npz: Path):
    model = loop.build_model(Config(**state["config"]), data.load("digits", None, str(npz)))
    model.load_state_dict(state["model"])
    return model


def _test_set(npz: Path):
    dataset = data.load("digits", None, str(npz))
    return dataset.x_test, dataset.y_test


def test_predict_reads_best_safetensors(npz, tmp_path, capsys) -> None:
    assert main(_train(npz, tmp_path / "run", "--epochs", "2")) == 0
    args = ["predict", "--checkpoint", str(tmp_path / "run" / BEST), "--data", str(npz)]
    assert main([*args, "--out", str(tmp_path / "pred")]) == 0
    rows = (tmp_path / "pred" / "predictions.csv").read_text().splitlines()
    assert len(rows) == 61  # a header and one row per test image
    assert "accuracy" in capsys.readouterr().out


@pytest.mark.slow  # a real training run
def test_without_validation_the_last_epoch_is_kept(npz, tmp_path, capsys) -> None:
    assert main(_train(npz, tmp_path, "--epochs", "2", "--val-fraction", "0")) == 0
    metrics = _metrics(tmp_path)
    assert metrics["best_epoch"] == 2 and "test_acc" in metrics
    assert all("val_acc" not in r for r in metrics["history"])
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0]
    assert header == "epoch,train_loss,train_acc,lr,seconds"
    best, last = numtorch.load(tmp_path / BEST), numtorch.load(tmp_path / CKPT)
    for k, v in best["model"].items():
        np.testing.assert_array_equal(v.numpy(), last["model"][k].numpy())
    assert "test (last epoch 2's weights; no validation)" in capsys.readouterr().out
    assert "Without validation" in (tmp_path / "summary.md").read_text()


# --- --max-steps, --threads ----------------------------------------------------------------------


@pytest.mark.parametrize("steps, epochs", [(3, 1), (7, 2)])
def test_max_steps_counts_optimizer_steps(npz, tmp_path, capsys, steps, epochs) -> None:
    """180 training samples in batches of 32: 6 steps an epoch."""
    assert main(_train(npz, tmp_path, "--epochs", "5", "--max-steps", str(steps))) == 0
    state = numtorch.load(tmp_path / CKPT)
    assert state["epoch"] == epochs and len(_metrics(tmp_path)["history"]) == epochs
    adam_steps = {int(s["step"].item()) for s in state["optimizer"]["state"].values()}
    assert adam_steps == {steps}
    out = capsys.readouterr().out
    assert f"--max-steps {steps} reached after {steps - 6 * (epochs - 1)} of 6 batches" in out
    assert _metrics(tmp_path)["stopped"] == f"reached --max-steps {steps}"
    assert (tmp_path / "summary.md").exists()
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0  # it has finished
    assert "nothing left to train" in capsys.readouterr().out


def test_threads_sets_numtorchs_thread_count(npz, tmp_path) -> None:
    before = numtorch.get_num_threads()
    want = 1 if before != 1 else 2
    try:
        assert main(_train(npz, tmp_path, "--epochs", "1", "--threads", str(want))) == 0
        assert numtorch.get_num_threads() == want
    finally:
        numtorch.set_num_threads(before)


# --- resume: more epochs, a finished run ------------------------------------------------------


@pytest.mark.slow  # three runs
def test_raising_epochs_on_resume_trains_the_extra_epochs(npz, tmp_path, capsys) -> None:
    assert main(_train(npz, tmp_path, "--epochs", "2")) == 0
    first = _metrics(tmp_path)["history"]
    assert main(["train", "--resume", str(tmp_path / CKPT), "--epochs", "4"]) == 0
    history = _metrics(tmp_path)["history"]
    assert [r["epoch"] for r in history] == [1, 2, 3, 4] and history[:2] == first
    # the cosine schedule re-planned for 4 epochs: epochs 3 and 4 at its lr for them
    for row in history[2:]:
        want = 0.002 * (1 + math.cos(math.pi * (row["epoch"] - 1) / 4)) / 2
        assert row["lr"] == pytest.approx(want, rel=1e-12)
    state = numtorch.load(tmp_path / CKPT)
    assert state["config"]["epochs"] == 4 and state["scheduler"]["T_max"] == 4
    checkpoint.check_state(state)
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / CKPT), "--epochs", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--epochs 3 is fewer than the 4 epochs the checkpoint has done")
    assert len(err.splitlines()) == 1


def test_resuming_a_finished_run_says_so_and_exits_0(npz, tmp_path, capsys) -> None:
    assert main(_train(npz, tmp_path, "--epochs", "1")) == 0
    before = (tmp_path / CKPT).read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / CKPT)]) == 0
    out = capsys.readouterr().out
    assert "the run ended after 1 epochs: nothing left to train; rewriting its report" in out
    assert "epoch 1/1:" not in out and (tmp_path / CKPT).read_bytes() == before


# --- what a run shows --------------------------------------------------------------------------


def test_the_model_summary_and_a_progress_line_off_a_terminal(npz, tmp_path, monkeypatch, capsys):
    """stderr is captured (not a terminal): with the interval lowered, plain progress lines
    with the run's ETA appear inside the epochs; the layer table comes before the first epoch."""
    monkeypatch.setattr(Progress, "interval", 0.0)
    assert main(_train(npz, tmp_path, "--epochs", "2")) == 0
    captured = capsys.readouterr()
    assert "run ETA" in captured.err and "epoch 1/2: " in captured.err
    assert "\r" not in captured.err and "\033" not in captured.err
    out = captured.out
    assert "Total params" in out and out.index("Total params") < out.index("epoch 1/2:")
    assert "20 of the training samples held out for validation" in out
