"""``numtorch train``: arguments, validation, and the runs (one, or one per ``--compare`` p)."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time
from dataclasses import asdict, fields
from pathlib import Path

import numtorch
from numtorch.cli import checkpoint, data, loop, report, runfolder, user_model
from numtorch.cli import distributed as cli_dist
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
from numtorch.cli.summary import model_summary


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    d = Config()
    add = parser.add_argument
    add("--dataset", choices=DATASETS, help=f"training data (default: {d.dataset}, bundled)")
    add("--data-dir", help="directory holding the dataset's files (IDX or CIFAR-10 batches)")
    add(
        "--data",
        metavar="FILE.npz|DIR",
        help="your data: an .npz with x_train, y_train and optionally x_test, y_test (else 20%% "
        "held out), or a folder of images with one subfolder per class (PNG/JPEG; pip install 'numtorch[images]')",
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
    add(
        "--epochs",
        type=int,
        help=f"number of epochs (default: {d.epochs}); with --resume it may be raised: the cosine "
        "learning-rate schedule is re-planned for the new total (the lr jumps to where that "
        "plan is at this epoch)",
    )
    add(
        "--val-fraction",
        type=float,
        metavar="F",
        help=f"fraction of the training data held out to validate each epoch and pick the best "
        f"one (default: {d.val_fraction}; 0: no validation, the last epoch is kept)",
    )
    add(
        "--patience",
        type=int,
        metavar="N",
        help="stop when val_acc has not improved for N epochs (default: never)",
    )
    add(
        "--max-steps",
        type=int,
        metavar="N",
        help="stop after N optimizer steps in all; a partial last epoch is validated and kept",
    )
    add(
        "--threads",
        type=int,
        metavar="N",
        help="threads numtorch's kernels use (numtorch.set_num_threads; under --distributed "
        "the default is the cores divided among the ranks)",
    )
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
    add(
        "--resume",
        metavar="CHECKPOINT",
        help="continue a run from its checkpoint.safetensors (a finished run: its report is "
        "rewritten)",
    )
    add(
        "--compare",
        metavar="P1,P2,...",
        help="train one model per Dropout2d p and plot them together",
    )
    add(
        "--distributed",
        action="store_true",
        help="data-parallel training on the ranks of an MPI launch: mpiexec -n K numtorch "
        "train --distributed (--batch-size stays the global batch; rank 0 writes the report; "
        "pip install 'numtorch[mpi]')",
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
            raise UsageError("--data replaces --dataset and --data-dir: give one or the other")
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
    if math.isnan(cfg.val_fraction) or not 0.0 <= cfg.val_fraction < 1.0:
        raise UsageError(f"--val-fraction must be in [0, 1), but got {cfg.val_fraction}")
    for name in ("patience", "max_steps"):
        value = getattr(cfg, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, but got {value}")
    if cfg.patience is not None and cfg.val_fraction == 0:
        raise UsageError("--patience watches the validation accuracy: it needs --val-fraction > 0")
    return cfg


def set_threads(n: int | None) -> None:
    """``--threads N``: numtorch.set_num_threads(N) for the kernels' pools."""
    if n is None:
        return
    if n < 1:
        raise UsageError(f"--threads must be at least 1, but got {n}")
    numtorch.set_num_threads(n)


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


def _check_same_plan(args: argparse.Namespace, saved: Config, done: int) -> None:
    """A resumed run must keep the plan its data order and split were built for; only
    --epochs may change, to no fewer than the epochs done (the schedule is re-planned)."""
    if args.epochs is not None and args.epochs < done:
        raise UsageError(
            f"--epochs {args.epochs} is fewer than the {done} epochs the checkpoint has done"
        )
    for f in fields(Config):
        given = getattr(args, f.name, None)
        if f.name != "epochs" and given is not None and given != getattr(saved, f.name):
            flag = "--" + f.name.replace("_", "-")
            raise UsageError(
                f"{flag} {given} differs from the checkpoint's {getattr(saved, f.name)}: "
                "--resume continues the run exactly as it was planned"
            )


def run_train(args: argparse.Namespace) -> int:
    """Check everything, lock the run folder, train each run and write the report; under
    ``--distributed``, as one rank of the ``mpiexec`` job (see ``numtorch.cli.distributed``)."""
    world = cli_dist.start(getattr(args, "distributed", False))
    try:
        return _run_train(args, world)
    except cli_dist.AgreedError as err:
        if world.is_writer:
            raise  # rank 0 prints it; the others know it and exit with its code silently
        return err.exit_code
    except UsageError as err:
        if world.parallel and world.joined:  # this rank alone failed: the others would wait
            world.abort(err)
        raise


def _setup(args: argparse.Namespace, world: cli_dist.World):
    """Everything every rank checks and loads before training: config, data, model."""
    resume_state = None
    base = Config()
    canonicalise(args)
    set_threads(args.threads)
    if args.threads is None and world.parallel:
        numtorch.set_num_threads(cli_dist.default_threads(world))
    if args.resume:
        resume_state, base = _load_resume(args)
    cfg = validate(_config_from(args, base))
    if args.compare and cfg.model not in MODELS:
        raise UsageError("--compare varies the built-in models' Dropout2d; not your own --model")
    ps = parse_compare(args.compare) or [cfg.dropout2d]
    dataset = data.load(cfg.dataset, cfg.data_dir, cfg.data)
    runfolder.maybe_crash("data")
    n_train, n_val = (
        len(i) for i in loop.split_indices(len(dataset.y_train), cfg.val_fraction, cfg.seed)
    )
    cli_dist.check_batches(n_train, cfg.batch_size, world)
    if resume_state is not None:  # checked against a run of the config it was saved with
        model = loop._Run(base, dataset)
        checkpoint.check_fits(resume_state, model, args.resume)
        model = model.model
    else:  # a model that cannot be built (or run on the data) fails before any folder is made
        model = loop.build_model(cfg, dataset)
    return cfg, ps, dataset, n_val, model, resume_state


def _claim_out(args: argparse.Namespace, stack: contextlib.ExitStack) -> Path:
    """Create and lock the run folder (held until ``stack`` closes); refuse a used one."""
    out = prepare_out(args.out or (str(Path(args.resume).parent) if args.resume else None))
    stack.enter_context(runfolder.locked(out))
    runfolder.remove_stale_temps(out)
    if not (args.resume or args.overwrite):
        check_empty(out)
    return out


def _run_train(args: argparse.Namespace, world: cli_dist.World) -> int:
    cfg, ps, dataset, n_val, model, resume_state = world.agree(lambda: _setup(args, world))
    with contextlib.ExitStack() as stack:  # rank 0 alone creates and locks the run folder

        def claim() -> Path | None:
            return _claim_out(args, stack) if world.is_writer else None

        out = world.agree(claim, name_rank=False)
        out = world.broadcast(out)
        ranks = f" on {world.size} ranks" if world.parallel else ""
        print(
            f"numtorch train: {dataset.describe()} ({n_val} of the training samples held out "
            f"for validation); model {cfg.model}{ranks}; report in {out}{os.sep}"
        )
        print(_model_summary(model, dataset), flush=True)
        try:
            return _train_all(cfg, ps, dataset, out, resume_state, world)
        except OSError as err:  # the epochs' own saves say more (loop.train)
            raise RunFailed(
                f"cannot write in {out}: {err.strerror or err} (every checkpoint there is whole; "
                "continue with --resume once the problem is fixed)"
            ) from None


def _model_summary(model, dataset) -> str:
    """The model's layer table on one sample; the summary is informational, so a model it
    cannot trace (an unusual forward) is named, not fatal."""
    try:
        return model_summary(model, dataset.x_train[:1])
    except Exception as err:  # noqa: BLE001 - any failure of the table must not stop training
        return f"(no model summary: {type(err).__name__}: {err})"


def _load_resume(args: argparse.Namespace) -> tuple[dict, Config]:
    """The checkpoint to continue and its config; refuses --compare, best.safetensors and
    checkpoints from before the validation split."""
    if args.compare:
        raise UsageError("--resume continues one run; it cannot be combined with --compare")
    state = checkpoint.load(args.resume)
    if checkpoint.is_weights_file(state):
        raise UsageError(
            f"{args.resume!r} holds a run's best weights (for numtorch predict), not a state to "
            f"resume: give the {loop.CHECKPOINT} beside it"
        )
    if checkpoint.is_legacy(state):
        raise UsageError(
            f"{args.resume!r} was written before the validation split (it scored the test set "
            "each epoch): numtorch predict reads it, but it cannot be resumed"
        )
    base = Config(**state["config"])
    user_model.require_named(base.model, args.model, "numtorch train --resume")
    _check_same_plan(args, base, state["epoch"])
    return state, base


def _train_all(
    cfg: Config, ps: list[float], dataset, out: Path, resume_state, world: cli_dist.World
) -> int:
    histories, runs = {}, []
    for p in ps:
        run_cfg = Config(**{**asdict(cfg), "dropout2d": p})
        run_dir = out if len(ps) == 1 else out / f"p={p:g}"
        result = loop.train(run_cfg, dataset, run_dir, resume_state, world)
        if result.interrupted:
            return 130
        own = cfg.model not in MODELS  # a user model: --dropout2d does not reach it
        histories["your model" if own else f"Dropout2d p={p:g}"] = result.history
        runs.append((run_cfg, run_dir, result))
    world.finish()  # the ranks' work is done: rank 0 writes the report alone
    if not world.is_writer:
        return 0
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
