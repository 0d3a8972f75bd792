"""One training run: model, optimizer, schedule, the epoch loop, checkpoints and resume.

Each epoch trains on the training data less a validation split (``--val-fraction``, drawn from
the seed), is validated on that split, and may become the best epoch (the highest val_acc, the
earliest on ties), whose weights go to ``best.safetensors``; the test set is scored once, when
the run ends (--epochs, --patience or --max-steps), with those weights.

Every random draw comes from two generators that the checkpoint saves (numtorch's default one,
which draws the Dropout2d masks, and the loader's shuffling one), so a run resumed from epoch k
ends bit-identical to one that never stopped; the best epoch's weights and the patience count
are in the checkpoint too.

Under ``--distributed`` (several ranks, see :mod:`numtorch.cli.distributed`) each rank trains on
its share of every global batch through ``DistributedDataParallel``, evaluation sums over the
ranks, and rank 0 alone writes the run folder; the checkpoint holds the global state only.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import numtorch as torch
from numtorch import nn
from numtorch.cli import runfolder, user_model
from numtorch.cli.config import MODELS, Config, RunFailed, UsageError
from numtorch.cli.data import Data
from numtorch.cli.distributed import SINGLE, World, convert_batchnorm
from numtorch.cli.progress import Progress, RunETA
from numtorch.cli.report import read_metrics, write_metrics
from numtorch.models import ImageClassifier, ResNet

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"  # the best validation epoch's weights, beside the last checkpoint
_SPLIT_OFFSET = 0x9E3779B97F4A7C15  # the split's generator: --seed + this (mod 2**64)


@dataclass
class RunResult:
    history: list[dict] = field(default_factory=list)
    model: nn.Module | None = None
    checkpoint: Path | None = None
    seconds: float = 0.0
    interrupted: bool = False
    best_epoch: int = 0
    test: tuple[float, float] | None = None  # (loss, accuracy) of the best weights
    stopped: str | None = None  # why it ended before --epochs (early stopping, --max-steps)


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


def evaluate(
    model: nn.Module, x, y, batch_size: int = 500, world: World = SINGLE
) -> tuple[float, float]:
    """Mean loss and accuracy on (x, y) in eval mode, without recording gradients; on several
    ranks each scores its share of the samples and the sums are added over the ranks."""
    model.eval()
    total_loss, correct = 0.0, 0
    part = world.share(len(y))
    x, y_own = (x[part], y[part]) if world.parallel else (x, y)
    with torch.no_grad():
        for start in range(0, len(y_own), batch_size):
            loss, hits = _accuracy_and_loss(
                model(x[start : start + batch_size]), y_own[start : start + batch_size]
            )
            total_loss, correct = total_loss + loss, correct + hits
    total_loss, correct = world.sum([total_loss, correct])
    return total_loss / len(y), correct / len(y)


def _step_loss(model, x, y, world: World):
    """The batch's logits and the loss to differentiate. On several ranks ``x, y`` is the
    global batch: this rank runs its share, with its summed loss scaled by K / n so that
    DistributedDataParallel's average over the K ranks is the global batch's mean gradient."""
    if not world.parallel:
        logits = model(x)
        return logits, y, nn.functional.cross_entropy(logits, y)
    part = world.share(len(y))
    x, y_own = x[part], y[part]
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y_own, reduction="sum")
    return logits, y_own, loss * (world.size / len(y))


def train_epoch(
    model,
    loader,
    optimizer,
    progress: Progress,
    limit: int | None = None,
    world: World = SINGLE,
) -> tuple[float, float, int]:
    """One pass over ``loader`` (or its first ``limit`` batches): mean loss, accuracy and the
    number of optimizer steps made (on several ranks: of the global batches)."""
    model.train()
    total_loss, correct, seen, steps = 0.0, 0, 0, 0
    for x, y in loader:
        optimizer.zero_grad()
        logits, y_own, loss = _step_loss(model, x, y, world)
        loss.backward()
        optimizer.step()
        n = len(y)
        batch_loss = float(loss.item()) * (n / world.size if world.parallel else n)
        hits = int((logits.argmax(1) == y_own).sum().item())
        batch_loss, hits = world.sum([batch_loss, hits])
        total_loss += batch_loss
        correct += int(hits)
        seen, steps = seen + n, steps + 1
        progress.update(n, total_loss / seen, correct / seen)
        if limit is not None and steps >= limit:
            break
    return total_loss / seen, correct / seen, steps


def split_indices(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The run's (train, validation) indices into its ``n`` training samples: a permutation
    drawn from ``seed`` (offset, so it is not the loader's first shuffle), the first
    ``round(n * fraction)`` (at least one when ``fraction > 0``) held out; both sorted. The same
    seed and ``n`` always give the same split, so ``--resume`` validates on the same samples."""
    n_val = 0 if fraction == 0 else max(1, round(n * fraction))
    if n_val >= n:
        raise UsageError(
            f"--val-fraction {fraction:g} of {n} training samples leaves none to train on"
        )
    generator = torch.Generator().manual_seed((seed + _SPLIT_OFFSET) % 2**64)
    order = torch.randperm(n, generator=generator).numpy()
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _rows(x: torch.Tensor, index: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x.numpy()[index]))


def data_stats(dataset: Data) -> dict:
    """What ``predict`` needs to prepare new inputs as the training data was: the training
    split's per-channel statistics, the input shape of one sample, the number of classes and
    (an image folder) their names."""
    stats = {
        "mean": torch.from_numpy(dataset.mean.astype("float32")),
        "std": torch.from_numpy(dataset.std.astype("float32")),
        "num_classes": dataset.num_classes,
        "input_shape": [int(n) for n in dataset.x_train.shape[1:]],
    }
    classes = getattr(dataset, "classes", None)  # an image folder's class names
    if classes is not None:
        stats["classes"] = list(classes)
    return stats


class _Run:
    """The live state of one run: what a checkpoint saves and restores."""

    def __init__(self, cfg: Config, dataset: Data, world: World = SINGLE) -> None:
        torch.manual_seed(cfg.seed)
        self.cfg, self.world = cfg, world
        self.model = convert_batchnorm(build_model(cfg, dataset), world)
        self.stepper = world.wrap(self.model)  # what the training steps call
        self.optimizer = build_optimizer(cfg, self.model.parameters())
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=cfg.epochs
        )
        train, val = split_indices(len(dataset.y_train), cfg.val_fraction, cfg.seed)
        self.val_indices = val
        self.x_val, self.y_val = _rows(dataset.x_train, val), _rows(dataset.y_train, val)
        self.n_train = len(train)
        self.shuffle = torch.Generator().manual_seed(cfg.seed)
        self.loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(
                _rows(dataset.x_train, train), _rows(dataset.y_train, train)
            ),
            batch_size=cfg.batch_size,
            shuffle=True,
            generator=self.shuffle,
        )
        self.stats = data_stats(dataset)
        self.epoch, self.history = 0, []
        self.best_epoch, self.bad_epochs, self.best_model = 0, 0, self.model.state_dict()

    @property
    def validates(self) -> bool:
        return len(self.y_val) > 0

    @property
    def steps(self) -> int:
        """Optimizer steps made so far (a run cut by --max-steps stops inside its last epoch)."""
        return steps_done(self.epoch, len(self.loader), self.cfg.max_steps)

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
            "history": _untimed(self.history),
            "data_stats": self.stats,
            "val_indices": torch.from_numpy(self.val_indices.astype(np.int64)),
            "best_epoch": self.best_epoch,
            "bad_epochs": self.bad_epochs,
            "best_model": self.best_model,
        }

    def best_state(self) -> dict:
        """What ``best.safetensors`` holds: the best epoch's weights, config, history up to it
        and the normalisation statistics (what ``predict`` needs; not a resumable state)."""
        return {
            "config": asdict(self.cfg),
            "model": self.best_model,
            "epoch": self.best_epoch,
            "history": _untimed(self.history[: self.best_epoch]),
            "data_stats": self.stats,
        }

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng_state"])
        self.shuffle.set_state(state["shuffle_rng_state"])
        self.epoch, self.history = int(state["epoch"]), [dict(row) for row in state["history"]]
        self.best_epoch, self.bad_epochs = int(state["best_epoch"]), int(state["bad_epochs"])
        self.best_model = dict(state["best_model"])

    def replan(self, epochs: int) -> None:
        """Stretch the cosine schedule to ``epochs`` in all (``--resume --epochs N``): the lr
        jumps to where a run planned for ``epochs`` would be now and follows that curve."""
        self.scheduler.T_max = epochs
        lrs = self.scheduler._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self.scheduler._last_lr = list(lrs)

    def finished(self) -> str | None:
        """None while the run has epochs to go, else why it ended ('' at --epochs)."""
        cfg = self.cfg
        if cfg.max_steps is not None and self.steps >= cfg.max_steps:
            return f"reached --max-steps {cfg.max_steps}"
        if cfg.patience is not None and self.bad_epochs >= cfg.patience:
            n = self.bad_epochs
            return (
                f"early stopping: no better val_acc in {n} epoch{'s' * (n != 1)} "
                f"(--patience {cfg.patience})"
            )
        return "" if self.epoch >= cfg.epochs else None


def steps_done(epoch: int, per_epoch: int, max_steps: int | None) -> int:
    """Optimizer steps after ``epoch`` epochs of ``per_epoch`` batches, capped by --max-steps."""
    return epoch * per_epoch if max_steps is None else min(epoch * per_epoch, max_steps)


def _untimed(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


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
    """Continue from ``state`` (checked by ``checkpoint``), re-plan the schedule if --epochs
    was raised, and rewrite the metrics and best weights from it."""
    try:
        run.restore(state)
    except (ValueError, RuntimeError, TypeError, KeyError, IndexError) as err:
        raise UsageError(f"cannot resume from the checkpoint: {err}") from None
    if run.cfg.epochs != state["config"]["epochs"]:
        run.replan(run.cfg.epochs)
    if not run.world.is_writer:
        return
    _recover_timings(run.history, run_dir)
    write_metrics(run_dir, run.history, summary=_summary(run))
    if run.best_epoch:  # whatever a kill left of best.safetensors, it matches the checkpoint
        runfolder.save_checkpoint(run.best_state(), run_dir / BEST, run.best_epoch)


def _summary(run: _Run, test: tuple[float, float] | None = None) -> dict:
    """metrics.json's fields beside the history: the best epoch, and the test score once."""
    out = {"best_epoch": run.best_epoch or None, "stopped": run.finished() or None}
    if test is not None:
        out |= {"test_loss": test[0], "test_acc": test[1]}
    return out


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _save(run: _Run, run_dir: Path, path: Path) -> None:
    """Metrics first, then the checkpoint, then (a new best) the best weights, each atomic: the
    metrics on disk always reach at least the checkpoint's epoch (a resume trims them back to
    it), and the checkpoint holds the best weights too, so a resume rewrites best.safetensors.
    On several ranks, rank 0 alone writes (after checking every rank holds the same weights)."""
    run.world.check_same_weights(run.model)
    if not run.world.is_writer:
        return
    write_metrics(run_dir, run.history, run.epoch, _summary(run))
    runfolder.save_checkpoint(run.state(), path, run.epoch)
    if run.best_epoch == run.epoch:
        runfolder.save_checkpoint(run.best_state(), run_dir / BEST, run.epoch)


def _interrupted(run: _Run, path: Path, saved: int | None, saving: bool) -> str:
    where = f"while saving epoch {run.epoch}" if saving else f"during epoch {run.epoch + 1}"
    if saved is None:
        return f"interrupted {where}: no checkpoint was written"
    return (
        f"interrupted {where}: the checkpoint {path} holds epoch {saved}; continue with: "
        f"numtorch train --resume {path}"
    )


def train(
    cfg: Config,
    dataset: Data,
    run_dir: Path,
    resume_state: dict | None,
    world: World = SINGLE,
) -> RunResult:
    """Train until ``cfg.epochs``, --patience or --max-steps ends the run, saving metrics and
    a checkpoint after each epoch (and best.safetensors on a new best); then score the test set
    once with the best weights. Ctrl-C stops cleanly, and a full disk is a one-line error that
    keeps the last checkpoint. ``world``: this rank of a --distributed job."""
    if world.is_writer:
        run_dir.mkdir(parents=True, exist_ok=True)
        runfolder.remove_stale_temps(run_dir)
    run = _Run(cfg, dataset, world)
    path = run_dir / CHECKPOINT
    saved = None
    if resume_state is not None:
        _restore(run, resume_state, run_dir)
        saved = run.epoch
        if run.finished() is not None:
            print(f"{_finished_line(run)}: nothing left to train; rewriting its report")
    run_eta = RunETA(steps_done(cfg.epochs, len(run.loader), cfg.max_steps) - run.steps)
    start, saving, before = time.perf_counter(), False, None
    try:
        while run.finished() is None:
            runfolder.maybe_crash(f"epoch:{run.epoch + 1}")
            _one_epoch(run, run_eta)
            before, saving = _identity(path), True
            _save(run, run_dir, path)
            saved, saving = run.epoch, False
        test = _score_test(run, dataset, run_dir)
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
    seconds = time.perf_counter() - start
    return RunResult(
        run.history, run.model, path, seconds, False, run.best_epoch, test, run.finished() or None
    )


def _finished_line(run: _Run) -> str:
    why = run.finished()
    return f"the run ended after {run.epoch} epochs" + (f" ({why})" if why else "")


def _score_test(run: _Run, dataset: Data, run_dir: Path) -> tuple[float, float]:
    """Load the best weights (the last epoch's without validation) into the model, score the
    test set with them once, and add that score to metrics.json."""
    if run.validates:
        acc = run.history[run.best_epoch - 1]["val_acc"]
        print(f"{_finished_line(run)}; the best was epoch {run.best_epoch} (val acc {acc:.4f})")
    run.model.load_state_dict(run.best_model)
    test = evaluate(run.model, dataset.x_test, dataset.y_test, world=run.world)
    which = "best" if run.validates else "last"
    note = "" if run.validates else "; no validation"
    print(
        f"test ({which} epoch {run.best_epoch}'s weights{note}): loss {test[0]:.4f} "
        f"acc {test[1]:.4f}",
        flush=True,
    )
    if run.world.is_writer:
        write_metrics(run_dir, run.history, summary=_summary(run, test))
    return test


def _one_epoch(run: _Run, run_eta: RunETA | None = None) -> None:
    t0 = time.perf_counter()
    prefix = f"p={run.cfg.dropout2d:g} " if run.cfg.model in MODELS else ""
    label = f"{prefix}epoch {run.epoch + 1}/{run.cfg.epochs}"
    progress = Progress(run.n_train, label, run.world.quiet, run_eta=run_eta)
    limit = None if run.cfg.max_steps is None else run.cfg.max_steps - run.steps
    with run.world.rank_rng():
        train_loss, train_acc, steps = train_epoch(
            run.stepper, run.loader, run.optimizer, progress, limit, run.world
        )
    progress.close()
    row = {"epoch": run.epoch + 1, "train_loss": train_loss, "train_acc": train_acc}
    if run.validates:
        row["val_loss"], row["val_acc"] = evaluate(run.model, run.x_val, run.y_val, world=run.world)
    row["lr"] = run.optimizer.param_groups[0]["lr"]
    run.scheduler.step()
    run.epoch += 1
    row["seconds"] = seconds = time.perf_counter() - t0
    run.history.append(row)
    _track_best(run, row)
    print(_epoch_line(label, row, run, progress.done / seconds), flush=True)
    if steps < len(run.loader):
        print(
            f"--max-steps {run.cfg.max_steps} reached after {steps} of {len(run.loader)} "
            f"batches of epoch {run.epoch}: that partial epoch is validated and kept as the "
            "run's last",
            flush=True,
        )


def _track_best(run: _Run, row: dict) -> None:
    """Keep the best epoch: the highest val_acc, the earliest on ties (without validation,
    the last epoch); count the epochs since it for --patience."""
    best = run.history[run.best_epoch - 1] if run.best_epoch else None
    if not run.validates or best is None or row["val_acc"] > best["val_acc"]:
        run.best_epoch, run.bad_epochs = run.epoch, 0
        run.best_model = {k: v.clone() for k, v in run.model.state_dict().items()}
    else:
        run.bad_epochs += 1


def _epoch_line(label: str, row: dict, run: _Run, rate: float) -> str:
    line = f"{label}: train loss {row['train_loss']:.4f} acc {row['train_acc']:.4f}"
    if "val_acc" in row:
        mark = " (best)" if run.best_epoch == run.epoch else ""
        line += f" | val loss {row['val_loss']:.4f} acc {row['val_acc']:.4f}{mark}"
    return f"{line} | {rate:,.0f} img/s"
