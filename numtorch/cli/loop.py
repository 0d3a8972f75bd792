"""One training run: model, optimizer, schedule, the epoch loop, checkpoints and resume.

Every random draw comes from two generators that the checkpoint saves (numtorch's default one,
which draws the Dropout2d masks, and the loader's shuffling one), so a run resumed from epoch k
ends bit-identical to one that never stopped.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numtorch as torch
from numtorch import nn
from numtorch.cli.config import Config, UsageError
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
    if cfg.model == "resnet":
        return ResNet(dataset.channels, dataset.num_classes, dropout2d=cfg.dropout2d)
    return ImageClassifier(
        in_channels=dataset.channels,
        num_classes=dataset.num_classes,
        input_size=dataset.size,
        p=cfg.dropout2d,
    )


def build_optimizer(cfg: Config, model: nn.Module) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr)


def load_checkpoint(path: str) -> dict:
    if not Path(path).is_file():
        raise UsageError(f"--resume checkpoint {path!r} does not exist")
    try:
        state = torch.load(path)
    except (OSError, ValueError, RuntimeError) as err:
        raise UsageError(f"cannot read checkpoint {path!r}: {err}") from None
    if not isinstance(state, dict) or "config" not in state or "model" not in state:
        raise UsageError(f"{path!r} is not a numtorch train checkpoint")
    return state


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


class _Run:
    """The live state of one run: what a checkpoint saves and restores."""

    def __init__(self, cfg: Config, dataset: Data) -> None:
        torch.manual_seed(cfg.seed)
        self.cfg = cfg
        self.model = build_model(cfg, dataset)
        self.optimizer = build_optimizer(cfg, self.model)
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
        }

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng_state"])
        self.shuffle.set_state(state["shuffle_rng_state"])
        self.epoch, self.history = int(state["epoch"]), [dict(row) for row in state["history"]]


def _recover_timings(history: list[dict], run_dir: Path) -> None:
    """Epoch timings are not in checkpoints; take them from the run's metrics.json if there."""
    try:
        saved = {row["epoch"]: row.get("seconds") for row in read_metrics(run_dir)}
    except (OSError, ValueError, KeyError, TypeError):
        saved = {}
    for row in history:
        row["seconds"] = saved.get(row["epoch"])


def train(cfg: Config, dataset: Data, run_dir: Path, resume_state: dict | None) -> RunResult:
    """Train for ``cfg.epochs`` epochs, saving a checkpoint after each; Ctrl-C stops cleanly."""
    run_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(cfg, dataset)
    if resume_state is not None:
        run.restore(resume_state)
        _recover_timings(run.history, run_dir)
    path = run_dir / CHECKPOINT
    start = time.perf_counter()
    try:
        while run.epoch < cfg.epochs:
            _one_epoch(run, dataset)
            torch.save(run.state(), path)  # atomic: an interrupted save keeps the old file
            write_metrics(run_dir, run.history)
    except KeyboardInterrupt:
        # The checkpoint on disk is the end of the last whole epoch; saving the half-trained
        # weights now would break the bit-identical resume.
        if run.epoch:
            print(
                f"\ninterrupted during epoch {run.epoch + 1}: the checkpoint {path} holds epoch "
                f"{run.epoch}; continue with: numtorch train --resume {path}"
            )
        else:
            print("\ninterrupted before the first epoch ended: no checkpoint was written")
        return RunResult(run.history, run.model, path, time.perf_counter() - start, True)
    return RunResult(run.history, run.model, path, time.perf_counter() - start)


def _one_epoch(run: _Run, dataset: Data) -> None:
    t0 = time.perf_counter()
    label = f"p={run.cfg.dropout2d:g} epoch {run.epoch + 1}/{run.cfg.epochs}"
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
