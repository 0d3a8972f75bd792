"""``numtorch train``: arguments, validation, and the runs (one, or one per ``--compare`` p)."""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import asdict, fields
from pathlib import Path

from numtorch.cli import checkpoint, data, loop, report, runfolder, user_model
from numtorch.cli.config import (
    DATASETS,
    MAX_SEED,
    MODELS,
    OPTIMIZERS,
    Config,
    RunFailed,
    UsageError,
    is_model_spec,
)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    d = Config()
    add = parser.add_argument
    add("--dataset", choices=DATASETS, help=f"training data (default: {d.dataset}, bundled)")
    add("--data-dir", help="directory holding the dataset's files (IDX or CIFAR-10 batches)")
    add(
        "--data",
        metavar="FILE.npz",
        help="your data: x_train, y_train and optionally x_test, y_test (else 20%% held out)",
    )
    add(
        "--model",
        metavar="MODEL",
        help=f"{' or '.join(MODELS)} (default: {d.model}), or your own nn.Module: "
        "FILE.py:CLASS or package.module:CLASS",
    )
    add("--model-args", metavar="JSON", help="keyword arguments for your model's class")
    add(
        "--dropout2d",
        type=float,
        metavar="P",
        help=f"Dropout2d probability (default: {d.dropout2d})",
    )
    add("--epochs", type=int, help=f"number of epochs (default: {d.epochs})")
    add("--batch-size", type=int, help=f"mini-batch size (default: {d.batch_size})")
    add("--lr", type=float, help=f"peak learning rate (default: {d.lr})")
    add("--optimizer", choices=OPTIMIZERS, help=f"optimizer (default: {d.optimizer})")
    add("--seed", type=int, help=f"random seed (default: {d.seed})")
    add("--out", help="report directory (default: a new runs/<timestamp>)")
    add(
        "--overwrite",
        action="store_true",
        help="write into an --out that already holds files",
    )
    add("--resume", metavar="CHECKPOINT", help="continue a run from its checkpoint")
    add(
        "--compare",
        metavar="P1,P2,...",
        help="train one model per Dropout2d p and plot them together",
    )


def _config_from(args: argparse.Namespace, base: Config) -> Config:
    values = asdict(base)
    for f in fields(Config):
        given = getattr(args, f.name, None)
        if given is not None:
            values[f.name] = given
    return Config(**values)


def _check_probability(p: float, what: str) -> float:
    if math.isnan(p) or not 0.0 <= p <= 1.0:
        raise UsageError(f"{what} must be between 0 and 1, but got {p}")
    return p


def canonicalise(args: argparse.Namespace) -> None:
    """Put ``--model``, ``--model-args`` and ``--data`` in the form a checkpoint records: an
    absolute model file and data path, and sorted JSON; refuse an unknown model name."""
    if args.model is not None:
        if args.model not in MODELS and not is_model_spec(args.model):
            raise UsageError(
                f"--model {args.model!r} is not one of {', '.join(MODELS)}, FILE.py:CLASS or "
                "package.module:CLASS"
            )
        args.model = user_model.canonical_spec(args.model)
    if args.model_args is not None:
        args.model_args = user_model.canonical_args(args.model_args)
    if args.data is not None:
        if args.dataset is not None or args.data_dir is not None:
            raise UsageError(
                "--data FILE.npz replaces --dataset and --data-dir: give one or the other"
            )
        args.data = str(Path(args.data).resolve())


def validate(cfg: Config) -> Config:
    """Refuse nonsensical numbers before any work starts."""
    if cfg.model in MODELS and cfg.model_args != "{}":
        raise UsageError("--model-args is for your own --model FILE.py:CLASS or module:CLASS")
    if cfg.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, but got {cfg.epochs}")
    if cfg.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, but got {cfg.batch_size}")
    if not (cfg.lr > 0 and math.isfinite(cfg.lr)):
        raise UsageError(f"--lr must be a positive number, but got {cfg.lr}")
    if not 0 <= cfg.seed <= MAX_SEED:
        raise UsageError(f"--seed must be between 0 and 2**64 - 1 ({MAX_SEED}), but got {cfg.seed}")
    _check_probability(cfg.dropout2d, "--dropout2d")
    if cfg.dropout2d == 1.0:
        raise UsageError("--dropout2d 1 drops every feature map: nothing could be learned")
    return cfg


def parse_compare(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        ps = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(
            f"--compare takes comma-separated probabilities, but got {text!r}"
        ) from None
    if len(ps) < 2:
        raise UsageError(f"--compare needs at least two probabilities, but got {text!r}")
    for p in ps:
        _check_probability(p, "each --compare value")
        if p == 1.0:
            raise UsageError("--compare value 1 drops every feature map: nothing could be learned")
    return ps


def _new_run_folder(parent: Path) -> Path:
    """A run folder no other run shares: ``<timestamp>``, or ``<timestamp>-2``, ``-3``... when
    runs start in the same second (``mkdir`` without ``exist_ok`` claims it atomically)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        path = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise UsageError(f"cannot find a free run folder in {str(parent)!r}")


def check_empty(out: Path) -> None:
    """Refuse an ``--out`` that already holds files (besides the lock): ``--overwrite`` allows."""
    entries = sorted(p.name for p in out.iterdir() if p.name != runfolder.LOCK_NAME)
    if entries:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise UsageError(
            f"--out {str(out)!r} is not empty ({shown}): choose another folder, pass "
            "--overwrite, or continue its run with --resume"
        )


def prepare_out(out: str | None) -> Path:
    """Create the report directory, proving it is writable before training starts."""
    path = Path(out) if out else Path("runs")
    try:
        path = path if out else _new_run_folder(path)
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise UsageError(f"cannot write to --out {str(path)!r}: {err.strerror or err}") from None
    return path


def _check_same_plan(args: argparse.Namespace, saved: Config) -> None:
    """A resumed run must keep the plan its schedule and data order were built for."""
    for f in fields(Config):
        given = getattr(args, f.name, None)
        if given is not None and given != getattr(saved, f.name):
            flag = "--" + f.name.replace("_", "-")
            raise UsageError(
                f"{flag} {given} differs from the checkpoint's {getattr(saved, f.name)}: "
                "--resume continues the run exactly as it was planned"
            )


def run_train(args: argparse.Namespace) -> int:
    """Check everything, lock the run folder, train each run and write the report."""
    resume_state = None
    base = Config()
    canonicalise(args)
    if args.resume:
        if args.compare:
            raise UsageError("--resume continues one run; it cannot be combined with --compare")
        resume_state = checkpoint.load(args.resume)
        base = Config(**resume_state["config"])
        user_model.require_named(base.model, args.model, "numtorch train --resume")
        _check_same_plan(args, base)
    cfg = validate(_config_from(args, base))
    if args.compare and cfg.model not in MODELS:
        raise UsageError("--compare varies the built-in models' Dropout2d; not your own --model")
    ps = parse_compare(args.compare) or [cfg.dropout2d]
    dataset = data.load(cfg.dataset, cfg.data_dir, cfg.data)
    if resume_state is not None:
        checkpoint.check_fits(resume_state, loop._Run(cfg, dataset), args.resume)
    else:  # a model that cannot be built (or run on the data) fails before any folder is made
        loop.build_model(cfg, dataset)
    out = prepare_out(args.out or (str(Path(args.resume).parent) if args.resume else None))
    with runfolder.locked(out):
        runfolder.remove_stale_temps(out)
        if not (args.resume or args.overwrite):
            check_empty(out)
        print(f"numtorch train: {dataset.describe()}; model {cfg.model}; report in {out}{os.sep}")
        try:
            return _train_all(cfg, ps, dataset, out, resume_state)
        except OSError as err:  # the epochs' own saves say more (loop.train)
            raise RunFailed(
                f"cannot write in {out}: {err.strerror or err} (every checkpoint there is whole; "
                "continue with --resume once the problem is fixed)"
            ) from None


def _train_all(cfg: Config, ps: list[float], dataset, out: Path, resume_state) -> int:
    histories, runs = {}, []
    for p in ps:
        run_cfg = Config(**{**asdict(cfg), "dropout2d": p})
        run_dir = out if len(ps) == 1 else out / f"p={p:g}"
        result = loop.train(run_cfg, dataset, run_dir, resume_state)
        if result.interrupted:
            return 130
        own = cfg.model not in MODELS  # a user model: --dropout2d does not reach it
        histories["your model" if own else f"Dropout2d p={p:g}"] = result.history
        runs.append((run_cfg, run_dir, result))
    try:
        report.write(out, histories, runs, dataset)
    except KeyboardInterrupt:
        again = f"; rewrite it with: numtorch train --resume {runs[0][2].checkpoint}"
        print(
            f"\ninterrupted while writing the report in {out}: the checkpoints and metrics are "
            f"complete{again if len(runs) == 1 else ''}",
            flush=True,
        )
        return 130
    return 0
