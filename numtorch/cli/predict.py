"""``numtorch predict``: a trained checkpoint on new inputs from an .npz file.

The checkpoint names its model (built-in, or ``FILE.py:CLASS`` / ``module:CLASS`` with its
keyword arguments) and holds the training split's normalisation statistics, so the inputs are
prepared exactly as in training. Writes ``predictions.csv`` (index, predicted class, one
probability per class) and, when labels are given, the accuracy and a confusion matrix
(``confusion.csv``, ``confusion.md``, and ``confusion.png`` if matplotlib is installed).
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch.cli import checkpoint, data, loop, plot, runfolder, user_model
from numtorch.cli.config import Config, UsageError

INPUT_KEYS = (("x", "y"), ("x_test", "y_test"))


def add_predict_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--checkpoint", metavar="PATH", help="a numtorch train checkpoint (required)")
    add(
        "--data",
        metavar="FILE.npz",
        help="inputs x (or x_test) and optionally labels y (or y_test) (required)",
    )
    add(
        "--model",
        metavar="FILE.py:CLASS",
        help="the checkpoint's own model code, named again (required when it was trained with "
        "--model FILE.py:CLASS or module:CLASS: numtorch never imports code a checkpoint names)",
    )
    add("--out", help="folder for predictions.csv (default: the checkpoint's folder)")
    add("--batch-size", type=int, default=256, help="inputs per forward pass (default: 256)")


@dataclass
class Inputs:
    """The inputs to predict on, as read (not yet normalised), and their labels if any."""

    x: np.ndarray
    y: np.ndarray | None


def read_inputs(path: str) -> Inputs:
    """``x``/``y`` from the .npz, or ``x_test``/``y_test`` (the file the model trained on)."""
    arrays, where = data.read_npz(path), f"--data {path!r}"
    for x_key, y_key in INPUT_KEYS:
        if x_key in arrays:
            x = data.check_inputs(arrays[x_key], x_key, where)
            y = arrays.get(y_key)
            labels = None if y is None else data.check_labels(y, y_key, len(x), where)
            return Inputs(x, labels)
    raise UsageError(f"{where} has no 'x' (or 'x_test') array (it has {sorted(arrays)})")


def _stats(state: dict, cfg: Config) -> dict:
    """The checkpoint's normalisation statistics; a checkpoint from before they were saved
    gets them recomputed from its training data."""
    if "data_stats" in state:
        return state["data_stats"]
    return loop.data_stats(data.load(cfg.dataset, cfg.data_dir, cfg.data))


def _as_data(inputs: Inputs, stats: dict) -> data.Data:
    """The inputs normalised as the training data was, in the shape ``build_model`` takes."""
    mean, std = stats["mean"].numpy(), stats["std"].numpy()
    if inputs.x.shape[1] != len(mean):
        raise UsageError(
            f"--data inputs have {inputs.x.shape[1]} channels, but the model was trained on "
            f"{len(mean)}"
        )
    x = data.normalise(inputs.x, mean, std)
    y = torch.from_numpy(np.zeros(len(x), dtype=np.int64) if inputs.y is None else inputs.y)
    return data.Data("predict", x, y, x, y, mean, std, int(stats["num_classes"]))


def probabilities(model: torch.nn.Module, x: torch.Tensor, batch_size: int) -> np.ndarray:
    """Softmax over the model's outputs, in eval mode without gradients: (N, classes)."""
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(x[start : start + batch_size])
            parts.append(torch.softmax(logits, dim=1).numpy())
    return np.concatenate(parts).astype(np.float64)


def confusion(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: (classes, classes)."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def _predictions_csv(probs: np.ndarray, labels: np.ndarray | None) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    label_column = [] if labels is None else ["label"]
    writer.writerow(
        ["index", "predicted", *label_column, *(f"p_{k}" for k in range(probs.shape[1]))]
    )
    for i, row in enumerate(probs):
        label = [] if labels is None else [int(labels[i])]
        writer.writerow([i, int(row.argmax()), *label, *(f"{p:.6g}" for p in row)])
    return text.getvalue()


def _confusion_csv(matrix: np.ndarray) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["true \\ predicted", *range(len(matrix))])
    for k, row in enumerate(matrix):
        writer.writerow([k, *(int(n) for n in row)])
    return text.getvalue()


def _confusion_md(matrix: np.ndarray, accuracy: float, correct: int, figure: bool) -> str:
    k = len(matrix)
    lines = [
        "# numtorch predict: confusion matrix",
        "",
        f"Accuracy: {accuracy:.4f} ({correct} of {int(matrix.sum())}). Rows: true class; "
        "columns: predicted class.",
        "",
        "| true \\ predicted | " + " | ".join(str(c) for c in range(k)) + " |",
        "|---" * (k + 1) + "|",
    ]
    lines += [
        f"| {i} | " + " | ".join(str(int(n)) for n in row) + " |" for i, row in enumerate(matrix)
    ]
    lines += [
        "",
        "![confusion.png](confusion.png)"
        if figure
        else "(No figure: matplotlib is not installed.)",
        "",
    ]
    return "\n".join(lines)


def _write_scores(out: Path, probs: np.ndarray, labels: np.ndarray) -> str:
    """Accuracy and the confusion matrix files; returns the accuracy line."""
    predicted = probs.argmax(1)
    classes = max(probs.shape[1], int(labels.max()) + 1)
    matrix = confusion(labels, predicted, classes)
    correct = int((predicted == labels).sum())
    accuracy = correct / len(labels)
    figure = plot.have_matplotlib()
    if figure:
        plot.plot_confusion(matrix, accuracy, out / "confusion.png")
    runfolder.write_text(out / "confusion.csv", _confusion_csv(matrix))
    runfolder.write_text(out / "confusion.md", _confusion_md(matrix, accuracy, correct, figure))
    return f"accuracy {accuracy:.4f} ({correct} of {len(labels)}); confusion matrix in {out / 'confusion.md'}"


def run_predict(args: argparse.Namespace) -> int:
    """Load and check the checkpoint, rebuild its model, predict, write the files."""
    missing = [f"--{name}" for name in ("checkpoint", "data") if getattr(args, name) is None]
    if missing:
        raise UsageError(f"{' and '.join(missing)} required (numtorch predict --help)")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, but got {args.batch_size}")
    state = checkpoint.load(args.checkpoint, "--checkpoint")
    cfg = Config(**state["config"])
    user_model.require_named(cfg.model, args.model, "numtorch predict")
    inputs = read_inputs(args.data)
    dataset = _as_data(inputs, _stats(state, cfg))
    model = loop.build_model(cfg, dataset)
    checkpoint.check_model(state, model, cfg, args.checkpoint)
    model.load_state_dict(state["model"])
    probs = probabilities(model, dataset.x_test, args.batch_size)
    out = Path(args.out) if args.out else Path(args.checkpoint).parent
    try:
        out.mkdir(parents=True, exist_ok=True)
        runfolder.write_text(out / "predictions.csv", _predictions_csv(probs, inputs.y))
        print(f"numtorch predict: {len(probs)} predictions in {out / 'predictions.csv'}")
        if inputs.y is not None:
            print(_write_scores(out, probs, inputs.y))
    except OSError as err:
        raise UsageError(f"cannot write to --out {str(out)!r}: {err.strerror or err}") from None
    return 0
