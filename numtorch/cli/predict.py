"""``numtorch predict``: a trained checkpoint on new inputs from an .npz file or an image folder.

The checkpoint names its model (built-in, or ``FILE.py:CLASS`` / ``module:CLASS`` with its
keyword arguments) and holds the training split's normalisation statistics, so the inputs are
prepared exactly as in training. Writes ``predictions.csv`` (index, the image's ``file`` for a
folder, predicted class, its name when the checkpoint stores class names, the label if known, one
probability per class) and, when labels are given, the accuracy and a confusion matrix
(``confusion.csv``, ``confusion.md``, and ``confusion.png`` if matplotlib is installed).

An image folder (:mod:`numtorch.cli.image_folder`) is read as in training: class subfolders give
labels (``train/`` + ``test/``: its ``test/`` split is predicted, as an .npz's ``x_test`` is),
a flat folder of images gives none. A folder's classes are matched to the model's by name when
the checkpoint stores class names (every folder must be one of them; a subset is fine), else by
sorted position (the folder must then have as many classes as the model).
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch.cli import checkpoint, data, image_folder, loop, plot, runfolder, user_model
from numtorch.cli.config import Config, UsageError

INPUT_KEYS = (("x", "y"), ("x_test", "y_test"))


def add_predict_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--checkpoint", metavar="PATH", help="a numtorch train checkpoint (required)")
    add(
        "--data",
        metavar="FILE.npz|DIR",
        help="an .npz with inputs x (or x_test) and optionally labels y (or y_test), or an image "
        "folder: one subfolder per class (labelled), train/ and test/ (test/ is predicted), or "
        "just images (required)",
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
    files: list[str] | None = None  # an image folder's, relative to it
    classes: list[str] | None = None  # an image folder's class names (``y`` indexes them)


def _read_folder(path: str) -> Inputs:
    """An image folder's images; labels when it has class subfolders."""
    train, test = image_folder.list_folder(path, flat=True)
    (images,) = image_folder.decode([test or train])
    listing = images.listing
    return Inputs(images.x, listing.targets, listing.files, listing.classes)


def read_inputs(path: str) -> Inputs:
    """An image folder's images, or from an .npz ``x``/``y``, or ``x_test``/``y_test`` (the file
    the model trained on)."""
    if Path(path).is_dir():
        return _read_folder(path)
    arrays, where = data.read_npz(path), f"--data {path!r}"
    for x_key, y_key in INPUT_KEYS:
        if x_key in arrays:
            x = data.check_inputs(arrays[x_key], x_key, where)
            y = arrays.get(y_key)
            labels = None if y is None else data.check_labels(y, y_key, len(x), where)
            return Inputs(x, labels)
    raise UsageError(f"{where} has no 'x' (or 'x_test') array (it has {sorted(arrays)})")


def model_classes(stats: dict) -> list[str] | None:
    """The class names the checkpoint stores (``data_stats["classes"]``), if any."""
    names = stats.get("classes")
    ok = isinstance(names, list) and len(names) == stats["num_classes"]
    return list(names) if ok and all(isinstance(n, str) for n in names) else None


def match_labels(inputs: Inputs, stats: dict, path: str) -> Inputs:
    """An image folder's labels as the model's class indices: by class name when the checkpoint
    stores them, else by sorted position (then the class counts must agree)."""
    if inputs.classes is None or inputs.y is None:
        return inputs
    names, where = model_classes(stats), f"--data {path!r}"
    if names is None:
        if len(inputs.classes) != stats["num_classes"]:
            raise UsageError(
                f"{where} has {len(inputs.classes)} class folders, but the model was trained on "
                f"{stats['num_classes']} classes"
            )
        return inputs
    unknown = [c for c in inputs.classes if c not in names]
    if unknown:
        raise UsageError(
            f"{where}: class folder(s) {', '.join(unknown)} are not among the model's classes "
            f"({', '.join(names)})"
        )
    index = np.array([names.index(c) for c in inputs.classes], dtype=np.int64)
    return Inputs(inputs.x, index[inputs.y], inputs.files, names)


def _stats(state: dict, cfg: Config) -> dict:
    """The checkpoint's normalisation statistics; a checkpoint from before they were saved
    gets them recomputed from its training data."""
    if "data_stats" in state:
        return state["data_stats"]
    return loop.data_stats(data.load(cfg.dataset, cfg.data_dir, cfg.data))


def _check_shape(shape: tuple, trained: list | None) -> None:
    """Refuse inputs of another shape than the training samples' (when the checkpoint says):
    an image folder of another size would otherwise fail deep inside the model."""
    if trained is not None and tuple(shape) != tuple(int(n) for n in trained):
        raise UsageError(
            f"--data inputs are {'x'.join(map(str, shape))}, but the model was trained on "
            f"{'x'.join(str(int(n)) for n in trained)} (channels x height x width for images)"
        )


def _as_data(inputs: Inputs, stats: dict) -> data.Data:
    """The inputs normalised as the training data was, in the shape ``build_model`` takes."""
    mean, std = stats["mean"].numpy(), stats["std"].numpy()
    if inputs.x.shape[1] != len(mean):
        raise UsageError(
            f"--data inputs have {inputs.x.shape[1]} channels, but the model was trained on "
            f"{len(mean)}"
        )
    _check_shape(inputs.x.shape[1:], stats.get("input_shape"))
    x = data.normalise(inputs.x, mean, std, in_place=True)  # read_inputs' own copy
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


def _predictions_csv(probs: np.ndarray, inputs: Inputs, names: list[str] | None) -> str:
    """One row per input: index, [file], predicted, [predicted_class], [label], p_0 ... p_K-1."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    header = ["index"] + ["file"] * (inputs.files is not None) + ["predicted"]
    header += ["predicted_class"] * (names is not None) + ["label"] * (inputs.y is not None)
    writer.writerow([*header, *(f"p_{k}" for k in range(probs.shape[1]))])
    for i, row in enumerate(probs):
        k = int(row.argmax())
        cells = [i] + ([inputs.files[i]] if inputs.files is not None else []) + [k]
        cells += [names[k]] if names is not None else []
        cells += [int(inputs.y[i])] if inputs.y is not None else []
        writer.writerow([*cells, *(f"{p:.6g}" for p in row)])
    return text.getvalue()


def _class_labels(k: int, names: list[str] | None) -> list[str]:
    """Row and column labels of a k-class confusion matrix: ``index name`` or the index."""
    if names is None:
        return [str(i) for i in range(k)]
    return [f"{i} {names[i]}" if i < len(names) else str(i) for i in range(k)]


def _confusion_csv(matrix: np.ndarray, labels: list[str]) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["true \\ predicted", *labels])
    for label, row in zip(labels, matrix):
        writer.writerow([label, *(int(n) for n in row)])
    return text.getvalue()


def _confusion_md(
    matrix: np.ndarray, labels: list[str], accuracy: float, correct: int, figure: bool
) -> str:
    cell = [label.replace("|", "\\|") for label in labels]
    lines = [
        "# numtorch predict: confusion matrix",
        "",
        f"Accuracy: {accuracy:.4f} ({correct} of {int(matrix.sum())}). Rows: true class; "
        "columns: predicted class.",
        "",
        "| true \\ predicted | " + " | ".join(cell) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    lines += [
        f"| {name} | " + " | ".join(str(int(n)) for n in row) + " |"
        for name, row in zip(cell, matrix)
    ]
    lines += [
        "",
        "![confusion.png](confusion.png)"
        if figure
        else "(No figure: matplotlib is not installed.)",
        "",
    ]
    return "\n".join(lines)


def _write_scores(
    out: Path, probs: np.ndarray, labels: np.ndarray, names: list[str] | None = None
) -> str:
    """Accuracy and the confusion matrix files; returns the accuracy line."""
    predicted = probs.argmax(1)
    classes = max(probs.shape[1], int(labels.max()) + 1)
    matrix = confusion(labels, predicted, classes)
    correct = int((predicted == labels).sum())
    accuracy = correct / len(labels)
    figure = plot.have_matplotlib()
    if figure:
        plot.plot_confusion(matrix, accuracy, out / "confusion.png")
    axis = _class_labels(classes, names)
    runfolder.write_text(out / "confusion.csv", _confusion_csv(matrix, axis))
    md = _confusion_md(matrix, axis, accuracy, correct, figure)
    runfolder.write_text(out / "confusion.md", md)
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
    stats = _stats(state, cfg)
    inputs = match_labels(read_inputs(args.data), stats, args.data)
    names = model_classes(stats)
    dataset = _as_data(inputs, stats)
    model = loop.build_model(cfg, dataset)
    checkpoint.check_model(state, model, cfg, args.checkpoint)
    model.load_state_dict(state["model"])
    probs = probabilities(model, dataset.x_test, args.batch_size)
    out = Path(args.out) if args.out else Path(args.checkpoint).parent
    try:
        out.mkdir(parents=True, exist_ok=True)
        runfolder.write_text(out / "predictions.csv", _predictions_csv(probs, inputs, names))
        print(f"numtorch predict: {len(probs)} predictions in {out / 'predictions.csv'}")
        if inputs.y is not None:
            print(_write_scores(out, probs, inputs.y, names))
    except OSError as err:
        raise UsageError(f"cannot write to --out {str(out)!r}: {err.strerror or err}") from None
    return 0
