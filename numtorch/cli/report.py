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

COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


def write_metrics(
    run_dir: Path, history: list[dict], epoch: int | None = None, summary: dict | None = None
) -> None:
    """Write metrics.csv (one row per epoch; no val columns without validation) and
    metrics.json (``summary``'s fields -- best epoch, why it stopped, the test score once the
    run ended -- and the history), each atomically (a kill or a full disk leaves the old file
    or the new one, never a torn one); ``epoch`` names the writes for the crash seam."""
    columns = [c for c in COLUMNS if not history or c in history[0]]
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    writer.writerows(history)
    runfolder.write_text(run_dir / "metrics.csv", text.getvalue(), epoch)
    document = {**(summary or {}), "history": history}
    runfolder.write_text(run_dir / "metrics.json", json.dumps(document, indent=2) + "\n", epoch)


def read_metrics(run_dir: Path) -> list:
    """The history rows of ``run_dir``'s metrics.json (or of an older one that was a bare
    list), or [] if it is missing or not in either form."""
    try:
        document = json.loads((run_dir / "metrics.json").read_text())
    except (OSError, ValueError, RecursionError):
        return []
    rows = document.get("history") if isinstance(document, dict) else document
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


def _link(prefix: str, name: str) -> str:
    return f"[{prefix}{name}]({prefix}{name})"


def _row(out: Path, cfg, run_dir: Path, result) -> str:
    """One run's line: its best epoch's train and validation accuracy and the test accuracy of
    that epoch's weights (scored once, at the end)."""
    best = result.history[result.best_epoch - 1]
    val = f"{best['val_acc']:.4f}" if "val_acc" in best else "(none)"
    test = result.test[1]
    rel = run_dir.relative_to(out)
    prefix = "" if str(rel) == "." else f"{rel}/"
    epochs = len(result.history)
    return (
        f"| {_p_column(cfg)} | {epochs} | {result.best_epoch} | {best['train_acc']:.4f} | {val} | "
        f"{test:.4f} | {best['train_acc'] - test:+.4f} | {_total_time(result.history)} | "
        f"{_link(prefix, 'best.safetensors')} | {_link(prefix, 'checkpoint.safetensors')} | "
        f"{_link(prefix, 'metrics.csv')} |"
    )


def _verdict(cfg, run_dir: Path, result) -> str:
    """One sentence per run: which epoch was kept and what its weights scored on the test set."""
    who = f"p={cfg.dropout2d:g}: " if cfg.model in MODELS else ""
    row = result.history[result.best_epoch - 1]
    why = f"best (val acc {row['val_acc']:.4f})" if "val_acc" in row else "kept (the last)"
    stop = f" Ended after {len(result.history)} epochs: {result.stopped}." if result.stopped else ""
    return (
        f"- {who}epoch {result.best_epoch} was {why}; its weights score test accuracy "
        f"{result.test[1]:.4f} (loss {result.test[0]:.4f}).{stop}"
    )


def _summary(out: Path, runs: list, figures: list[str], dataset) -> str:
    cfg = runs[0][0]
    chosen = (
        "The best epoch is the one with the highest validation accuracy (the earliest on ties) "
        f"on {cfg.val_fraction:.0%} of the training data, held out"
        if cfg.val_fraction
        else "Without validation (--val-fraction 0) the best epoch is the last"
    )
    lines = [
        "# numtorch train report",
        "",
        f"Data: {dataset.describe()}.",
        "",
        f"{chosen}; the test set was scored once, at the end, with its weights (best.safetensors).",
        "",
        "| Dropout2d p | epochs | best epoch | train acc | val acc | test acc | gap (train - test) "
        "| time (s) | best weights | last checkpoint | metrics |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(out, *run) for run in runs]
    lines += ["", *(_verdict(*run) for run in runs)]
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
