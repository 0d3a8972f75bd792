"""Training progress: a per-epoch bar on a terminal, plain timed lines everywhere else.

On a terminal the bar is tqdm when installed, a built-in ``\\r`` line otherwise. When the
output is a file or a pipe (a log, CI, ``nohup``) there is no bar: a plain line -- no ``\\r``,
no ANSI codes -- is printed and flushed at least every ``interval`` seconds inside an epoch,
so a long epoch still shows it is alive. With a ``RunETA`` both also show the whole run's ETA.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "RunETA", "format_duration"]

Clock = Callable[[], float]


def format_duration(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from one hour up.

    Example:
        >>> format_duration(75), format_duration(3725)
        ('01:15', '1:02:05')
    """
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


class RunETA:
    """The time left for a whole run, from the mean time per optimizer step so far.

    The clock starts when the object is made, so the time spent between epochs (evaluation,
    checkpoints) is part of the mean and of the estimate.

    Args:
        total_steps: optimizer steps the run (or what is left of it, on resume) will take.
        clock: seconds as a float; ``time.perf_counter`` by default (tests inject a fake).

    Example:
        >>> now = [0.0]
        >>> eta = RunETA(10, clock=lambda: now[0])
        >>> eta.remaining_seconds() is None
        True
        >>> now[0] = 4.0
        >>> eta.step(2)
        >>> eta.remaining_seconds()
        16.0
    """

    def __init__(self, total_steps: int, clock: Clock | None = None) -> None:
        if total_steps < 0:
            raise ValueError(f"total_steps must be non-negative, but got {total_steps}")
        self.total_steps, self.done = int(total_steps), 0
        self._clock = clock or time.perf_counter
        self.start = self._clock()

    def step(self, n: int = 1) -> None:
        """Count ``n`` more optimizer steps as done."""
        self.done += n

    def remaining_seconds(self) -> float | None:
        """Seconds left at the mean pace so far; None before the first step."""
        if self.done <= 0:
            return None
        per_step = (self._clock() - self.start) / self.done
        return max(self.total_steps - self.done, 0) * per_step


class Progress:
    """Counts samples through one epoch and shows loss, accuracy, throughput and ETA.

    Each ``update`` is one optimizer step (it also advances ``run_eta``). Off a terminal a
    plain line is written once ``interval`` seconds (an attribute: tests lower it) have passed
    since the epoch began or since the last line.

    Args:
        total: samples in the epoch.
        desc: the epoch's label, e.g. ``"epoch 2/10"``.
        stream: where to write; ``sys.stderr`` by default.
        run_eta: the run's ``RunETA``, shown beside the epoch ETA when given.
        clock: seconds as a float; ``time.perf_counter`` by default.
    """

    interval: float = 10.0

    def __init__(
        self,
        total: int,
        desc: str,
        stream: TextIO | None = None,
        *,
        run_eta: RunETA | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self.run_eta = run_eta
        self._clock = clock or time.perf_counter
        self.start = self._last_line = self._clock()
        self.enabled = _is_terminal(self.stream)
        self._bar = _tqdm(total, desc, self.stream) if self.enabled else None

    def update(self, n: int, loss: float, acc: float) -> None:
        """Count ``n`` more samples (one optimizer step) with the running loss and accuracy."""
        self.done += n
        if self.run_eta is not None:
            self.run_eta.step()
        if not self.enabled:
            self._maybe_log(loss, acc)
        elif self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(self._postfix(loss, acc), refresh=False)
        else:
            self.stream.write("\r" + self._bar_line(loss, acc) + "\033[K")  # erase a longer line
            self.stream.flush()

    def close(self) -> None:
        """Remove the bar (the trainer prints the epoch's summary line after it)."""
        if self._bar is not None:
            self._bar.close()
        elif self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _maybe_log(self, loss: float, acc: float) -> None:
        now = self._clock()
        if now - self._last_line < self.interval:
            return
        self._last_line = now
        self.stream.write(self._plain_line(loss, acc, now) + "\n")
        self.stream.flush()

    def _rate_and_eta(self, now: float | None = None) -> tuple[float, float]:
        elapsed = (self._clock() if now is None else now) - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return rate, eta

    def _run_eta_text(self) -> str:
        left = None if self.run_eta is None else self.run_eta.remaining_seconds()
        return "" if left is None else f" | run ETA {format_duration(left)}"

    def _plain_line(self, loss: float, acc: float, now: float) -> str:
        rate, eta = self._rate_and_eta(now)
        return (
            f"{self.desc}: {self.done}/{self.total} loss {loss:.4f} acc {acc:.3f} "
            f"{rate:,.0f} img/s ETA {format_duration(eta)}{self._run_eta_text()}"
        )

    def _bar_line(self, loss: float, acc: float) -> str:
        rate, eta = self._rate_and_eta()
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        return (
            f"{self.desc} [{bar}] {self.done}/{self.total} loss {loss:.4f} acc {acc:.3f} "
            f"{rate:,.0f} img/s ETA {format_duration(eta)}{self._run_eta_text()}"
        )

    def _postfix(self, loss: float, acc: float) -> dict[str, str]:
        postfix = {"loss": f"{loss:.4f}", "acc": f"{acc:.3f}"}
        left = None if self.run_eta is None else self.run_eta.remaining_seconds()
        if left is not None:
            postfix["run ETA"] = format_duration(left)
        return postfix


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def _tqdm(total: int, desc: str, stream: TextIO):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, file=stream, unit="img", leave=False)
