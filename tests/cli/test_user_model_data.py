"""Your own model (``--model FILE.py:CLASS`` / ``module:CLASS`` + ``--model-args``) and your own
data (``--data FILE.npz``), end to end with ``numtorch predict``; every mistake is one line on
stderr with exit code 2. The data are 60 samples of 4 features in 3 classes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch.cli import checkpoint, data, plot, predict
from numtorch.cli.config import Config
from numtorch.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CKPT = "checkpoint.safetensors"

MODEL = """
from numtorch import nn


class MLP(nn.Module):
    def __init__(self, features=4, hidden=16, classes=3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, x):
        return self.net(x)


class Broken(nn.Module):
    def __init__(self):
        raise ValueError("no weights for you")


NOT_A_MODULE = 3
"""


def _samples(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 4)) * 0.5 + y[:, None] * 2.0 + 10.0).astype(np.float32)
    return x, y


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A model file, a train/test .npz (48/12) and an .npz to predict on (all 60, labelled)."""
    model = tmp_path / "mlp.py"
    model.write_text(MODEL)
    x, y = _samples()
    train = tmp_path / "data.npz"
    np.savez(train, x_train=x[:48], y_train=y[:48], x_test=x[48:], y_test=y[48:])
    new = tmp_path / "new.npz"
    np.savez(new, x=x, y=y)
    return {"model": model, "data": train, "new": new, "dir": tmp_path}


def _train(files: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "train",
        "--model",
        f"{files['model']}:MLP",
        "--model-args",
        '{"hidden": 8}',
        "--data",
        str(files["data"]),
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--lr",
        "0.01",
        "--out",
        str(out),
        *extra,
    ]


def _one_line_error(capsys, code: int, message: str) -> None:
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert message in err, err


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow  # real training runs (tiny ones)
def test_train_your_model_on_your_data_then_predict_and_resume(files, capsys) -> None:
    out = files["dir"] / "run"
    assert main(_train(files, out)) == 0
    state = numtorch.load(out / CKPT)
    cfg = state["config"]
    assert cfg["model"] == f"{files['model'].resolve()}:MLP"
    assert json.loads(cfg["model_args"]) == {"hidden": 8}
    assert cfg["data"] == str(files["data"].resolve())
    assert state["model"]["net.1.weight"].shape == (8, 4)
    x, _ = _samples()
    mean, std = data.statistics(x[:48])  # the training split's, not the test split's
    np.testing.assert_allclose(state["data_stats"]["mean"].numpy(), mean)
    np.testing.assert_allclose(state["data_stats"]["std"].numpy(), std)
    assert state["data_stats"]["num_classes"] == 3
    summary = (out / "summary.md").read_text()
    assert "data.npz, 48 train / 12 test samples of 4, 3 classes" in summary
    assert "(your model's)" in summary

    # code a checkpoint names runs only when the command line names it again
    spec = f"{files['model']}:MLP"
    _one_line_error(capsys, main(["train", "--resume", str(out / CKPT)]), "--model")
    _one_line_error(
        capsys,
        main(["predict", "--checkpoint", str(out / CKPT), "--data", str(files["new"])]),
        "numtorch runs code only when you name it",
    )
    assert main(["train", "--resume", str(out / CKPT), "--model", spec]) == 0
    assert (out / "metrics.csv").exists()

    pred = files["dir"] / "pred"
    args = [
        "predict",
        "--checkpoint",
        str(out / CKPT),
        "--data",
        str(files["new"]),
        "--model",
        spec,
    ]
    assert main([*args, "--out", str(pred)]) == 0
    printed = capsys.readouterr().out
    with open(pred / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 60 and list(rows[0]) == ["index", "predicted", "label", "p_0", "p_1", "p_2"]
    probs = np.array([[float(r[f"p_{k}"]) for k in range(3)] for r in rows])
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    predicted = np.array([int(r["predicted"]) for r in rows])
    np.testing.assert_array_equal(predicted, probs.argmax(1))
    _, y = _samples()
    accuracy = float((predicted == y).mean())
    assert f"accuracy {accuracy:.4f}" in printed
    with open(pred / "confusion.csv", newline="") as f:
        matrix = np.array([[int(n) for n in row[1:]] for row in list(csv.reader(f))[1:]])
    np.testing.assert_array_equal(matrix, predict.confusion(y, predicted, 3))
    assert f"Accuracy: {accuracy:.4f}" in (pred / "confusion.md").read_text()
    assert (pred / "confusion.png").exists() == plot.have_matplotlib()


@pytest.mark.slow  # a real training run
def test_predict_without_labels_and_on_the_training_file(files, capsys) -> None:
    out = files["dir"] / "run"
    assert main(_train(files, out, "--epochs", "1")) == 0
    x, _ = _samples()
    unlabelled = files["dir"] / "x.npz"
    np.savez(unlabelled, x=x[:5])
    ckpt, spec = str(out / CKPT), f"{files['model']}:MLP"
    assert main(["predict", "--checkpoint", ckpt, "--data", str(unlabelled), "--model", spec]) == 0
    with open(out / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5 and "label" not in rows[0]
    assert not (out / "confusion.md").exists()
    # the training file: its x_test / y_test are predicted
    assert (
        main(["predict", "--checkpoint", ckpt, "--data", str(files["data"]), "--model", spec]) == 0
    )
    assert "of 12)" in capsys.readouterr().out


@pytest.mark.slow  # a real training run, in a fresh interpreter
def test_module_model_and_npz_without_a_test_split_in_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "nets.py").write_text(MODEL)
    x, y = _samples()
    np.savez(tmp_path / "all.npz", x_train=x, y_train=y)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "numtorch", "train", "--model", "mypkg.nets:MLP"]
    cmd += ["--data", str(tmp_path / "all.npz"), "--epochs", "1", "--out", str(tmp_path / "r")]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "48 train / 12 test samples" in done.stdout  # 20% held out with the fixed split
    assert numtorch.load(tmp_path / "r" / CKPT)["config"]["model"] == "mypkg.nets:MLP"


# --- one-line errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, model_args, message",
    [
        ("missing.py:MLP", None, "--model file"),
        ("{dir}/mlp.py:Nope", None, "has no class 'Nope'"),
        ("{dir}/mlp.py:NOT_A_MODULE", None, "NOT_A_MODULE is not a numtorch.nn.Module subclass"),
        ("numtorch:Tensor", None, "Tensor is not a numtorch.nn.Module subclass"),
        ("no_such_package.nets:MLP", None, "module 'no_such_package.nets' not found"),
        ("{dir}/mlp.py:MLP", "{hidden: 8}", "--model-args is not valid JSON"),
        ("{dir}/mlp.py:MLP", "[8]", "--model-args must be a JSON object"),
        ("{dir}/mlp.py:MLP", '{"width": 8}', "unexpected keyword argument 'width'"),
        ("{dir}/mlp.py:Broken", None, "constructing Broken failed: ValueError: no weights"),
        ("{dir}/mlp.py:MLP", '{"classes": 2}', "gives 2 outputs, but the data has 3 classes"),
        ("{dir}/mlp.py:MLP", '{"features": 5}', "failed on a batch of the data (2x4)"),
        ("transformer", None, "--model 'transformer' is not one of classifier, resnet"),
        ("classifier", None, "--model classifier takes (C, H, W) images, but the samples are [4]"),
        ("resnet", '{"a": 1}', "--model-args is for your own --model"),
    ],
)
def test_model_mistakes_are_one_line(files, spec, model_args, message, capsys) -> None:
    out = files["dir"] / "out"
    args = ["train", "--model", spec.format(dir=files["dir"]), "--data", str(files["data"])]
    args += ["--out", str(out)] + (["--model-args", model_args] if model_args else [])
    _one_line_error(capsys, main(args), message)
    assert not out.exists()  # refused before any folder is made


def _npz(folder: Path, **arrays) -> str:
    path = folder / "bad.npz"
    np.savez(path, **arrays)
    return str(path)


X, Y = _samples(10)
BAD_DATA = {
    "no x_train": ({"y_train": Y}, "has no 'x_train' array"),
    "x_test alone": ({"x_train": X, "y_train": Y, "x_test": X}, "needs both x_test and y_test"),
    "float labels": ({"x_train": X, "y_train": Y * 1.0}, "y_train must be 1-D integer"),
    "too few labels": ({"x_train": X, "y_train": Y[:5]}, "y_train has 5 labels for 10 inputs"),
    "negative label": ({"x_train": X, "y_train": Y - 5}, "negative label"),
    "1-D inputs": ({"x_train": X[:, 0], "y_train": Y}, "x_train must be a non-empty numeric"),
    "NaN inputs": ({"x_train": X * np.nan, "y_train": Y}, "x_train holds NaN"),
    "string inputs": ({"x_train": X.astype(str), "y_train": Y}, "x_train must be"),
    "test shape": (
        {"x_train": X, "y_train": Y, "x_test": X[:, :2], "y_test": Y},
        "x_test samples are [2], x_train's [4]",
    ),
    "one sample": ({"x_train": X[:1], "y_train": Y[:1]}, "too few samples (1)"),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_data_mistakes_are_one_line(files, name, capsys) -> None:
    arrays, message = BAD_DATA[name]
    path = _npz(files["dir"], **arrays)
    args = ["train", "--model", f"{files['model']}:MLP", "--data", path]
    _one_line_error(capsys, main([*args, "--out", str(files["dir"] / "o")]), message)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "/nonexistent/d.npz"], "--data file '/nonexistent/d.npz' does not exist"),
        (["--data", "{dir}/mlp.py"], "cannot read --data"),
        (["--data", "{dir}/data.npz", "--dataset", "digits"], "--data replaces"),
        (["--compare", "0,0.5", "--model", "{dir}/mlp.py:MLP"], "--compare varies"),
    ],
)
def test_data_file_mistakes_are_one_line(files, args, message, capsys) -> None:
    args = [a.format(dir=files["dir"]) for a in args]
    _one_line_error(capsys, main(["train", *args]), message)


def test_predict_mistakes_are_one_line(files, tmp_path: Path, capsys) -> None:
    args = ["predict", "--checkpoint", str(tmp_path / "none.safetensors")]
    _one_line_error(capsys, main([*args, "--data", str(files["new"])]), "does not exist")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    args = ["predict", "--checkpoint", str(bad), "--data", str(files["new"])]
    _one_line_error(capsys, main(args), "cannot read checkpoint")
    _one_line_error(capsys, main(["predict", "--data", str(files["new"])]), "--checkpoint required")
    _one_line_error(capsys, main(["predict"]), "--checkpoint and --data required")
    args = ["predict", "--checkpoint", str(bad), "--data", str(files["new"]), "--batch-size", "0"]
    _one_line_error(capsys, main(args), "--batch-size must be at least 1")


@pytest.mark.slow  # a real training run
def test_predict_refuses_inputs_the_model_was_not_trained_on(files, capsys) -> None:
    out = files["dir"] / "run"
    assert main(_train(files, out, "--epochs", "1")) == 0
    capsys.readouterr()
    ckpt, spec = str(out / CKPT), f"{files['model']}:MLP"
    for arrays, message in (
        ({"x": np.zeros((3, 5), np.float32)}, "have 5 channels, but the model was trained on 4"),
        ({"z": np.zeros(3)}, "has no 'x' (or 'x_test') array"),
        ({"x": X, "y": Y[:3]}, "y has 3 labels for 10 inputs"),
    ):
        args = ["predict", "--checkpoint", ckpt, "--data", _npz(files["dir"], **arrays)]
        _one_line_error(capsys, main([*args, "--model", spec]), message)
    (files["dir"] / "mlp.py").unlink()  # the model's file is gone
    args = ["predict", "--checkpoint", ckpt, "--data", str(files["new"]), "--model", spec]
    _one_line_error(capsys, main(args), "mlp.py")


# --- the pieces ------------------------------------------------------------------------------


def test_statistics_are_per_channel_over_every_other_axis() -> None:
    x = np.random.default_rng(1).normal(size=(5, 3, 2, 2)).astype(np.float32)
    mean, std = data.statistics(x)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), rtol=1e-6)
    z = data.normalise(x, mean, std).numpy()
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    flat = x.reshape(5, 12)
    mean, std = data.statistics(flat)
    assert mean.shape == (12,)
    np.testing.assert_allclose(data.normalise(flat, mean, std).numpy().std(0), 1, atol=1e-3)


def test_confusion_counts_pairs() -> None:
    matrix = predict.confusion(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


def test_checkpoint_accepts_model_specs_and_refuses_bad_ones() -> None:
    cfg = asdict(Config())
    ok = {**cfg, "model": "/x/m.py:Net", "model_args": '{"a": 1}'}
    assert checkpoint.check_config(ok).model == "/x/m.py:Net"
    old = {k: v for k, v in cfg.items() if k not in ("data", "model_args")}  # older checkpoints
    assert checkpoint.check_config(old).model_args == "{}"
    for change, message in (
        ({"model": "m.py:"}, "config model 'm.py:'"),
        ({"model": "/x/m.py:Net", "model_args": "{"}, "config model_args must be"),
        ({"model": "/x/m.py:Net", "model_args": "[1]"}, "config model_args must be"),
        ({"model_args": '{"a": 1}'}, "given for the built-in classifier"),
        ({"data": 3}, "config data must be a path or None"),
    ):
        with pytest.raises(checkpoint.Bad) as info:
            checkpoint.check_config({**cfg, **change})
        assert message in str(info.value)
