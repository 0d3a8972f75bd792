"""``--resume`` with well-formed but inconsistent checkpoints: each crafted file is refused with
one line on stderr naming it and exit code 2 -- never a traceback, never accepted.

The good checkpoint is one real epoch of the classifier on the bundled digits with a batch that
holds the whole training set (one optimizer step), written the way the trainer writes it.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import numtorch
from numtorch.cli import checkpoint, data, loop
from numtorch.cli.config import Config
from numtorch.cli.main import main

CFG = Config(epochs=2, batch_size=2048)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[dict, dict]:
    """A real epoch-1 checkpoint of a 2-epoch run, and a resnet model's state_dict."""
    dataset = data.load("digits", None)
    run = loop._Run(CFG, dataset)
    loop._one_epoch(run)
    other = loop.build_model(Config(model="resnet"), dataset).state_dict()
    return numtorch.load(_save(tmp_path_factory.mktemp("good"), run.state())), other


def _save(folder: Path, state: dict) -> Path:
    path = folder / "checkpoint.safetensors"
    numtorch.save(state, path)
    return path


def _set(*keys, value) -> Callable[[dict], None]:
    def change(state: dict) -> None:
        target = state
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value(target[keys[-1]]) if callable(value) else value

    return change


def _drop(*keys) -> Callable[[dict], None]:
    def change(state: dict) -> None:
        target = state
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def _poison(value: float) -> Callable:
    def change(t: numtorch.Tensor) -> numtorch.Tensor:
        t = t.clone()
        t.view(-1)[0] = value
        return t

    return change


W = "conv1.weight"
BAD = {
    "epoch negative": (_set("epoch", value=-3), "epoch must be an integer in [0, 2], but is -3"),
    "epoch past the plan": (_set("epoch", value=3), "epoch must be an integer in [0, 2]"),
    "epoch a float": (_set("epoch", value=1.0), "but is 1.0"),
    "epoch a bool": (_set("epoch", value=True), "but is True"),
    "epochs a float": (_set("config", "epochs", value=6.5), "config epochs must be an integer"),
    "epochs zero": (_set("config", "epochs", value=0), "config epochs must be an integer"),
    "batch size a str": (_set("config", "batch_size", value="64"), "config batch_size"),
    "unknown model": (_set("config", "model", value="transformer"), "model 'transformer'"),
    "unknown dataset": (_set("config", "dataset", value="imagenet"), "dataset 'imagenet'"),
    "unknown optimizer": (_set("config", "optimizer", value="lbfgs"), "optimizer 'lbfgs'"),
    "lr nan": (_set("config", "lr", value=math.nan), "config lr must be a positive number"),
    "lr negative": (_set("config", "lr", value=-1.0), "config lr must be a positive number"),
    "dropout2d one": (_set("config", "dropout2d", value=1.0), "config dropout2d"),
    "seed negative": (_set("config", "seed", value=-1), "config seed must be an integer"),
    "seed past 64 bits": (_set("config", "seed", value=2**64), "config seed must be an integer"),
    "data_dir a number": (_set("config", "data_dir", value=5), "config data_dir"),
    "config extra key": (_set("config", "width", value=3), "config has the wrong keys"),
    "config missing key": (_drop("config", "lr"), "missing ['lr']"),
    "no scheduler": (_drop("scheduler"), "the checkpoint has the wrong keys"),
    "extra top-level key": (_set("notes", value="hi"), "unexpected ['notes']"),
    "weights of another model": (None, "not those of the classifier the config builds"),
    "a weight missing": (_drop("model", W), "missing ['conv1.weight']"),
    "a weight reshaped": (_set("model", W, value=lambda t: t.reshape(-1)), "but the model needs"),
    "a weight in float64": (_set("model", W, value=lambda t: t.double()), "torch.float64"),
    "a weight not a tensor": (_set("model", W, value=[1.0, 2.0]), "is a list, not a tensor"),
    "NaN weights": (_set("model", W, value=_poison(math.nan)), "holds NaN or infinite"),
    "infinite weights": (_set("model", W, value=_poison(math.inf)), "holds NaN or infinite"),
    "optimizer state missing": (_drop("optimizer", "state", 0), "optimizer state has the wrong"),
    "optimizer moment NaN": (
        _set("optimizer", "state", 0, "exp_avg", value=_poison(math.nan)),
        "exp_avg'] holds NaN",
    ),
    "optimizer step count": (
        _set("optimizer", "state", 1, "step", value=lambda t: t + 5),
        "but 1 steps were made",
    ),
    "optimizer step a vector": (
        _set("optimizer", "state", 1, "step", value=numtorch.ones(3)),
        "not a step count",
    ),
    "optimizer betas": (
        _set("optimizer", "param_groups", 0, "betas", value=(0.5, 0.5)),
        "optimizer betas (0.5, 0.5) differs",
    ),
    "optimizer lr above the peak": (
        _set("optimizer", "param_groups", 0, "lr", value=1.0),
        "optimizer lr 1.0 is outside",
    ),
    "optimizer two groups": (
        _set("optimizer", "param_groups", value=lambda g: g * 2),
        "param_groups must be a list of 1",
    ),
    "scheduler behind": (_set("scheduler", "last_epoch", value=0), "scheduler last_epoch 0"),
    "scheduler T_max": (_set("scheduler", "T_max", value=7), "scheduler T_max 7"),
    "history too short": (_set("history", value=[]), "one row per finished epoch (1)"),
    "history not a list": (_set("history", value="x"), "one row per finished epoch"),
    "history accuracy": (_set("history", 0, "val_acc", value=1.5), "val_acc 1.5"),
    "history without val": (_drop("history", 0, "val_acc"), "history row 1 has the wrong keys"),
    "best epoch not the best": (_set("best_epoch", value=0), "best_epoch 0 is not the history's"),
    "best epoch a float": (_set("best_epoch", value=1.0), "best_epoch 1.0"),
    "patience count": (_set("bad_epochs", value=2), "bad_epochs 2 should be 0"),
    "best weights NaN": (
        _set("best_model", W, value=_poison(math.nan)),
        "best_model['conv1.weight'] holds NaN",
    ),
    "best weights missing": (_drop("best_model", W), "best_model has the wrong keys"),
    "val split of other data": (
        _set("val_indices", value=lambda t: t + 1),
        "val_indices is not the validation split",
    ),
    "val split a float": (_set("val_indices", value=lambda t: t.float()), "int64 vector"),
    "val fraction one": (_set("config", "val_fraction", value=1.0), "config val_fraction"),
    "patience zero": (_set("config", "patience", value=0), "config patience must be"),
    "max_steps a str": (_set("config", "max_steps", value="5"), "config max_steps must be"),
    "no best weights": (_drop("best_model"), "missing ['best_model']"),
    "history lr infinite": (_set("history", 0, "lr", value=math.inf), "lr inf is not"),
    "history loss a str": (_set("history", 0, "train_loss", value="1"), "train_loss '1'"),
    "history epoch": (_set("history", 0, "epoch", value=4), "history row 1 says epoch 4"),
    "history row short": (_drop("history", 0, "lr"), "history row 1 has the wrong keys"),
    "model_args for a built-in": (
        _set("config", "model_args", value='{"a": 1}'),
        "given for the built-in classifier",
    ),
    "model_args not JSON": (_set("config", "model_args", value="{"), "config model_args must"),
    "model spec without a class": (_set("config", "model", value="m.py:"), "model 'm.py:'"),
    "data a number": (_set("config", "data", value=5), "config data must be a path or None"),
    "data_stats key missing": (_drop("data_stats", "std"), "data_stats has the wrong keys"),
    "data_stats mean NaN": (
        _set("data_stats", "mean", value=_poison(math.nan)),
        "data_stats mean holds NaN",
    ),
    "data_stats std zero": (
        _set("data_stats", "std", value=lambda t: t * 0),
        "data_stats std must be positive",
    ),
    "data_stats of other data": (
        _set("data_stats", "mean", value=lambda t: t + 1),
        "data_stats mean is not that of the training data",
    ),
    "data_stats classes": (
        _set("data_stats", "num_classes", value=7),
        "data_stats num_classes 7 differs from the data's 10",
    ),
    "data_stats input_shape malformed": (
        _set("data_stats", "input_shape", value=[1, 0, 8]),
        "data_stats input_shape must be a list of positive sizes",
    ),
    "data_stats input_shape of other data": (
        _set("data_stats", "input_shape", value=[1, 16, 16]),
        "data_stats input_shape [1, 16, 16] is not the training data's [1, 8, 8]",
    ),
    "rng state shape": (_set("rng_state", value=numtorch.zeros(3)), "rng_state is not"),
    "shuffle state dtype": (
        _set("shuffle_rng_state", value=lambda t: t.float()),
        "shuffle_rng_state is not",
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_inconsistent_checkpoint_is_refused_in_one_line(
    name: str, good, tmp_path: Path, capsys
) -> None:
    state, other = copy.deepcopy(good[0]), good[1]
    change, message = BAD[name]
    if change is None:
        state["model"] = other
    else:
        change(state)
    path = _save(tmp_path, state)
    with pytest.raises(SystemExit) as exc:
        sys.exit(main(["train", "--resume", str(path)]))
    assert exc.value.code == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert f"checkpoint {str(path)!r} is inconsistent" in err and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.safetensors"]  # no writes


def test_the_table_is_large_enough() -> None:
    assert len(BAD) >= 20


def test_a_consistent_checkpoint_passes_every_check(good) -> None:
    """The checks refuse the damage, not the format: the untouched file resumes."""
    state = copy.deepcopy(good[0])
    checkpoint.check_state(state)
    dataset = data.load("digits", None)
    checkpoint.check_fits(state, loop._Run(CFG, dataset), "x")


def test_a_checkpoint_from_before_data_stats_and_model_args_passes(good) -> None:
    """Checkpoints written before ``--model FILE.py:CLASS`` and ``--data`` still resume."""
    state = copy.deepcopy(good[0])
    del state["data_stats"], state["config"]["data"], state["config"]["model_args"]
    checkpoint.check_state(state)
    checkpoint.check_fits(state, loop._Run(CFG, data.load("digits", None)), "x")


def test_best_weights_and_pre_validation_checkpoints_are_not_resumed(
    good, tmp_path: Path, capsys
) -> None:
    """best.safetensors holds weights for predict; a checkpoint from before the validation split
    (per-epoch test scores) loads for predict but cannot continue: each is one line, exit 2."""
    state = copy.deepcopy(good[0])
    weights = {k: state[k] for k in checkpoint.BEST_KEYS}
    checkpoint.check_state(weights)
    assert main(["train", "--resume", str(_save(tmp_path, weights))]) == 2
    assert "holds a run's best weights" in capsys.readouterr().err
    legacy = {k: v for k, v in state.items() if k not in checkpoint.VALIDATION_KEYS}
    legacy["config"] = {k: v for k, v in state["config"].items() if k not in _NEW_CONFIG}
    legacy["history"] = [
        {**{k: v for k, v in r.items() if "val" not in k}, "test_loss": 0.5, "test_acc": 0.9}
        for r in state["history"]
    ]
    checkpoint.check_state(legacy)
    assert main(["train", "--resume", str(_save(tmp_path, legacy))]) == 2
    assert "written before the validation split" in capsys.readouterr().err


_NEW_CONFIG = ("val_fraction", "patience", "max_steps")


def test_not_a_dict_is_not_a_checkpoint(tmp_path: Path, capsys) -> None:
    path = tmp_path / "list.safetensors"
    numtorch.save([1, 2], path)
    assert main(["train", "--resume", str(path)]) == 2
    assert "is not a numtorch train checkpoint" in capsys.readouterr().err
