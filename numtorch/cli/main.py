"""``numtorch`` entry point: sub-command dispatch, one-line errors (exit code 2, or 1 when the
run itself fails) and Ctrl-C (exit code 130, as 128 + SIGINT)."""

from __future__ import annotations

import argparse
import sys

from numtorch.cli.config import UsageError
from numtorch.cli.train import add_train_arguments, run_train


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2 (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="numtorch",
        description="numtorch: PyTorch's API on NumPy. Train the spec's Dropout2d classifier.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = sub.add_parser(
        "train",
        help="train a CNN with Dropout2d and write a report",
        description="Train the spec's ImageClassifier (or a small ResNet) with Dropout2d and "
        "write metrics, learning curves, a dropped-maps figure and a checkpoint.",
    )
    add_train_arguments(train)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return run_train(args)
    except UsageError as err:
        print(f"numtorch {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:  # outside the epochs and the report, which say more themselves
        print(f"\nnumtorch {args.command}: interrupted", flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
