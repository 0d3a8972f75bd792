"""The report a run leaves in ``--out``: metrics (CSV and JSON), figures and ``summary.md``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch.cli import plot, runfolder
from numtorch.cli.config import MODELS

COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")


def write_metrics(run_dir: Path, history: list[dict], epoch: int | None = None) -> None:
    """Write metrics.csv and metrics.json, each atomically (a kill or a full disk leaves the
    old file or the new one, never a torn one); ``epoch`` names the writes for the crash seam."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(history)
    runfolder.write_text(run_dir / "metrics.csv", text.getvalue(), epoch)
    runfolder.write_text(run_dir / "metrics.json", json.dumps(history, indent=2) + "\n", epoch)


def read_metrics(run_dir: Path) -> list:
    """The rows of ``run_dir``'s metrics.json, or [] if it is missing or not a JSON list."""
    try:
        rows = json.loads((run_dir / "metrics.json").read_text())
    except (OSError, ValueError, RecursionError):
        return []
    return rows if isinstance(rows, list) else []


def _first_dropout2d(model: torch.nn.Module) -> torch.nn.Module | None:
    return next((m for m in model.modules() if isinstance(m, torch.nn.Dropout2d)), None)


def capture_dropped_maps(
    model: torch.nn.Module, image: torch.Tensor
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Run one (C, H, W) image in training mode and return the first Dropout2d's input for it
    (C, H, W), the keep mask that layer drew (C,) and its ``p``.

    A forward hook observes the layer, so this sees it only when the model calls it as
    ``layer(x)``: None if the model has no Dropout2d or calls ``layer.forward(x)``, which skips
    hooks. Every module's train/eval flag is put back as it was, so the model leaves as it came
    (only the layer's ``last_mask`` is new).
    """
    layer = _first_dropout2d(model)
    if layer is None:
        return None
    seen = []

    def hook(module: torch.nn.Module, args: tuple, output: torch.Tensor) -> None:
        seen.append((args[0].detach().numpy()[0].copy(), module.last_mask.numpy()[0].copy()))

    modes = [(m, m.training) for m in model.modules()]
    handle = layer.register_forward_hook(hook)
    try:
        model.train()
        with torch.no_grad():
            model(image.unsqueeze(0))
    finally:
        handle.remove()
        for m, training in modes:
            m.training = training
    if not seen:
        return None
    before, keep = seen[0]
    return before, keep.astype(bool), layer.p


def write(out: Path, histories: dict[str, list[dict]], runs: list, dataset) -> None:
    """Write every run's metrics, the shared figures and ``summary.md``."""
    figures = []
    if plot.have_matplotlib():
        plot.plot_curves(histories, out / "curves.png")
        figures.append("curves.png")
        figures += _dropped_figure(out, runs, dataset)
    else:
        print(
            "matplotlib is not installed: skipping curves.png and dropped_maps.png "
            "(pip install 'numtorch[demo]')"
        )
    runfolder.maybe_crash("report")
    runfolder.write_text(out / "summary.md", _summary(out, runs, figures, dataset))
    print(f"report: {out / 'summary.md'}")


def _dropped_figure(out: Path, runs: list, dataset) -> list[str]:
    cfg, _, result = max(runs, key=lambda r: r[0].dropout2d)
    if cfg.dropout2d == 0 or not dataset.is_images:
        return []
    captured = capture_dropped_maps(result.model, dataset.x_test[0])
    if captured is None:
        print(
            "skipping dropped_maps.png: no Dropout2d ran through its forward hooks (a model "
            "must call it as layer(x), not layer.forward(x))"
        )
        return []
    before, keep, p = captured
    if before.ndim != 3:  # a user model's Dropout2d on other than (C, H, W) maps
        return []
    plot.plot_dropped_maps(dataset.raw_test_image(0), before, keep, p, out / "dropped_maps.png")
    return ["dropped_maps.png"]


def _total_time(history: list[dict]) -> str:
    """The run's training time in seconds; epochs whose timing was lost (a resume without the
    old metrics.json) are counted, not taken as 0 s."""
    known = [r["seconds"] for r in history if r.get("seconds") is not None]
    if not known:
        return "not recorded"
    total = f"{sum(known):.1f}"
    return (
        total
        if len(known) == len(history)
        else f"{total} ({len(known)} of {len(history)} epochs timed)"
    )


def _p_column(cfg) -> str:
    """The Dropout2d p a built-in model trained with; a user model has its own layers."""
    return f"{cfg.dropout2d:g}" if cfg.model in MODELS else "(your model's)"


def _summary(out: Path, runs: list, figures: list[str], dataset) -> str:
    lines = [
        "# numtorch train report",
        "",
        f"Data: {dataset.describe()}.",
        "",
        "| Dropout2d p | epochs | final train acc | final test acc | gap (train - test) | best test acc | time (s) | checkpoint | metrics |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cfg, run_dir, result in runs:
        last = result.history[-1]
        best = max(r["test_acc"] for r in result.history)
        rel = run_dir.relative_to(out)
        prefix = "" if str(rel) == "." else f"{rel}/"
        lines.append(
            f"| {_p_column(cfg)} | {last['epoch']} | {last['train_acc']:.4f} | "
            f"{last['test_acc']:.4f} | {last['train_acc'] - last['test_acc']:+.4f} | {best:.4f} | "
            f"{_total_time(result.history)} | "
            f"[{prefix}checkpoint.safetensors]({prefix}checkpoint.safetensors) | "
            f"[{prefix}metrics.csv]({prefix}metrics.csv) |"
        )
    cfg = runs[0][0]
    lines += [
        "",
        f"Model: {cfg.model}; optimizer {cfg.optimizer}, lr {cfg.lr:g}, batch size "
        f"{cfg.batch_size}, seed {cfg.seed}.",
        "",
    ]
    for name in figures:
        lines += [f"![{name}]({name})", ""]
    if not figures:
        lines += ["(Figures skipped: matplotlib is not installed.)", ""]
    return "\n".join(lines)
