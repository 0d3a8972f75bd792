"""``numtorch`` entry point: sub-command dispatch, one-line errors (exit code 2, or 1 when the
run itself fails) and Ctrl-C (exit code 130, as 128 + SIGINT)."""

from __future__ import annotations

import argparse
import difflib
import sys

import numtorch
from numtorch.cli.config import UsageError
from numtorch.cli.predict import add_predict_arguments, run_predict
from numtorch.cli.train import add_train_arguments, run_train

_UNRECOGNIZED = "unrecognized arguments: "


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2 (no usage dump), an
    unknown flag names the nearest known one, and flags are never abbreviated."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith(_UNRECOGNIZED):
            message += _suggestion(message[len(_UNRECOGNIZED) :].split(), _flags(self))
        self.exit(2, f"{self.prog}: error: {message}\n")


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    """Every ``--flag`` of ``parser`` and of its sub-commands."""
    flags = []
    for action in parser._actions:
        flags += [f for f in action.option_strings if f.startswith("--")]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags += _flags(sub)
    return sorted(set(flags))


def _suggestion(unknown: list[str], flags: list[str]) -> str:
    """`` (did you mean --epochs?)`` for the first unknown flag with a close match, else ''."""
    for word in unknown:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], flags, n=1, cutoff=0.6)
            if close:
                return f" (did you mean {close[0]}?)"
    return ""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="numtorch",
        description="numtorch: PyTorch's API on NumPy. Train a classifier (the spec's Dropout2d "
        "CNN, a small ResNet, or your own nn.Module) and predict with its checkpoint.",
    )
    parser.add_argument("--version", action="version", version=f"numtorch {numtorch.__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    train = sub.add_parser(
        "train",
        help="train a classifier and write a report",
        description="Train the spec's ImageClassifier, a small ResNet or your own nn.Module "
        "(--model FILE.py:CLASS) on bundled, downloaded or your own (--data FILE.npz or DIR) "
        "data; pick the best epoch on a held-out validation split (best.safetensors), score the "
        "test set once with it, and write metrics, learning curves, a dropped-maps figure and "
        "the last checkpoint (to --resume).",
    )
    add_train_arguments(train)
    predict = sub.add_parser(
        "predict",
        help="predict with a trained checkpoint",
        description="Predict the classes of the inputs in an .npz file or an image folder "
        "(--data FILE.npz or DIR) with a numtorch train checkpoint (or its best.safetensors): "
        "predictions.csv, and with labels the accuracy and a confusion matrix.",
    )
    add_predict_arguments(predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare ``numtorch``: say what it can do
        parser.print_help()
        return 2
    run = run_predict if args.command == "predict" else run_train
    try:
        return run(args)
    except UsageError as err:
        print(f"numtorch {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:  # outside the epochs and the report, which say more themselves
        print(f"\nnumtorch {args.command}: interrupted", flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
