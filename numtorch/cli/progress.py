"""A per-epoch progress bar: tqdm when installed, a built-in line otherwise, and silence when
the output is not a terminal (the trainer then prints one line per epoch instead)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts samples through one epoch and shows loss, accuracy, throughput and ETA."""

    def __init__(self, total: int, desc: str, stream: TextIO | None = None) -> None:
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar = _tqdm(total, desc, self.stream) if self.enabled else None

    def update(self, n: int, loss: float, acc: float) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.3f}", refresh=False)
            return
        self.stream.write("\r" + self._line(loss, acc))
        self.stream.flush()

    def _line(self, loss: float, acc: float) -> str:
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        return (
            f"{self.desc} [{bar}] {self.done}/{self.total} loss {loss:.4f} acc {acc:.3f} "
            f"{rate:,.0f} img/s ETA {_fmt_time(eta)}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _tqdm(total: int, desc: str, stream: TextIO):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, file=stream, unit="img", leave=False)
