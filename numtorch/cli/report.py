"""The report a run leaves in ``--out``: metrics (CSV and JSON), figures and ``summary.md``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch.cli import plot

COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")


def write_metrics(run_dir: Path, history: list[dict]) -> None:
    with open(run_dir / "metrics.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(history)
    (run_dir / "metrics.json").write_text(json.dumps(history, indent=2) + "\n")


def read_metrics(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "metrics.json").read_text())


def _first_dropout2d(model: torch.nn.Module) -> torch.nn.Module | None:
    return next((m for m in model.modules() if isinstance(m, torch.nn.Dropout2d)), None)


def capture_dropped_maps(
    model: torch.nn.Module, image
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Run one image in training mode and return the first Dropout2d's input and keep mask."""
    layer = _first_dropout2d(model)
    if layer is None:
        return None
    seen = []
    original = layer.forward

    def spy(x):
        seen.append(x.detach().numpy().copy())
        return original(x)

    layer.forward = spy
    try:
        model.train()
        with torch.no_grad():
            model(image.unsqueeze(0))
    finally:
        del layer.forward
        model.eval()
    keep = np.asarray(layer.last_mask, dtype=bool).reshape(1, -1)[0]
    return seen[0][0], keep, layer.p


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
    (out / "summary.md").write_text(_summary(out, runs, figures, dataset))
    print(f"report: {out / 'summary.md'}")


def _dropped_figure(out: Path, runs: list, dataset) -> list[str]:
    cfg, _, result = max(runs, key=lambda r: r[0].dropout2d)
    if cfg.dropout2d == 0:
        return []
    captured = capture_dropped_maps(result.model, dataset.x_test[0])
    if captured is None:
        return []
    before, keep, p = captured
    plot.plot_dropped_maps(dataset.raw_test_image(0), before, keep, p, out / "dropped_maps.png")
    return ["dropped_maps.png"]


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
            f"| {cfg.dropout2d:g} | {last['epoch']} | {last['train_acc']:.4f} | "
            f"{last['test_acc']:.4f} | {last['train_acc'] - last['test_acc']:+.4f} | {best:.4f} | "
            f"{sum(r['seconds'] or 0.0 for r in result.history):.1f} | "
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
