"""Reading a ``--resume`` checkpoint as untrusted input: every field is checked before the run
uses it, and anything wrong is one ``UsageError`` line (exit code 2), never a traceback and
never silently accepted.

Two stages: :func:`load` reads the file and checks what needs no data (the keys, the config's
types and ranges, the epoch, the metric history, the generators' states); :func:`check_fits`
checks the model, optimizer and scheduler states against a run built from that config on the
loaded data (keys, shapes, dtypes, finite values, hyperparameters, step counts, the validation
split, the best epoch's weights).

``load`` also reads a run's ``best.safetensors`` (the best epoch's weights, config, history and
data statistics: what ``predict`` needs) and checkpoints written before the validation split;
``train`` refuses to resume either.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

import numtorch as torch
from numtorch.cli.config import (
    DATASETS,
    MAX_SEED,
    MODELS,
    OPTIMIZERS,
    Config,
    UsageError,
    is_model_spec,
)
from numtorch.cli.loop import build_optimizer, steps_done

KEYS = (
    "config",
    "model",
    "optimizer",
    "scheduler",
    "epoch",
    "rng_state",
    "shuffle_rng_state",
    "history",
    "data_stats",
    "val_indices",
    "best_epoch",
    "bad_epochs",
    "best_model",
)
# keys that checkpoints written before ``--model FILE.py:CLASS`` and ``--data`` lack
OPTIONAL_KEYS = ("data_stats",)
OPTIONAL_CONFIG = ("data", "model_args", "val_fraction", "patience", "max_steps")
# what checkpoints written before the validation split lack: they scored the test set each
# epoch; ``predict`` still reads them, ``--resume`` refuses them (train.py)
VALIDATION_KEYS = ("val_indices", "best_epoch", "bad_epochs", "best_model")
HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr")
LEGACY_HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr")
# best.safetensors: the best epoch's weights and what predict needs, not a resumable state
BEST_KEYS = ("config", "model", "epoch", "history", "data_stats")
# what a check may still meet in a hostile file (e.g. a tensor where a number belongs)
_DAMAGE = (TypeError, ValueError, RuntimeError, AttributeError, KeyError, IndexError)


class Bad(Exception):
    """One inconsistency in a checkpoint (turned into a UsageError naming the file)."""


def load(path: str, flag: str = "--resume checkpoint") -> dict:
    """Read ``path`` and check everything in it that does not depend on the data; ``flag``
    names it in the error."""
    if not Path(path).is_file():
        raise UsageError(f"{flag} {path!r} does not exist")
    try:
        state = torch.load(path)
    except (OSError, ValueError, RuntimeError) as err:
        raise UsageError(f"cannot read checkpoint {path!r}: {str(err).splitlines()[0]}") from None
    if not isinstance(state, dict) or "config" not in state or "model" not in state:
        raise UsageError(f"{path!r} is not a numtorch train checkpoint")
    try:
        check_state(state)
    except (Bad, *_DAMAGE) as err:
        raise UsageError(f"checkpoint {path!r} is inconsistent: {err}") from None
    return state


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _keys(mapping: Any, expected: tuple | set | list, what: str, optional: tuple = ()) -> None:
    if not isinstance(mapping, dict):
        raise Bad(f"{what} must be a dict, but is {type(mapping).__name__}")
    missing = [k for k in expected if k not in mapping and k not in optional]
    extra = [k for k in mapping if k not in expected]
    if missing or extra:
        parts = [f"missing {_short(missing)}"] * bool(missing)
        parts += [f"unexpected {_short(extra)}"] * bool(extra)
        raise Bad(f"{what} has the wrong keys ({', '.join(parts)})")


def _choice(cfg: dict, name: str, choices: tuple) -> None:
    if not isinstance(cfg[name], str) or cfg[name] not in choices:
        raise Bad(f"config {name} {_short(cfg[name])} is not one of {', '.join(choices)}")


def _int_at_least(cfg: dict, name: str, low: int, high: float = math.inf) -> None:
    if not _is_int(cfg[name]) or not low <= cfg[name] <= high:
        bounds = f"at least {low}" if high == math.inf else f"in [{low}, {high}]"
        raise Bad(f"config {name} must be an integer {bounds}, but is {_short(cfg[name])}")


def check_config(cfg: Any) -> Config:
    """The saved config as a Config, if every field has the right type and range."""
    _keys(cfg, [f.name for f in fields(Config)], "config", OPTIONAL_CONFIG)
    cfg = {**{k: getattr(Config(), k) for k in OPTIONAL_CONFIG}, **cfg}
    for name, choices in (("dataset", DATASETS), ("optimizer", OPTIMIZERS)):
        _choice(cfg, name, choices)
    _check_model_spec(cfg)
    for name in ("data_dir", "data"):
        if cfg[name] is not None and not isinstance(cfg[name], str):
            raise Bad(f"config {name} must be a path or None, but is {_short(cfg[name])}")
    _int_at_least(cfg, "epochs", 1)
    _int_at_least(cfg, "batch_size", 1)
    _int_at_least(cfg, "seed", 0, MAX_SEED)
    p = cfg["dropout2d"]
    if not _is_real(p) or not 0.0 <= p < 1.0:
        raise Bad(f"config dropout2d must be a probability in [0, 1), but is {_short(p)}")
    lr = cfg["lr"]
    if not _is_real(lr) or not (lr > 0 and math.isfinite(lr)):
        raise Bad(f"config lr must be a positive number, but is {_short(lr)}")
    f = cfg["val_fraction"]
    if not _is_real(f) or not 0.0 <= f < 1.0:
        raise Bad(f"config val_fraction must be a fraction in [0, 1), but is {_short(f)}")
    for name in ("patience", "max_steps"):
        if cfg[name] is not None:
            _int_at_least(cfg, name, 1)
    return Config(**cfg)


def _check_model_spec(cfg: dict) -> None:
    """A built-in model name, or a user model's ``FILE.py:CLASS`` / ``module:CLASS`` with its
    keyword arguments as a JSON object (built-in models take none)."""
    model, args = cfg["model"], cfg["model_args"]
    if not isinstance(model, str) or not (model in MODELS or is_model_spec(model)):
        raise Bad(
            f"config model {_short(model)} is not one of {', '.join(MODELS)} "
            "or FILE.py:CLASS / package.module:CLASS"
        )
    try:
        ok = isinstance(args, str) and isinstance(json.loads(args), dict)
    except ValueError:
        ok = False
    if not ok:
        raise Bad(f"config model_args must be a JSON object's text, but is {_short(args)}")
    if model in MODELS and json.loads(args):
        raise Bad(f"config model_args {_short(args)} given for the built-in {model}")


def is_legacy(state: dict) -> bool:
    """Whether ``state`` was written before the validation split (its config lacks it)."""
    return isinstance(state.get("config"), dict) and "val_fraction" not in state["config"]


def is_weights_file(state: dict) -> bool:
    """Whether ``state`` is a best.safetensors (weights for predict), not a checkpoint."""
    return "optimizer" not in state and "best_epoch" not in state


def _history_keys(cfg: Config, legacy: bool) -> tuple[str, ...]:
    if legacy:
        return LEGACY_HISTORY_KEYS
    return (
        HISTORY_KEYS if cfg.val_fraction > 0 else tuple(k for k in HISTORY_KEYS if "val" not in k)
    )


def _check_history(history: Any, epoch: int, keys: tuple[str, ...] = HISTORY_KEYS) -> None:
    if not isinstance(history, list) or len(history) != epoch:
        n = len(history) if isinstance(history, list) else type(history).__name__
        raise Bad(f"history must list one row per finished epoch ({epoch}), but has {n}")
    for i, row in enumerate(history, 1):
        _keys(row, keys, f"history row {i}")
        if not _is_int(row["epoch"]) or row["epoch"] != i:
            raise Bad(f"history row {i} says epoch {_short(row['epoch'])}")
        for name in keys[1:]:
            value = row[name]
            if not _is_real(value) or value < 0 or not _in_range(name, value):
                raise Bad(f"history row {i} {name} {_short(value)} is not a valid value")


def _in_range(name: str, value: float) -> bool:
    """Accuracies are fractions and the learning rate is finite; a loss may be NaN or inf
    (a diverged run records what it measured)."""
    if name.endswith("_acc"):
        return 0 <= value <= 1
    return math.isfinite(value) if name == "lr" else True


def _check_generator(state: Any, name: str, like: torch.Tensor) -> None:
    ok = isinstance(state, torch.Tensor) and state.dtype == like.dtype
    if not ok or tuple(state.shape) != tuple(like.shape):
        raise Bad(f"{name} is not a generator state like numtorch's")
    try:
        torch.Generator().set_state(state)
    except (ValueError, RuntimeError, TypeError) as err:
        raise Bad(f"{name} is not a valid generator state ({err})") from None


def check_state(state: dict) -> None:
    """Everything a checkpoint (or a best.safetensors) holds that needs no data: keys, config,
    epoch, history, RNG, the best epoch and the patience count."""
    if is_weights_file(state):
        _check_weights_file(state)
        return
    legacy = is_legacy(state)
    _keys(state, KEYS, "the checkpoint", OPTIONAL_KEYS + VALIDATION_KEYS * legacy)
    cfg = check_config(state["config"])
    epoch = state["epoch"]
    if not _is_int(epoch) or not 0 <= epoch <= cfg.epochs:
        raise Bad(f"epoch must be an integer in [0, {cfg.epochs}], but is {_short(epoch)}")
    _check_history(state["history"], epoch, _history_keys(cfg, legacy))
    _check_generator(state["rng_state"], "rng_state", torch.get_rng_state())
    _check_generator(state["shuffle_rng_state"], "shuffle_rng_state", torch.Generator().get_state())
    if "data_stats" in state:
        check_stats(state["data_stats"])
    if not legacy:
        _check_best(state, epoch)


def _check_weights_file(state: dict) -> None:
    _keys(state, BEST_KEYS, "the best-weights file", OPTIONAL_KEYS)
    cfg = check_config(state["config"])
    epoch = state["epoch"]
    if not _is_int(epoch) or not 1 <= epoch <= cfg.epochs:
        raise Bad(f"epoch must be an integer in [1, {cfg.epochs}], but is {_short(epoch)}")
    _check_history(state["history"], epoch, _history_keys(cfg, is_legacy(state)))
    if "data_stats" in state:
        check_stats(state["data_stats"])


def best_epoch(history: list[dict]) -> int:
    """The epoch the trainer keeps: the highest val_acc, the earliest on ties; without
    validation the last (0 before any epoch)."""
    if not history or "val_acc" not in history[0]:
        return len(history)
    return max(range(len(history)), key=lambda i: (history[i]["val_acc"], -i)) + 1


def _check_best(state: dict, epoch: int) -> None:
    """best_epoch and bad_epochs (the patience count) are those the history gives."""
    want = best_epoch(state["history"])
    if not _is_int(state["best_epoch"]) or state["best_epoch"] != want:
        raise Bad(f"best_epoch {_short(state['best_epoch'])} is not the history's best ({want})")
    if not _is_int(state["bad_epochs"]) or state["bad_epochs"] != epoch - want:
        raise Bad(
            f"bad_epochs {_short(state['bad_epochs'])} should be {epoch - want} (the epochs "
            "since the best)"
        )
    index = state["val_indices"]
    if not isinstance(index, torch.Tensor) or index.dtype != torch.int64 or index.dim() != 1:
        raise Bad(f"val_indices must be an int64 vector, but is {_short(index)}")


def check_stats(stats: Any) -> None:
    """The normalisation statistics: float32 vectors of one size, finite, std positive, a
    class count of at least 1, a sample's input shape, and (an image folder's) one name per
    class. ``input_shape`` and ``classes`` are optional: older checkpoints lack them."""
    optional = ("classes", "input_shape")
    _keys(stats, ("mean", "std", "num_classes", *optional), "data_stats", optional)
    mean, std = stats["mean"], stats["std"]
    for name, value in (("mean", mean), ("std", std)):
        if not isinstance(value, torch.Tensor) or value.dtype != torch.float32 or value.dim() != 1:
            raise Bad(f"data_stats {name} must be a float32 vector, but is {_short(value)}")
        if not np.isfinite(value.numpy()).all():
            raise Bad(f"data_stats {name} holds NaN or infinite values")
    if tuple(mean.shape) != tuple(std.shape):
        raise Bad(f"data_stats mean {list(mean.shape)} and std {list(std.shape)} differ in size")
    if not (std.numpy() > 0).all():
        raise Bad("data_stats std must be positive")
    if not _is_int(stats["num_classes"]) or stats["num_classes"] < 1:
        raise Bad(
            f"data_stats num_classes must be a positive integer, not {_short(stats['num_classes'])}"
        )
    names = stats.get("classes", [""] * stats["num_classes"])
    if not (isinstance(names, list) and len(names) == stats["num_classes"]) or not all(
        isinstance(n, str) for n in names
    ):
        raise Bad(f"data_stats classes must name each of the {stats['num_classes']} classes")
    shape = stats.get("input_shape", [1])
    if not (isinstance(shape, list) and shape and all(_is_int(n) and n > 0 for n in shape)):
        raise Bad(f"data_stats input_shape must be a list of positive sizes, not {_short(shape)}")


def _check_stats_fit(saved: Any, fresh: dict) -> None:
    """The saved statistics are those of the data the run is resumed on."""
    for name in ("mean", "std"):
        a, b = saved[name].numpy(), fresh[name].numpy()
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-6):
            raise Bad(f"data_stats {name} is not that of the training data (was it changed?)")
    if saved.get("classes") != fresh.get("classes"):
        raise Bad("data_stats classes are not the training data's class names")
    if saved.get("input_shape", fresh["input_shape"]) != fresh["input_shape"]:
        raise Bad(
            f"data_stats input_shape {saved['input_shape']} is not the training data's "
            f"{fresh['input_shape']}"
        )
    if saved["num_classes"] != fresh["num_classes"]:
        raise Bad(
            f"data_stats num_classes {saved['num_classes']} differs from the data's "
            f"{fresh['num_classes']}"
        )


def _check_tensor(value: Any, like: torch.Tensor, what: str) -> None:
    if not isinstance(value, torch.Tensor):
        raise Bad(f"{what} is a {type(value).__name__}, not a tensor")
    if tuple(value.shape) != tuple(like.shape) or value.dtype != like.dtype:
        raise Bad(
            f"{what} is {value.dtype} {list(value.shape)}, but the model needs "
            f"{like.dtype} {list(like.shape)}"
        )
    if value.is_floating_point() and not np.isfinite(value.numpy()).all():
        raise Bad(f"{what} holds NaN or infinite values")


def _check_model(saved: Any, model: torch.nn.Module, cfg: Config, what: str = "model") -> None:
    fresh = model.state_dict()
    try:
        _keys(saved, list(fresh), what)
    except Bad as err:
        raise Bad(
            f"the weights are not those of the {cfg.model} the config builds: {err}"
        ) from None
    for key, like in fresh.items():
        _check_tensor(saved[key], like, f"{what}[{key!r}]")


def check_model(state: dict, model: torch.nn.Module, cfg: Config, path: str) -> None:
    """The checkpoint's weights fit ``model`` (keys, shapes, dtypes, finite values)."""
    try:
        _check_model(state["model"], model, cfg)
    except (Bad, *_DAMAGE) as err:
        raise UsageError(f"checkpoint {path!r} is inconsistent: {err}") from None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) and type(a) is type(b):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _probe_state(cfg: Config, params: list[torch.Tensor]) -> dict:
    """What one optimizer step leaves per parameter (the keys and shapes a checkpoint holds)."""
    copies = [torch.nn.Parameter(torch.zeros_like(p)) for p in params]
    for p in copies:
        p.grad = torch.zeros_like(p)
    probe = build_optimizer(cfg, copies)
    probe.step()
    return probe.state_dict()["state"]


def _check_groups(saved: list, fresh: list, lr: float) -> None:
    if not isinstance(saved, list) or len(saved) != len(fresh):
        raise Bad(f"optimizer param_groups must be a list of {len(fresh)}")
    for i, (group, like) in enumerate(zip(saved, fresh)):
        _keys(group, list(like), f"optimizer param_groups[{i}]")
        for key, want in like.items():
            got = group[key]
            if key == "lr":
                if not _is_real(got) or not 0 <= got <= lr * (1 + 1e-9):
                    raise Bad(f"optimizer lr {_short(got)} is outside the schedule's [0, {lr}]")
            elif not _same(got, want):
                raise Bad(f"optimizer {key} {_short(got)} differs from the config's {_short(want)}")


def _check_step(got: Any, want: Any, steps: int, what: str) -> None:
    if type(got) is not type(want) or (isinstance(got, torch.Tensor) and got.numel() != 1):
        raise Bad(f"{what} is {_short(got)}, not a step count like {_short(want)}")
    value = got.item() if isinstance(got, torch.Tensor) else got
    if value != steps:
        raise Bad(f"{what} is {_short(value)}, but {steps} steps were made by then")


def _check_optimizer(saved: Any, run: Any, steps: int) -> None:
    fresh = run.optimizer.state_dict()
    _keys(saved, ("state", "param_groups"), "optimizer")
    _check_groups(saved["param_groups"], fresh["param_groups"], run.cfg.lr)
    params = list(run.model.parameters())
    probe = _probe_state(run.cfg, params) if steps else {}
    _keys(saved["state"], list(probe), "optimizer state")
    for index, like in probe.items():
        entry = saved["state"][index]
        _keys(entry, list(like), f"optimizer state[{index}]")
        for key, want in like.items():
            what = f"optimizer state[{index}][{key!r}]"
            if key == "step":
                _check_step(entry[key], want, steps, what)
            else:
                _check_tensor(entry[key], params[index], what)


def _check_scheduler(saved: Any, run: Any, epoch: int, lr: Any) -> None:
    fresh = run.scheduler.state_dict()
    _keys(saved, list(fresh), "scheduler")
    expected = {"last_epoch": epoch, "_step_count": epoch + 1}
    for key, want in fresh.items():
        got = saved[key]
        if key == "_last_lr":
            if not (isinstance(got, list) and len(got) == 1 and _same(got[0], lr)):
                raise Bad(f"scheduler _last_lr {_short(got)} differs from the optimizer's lr")
        elif not _same(got, expected.get(key, want)):
            raise Bad(f"scheduler {key} {_short(got)} should be {_short(expected.get(key, want))}")


def check_fits(state: dict, run: Any, path: str) -> None:
    """Check the model, optimizer and scheduler states against ``run`` (a fresh ``loop._Run``
    built from the checkpoint's config on the loaded data)."""
    epoch = state["epoch"]
    try:
        if "data_stats" in state:
            _check_stats_fit(state["data_stats"], run.stats)
        _check_model(state["model"], run.model, run.cfg)
        _check_model(state["best_model"], run.model, run.cfg, "best_model")
        split = state["val_indices"].numpy()
        if not np.array_equal(split, run.val_indices):
            raise Bad(
                "val_indices is not the validation split the seed and the training data give "
                "(was the data changed?)"
            )
        steps = steps_done(epoch, len(run.loader), run.cfg.max_steps)
        _check_optimizer(state["optimizer"], run, steps)
        lr = state["optimizer"]["param_groups"][0]["lr"]
        _check_scheduler(state["scheduler"], run, epoch, lr)
    except (Bad, *_DAMAGE) as err:
        raise UsageError(f"checkpoint {path!r} is inconsistent: {err}") from None
