"""One training run: model, optimizer, schedule, the epoch loop, checkpoints and resume.

Every random draw comes from two generators that the checkpoint saves (numtorch's default one,
which draws the Dropout2d masks, and the loader's shuffling one), so a run resumed from epoch k
ends bit-identical to one that never stopped.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numtorch as torch
from numtorch import nn
from numtorch.cli import runfolder, user_model
from numtorch.cli.config import MODELS, Config, RunFailed, UsageError
from numtorch.cli.data import Data
from numtorch.cli.progress import Progress
from numtorch.cli.report import read_metrics, write_metrics
from numtorch.models import ImageClassifier, ResNet

CHECKPOINT = "checkpoint.safetensors"


@dataclass
class RunResult:
    history: list[dict] = field(default_factory=list)
    model: nn.Module | None = None
    checkpoint: Path | None = None
    seconds: float = 0.0
    interrupted: bool = False


def build_model(cfg: Config, dataset: Data) -> nn.Module:
    """The configured model: a built-in one sized for the images, or the user's class (checked
    on a batch of two training samples)."""
    if cfg.model not in MODELS:
        sample = dataset.x_train[:2]
        return user_model.build(cfg.model, cfg.model_args, sample, dataset.num_classes)
    if not dataset.is_images:
        shape = list(dataset.x_train.shape[1:])
        raise UsageError(
            f"--model {cfg.model} takes (C, H, W) images, but the samples are {shape}: "
            "give your own --model FILE.py:CLASS"
        )
    if cfg.model == "resnet":
        return ResNet(dataset.channels, dataset.num_classes, dropout2d=cfg.dropout2d)
    return ImageClassifier(
        in_channels=dataset.channels,
        num_classes=dataset.num_classes,
        input_size=dataset.size,
        p=cfg.dropout2d,
    )


def build_optimizer(cfg: Config, params) -> torch.optim.Optimizer:
    """The configured optimizer over ``params`` (an iterable of parameters)."""
    params = list(params)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, nesterov=True)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr)
    return torch.optim.Adam(params, lr=cfg.lr)


def _accuracy_and_loss(logits, target) -> tuple[float, int]:
    loss = nn.functional.cross_entropy(logits, target, reduction="sum")
    return float(loss.item()), int((logits.argmax(1) == target).sum().item())


def evaluate(model: nn.Module, x, y, batch_size: int = 500) -> tuple[float, float]:
    """Mean loss and accuracy on (x, y) in eval mode, without recording gradients."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            loss, hits = _accuracy_and_loss(
                model(x[start : start + batch_size]), y[start : start + batch_size]
            )
            total_loss, correct = total_loss + loss, correct + hits
    return total_loss / len(y), correct / len(y)


def train_epoch(model, loader, optimizer, progress: Progress) -> tuple[float, float]:
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        n = len(y)
        total_loss += float(loss.item()) * n
        correct += int((logits.argmax(1) == y).sum().item())
        seen += n
        progress.update(n, total_loss / seen, correct / seen)
    return total_loss / seen, correct / seen


def data_stats(dataset: Data) -> dict:
    """What ``predict`` needs to prepare new inputs as the training data was: the training
    split's per-channel statistics and the number of classes."""
    return {
        "mean": torch.from_numpy(dataset.mean.astype("float32")),
        "std": torch.from_numpy(dataset.std.astype("float32")),
        "num_classes": dataset.num_classes,
    }


class _Run:
    """The live state of one run: what a checkpoint saves and restores."""

    def __init__(self, cfg: Config, dataset: Data) -> None:
        torch.manual_seed(cfg.seed)
        self.cfg = cfg
        self.model = build_model(cfg, dataset)
        self.optimizer = build_optimizer(cfg, self.model.parameters())
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=cfg.epochs
        )
        self.shuffle = torch.Generator().manual_seed(cfg.seed)
        self.loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(dataset.x_train, dataset.y_train),
            batch_size=cfg.batch_size,
            shuffle=True,
            generator=self.shuffle,
        )
        self.stats = data_stats(dataset)
        self.epoch, self.history = 0, []

    def state(self) -> dict:
        return {
            "config": asdict(self.cfg),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "rng_state": torch.get_rng_state(),
            "shuffle_rng_state": self.shuffle.get_state(),
            # wall-clock timings stay out: the same seed must give byte-identical checkpoints
            "history": [{k: v for k, v in row.items() if k != "seconds"} for row in self.history],
            "data_stats": self.stats,
        }

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng_state"])
        self.shuffle.set_state(state["shuffle_rng_state"])
        self.epoch, self.history = int(state["epoch"]), [dict(row) for row in state["history"]]


def _recover_timings(history: list[dict], run_dir: Path) -> None:
    """Epoch timings are not in checkpoints; take them from the run's metrics.json where its
    row for an epoch matches the checkpoint's (unknown timings stay None)."""
    saved = {}
    for row in read_metrics(run_dir):
        if isinstance(row, dict) and isinstance(row.get("epoch"), int):  # hostile rows skipped
            saved.setdefault(row["epoch"], row)
    for row in history:
        old = saved.get(row["epoch"], {})
        seconds = old.get("seconds")
        same = all(old.get(k) == v for k, v in row.items() if k != "seconds")
        ok = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        row["seconds"] = float(seconds) if same and ok and 0 <= seconds < math.inf else None


def _restore(run: _Run, state: dict, run_dir: Path) -> None:
    """Continue from ``state`` (checked by ``checkpoint``) and rewrite the metrics from it."""
    try:
        run.restore(state)
    except (ValueError, RuntimeError, TypeError, KeyError, IndexError) as err:
        raise UsageError(f"cannot resume from the checkpoint: {err}") from None
    _recover_timings(run.history, run_dir)
    write_metrics(run_dir, run.history)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _save(run: _Run, run_dir: Path, path: Path) -> None:
    """Metrics first, then the checkpoint, each atomic: the metrics on disk always reach at
    least the checkpoint's epoch (a resume trims them back to it), so no timing is lost."""
    write_metrics(run_dir, run.history, run.epoch)
    runfolder.save_checkpoint(run.state(), path, run.epoch)


def _interrupted(run: _Run, path: Path, saved: int | None, saving: bool) -> str:
    where = f"while saving epoch {run.epoch}" if saving else f"during epoch {run.epoch + 1}"
    if saved is None:
        return f"interrupted {where}: no checkpoint was written"
    return (
        f"interrupted {where}: the checkpoint {path} holds epoch {saved}; continue with: "
        f"numtorch train --resume {path}"
    )


def train(cfg: Config, dataset: Data, run_dir: Path, resume_state: dict | None) -> RunResult:
    """Train for ``cfg.epochs`` epochs, saving metrics and a checkpoint after each; Ctrl-C
    stops cleanly, and a full disk is a one-line error that keeps the last checkpoint."""
    run_dir.mkdir(parents=True, exist_ok=True)
    runfolder.remove_stale_temps(run_dir)
    run = _Run(cfg, dataset)
    path = run_dir / CHECKPOINT
    saved = None
    if resume_state is not None:
        _restore(run, resume_state, run_dir)
        saved = run.epoch
    start, saving, before = time.perf_counter(), False, None
    try:
        while run.epoch < cfg.epochs:
            runfolder.maybe_crash(f"epoch:{run.epoch + 1}")
            _one_epoch(run, dataset)
            before, saving = _identity(path), True
            _save(run, run_dir, path)
            saved, saving = run.epoch, False
    except KeyboardInterrupt:
        # The checkpoint on disk is the end of the last whole epoch; saving the half-trained
        # weights now would break the bit-identical resume.
        if saving and _identity(path) != before:  # interrupted after the file was replaced
            saved = run.epoch
        print("\n" + _interrupted(run, path, saved, saving), flush=True)
        return RunResult(run.history, run.model, path, time.perf_counter() - start, True)
    except OSError as err:
        held = f"{path} holds epoch {saved}" if saved is not None else "none was written"
        raise RunFailed(
            f"cannot save epoch {run.epoch} in {run_dir}: {err.strerror or err} (the last "
            f"checkpoint: {held})"
        ) from None
    return RunResult(run.history, run.model, path, time.perf_counter() - start)


def _one_epoch(run: _Run, dataset: Data) -> None:
    t0 = time.perf_counter()
    prefix = f"p={run.cfg.dropout2d:g} " if run.cfg.model in MODELS else ""
    label = f"{prefix}epoch {run.epoch + 1}/{run.cfg.epochs}"
    progress = Progress(len(dataset.y_train), label)
    train_loss, train_acc = train_epoch(run.model, run.loader, run.optimizer, progress)
    progress.close()
    test_loss, test_acc = evaluate(run.model, dataset.x_test, dataset.y_test)
    lr = run.optimizer.param_groups[0]["lr"]
    run.scheduler.step()
    run.epoch += 1
    seconds = time.perf_counter() - t0
    row = {
        "epoch": run.epoch,
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
        "lr": lr,
        "seconds": seconds,
    }
    run.history.append(row)
    print(
        f"{label}: train loss {train_loss:.4f} acc {train_acc:.4f} | test loss {test_loss:.4f} "
        f"acc {test_acc:.4f} | {len(dataset.y_train) / seconds:,.0f} img/s",
        flush=True,
    )
